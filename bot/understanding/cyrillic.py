"""The Cyrillic reading of Russian or Ukrainian typed in Latin letters ("moy syn propal").

People who have no Cyrillic keyboard at hand write Russian and Ukrainian in Latin letters,
the way chat and SMS did, and not in one way: "я" is "ya" (GOST, BGN/PCGN), "ia" (ALA-LC,
the Ukrainian national system), "ja" (the scholarly system) or "q" in chat; "ч" is "ch",
"č" or the digit "4" that looks like it; "х" is "kh", "h" or "x". The help grammar's danger
words of those languages are written in Cyrillic, so the policy (bot/dialogue/policy.py)
also reads a Latin-script message in Cyrillic before it gives up on it.

Each word is read **as a known word**: every way the romanisation systems below spell a
Cyrillic letter is read backwards, and among the Cyrillic spellings of the word those that
are Russian or Ukrainian word forms (wordfreq's lists, word_lists.py) win, the most
frequent first; a soft or hard sign, which Latin spellings drop ("ubit" for убить), may be
restored where the word list has it. A word that reads as no known word keeps the plain
reading of cyrtranslit's Russian table (GOST 7.79-2000 System B reversed, with "y" after a
consonant read as ы, as chat writes it: "syn", "dyshit").

The systems read backwards: the Russian schemes iuliia ships (GOST 7.79, GOST 16876, GOST
52535, ISO 9, ALA-LC, BGN/PCGN, BS 2979, the scientific system, ICAO Doc 9303, UNGEGN, MVD,
Telegram's and Wikipedia's schemes, …); the Ukrainian national romanisation (Resolution 55
of the Cabinet of Ministers of Ukraine, 27 January 2010: г h, ґ g, и y, і i, ї i/yi, є ie/ye,
ю iu/yu, я ia/ya, й i/y, х kh); and the chat digits and letters of "volapük" (Russian
Wikipedia, "Волапюк (транслит)": 4 ч, 6 ш, 3 з, w ш/щ, x х, q я).

It is a reading, never shown to anyone: the emergency rules look at it, and the language
of a romanised message is judged by it (``cyrillic_words``).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from functools import cache
from importlib import resources

import cyrtranslit

from bot.understanding.word_lists import KnownWords, known_words
from bot.understanding.wording import normalize

__all__ = ["CYRILLIC_LANGUAGES", "CyrillicWord", "cyrillic_reading", "cyrillic_words"]

CYRILLIC_LANGUAGES = ("ru", "uk")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[a-z]")
_TOKEN = re.compile(r"[\w']+")
# Chat writes ы as "y" after a consonant ("syn", "dyshit"), which the table reads as и;
# its own spelling of ы is "y'".
_YERY = re.compile(r"(?<=[bcdfghklmnprstvwxz])y(?![aeiouy'])")
_LONGEST_SPELLING = 4  # "shch"
_BEAM = 300  # Cyrillic prefixes kept per position of a word
_SIGNS = ("ь", "ъ")  # letters Latin spellings drop
_VOWELS = set("аеёиіїоуыэюяє")

# The Ukrainian national romanisation (KMU 2010), the spellings iuliia's Russian schemes lack.
_UKRAINIAN = {
    "h": "г", "gh": "г", "g": "ґ", "y": "и", "i": "іїй", "yi": "ї", "ji": "ї", "ie": "є",
    "ye": "є", "je": "є", "iu": "ю", "ia": "я", "kh": "х", "zh": "ж", "ts": "ц", "ch": "ч",
    "sh": "ш", "shch": "щ", "'": "'ь",
}  # fmt: skip
# Volapük: Latin letters and digits chat uses for the letters they look or sound like.
_VOLAPUK = {
    "4": "ч", "6": "ш", "3": "з", "w": "шщв", "x": "хж", "q": "я", "h": "х", "j": "йж",
    "y": "йуы", "c": "цчс", "ya": "я", "yu": "ю", "yo": "ё", "ju": "ю", "ja": "я", "jo": "ё",
    "sch": "щ", "tch": "ч", "'": "ьъ",
}  # fmt: skip


class CyrillicWord:
    """A Latin word read as a known Russian or Ukrainian word: the word, and which of the
    two languages' lists know it."""

    __slots__ = ("languages", "word")

    def __init__(self, word: str, languages: tuple[str, ...]) -> None:
        self.word = word
        self.languages = languages


