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
of a romanised message is judged by it (romanised.py):

**Is it Russian or Ukrainian?** (``romanised_cyrillic``) At least ``READ_SHARE`` of the
message's words of ``LONG_WORD`` letters or more read as Russian or Ukrainian words at least
as frequent as ``READ_ZIPF``; the language is the one whose words read the message best. The
threshold is a frequency, not mere membership, because the reading picks whatever known
word a Latin word can spell, and the large lists know rare forms of almost anything ("hame"
→ хаме, Zipf 2.1; "ghorsa" → горца, 2.4), while the words of a sentence are common ("дитина"
5.0; "задихається", 2.3, is the rare end).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Sequence
from functools import cache, lru_cache
from importlib import resources
from typing import NamedTuple

import cyrtranslit

from bot.understanding.latin_claims import LONG_WORD
from bot.understanding.word_lists import KnownWords, known_words
from bot.understanding.wording import normalize

__all__ = [
    "CYRILLIC_LANGUAGES",
    "CyrillicWord",
    "cyrillic_reading",
    "cyrillic_words",
    "reading_language",
    "romanised_cyrillic",
]

CYRILLIC_LANGUAGES = ("ru", "uk")
READ_ZIPF = 2.5  # a Latin word read as a Russian/Ukrainian word at least this frequent is one
READ_SHARE = 0.6  # at least this share of the long words so read: the message is that language
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[a-z]")
_TOKEN = re.compile(r"[\w']+")
# Chat writes ы as "y" after a consonant ("syn", "dyshit"), which the table reads as и;
# its own spelling of ы is "y'".
_YERY = re.compile(r"(?<=[bcdfghklmnprstvwxz])y(?![aeiouy'])")
_LONGEST_SPELLING = 4  # "shch"
_CACHED_WORDS = 50_000  # words whose readings are kept (a server reads the same words often)
_BEAM = 300  # Cyrillic prefixes kept per position of a word
_SIGNS = ("ь", "ъ", "'")  # letters Latin spellings drop (the Ukrainian apostrophe too)
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


class CyrillicWord(NamedTuple):
    """A Latin word read as a known word of one of ``CYRILLIC_LANGUAGES``, and its Zipf
    frequency in that language."""

    word: str
    language: str
    zipf: float


def cyrillic_reading(normalized: str) -> str | None:
    """The normalised Cyrillic reading of a normalised Latin-script message; None if the
    message has Cyrillic letters already or no Latin ones. Where a word reads as known
    words of both languages, the message's language (``reading_language``) wins."""
    if _CYRILLIC.search(normalized) or not _LATIN.search(normalized):
        return None
    tokens = _TOKEN.findall(normalized)
    language = reading_language([_candidates(token) for token in tokens])
    return normalize(_TOKEN.sub(lambda match: _read_token(match.group(0), language), normalized))


def cyrillic_words(normalized: str) -> list[tuple[CyrillicWord, ...]]:
    """For each word of a normalised Latin-script message, its readings as known Russian and
    Ukrainian words (the most frequent per language; none where it reads as no known word);
    empty if the message has Cyrillic letters."""
    if _CYRILLIC.search(normalized):
        return []
    return [_candidates(token) for token in _TOKEN.findall(normalized)]


def reading_language(words: Sequence[tuple[CyrillicWord, ...]]) -> str | None:
    """The language of ``CYRILLIC_LANGUAGES`` whose known words read the most of ``words``
    (summed Zipf frequencies), None if none reads any."""
    sums: dict[str, float] = defaultdict(float)
    for readings in words:
        for reading in readings:
            sums[reading.language] += reading.zipf
    return max(sums, key=lambda language: sums[language]) if sums else None


def romanised_cyrillic(normalized: str) -> str | None:
    """ "ru" or "uk" if a normalised Latin-script message reads as that language in Cyrillic
    (module docstring), else None. Does not ask whether a Latin-script language claims it
    (latin_claims.py)."""
    if _CYRILLIC.search(normalized) or not _LATIN.search(normalized):
        return None
    tokens = _TOKEN.findall(normalized)
    readings = [
        tuple(r for r in found if r.zipf >= READ_ZIPF)
        for token, found in zip(tokens, cyrillic_words(normalized), strict=True)
        if len(token) >= LONG_WORD
    ]
    if not readings or sum(1 for found in readings if found) < READ_SHARE * len(readings):
        return None
    return reading_language(readings)


def _read_token(token: str, language: str | None) -> str:
    readings = _candidates(token)
    if readings:
        own = [reading for reading in readings if reading.language == language]
        return max(own or readings, key=lambda reading: reading.zipf).word
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
            spelling = normalize(latin).replace('"', "'")
            if _LATIN.search(spelling) or spelling == "'":
                table[spelling].add(letter.casefold())
    for extra in (_UKRAINIAN, _VOLAPUK):
        for spelling, letters in extra.items():
            table[spelling].update(letters)
    return {spelling: "".join(sorted(letters)) for spelling, letters in table.items()}


@cache
def _lists() -> tuple[tuple[str, KnownWords], ...]:
    lists = ((language, known_words(language)) for language in CYRILLIC_LANGUAGES)
    return tuple((language, words) for language, words in lists if words is not None)


def _is_prefix(prefix: str) -> bool:
    return any(words.has_prefix(prefix) for _, words in _lists())


@lru_cache(maxsize=_CACHED_WORDS)
def _candidates(token: str) -> tuple[CyrillicWord, ...]:
    """The most frequent known word of each language among the Cyrillic spellings of
    ``token`` (a normalised Latin word); empty if none is known."""
    if not _LATIN.search(token) and not any(c.isdigit() for c in token):
        return ()
    spellings = _spellings()
    positions: list[set[str]] = [set() for _ in range(len(token) + 1)]
    positions[0].add("")
    for start in range(len(token)):
        for length in range(1, min(_LONGEST_SPELLING, len(token) - start) + 1):
            letters = spellings.get(token[start : start + length])
            if not letters or not positions[start]:
                continue
            grown = positions[start + length]
            for prefix in positions[start]:
                for letter in letters:
                    candidate = prefix + letter
                    if _is_prefix(candidate):
                        grown.add(candidate)
                    if letter in _VOWELS or letter in _SIGNS:
                        continue
                    grown.update(c for c in (candidate + s for s in _SIGNS) if _is_prefix(c))
            if len(grown) > _BEAM:
                positions[start + length] = set(sorted(grown)[:_BEAM])
    best: dict[str, CyrillicWord] = {}
    for candidate in positions[-1]:
        for language, words in _lists():
            zipf = words.frequency(candidate)
            if zipf > 0 and (language not in best or zipf > best[language].zipf):
                best[language] = CyrillicWord(candidate, language, zipf)
    return tuple(best.values())
