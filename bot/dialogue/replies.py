"""Short replies a citizen writes in any supported language: the word that asks for a
person, and yes or no to the bot's offer to connect them with one (issue 13 item 2).

The words come from the text catalogue (``reply.person``, ``reply.confirm``,
``reply.decline`` in bot/texts/<language>.yaml), the same catalogue whose texts tell the
citizen which word to write, so that a new language is one more file and no code. A reply
is compared word by word after ``normalize`` and with diacritics removed: "functionar"
and "funcționar", "bitte." and "Bitte", "لا شكرًا" and "لا شكرا" read the same.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Literal

from bot.texts.catalogue import TextCatalogue
from bot.understanding.wording import WORD, Language, normalize

__all__ = ["Reply", "ReplyWords", "folded"]

Reply = Literal["person", "confirm", "decline"]
_KEYS: tuple[Reply, ...] = ("person", "confirm", "decline")
# The offer names the word in quotes: „Mitarbeiter“, « agent », "person" (plain after normalize).
_QUOTED = re.compile(r'"\s*([^"]{1,40}?)\s*"')


def folded(text: str) -> str:
    """``text`` normalised, without diacritics and punctuation, words single-spaced."""
    return _fold(normalize(text))


def _fold(normalized: str) -> str:
    decomposed = unicodedata.normalize("NFKD", normalized)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(WORD.findall(plain))


class ReplyWords:
    """The catalogue's reply words of every language, ready to compare with a message."""

    def __init__(self, texts: TextCatalogue) -> None:
        self._languages: dict[tuple[Reply, str], list[Language]] = {}
        for language in texts.languages:
            for key in _KEYS:
                for phrase in _phrases(texts.text(f"reply.{key}", language)):
                    languages = self._languages.setdefault((key, phrase), [])
                    if language not in languages:  # "لا شكرا" and "لا شكرًا" fold alike
                        languages.append(language)
        self._person = {
            folded(texts.text("reply.person", language)) for language in texts.languages
        }

    def reply(self, normalized: str) -> tuple[Reply, tuple[Language, ...]] | None:
        """What a message (``normalize``d) is as a whole (a person word, yes or no) and
        the languages whose catalogue has it, or None for any other message."""
        text = _fold(normalized)
        for key in _KEYS:
            languages = self._languages.get((key, text))
            if languages:
                return key, tuple(languages)
        return None

    def offers_person(self, bot_text: str) -> bool:
        """Whether the bot's ``bot_text`` tells the citizen to write a person word (in
        quotes, as every offer in the catalogue does)."""
        quoted = _QUOTED.findall(normalize(bot_text))
        return any(_fold(word) in self._person for word in quoted)


def _phrases(entry: str) -> Iterable[str]:
    """The comma-separated phrases of a catalogue entry, folded; empty ones left out."""
    return (phrase for phrase in (folded(part) for part in entry.split(",")) if phrase)
