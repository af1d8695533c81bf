"""Answers from the page in the citizen's language (issue 13 item 3), on a real index of
real German Integreat pages with their English versions (one document, two languages)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.answer import AnswerStatus
from bot.assistant import build_engine
from bot.compose.extractive import Composer
from bot.dialogue.engine import DialogueEngine
from bot.dialogue.policy import Policy
from bot.settings import Settings
from ingest.chunking import chunk_service
from ingest.integreat import attach_translations, load_integreat, load_translations
from ingest.sync import sync_tenant
from knowledge.embedding import Embedder
from knowledge.retrieval import Retriever, open_retriever, open_store
from tests.factories import CountingSearch

DATA = Path(__file__).resolve().parents[3] / "data" / "integreat"
TENANT = "lkaugsburg"
INTERPRETING = "5409643"  # "Dolmetschen und Übersetzen" / "Interpreting and translation"
MEASLES = "5347092"  # measles vaccination
WORK_PERMIT = "5391933"
PAGES = (INTERPRETING, MEASLES, WORK_PERMIT)


@pytest.fixture(scope="module")
def translated_index(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder
) -> Iterator[tuple[Settings, Retriever]]:
    settings = Settings(env="test", data_dir=tmp_path_factory.mktemp("translated-index"))
    german = [
        s
        for s in load_integreat(DATA / "lkaugsburg_de_pages.json", tenant=TENANT)
        if s.native_id in PAGES
    ]
    english = load_translations(DATA / "lkaugsburg_en_pages.json", tenant=TENANT)
    services, _ = attach_translations(german, [english])
    assert len(services) == len(PAGES) and all(s.translations for s in services)
    store = open_store(settings)
    try:
        sync_tenant(
            services,
            tenant=TENANT,
            source="integreat",
            store=store,
            embedder=embedder,
            chunker=chunk_service,
        )
    finally:
        store.close()
    retriever = open_retriever(settings, embedder=embedder)
    yield settings, retriever
    retriever.close()


@pytest.fixture(scope="module")
def engine(translated_index: tuple[Settings, Retriever]) -> DialogueEngine:
    settings, retriever = translated_index
    return build_engine(settings, retriever, policy=Policy.from_yaml())


def test_an_english_question_is_answered_from_the_english_page(engine: DialogueEngine) -> None:
    answer = engine.respond(
        "How do I get an interpreter for my appointment at the immigration office?",
        tenant=TENANT,
        history=[],
    )
    assert answer.status is AnswerStatus.ANSWERED
    assert answer.language == "en"
    first = answer.citations[0]
    assert first.doc_id == f"{TENANT}/{INTERPRETING}"  # the German document's id
    assert first.language == "en"
    assert first.title == "Professional interpreting and translation by specialised staff"
    assert "/lkaugsburg/en/" in first.url
    # Issue 17: the answering sentences first, the source named below them.
    assert 'Source: "Professional interpreting and translation by specialised staff"' in (
        answer.text
    )
    assert "Some authorities and organisations will provide you with an interpreter" in answer.text
    assert "only available in German" not in answer.text
    assert all(c.language == "en" for c in answer.citations)


def test_a_french_question_gets_the_german_excerpt_framed_in_french(
    translated_index: tuple[Settings, Retriever],
) -> None:
    """No French version: the German text, said to be German only, with its German title."""
    _, retriever = translated_index
    page = retriever.get_service(f"{TENANT}/{MEASLES}")
    assert page is not None and page.languages == ["de", "en"]
    composer = Composer(Policy.from_yaml().texts)
    composition = composer.answer(
        page,
        "Quand mon enfant doit-il être vacciné contre la rougeole ?",
        aspects=[],
        language="fr",
    )
    assert composition.text.startswith(
        f"Cette information n'existe qu'en allemand – extrait de « {page.title} » :\n"
    )
    assert "Masern" in composition.text
    assert [c.language for c in composition.citations] == ["de"]
    assert composition.citations[0].title == page.title
    assert "/lkaugsburg/de/" in composition.citations[0].url


def test_a_german_question_keeps_the_german_page(
    translated_index: tuple[Settings, Retriever],
) -> None:
    _, retriever = translated_index
    page = retriever.get_service(f"{TENANT}/{MEASLES}")
    assert page is not None
    composition = Composer(Policy.from_yaml().texts).answer(
        page, "Wann muss mein Kind gegen Masern geimpft sein?", aspects=[], language="de"
    )
    assert f"Quelle: „{page.title}“ · Stand:" in composition.text  # issue 17: source below
    assert "nur auf Deutsch" not in composition.text
    assert [c.language for c in composition.citations] == ["de"]


def test_search_meets_the_english_passages_of_the_same_document(
    translated_index: tuple[Settings, Retriever],
) -> None:
    _, retriever = translated_index
    hits = retriever.search("measles vaccination for children", tenant=TENANT, k=3)
    assert hits[0].doc_id == f"{TENANT}/{MEASLES}"
    assert hits[0].language == "en"
    assert len({h.doc_id for h in hits}) == len(hits)  # one result per document


def test_hybrid_search_weighs_bm25_by_the_questions_language(
    translated_index: tuple[Settings, Retriever],
) -> None:
    """The page is written in German and English: a French question is searched without
    BM25 (its words meet the pages only by accident), an English one with it
    (docs/retrieval-tuning.md, "BM25 and the query's language")."""
    settings, retriever = translated_index
    counting = CountingSearch(retriever)
    engine = build_engine(settings, counting, policy=Policy.from_yaml())
    french = "Quand mon enfant doit-il être vacciné contre la rougeole ?"
    english = "When does my child have to be vaccinated against measles?"
    for question in (french, english):
        engine.respond(question, tenant=TENANT, history=[])
    assert counting.languages == ["fr", "en"]
    assert retriever.tenant_languages(TENANT) == {"de", "en"}
    assert retriever.sparse_weight(TENANT, "fr") == 0.0
    assert retriever.sparse_weight(TENANT, "en") == settings.retrieval.sparse_weight


def test_choices_carry_the_titles_of_the_pages_in_the_question_s_language(
    translated_index: tuple[Settings, Retriever],
) -> None:
    # A deployment that prefers asking (an answer threshold no question reaches) offers
    # the pages as choices: an English question chooses between the English titles, a
    # German one between the German titles (issue 13 item 2).
    settings, retriever = translated_index
    asking = settings.model_copy(deep=True)
    asking.dialogue.min_confidence = 0.999
    engine = build_engine(asking, retriever, policy=Policy.from_yaml())
    english = engine.respond(
        "Where can I get help with interpreting and translation?", tenant=TENANT, history=[]
    )
    assert english.status is AnswerStatus.CLARIFY and english.language == "en"
    chosen = {o.doc_id: o.title for o in english.options}
    assert chosen[f"{TENANT}/{INTERPRETING}"] == (
        "Professional interpreting and translation by specialised staff"
    )
    assert all(f"- {title}" in english.text for title in chosen.values())
    german = engine.respond(
        "Wo bekomme ich Hilfe beim Dolmetschen und Übersetzen?", tenant=TENANT, history=[]
    )
    assert german.status is AnswerStatus.CLARIFY and german.language == "de"
    titles = {o.doc_id: o.title for o in german.options}
    service = retriever.get_service(f"{TENANT}/{INTERPRETING}")
    assert service is not None and titles[service.doc_id] == service.title
    assert service.title != chosen[service.doc_id]
