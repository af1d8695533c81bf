"""Text normalisation for answer metrics: fact containment and number grounding.

The rules (documented for set authors in ``eval/sets/SCHEMA.md``): lower case,
whitespace collapsed, ``€``/``EUR`` → ``euro``, dashes unified, and every number
written canonically by knowledge/numbers.py, the canonicaliser the live grounding
check uses too (thousands separators dropped, trailing decimal zeros removed, dates
and times of day as one number), so ``37,00 Euro`` = ``37 Euro`` = ``37,00 €`` =
``37.00 €``; a fact only matches at token boundaries, so ``6 Euro`` is not found
inside ``46 Euro``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from knowledge.numbers import canonicalise_numbers, numbers

_EURO = re.compile(r"€|\beur\b", re.IGNORECASE)
_DASHES = re.compile(r"[\u2010-\u2015\u2212]")
_SPACE = re.compile(r"\s+")
_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\ufeff\u00ad]")


def normalise(text: str) -> str:
    """Normalise text for matching (see the module docstring)."""
    text = _INVISIBLE.sub("", text).replace("\u00a0", " ")
    text = _EURO.sub(" euro", text)
    text = _DASHES.sub("-", text).lower()
    text = canonicalise_numbers(text)
    return _SPACE.sub(" ", text).strip()


def contains_fact(text: str, fact: str) -> bool:
    """True if ``fact`` occurs in ``text`` after normalisation, at token boundaries."""
    needle = normalise(fact)
    if not needle:
        return False
    pattern = r"(?<![\w,.])" + re.escape(needle) + r"(?![\w]|,\d)"
    return re.search(pattern, normalise(text)) is not None


def missing_facts(text: str, facts: Iterable[str]) -> list[str]:
    """The facts (as given) that ``text`` does not contain."""
    return [fact for fact in facts if not contains_fact(text, fact)]


def unsupported_numbers(answer: str, sources: Iterable[str]) -> list[str]:
    """Numbers in ``answer`` that occur in none of ``sources`` (each reported once)."""
    known: set[str] = set()
    for source in sources:
        known.update(numbers(source))
    missing: list[str] = []
    for number in numbers(answer):
        if number not in known and number not in missing:
            missing.append(number)
    return missing
