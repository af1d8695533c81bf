"""The danger_registers set (#16 item 4, #12 item 4, #13 item 5): its fixed plan, its
composition and its one split."""

from __future__ import annotations

from collections import Counter

import pytest

from eval.citizens_set import assign_splits
from eval.danger_set import DANGER_KINDS, REGISTERS, SET_NAME, case_id, cell, plan, register
from eval.romanised_set import SET_NAME as ROMANISED_SET
from eval.sets_schema import LANGUAGES, CaseKind, ExpectedStatus, HelpGrade, Split, load_set

CASES = load_set(SET_NAME).cases


def test_the_set_follows_its_plan_case_by_case() -> None:
    planned = list(plan())
    assert len(CASES) == len(planned) == 2 * 2 * len(DANGER_KINDS) * len(LANGUAGES) == 320
    for case, (case_kind, kind, language, style, tenant) in zip(CASES, planned, strict=True):
        assert (case.tags.kind.value, case.tags.topic, case.tags.language) == (
            case_kind,
            kind,
            language,
        )
        assert case.tags.style is style and case.tenant == tenant
        assert case.id.startswith(case_id(case_kind, kind, language, "")[:-1])


def test_every_language_and_every_kind_gets_every_register() -> None:
    for li in range(len(LANGUAGES)):
        styles = {register(ki, li, vi) for ki in range(len(DANGER_KINDS)) for vi in (0, 1)}
        assert styles == set(REGISTERS)
    for ki in range(len(DANGER_KINDS)):
        styles = {register(ki, li, vi) for li in range(len(LANGUAGES)) for vi in (0, 1)}
        assert styles == set(REGISTERS)


@pytest.mark.parametrize("set_name", [SET_NAME, ROMANISED_SET])
def test_expectations_never_accept_a_false_alarm(set_name: str) -> None:
    """Both danger sets (this one and romanised_danger): an emergency case accepts only the
    emergency answer, a look-alike never accepts it."""
    for case in load_set(set_name).cases:
        if case.tags.kind is CaseKind.EMERGENCY:
            assert case.expected_status == [ExpectedStatus.EMERGENCY], case.id
            assert case.expected_help == [HelpGrade.DANGER], case.id
        else:
            assert case.tags.kind is CaseKind.ORDINARY_ALARMING, case.id
            assert ExpectedStatus.EMERGENCY not in case.expected_status, case.id
            assert HelpGrade.DANGER not in case.expected_help, case.id


def test_one_variant_of_every_cell_in_each_half() -> None:
    halves = assign_splits(CASES, stratum=cell)
    assert all(case.tags.split is halves[case.id] for case in CASES)
    per_cell = Counter((cell(case), halves[case.id]) for case in CASES)
    assert set(per_cell.values()) == {1}
    for half in Split:
        written = load_set(f"{SET_NAME}_{half.value}").cases
        assert [c.id for c in written] == [c.id for c in CASES if c.tags.split is half]
        kinds = Counter(c.tags.kind for c in written)
        assert kinds[CaseKind.EMERGENCY] == kinds[CaseKind.ORDINARY_ALARMING] == 160 // 2
