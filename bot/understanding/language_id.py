"""Which language a citizen wrote in: lingua's offline models, restricted to the languages
GovBot has texts for (bot/texts/<language>.yaml), with a confidence.

Glossary: a *LanguageGuess* is the language a message reads as, lingua's confidence for it
(0..1, the confidences of all supported languages sum to 1), and whether it is *decisive*:
sure enough to override the language the conversation has chosen. Below that, the
conversation's language wins (bot/understanding/understanding.py).

Two things a plain detector gets wrong in a city's chat:

* **German terms inside a foreign sentence.** "كيف أحصل على Aufenthaltstitel؟" or "Cum îmi
  fac Anmeldung în München?" read as German to lingua, because long German compounds carry
  most of the character n-grams. Long words that lingua reads as German on their own are the
  citizen quoting the administration's terms: when the words around them read as another
  language, that language is the guess.
* **Short messages.** "ok", "Hallo", "Taxi" or "Personalausweis" say nothing about the
  citizen's language; a guess is decisive only for at least ``MIN_WORDS`` words of which at
  least one is not such a German term, and with a confidence of at least ``MIN_CONFIDENCE``.
  A message mostly in another script than Latin ("Як знайти квартиру?", where lingua
  hesitates between Ukrainian and Russian) is not German whatever the confidence: without
  a conversation language, the guess (``foreign_script``) beats the German default.

* **Misspelt or unsure messages.** lingua reads character n-grams: "muuss ich gewerbe
  anzeigen" reads as English (0.96) and "How do I register a patent for my invention?" only
  0.54 English (German, Romanian and French share its long words). The *word evidence* of
  pyspellchecker's word lists (word_lists.py) settles both: a Latin-script message whose
  words are mostly German word forms, more of them German only than of the guessed
  language only, is German (not decisive: the conversation's language still wins; the
  German terms quoted in a foreign sentence do not count as German words); a
  message read as German or unsure with at least ``EVIDENCE_WORDS`` words of the best
  other language only (and more than twice as many as German only) is sure not to be
  German (``not_german``). Languages without such a list (Polish, Romanian, Turkish,
  Ukrainian) get the second kind from wordfreq's frequencies (word_lists.py
  ``known_words``): an unsure message, or one read as German only because of the German
  terms it quotes ("Sen kimsin, Bürgerbüro?"), is sure not to be German when at least
  ``EVIDENCE_WORDS`` of its own words, and at least half of them, are ``WORD_MARGIN``
  (Zipf) more frequent in one catalogue language than in German, more than twice as many
  as the words German makes that much more frequent ("Cine ești?", "na razie"). Single
  words are no such evidence ("pas", "eat", "sb" are misspelt German requests too); the
  small talk's ``language_of_words`` reads them for greetings only.

The models ship inside the ``lingua-language-detector`` wheel; nothing is downloaded. The
detector loads a language's model on first use and is built once per process.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from functools import cache
from typing import Literal

from lingua import IsoCode639_1, Language, LanguageDetector, LanguageDetectorBuilder
from pydantic import BaseModel, ConfigDict, Field

from bot.texts.catalogue import REFERENCE_LANGUAGE, shipped_texts
from bot.understanding.word_lists import known_words, word_forms
from bot.understanding.wording import WORD
from knowledge.errors import ConfigurationError

__all__ = [
    "MIN_CONFIDENCE",
    "MIN_WORDS",
    "LanguageGuess",
    "LanguageIdentifier",
    "identify_language",
    "language_of_words",
]

# How much more frequent, per word, a message's words must be in another catalogue language
# than in German for ``language_of_words`` to choose it, and for a word to be evidence of
# that language in ``identify``: Zipf +2, a hundred times as often.
WORD_MARGIN = 2.0

MIN_CONFIDENCE = 0.75
MIN_WORDS = 2
# A word this long that lingua reads as German on its own with this confidence is taken as
# a German term quoted inside the citizen's sentence ("Anmeldung", "Aufenthaltstitel").
TERM_LENGTH = 6
TERM_CONFIDENCE = 0.9
# The words around such terms must read as not German with this confidence to win.
AROUND_CONFIDENCE = 0.8
# A Latin-script message of at least this many words of its own that reads as German with
# at most 1 - NOT_GERMAN_CONFIDENCE is *not German*, even where lingua cannot tell which of
# the languages sharing the alphabet it is ("How do I cancel my Netflix subscription?":
# English 0.72, German 0.00). Chosen on the tune halves and the ordinary pools (German
# messages read as not German: 17 of 9,824, mostly misspelt two-word requests; English
# questions answered in English: 1,801 -> 1,862 of 2,005); see docs/api.md.
NOT_GERMAN_CONFIDENCE = 0.9
NOT_GERMAN_WORDS = 3
# Word evidence: words of the other language only (not German word forms) that make an
# unsure or German-read message sure not to be German; they must also outnumber the
# German-only words more than twice. Chosen on the calibration halves of the ordinary
# pools and the tune halves (docs/api.md, "Which language").
EVIDENCE_WORDS = 2
_LETTERS = re.compile(r"[^\W\d_]+")


class LanguageGuess(BaseModel):
    """The language a text reads as, how sure that is, and whether it may override the
    conversation's language."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    language: str
    confidence: float = Field(ge=0, le=1)
    decisive: bool
    german_terms: tuple[str, ...] = ()
    # Written mostly in a script German is not written in (Cyrillic, Arabic …): even an
    # unsure guess names the citizen's language better than German does.
    foreign_script: bool = False
    # Sure not to be German although unsure which language it is (NOT_GERMAN_CONFIDENCE):
    # the best guess names the citizen's language better than German does.
    not_german: bool = False
    # What the word lists said (pyspellchecker's forms, wordfreq's frequencies; "german":
    # the words are German although lingua read another language; "other": the words are
    # another language's; "none": no evidence used). For the trace.
    word_evidence: Literal["german", "other", "none"] = "none"


