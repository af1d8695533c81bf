"""The munich_languages set (#13 items 4 and 5, #12 item 2): its draw, its composition and
its one split by service."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

from eval.citizens_set import assign_splits, case_group, write_split
from eval.languages_set import DRAWN, RENDERINGS, SET_NAME, by_service, draw_services
from eval.sets_schema import LANGUAGES, SETS_DIR, CaseKind, ExpectedStatus, Split, load_set

CASES = load_set(SET_NAME).cases


def test_the_renderings_are_the_languages_of_issue_13() -> None:
    assert sorted(RENDERINGS) == sorted(LANGUAGES)


def test_the_draw_is_fixed_and_every_drawn_service_is_asked_in_every_language() -> None:
    drawn = draw_services()
    assert len(drawn) == DRAWN and drawn == draw_services()
    assert drawn[0] == ("1064121", "Änderung der Adresse in Fahrzeugpapieren")
    assert len(CASES) == DRAWN * len(LANGUAGES)
    by_group: dict[str, list[str]] = defaultdict(list)
    for case in CASES:
        by_group[case_group(case)].append(case.tags.language)
    for index, (service_id, name) in enumerate(drawn):
        group = f"ml-service-{index:03d}"
        assert by_group[group] == list(RENDERINGS), group
        first = next(case for case in CASES if case_group(case) == group)
        assert first.expected[0] == f"muenchen/{service_id}"
        assert first.tags.topic and name.startswith(first.tags.topic)


def test_the_renderings_of_one_question_share_their_expectations() -> None:
    by_group: dict[str, set[str]] = defaultdict(set)
    for case in CASES:
        assert case.tags.kind is CaseKind.SERVICE and case.tenant == "muenchen"
        assert case.expected_status == [ExpectedStatus.ANSWERED, ExpectedStatus.CLARIFY]
        by_group[case_group(case)].add(json.dumps([case.expected, case.facts]))
    assert all(len(expectations) == 1 for expectations in by_group.values())


def test_the_files_follow_the_split_rule_by_service() -> None:
    halves = assign_splits(CASES, stratum=by_service)
    assert {case.id: case.tags.split for case in CASES} == halves
    per_group: dict[str, set[Split]] = defaultdict(set)
    for case in CASES:
        per_group[case_group(case)].add(halves[case.id])
    assert all(len(split) == 1 for split in per_group.values())
    for half in Split:
        written = load_set(f"{SET_NAME}_{half.value}").cases
        assert [c.id for c in written] == [c.id for c in CASES if halves[c.id] is half]
        assert Counter(c.tags.language for c in written) == dict.fromkeys(LANGUAGES, DRAWN // 2)


def test_splitting_again_reproduces_the_shipped_files(tmp_path: Path) -> None:
    shipped = (SETS_DIR / f"{SET_NAME}.jsonl").read_text(encoding="utf-8")
    (tmp_path / f"{SET_NAME}.jsonl").write_text(shipped, encoding="utf-8")
    counts = write_split(tmp_path, SET_NAME, stratum=by_service)
    assert counts == {"all": 300, "tune": 150, "holdout": 150}
    for name in (SET_NAME, f"{SET_NAME}_tune", f"{SET_NAME}_holdout"):
        assert (tmp_path / f"{name}.jsonl").read_text(encoding="utf-8") == (
            SETS_DIR / f"{name}.jsonl"
        ).read_text(encoding="utf-8"), name
