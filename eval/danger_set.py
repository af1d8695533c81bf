"""How the ``danger_registers`` set was laid out and how it is split (#16 item 4, #12 item 4,
#13 item 5).

The procedure is documented in ``eval/sets/danger_registers.md``; this module is the part of
it that a machine does, so that anyone can repeat it:

``python -m eval.danger_set plan``
    prints the grid fixed before writing: for every kind of present danger of issue 16
    item 1 and every language of issue 13, two emergencies and two look-alikes, each with
    the register it is written in (``register``: a rotation, so that every language and
    every kind gets every register) and the tenant it is asked to.
``python -m eval.danger_set split``
    assigns every case of ``danger_registers.jsonl`` to the ``tune`` or ``holdout`` half
    with the rule of ``eval.citizens_set`` (groups ordered by SHA-256), stratified by kind,
    danger kind and language: of the two cases of one cell, one goes to each half.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from eval.citizens_set import set_command
from eval.sets_schema import LANGUAGES, CaseStyle, EvalCase

SET_NAME = "danger_registers"
# The kinds of present danger of issue 16 item 1, in plan order.
DANGER_KINDS = (
    "breathing",  # someone not breathing or unconscious
    "fire",  # fire or smoke
    "gas",
    "violence",  # violence happening now
    "threat",  # a threat to kill or hurt, the threatening person near
    "suicide",  # an acute suicide wish or an attempt under way
    "bleeding",  # severe bleeding or an accident with injuries
    "child",  # a child in danger (poisoned, choking, missing, trapped)
)
# How a message is written; every cell's two variants get consecutive registers.
REGISTERS = (
    CaseStyle.FORMAL,
    CaseStyle.COLLOQUIAL,  # chat or dialect: Levantine Arabic, spoken Farsi, slang
    CaseStyle.TRANSLITERATED,  # Latin script (Arabizi, Finglish) or no diacritics
    CaseStyle.MISSPELLED,
    CaseStyle.THIRD_PERSON,  # someone else reports the danger
    CaseStyle.SHORT,  # two to five words
)
VARIANTS = ("a", "b")
TENANTS = ("muenchen", "lkaugsburg", "rems-murr-kreis")


def register(kind: int, language: int, variant: int) -> CaseStyle:
    """The register of a cell's variant: a rotation over kinds, languages and variants."""
    return REGISTERS[(2 * kind + variant + language) % len(REGISTERS)]


def tenant(kind: int, language: int) -> str:
    """The tenant a cell's messages are asked to (a rotation over the three tenants)."""
    return TENANTS[(kind + language) % len(TENANTS)]


def plan() -> Iterator[tuple[str, str, str, CaseStyle, str]]:
    """``(case kind, danger kind, language, register, tenant)`` for every planned case, in
    the order written: per language, the emergencies, then the look-alikes."""
    for li, language in enumerate(LANGUAGES):
        for case_kind in ("emergency", "ordinary_alarming"):
            for ki, kind in enumerate(DANGER_KINDS):
                for vi in range(len(VARIANTS)):
                    yield case_kind, kind, language, register(ki, li, vi), tenant(ki, li)


def case_id(case_kind: str, kind: str, language: str, variant: str) -> str:
    """``dr-em-<kind>-<language>-<variant>`` or ``dr-ord-…`` (one group per case)."""
    prefix = "em" if case_kind == "emergency" else "ord"
    return f"dr-{prefix}-{kind}-{language}-{variant}"


def cell(case: EvalCase) -> tuple[str, ...]:
    """The stratum of a case: its kind, danger kind and language."""
    return case.tags.kind.value, case.tags.topic, case.tags.language


def _print_plan() -> None:
    for case_kind, kind, language, style, slug in plan():
        print(f"{language}  {case_kind:<17}  {kind:<9}  {style.value:<14}  {slug}")


def main(argv: Sequence[str] | None = None) -> int:
    """``plan`` or ``split`` (see the module docstring)."""
    return set_command(
        argv,
        module="eval.danger_set",
        set_name=SET_NAME,
        doc=__doc__,
        draw=_print_plan,
        draw_name="plan",
        stratum=cell,
    )


if __name__ == "__main__":
    raise SystemExit(main())
