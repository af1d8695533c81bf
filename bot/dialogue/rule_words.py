"""The words the policy's rules spell, and a message read with its misspelt words as the
rule words they are nearest to (docs/policy.md, "Misspelt rule words").

Citizens misspell the very word that carries an emergency or a verdict request
("habe ich ansprcuh", "ist mein atnrag gültig"). The rules' own vocabulary is the
dictionary: every literal word of their regular expressions, read with Python's own
regular-expression parser (optional letters, letter classes and small alternations
expanded: "chancen?" gives "chance" and "chancen", "dostan[eę]" "dostane" and "dostanę";
a word the pattern lets continue, "genehmig\\w*", is a *stem*). A message word is read as
a rule word only if it

- has at least ``MIN_LENGTH`` letters and is no rule word,
- is known to no word list of the message's language nor of German, the city's language
  that citizens mix into every language (bot/understanding/word_lists.py ``known_words``),
- is one edit from the rule word (two for rule words of ``LONG_WORD`` letters or more):
  optimal-string-alignment distance, so that a swapped letter pair is one edit (Damerau,
  "A technique for computer detection and correction of spelling errors", CACM 1964: most
  misspellings are one insertion, deletion, substitution or transposition), computed by
  ``rapidfuzz``,
- and keeps its first letter (Yannakoudakis and Fawthrop, "The rules of spelling errors",
  1983: the first letter is rarely the wrong one); for a stem, the word's beginning is
  compared and its ending kept.

The reading is never shown to anyone: the policy runs its rules on it besides the message
as written (bot/dialogue/policy.py).
"""

from __future__ import annotations

import importlib
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.texts.catalogue import REFERENCE_LANGUAGE
from bot.understanding.word_lists import KnownWords, known_words
from bot.understanding.wording import Language

__all__ = ["LONG_WORD", "MIN_LENGTH", "MisspeltReading", "RuleWords", "rule_words"]

# Python's own regular-expression parser (the module behind ``re.compile``; private, but the
# same since Python 3.11): tests/bot/dialogue/test_rule_words.py pins what it yields.
_PARSER: Any = importlib.import_module("re._parser")
_OPS: Any = importlib.import_module("re._constants")

MIN_LENGTH = 5  # shorter message words are left alone: too many real words are one edit apart
LONG_WORD = 12  # rule words this long may be two edits away (as the rules' `fuzzy`)
_MAX_VARIANTS = 64  # a word's spellings expanded at most (the product of its alternations)
_LETTERS = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class RuleWords:
    """The rules' vocabulary: whole words, and stems (words a pattern lets continue)."""

    words: frozenset[str]
    stems: frozenset[str]


def rule_words(patterns: Iterable[str], *, shortest: int = MIN_LENGTH - 1) -> RuleWords:
    """The literal words of ``patterns`` (regular expressions on normalised text), words of
    at least ``shortest`` letters, stems of more."""
    words: set[str] = set()
    stems: set[str] = set()
    for pattern in patterns:
        _collect(list(_PARSER.parse(pattern)), words, stems)
    return RuleWords(
        words=frozenset(w for w in words if len(w) >= shortest),
        stems=frozenset(s for s in stems if len(s) > shortest),
    )


def _collect(items: Sequence[tuple[Any, Any]], words: set[str], stems: set[str]) -> None:
    """Adds the maximal runs of letters in a parsed pattern's ``items`` to ``words``
    (``stems`` where ``\\w*`` follows), then looks inside what is not letters."""
    run: list[str] = []
    for op, av in items:
        spellings = _spellings(op, av)
        if spellings is not None:
            joined = [a + b for a in run or [""] for b in spellings]
            if len(joined) > _MAX_VARIANTS:
                words.update(run)
                joined = spellings
            run = joined
            _collect_hidden(op, av, words, stems)
            continue
        (stems if _continues(op, av) else words).update(run)
        run = []
        for inner in _inner(op, av):
            _collect(list(inner), words, stems)
    words.update(run)


def _spellings(op: Any, av: Any) -> list[str] | None:
    """The letter strings one parsed item matches, or None if it matches anything else."""
    if op is _OPS.LITERAL:
        return [chr(av)] if chr(av).isalpha() else None
    if op is _OPS.IN:
        letters = [chr(code) for kind, code in av if kind is _OPS.LITERAL]
        return letters if len(letters) == len(av) and all(c.isalpha() for c in letters) else None
    if op is _OPS.SUBPATTERN:
        return _sequence_spellings(list(av[3]))
    if op is _OPS.BRANCH:
        # The alternatives that are letters only ("(س)?(أحصل|يُقبل|…)": the combining damma
        # of "يُقبل" is no letter; _collect_hidden reads such alternatives on their own).
        found = [_sequence_spellings(list(branch)) for branch in av[1]]
        spellings = [spelling for inner in found if inner is not None for spelling in inner]
        return spellings or None
    if op in (_OPS.MAX_REPEAT, _OPS.MIN_REPEAT) and (av[0], av[1]) == (0, 1):
        inner = _sequence_spellings(list(av[2]))
        return None if inner is None else ["", *inner]
    return None


