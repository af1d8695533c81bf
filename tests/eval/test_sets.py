"""The shipped evaluation sets: valid lines, ids that resolve, facts that are in the sources."""

from __future__ import annotations

from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from eval.normalisation import missing_facts
from eval.sets_schema import (
    SETS_DIR,
    CaseKind,
    EvalCase,
    ExpectedStatus,
    available_sets,
    load_set,
    parse_cases,
)
from ingest.dldb import load_dldb
from ingest.integreat import load_integreat
from knowledge.errors import SourceError
from knowledge.models import Service

DATA = Path(__file__).resolve().parents[2] / "data"
TENANT_SOURCES = {
    "muenchen": lambda: load_dldb(DATA / "muenchen" / "services_de.json", tenant="muenchen"),
    "lkaugsburg": lambda: load_integreat(
        DATA / "integreat" / "lkaugsburg_de_pages.json", tenant="lkaugsburg"
    ),
    "rems-murr-kreis": lambda: load_integreat(
        DATA / "integreat" / "rems-murr-kreis_de_pages.json", tenant="rems-murr-kreis"
    ),
}


@cache
def documents(tenant: str) -> dict[str, Service]:
    """The shipped documents of ``tenant`` as the ingest adapters parse them."""
    return {service.doc_id: service for service in TENANT_SOURCES[tenant]()}


def document_text(service: Service) -> str:
    return "\n".join([service.title, service.summary, *(s.text for s in service.sections)])


def expectations(case: EvalCase) -> list[tuple[list[str], list[str]]]:
    """(expected ids, facts) of the final answer and of every earlier turn."""
    pairs = [(case.expected, case.facts)]
    pairs.extend((turn.expected, turn.facts) for turn in case.turns or [])
    return pairs


SHIPPED = available_sets()
# Kinds introduced with munich_citizens (issue 12); the behaviour set predates them.
CITIZEN_ONLY_KINDS = {
    CaseKind.ORDINARY_ALARMING,
    CaseKind.URGENT,
    CaseKind.SOCIAL,
    CaseKind.PROCEDURAL,
}


def test_the_required_sets_are_shipped_with_a_version() -> None:
    assert {"munich_services", "behaviour"} <= set(SHIPPED)
    assert (SETS_DIR / "VERSION").read_text(encoding="utf-8").strip()


@pytest.mark.parametrize("name", SHIPPED)
def test_every_line_validates_and_the_hash_is_of_the_file(name: str) -> None:
    loaded = load_set(name)
    assert loaded.cases
    assert len(loaded.sha256) == 64
    assert loaded.version == (SETS_DIR / "VERSION").read_text(encoding="utf-8").strip()


@pytest.mark.parametrize("name", SHIPPED)
def test_every_expected_doc_id_resolves_to_a_shipped_document(name: str) -> None:
    unresolved = [
        (case.id, doc_id)
        for case in load_set(name).cases
        for ids, _ in expectations(case)
        for doc_id in ids
        if doc_id not in documents(case.tenant)
    ]
    assert unresolved == []


@pytest.mark.parametrize("name", SHIPPED)
def test_every_fact_occurs_in_the_first_expected_document(name: str) -> None:
    """Facts are copied from the sources, so the primary source must contain them."""
    absent: list[tuple[str, str]] = []
    for case in load_set(name).cases:
        for ids, facts in expectations(case):
            if ids and facts:
                source = documents(case.tenant)[ids[0]]
                absent.extend((case.id, f) for f in missing_facts(document_text(source), facts))
    assert absent == []


def test_munich_set_size_and_coverage() -> None:
    cases = load_set("munich_services").cases
    assert len(cases) >= 100
    assert len({case.expected[0] for case in cases}) >= 50
    assert all(case.expected for case in cases)
    styles = Counter(case.tags.style for case in cases)
    assert {"colloquial", "misspelled", "indirect", "formal"} <= set(styles)
    fee_questions = [case for case in cases if any("Euro" in fact for fact in case.facts)]
    assert len(fee_questions) >= 60


def test_behaviour_set_covers_every_kind_with_enough_cases() -> None:
    cases = load_set("behaviour").cases
    kinds = Counter(case.tags.kind for case in cases)
    assert len(cases) >= 60
    assert kinds[CaseKind.FOLLOW_UP] >= 6
    behaviour_kinds = set(CaseKind) - {CaseKind.SERVICE, *CITIZEN_ONLY_KINDS}
    assert all(kinds[kind] >= 3 for kind in behaviour_kinds)
    assert all(len(case.turns or []) >= 2 for case in cases if case.tags.kind == "follow_up")


def test_behaviour_cases_that_must_never_be_answered_do_not_accept_it() -> None:
    never = {CaseKind.EMERGENCY, CaseKind.DECISION, CaseKind.INJECTION, CaseKind.PERSONAL_DATA}
    never |= {CaseKind.MISSING_TOPIC, CaseKind.PERSON, CaseKind.OUT_OF_SCOPE}
    for case in load_set("behaviour").cases:
        if case.tags.kind in never:
            assert ExpectedStatus.ANSWERED not in case.expected_status, case.id
            assert case.expected == [], case.id
        if case.tags.kind == CaseKind.EMERGENCY:
            assert case.expected_status == [ExpectedStatus.EMERGENCY], case.id


def test_missing_topics_are_really_missing_from_the_catalogue() -> None:
    titles = " ".join(s.title.lower() for s in documents("muenchen").values())
    for word in ("kindergeld", "hundesteuer", "sperrmüll", "wohngeld", "bibliothek", "elterngeld"):
        assert word not in titles


def test_bad_lines_are_reported_with_file_and_line() -> None:
    good = (
        '{"id": "a", "tenant": "muenchen", "question": "Was kostet ein Reisepass?", '
        '"expected_status": ["answered"], "tags": {"kind": "service"}}'
    )
    text = "\n".join(
        [
            good,
            "{not json",
            '{"id": "b", "tenant": "muenchen", "expected_status": [], "tags": {"kind": "x"}}',
            good,
            '{"id": "c", "tenant": "muenchen", "question": "x", "expected": ["other/1"], '
            '"expected_status": ["answered"], "tags": {"kind": "service"}}',
        ]
    )
    with pytest.raises(SourceError) as excinfo:
        parse_cases(text, source="demo.jsonl")
    message = str(excinfo.value)
    assert "demo.jsonl:2: not valid JSON" in message
    assert "demo.jsonl:3: expected_status: List should have at least 1 item" in message
    assert "demo.jsonl:3: tags.kind: Input should be 'service'" in message
    assert "demo.jsonl:4: id 'a' already used on line 1" in message
    assert "demo.jsonl:5: (case): Value error, expected doc id 'other/1' must look like" in message


def test_unknown_set_names_the_shipped_ones() -> None:
    with pytest.raises(SourceError, match=r"not found: give a path .* munich_services"):
        load_set("no_such_set")