class LanguageIdentifier:
    """Identifies the language of short citizen messages among ``languages``."""

    def __init__(self, languages: Sequence[str]) -> None:
        self._codes = {_lingua_language(code): code for code in languages}
        self._detector: LanguageDetector = LanguageDetectorBuilder.from_languages(
            *self._codes
        ).build()

    @property
    def languages(self) -> tuple[str, ...]:
        """The language codes this identifier chooses from."""
        return tuple(self._codes.values())

    def identify(self, text: str) -> LanguageGuess:
        """The guess for ``text`` (German, not decisive, for a text without letters)."""
        words = _LETTERS.findall(text)
        if not words:
            return LanguageGuess(language=REFERENCE_LANGUAGE, confidence=0.0, decisive=False)
        terms = tuple(word for word in words if self._is_german_term(word))
        own_words = len(words) - len(terms)
        language, confidence, german, best_other = self._confidences(text)
        if language == REFERENCE_LANGUAGE and terms and own_words:
            around = _without(text, terms)
            other, _, german_around, _ = self._confidences(around)
            not_german_around = 1 - german_around
            if (
                other != REFERENCE_LANGUAGE
                and not_german_around >= AROUND_CONFIDENCE
                and len(_LETTERS.findall(around)) >= MIN_WORDS
            ):
                # Sure that the words around the terms are not German, if not which other
                # language they are ("Where can I get a … ?" is half English, half Romanian).
                language, confidence = other, not_german_around
        language = _by_alphabet(language, text.casefold(), self.languages)
        guess = LanguageGuess(
            language=language,
            confidence=round(confidence, 3),
            decisive=confidence >= MIN_CONFIDENCE and len(words) >= MIN_WORDS and own_words > 0,
            german_terms=terms,
            foreign_script=language != REFERENCE_LANGUAGE
            and _foreign_script([w for w in words if w not in terms] or words),
            not_german=language != REFERENCE_LANGUAGE
            and own_words >= NOT_GERMAN_WORDS
            and 1 - german >= NOT_GERMAN_CONFIDENCE,
        )
        if guess.foreign_script:
            return guess
        # The German terms a citizen quotes are no evidence of the language they write in.
        own = [word.casefold() for word in words if word not in terms]
        if not own:
            return guess
        return _weighed_by_words(
            guess,
            own,
            german,
            best_other,
            self.languages,
            lambda code: self._confidence(text, code),
        )

    def _confidences(self, text: str) -> tuple[str, float, float, tuple[str, float] | None]:
        """The language ``text`` most likely reads as, its confidence, German's
        confidence, and the most likely language other than German with its confidence
        (None without one), from one pass of lingua over the text."""
        values = self._detector.compute_language_confidence_values(text)
        german = next(
            (v.value for v in values if self._codes[v.language] == REFERENCE_LANGUAGE), 0.0
        )
        other = next(
            (
                (self._codes[v.language], v.value)
                for v in values
                if self._codes[v.language] != REFERENCE_LANGUAGE and v.value > 0
            ),
            None,
        )
        if not values or values[0].value <= 0:
            return REFERENCE_LANGUAGE, 0.0, german, other
        return self._codes[values[0].language], values[0].value, german, other

    def _german(self, text: str) -> float:
        return self._confidence(text, REFERENCE_LANGUAGE)

    def _confidence(self, text: str, code: str) -> float:
        return float(self._detector.compute_language_confidence(text, _lingua_language(code)))

    def _is_german_term(self, word: str) -> bool:
        return len(word) >= TERM_LENGTH and self._german(word) >= TERM_CONFIDENCE


