"""Retriever: documents not passages, bad input, tenants, embedder identity, version swaps."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from bot.settings import IndexSettings, Settings
from knowledge.embedding import Embedder
from knowledge.errors import (
    EmbedderMismatchError,
    IndexNotFoundError,
    InvalidQueryError,
    UnknownTenantError,
)
from knowledge.index import EmbedderIdentity
from knowledge.index_client import ClientIndexStore
from knowledge.index_edge import EdgeIndexStore
from knowledge.models import Translation
from knowledge.query_bounds import shorten
from knowledge.retrieval import Retriever, open_retriever, open_store
from tests.factories import CountingEmbedder, write_dictd
from tests.knowledge.conftest import Corpus, build_version

TEN_MB = 10 * 1024 * 1024


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Explicit settings over a temporary data directory (Edge backend)."""
    return Settings(data_dir=tmp_path / "data", index=IndexSettings(backend="edge"))


@pytest.fixture
def retriever(settings: Settings, corpus: Corpus, embedder: Embedder) -> Iterator[Retriever]:
    """A Retriever over the corpus, opened the way the CLI and API open it."""
    with EdgeIndexStore(settings.index_dir) as store:
        build_version(store, corpus.services, corpus.stored, corpus.identity)
    with open_retriever(settings, embedder) as retriever:
        yield retriever


def test_search_returns_one_hit_per_document_best_first(retriever: Retriever) -> None:
    hits = retriever.search("Was brauche ich für einen neuen Personalausweis?", tenant="muenchen")
    assert hits[0].doc_id == "muenchen/1063441"
    assert hits[0].title == "Personalausweis"
    assert len({h.doc_id for h in hits}) == len(hits) == 5
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert all(h.tenant == "muenchen" for h in hits)


def test_k_and_mode_are_honoured(retriever: Retriever) -> None:
    assert len(retriever.search("Hundesteuer", tenant="muenchen", k=2)) == 2
    bm25 = retriever.search("Hundesteuer", tenant="muenchen", mode="bm25")
    assert [h.doc_id for h in bm25] == ["muenchen/7000001", "muenchen/7000002"]


def test_identical_documents_are_ordered_by_doc_id(retriever: Retriever) -> None:
    runs = {tuple(h.doc_id for h in retriever.search("Hund", tenant="muenchen")) for _ in range(5)}
    assert len(runs) == 1
    assert list(runs.pop()[:2]) == ["muenchen/7000001", "muenchen/7000002"]


def test_get_service_tenants_and_meta(retriever: Retriever, corpus: Corpus) -> None:
    assert retriever.get_service("lkaugsburg/5484709") == corpus.services[5]
    assert retriever.get_service("lkaugsburg/0") is None
    assert retriever.tenants() == ["lkaugsburg", "muenchen"]
    assert retriever.meta.embedder == corpus.identity


@pytest.mark.parametrize("query", ["", "   \n\t "])
def test_empty_query_is_refused(retriever: Retriever, query: str) -> None:
    with pytest.raises(InvalidQueryError) as error:
        retriever.search(query, tenant="muenchen")
    assert str(error.value) == (
        "Query is empty; ask a question such as 'Wie beantrage ich einen Personalausweis?'"
    )


