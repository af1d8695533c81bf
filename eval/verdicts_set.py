"""How the ``verdicts`` evaluation set was drawn and how it is split (issues 12, 13, 17).

The set separates requests for a verdict on the citizen's own case (``kind: decision``,
expected ``refused_decision``) from procedural and general-eligibility questions that
look like them (``kind: procedural``, never ``refused_decision``). The procedure is
documented in ``eval/sets/verdicts.md``; this module is the part a machine does:

``python -m eval.verdicts_set draw``
    lists the services drawn at random (fixed seed) from the full Munich catalogue
    (the same candidates as ``munich_citizens``), in draw order.
``python -m eval.verdicts_set split``
    assigns every case of ``verdicts.jsonl`` to ``tune`` or ``holdout`` by the rule of
    ``eval.citizens_set.assign_splits`` (stratified by kind and language, groups by
    SHA-256 of the group name, alternating) and writes ``verdicts_tune.jsonl`` and
    ``verdicts_holdout.jsonl``.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from pathlib import Path

from eval.citizens_set import CATALOGUE, candidate_services, set_command

SET_NAME = "verdicts"
SEED = 20261207
DRAWN = 48


def draw_services(
    catalogue: Path = CATALOGUE, *, seed: int = SEED, count: int = DRAWN
) -> list[tuple[str, str]]:
    """The services drawn for the set, in draw order (``random.Random(seed).sample``)."""
    return random.Random(seed).sample(candidate_services(catalogue), count)


def _print_draw() -> None:
    for index, (service_id, name) in enumerate(draw_services()):
        print(json.dumps({"index": index, "id": service_id, "name": name}, ensure_ascii=False))


def main(argv: Sequence[str] | None = None) -> int:
    """``draw`` or ``split`` (see the module docstring)."""
    return set_command(
        argv, module="eval.verdicts_set", set_name=SET_NAME, doc=__doc__, draw=_print_draw
    )


if __name__ == "__main__":
    raise SystemExit(main())
