"""How the ``romanised_danger`` set was laid out and how it is split (#16 item 4, #12 item 4,
#13 item 5): emergencies and alarming-sounding ordinary requests typed in Latin letters in
Arabic (Arabizi), Farsi (Finglish), Ukrainian and Russian.

The procedure is documented in ``eval/sets/romanised_danger.md``; this module is the part of
it that a machine does, so that anyone can repeat it:

``python -m eval.romanised_set plan``
    prints the grid fixed before writing: for every kind of present danger of issue 16
    item 1 (``eval.danger_set.DANGER_KINDS``) and every language, one emergency and one
    look-alike per spelling variant of that language (``SPELLINGS``), with whether the
    Arabizi variant writes the letters Latin lacks as digits (``digits``) and the tenant.
``python -m eval.romanised_set split``
    assigns every case of ``romanised_danger.jsonl`` to the ``tune`` or ``holdout`` half
    with the rule of ``eval.citizens_set`` (groups ordered by SHA-256), stratified by kind
    and language; a group is one danger kind of one language and case kind (all its
    spellings), so paraphrases never straddle the halves.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from eval.citizens_set import set_command
from eval.danger_set import DANGER_KINDS, TENANTS
from eval.sets_schema import EvalCase

SET_NAME = "romanised_danger"
# The spelling variants written for each language, fixed before writing.
SPELLINGS: dict[str, tuple[str, ...]] = {
    # Arabizi in four dialect areas (Levantine, Egyptian, Gulf, Maghrebi spellings).
    "ar": ("levantine", "egyptian", "gulf", "maghrebi"),
    # Finglish: kh/gh/sh with ee/oo for long vowels; kh/gh/sh with i/u; vowels dropped
    # where chat drops them; x for kh and q for gh.
    "fa": ("ee-oo", "i-u", "few-vowels", "x-q"),
    # Ukrainian and Russian: a passport-style table (KMU 2010 / ICAO), chat spelling
    # (j/y, no apostrophes), chat with digits for letters ("volapuk": 4 = ch, 6/w = sh).
    "uk": ("passport", "chat", "volapuk"),
    "ru": ("passport", "chat", "volapuk"),
}
CASE_KINDS = ("emergency", "ordinary_alarming")


def digits(kind: int, spelling: int) -> bool:
    """Whether an Arabizi message writes 2/3/5/7/9 for the letters Latin lacks (a rotation:
    each dialect and each danger kind gets both)."""
    return (kind + spelling) % 2 == 0


def tenant(kind: int, language: int) -> str:
    """The tenant a cell's messages are asked to (a rotation over the three tenants)."""
    return TENANTS[(kind + language) % len(TENANTS)]


def plan() -> Iterator[tuple[str, str, str, str, bool, str]]:
    """``(case kind, danger kind, language, spelling, digits, tenant)`` for every planned
    case, in the order written: per language, the emergencies, then the look-alikes."""
    for li, (language, spellings) in enumerate(SPELLINGS.items()):
        for case_kind in CASE_KINDS:
            for ki, kind in enumerate(DANGER_KINDS):
                for si, spelling in enumerate(spellings):
                    with_digits = language == "ar" and digits(ki, si)
                    yield case_kind, kind, language, spelling, with_digits, tenant(ki, li)


def case_id(case_kind: str, kind: str, language: str, number: int) -> str:
    """``rd-em-<kind>-<language>-<n>`` or ``rd-ord-…``; the group is the id without ``-<n>``."""
    prefix = "em" if case_kind == "emergency" else "ord"
    return f"rd-{prefix}-{kind}-{language}-{number}"


def cell(case: EvalCase) -> tuple[str, ...]:
    """The stratum of a case: its kind and language (the groups in it are danger kinds)."""
    return case.tags.kind.value, case.tags.language


def _print_plan() -> None:
    for case_kind, kind, language, spelling, with_digits, slug in plan():
        mark = "digits" if with_digits else ""
        print(f"{language}  {case_kind:<17}  {kind:<9}  {spelling:<10}  {mark:<6}  {slug}")


def main(argv: Sequence[str] | None = None) -> int:
    """``plan`` or ``split`` (see the module docstring)."""
    return set_command(
        argv,
        module="eval.romanised_set",
        set_name=SET_NAME,
        doc=__doc__,
        draw=_print_plan,
        draw_name="plan",
        stratum=cell,
    )


if __name__ == "__main__":
    raise SystemExit(main())
