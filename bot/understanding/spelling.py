"""Spelling correction of citizen questions against the tenant's own vocabulary.

"wiefiel kostet personalausweiß" should find the Personalausweis like the correctly
spelt question does. Words of the question that occur nowhere in the tenant's texts
are replaced by the most frequent tenant word within a small edit distance (SymSpell,
``symspellpy``); the dictionary is built once per index version and tenant from the
indexed services. Only search sees the corrected text; the citizen's message, the logs
and the answer keep the original words.

Deliberately cautious, because a word missing from the catalogue is evidence that the
topic is missing (the confidence model counts such words): only a word that is neither
in the tenant's texts nor in a general German dictionary (``pyspellchecker``'s, 339,000
word forms: "Mutter" stays "Mutter" although the catalogue only knows "Muster") is
changed, by exactly one edit that keeps the first letter; words shorter than
``MIN_LENGTH`` letters, numbers and English messages are left alone.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable

from symspellpy import SymSpell, Verbosity

from bot.texts.catalogue import REFERENCE_LANGUAGE
from bot.understanding.language_id import identify_language
from bot.understanding.word_lists import word_forms
from bot.understanding.wording import Language
from knowledge.models import Service

MIN_LENGTH = 6
_WORD = re.compile(r"[^\W\d_]+")


def _texts(service: Service) -> Iterable[str]:
    yield service.title
    yield service.summary
    yield from service.keywords
    for section in service.sections:
        yield section.text


class SpellingCorrector:
    """Corrects words against each tenant's vocabulary (lazily built, cached per version)."""

    def __init__(self, services: Callable[[str], list[Service]]) -> None:
        self._services = services
        self._dictionaries: dict[tuple[str, str], SymSpell] = {}

    def correct(
        self, text: str, *, tenant: str, version: str, language: Language | None = None
    ) -> str:
        """``text`` with unknown words replaced by close tenant words (case kept per word);
        ``language`` is detected unless the caller already knows it."""
        if (language or identify_language(text).language) != REFERENCE_LANGUAGE:
            return text
        dictionary = self._dictionary(tenant, version)
        german = word_forms(REFERENCE_LANGUAGE) or frozenset()

        def replace(match: re.Match[str]) -> str:
            word = match.group(0)
            lower = word.lower()
            if len(lower) < MIN_LENGTH or lower in dictionary.words or lower in german:
                return word
            suggestions = dictionary.lookup(
                lower, Verbosity.TOP, max_edit_distance=1, transfer_casing=False
            )
            best: str | None = next(
                (str(s.term) for s in suggestions if s.term[0] == lower[0]), None
            )
            if best is None:
                return word
            return best.capitalize() if word[0].isupper() else best

        return _WORD.sub(replace, text)

    def _dictionary(self, tenant: str, version: str) -> SymSpell:
        key = (version, tenant)
        if key not in self._dictionaries:
            counts: Counter[str] = Counter(
                word.lower()
                for service in self._services(tenant)
                for text in _texts(service)
                for word in _WORD.findall(text)
                if len(word) >= MIN_LENGTH - 1
            )
            dictionary = SymSpell(max_dictionary_edit_distance=1, prefix_length=7)
            for word, count in counts.items():
                dictionary.create_dictionary_entry(word, count)
            self._dictionaries = {key: dictionary} | {
                k: v for k, v in self._dictionaries.items() if k[0] == version
            }
        return self._dictionaries[key]
