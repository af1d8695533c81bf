"""Word forms of the languages pyspellchecker ships a frequency list for (de, en, fr, es,
it, pt, nl, ru, ar, fa, lv, eu), loaded once per process and language on first use.

Two readers: the spelling correction keeps every German word form it knows
(spelling.py), and the language identification weighs which language a message's words
belong to (language_id.py: "word evidence"). The lists ship inside the
``pyspellchecker`` wheel; nothing is downloaded.

A third reader, the policy's reading of misspelt rule words (bot/dialogue/rule_words.py),
asks whether a word of a normalised message is a known word (``known_words``). It reads
the word lists of the ``wordfreq`` package (also inside its wheel), which cover all ten
catalogue languages and are larger than pyspellchecker's (Russian 713,000 forms against
20,000; Turkish, Ukrainian, Polish and Romanian pyspellchecker has none), spelt as
``normalize`` spells them (ä → ae, ö → oe …, Turkish too). They are held in
``marisa-trie`` tries (static, memory-efficient sets of strings) read straight from the
wheel's files, not kept as Python sets in wordfreq's own cache: all ten languages take
~95 MB instead of ~520 MB, with the same words, plus the Zipf frequencies of each
language's common words (session 12).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

import marisa_trie
import wordfreq
from spellchecker import SpellChecker

from bot.understanding.wording import UMLAUTS

__all__ = [
    "COMMON_ZIPF",
    "RARE_ZIPF",
    "KnownWords",
    "frequent_words",
    "known_words",
    "word_forms",
]

COMMON_ZIPF = 4.0  # ten times per million words: the words whose frequency is kept
RARE_ZIPF = 1.0  # what a known word below COMMON_ZIPF counts as


@cache
def word_forms(language: str) -> frozenset[str] | None:
    """The lower-case word forms of ``language`` (an ISO 639-1 code), or None where
    pyspellchecker has no list for it (Polish, Romanian, Turkish, Ukrainian …).
    German: 339,000 forms, ~0.6 s and ~50 MB on first use; the lists of all ten catalogue
    languages together ~0.9 s and ~85 MB."""
    if language not in SpellChecker.languages():
        return None
    return frozenset(SpellChecker(language=language, distance=1).word_frequency.dictionary)


@dataclass(frozen=True)
class KnownWords:
    """The word forms of one language as a normalised text spells them, and the Zipf
    frequencies of its common ones."""

    forms: marisa_trie.RecordTrie  # each with its frequency bucket (Zipf 9 - bucket / 100)
    folded: marisa_trie.Trie  # the forms with umlauts or ß, folded (fuer, strasse)
    common: Mapping[str, float]  # Zipf ≥ COMMON_ZIPF, as written and folded

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and (word in self.forms or word in self.folded)

    def zipf(self, word: str) -> float:
        """The word's Zipf frequency (log10 of its uses per billion words) if it is common,
        else RARE_ZIPF if it is known at all, else 0."""
        return self.common.get(word) or (RARE_ZIPF if word in self else 0.0)

    def frequency(self, word: str) -> float:
        """The word's Zipf frequency as written, rare words too (0 if it is not a form):
        for readers that rank rare words (the Cyrillic reading, cyrillic.py)."""
        found = self.forms.get(word)
        return _zipf(found[0][0]) if found else 0.0

    def has_prefix(self, prefix: str) -> bool:
        """Whether some form as written begins with ``prefix``."""
        return next(self.forms.iterkeys(prefix), None) is not None


@cache
def known_words(language: str) -> KnownWords | None:
    """The known words of ``language`` in normalised spelling (wordfreq's large list where
    it has one, else its small one), or None where wordfreq has no list for it. German:
    635,000 forms, ~0.8 s and ~10 MB on first use."""
    buckets = _buckets(language)
    if buckets is None:
        return None
    words = [(word, (index,)) for index, bucket in enumerate(buckets) for word in bucket]
    folded = [w.translate(UMLAUTS) for w, _ in words if any(c in w for c in "äöüß")]
    common: dict[str, float] = {}
    for index, bucket in enumerate(buckets):
        zipf = _zipf(index)
        if zipf < COMMON_ZIPF:
            break
        for word in bucket:
            common.setdefault(word, zipf)
            common.setdefault(word.translate(UMLAUTS), zipf)
    return KnownWords(
        forms=marisa_trie.RecordTrie("<H", words), folded=marisa_trie.Trie(folded), common=common
    )


def frequent_words(language: str, min_zipf: float) -> list[str]:
    """The words of ``language`` at least as frequent as ``min_zipf``, most frequent first
    (empty where wordfreq has no list for it); read from the wheel on every call."""
    words: list[str] = []
    for index, bucket in enumerate(_buckets(language) or []):
        if _zipf(index) < min_zipf:
            break
        words.extend(bucket)
    return words


def _buckets(language: str) -> list[list[str]] | None:
    """wordfreq's frequency buckets of ``language`` (its large list where it has one, else
    its small one), most frequent first, or None where it has no list."""
    name = "large" if language in wordfreq.available_languages(wordlist="large") else "small"
    path = wordfreq.available_languages(wordlist=name).get(language)
    if path is None:
        return None
    # read_cBpack, not get_frequency_list: the latter keeps every list in an lru_cache.
    return list(wordfreq.read_cBpack(path))


def _zipf(bucket: int) -> float:
    """The Zipf frequency of wordfreq's bucket ``bucket`` (bucket i: Zipf 9 - i/100)."""
    return 9.0 - bucket / 100.0
