"""CachingEmbedder: identical passage text is embedded once, across runs; queries never cached."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np

from knowledge.embedding import Embedder
from knowledge.embedding_cache import CachingEmbedder
from tests.factories import CountingEmbedder

TEXTS = ["Personalausweis beantragen", "Hundesteuer zahlen", "Personalausweis beantragen"]


def rows(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute("SELECT count(*) FROM passage_vectors").fetchone()[0])


def test_repeated_text_is_embedded_once(tmp_path: Path, embedder: Embedder) -> None:
    counting = CountingEmbedder(embedder)
    cache = CachingEmbedder(counting, tmp_path / "cache.sqlite3")
    first = cache.embed_passages(TEXTS)
    assert counting.passages == TEXTS[:2]  # the duplicate in one batch is embedded once
    second = cache.embed_passages(list(reversed(TEXTS)))
    assert counting.passages == TEXTS[:2]
    np.testing.assert_array_equal(second, first[::-1])
    np.testing.assert_array_equal(first[0], first[2])
    assert first.shape == (3, 384)
    assert (cache.hits, cache.misses, cache.name, cache.dim) == (4, 2, embedder.name, 384)
    cache.close()


def test_cache_survives_a_new_process(tmp_path: Path, embedder: Embedder) -> None:
    path = tmp_path / "cache.sqlite3"
    CachingEmbedder(embedder, path).embed_passages(TEXTS[:1])
    counting = CountingEmbedder(embedder)
    again = CachingEmbedder(counting, path)
    again.embed_passages(TEXTS)
    assert counting.passages == ["Hundesteuer zahlen"]
    assert rows(path) == 2
    again.close()


def test_queries_are_not_cached(tmp_path: Path, embedder: Embedder) -> None:
    path = tmp_path / "cache.sqlite3"
    cache = CachingEmbedder(embedder, path)
    vector = cache.embed_query("Was kostet ein Reisepass?")
    assert vector.shape == (384,)
    assert rows(path) == 0
    assert cache.embed_passages([]).shape == (0, 384)
    cache.close()
