"""How the ``alarming_ordinary`` set was drawn and how it is split (issue 16, #12 item 4).

The procedure is documented in ``eval/sets/alarming_ordinary.md``; this module is the part
of it that a machine does, so that anyone can repeat it:

``python -m eval.alarming_set draw``
    lists the sources drawn at random (fixed seed) from the Munich catalogue and the
    German Integreat pages whose name or text touches an alarming topic (``TOPIC_STEMS``),
    in draw order. The writer wrote ordinary questions from each drawn source.
``python -m eval.alarming_set split``
    assigns every case of ``alarming_ordinary.jsonl`` to the ``tune`` or ``holdout`` half
    with the rule of ``eval.citizens_set`` (stratified by kind and language, case groups
    kept together, groups ordered by SHA-256) and writes the two halves.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Sequence
from pathlib import Path

from eval.citizens_set import CATALOGUE, candidate_services, description_text, set_command

SET_NAME = "alarming_ordinary"
SEED = 20261207
MUNICH_DRAWN = 45
INTEGREAT_DRAWN = 30
INTEGREAT = Path(__file__).resolve().parents[1] / "data" / "integreat"
INTEGREAT_TENANTS = ("lkaugsburg", "rems-murr-kreis")
# The alarming topics named in the task brief of issue 16 / #12 item 4 (birth, death, fire,
# accident, weapon, violence, theft, illness, quarantine, "Notfall" in a name, animals, flood),
# as German word stems; a source qualifies when its name or text contains one of them.
TOPIC_STEMS = (
    "geburt", "schwanger", "tod", "todes", "sterbe", "verstorb", "bestattung", "brand",
    "feuer", "unfall", "waffe", "sprengstoff", "gewalt", "diebstahl", "gestohlen", "verlust",
    "verloren", "krank", "quarant", "infekt", "impf", "notfall", "not ", "tier", "hund",
    "hochwasser", "schaden", "polizei", "sucht", "krise", "pflege", "behinder", "opfer",
)  # fmt: skip
_STEMS = re.compile("|".join(re.escape(stem) for stem in TOPIC_STEMS))


def touches_alarming_topic(text: str) -> bool:
    """Whether ``text`` (any case) contains one of the ``TOPIC_STEMS``."""
    return _STEMS.search(text.lower()) is not None


def munich_candidates(catalogue: Path = CATALOGUE) -> list[tuple[str, str]]:
    """``(doc id, name)`` of the Munich services with a description touching a topic."""
    entries = {
        str(entry["id"]): entry
        for entry in json.loads(catalogue.read_text(encoding="utf-8"))["data"]
    }
    return [
        (f"muenchen/{service_id}", name)
        for service_id, name in candidate_services(catalogue)
        if touches_alarming_topic(
            name + " " + description_text(str(entries[service_id].get("description") or ""))
        )
    ]


def integreat_candidates(folder: Path = INTEGREAT) -> list[tuple[str, str]]:
    """``(doc id, title)`` of the German Integreat pages with text touching a topic."""
    chosen: list[tuple[str, str]] = []
    for tenant in INTEGREAT_TENANTS:
        pages = json.loads((folder / f"{tenant}_de_pages.json").read_text(encoding="utf-8"))
        for page in sorted(pages, key=lambda page: int(page["id"])):
            text = description_text(str(page.get("content") or ""))
            if text and touches_alarming_topic(str(page["title"]) + " " + text):
                chosen.append((f"{tenant}/{page['id']}", str(page["title"])))
    return chosen


def draw_sources(*, seed: int = SEED) -> list[tuple[str, str]]:
    """The drawn sources in draw order: Munich first, then Integreat (one ``Random``)."""
    rng = random.Random(seed)
    return rng.sample(munich_candidates(), MUNICH_DRAWN) + rng.sample(
        integreat_candidates(), INTEGREAT_DRAWN
    )


def _print_draw() -> None:
    munich, integreat = len(munich_candidates()), len(integreat_candidates())
    print(f"candidates: {munich} Munich, {integreat} Integreat")
    for index, (doc_id, name) in enumerate(draw_sources()):
        print(f"{index:03d}  {doc_id:>26}  {name}")


def main(argv: Sequence[str] | None = None) -> int:
    """``draw`` or ``split`` (see the module docstring)."""
    return set_command(
        argv, module="eval.alarming_set", set_name=SET_NAME, doc=__doc__, draw=_print_draw
    )


if __name__ == "__main__":
    raise SystemExit(main())