def _weighed_by_words(
    guess: LanguageGuess,
    words: Sequence[str],
    german: float,
    best_other: tuple[str, float] | None,
    languages: Sequence[str],
    confidence_of: Callable[[str], float],
) -> LanguageGuess:
    """``guess`` corrected by the word evidence of pyspellchecker's word lists and
    wordfreq's frequencies (module docstring); ``words`` are the message's own words in
    lower case (quoted German terms left out), ``german`` lingua's confidence for German,
    ``best_other`` its most likely other language, ``confidence_of`` lingua's confidence
    for a language among ``languages``."""
    german_forms = word_forms(REFERENCE_LANGUAGE)
    if german_forms is None:  # pragma: no cover - the German list ships with pyspellchecker
        return guess
    if guess.language != REFERENCE_LANGUAGE:
        german_only, other_only = _exclusive(words, german_forms, word_forms(guess.language))
        known = sum(1 for word in words if word in german_forms)
        if german_only > other_only and 2 * known >= len(words):
            return _by_words(guess, REFERENCE_LANGUAGE, german, evidence="german")
    # A German reading that rests on quoted terms ("Sen kimsin, Bürgerbüro?") is weighed
    # by the words around them too.
    quoted = guess.language == REFERENCE_LANGUAGE and bool(guess.german_terms)
    if guess.not_german or (guess.decisive and not quoted):
        return guess
    if best_other is not None and not guess.decisive:
        other, confidence = best_other
        german_only, other_only = _exclusive(words, german_forms, word_forms(other))
        if other_only >= EVIDENCE_WORDS and other_only > 2 * german_only:
            return _by_words(guess, other, confidence, evidence="other")
    frequent = _more_frequent_than_german(words, languages)
    if frequent is not None:
        return _by_words(guess, frequent, confidence_of(frequent), evidence="other")
    return guess


def _more_frequent_than_german(words: Sequence[str], languages: Sequence[str]) -> str | None:
    """The language among ``languages`` whose wordfreq list (word_lists.py ``known_words``)
    makes at least ``EVIDENCE_WORDS`` of ``words`` ``WORD_MARGIN`` more frequent than
    German's does (Zipf), more than twice as many as the words German makes that much
    more frequent than it, and at least half of ``words``; the one with the most such
    words, None where none or a tie."""
    german = known_words(REFERENCE_LANGUAGE)
    if german is None:  # pragma: no cover - wordfreq ships a German list
        return None
    german_zipf = [german.zipf(word) for word in words]
    counts: list[tuple[int, str]] = []
    for language in languages:
        known = known_words(language)
        if language == REFERENCE_LANGUAGE or known is None:
            continue
        zipf = [known.zipf(word) for word in words]
        over = sum(1 for z, g in zip(zipf, german_zipf, strict=True) if z - g >= WORD_MARGIN)
        under = sum(1 for z, g in zip(zipf, german_zipf, strict=True) if g - z >= WORD_MARGIN)
        if over >= EVIDENCE_WORDS and over > 2 * under and 2 * over >= len(words):
            counts.append((over, language))
    counts.sort(reverse=True)
    if not counts or (len(counts) > 1 and counts[0][0] == counts[1][0]):
        return None
    return counts[0][1]


