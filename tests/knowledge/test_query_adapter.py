"""Query adapter: file validation, the vector it computes, and the retriever searching with it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from bot.settings import IndexSettings, Settings
from knowledge.embedding import Embedder
from knowledge.errors import ConfigurationError
from knowledge.index_edge import EdgeIndexStore
from knowledge.query_adapter import (
    QueryAdapter,
    load_query_adapter,
    packaged_adapter_path,
    resolve_query_adapter,
)
from knowledge.retrieval import Retriever, open_retriever
from knowledge.settings import RetrievalSettings
from tests.knowledge.conftest import Corpus, build_version

META = {"training_hash": "abc", "created": "2026-12-07T00:00:00Z"}
QUESTION = "Was brauche ich für einen neuen Personalausweis?"
DOG_TAX = "muenchen/7000001"


def write(path: Path, residual: np.ndarray, *, embedder: str = "multilingual-e5-small") -> Path:
    QueryAdapter(
        residual=residual.astype(np.float32),
        embedder=embedder,
        dim=residual.shape[0],
        meta=dict(META),
    ).save(path)
    return path


def test_round_trip_keeps_matrix_and_metadata(tmp_path: Path) -> None:
    residual = np.random.default_rng(0).normal(size=(4, 4)).astype(np.float32)
    loaded = load_query_adapter(write(tmp_path / "a.npz", residual, embedder="toy"))
    assert (loaded.embedder, loaded.dim) == ("toy", 4)
    assert loaded.meta["training_hash"] == "abc"
    np.testing.assert_array_equal(loaded.residual, residual)


def test_apply_is_normalised_q_plus_q_times_r() -> None:
    residual = np.array([[0.0, 1.0], [0.0, 0.0]], dtype=np.float32)
    adapter = QueryAdapter(residual=residual, embedder="toy", dim=2, meta=dict(META))
    # q = (0.6, 0.8): q + q @ R = (0.6, 1.4), then normalised.
    expected = np.array([0.6, 1.4]) / np.linalg.norm([0.6, 1.4])
    np.testing.assert_allclose(adapter.apply([0.6, 0.8]), expected, rtol=1e-6)
    assert QueryAdapter(
        residual=np.zeros((2, 2), np.float32), embedder="toy", dim=2, meta=dict(META)
    ).apply([0.6, 0.8]) == pytest.approx([0.6, 0.8])


def test_wrong_shape_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"shape \(3, 4\); expected \(3, 3\)"):
        QueryAdapter(residual=np.zeros((3, 4), np.float32), embedder="toy", dim=3, meta={})
    adapter = QueryAdapter(residual=np.zeros((3, 3), np.float32), embedder="toy", dim=3, meta={})
    with pytest.raises(
        ConfigurationError, match=r"expects 3-dimensional vectors; got shape \(2,\)"
    ):
        adapter.apply([1.0, 0.0])


def test_non_finite_values_are_refused() -> None:
    residual = np.full((2, 2), np.nan, dtype=np.float32)
    with pytest.raises(ConfigurationError, match="NaN or infinite"):
        QueryAdapter(residual=residual, embedder="toy", dim=2, meta={})


def test_missing_bad_or_incomplete_files_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"missing\.npz does not exist"):
        load_query_adapter(tmp_path / "missing.npz")
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a numpy file")
    with pytest.raises(ConfigurationError, match=r"junk\.npz is not a valid query adapter file"):
        load_query_adapter(junk)
    bare = tmp_path / "bare.npz"
    np.savez(bare, residual=np.zeros((2, 2), np.float32), meta=np.array('{"embedder": "x"}'))
    with pytest.raises(ConfigurationError, match="lacks metadata; it needs embedder, dim"):
        load_query_adapter(bare)


def test_adapter_of_another_embedder_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "minilm.npz", np.zeros((384, 384)), embedder="all-MiniLM-L6-v2")
    with pytest.raises(
        ConfigurationError,
        match=r"trained for 'all-MiniLM-L6-v2' \(384 dims\) but the embedder is "
        r"'multilingual-e5-small' \(384 dims\)",
    ):
        resolve_query_adapter(
            enabled=True, path=path, embedder_name="multilingual-e5-small", embedder_dim=384
        )


def test_shipped_adapter_fits_the_default_embedder() -> None:
    adapter = resolve_query_adapter(
        enabled=True, path=None, embedder_name="multilingual-e5-small", embedder_dim=384
    )
    assert adapter is not None
    assert adapter.residual.shape == (384, 384)
    assert adapter.tenants == ("muenchen",)
    assert adapter.applies_to("muenchen") and not adapter.applies_to("lkaugsburg")
    assert packaged_adapter_path("multilingual-e5-small").stat().st_size < 2_000_000
    # Off, or an embedder with no adapter shipped: queries are searched as embedded.
    assert (
        resolve_query_adapter(
            enabled=False, path=None, embedder_name="multilingual-e5-small", embedder_dim=384
        )
        is None
    )
    assert (
        resolve_query_adapter(enabled=True, path=None, embedder_name="other", embedder_dim=8)
        is None
    )


@pytest.fixture
def data_dir(tmp_path: Path, corpus: Corpus) -> Path:
    """A real Edge index of the tiny corpus."""
    settings = Settings(data_dir=tmp_path / "data", index=IndexSettings(backend="edge"))
    with EdgeIndexStore(settings.index_dir) as store:
        build_version(store, corpus.services, corpus.stored, corpus.identity)
    return settings.data_dir


def _steer(corpus: Corpus, embedder: Embedder) -> tuple[np.ndarray, np.ndarray]:
    """QUESTION's vector q and the dog-tax passage's vector p."""
    query = np.asarray(embedder.embed_query(QUESTION), dtype=np.float64)
    target = next(s for s in corpus.stored if s.passage.doc_id == DOG_TAX)
    return query, np.asarray(target.dense, dtype=np.float64)


@pytest.fixture
def steering_adapter(tmp_path: Path, corpus: Corpus, embedder: Embedder) -> Path:
    """An adapter whose map sends QUESTION's vector onto the dog-tax passage:
    I + R = outer(q, p), so q (I + R) = (q . q) p = p."""
    query, passage = _steer(corpus, embedder)
    return write(tmp_path / "steer.npz", np.outer(query, passage) - np.eye(len(query)))


@pytest.fixture
def adapted(data_dir: Path, steering_adapter: Path, embedder: Embedder) -> Iterator[Retriever]:
    # Centering off: these tests see the adapter alone (tests/knowledge/test_query_centering.py).
    retrieval = RetrievalSettings(
        query_adapter=True, query_adapter_path=steering_adapter, query_centering=0.0
    )
    settings = Settings(data_dir=data_dir, retrieval=retrieval)
    with open_retriever(settings, embedder) as retriever:
        yield retriever


def test_retriever_searches_passages_with_the_adapted_vector(
    adapted: Retriever, data_dir: Path, embedder: Embedder
) -> None:
    # Off by default (docs/retrieval-tuning.md, "Query adapter"): the plain query vector.
    with open_retriever(Settings(data_dir=data_dir), embedder) as unadapted:
        assert unadapted.adapter is None
        assert unadapted.search(QUESTION, tenant="muenchen", mode="dense")[0].doc_id == (
            "muenchen/1063441"
        )
    # Hybrid search uses the adapted vector; the dense probe (the dialogue's confidence
    # features, fitted on plain cosines) keeps the plain one.
    assert adapted.search(QUESTION, tenant="muenchen")[0].doc_id in {DOG_TAX, "muenchen/7000002"}
    assert adapted.search(QUESTION, tenant="muenchen", mode="dense")[0].doc_id == (
        "muenchen/1063441"
    )
    # BM25 never sees the vector; the plain embedding (emergency examples, curated
    # answers) stays the embedder's.
    assert adapted.search("Reisepass", tenant="muenchen", mode="bm25")[0].doc_id == (
        "muenchen/1063453"
    )
    assert adapted.embed_query(QUESTION) == pytest.approx(
        [float(x) for x in embedder.embed_query(QUESTION)], abs=1e-6
    )
    assert adapted.adapter is not None
    assert adapted.passage_query_vector(QUESTION, tenant="muenchen") == pytest.approx(
        adapted.adapter.apply(adapted.embed_query(QUESTION)), abs=1e-6
    )


def test_an_adapter_maps_only_the_tenants_it_was_fitted_on(
    data_dir: Path, corpus: Corpus, embedder: Embedder, tmp_path: Path
) -> None:
    steering = load_query_adapter(
        write(tmp_path / "s.npz", np.outer(*_steer(corpus, embedder)) - np.eye(384))
    )
    scoped = QueryAdapter(
        residual=steering.residual,
        embedder=steering.embedder,
        dim=steering.dim,
        meta=dict(META),
        tenants=("lkaugsburg",),
    )
    scoped.save(tmp_path / "scoped.npz")
    assert load_query_adapter(tmp_path / "scoped.npz").tenants == ("lkaugsburg",)
    settings = Settings(
        data_dir=data_dir,
        retrieval=RetrievalSettings(
            query_adapter=True, query_adapter_path=tmp_path / "scoped.npz", query_centering=0.0
        ),
    )
    with open_retriever(settings, embedder) as retriever:
        assert retriever.search(QUESTION, tenant="muenchen")[0].doc_id == "muenchen/1063441"
        assert retriever.passage_query_vector(QUESTION, tenant="muenchen") == pytest.approx(
            retriever.embed_query(QUESTION)
        )


def test_retriever_refuses_an_adapter_for_another_embedder(
    data_dir: Path, tmp_path: Path, embedder: Embedder
) -> None:
    wrong = QueryAdapter(
        residual=np.zeros((8, 8), np.float32), embedder="toy", dim=8, meta=dict(META)
    )
    with (
        EdgeIndexStore(data_dir / "index") as store,
        pytest.raises(ConfigurationError, match=r"trained for 'toy' \(8 dims\)"),
    ):
        Retriever(store, embedder, RetrievalSettings(), adapter=wrong)
