"""The Arabic-script reading of Arabic (Arabizi) and Farsi (Finglish) typed in Latin letters
("fi ri7et ghaz bl matbakh", "babam nafas nemikeshe").

People without an Arabic or Persian keyboard at hand write their language in Latin letters,
Arabic with digits for the letters Latin lacks (3 for ʿayn, 7 for ḥāʾ, 2 for hamza or a
dropped qāf). Neither has one spelling: vowels come and go ("nafas", "nfs"), one sound has
several letters. The help grammar's danger words of those languages are written in Arabic
script, so the policy (bot/dialogue/policy.py) also reads such a message in that script,
as it reads Russian and Ukrainian typed in Latin letters in Cyrillic (cyrillic.py).

The reading does not transliterate letter by letter (the libraries that do, arabizikit and
finglish, insert long vowels or pick frequent but wrong words: "nta7er" → "نتاحر",
"mano mizane" → "من میزان"; docs/policy.md). It compares **consonant skeletons**: a
message word is read as a word of the given vocabulary (the rules' own Arabic-script
words, bot/dialogue/rule_words.py) when both reduce to the same sequence of consonant
classes. The tables below are the Arabic chat alphabet (Yaghan, "Arabizi: A Contemporary
Style of Arabic Slang", Design Issues 24(2), 2008, table 1; Palfreyman and al Khalil, "A
Funky Language for Teenzz to Use", JCMC 9(1), 2003) and, for Farsi, the consonants of the
Library of Congress romanisation of Persian (ALA-LC Romanization Tables, "Persian", 2012)
and its chat forms ("x" for kh, "q" for gh/qaf) read backwards:

- vowels are dropped on both sides (short vowels are not written in Arabic script, long
  ones are written as ا و ي, which may also be the consonants w/v and y);
- letters one chat spelling writes alike fall into one class: ح and ه (h, 7), ث → t or s,
  ذ ض ظ → d or z, ص → s, ط → t, غ and ق and گ (gh, q, g; ق also k, and nothing where the
  dialect says a glottal stop written 2), ج → j or g (Egyptian), ش and چ (sh, ch);
- ʿayn (3) is dropped; hamza and the apostrophe are a glottal stop (2, '), which a
  hamza may also leave unwritten and a qāf stands for in Levantine and Egyptian speech
  ("2awiye" = قوية); a doubled letter is one (shadda is not written);
- a word may carry the prefixes chat writes onto it (b- of the present, w- "and", l-/el-/al-
  "the"), and a vocabulary word its article ال.

Among the vocabulary words of the same skeleton, the one whose plain romanisation is
nearest to the message word (optimal-string-alignment distance, rapidfuzz) is read. A word
of one consonant (ma, la, 3am) is read only when its romanisation is at most one edit away.
A stem of the vocabulary (a word a rule lets continue, "پسر\\S*") of at least two
consonants is also read where it begins a longer word ("pesaram" → "پسر") when no whole
word fits.

Only messages written in Latin letters alone are read, and only if no Latin-script catalogue
language claims them by their words (latin_claims.py), they do not read as Russian or
Ukrainian in Cyrillic (cyrillic.py ``romanised_cyrillic``), and the language identifier
does not read them as a Latin-script catalogue language decisively: a German, English or
Turkish message is never read in Arabic script, a misspelt German compound
("standortaenderung") neither. The reading is never shown to anyone: only the emergency
rules look at it.

The language of such a message (romanised.py) is told by the same skeletons compared with
the frequent words of Arabic and Persian (``romanised_arabic``): the language most of its
words read as, Arabic only where the chat alphabet's digits stand for letters.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from functools import cache

from rapidfuzz.distance import OSA

from bot.understanding.cyrillic import romanised_cyrillic
from bot.understanding.language_id import identify_language
from bot.understanding.latin_claims import LATIN_LANGUAGES, LONG_WORD, latin_only, unclaimed
from bot.understanding.word_lists import frequent_words

__all__ = [
    "ARABIC_SCRIPT_LANGUAGES",
    "ArabicScriptReading",
    "latin_skeletons",
    "romanised_arabic",
    "script_skeletons",
]

ARABIC_SCRIPT_LANGUAGES = ("ar", "fa")
# romanised_arabic: a message of at least READ_WORDS long words, at least READ_SHARE of which
# read as words of one language at least as frequent as READ_ZIPF, is that language.
READ_WORDS = 3
READ_SHARE = 0.5
READ_ZIPF = 3.0
_CHAT_DIGIT = re.compile(r"[a-z][235679]|[235679][a-z]")  # a digit written for a letter
_READ_PER_SKELETON = 50  # the most frequent words of a skeleton compared with a message word
PREFIX_SKELETON = 3  # consonants a vocabulary word must have to be read as a word's beginning
PREFIX_REST = 2  # consonants a word may have beyond the stem or word it begins with
_MAX_VARIANTS = 256

_ARABIC_SCRIPT = re.compile(r"[\u0600-\u06ff]")
_TOKEN = re.compile(r"[a-z0-9']*[a-z][a-z0-9']*")
_VOCABULARY_WORD = re.compile(r"^[\u0621-\u064a\u067e\u0686\u0698\u06a9\u06af\u06cc]+$")

# Latin spellings, longest first: (spelling, consonant classes it may stand for).
_LATIN: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("tch", ("c",)),
    ("sch", ("c",)),
    ("kh", ("x",)),
    ("sh", ("c",)),
    ("ch", ("c",)),
    ("gh", ("G",)),
    ("th", ("t", "s")),
    ("dh", ("d", "z")),
    ("zh", ("j",)),
    ("b", ("b",)),
    ("p", ("p", "b")),
    ("f", ("f",)),
    ("v", ("v", "f")),
    ("t", ("t",)),
    ("d", ("d",)),
    ("s", ("s",)),
    ("z", ("z",)),
    ("r", ("r",)),
    ("l", ("l",)),
    ("m", ("m",)),
    ("n", ("n",)),
    ("k", ("k",)),
    ("c", ("k",)),
    ("j", ("j",)),
    ("x", ("x",)),
    ("q", ("G",)),
    ("g", ("G",)),
    ("h", ("h",)),
    ("w", ("w",)),
    ("y", ("y",)),
    ("2", ("'",)),
    ("3", ("",)),
    ("'", ("'",)),
    ("5", ("x",)),
    ("6", ("t",)),
    ("7", ("h",)),
    ("8", ("G",)),
    ("9", ("s", "G")),
)
_VOWELS = frozenset("aeiou")
# Arabic-script letters: (consonant classes, plain romanisation).
_SCRIPT: dict[str, tuple[tuple[str, ...], str]] = {
    "ا": (("",), "a"),
    "أ": (("", "'"), "a"),
    "إ": (("", "'"), "i"),
    "آ": (("", "'"), "a"),
    "ء": (("", "'"), "2"),
    "ئ": (("", "y", "'"), "2"),
    "ؤ": (("", "w", "'"), "2"),
    "ى": (("",), "a"),
    "ع": (("",), "3"),
    "ب": (("b",), "b"),
    "پ": (("p",), "p"),
    "ت": (("t",), "t"),
    "ث": (("t", "s"), "th"),
    "ج": (("j", "G"), "j"),
    "چ": (("c",), "ch"),
    "ح": (("h",), "7"),
    "خ": (("x",), "kh"),
    "د": (("d",), "d"),
    "ذ": (("d", "z"), "dh"),
    "ر": (("r",), "r"),
    "ز": (("z",), "z"),
    "ژ": (("j",), "zh"),
    "س": (("s",), "s"),
    "ش": (("c",), "sh"),
    "ص": (("s",), "s"),
    "ض": (("d", "z"), "d"),
    "ط": (("t",), "t"),
    "ظ": (("z", "d"), "z"),
    "غ": (("G",), "gh"),
    "ف": (("f",), "f"),
    "ق": (("G", "k", "'"), "q"),
    "ك": (("k",), "k"),
    "ک": (("k",), "k"),
    "گ": (("G",), "g"),
    "ل": (("l",), "l"),
    "م": (("m",), "m"),
    "ن": (("n",), "n"),
    "ه": (("h",), "h"),
    "ة": (("", "t"), "a"),
    "و": (("w", "v", ""), "u"),
    "ي": (("y", ""), "i"),
    "ی": (("y", ""), "i"),
}
_FINAL_HEH = (("h", ""), "e")  # Persian silent he, Arabic pronoun -o: "khoone", "2ido"
# Prefixes chat writes onto a word: the present b-, "and", the article, "in the".
_PREFIXES = ("bel", "bil", "bl", "fel", "fil", "fl", "wel", "wil", "el", "al", "il", "b", "w", "l")
_ARTICLE = "ال"


def _collapse(skeleton: str) -> str:
    """A doubled consonant class is one (shadda is not written, "naffas" = "nafas")."""
    return "".join(c for i, c in enumerate(skeleton) if i == 0 or skeleton[i - 1] != c)


def _product(options: list[tuple[str, ...]]) -> set[str]:
    variants = {""}
    for choice in options:
        variants = {v + c for v in variants for c in choice}
        if len(variants) > _MAX_VARIANTS:
            return set()
    return {_collapse(v) for v in variants}


def latin_skeletons(word: str) -> set[str]:
    """The consonant skeletons a Latin-letter word (lower case, digits allowed) may spell."""
    options: list[tuple[str, ...]] = []
    i = 0
    while i < len(word):
        if word[i] in _VOWELS:
            i += 1
            continue
        for spelling, classes in _LATIN:
            if word.startswith(spelling, i):
                options.append(classes)
                i += len(spelling)
                break
        else:
            return set()  # a letter the table does not know
    return _product(options)


def script_skeletons(word: str) -> set[str]:
    """The consonant skeletons of an Arabic-script word (with and without its article)."""
    options: list[tuple[str, ...]] = []
    for i, letter in enumerate(word):
        entry = (
            _FINAL_HEH if letter == "ه" and i == len(word) - 1 and i > 0 else _SCRIPT.get(letter)
        )
        if entry is None:
            continue  # short vowel marks, tatweel
        options.append(entry[0])
    skeletons = _product(options)
    if word.startswith(_ARTICLE) and len(word) > len(_ARTICLE) + 1:
        skeletons |= script_skeletons(word[len(_ARTICLE) :])
    return skeletons


def _edits(latin: str, word: str) -> int:
    """Edits between a Latin word and the plain romanisation of a vocabulary word (with or
    without its article)."""
    forms = [word, word[len(_ARTICLE) :]] if word.startswith(_ARTICLE) else [word]
    return min(int(OSA.distance(latin, _romanised(form))) for form in forms)


def _romanised(word: str) -> str:
    """The plain romanisation of an Arabic-script word, for choosing among words of one
    skeleton."""
    last = len(word) - 1
    return "".join(
        (_FINAL_HEH if c == "ه" and i == last and i > 0 else _SCRIPT.get(c, ((), "")))[1]
        for i, c in enumerate(word)
    )


class ArabicScriptReading:
    """Reads a Latin-letter message with its words as the vocabulary's Arabic-script words."""

    def __init__(self, words: Iterable[str], stems: Iterable[str] = ()) -> None:
        """``words`` are read whole; ``stems`` (words a rule lets continue, "پسر\\S*") also
        as the beginning of a longer message word ("pesaram" → "پسر")."""
        self._by_skeleton = _index(words)
        self._stems = _index(stems)
        for skeleton, found in self._stems.items():
            self._by_skeleton[skeleton] |= found

    def read(self, normalized: str) -> str | None:
        """``normalized`` with its words read in Arabic script where the vocabulary has a
        word of their skeleton, or None if the message is not such a message or no word
        was read."""
        if _ARABIC_SCRIPT.search(normalized) or not latin_only(normalized):
            return None
        if (
            not unclaimed(normalized)
            or romanised_cyrillic(normalized) is not None
            or _latin_language(normalized)
        ):
            return None
        changed = False

        def replace(match: re.Match[str]) -> str:
            nonlocal changed
            reading = self._word(match.group(0))
            if reading is None:
                return match.group(0)
            changed = True
            return reading

        reading = _TOKEN.sub(replace, normalized)
        return reading if changed else None

    def _word(self, word: str) -> str | None:
        """The vocabulary word ``word`` is read as: a whole word of its skeleton (the
        nearest by romanisation), else a stem, else a word of at least ``PREFIX_SKELETON``
        consonants its skeleton begins with (the rules' Arabic words are not closed by a
        word boundary: "احصائ" matches "احصائيات")."""
        candidates: list[tuple[int, int, str]] = []
        for stem in _without_prefix(word):
            for skeleton in latin_skeletons(stem):
                for found in self._by_skeleton.get(skeleton, ()):
                    edits = _edits(stem, found)
                    if len(skeleton) >= 2 or edits <= 1:
                        candidates.append((0, edits, found))
                for length in range(max(2, len(skeleton) - PREFIX_REST), len(skeleton)):
                    for found in self._stems.get(skeleton[:length], ()):
                        candidates.append((1, -length, found))
                    if length >= PREFIX_SKELETON:
                        for found in self._by_skeleton.get(skeleton[:length], ()):
                            candidates.append((2, -length, found))
        return min(candidates)[-1] if candidates else None


