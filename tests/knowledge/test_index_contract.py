"""One contract suite, run against both index backends (Qdrant Edge and qdrant-client)."""

from __future__ import annotations

from pathlib import Path

import pytest
from qdrant_client import QdrantClient

from bot.settings import RetrievalSettings
from knowledge.embedding import Embedder
from knowledge.errors import EmbedderMismatchError, IndexNotFoundError, SearchIndexError
from knowledge.index import EmbedderIdentity, IndexReader, IndexStore, SearchMode
from knowledge.index_client import ClientIndexStore
from knowledge.index_edge import EdgeIndexStore
from knowledge.retrieval import Retriever
from knowledge.sparse import Bm25Encoder
from tests.knowledge.conftest import Corpus, StoreFactory, build_version

MODES: list[SearchMode] = ["hybrid", "dense", "bm25"]
TWINS = ["muenchen/7000001", "muenchen/7000002"]
_QUERY_VECTORS: dict[str, list[float]] = {}


def search(
    reader: IndexReader,
    embedder: Embedder,
    query: str,
    *,
    tenant: str = "muenchen",
    mode: SearchMode = "hybrid",
) -> list[str]:
    """Passage ids for ``query``, best first (query vectors are embedded once per session)."""
    if query not in _QUERY_VECTORS:
        _QUERY_VECTORS[query] = embedder.embed_query(query).tolist()
    hits = reader.search(
        dense=_QUERY_VECTORS[query],
        sparse=Bm25Encoder().query(query),
        tenant=tenant,
        limit=10,
        mode=mode,
        candidates=20,
        weights=(1.0, 1.0),
        rrf_k=60,
    )
    return [hit.passage.passage_id for hit in hits]


@pytest.fixture
def store(make_store: StoreFactory, corpus: Corpus) -> IndexStore:
    """A store holding the corpus as its one version."""
    store = make_store()
    build_version(store, corpus.services, corpus.stored, corpus.identity)
    return store


@pytest.mark.parametrize("mode", MODES)
def test_search_finds_the_service_in_every_mode(
    store: IndexStore, embedder: Embedder, mode: SearchMode
) -> None:
    ids = search(store.reader(), embedder, "Reisepass für eine Reise beantragen", mode=mode)
    assert ids[0] == "muenchen/1063453#0"


def test_search_is_scoped_to_the_tenant(store: IndexStore, embedder: Embedder) -> None:
    reader = store.reader()
    ids = search(reader, embedder, "Personalausweis beantragen", tenant="lkaugsburg")
    assert ids[0] == "lkaugsburg/5484800#0"
    assert all(i.startswith("lkaugsburg/") for i in ids)
    assert all(i.startswith("muenchen/") for i in search(reader, embedder, "Kindergeld"))


def test_get_service_returns_the_full_service(store: IndexStore, corpus: Corpus) -> None:
    reader = store.reader()
    assert reader.get_service("muenchen/1063441") == corpus.services[0]
    assert reader.get_service("muenchen/404") is None


def test_stored_passages_keep_their_vectors(store: IndexStore, corpus: Corpus) -> None:
    reader = store.reader()
    stored = {p.passage.passage_id: p for p in reader.iter_stored("lkaugsburg")}
    originals = {p.passage.passage_id: p for p in corpus.stored if p.passage.tenant == "lkaugsburg"}
    assert sorted(stored) == sorted(originals)
    for key, original in originals.items():
        assert stored[key].passage == original.passage
        assert stored[key].dense == pytest.approx(original.dense, abs=1e-6)
        assert stored[key].sparse_indices == original.sparse_indices
        assert stored[key].sparse_values == pytest.approx(original.sparse_values)
        assert stored[key].service_hash == original.service_hash
    assert len(list(reader.iter_stored())) == len(corpus.stored)


def test_services_and_hashes_per_tenant(store: IndexStore, corpus: Corpus) -> None:
    reader = store.reader()
    expected = {s.doc_id: s.content_hash() for s in corpus.services if s.tenant == "lkaugsburg"}
    assert reader.service_hashes("lkaugsburg") == expected
    assert sorted(s.doc_id for s in reader.iter_services("lkaugsburg")) == sorted(expected)
    assert len(list(reader.iter_services())) == len(corpus.services)


def test_meta_describes_the_version(store: IndexStore, corpus: Corpus) -> None:
    meta = store.reader().meta
    assert meta.version == store.current_version()
    assert meta.embedder == corpus.identity
    assert (meta.passages, meta.services) == (len(corpus.stored), len(corpus.services))
    assert meta.tenants == ["lkaugsburg", "muenchen"]


def test_a_version_without_a_service_deletes_it(
    store: IndexStore, corpus: Corpus, embedder: Embedder
) -> None:
    services, stored = corpus.without("muenchen/1063453")
    build_version(store, services, stored, corpus.identity)
    reader = store.reader()
    assert reader.get_service("muenchen/1063453") is None
    ids = search(reader, embedder, "Reisepass für eine Reise beantragen")
    assert not any(i.startswith("muenchen/1063453") for i in ids)
    assert "muenchen/1063453" not in reader.service_hashes("muenchen")


