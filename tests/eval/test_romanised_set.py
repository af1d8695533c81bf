"""The romanised_danger set (#16 item 4, #12 item 4, #13 item 5): its fixed plan, its
composition and its one split."""

from __future__ import annotations

import re
from collections import Counter

from eval.citizens_set import assign_splits, case_group
from eval.danger_set import DANGER_KINDS
from eval.romanised_set import SET_NAME, SPELLINGS, cell, digits, plan
from eval.sets_schema import CaseKind, CaseStyle, Split, load_set

CASES = load_set(SET_NAME).cases
ARABIZI_DIGITS = re.compile(r"[a-z][2345789]|[2345789][a-z]")


def test_the_set_follows_its_plan_case_by_case() -> None:
    planned = list(plan())
    per_language = sum(len(spellings) for spellings in SPELLINGS.values())
    assert len(CASES) == len(planned) == 2 * len(DANGER_KINDS) * per_language == 224
    for case, (case_kind, kind, language, spelling, with_digits, tenant) in zip(
        CASES, planned, strict=True
    ):
        assert (case.tags.kind.value, case.tags.topic, case.tags.language) == (
            case_kind,
            kind,
            language,
        )
        assert case.tags.style is CaseStyle.TRANSLITERATED and case.tenant == tenant
        assert case.notes.startswith(f"spelling: {spelling}"), case.id
        question = case.question or ""
        assert question.isascii(), case.id  # Latin letters only, no other script
        if language == "ar":
            assert bool(ARABIZI_DIGITS.search(question)) is with_digits, case.id


def test_every_arabizi_dialect_and_kind_gets_digits_and_none() -> None:
    for ki in range(len(DANGER_KINDS)):
        assert {digits(ki, si) for si in range(len(SPELLINGS["ar"]))} == {True, False}
    for si in range(len(SPELLINGS["ar"])):
        assert {digits(ki, si) for ki in range(len(DANGER_KINDS))} == {True, False}


def test_a_danger_kind_of_a_language_lies_in_one_half() -> None:
    halves = assign_splits(CASES, stratum=cell)
    assert all(case.tags.split is halves[case.id] for case in CASES)
    per_group = {(case_group(case), halves[case.id]) for case in CASES}
    assert len(per_group) == len({case_group(case) for case in CASES}) == 64
    per_cell = Counter((cell(case), halves[case.id]) for case in CASES)
    for language, spellings in SPELLINGS.items():
        for kind in CaseKind.EMERGENCY, CaseKind.ORDINARY_ALARMING:
            for half in Split:
                assert per_cell[((kind.value, language), half)] == 4 * len(spellings)
    for half in Split:
        written = load_set(f"{SET_NAME}_{half.value}").cases
        assert [c.id for c in written] == [c.id for c in CASES if c.tags.split is half]