def _collect_hidden(op: Any, av: Any, words: set[str], stems: set[str]) -> None:
    """Collects the alternatives inside a letters-only item that are not letters only."""
    for inner in _inner(op, av):
        items = list(inner)
        if op is _OPS.BRANCH and _sequence_spellings(items) is None:
            _collect(items, words, stems)
        else:
            for item_op, item_av in items:
                _collect_hidden(item_op, item_av, words, stems)


def _sequence_spellings(items: Sequence[tuple[Any, Any]]) -> list[str] | None:
    spellings = [""]
    for op, av in items:
        options = _spellings(op, av)
        if options is None:
            return None
        spellings = [a + b for a in spellings for b in options]
        if len(spellings) > _MAX_VARIANTS:
            return None
    return spellings


def _continues(op: Any, av: Any) -> bool:
    """Whether a parsed item lets the word before it continue (``\\w*``, ``\\S*``)."""
    if op in (_OPS.MAX_REPEAT, _OPS.MIN_REPEAT) and av[0] == 0:
        body = list(av[2])
        return len(body) == 1 and body[0][0] is _OPS.IN and _word_class(body[0][1])
    if op is _OPS.BRANCH:
        return any(len(b) > 0 and _continues(*b[0]) for b in av[1])
    if op is _OPS.SUBPATTERN:
        body = list(av[3])
        return bool(body) and _continues(*body[0])
    return False


def _word_class(items: Any) -> bool:
    return any(
        kind is _OPS.CATEGORY and code in (_OPS.CATEGORY_WORD, _OPS.CATEGORY_NOT_SPACE)
        for kind, code in items
    )


def _inner(op: Any, av: Any) -> list[Any]:
    """The parsed sub-patterns inside one item (groups, alternatives, repeats, look-arounds)."""
    if op is _OPS.BRANCH:
        return list(av[1])
    if op is _OPS.SUBPATTERN:
        return [av[3]]
    if op in (_OPS.MAX_REPEAT, _OPS.MIN_REPEAT, _OPS.POSSESSIVE_REPEAT):
        return [av[2]]
    if op in (_OPS.ASSERT, _OPS.ASSERT_NOT):
        return [av[1]]
    if op is _OPS.GROUPREF_EXISTS:
        return [branch for branch in av[1:] if branch is not None]
    return []


class MisspeltReading:
    """Reads a normalised message with its misspelt words as the nearest rule words."""

    def __init__(self, vocabulary: RuleWords) -> None:
        self.vocabulary = vocabulary
        self._words: dict[str, list[str]] = defaultdict(list)
        for word in sorted(vocabulary.words):
            self._words[word[0]].append(word)
        self._stems: dict[tuple[str, int], list[str]] = defaultdict(list)
        for stem in sorted(vocabulary.stems):
            self._stems[(stem[0], len(stem))].append(stem)
        self._stem_lengths = sorted({len(stem) for stem in vocabulary.stems})

    def read(self, normalized: str, language: Language) -> str | None:
        """``normalized`` with its misspelt words read as rule words, or None if no word
        changed (or no word list knows the language)."""
        lists = [known_words(language), known_words(REFERENCE_LANGUAGE)]
        known = [words for words in lists if words is not None]
        if len(known) < len(lists):
            return None
        changed = False

        def replace(match: re.Match[str]) -> str:
            nonlocal changed
            word = match.group(0)
            reading = self._rule_word(word, known)
            if reading is None:
                return word
            changed = True
            return reading

        reading = _LETTERS.sub(replace, normalized)
        return reading if changed else None

    def _rule_word(self, word: str, known: list[KnownWords]) -> str | None:
        if len(word) < MIN_LENGTH or word in self.vocabulary.words:
            return None
        if any(word in words for words in known):
            return None
        candidates = self._near_words(word) + self._near_stems(word)
        if not candidates:
            return None
        return min(candidates)[-1]  # fewest edits, whole words first, the stem's own length

    def _near_words(self, word: str) -> list[tuple[int, int, int, str]]:
        return [
            (edits, 0, 0, rule_word)
            for rule_word, edits, _ in process.extract(
                word, self._words.get(word[0], []), scorer=OSA.distance, score_cutoff=2, limit=None
            )
            if edits <= _edits_allowed(rule_word)
        ]

    def _near_stems(self, word: str) -> list[tuple[int, int, int, str]]:
        found: list[tuple[int, int, int, str]] = []
        for length in self._stem_lengths:
            stems = self._stems.get((word[0], length))
            if not stems:
                continue
            for cut in (length - 1, length, length + 1):
                if cut > len(word) or cut < MIN_LENGTH - 1:
                    continue
                for stem, edits, _ in process.extract(
                    word[:cut], stems, scorer=OSA.distance, score_cutoff=2, limit=None
                ):
                    # A stem the word begins with matches it as written.
                    if edits <= _edits_allowed(stem) and not word.startswith(stem):
                        found.append((edits, 1, abs(cut - length), stem + word[cut:]))
        return found


def _edits_allowed(rule_word: str) -> int:
    return 2 if len(rule_word) >= LONG_WORD else 1
