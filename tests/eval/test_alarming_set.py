"""The alarming_ordinary set (issue 16, #12 item 4): its draw, its composition and its one split."""

from __future__ import annotations

from collections import Counter

from eval.alarming_set import (
    INTEGREAT_DRAWN,
    MUNICH_DRAWN,
    SET_NAME,
    draw_sources,
    integreat_candidates,
    munich_candidates,
    touches_alarming_topic,
)
from eval.citizens_set import assign_splits
from eval.sets_schema import LANGUAGES, CaseKind, ExpectedStatus, HelpGrade, Split, load_set

CASES = load_set(SET_NAME).cases
# Drawn sources that got no question, with the reason written in alarming_ordinary.md.
NOT_ASKED = {"muenchen/10429903", "lkaugsburg/248135", "lkaugsburg/5494197"}


def test_candidates_touch_an_alarming_topic() -> None:
    assert touches_alarming_topic("Verlust oder Diebstahl Reisepass")
    assert not touches_alarming_topic("Meldebescheinigung für Wohnsitz")
    assert len(munich_candidates()) == 76
    assert len(integreat_candidates()) == 216


def test_the_draw_is_fixed_and_every_drawn_source_but_three_has_questions() -> None:
    drawn = draw_sources()
    assert len(drawn) == MUNICH_DRAWN + INTEGREAT_DRAWN
    assert drawn == draw_sources()
    assert drawn[0] == ("muenchen/1072617", "Kleiner Waffenschein")
    asked = {doc_id for case in CASES for doc_id in case.expected}
    assert {doc_id for doc_id, _ in drawn} - asked == NOT_ASKED


def test_composition_follows_the_brief() -> None:
    kinds = Counter(case.tags.kind for case in CASES)
    assert len(CASES) >= 250
    assert kinds[CaseKind.ORDINARY_ALARMING] >= 150
    assert kinds[CaseKind.EMERGENCY] >= 60
    assert kinds[CaseKind.URGENT] >= 15 and kinds[CaseKind.SOCIAL] >= 15
    for kind in (CaseKind.EMERGENCY, CaseKind.URGENT, CaseKind.SOCIAL, CaseKind.ORDINARY_ALARMING):
        languages = {case.tags.language for case in CASES if case.tags.kind is kind}
        assert languages == set(LANGUAGES), kind
    assert len({case.tenant for case in CASES if case.tags.kind is CaseKind.EMERGENCY}) == 3


def test_expectations_never_accept_a_false_alarm() -> None:
    for case in CASES:
        if case.tags.kind is CaseKind.EMERGENCY:
            assert case.expected_status == [ExpectedStatus.EMERGENCY], case.id
            assert case.expected_help == [HelpGrade.DANGER], case.id
        else:
            assert ExpectedStatus.EMERGENCY not in case.expected_status, case.id
            assert HelpGrade.DANGER not in case.expected_help, case.id


def test_the_halves_follow_the_split_rule() -> None:
    halves = assign_splits(CASES)
    assert all(case.tags.split is halves[case.id] for case in CASES)
    tune = [case.id for case in load_set(f"{SET_NAME}_tune").cases]
    holdout = [case.id for case in load_set(f"{SET_NAME}_holdout").cases]
    assert tune == [case.id for case in CASES if case.tags.split is Split.TUNE]
    assert holdout == [case.id for case in CASES if case.tags.split is Split.HOLDOUT]
    for kind in (CaseKind.EMERGENCY, CaseKind.ORDINARY_ALARMING):
        per_half = Counter(case.tags.split for case in CASES if case.tags.kind is kind)
        assert abs(per_half[Split.TUNE] - per_half[Split.HOLDOUT]) <= 6, kind
