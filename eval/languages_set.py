"""How the ``munich_languages`` evaluation set was drawn and how it is split (#13 items 4
and 5, #12 item 2): Munich's services asked in the citizen's own language.

The procedure is documented in ``eval/sets/munich_languages.md``; this module is the part
of it that a machine does, so that anyone can repeat it:

``python -m eval.languages_set draw``
    lists the services drawn at random (fixed seed) from the full Munich catalogue (the
    candidates of ``eval.citizens_set``: every service with a description but the test
    entries), in draw order. Each got one citizen question, written in German and rendered
    in the nine other languages of issue 13.
``python -m eval.languages_set split``
    assigns every case of ``munich_languages.jsonl`` to the ``tune`` or ``holdout`` half
    with the rule of ``eval.citizens_set``, by service: the ten renderings of one question
    share a group (``ml-service-<draw index>``), so a service and all its languages fall
    into the same half.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from eval.citizens_set import CATALOGUE, candidate_services, set_command
from eval.sets_schema import EvalCase

SET_NAME = "munich_languages"
SEED = 20261207
DRAWN = 30
# The languages every question is written in, in the order of its case ids (``-1`` German …
# ``-10`` French): German first, then the nine of issue 13 item 1.
RENDERINGS = ("de", "en", "tr", "uk", "ar", "ru", "pl", "ro", "fa", "fr")


def draw_services(*, seed: int = SEED, count: int = DRAWN) -> list[tuple[str, str]]:
    """The services drawn for the set, in draw order (``random.Random(seed).sample``)."""
    return random.Random(seed).sample(candidate_services(CATALOGUE), count)


def by_service(case: EvalCase) -> tuple[str, ...]:
    """One stratum for the whole set: the halves are drawn among services, not languages."""
    return (case.tags.kind.value,)


def _print_draw() -> None:
    for index, (service_id, name) in enumerate(draw_services()):
        print(f"{index:03d}  {service_id:>9}  {name}")


def main(argv: Sequence[str] | None = None) -> int:
    """``draw`` or ``split`` (see the module docstring)."""
    return set_command(
        argv,
        module="eval.languages_set",
        set_name=SET_NAME,
        doc=__doc__,
        draw=_print_draw,
        stratum=by_service,
    )


if __name__ == "__main__":
    raise SystemExit(main())