def test_old_versions_beyond_keep_versions_are_deleted(
    make_store: StoreFactory, corpus: Corpus
) -> None:
    store = make_store(keep_versions=2)
    names = [
        build_version(store, corpus.services, corpus.stored, corpus.identity).version
        for _ in range(3)
    ]
    assert names == sorted(names)
    assert store.versions() == names[1:]
    assert store.current_version() == names[2]
    assert store.reader().meta.version == names[2]


def test_abort_leaves_the_current_version_serving(
    store: IndexStore, corpus: Corpus, embedder: Embedder
) -> None:
    before = (store.current_version(), search(store.reader(), embedder, "Kindergeld"))
    writer = store.writer(corpus.identity)
    writer.add(corpus.stored[:1], corpus.services[:1])
    writer.abort()
    assert (store.current_version(), search(store.reader(), embedder, "Kindergeld")) == before
    assert len(store.versions()) == 1


def test_a_second_writer_is_refused_while_one_is_open(store: IndexStore, corpus: Corpus) -> None:
    writer = store.writer(corpus.identity)
    with pytest.raises(SearchIndexError, match="Another ingest is writing the"):
        store.writer(corpus.identity)
    writer.abort()
    store.writer(corpus.identity).abort()  # free again


def test_readers_swap_to_a_newly_committed_version(
    make_store: StoreFactory, corpus: Corpus
) -> None:
    writing = make_store()
    serving = make_store(refresh_interval_s=0.0)  # another process serving the same index
    services, stored = corpus.without("muenchen/1063453")
    first = build_version(writing, services, stored, corpus.identity)
    assert serving.reader().get_service("muenchen/1063453") is None
    second = build_version(writing, corpus.services, corpus.stored, corpus.identity)
    reader = serving.reader()
    assert (first.version, reader.meta.version) == (first.version, second.version)
    assert reader.get_service("muenchen/1063453") is not None


@pytest.mark.parametrize("mode", MODES)
def test_ties_are_ordered_by_id_every_time(
    store: IndexStore, embedder: Embedder, mode: SearchMode
) -> None:
    reader = store.reader()
    runs = {
        tuple(search(reader, embedder, "Hundesteuer für den Hund", mode=mode)) for _ in range(10)
    }
    assert len(runs) == 1
    (ids,) = runs
    assert [i.split("#")[0] for i in ids[:2]] == TWINS


def test_bm25_scores_of_a_tenant_ignore_other_tenants(
    make_store: StoreFactory, corpus: Corpus
) -> None:
    store = make_store()
    query = Bm25Encoder().query("Personalausweis beantragen")

    def scores() -> list[float]:
        hits = store.reader().search(
            dense=None,
            sparse=query,
            tenant="muenchen",
            limit=10,
            mode="bm25",
            candidates=20,
            weights=(1.0, 1.0),
            rrf_k=60,
        )
        return [hit.score for hit in hits]

    munich = [s for s in corpus.services if s.tenant == "muenchen"]
    munich_passages = [p for p in corpus.stored if p.passage.tenant == "muenchen"]
    build_version(store, munich, munich_passages, corpus.identity)
    alone = scores()
    # lkaugsburg also talks about the Personalausweis: a global IDF would change these scores.
    build_version(store, corpus.services, corpus.stored, corpus.identity)
    assert scores() == pytest.approx(alone, rel=1e-6)


def test_empty_results_when_nothing_matches(store: IndexStore, embedder: Embedder) -> None:
    # Only stopwords: the BM25 query vector is empty, so there is nothing to match.
    assert search(store.reader(), embedder, "was ist das", mode="bm25") == []
    assert search(store.reader(), embedder, "Kindergeld", tenant="nobody") == []


def test_an_empty_store_has_no_reader(make_store: StoreFactory) -> None:
    store = make_store()
    assert (store.current_version(), store.versions()) == (None, [])
    with pytest.raises(IndexNotFoundError, match="nothing has been ingested yet"):
        store.reader()


def test_an_index_of_another_embedder_is_refused(
    make_store: StoreFactory, corpus: Corpus, embedder: Embedder
) -> None:
    store = make_store()
    other = EmbedderIdentity(name="all-MiniLM-L6-v2", dim=384)
    build_version(store, corpus.services, corpus.stored, other)
    with pytest.raises(EmbedderMismatchError) as error:
        Retriever(store, embedder, RetrievalSettings())
    assert str(error.value) == (
        "Index built with 'all-MiniLM-L6-v2' (384 dims) but settings ask for "
        "'multilingual-e5-small' (384 dims); re-run `govbot ingest` into a new GOVBOT_DATA_DIR "
        "or change GOVBOT_EMBEDDING__BACKEND / GOVBOT_EMBEDDING__MODEL back"
    )


def test_both_backends_rank_identically(tmp_path: Path, corpus: Corpus, embedder: Embedder) -> None:
    edge = EdgeIndexStore(tmp_path / "index")
    client = ClientIndexStore(QdrantClient(":memory:"), payload_indexes=False)
    for store in (edge, client):
        build_version(store, corpus.services, corpus.stored, corpus.identity)
    queries = ["Personalausweis beantragen", "Hundesteuer", "Umzug nach München", "Reise"]
    try:
        for mode in MODES:
            for query in queries:
                expected = search(edge.reader(), embedder, query, mode=mode)
                assert search(client.reader(), embedder, query, mode=mode) == expected
    finally:
        edge.close()
        client.close()
