"""The one number canonicaliser, shared by the grounding check and the eval metric."""

from __future__ import annotations

import pytest

from bot.compose.grounding import check_grounding, numbers_in
from eval.normalisation import contains_fact, unsupported_numbers
from knowledge.numbers import canonical_number, canonicalise_numbers, numbers


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("37", "37"),
        ("37,00", "37"),
        ("1.000", "1000"),
        ("1.000,50", "1000,5"),
        ("089", "89"),
        ("12,50", "12,5"),
        ("12.50", "12,5"),  # an English decimal point (a model writing English style)
        ("1.500", "1500"),  # three digits after the dot: the German thousand
        ("01.07.2026", "1.7.2026"),
        ("1.7.2026", "1.7.2026"),
        ("2026-07-01", "1.7.2026"),
        ("1.7.", "1.7."),
        ("08:30", "8:30"),
        ("8:00", "8"),
    ],
)
def test_canonical_forms(raw: str, canonical: str) -> None:
    assert canonical_number(raw) == canonical


def test_a_dot_time_needs_uhr() -> None:
    assert numbers("8.30 Uhr und 8.30 Euro") == ["8:30", "8,3"]


def test_a_non_number_is_refused_with_the_value() -> None:
    with pytest.raises(ValueError, match="'zwölf' is not a number"):
        canonical_number("zwölf")


def test_numbers_in_order_ranges_split_links_skipped() -> None:
    text = "8-12 Wochen, 8–12 Uhr oder 8 bis 12; 37,00 € siehe https://muenchen.de/1063424"
    assert numbers(text) == ["8", "12", "8", "12", "8", "12", "37"]
    assert (
        canonicalise_numbers("ab 01.07.2026, 8:00 Uhr, 1.000,00 €") == "ab 1.7.2026, 8 Uhr, 1000 €"
    )


# The cases where bot/grounding.py and eval/normalisation.py used to disagree (issue 11, item 5):
# each pair is (answer, source); before, one side accepted the number and the other refused it.
DISAGREED = [
    ("Die Gebühr beträgt 12.50 € [1].", "Gebühren: 12,50 Euro."),  # eval read 12 and 50
    ("Gültig ab 1.7.2026 [1].", "Gültig ab 01.07.2026."),  # grounding read 1,7 vs 1,07
    ("Geöffnet ab 8 Uhr [1].", "Öffnungszeiten: 8:00 - 12:00 Uhr."),  # both read 8, 0, 12, 0
    ("Stand: 2026-06-08 [1].", "Stand: 08.06.2026."),  # grounding read 8,06
]


@pytest.mark.parametrize(("answer", "source"), DISAGREED)
def test_grounding_and_eval_metric_agree_on_numbers(answer: str, source: str) -> None:
    assert unsupported_numbers(answer, [source]) == []
    assert set(numbers(answer)) <= set(numbers_in(source))
    assert check_grounding(answer, {1: source}).sentences[0].unsupported_numbers == []


def test_a_wrong_number_is_caught_by_both() -> None:
    answer, source = "Die Gebühr beträgt 12.40 € [1].", "Gebühren: 12,50 Euro."
    assert unsupported_numbers(answer, [source]) == ["12,4"]
    assert check_grounding(answer, {1: source}).sentences[0].unsupported_numbers == ["12,4"]


def test_fact_matching_uses_the_same_canonical_numbers() -> None:
    assert contains_fact("Die Gebühr beträgt 12.50 €.", "12,50 Euro")
    assert contains_fact("Gültig ab 1.7.2026.", "01.07.2026")
    assert not contains_fact("Die Gebühr beträgt 112.50 €.", "12,50 Euro")
