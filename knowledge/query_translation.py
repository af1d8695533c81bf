"""A foreign question's words in German, for BM25 (dictionary-based query translation).

The catalogue's pages are German (Integreat's also English); a question in another language
meets them through the dense vectors only, because its words are not the pages' words
(docs/retrieval-tuning.md, "BM25 and the query's language"). Translating the content words
with bilingual dictionaries gives BM25 a German query (Ballesteros & Croft 1997): each word
or phrase (up to three words, longest first) becomes its German senses, each sense weighted
by 1/n of the word's weight ("structured" translation, Pirkola 1998), so that a word with
many senses does not outweigh one with a single sense.

Sources per language (FreeDict, Debian packages ``dict-freedict-*``, read from
``dictionary_dir``; a language whose files are missing is simply not translated, and
without any the search behaves as before):
- en: eng-deu (derived from Ding, TU Chemnitz);
- fr, tr, pl: <lang>-deu, then deu-<lang> read backwards;
- ru: deu-rus read backwards (no rus-deu exists);
- ar: ara-eng, then each English sense through eng-deu (pivot);
- uk, fa, ro: no dictionary exists in FreeDict (eng-rom is Romany, not Romanian).

Words are looked up by their lemma: ``simplemma`` (dictionary lemmatiser, 50 languages);
Arabic by its light stem ("light10", Larkey, Ballesteros & Connell 2002, with the usual
orthographic normalisation of alef, alef maqsura and ta marbuta). The language's most
frequent words by ``wordfreq`` (function words: "le", "de", "comment", "how") are not
translated unless part of a phrase ("titre de séjour").
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from functools import cache
from pathlib import Path

import simplemma
import wordfreq

from knowledge.bilingual_dictionary import BilingualDictionary, Key

logger = logging.getLogger(__name__)

SparseQuery = tuple[list[int], list[float]]
Encode = Callable[[str], SparseQuery]
"""German text -> BM25 query tokens (knowledge/sparse.py ``Bm25Encoder.query``)."""

_WORD = re.compile(r"\w+")
# (file stem after "freedict-", read direction): "into" German, or "from" German backwards.
_SOURCES: dict[str, tuple[tuple[str, str], ...]] = {
    "en": (("eng-deu", "into"),),
    "fr": (("fra-deu", "into"), ("deu-fra", "from")),
    "tr": (("tur-deu", "into"), ("deu-tur", "from")),
    "pl": (("pol-deu", "into"), ("deu-pol", "from")),
    "ru": (("deu-rus", "from"),),
}
_PIVOTS: dict[str, tuple[str, str]] = {"ar": ("ara-eng", "en")}
_PIVOT_SENSES = 3  # English senses of an Arabic word, and German senses of each

# Arabic light stemming, "light10" (Larkey, Ballesteros & Connell 2002): prefixes tried in
# this order (at most one), then suffixes (each once), a stem of two letters at least.
_AR_PREFIXES = ("وال", "بال", "كال", "فال", "لل", "ال", "و")
_AR_SUFFIXES = ("ها", "ان", "ات", "ون", "ين", "يه", "ه", "ي")
_AR_MARKS = re.compile("[\u064b-\u0652\u0640]")  # short vowels, shadda, sukun, tatweel


def arabic_stem(word: str) -> str:
    """The light10 stem of an Arabic word, after orthographic normalisation."""
    word = _AR_MARKS.sub("", word)
    word = re.sub("[أإآ]", "ا", word).replace("ى", "ي").replace("ة", "ه")
    for prefix in _AR_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 2:
            word = word[len(prefix) :]
            break
    for suffix in _AR_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 2:
            word = word[: -len(suffix)]
    return word


@cache
def _common_words(language: str, count: int) -> frozenset[str]:
    """The ``count`` most frequent words of ``language`` (wordfreq), left untranslated."""
    return frozenset(wordfreq.top_n_list(language, count))


def lookup_key(language: str) -> Key:
    """How words of ``language`` are reduced before lookup: lemmas, lower case."""

    def key(text: str) -> str:
        words = _WORD.findall(text.lower())
        if language == "ar":
            return " ".join(arabic_stem(w) for w in words)
        return " ".join(simplemma.lemmatize(w, lang=language) for w in words)

    return key


class QueryTranslator:
    """Translates the words of a question into a weighted German BM25 query."""

    def __init__(self, directory: Path, *, max_senses: int = 8, common_words: int = 150) -> None:
        if max_senses < 1:
            raise ValueError(f"max_senses must be at least 1. Currently, it is {max_senses}")
        self._directory = directory
        self._max_senses = max_senses
        self._common_words = common_words
        self._loaded: dict[str, BilingualDictionary | None] = {}
        self._lock = threading.RLock()  # a pivot language reads its bridge inside the lock

    def languages(self) -> frozenset[str]:
        """The languages whose dictionary files are installed."""
        return frozenset(lang for lang in (*_SOURCES, *_PIVOTS) if self._installed(lang))

    def translate(self, text: str, language: str) -> list[tuple[str, list[str]]]:
        """``(phrase, German senses)`` for the content words of ``text``; empty for a
        language without a dictionary."""
        dictionary = self.dictionary(language)
        if dictionary is None:
            return []
        common = _common_words(language, self._common_words)
        words = _WORD.findall(text.lower())
        return [
            (phrase, senses[: self._max_senses])
            for phrase, senses in dictionary.translate(words)
            if " " in phrase or phrase not in common
        ]

    def query(self, text: str, language: str, *, encode: Encode) -> SparseQuery:
        """The German BM25 query of ``text``: each phrase's senses share its weight of 1."""
        weights: dict[int, float] = {}
        for _, senses in self.translate(text, language):
            share = 1.0 / len(senses)
            for sense in senses:
                for index in set(encode(sense)[0]):
                    weights[index] = min(1.0, weights.get(index, 0.0) + share)
        return list(weights), list(weights.values())

    def dictionary(self, language: str) -> BilingualDictionary | None:
        """The dictionary of ``language`` (read on first use), None if there is none."""
        with self._lock:
            if language not in self._loaded:
                self._loaded[language] = self._read(language)
            return self._loaded[language]

    def _installed(self, language: str) -> bool:
        if language in _PIVOTS:
            source, via = _PIVOTS[language]
            return self._exists(source) and self._installed(via)
        return any(self._exists(name) for name, _ in _SOURCES.get(language, ()))

    def _exists(self, name: str) -> bool:
        stem = self._directory / f"freedict-{name}"
        return (
            stem.with_name(stem.name + ".index").is_file()
            and stem.with_name(stem.name + ".dict.dz").is_file()
        )

    def _read(self, language: str) -> BilingualDictionary | None:
        if not self._installed(language):
            return None
        key = lookup_key(language)
        if language in _PIVOTS:
            source, via = _PIVOTS[language]
            return self._pivot(source, key=key, via=via)
        found: BilingualDictionary | None = None
        for name, direction in _SOURCES[language]:
            if not self._exists(name):
                continue
            stem = self._directory / f"freedict-{name}"
            read = (
                BilingualDictionary.forward(stem, key=key)
                if direction == "into"
                else BilingualDictionary.backward(stem, key=key)
            )
            found = read if found is None else found.merged(read)
        logger.info("read the %s-German dictionary: %d entries", language, len(found or ()))
        return found

    def _pivot(self, source: str, *, key: Key, via: str) -> BilingualDictionary | None:
        bridge = self.dictionary(via)
        if bridge is None:
            return None
        into_bridge = BilingualDictionary.forward(self._directory / f"freedict-{source}", key=key)
        senses: dict[str, list[str]] = {}
        for word, meanings in into_bridge.senses().items():
            german: list[str] = []
            for meaning in meanings[:_PIVOT_SENSES]:
                german.extend(g for g in bridge.lookup(meaning)[:_PIVOT_SENSES] if g not in german)
            if german:
                senses[word] = german
        return BilingualDictionary(senses, key=key)
