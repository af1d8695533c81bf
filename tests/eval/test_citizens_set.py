"""The munich_citizens set (issue 12): its draw, its composition and its one split."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from eval.citizens_set import (
    DRAWN,
    SET_NAME,
    assign_splits,
    candidate_services,
    draw_services,
    split_lines,
    write_split,
)
from eval.sets_schema import (
    LANGUAGES,
    SETS_DIR,
    CaseKind,
    ExpectedStatus,
    HelpGrade,
    Split,
    load_set,
    parse_cases,
)
from knowledge.errors import SourceError

CASES = load_set(SET_NAME).cases


def test_candidates_are_the_full_catalogue_not_only_bookable_services() -> None:
    candidates = dict(candidate_services())
    assert len(candidates) == 223
    assert "1073738" in candidates  # Jagdschein: not bookable online, a real service
    assert not any(name == "Testleistung" for name in candidates.values())
    assert "10460108" not in candidates  # the ticket kiosk's placeholder


def test_the_draw_is_fixed_and_every_drawn_service_but_one_has_questions() -> None:
    drawn = draw_services()
    assert len(drawn) == DRAWN
    assert drawn == draw_services()
    assert drawn[0] == ("10306926", "Verlust oder Diebstahl eID-Karte")
    asked = {
        case.id.rsplit("-", 2)[1]: case.expected[0]
        for case in CASES
        if case.tags.kind is CaseKind.SERVICE
    }
    for index, (service_id, _) in enumerate(drawn):
        if service_id == "10429903":  # "Waffenbehörde Sonstiges": internal, no question
            assert f"{index:03d}" not in asked
            continue
        assert asked[f"{index:03d}"] == f"muenchen/{service_id}", index


def test_composition_follows_the_brief() -> None:
    kinds = Counter(case.tags.kind for case in CASES)
    assert len(CASES) >= 320
    assert kinds[CaseKind.SERVICE] >= 170
    assert kinds[CaseKind.ORDINARY_ALARMING] >= 40
    assert kinds[CaseKind.EMERGENCY] >= 40
    assert kinds[CaseKind.URGENT] >= 10 and kinds[CaseKind.SOCIAL] >= 10
    assert kinds[CaseKind.DECISION] >= 25 and kinds[CaseKind.PROCEDURAL] >= 15
    assert kinds[CaseKind.OUT_OF_SCOPE] >= 20
    emergency_languages = Counter(
        case.tags.language for case in CASES if case.tags.kind is CaseKind.EMERGENCY
    )
    assert all(emergency_languages[language] >= 2 for language in LANGUAGES)
    assert all(case.expected_help for case in CASES)


def test_expectations_never_accept_a_false_alarm_or_a_false_refusal() -> None:
    for case in CASES:
        kind = case.tags.kind
        if kind is CaseKind.EMERGENCY:
            assert case.expected_status == [ExpectedStatus.EMERGENCY], case.id
            assert case.expected_help == [HelpGrade.DANGER], case.id
        else:
            assert ExpectedStatus.EMERGENCY not in case.expected_status, case.id
        if kind is CaseKind.PROCEDURAL:
            assert case.expected_status == [ExpectedStatus.ANSWERED] and case.expected
        if kind is CaseKind.DECISION:
            assert case.expected_status == [ExpectedStatus.REFUSED_DECISION], case.id
        if kind in (CaseKind.URGENT, CaseKind.SOCIAL):
            assert case.expected_help == [HelpGrade(kind.value)], case.id


def test_the_files_follow_the_split_rule_and_the_halves_are_the_split() -> None:
    halves = assign_splits(CASES)
    assert {case.id: case.tags.split for case in CASES} == halves
    for half in Split:
        loaded = load_set(f"{SET_NAME}_{half.value}").cases
        assert [case.id for case in loaded] == [c.id for c in CASES if halves[c.id] is half]
    counts = Counter(halves.values())
    assert abs(counts[Split.TUNE] - counts[Split.HOLDOUT]) <= 4


def test_both_questions_about_a_service_fall_into_the_same_half() -> None:
    by_group: dict[str, set[Split | None]] = {}
    for case in CASES:
        by_group.setdefault(case.id.rsplit("-", 1)[0], set()).add(case.tags.split)
    assert all(len(halves) == 1 for halves in by_group.values())
    for kind in (CaseKind.SERVICE, CaseKind.EMERGENCY, CaseKind.DECISION):
        per_half = Counter(case.tags.split for case in CASES if case.tags.kind is kind)
        assert per_half[Split.TUNE] and per_half[Split.HOLDOUT], kind


def test_splitting_again_reproduces_the_shipped_files(tmp_path: Path) -> None:
    shipped = (SETS_DIR / f"{SET_NAME}.jsonl").read_text(encoding="utf-8")
    (tmp_path / f"{SET_NAME}.jsonl").write_text(shipped, encoding="utf-8")
    counts = write_split(tmp_path)
    assert counts["all"] == len(CASES)
    for name in (SET_NAME, f"{SET_NAME}_tune", f"{SET_NAME}_holdout"):
        rewritten = [json.loads(line) for line in (tmp_path / f"{name}.jsonl").open()]
        original = [json.loads(line) for line in (SETS_DIR / f"{name}.jsonl").open()]
        assert rewritten == original, name


def test_split_ignores_content_and_keeps_groups() -> None:
    lines = [
        json.dumps(
            {
                "id": f"mc-service-{group:03d}-{n}",
                "tenant": "muenchen",
                "question": f"Frage {group} {n}",
                "expected_status": ["answered"],
                "tags": {"kind": "service"},
            }
        )
        for group in range(6)
        for n in (1, 2)
    ]
    split = split_lines("\n".join(lines), source="demo.jsonl")
    assert len(split["tune"]) == len(split["holdout"]) == 6
    reworded = "\n".join(line.replace("Frage", "Andere Frage") for line in lines)
    again = split_lines(reworded, source="demo.jsonl")
    assert [json.loads(x)["id"] for x in again["tune"]] == [
        json.loads(x)["id"] for x in split["tune"]
    ]


def test_danger_and_emergency_must_agree() -> None:
    line = (
        '{"id": "x-1", "tenant": "muenchen", "question": "Es brennt", '
        '"expected_status": ["answered"], "expected_help": ["danger"], '
        '"tags": {"kind": "emergency", "language": "fa"}}'
    )
    with pytest.raises(SourceError) as info:
        parse_cases(line, source="demo.jsonl")
    assert "expected_help 'danger' goes with expected_status 'emergency'" in str(info.value)
