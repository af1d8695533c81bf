"""How citizen text is made comparable: normalisation, language guess, typo distance.

``normalize`` is what every rule, keyword, synonym and lexical score sees: Unicode NFKC,
invisible characters removed, case folded, ``ä→ae ö→oe ü→ue ß→ss`` (decomposed umlauts
too), typographic quotes and dashes made plain, whitespace collapsed.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

Language = Literal["de", "en"]

UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ẞ": "ss"})
_PUNCT = str.maketrans({"„": '"', "“": '"', "”": '"', "‚": "'", "‘": "'", "’": "'",
                        "–": "-", "—": "-", "‐": "-", "‑": "-", "«": '"', "»": '"'})  # fmt: skip
_INVISIBLE = re.compile(r"[\u0000-\u0008\u000b-\u001f\u007f\u200b-\u200f\u2060\ufeff]")
WORD = re.compile(r"\w+")


def word_set(words: str) -> frozenset[str]:
    """A set of the space-separated ``words``."""
    return frozenset(words.split())


_ENGLISH = word_set(
    "the is are what how where when do does can i my you your a an to for of with "
    "please need want get much cost costs apply which who why hello thanks thank"
)
_GERMAN = word_set(
    "der die das ist sind was wie wo wann ich mein meine sie ein eine einen zu fuer "
    "mit bitte brauche kann muss kostet beantragen und nicht auf den dem"
)


def normalize(text: str) -> str:
    """NFKC, case folding, umlaut folding (ä→ae …, ß→ss), plain quotes, single spaces."""
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub(" ", text).casefold().translate(UMLAUTS).translate(_PUNCT)
    # Decomposed umlauts ("u" + combining diaeresis) that NFKC could not compose.
    text = re.sub(r"([aou])\u0308", r"\1e", text)
    return " ".join(text.split())


def detect_language(text: str) -> Language:
    """``"en"`` if the message reads as English, else ``"de"`` (cheap stop-word vote)."""
    words = WORD.findall(normalize(text))
    english = sum(w in _ENGLISH for w in words)
    german = sum(w in _GERMAN for w in words)
    return "en" if english > german and english >= 1 else "de"


def typo_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance of ``a`` and ``b``, or ``limit + 1`` if larger."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]
