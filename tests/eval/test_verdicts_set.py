"""The verdicts set (issues 12, 13, 17): its draw, its composition and its one split."""

from __future__ import annotations

from collections import Counter

from eval.citizens_set import split_lines
from eval.sets_schema import LANGUAGES, SETS_DIR, CaseKind, ExpectedStatus, Split, load_set
from eval.verdicts_set import DRAWN, SET_NAME, draw_services

CASES = load_set(SET_NAME).cases
SKIPPED = {18, 37}  # entries that do not say which articles they concern (verdicts.md)


def test_the_draw_is_fixed_and_every_usable_drawn_service_has_a_german_pair() -> None:
    drawn = draw_services()
    assert len(drawn) == DRAWN
    assert drawn == draw_services()
    assert drawn[0] == ("1064121", "Änderung der Adresse in Fahrzeugpapieren")
    german = Counter(
        (case.tags.kind, case.expected[0])
        for case in CASES
        if case.tags.language == "de" and case.expected and "-s" in case.id
    )
    for index, (service_id, _) in enumerate(drawn):
        for kind in (CaseKind.DECISION, CaseKind.PROCEDURAL):
            expected = 0 if index in SKIPPED else 1
            assert german[(kind, f"muenchen/{service_id}")] == expected, (index, kind)


def test_every_language_has_at_least_eight_verdicts_and_eight_procedural_questions() -> None:
    counts = Counter((case.tags.language, case.tags.kind) for case in CASES)
    assert len(CASES) >= 240
    for language in LANGUAGES:
        assert counts[(language, CaseKind.DECISION)] >= 8, language
        assert counts[(language, CaseKind.PROCEDURAL)] >= 8, language


def test_verdicts_expect_the_refusal_and_procedural_questions_never_do() -> None:
    for case in CASES:
        if case.tags.kind is CaseKind.DECISION:
            assert case.expected_status == [ExpectedStatus.REFUSED_DECISION], case.id
        else:
            assert case.tags.kind is CaseKind.PROCEDURAL, case.id
            assert ExpectedStatus.REFUSED_DECISION not in case.expected_status, case.id


def test_the_halves_follow_the_split_rule_and_are_balanced() -> None:
    text = (SETS_DIR / f"{SET_NAME}.jsonl").read_text(encoding="utf-8")
    lines = split_lines(text, source=SET_NAME)
    assert text.splitlines() == lines["all"]
    for half in Split:
        shipped = (SETS_DIR / f"{SET_NAME}_{half.value}.jsonl").read_text(encoding="utf-8")
        assert shipped.splitlines() == lines[half.value]
    per_half = Counter((case.tags.split, case.tags.kind, case.tags.language) for case in CASES)
    for language in LANGUAGES:
        for kind in (CaseKind.DECISION, CaseKind.PROCEDURAL):
            assert (
                per_half[(Split.TUNE, kind, language)] == per_half[(Split.HOLDOUT, kind, language)]
            ), (language, kind)