def romanised_arabic(normalized: str) -> str | None:
    """ "ar" or "fa" if a normalised Latin-script message reads as that language: at least
    ``READ_SHARE`` of its (at least ``READ_WORDS``) words of ``LONG_WORD`` letters or more
    have the skeleton of one of the language's words at least as frequent as ``READ_ZIPF``
    (wordfreq) whose plain romanisation is at most a quarter of the word's letters away (at
    least one edit); the language with the larger share, Arabic on a tie, and only Arabic
    for a message with the chat alphabet's digits inside a word ("ta3bana"). Else None. Does
    not ask whether a Latin-script language claims the message (latin_claims.py): misspelt
    German requests read this way too ("frage zu atuo")."""
    if _ARABIC_SCRIPT.search(normalized) or not latin_only(normalized):
        return None
    long_words = [token for token in _TOKEN.findall(normalized) if len(token) >= LONG_WORD]
    if len(long_words) < READ_WORDS:
        return None
    # Digits for letters (3 ʿayn, 7 ḥāʾ, 2 hamza …) are the Arabic chat alphabet; Finglish
    # writes letters ("gh", "kh", "q"): such a message is Arabic or none of the two.
    languages = ("ar",) if _CHAT_DIGIT.search(normalized) else ARABIC_SCRIPT_LANGUAGES
    shares = {
        language: sum(1 for word in long_words if _reads_as_word(word, language)) / len(long_words)
        for language in languages
    }
    best = max(languages, key=lambda language: shares[language])
    return best if shares[best] >= READ_SHARE else None


