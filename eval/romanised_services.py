"""Service questions typed in Latin letters in Russian and Ukrainian, derived mechanically from
questions written in Cyrillic (#13 items 1 and 3).

A citizen without a Cyrillic keyboard asks the same questions in Latin letters. This set is
not written by hand: every Russian and Ukrainian service question of ``munich_languages``
(both halves, each case staying in its half) and every Ukrainian question of the Integreat
train and dev splits is transliterated by one of three spellings, by rotation over the cases
of each source file:

* ``passport``: the official passport tables, ICAO Doc 9303 for Russian (iuliia's
  ``ICAO_DOC_9303``) and the Ukrainian national romanisation (KMU 2010, Resolution 55 of the
  Cabinet of Ministers of Ukraine, with its word-initial forms ye, yi, y, yu, ya);
* ``chat``: Telegram's table for Russian (iuliia's ``TELEGRAM``); for Ukrainian, the
  national table with the scholarly j (й j, я ja, ю ju, є je, ї ji), h for х and no
  apostrophes;
* ``volapuk``: the chat spelling with the letters and digits chat uses for Cyrillic letters
  Latin lacks (ч 4, ш 6, щ 6', х x), as in ``romanised_danger``'s volapük spelling.

Capitals are kept as the source has them; punctuation too. Each case keeps the source's
expected documents, statuses and split; ids get an ``rs-`` prefix, the style tag is
``transliterated`` and the notes name the spelling and the source case.

The reader (bot/understanding/cyrillic.py) reads these very tables backwards, so this set
measures what a reading gives retrieval once it reads the words right, not how well real
citizens' spellings are read (``romanised_danger`` is hand-written for that).

``python -m eval.romanised_services write`` writes
``eval/sets/romanised_services_{tune,holdout}.jsonl`` (from munich_languages) and
``eval/sets/romanised_integreat_{train,dev}_uk.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import iuliia

SETS_DIR = Path(__file__).parent / "sets"
SPELLINGS = ("passport", "chat", "volapuk")

_UK_PASSPORT = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ie", "ж": "zh",
    "з": "z", "и": "y", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n",
    "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ь": "", "ю": "iu", "я": "ia", "'": "", "’": "",
}  # fmt: skip
_UK_INITIAL = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}
_UK_CHAT = {
    **_UK_PASSPORT,
    "й": "j", "я": "ja", "ю": "ju", "є": "je", "ї": "ji", "х": "h", "г": "g", "щ": "sch",
    "ц": "c",
}  # fmt: skip
_VOLAPUK = {"ч": "4", "ш": "6", "щ": "6'", "х": "x"}
_RU_CHAT_VOLAPUK = {"ч": "4", "ш": "6", "щ": "6'", "х": "x", "й": "j", "я": "ja", "ю": "ju"}


def transliterate(text: str, language: str, spelling: str) -> str:
    """``text`` (Russian or Ukrainian in Cyrillic) in Latin letters by ``spelling``."""
    if language == "ru":
        if spelling == "passport":
            return str(iuliia.ICAO_DOC_9303.translate(text))
        if spelling == "volapuk":
            text = _by_table(text, _RU_CHAT_VOLAPUK, initial=False)
        return str(iuliia.TELEGRAM.translate(text))
    table = _UK_PASSPORT if spelling == "passport" else {**_UK_CHAT}
    if spelling == "volapuk":
        table = {**table, **_VOLAPUK}
    return _by_table(text, table, initial=spelling == "passport")


def _by_table(text: str, table: dict[str, str], *, initial: bool) -> str:
    """The letters of ``text`` in ``table`` replaced, a capital by a capitalised value; with
    ``initial``, a word's first letter by its KMU 2010 word-initial form where it has one."""
    out = []
    for i, char in enumerate(text):
        low = char.lower()
        at_start = i == 0 or not text[i - 1].isalpha()
        value = _UK_INITIAL.get(low) if initial and at_start else None
        if value is None:
            value = table.get(low)
        if value is None:
            out.append(char)
        else:
            out.append(value.capitalize() if char != low else value)
    return "".join(out)


def derive(source: Path, languages: Sequence[str], kinds: Sequence[str]) -> list[dict[str, object]]:
    """The romanised cases of ``source``'s cases in ``languages`` of the given ``kinds``."""
    cases = []
    rows = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines() if line]
    chosen = [
        row
        for row in rows
        if row.get("tags", {}).get("language") in languages
        and (not kinds or row.get("tags", {}).get("kind") in kinds)
    ]
    for index, row in enumerate(chosen):
        spelling = SPELLINGS[index % len(SPELLINGS)]
        language = row["tags"]["language"]
        case = dict(row)
        case["id"] = f"rs-{row['id']}"
        case["question"] = transliterate(row["question"], language, spelling)
        case["tags"] = {**row["tags"], "style": "transliterated"}
        case["notes"] = f"spelling: {spelling}; derived from {row['id']}"
        case.pop("answer_lines", None)  # the lines are Cyrillic; the question is not
        cases.append(case)
    return cases


def write() -> dict[str, int]:
    """Write the derived files; their case counts."""
    plan = {
        "romanised_services_tune": ("munich_languages_tune", ("ru", "uk"), ("service",)),
        "romanised_services_holdout": ("munich_languages_holdout", ("ru", "uk"), ("service",)),
        "romanised_integreat_train_uk": ("integreat_train_uk", ("uk",), ()),
        "romanised_integreat_dev_uk": ("integreat_dev_uk", ("uk",), ()),
    }
    counts = {}
    for name, (source, languages, kinds) in plan.items():
        cases = derive(SETS_DIR / f"{source}.jsonl", languages, kinds)
        lines = "".join(json.dumps(case, ensure_ascii=False) + "\n" for case in cases)
        (SETS_DIR / f"{name}.jsonl").write_text(lines, encoding="utf-8")
        counts[name] = len(cases)
    return counts


def main(argv: Sequence[str] | None = None) -> int:
    """``write`` (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m eval.romanised_services", description=__doc__)
    parser.add_argument("command", choices=["write"])
    parser.parse_args(argv)
    for name, count in write().items():
        print(f"{name}: {count} cases", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
