"""German compound splitting, so that a citizen's words meet the catalogue's compounds.

"Parkausweis für Anwohner" should find the "Anwohnerparkausweis" (issue 12 item 3).
The BM25 encoder (knowledge/sparse.py) adds the parts of every compound of a passage as
extra tokens (queries keep the citizen's words by default, docs/retrieval-tuning.md E28).
The ranker's lexical features already find a question word inside a compound of the
text by prefix or suffix (bot/understanding/lexicon.py), so they need no splitting.

Method: frequency-based splitting after Koehn and Knight, "Empirical Methods for
Compound Splitting" (EACL 2003), with the German word frequencies of the ``wordfreq``
package (code Apache-2.0, word lists CC BY-SA 4.0, built from Wikipedia, subtitles,
news, books and web text up to 2021; its data is frozen, which suits a splitter whose
output must not change under an index; offline, no download). A word splits into two
parts at the position where both parts are known German words (a modifier may drop a
linking "s": "Geburt-s-urkunde"), parts split again
recursively, and a split is taken only when its parts are on average more frequent than
the whole word (their rule against "Hochzeit"-like false splits: "Anmeldung" stays one
word). A known word is not split further; an unknown part ("parkausweis") splits again.
A three-letter part must be common ("Bau-", "-amt"), so "ver-" and "-ung" never split
off, and no part may be a stop word of the BM25 tokenizer ("aus", "ein", "unter"), so
"Ausweis" stays one word. Checked candidates (docs/retrieval-tuning.md, E27):
``compound-split`` (CharSplit, GPL-3.0, 1.6 GB in memory, 8–20 s import),
``charsplit-fst`` (needs Python ≥ 3.12), ``german-nouns`` (CC BY-SA noun list; its
greedy splitter yields "K-inder-geld", "Reis-epass").

The extra tokens of a compound are its parts and its heads: "anwohnerparkausweis" →
"anwohner", "park", "ausweis", "parkausweis" (every tail of a compound is a compound
of the same kind: a Parkausweis is an Ausweis).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version

# Bump whenever the same word yields other parts (the BM25 encoder's name carries it).
SPLITTER_VERSION = 1

_WORD = re.compile(r"[^\W\d_]+")
# The linking "s" (Geburt-s-urkunde, Aufenthalt-s-erlaubnis). Other linking elements
# leave a word form that the word list knows anyway (Hunde-, Kinder-, Namen-, Standes-).
# After -heit, -keit, -ion, -ling, -schaft, -tät, -tum and -ung the "s" is the rule
# (Duden, "Fugen-s") and costs less, so "Gesundheit-s-amt" is no "Gesundheit-samt";
# elsewhere a split without it is preferred ("Wohnung-steuer", not "Wohnung-s-teuer").
_LINK = "s"
_LINK_SUFFIXES = ("heit", "keit", "ion", "ling", "schaft", "tät", "tum", "ung")
_LINK_PENALTY = 0.3  # zipf points
_RULE_LINK_PENALTY = 0.1
_MIN_PART = 3  # "Bau-", "Ehe-", "-amt"
_SHORT = 4  # a part shorter than this must be common: "ver-" and "-ung" never split off
_MIN_COMMON_SHORT = 4.5  # zipf of a three-letter part ("amt" 4.8, "ung" 3.1)
_NESTING_PENALTY = 0.5  # zipf points: a part that must split again counts less
_MIN_ZIPF = 3.0  # a part must be at least this common (zipf; "besch" 2.9 is not)
_MIN_WORD = 7  # shorter words are not split ("Hausarzt" has 8 letters)
_MAX_WORD = 40
_MAX_DEPTH = 3
_MEMO_SIZE = 200_000  # analysed words kept (citizen input is unbounded)


@dataclass(frozen=True)
class _Analysis:
    score: float
    parts: tuple[str, ...]
    cuts: tuple[int, ...]  # where each part after the first begins in the word


@cache
def german_word_frequencies() -> Mapping[str, float]:
    """wordfreq's large German list as ``{word: zipf}`` (casefolded; loaded once, ~1 s)."""
    from wordfreq import get_frequency_list  # imported here: only the splitter needs it

    frequencies: dict[str, float] = {}
    # Bucket i holds the words of frequency 10^(-i/100); zipf = log10(frequency) + 9.
    for bucket, words in enumerate(get_frequency_list("de", wordlist="large")):
        zipf = 9.0 - bucket / 100.0
        if zipf < _MIN_ZIPF:
            break
        for word in words:
            if word.isalpha():
                frequencies.setdefault(word, zipf)
    return frequencies


