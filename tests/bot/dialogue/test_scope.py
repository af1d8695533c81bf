"""Scope follows the tenant's content (issue 12 item 5), on a real small two-tenant index.

A region whose Integreat pages cover pharmacies answers "Rezept in der Apotheke"; a city
without such content still says that it does not cover the topic.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.answer import AnswerStatus
from bot.assistant import build_engine
from bot.dialogue.engine import DialogueEngine
from bot.dialogue.policy import Policy
from bot.settings import Settings
from ingest.integreat import load_integreat
from knowledge.embedding import Embedder
from knowledge.retrieval import Retriever, open_retriever
from tests.conftest import build_index, munich_services, session_settings
from tests.factories import CountingSearch

DATA = Path(__file__).resolve().parents[3] / "data"
PHARMACIES = "lkaugsburg/5346971"  # Medikamente und Apotheken
HEALTH_PAGES = (
    "5346971",  # Medikamente und Apotheken
    "5346954",  # Arztbesuch
    "5347301",  # Krankenversicherung ist Pflicht
    "5346964",  # Impfungen
    "5408053",  # Agentur für Arbeit und Arbeitslosengeld
    "5387617",  # Allgemeinbildende Schulen
)
PRESCRIPTION = "Was bekomme ich mit einem Rezept in der Apotheke?"


@pytest.fixture(scope="module")
def scope_index(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Settings:
    """Six real Landkreis Augsburg pages and two real Munich services in one index."""
    settings = session_settings(tmp_path_factory.mktemp("scope-index"))
    pages = load_integreat(DATA / "integreat" / "lkaugsburg_de_pages.json", tenant="lkaugsburg")
    region = [p for p in pages if p.native_id in HEALTH_PAGES]
    assert len(region) == len(HEALTH_PAGES), "a chosen page left the export"
    city = munich_services(("1063441", "1063453"))  # Personalausweis, Reisepass
    build_index(
        settings, embedder, [("lkaugsburg", "integreat", region), ("muenchen", "dldb", city)]
    )
    return settings


@pytest.fixture(scope="module")
def scope_retriever(scope_index: Settings, embedder: Embedder) -> Iterator[Retriever]:
    with open_retriever(scope_index, embedder=embedder) as retriever:
        yield retriever


@pytest.fixture(scope="module")
def engine(scope_index: Settings, scope_retriever: Retriever) -> DialogueEngine:
    return build_engine(scope_index, scope_retriever, policy=Policy.from_yaml())


def test_the_rules_call_a_prescription_off_topic() -> None:
    # The word list of the out-of-scope rule has "Rezept" (recipe); alone it would refuse.
    decision = Policy.from_yaml().classify(PRESCRIPTION, tenant="lkaugsburg")
    assert decision.label == "out_of_scope"
    assert decision.status is AnswerStatus.GUARDRAIL


def test_a_region_with_pharmacy_pages_answers_it(engine: DialogueEngine) -> None:
    answer = engine.respond(PRESCRIPTION, tenant="lkaugsburg", history=[])
    assert answer.status is AnswerStatus.ANSWERED
    assert answer.doc_ids[0] == PHARMACIES
    assert answer.trace.policy_label == "service_question"
    assert answer.trace.matched_rule == "scope.offtopic.covered"


def test_a_city_without_such_content_still_declines(engine: DialogueEngine) -> None:
    answer = engine.respond(PRESCRIPTION, tenant="muenchen", history=[])
    assert answer.status is AnswerStatus.GUARDRAIL
    assert answer.trace.policy_label == "out_of_scope"
    assert answer.citations == []


def test_off_topic_chat_stays_off_topic_where_the_content_has_the_word(
    engine: DialogueEngine,
) -> None:
    answer = engine.respond(
        "Hast du ein gutes Rezept für Schweinsbraten?", tenant="lkaugsburg", history=[]
    )
    assert answer.status is AnswerStatus.GUARDRAIL
    assert answer.trace.policy_label == "out_of_scope"


def test_a_covered_message_is_searched_once(
    scope_index: Settings, scope_retriever: Retriever
) -> None:
    # The scope check's ranking is the one the answer is composed from, not searched again.
    counting = CountingSearch(scope_retriever)
    engine = build_engine(scope_index, counting, policy=Policy.from_yaml())
    answer = engine.respond(PRESCRIPTION, tenant="lkaugsburg", history=[])
    assert answer.trace.matched_rule == "scope.offtopic.covered"
    assert counting.searches, "the scope check searched nothing"
    repeated = [search for search, n in Counter(counting.searches).items() if n > 1]
    assert repeated == []