def test_ten_megabyte_query_fails_fast_before_embedding(retriever: Retriever) -> None:
    query = "Personalausweis " * (TEN_MB // 16)
    started = time.perf_counter()
    with pytest.raises(InvalidQueryError) as error:
        retriever.search(query, tenant="muenchen")
    assert time.perf_counter() - started < 0.5
    assert str(error.value) == (
        "Query is 10,485,760 characters long; the limit is 2,000 "
        "(GOVBOT_RETRIEVAL__MAX_QUERY_CHARS); ask a shorter question"
    )


def test_query_that_is_not_text_is_refused(retriever: Retriever) -> None:
    with pytest.raises(InvalidQueryError, match="Query is not valid text: surrogates not allowed"):
        retriever.search("Ausweis \udcff", tenant="muenchen")


def test_k_below_one_is_refused(retriever: Retriever) -> None:
    with pytest.raises(InvalidQueryError, match="k must be at least 1; got 0"):
        retriever.search("Ausweis", tenant="muenchen", k=0)


def test_unknown_tenant_names_the_known_ones(retriever: Retriever) -> None:
    with pytest.raises(UnknownTenantError) as error:
        retriever.search("Personalausweis", tenant="berlin")
    assert str(error.value) == (
        "Unknown tenant 'berlin': the index has no passages for it (known tenants: "
        "lkaugsburg, muenchen); ingest it first, e.g. `govbot ingest folder DIR --tenant berlin`"
    )


def test_index_of_another_embedder_is_refused_on_open(
    settings: Settings, corpus: Corpus, embedder: Embedder
) -> None:
    with EdgeIndexStore(settings.index_dir) as store:
        other = EmbedderIdentity(name="multilingual-e5-small", dim=768)
        build_version(store, corpus.services, corpus.stored[:0], other)
    with pytest.raises(EmbedderMismatchError, match=r"\(768 dims\) but settings ask for"):
        open_retriever(settings, embedder)


def test_empty_data_dir_opens_but_cannot_search(settings: Settings, embedder: Embedder) -> None:
    with (
        open_retriever(settings, embedder) as retriever,
        pytest.raises(IndexNotFoundError) as error,
    ):
        retriever.search("Personalausweis", tenant="muenchen")
    assert str(error.value) == (
        f"No index in {settings.index_dir}: nothing has been ingested yet; run "
        "`govbot ingest dldb PATH --tenant SLUG` (or another source) first"
    )


def test_a_new_version_is_served_without_a_restart(
    retriever: Retriever, settings: Settings, corpus: Corpus
) -> None:
    assert retriever.get_service("muenchen/1063453") is not None
    services, stored = corpus.without("muenchen/1063453")
    with EdgeIndexStore(settings.index_dir) as other_process:
        new = build_version(other_process, services, stored, corpus.identity)
    time.sleep(1.1)  # readers look at the pointer at most once per second
    assert retriever.meta.version == new.version
    assert retriever.get_service("muenchen/1063453") is None
    hits = retriever.search("Reisepass", tenant="muenchen", k=10)
    assert "muenchen/1063453" not in [h.doc_id for h in hits]


def test_client_backend_without_url_keeps_its_index_in_the_data_dir(
    tmp_path: Path, corpus: Corpus, embedder: Embedder
) -> None:
    settings = Settings(data_dir=tmp_path / "data", index=IndexSettings(backend="client"))
    with open_store(settings) as store:
        assert isinstance(store, ClientIndexStore)
        meta = build_version(store, corpus.services, corpus.stored, corpus.identity)
    with open_retriever(settings, embedder) as retriever:
        assert retriever.meta.version == meta.version
        assert retriever.search("Kindergeld", tenant="lkaugsburg")[0].doc_id == "lkaugsburg/5484709"


@pytest.mark.parametrize(("memo", "embedded"), [(0, 3), (64, 1)])
def test_the_query_memo_follows_the_settings(
    settings: Settings, corpus: Corpus, embedder: Embedder, memo: int, embedded: int
) -> None:
    # GOVBOT_RETRIEVAL__QUERY_MEMO_SIZE: 0 embeds a repeated query every time.
    with EdgeIndexStore(settings.index_dir) as store:
        build_version(store, corpus.services, corpus.stored, corpus.identity)
    settings.retrieval.query_memo_size = memo
    counting = CountingEmbedder(embedder)
    with open_retriever(settings, counting) as retriever:
        for _ in range(3):
            retriever.embed_query("Personalausweis beantragen")
    assert counting.queries == embedded


@pytest.mark.parametrize(("memo", "embedded"), [(0, [3, 3]), (64, [3, 1])])
def test_queries_embedded_together_are_those_of_one_at_a_time(
    settings: Settings, corpus: Corpus, embedder: Embedder, memo: int, embedded: list[int]
) -> None:
    """``embed_queries`` (the emergency examples at start) gives each text's ``embed_query``
    vector, in one embedder call, and shares the memo with it."""
    with EdgeIndexStore(settings.index_dir) as store:
        build_version(store, corpus.services, corpus.stored, corpus.identity)
    settings.retrieval.query_memo_size = memo
    settings.retrieval.max_embed_chars = 50  # shortened like a single query
    texts = ["Personalausweis beantragen", "Hund anmelden", "Wohnung " * 20]
    counting = CountingEmbedder(embedder)
    with open_retriever(settings, counting) as retriever:
        together = retriever.embed_queries(texts)
        counted = [counting.queries]
        alone = [retriever.embed_query(text) for text in [*texts[:2], "Neue Frage"]]
        counted.append(counting.queries - counted[0])
        assert retriever.embed_queries([]) == []

    assert counted == embedded
    assert np.allclose(together[:2], alone[:2], atol=1e-6)
    bounded = shorten(texts[2], max_chars=50, max_word_chars=settings.retrieval.max_word_chars)
    assert bounded != texts[2]
    assert np.allclose(together[2], embedder.embed_query(bounded), atol=1e-6)


def test_tenant_languages_are_its_documents_and_their_translations(
    settings: Settings, corpus: Corpus, embedder: Embedder
) -> None:
    english = Translation(language="en", title="Child benefit", summary="Apply for it.")
    services = [
        s.model_copy(update={"translations": [english]}) if s.doc_id == "lkaugsburg/5484709" else s
        for s in corpus.services
    ]
    with EdgeIndexStore(settings.index_dir) as store:
        build_version(store, services, corpus.stored, corpus.identity)
    with open_retriever(settings, embedder) as retriever:
        assert retriever.tenant_languages("muenchen") == {"de"}
        assert retriever.tenant_languages("lkaugsburg") == {"de", "en"}
        assert retriever.sparse_weight("lkaugsburg", "en") == settings.retrieval.sparse_weight
        assert retriever.sparse_weight("muenchen", "en") == 0.0


def test_bm25_is_not_weighed_for_a_language_the_tenant_does_not_write(
    retriever: Retriever, settings: Settings, embedder: Embedder
) -> None:
    """A French question meets German pages in BM25 only by accident (docs/retrieval-tuning.md,
    "BM25 and the query's language"): hybrid search then ranks as without BM25."""
    question = "J'ai perdu mon Personalausweis et mon Reisepass, que faire ?"
    assert retriever.sparse_weight("muenchen", "fr") == 0.0
    assert retriever.sparse_weight("muenchen", "de") == retriever.sparse_weight("muenchen", None)
    french = retriever.search(question, tenant="muenchen", language="fr")
    unknown = retriever.search(question, tenant="muenchen")
    assert retriever.search(question, tenant="muenchen", language="de") == unknown
    assert [h.score for h in french] != [h.score for h in unknown]  # BM25 did count before
    no_bm25 = settings.model_copy(
        update={"retrieval": settings.retrieval.model_copy(update={"sparse_weight": 0.0})}
    )
    with open_retriever(no_bm25, embedder) as plain:
        assert plain.search(question, tenant="muenchen") == french


def test_the_bm25_weight_of_another_language_follows_the_settings(
    settings: Settings, corpus: Corpus, embedder: Embedder
) -> None:
    with EdgeIndexStore(settings.index_dir) as store:
        build_version(store, corpus.services, corpus.stored, corpus.identity)
    same = settings.model_copy(
        update={
            "retrieval": settings.retrieval.model_copy(
                update={"unwritten_language_sparse_weight": settings.retrieval.sparse_weight}
            )
        }
    )
    with open_retriever(same, embedder) as retriever:
        question = "J'ai perdu mon Personalausweis et mon Reisepass, que faire ?"
        assert retriever.search(question, tenant="muenchen", language="fr") == retriever.search(
            question, tenant="muenchen"
        )


def test_passage_rrf_weighs_bm25_by_the_language_too(
    settings: Settings, corpus: Corpus, embedder: Embedder
) -> None:
    with EdgeIndexStore(settings.index_dir) as store:
        build_version(store, corpus.services, corpus.stored, corpus.identity)
    question = "J'ai perdu mon Personalausweis et mon Reisepass, que faire ?"

    def rrf(**changes: float) -> Settings:
        retrieval = settings.retrieval.model_copy(update={"fusion": "rrf", **changes})
        return settings.model_copy(update={"retrieval": retrieval})

    with open_retriever(rrf(), embedder) as retriever:
        french = retriever.search(question, tenant="muenchen", language="fr")
        assert french != retriever.search(question, tenant="muenchen")
    with open_retriever(rrf(sparse_weight=0.0), embedder) as plain:
        assert plain.search(question, tenant="muenchen") == french


def _translating(settings: Settings, dictionaries: Path, weight: float = 0.3) -> Settings:
    retrieval = settings.retrieval.model_copy(
        update={"translated_sparse_weight": weight, "dictionary_dir": dictionaries}
    )
    return settings.model_copy(update={"retrieval": retrieval})


@pytest.fixture
def french_german(tmp_path: Path) -> Path:
    """A directory holding a small French–German dictionary in FreeDict's dictd format."""
    folder = tmp_path / "dictd"
    folder.mkdir()
    write_dictd(
        folder / "freedict-fra-deu",
        [
            ("passeport", "passeport /pas.pɔʁ/ <n, masc>\nReisepass, Pass\n"),
            ("pièce d'identité", "pièce d'identité <n, fem>\nAusweis, Reisepass\n"),
        ],
    )
    return folder


def test_a_question_in_a_language_the_tenant_does_not_write_searches_bm25_in_german(
    settings: Settings, corpus: Corpus, embedder: Embedder, french_german: Path
) -> None:
    """Dictionary query translation (docs/retrieval-tuning.md, "Dictionary query
    translation"): the French words become German BM25 tokens at their own weight."""
    with EdgeIndexStore(settings.index_dir) as store:
        build_version(store, corpus.services, corpus.stored, corpus.identity)
    question = "Il me faut une nouvelle pièce d'identité, laquelle ?"
    with open_retriever(settings, embedder) as plain:
        before = plain.search(question, tenant="muenchen", language="fr")
        german = plain.search(question, tenant="muenchen", language="de")
        ukrainian = plain.search(question, tenant="muenchen", language="uk")
        assert plain.translated_query(question, tenant="muenchen", language="fr") is None
    with open_retriever(_translating(settings, french_german), embedder) as retriever:
        translated = retriever.translated_query(question, tenant="muenchen", language="fr")
        assert translated is not None
        assert translated == (
            retriever._sparse.query("Ausweis")[0] + retriever._sparse.query("Reisepass")[0],
            [0.5, 0.5],
        )
        after = retriever.search(question, tenant="muenchen", language="fr")
        assert {h.doc_id for h in after[:2]} == {"muenchen/1063441", "muenchen/1063453"}
        assert [h.score for h in after] != [h.score for h in before]
        # German is written by the tenant, a language without a dictionary is not translated,
        # and an unknown language is not guessed.
        assert retriever.search(question, tenant="muenchen", language="de") == german
        assert retriever.search(question, tenant="muenchen", language="uk") == ukrainian
        assert retriever.translated_query(question, tenant="muenchen", language=None) is None


def test_without_dictionaries_translation_changes_nothing(
    settings: Settings, corpus: Corpus, embedder: Embedder, tmp_path: Path
) -> None:
    with EdgeIndexStore(settings.index_dir) as store:
        build_version(store, corpus.services, corpus.stored, corpus.identity)
    question = "J'ai perdu mon passeport, que faire ?"
    with open_retriever(settings, embedder) as plain:
        before = plain.search(question, tenant="muenchen", language="fr")
    with open_retriever(_translating(settings, tmp_path / "none"), embedder) as retriever:
        assert retriever.search(question, tenant="muenchen", language="fr") == before
