"""Write the identified language of every message of pools and evaluation sets, or compare
two such runs.

Usage:

    python scripts/language_ids.py OUT.jsonl FILE.jsonl [FILE.jsonl ...]
    python scripts/language_ids.py --compare BEFORE.jsonl AFTER.jsonl

Each message (a pool's or a set's ``question``, a conversation's last turn read alone, as
scripts/policy_labels.py collects them) is identified by the shipped identifier
(``identify_language``); one line per message: file, id, expected language (the case's
``language`` or ``tags.language``), guessed language, decisive, not_german, word evidence,
the first message's reply language. ``--compare`` prints, per file, how many messages are
guessed and replied to in their expected language before and after, and every message
whose guess or reply moved, grouped by expected → before → after (docs/api.md, "Which
language"). No retrieval: all pools and tune halves take about ten seconds.
"""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

from bot.texts.catalogue import REFERENCE_LANGUAGE
from bot.understanding.language_id import identify_language
from eval.pools import messages


def identify(out: Path, files: list[Path]) -> None:
    """Identify every message of ``files`` and write one line per message to ``out``."""
    with out.open("w", encoding="utf-8") as sink:
        for path in files:
            for case_id, _, language, text in messages(path):
                guess = identify_language(text)
                row = {
                    "file": path.name,
                    "id": case_id,
                    "expected": language,
                    "guessed": guess.language,
                    "decisive": guess.decisive,
                    "not_german": guess.not_german,
                    "evidence": guess.word_evidence,
                    # The first message's reply language (understanding.py _reply_language
                    # without a conversation language): the guess where it may override German.
                    "reply": guess.language
                    if guess.decisive or guess.foreign_script or guess.not_german
                    else REFERENCE_LANGUAGE,
                    "text": text,
                }
                sink.write(json.dumps(row, ensure_ascii=False) + "\n")


def _rows(path: Path) -> dict[tuple[str, str], dict[str, object]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    rows = (json.loads(line) for line in lines if line.strip())
    return {(str(row["file"]), str(row["id"])): row for row in rows}


def compare(before_path: Path, after_path: Path) -> None:
    """Print the per-file totals of both runs and every message whose guess moved."""
    before, after = _rows(before_path), _rows(after_path)
    right: dict[str, Counter[str]] = defaultdict(Counter)
    moved: dict[tuple[str, str, str, str], list[str]] = defaultdict(list)
    for key, old in before.items():
        new = after.get(key)
        if new is None:
            continue
        name = key[0]
        right[name]["cases"] += 1
        right[name]["before"] += old["guessed"] == old["expected"]
        right[name]["after"] += new["guessed"] == new["expected"]
        right[name]["reply before"] += old["reply"] == old["expected"]
        right[name]["reply after"] += new["reply"] == new["expected"]
        if (old["guessed"], old["reply"]) != (new["guessed"], new["reply"]):
            group = (
                name,
                str(old["expected"]),
                f"{old['guessed']}/reply {old['reply']}",
                f"{new['guessed']}/reply {new['reply']}",
            )
            moved[group].append(str(new["text"]))
    for name, counts in sorted(right.items()):
        print(
            f"{name}: guessed {counts['before']} -> {counts['after']}, replied "
            f"{counts['reply before']} -> {counts['reply after']} of {counts['cases']}"
        )
    for (name, expected, old_guess, new_guess), texts in sorted(moved.items()):
        print(f"\n{name} expected {expected}: {old_guess} -> {new_guess} ({len(texts)})")
        for text in texts:
            print(f"    {text}")


if __name__ == "__main__":
    if sys.argv[1] == "--compare":
        compare(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        identify(Path(sys.argv[1]), [Path(name) for name in sys.argv[2:]])
