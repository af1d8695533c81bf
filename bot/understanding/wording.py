"""How citizen text is made comparable: normalisation, stop words, typo distance.

``normalize`` is what every rule, keyword, synonym and lexical score sees: Unicode NFKC,
invisible characters removed, case folded, ``ä→ae ö→oe ü→ue ß→ss`` (decomposed umlauts
too), typographic quotes and dashes made plain, whitespace collapsed.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TypeAlias

from rapidfuzz.distance import OSA

# An ISO 639-1 code with a text catalogue (bot/texts/<code>.yaml): "de", "en", "uk" …
# Which code a message is in is bot/understanding/language_id.py's job.
Language: TypeAlias = str

UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ẞ": "ss"})
_PUNCT = str.maketrans({"„": '"', "“": '"', "”": '"', "‚": "'", "‘": "'", "’": "'",
                        "–": "-", "—": "-", "‐": "-", "‑": "-", "«": '"', "»": '"'})  # fmt: skip
_INVISIBLE = re.compile(r"[\u0000-\u0008\u000b-\u001f\u007f\u200b-\u200f\u2060\ufeff]")
WORD = re.compile(r"\w+")


def word_set(words: str) -> frozenset[str]:
    """A set of the space-separated ``words``."""
    return frozenset(words.split())


def normalize(text: str) -> str:
    """NFKC, case folding, umlaut folding (ä→ae …, ß→ss), plain quotes, single spaces."""
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub(" ", text).casefold().translate(UMLAUTS).translate(_PUNCT)
    # Decomposed umlauts ("u" + combining diaeresis) that NFKC could not compose.
    text = re.sub(r"([aou])\u0308", r"\1e", text)
    # Turkish capital "İ" folds to "i" + combining dot above: "İntihar" is "intihar".
    text = text.replace("i\u0307", "i")
    return " ".join(text.split())


def typo_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance of ``a`` and ``b``, or ``limit + 1`` if larger
    (rapidfuzz's OSA, the distance bot/dialogue/rule_words.py reads misspelt words with)."""
    return int(OSA.distance(a, b, score_cutoff=limit))
