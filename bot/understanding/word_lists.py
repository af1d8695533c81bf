"""Word forms of the languages pyspellchecker ships a frequency list for (de, en, fr, es,
it, pt, nl, ru, ar, fa, lv, eu), loaded once per process and language on first use.

Two readers: the spelling correction keeps every German word form it knows
(spelling.py), and the language identification weighs which language a message's words
belong to (language_id.py: "word evidence"). The lists ship inside the
``pyspellchecker`` wheel; nothing is downloaded.
"""

from __future__ import annotations

from functools import cache

from spellchecker import SpellChecker

__all__ = ["word_forms"]


@cache
def word_forms(language: str) -> frozenset[str] | None:
    """The lower-case word forms of ``language`` (an ISO 639-1 code), or None where
    pyspellchecker has no list for it (Polish, Romanian, Turkish, Ukrainian …).
    German: 339,000 forms, ~0.6 s and ~50 MB on first use; the lists of all ten catalogue
    languages together ~0.9 s and ~85 MB."""
    if language not in SpellChecker.languages():
        return None
    return frozenset(SpellChecker(language=language, distance=1).word_frequency.dictionary)
