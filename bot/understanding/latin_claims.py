"""Whether a Latin-script message belongs to none of the Latin-script catalogue languages:
the first question before a message is read as Russian, Ukrainian, Arabic or Farsi typed in
Latin letters (romanised.py, arabic_script.py).

A message is *unclaimed* when at least ``FOREIGN_SHARE`` of its words of ``LONG_WORD``
letters or more are known to no word list of those languages (wordfreq, word_lists.py; a
word with a digit is known to none; the large lists hold so many short chat and name forms,
"3am", "bab", "ma", that short words tell nothing), and the language identifier does not
read it as one of them decisively. Misspelt German requests pass the word test
("unterhaltvsorschuss verlängern"); the readers that follow must each be strict about what
they read (a frequent word, several words).
"""

from __future__ import annotations

import re

from bot.understanding.language_id import LanguageGuess
from bot.understanding.word_lists import known_words

__all__ = [
    "FOREIGN_SHARE",
    "LATIN_LANGUAGES",
    "LONG_WORD",
    "latin_only",
    "unclaimed",
]

# The catalogue languages written in Latin script, whose known words keep a message Latin.
LATIN_LANGUAGES = ("de", "en", "fr", "tr", "pl", "ro")
FOREIGN_SHARE = 0.5  # at least this share of a message's long words known to none of them
LONG_WORD = 4
_NOT_LATIN = re.compile(r"[^\W\da-z_]")  # a letter that is not a-z
_LATIN_TOKEN = re.compile(r"[a-z0-9']*[a-z][a-z0-9']*")  # a word with a letter


def latin_only(normalized: str) -> bool:
    """Whether a normalised message has letters, all of them a-z."""
    return bool(re.search(r"[a-z]", normalized)) and not _NOT_LATIN.search(normalized)


def unclaimed(normalized: str, guess: LanguageGuess | None = None) -> bool:
    """Whether a normalised Latin-script message is in none of ``LATIN_LANGUAGES`` (module
    docstring) by its words, and by ``guess``, the language identifier's guess for it, if
    given (the caller asks the identifier after the cheaper word check otherwise)."""
    if guess is not None and guess.decisive and guess.language in LATIN_LANGUAGES:
        return False
    long_words = [token for token in _LATIN_TOKEN.findall(normalized) if len(token) >= LONG_WORD]
    if not long_words:
        return False
    lists = [words for words in map(known_words, LATIN_LANGUAGES) if words is not None]
    unknown = sum(1 for token in long_words if not any(token in words for words in lists))
    return unknown / len(long_words) >= FOREIGN_SHARE
