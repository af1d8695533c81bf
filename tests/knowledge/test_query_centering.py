"""Query centering: the fitted direction, its file, and the retriever searching with it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.settings import IndexSettings, Settings
from eval.query_direction_fit import fit_query_direction
from knowledge.embedding import Embedder
from knowledge.errors import ConfigurationError, SourceError
from knowledge.index_edge import EdgeIndexStore
from knowledge.query_centering import (
    QueryDirection,
    load_query_direction,
    packaged_direction_path,
    resolve_query_direction,
)
from knowledge.retrieval import open_retriever
from knowledge.settings import RetrievalSettings
from tests.knowledge.conftest import Corpus, build_version

META = {"training_hash": "abc", "created": "2026-12-07T00:00:00Z"}
QUESTION = "Was brauche ich für einen neuen Personalausweis?"


def toy(direction: list[float], *, embedder: str = "toy") -> QueryDirection:
    vector = np.asarray(direction, dtype=np.float32)
    return QueryDirection(
        direction=vector, embedder=embedder, dim=len(direction), meta={**META, "questions": 2}
    )


def test_fit_is_the_unit_mean_of_the_questions() -> None:
    fitted = QueryDirection.fit([[1.0, 0.0], [0.0, 1.0]], embedder="toy", meta=dict(META))
    np.testing.assert_allclose(fitted.direction, [2**-0.5, 2**-0.5], rtol=1e-6)
    assert fitted.meta["questions"] == 2
    assert fitted.meta["mean_length"] == pytest.approx(2**-0.5, abs=1e-4)
    with pytest.raises(ValueError, match="at least one query vector"):
        QueryDirection.fit([], embedder="toy", meta=dict(META))
    with pytest.raises(ValueError, match="cancel out"):
        QueryDirection.fit([[1.0, 0.0], [-1.0, 0.0]], embedder="toy", meta=dict(META))


def test_apply_removes_a_share_of_the_direction_and_normalises() -> None:
    direction = toy([1.0, 0.0])
    # q = (0.8, 0.6): q - 0.5 (q . u) u = (0.4, 0.6), then normalised.
    expected = np.array([0.4, 0.6]) / np.linalg.norm([0.4, 0.6])
    np.testing.assert_allclose(direction.apply([0.8, 0.6], weight=0.5), expected, rtol=1e-6)
    assert direction.apply([0.8, 0.6], weight=0.0) == pytest.approx([0.8, 0.6])
    # A query along the direction itself has nothing left at weight 1: kept as it is.
    assert direction.apply([1.0, 0.0], weight=1.0) == pytest.approx([1.0, 0.0])
    with pytest.raises(ConfigurationError, match=r"expects 2-dimensional vectors"):
        direction.apply([1.0, 0.0, 0.0], weight=0.5)


def test_a_direction_must_be_a_finite_unit_vector_of_its_dimension() -> None:
    with pytest.raises(ConfigurationError, match=r"shape \(3,\); expected \(2,\)"):
        QueryDirection(direction=np.ones(3, np.float32), embedder="toy", dim=2, meta={})
    with pytest.raises(ConfigurationError, match="not a finite unit vector"):
        toy([1.0, 1.0])
    with pytest.raises(ConfigurationError, match="not a finite unit vector"):
        toy([float("nan"), 0.0])


def test_round_trip_and_bad_files_name_the_file(tmp_path: Path) -> None:
    toy([0.6, 0.8]).save(tmp_path / "d.npz")
    loaded = load_query_direction(tmp_path / "d.npz")
    assert (loaded.embedder, loaded.dim, loaded.meta["training_hash"]) == ("toy", 2, "abc")
    np.testing.assert_allclose(loaded.direction, [0.6, 0.8], rtol=1e-6)
    with pytest.raises(ConfigurationError, match=r"missing\.npz does not exist"):
        load_query_direction(tmp_path / "missing.npz")
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a numpy file")
    with pytest.raises(ConfigurationError, match=r"junk\.npz is not a valid query direction file"):
        load_query_direction(junk)
    bare = tmp_path / "bare.npz"
    np.savez(bare, direction=np.array([1.0, 0.0], np.float32), meta=np.array('{"dim": 2}'))
    with pytest.raises(ConfigurationError, match="lacks metadata; it needs embedder, dim"):
        load_query_direction(bare)


def test_shipped_direction_fits_the_default_embedder(tmp_path: Path) -> None:
    shipped = resolve_query_direction(
        weight=0.5, path=None, embedder_name="multilingual-e5-small", embedder_dim=384
    )
    assert shipped is not None
    assert shipped.dim == 384
    assert shipped.meta["questions"] == 1120  # Integreat train, five languages
    assert packaged_direction_path("multilingual-e5-small").stat().st_size < 100_000
    # Off, or an embedder with none shipped: queries are searched uncentred.
    assert (
        resolve_query_direction(
            weight=0.0, path=None, embedder_name="multilingual-e5-small", embedder_dim=384
        )
        is None
    )
    assert resolve_query_direction(weight=0.5, path=None, embedder_name="x", embedder_dim=8) is None
    # A file for another embedder is refused.
    toy([1.0, 0.0], embedder="other").save(tmp_path / "other.npz")
    with pytest.raises(ConfigurationError, match=r"fitted for 'other' \(2 dims\)"):
        resolve_query_direction(
            weight=0.5,
            path=tmp_path / "other.npz",
            embedder_name="multilingual-e5-small",
            embedder_dim=384,
        )


@pytest.fixture
def data_dir(tmp_path: Path, corpus: Corpus) -> Path:
    """A real Edge index of the tiny corpus."""
    settings = Settings(data_dir=tmp_path / "data", index=IndexSettings(backend="edge"))
    with EdgeIndexStore(settings.index_dir) as store:
        build_version(store, corpus.services, corpus.stored, corpus.identity)
    return settings.data_dir


def test_hybrid_search_centres_the_query_and_the_dense_probe_does_not(
    data_dir: Path, embedder: Embedder
) -> None:
    on = Settings(data_dir=data_dir, retrieval=RetrievalSettings(query_centering=0.5))
    with open_retriever(on, embedder) as retriever:
        plain = retriever.embed_query(QUESTION)
        shipped = load_query_direction(packaged_direction_path(embedder.name))
        centred = retriever.passage_query_vector(QUESTION, tenant="muenchen")
        assert centred == pytest.approx(shipped.apply(plain, weight=0.5), abs=1e-6)
        assert float(np.dot(centred, shipped.direction)) < float(np.dot(plain, shipped.direction))
        # The dense probe (the confidence model's cosines) keeps the plain vector.
        dense = retriever.search_passages(QUESTION, tenant="muenchen", mode="dense", k=1)
        assert dense[0].score == pytest.approx(
            max(float(np.dot(plain, p.dense)) for p in retriever.stored_passages("muenchen")),
            abs=1e-4,
        )
        assert retriever.search(QUESTION, tenant="muenchen")[0].doc_id == "muenchen/1063441"
    # Off by default (knowledge/settings.py): the plain vector everywhere.
    assert Settings(data_dir=data_dir).retrieval.query_centering == 0.0
    with open_retriever(Settings(data_dir=data_dir), embedder) as retriever:
        assert retriever.passage_query_vector(QUESTION, tenant="muenchen") == pytest.approx(
            retriever.embed_query(QUESTION), abs=1e-6
        )


def test_fit_reads_training_files_only(data_dir: Path, embedder: Embedder, tmp_path: Path) -> None:
    train = tmp_path / "integreat_train_xx.jsonl"
    train.write_text(
        '{"question": "Wo beantrage ich Kindergeld?", "tenant": "lkaugsburg", '
        '"expected": ["lkaugsburg/5484709"]}\n'
        '{"question": "Was kostet ein Reisepass?", "tenant": "muenchen", "expected": []}\n',
        encoding="utf-8",
    )
    with open_retriever(Settings(data_dir=data_dir), embedder) as retriever:
        fitted = fit_query_direction(retriever, [train], search_text=lambda q, _t: q)
        vectors = retriever.embed_queries(
            ["Wo beantrage ich Kindergeld?", "Was kostet ein Reisepass?"]
        )
        mean = np.mean(vectors, axis=0)
        np.testing.assert_allclose(fitted.direction, mean / np.linalg.norm(mean), atol=1e-5)
        assert fitted.meta["questions"] == 2
        assert fitted.meta["questions_files"] == ["integreat_train_xx.jsonl"]
        dev = tmp_path / "integreat_dev_xx.jsonl"
        dev.write_text(train.read_text(encoding="utf-8"), encoding="utf-8")
        with pytest.raises(SourceError, match="dev, holdout or test set"):
            fit_query_direction(retriever, [dev], search_text=lambda q, _t: q)
