"""How the ``munich_citizens`` evaluation set was drawn and how it is split (issue 12).

The procedure is documented in ``eval/sets/munich_citizens.md``; this module is the
part of it that a machine does, so that anyone can repeat it:

``python -m eval.citizens_set draw``
    lists the services drawn at random (fixed seed) from the full Munich catalogue,
    in draw order; the first ``TWO_QUESTIONS`` got two questions, the rest one.
``python -m eval.citizens_set split``
    assigns every case of ``munich_citizens.jsonl`` to the ``tune`` or ``holdout`` half
    (``tags.split``) and writes the two halves as ``munich_citizens_tune.jsonl`` and
    ``munich_citizens_holdout.jsonl``. The rule looks only at case ids and kinds,
    never at answers: within each kind and language, case groups (the id without its
    last ``-<n>``, so both questions about one service stay together) are ordered by
    the SHA-256 of the group name and alternately given to tune and holdout (the
    alternation runs on from one stratum to the next, strata in sorted order).
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import random
import re
import sys
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

from eval.sets_schema import SETS_DIR, EvalCase, Split, parse_cases
from ingest.dldb import is_test_entry

SET_NAME = "munich_citizens"
SEED = 20261206
DRAWN = 120
TWO_QUESTIONS = 60
CATALOGUE = Path(__file__).resolve().parents[1] / "data" / "muenchen" / "services_de.json"
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"[\s\u200b]+")


def description_text(raw_html: str) -> str:
    """The plain text of a DLDB description (tags, entities and zero-width spaces removed)."""
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", raw_html))).strip()


def candidate_services(catalogue: Path = CATALOGUE) -> list[tuple[str, str]]:
    """``(id, name)`` of every service with a description, ordered by numeric id.

    Not only the ``public`` (bookable online) ones; without the test and internal entries
    that ingest skips too (ingest.dldb.is_test_entry).
    """
    entries = json.loads(catalogue.read_text(encoding="utf-8"))["data"]
    chosen = [
        (str(entry["id"]), str(entry["name"]))
        for entry in entries
        if description_text(str(entry.get("description") or "")) and not is_test_entry(entry)
    ]
    return sorted(chosen, key=lambda pair: int(pair[0]))


def draw_services(
    catalogue: Path = CATALOGUE, *, seed: int = SEED, count: int = DRAWN
) -> list[tuple[str, str]]:
    """The services drawn for the set, in draw order (``random.Random(seed).sample``)."""
    return random.Random(seed).sample(candidate_services(catalogue), count)


def case_group(case: EvalCase) -> str:
    """The group a case is split with: its id without the trailing ``-<n>``."""
    head, _, tail = case.id.rpartition("-")
    return head if head and tail.isdigit() else case.id


def kind_and_language(case: EvalCase) -> tuple[str, str]:
    """The stratum of a case in the hand-written sets: its kind and language."""
    return case.tags.kind.value, case.tags.language


Stratum = Callable[[EvalCase], tuple[str, ...]]


def assign_splits(
    cases: Sequence[EvalCase], *, stratum: Stratum = kind_and_language
) -> dict[str, Split]:
    """Case id -> half, stratified by ``stratum`` (kind and language unless a set names
    another), groups kept together."""
    groups: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for case in cases:
        groups[stratum(case)].add(case_group(case))
    half_of_group: dict[str, Split] = {}
    position = 0  # runs on across strata, so odd-sized strata do not all favour one half
    for key in sorted(groups):
        names = groups[key]
        for name in sorted(names, key=lambda name: hashlib.sha256(name.encode()).hexdigest()):
            half_of_group[name] = Split.TUNE if position % 2 == 0 else Split.HOLDOUT
            position += 1
    return {case.id: half_of_group[case_group(case)] for case in cases}


def split_lines(
    text: str, *, source: str, stratum: Stratum = kind_and_language
) -> dict[str, list[str]]:
    """The set's lines with ``tags.split`` set, all of them and per half (key order kept)."""
    cases = parse_cases(text, source=source)
    halves = assign_splits(cases, stratum=stratum)
    result: dict[str, list[str]] = {"all": [], Split.TUNE.value: [], Split.HOLDOUT.value: []}
    for case in cases:
        dumped = case.model_dump(mode="json", exclude_none=True)
        raw = {key: value for key, value in dumped.items() if value not in ([], "")}
        raw["tags"] = {**raw["tags"], "split": halves[case.id].value}
        line = json.dumps(raw, ensure_ascii=False)
        result["all"].append(line)
        result[halves[case.id].value].append(line)
    return result


def write_split(
    sets_dir: Path = SETS_DIR, set_name: str = SET_NAME, *, stratum: Stratum = kind_and_language
) -> dict[str, int]:
    """Tag the set's cases with their half and write both halves; returns the counts.

    The other hand-written sets (``verdicts``, ``alarming_ordinary``, ``out_of_scope``) are
    split by the same rule, under their own name (``out_of_scope`` by tenant and language).
    """
    path = sets_dir / f"{set_name}.jsonl"
    lines = split_lines(path.read_text(encoding="utf-8"), source=str(path), stratum=stratum)
    path.write_text("\n".join(lines["all"]) + "\n", encoding="utf-8")
    for half in Split:
        target = sets_dir / f"{set_name}_{half.value}.jsonl"
        target.write_text("\n".join(lines[half.value]) + "\n", encoding="utf-8")
    return {name: len(group) for name, group in lines.items()}


def set_command(
    argv: Sequence[str] | None,
    *,
    module: str,
    set_name: str,
    doc: str | None,
    draw: Callable[[], None],
    draw_name: str = "draw",
    stratum: Stratum = kind_and_language,
) -> int:
    """The ``draw`` / ``split`` command line of a hand-written set: ``draw`` (or
    ``draw_name``) prints what ``draw`` lists, ``split`` writes the set's halves
    (:func:`write_split`, stratified by ``stratum``)."""
    parser = argparse.ArgumentParser(prog=f"python -m {module}", description=doc)
    parser.add_argument("command", choices=[draw_name, "split"])
    args = parser.parse_args(argv)
    if args.command == draw_name:
        draw()
        return 0
    counts = write_split(SETS_DIR, set_name, stratum=stratum)
    print(
        f"{set_name}: {counts['all']} cases, tune {counts['tune']}, holdout {counts['holdout']}",
        file=sys.stderr,
    )
    return 0


def _print_draw() -> None:
    for index, (service_id, name) in enumerate(draw_services()):
        questions = 2 if index < TWO_QUESTIONS else 1
        print(f"{index:03d}  {questions}q  {service_id:>9}  {name}")


def main(argv: Sequence[str] | None = None) -> int:
    """``draw`` or ``split`` (see the module docstring)."""
    return set_command(
        argv, module="eval.citizens_set", set_name=SET_NAME, doc=__doc__, draw=_print_draw
    )


if __name__ == "__main__":
    raise SystemExit(main())