def _by_words(
    guess: LanguageGuess,
    language: str,
    confidence: float,
    *,
    evidence: Literal["german", "other"],
) -> LanguageGuess:
    """``guess`` turned into ``language`` by the word evidence: never decisive (the
    conversation's language still wins); a language other than German is surely not German."""
    return guess.model_copy(
        update={
            "language": language,
            "confidence": round(confidence, 3),
            "decisive": False,
            "not_german": evidence == "other",
            "word_evidence": evidence,
        }
    )


def _exclusive(
    words: Sequence[str], german: frozenset[str], other: frozenset[str] | None
) -> tuple[int, int]:
    """How many ``words`` are German word forms only, and how many the other language's
    only (0 for a language without a word list: its words are never evidence)."""
    if other is None:
        return sum(1 for word in words if word in german), 0
    german_only = sum(1 for word in words if word in german and word not in other)
    other_only = sum(1 for word in words if word in other and word not in german)
    return german_only, other_only


# Letters only one of two languages sharing a script has (their alphabets): lingua reads
# the short "Що означає …?" as Russian although "є" is Ukrainian only; "ы" is Russian only.
_OWN_LETTERS = {"uk": set("єіїґ"), "ru": set("ыэъё")}
_SIBLINGS = {"uk": "ru", "ru": "uk"}


def _by_alphabet(language: str, text: str, languages: Sequence[str]) -> str:
    """``language``, or its sibling when the text has letters of the sibling's alphabet only."""
    sibling = _SIBLINGS.get(language)
    if sibling is None or sibling not in languages:
        return language
    letters = set(text)
    if letters & _OWN_LETTERS[sibling] and not letters & _OWN_LETTERS[language]:
        return sibling
    return language


def _foreign_script(words: Sequence[str]) -> bool:
    """Whether most letters of ``words`` are not Latin (German is written in Latin only)."""
    letters = [c for word in words for c in word]
    latin = sum(1 for c in letters if unicodedata.name(c, "").startswith("LATIN"))
    return latin * 2 < len(letters)


def _without(text: str, terms: Sequence[str]) -> str:
    pattern = r"\b(?:" + "|".join(re.escape(term) for term in terms) + r")\b"
    return " ".join(re.sub(pattern, " ", text).split())


def _lingua_language(code: str) -> Language:
    try:
        return Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper()))
    except AttributeError as exc:
        raise ConfigurationError(
            f"language {code!r} (bot/texts/{code}.yaml) is not an ISO 639-1 code that the "
            "language identification (lingua) knows; name the catalogue by its ISO 639-1 code"
        ) from exc


@cache
def _shipped_identifier() -> LanguageIdentifier:
    identifier = LanguageIdentifier(shipped_texts().languages)
    for code in identifier.languages:  # the word evidence's lists load with lingua (~5 s)
        word_forms(code)
        known_words(code)
    return identifier


def identify_language(text: str) -> LanguageGuess:
    """The guess for ``text`` among the languages of the shipped text catalogue."""
    return _shipped_identifier().identify(text)


def language_of_words(normalized: str, languages: Sequence[str]) -> str | None:
    """The language of a short, ``normalize``d message whose language lingua cannot tell
    ("selam", "Bonjour !", "Kim jesteś?"): the language among ``languages`` whose word
    list (wordfreq, word_lists.py ``known_words``) knows every word and gives them the
    highest summed Zipf frequency, provided that sum exceeds German's by ``WORD_MARGIN``
    per word; None where German holds ("ok", "prima", "ja"), no list knows every word, or
    two languages tie."""
    words = WORD.findall(normalized)
    if not words:
        return None
    sums: dict[str, float] = {}
    for language in languages:
        known = known_words(language)
        zipfs = [known.zipf(word) for word in words] if known is not None else [0.0]
        if all(zipfs):
            sums[language] = sum(zipfs)
    ranked = sorted(sums.items(), key=lambda item: -item[1])
    if not ranked or (len(ranked) > 1 and ranked[0][1] == ranked[1][1]):
        return None
    best, total = ranked[0]
    german = sums.get(REFERENCE_LANGUAGE, 0.0)
    if best == REFERENCE_LANGUAGE or total < german + WORD_MARGIN * len(words):
        return None
    return best
