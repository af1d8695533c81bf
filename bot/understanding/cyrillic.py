"""The Cyrillic reading of Russian or Ukrainian typed in Latin letters ("moy syn propal").

People who have no Cyrillic keyboard at hand write Russian and Ukrainian in Latin letters,
the way chat and SMS did. The help grammar's danger words of those languages are written
in Cyrillic, so the policy (bot/dialogue/policy.py) also reads a Latin-script message in
Cyrillic before it gives up on it. The reading uses cyrtranslit's Russian table (GOST
7.79-2000 System B reversed, with informal digraphs such as "ya", "yu", "ye"), and reads
"y" after a consonant as ы, as chat writes it ("syn", "dyshit"). It is a reading, never
shown to anyone: only the emergency rules look at it. Ukrainian comes out with Russian
letters (и for і), which the Ukrainian patterns share in their stems ("син", "горить").
A soft sign left out ("ubit" for убить) is not restored.
"""

from __future__ import annotations

import re

import cyrtranslit

from bot.understanding.wording import normalize

__all__ = ["cyrillic_reading"]

_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[a-z]")
# Chat writes ы as "y" after a consonant ("syn", "dyshit"), which the table reads as и;
# its own spelling of ы is "y'".
_YERY = re.compile(r"(?<=[bcdfghklmnprstvwxz])y(?![aeiouy'])")


def cyrillic_reading(normalized: str) -> str | None:
    """The normalised Cyrillic reading of a normalised Latin-script message; None if the
    message has Cyrillic letters already or no Latin ones."""
    if _CYRILLIC.search(normalized) or not _LATIN.search(normalized):
        return None
    return normalize(cyrtranslit.to_cyrillic(_YERY.sub("y'", normalized), "ru"))