def cyrillic_reading(normalized: str) -> str | None:
    """The normalised Cyrillic reading of a normalised Latin-script message; None if the
    message has Cyrillic letters already or no Latin ones."""
    if _CYRILLIC.search(normalized) or not _LATIN.search(normalized):
        return None
    return normalize(_TOKEN.sub(_read_token, normalized))


def cyrillic_words(normalized: str) -> list[CyrillicWord | None]:
    """For each word of a normalised Latin-script message, its reading as a known Russian or
    Ukrainian word, or None where it reads as none (or the message has Cyrillic letters)."""
    if _CYRILLIC.search(normalized):
        return []
    return [_known_reading(token) for token in _TOKEN.findall(normalized)]


def _read_token(match: re.Match[str]) -> str:
    token = match.group(0)
    known = _known_reading(token)
    if known is not None:
        return known.word
    return str(cyrtranslit.to_cyrillic(_YERY.sub("y'", token), "ru"))


@cache
def _spellings() -> dict[str, str]:
    """Latin spelling → the Cyrillic letters it may stand for, from every system read
    backwards (module docstring)."""
    table: dict[str, set[str]] = defaultdict(set)
    schemas = resources.files("iuliia") / "schemas"
    for schema in schemas.iterdir():
        if not schema.name.endswith(".json") or schema.name.startswith("uz"):
            continue  # uz: the Uzbek Latin alphabet, not a romanisation of Russian
        data = json.loads(schema.read_text(encoding="utf-8"))
        pairs = list(data.get("mapping", {}).items())
        for key in ("prev_mapping", "next_mapping", "ending_mapping"):
            pairs += [(cyr[-1], lat) for cyr, lat in (data.get(key) or {}).items()]
        for letter, latin in pairs:
            spelling = normalize(latin)
            if spelling and _LATIN.search(spelling) or spelling in ("'", '"'):
                table[spelling.replace('"', "'")].add(letter.casefold())
    for extra in (_UKRAINIAN, _VOLAPUK):
        for spelling, letters in extra.items():
            table[spelling].update(letters)
    return {spelling: "".join(sorted(letters)) for spelling, letters in table.items()}


@cache
def _lists() -> tuple[tuple[str, KnownWords], ...]:
    lists = ((language, known_words(language)) for language in CYRILLIC_LANGUAGES)
    return tuple((language, words) for language, words in lists if words is not None)


def _is_prefix(prefix: str) -> bool:
    return any(next(words.forms.iterkeys(prefix), None) is not None for _, words in _lists())


@cache
def _known_reading(token: str) -> CyrillicWord | None:
    """The most frequent known word among the Cyrillic spellings of ``token`` (a normalised
    Latin word), or None."""
    if not _LATIN.search(token) and not any(c.isdigit() for c in token):
        return None
    spellings = _spellings()
    positions: list[set[str]] = [set() for _ in range(len(token) + 1)]
    positions[0].add("")
    for start in range(len(token)):
        if not positions[start]:
            continue
        for length in range(1, _LONGEST_SPELLING + 1):
            letters = spellings.get(token[start : start + length]) if start + length <= len(token) else None
            if not letters:
                continue
            grown = positions[start + length]
            for prefix in positions[start]:
                for letter in letters:
                    candidate = prefix + letter
                    if letter not in _VOWELS and letter not in _SIGNS:
                        for sign in _SIGNS:
                            if _is_prefix(candidate + sign):
                                grown.add(candidate + sign)
                    if _is_prefix(candidate):
                        grown.add(candidate)
            if len(grown) > _BEAM:
                positions[start + length] = set(sorted(grown)[:_BEAM])
    best: CyrillicWord | None = None
    best_zipf = 0.0
    for candidate in sorted(positions[-1]):
        languages = tuple(language for language, words in _lists() if candidate in words)
        zipf = max((words.zipf(candidate) for _, words in _lists()), default=0.0)
        if languages and zipf > best_zipf:
            best, best_zipf = CyrillicWord(candidate, languages), zipf
    return best
