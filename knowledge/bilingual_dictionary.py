"""Bilingual dictionaries in the dictd format, read to translate a question's words into German.

Dictionary-based query translation (Ballesteros & Croft 1997; Pirkola 1998): each content
word of a foreign question is looked up and replaced by its German translations, so that
German BM25 can meet the catalogue's own terms. The dictionaries are FreeDict's Debian
packages (``dict-freedict-fra-deu`` …, GPL/CC-BY-SA): read from the system path, never
shipped with GovBot.

The dictd format (dictd(8), "dictfmt"): ``<name>.index`` holds one line per headword,
``headword TAB offset TAB length`` with offset and length in dictd's base64 digits, and
``<name>.dict.dz`` the entry texts, gzip-compressed (dictzip is gzip with a chunk table in
an extra field, which plain gzip ignores). A FreeDict entry starts with the headword line
(``passeport /pas.pɔʁ/ <n, masc>``), then the translations: numbered lines (``2. fragen,
bitten``) each followed by a gloss in the source language, or one line of translations; in
the Ding-derived English–German dictionary, indented notes and examples follow.

A dictionary from German into the citizen's language (``deu-rus``) is read backwards: each
translation word points to its German headword.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable, Iterator
from pathlib import Path

_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_VALUE = {char: value for value, char in enumerate(_DIGITS)}
_NUMBERED = re.compile(r"^\d+\.\s+")
# Grammar and usage marks of FreeDict entries: <n, masc>, [adm.], {see}, (Vieilli), /IPA/.
_MARKS = re.compile(r"<[^>]*>|\[[^\]]*\]|\{[^}]*\}|\([^)]*\)|/[^/]*/")
# Ding's placeholders for objects ("etw. beantragen", "jdm. etw. geben"): Ding's
# abbreviation list (dict.tu-chemnitz.de, "Abkürzungen").
_PLACEHOLDERS = re.compile(r"\b(?:etw|jd[nmsr]?|jemand(?:en|em|es)?|etwas)\b\.?", re.IGNORECASE)

Key = Callable[[str], str]
"""Turns a word or phrase of the source language into its lookup key (lemma, lower case)."""


def _number(digits: str) -> int:
    value = 0
    for char in digits:
        value = value * 64 + _VALUE[char]
    return value


def entries(stem: Path) -> Iterator[str]:
    """The entry texts of the dictd dictionary ``stem`` (``.index`` and ``.dict.dz`` beside it)."""
    data = gzip.decompress(stem.with_name(stem.name + ".dict.dz").read_bytes())
    index = stem.with_name(stem.name + ".index").read_text(encoding="utf-8")
    for line in index.splitlines():
        fields = line.split("\t")
        if len(fields) < 3 or fields[0].startswith("00database"):
            continue
        start, length = _number(fields[1]), _number(fields[2])
        yield data[start : start + length].decode("utf-8", errors="replace")


def headword(entry: str) -> str:
    """The headword of an entry, without pronunciation and grammar marks."""
    return _clean(entry.split("\n", 1)[0])


def translations(entry: str) -> list[str]:
    """The translations of an entry, best sense first (numbered lines, else the first line)."""
    lines = [line for line in entry.split("\n")[1:] if line and not line[0].isspace()]
    numbered = [_NUMBERED.sub("", line) for line in lines if _NUMBERED.match(line)]
    chosen = numbered or lines[:1]
    found: list[str] = []
    for line in chosen:
        for part in re.split(r"[,;]", _MARKS.sub(" ", line)):
            cleaned = _clean(_PLACEHOLDERS.sub(" ", part))
            if cleaned and cleaned not in found:
                found.append(cleaned)
    return found


def _clean(text: str) -> str:
    return " ".join(_MARKS.sub(" ", text).split()).strip(" .:!?\"'")


class BilingualDictionary:
    """Source-language words and phrases (by their key) to translations, in dictionary order."""

    def __init__(self, senses: dict[str, list[str]], *, key: Key, max_words: int = 3) -> None:
        self._senses = senses
        self._key = key
        self._max_words = max_words

    @classmethod
    def forward(cls, stem: Path, *, key: Key, max_words: int = 3) -> BilingualDictionary:
        """A dictionary read as written: headwords to translations (``freedict-fra-deu``)."""
        senses: dict[str, list[str]] = {}
        for entry in entries(stem):
            word = key(headword(entry))
            if not word or len(word.split()) > max_words:
                continue
            known = senses.setdefault(word, [])
            known.extend(t for t in translations(entry) if t not in known)
        return cls(senses, key=key, max_words=max_words)

    @classmethod
    def backward(cls, stem: Path, *, key: Key, max_words: int = 3) -> BilingualDictionary:
        """A dictionary read backwards: translations to headwords (``freedict-deu-rus`` for
        Russian to German)."""
        senses: dict[str, list[str]] = {}
        for entry in entries(stem):
            target = headword(entry)
            if not target:
                continue
            for source in translations(entry):
                word = key(source)
                if not word or len(word.split()) > max_words:
                    continue
                known = senses.setdefault(word, [])
                if target not in known:
                    known.append(target)
        return cls(senses, key=key, max_words=max_words)

    def merged(self, other: BilingualDictionary) -> BilingualDictionary:
        """Both dictionaries' senses, this one's first."""
        senses = {word: list(values) for word, values in self._senses.items()}
        for word, values in other._senses.items():
            known = senses.setdefault(word, [])
            known.extend(v for v in values if v not in known)
        return BilingualDictionary(senses, key=self._key, max_words=self._max_words)

    def senses(self) -> dict[str, list[str]]:
        """Every key with its translations (a copy)."""
        return {word: list(values) for word, values in self._senses.items()}

    def __len__(self) -> int:
        return len(self._senses)

    def lookup(self, phrase: str) -> list[str]:
        """Translations of ``phrase`` (any form the key reduces to the same), empty if unknown."""
        return list(self._senses.get(self._key(phrase), []))

    def translate(self, words: list[str]) -> list[tuple[str, list[str]]]:
        """``(source phrase, translations)`` for ``words``, longest known phrase first
        (Ballesteros & Croft 1997: phrases translate better than their words)."""
        found: list[tuple[str, list[str]]] = []
        start = 0
        while start < len(words):
            for size in range(min(self._max_words, len(words) - start), 0, -1):
                phrase = " ".join(words[start : start + size])
                senses = self.lookup(phrase)
                if senses:
                    found.append((phrase, senses))
                    start += size
                    break
            else:
                start += 1
        return found