def splitter_identity() -> str:
    """The splitter's version and word list, e.g. ``decompound-v1(wordfreq-3.1.1)``."""
    return f"decompound-v{SPLITTER_VERSION}(wordfreq-{version('wordfreq')})"


class CompoundSplitter:
    """Splits German compounds into known words (Koehn and Knight 2003, wordfreq)."""

    def __init__(
        self,
        frequencies: Mapping[str, float] | None = None,
        *,
        is_stopword: Callable[[str], bool] = lambda word: False,
    ) -> None:
        self._zipf = german_word_frequencies() if frequencies is None else frequencies
        self._is_stopword = is_stopword
        self._memo: dict[tuple[str, int], _Analysis | None] = {}
        self.name = splitter_identity()

    def parts(self, word: str) -> list[str]:
        """The known words ``word`` is made of, or ``[]`` if it is no compound."""
        analysis = self._analyse(word.casefold())
        return list(analysis.parts) if analysis else []

    def extra_tokens(self, word: str) -> list[str]:
        """Parts and heads of a compound ("parkausweis" and "ausweis" of
        "anwohnerparkausweis"), and those of parts that are compounds themselves
        ("reise", "pass" of "kinderreisepass"); ``[]`` for a word that is no compound."""
        analysis = self._analyse(word.casefold())
        if analysis is None:
            return []
        folded = word.casefold()
        tokens = [*analysis.parts, *(folded[cut:] for cut in analysis.cuts)]
        for part in analysis.parts:
            inner = self._analyse(part)
            if inner is not None:
                tokens.extend([*inner.parts, *(part[cut:] for cut in inner.cuts)])
        return list(dict.fromkeys(tokens))

    def expand(self, text: str) -> str:
        """``text`` followed by the parts and heads of its compounds (a line of its own)."""
        extra: list[str] = []
        for word in _WORD.findall(text):
            extra.extend(self.extra_tokens(word))
        return f"{text}\n{' '.join(extra)}" if extra else text

    def _analyse(self, word: str, depth: int = 0) -> _Analysis | None:
        """The best two-part split of ``word`` if it beats the whole word, else None."""
        if not _MIN_WORD <= len(word) <= _MAX_WORD or not word.isalpha():
            return None
        key = (word, depth)
        if key in self._memo:
            return self._memo[key]
        best: _Analysis | None = None
        whole = self._zipf.get(word, 0.0)
        for cut in range(_MIN_PART, len(word) - _MIN_PART + 1):
            head = self._part(word[cut:], depth)
            if head is None:
                continue
            for modifier, penalty in _modifiers(word[:cut]):
                mod = self._part(modifier, depth)
                if mod is None:
                    continue
                score = (mod.score + head.score) / 2 - penalty
                if score > whole and (best is None or score > best.score):
                    cuts = (*mod.cuts, cut, *(cut + inner for inner in head.cuts))
                    best = _Analysis(score, (*mod.parts, *head.parts), cuts)
        if len(self._memo) >= _MEMO_SIZE:
            self._memo.clear()
        self._memo[key] = best
        return best

    def _part(self, part: str, depth: int) -> _Analysis | None:
        """A part as one known word or, if unknown, as its own parts (scored lower)."""
        zipf = self._zipf.get(part, 0.0)
        short = len(part) < _SHORT
        if self._is_stopword(part):
            return None  # "ein", "aus", "vor": Führersch-ein, Unterhalt-s-vor-schuss
        if zipf >= (_MIN_COMMON_SHORT if short else _MIN_ZIPF):
            return _Analysis(zipf, (part,), ())
        if short or depth >= _MAX_DEPTH:
            return None
        split = self._analyse(part, depth + 1)
        if split is None:
            return None
        return _Analysis(split.score - _NESTING_PENALTY, split.parts, split.cuts)


def _modifiers(modifier: str) -> list[tuple[str, float]]:
    """The modifier as written and without a linking "s" (with its penalty)."""
    forms = [(modifier, 0.0)]
    stem = modifier[: -len(_LINK)]
    if modifier.endswith(_LINK) and len(stem) >= _MIN_PART:
        forms.append((stem, _RULE_LINK_PENALTY if stem.endswith(_LINK_SUFFIXES) else _LINK_PENALTY))
    return forms
