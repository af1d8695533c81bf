"""Excerpts of a page: sentences, and the run of sentences that best answers a question.

A page is split into units — headings and sentences, each paragraph starting on a new
line — and the excerpt is the window of consecutive units around the best-matching one
(lexical overlap, bot/understanding/lexicon.py), grown forward first and backward at most
half as far, within a character budget. docs/policy.md (section 6) shows why this beats embeddings.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.understanding.lexicon import line_scores
from bot.understanding.wording import word_set
from knowledge.models import Section, SectionKind, Service

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ0-9„\"(])")
# Abbreviations after which a full stop does not end a sentence.
_ABBREVIATIONS = word_set(
    "bzw z b zb ca nr str u a ua ggf evtl inkl max min tel vgl d h dh usw etc bspw abs art "
    "dr st mo di mi do fr sa so jan feb mrz apr jun jul aug sep sept okt nov dez"
)


def page_units(service: Service) -> list[tuple[str, SectionKind]]:
    """The page as sentences in order; headings are units too. ``""`` marks a paragraph break."""
    units: list[tuple[str, SectionKind]] = []
    for section in service.sections:
        if _is_heading(section, service):
            units.append(("\n" + section.title.strip(), section.kind))
        for paragraph in section.text.split("\n"):
            paragraph = paragraph.strip()
            if not paragraph:
                continue
            sentences = split_sentences(paragraph)
            for index, sentence in enumerate(sentences):
                units.append((sentence if index else "\n" + sentence, section.kind))
    return units


def split_sentences(paragraph: str) -> list[str]:
    """Sentences of ``paragraph``; a full stop after an abbreviation ("bzw.") does not split."""
    sentences: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(paragraph):
        before = paragraph[start : match.start()].rstrip(".!?").split()
        last = before[-1].lower().rstrip(".") if before else ""
        bare = last.replace(".", "")
        if bare in _ABBREVIATIONS or len(bare) == 1 or bare.isdigit():
            continue
        sentences.append(paragraph[start : match.start()].strip())
        start = match.end()
    sentences.append(paragraph[start:].strip())
    return [sentence for sentence in sentences if sentence]


def select_window(units: Sequence[str], question: str, *, budget: int) -> list[int]:
    """Indices of a run of units around the best-matching one, within ``budget`` characters.

    The run grows forward first (answers follow the line that names the topic) and
    backward at most half as far. Without any match it is the start of the page.
    """
    if not units:
        return []
    scores = line_scores(question, [u.strip() for u in units])
    best = max(range(len(units)), key=lambda i: (scores[i], -i)) if max(scores) > 0 else 0
    low = high = best
    used = len(units[best])
    while True:
        grew = False
        if high + 1 < len(units) and used + len(units[high + 1]) + 1 <= budget:
            high += 1
            used += len(units[high]) + 1
            grew = True
        if (
            low > 0
            and used + len(units[low - 1]) + 1 <= budget
            and (high - best) >= 2 * (best - low)
        ):
            low -= 1
            used += len(units[low]) + 1
            grew = True
        if not grew:
            return list(range(low, high + 1))


def join_units(units: Sequence[tuple[str, SectionKind]]) -> str:
    text = ""
    for unit, _ in units:
        if unit.startswith("\n"):
            text += unit if text else unit.lstrip("\n")
        else:
            text += (" " if text else "") + unit
    return text.strip()


def _is_heading(section: Section, service: Service) -> bool:
    title = section.title.strip()
    generic = {kind.value for kind in SectionKind}
    return bool(title) and title != service.title and title not in generic


@dataclass(frozen=True)
class Unit:
    """One heading or sentence of a page, with the section it belongs to."""

    text: str
    section: int  # index into ``Service.sections``
    kind: SectionKind
    heading: bool
    starts_paragraph: bool


def indexed_units(service: Service) -> list[Unit]:
    """The page as units like ``page_units``, each knowing its section and whether it is
    a heading (for leads, which never start with a heading, and for "Mehr anzeigen")."""
    units: list[Unit] = []
    for index, section in enumerate(service.sections):
        if _is_heading(section, service):
            units.append(Unit(section.title.strip(), index, section.kind, True, True))
        for paragraph in section.text.split("\n"):
            sentences = split_sentences(paragraph.strip())
            for position, sentence in enumerate(sentences):
                units.append(Unit(sentence, index, section.kind, False, position == 0))
    return units


def join_indexed(units: Sequence[Unit]) -> str:
    """The units as text: a paragraph start or heading begins a new line."""
    return join_units([(("\n" if u.starts_paragraph else "") + u.text, u.kind) for u in units])