def _reads_as_word(word: str, language: str) -> bool:
    index = _frequent_index(language)
    limit = max(1, len(word) // 4)
    return any(
        _edits(word, found) <= limit
        for skeleton in latin_skeletons(word)
        for found in index.get(skeleton, ())
    )


@cache
def _frequent_index(language: str) -> dict[str, tuple[str, ...]]:
    """The words of ``language`` at least as frequent as ``READ_ZIPF`` by skeleton, the most
    frequent ``_READ_PER_SKELETON`` of each."""
    by_skeleton: dict[str, list[str]] = defaultdict(list)
    for word in frequent_words(language, READ_ZIPF):
        if _VOCABULARY_WORD.match(word):
            for skeleton in script_skeletons(word):
                if skeleton and len(by_skeleton[skeleton]) < _READ_PER_SKELETON:
                    by_skeleton[skeleton].append(word)
    return {skeleton: tuple(words) for skeleton, words in by_skeleton.items()}


def _index(vocabulary: Iterable[str]) -> dict[str, set[str]]:
    """Arabic-script words by their consonant skeletons."""
    by_skeleton: dict[str, set[str]] = defaultdict(set)
    for word in vocabulary:
        if _VOCABULARY_WORD.match(word):
            for skeleton in script_skeletons(word):
                if skeleton:
                    by_skeleton[skeleton].add(word)
    return by_skeleton


def _without_prefix(word: str) -> list[str]:
    """The word, and the word without a prefix chat writes onto it (if enough is left)."""
    stems = [word]
    for prefix in _PREFIXES:
        rest = word[len(prefix) :]
        if word.startswith(prefix) and len(rest) >= 3:
            stems.append(rest)
    return stems


def _latin_language(normalized: str) -> bool:
    """Whether the language identifier (language_id.py) reads the message as a Latin-script
    catalogue language decisively."""
    guess = identify_language(normalized)
    return guess.decisive and guess.language in LATIN_LANGUAGES
