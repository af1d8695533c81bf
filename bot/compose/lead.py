"""The lead of an answer: the one or two sentences of the source that answer the question.

Issue 17: a citizen reads the first lines on a phone, so an answer starts with the
sentence that answers the aspect asked (fee, documents, deadline, duration, where, when,
online, appointment), in the source's own words. The lead is chosen among the page's
sentences (never a heading, nor a web address alone):

1. when the question asks for a fact (fee, documents, deadline, duration), only sentences
   that state it (cue words per aspect, ``ASPECT_CUES``) are candidates; for the other
   aspects (where, when, online, appointment) a sentence stating them gets a bonus;
2. among the candidates, the best scored wins (ties: the earlier sentence): the lexical
   overlap with the question's content stems (bot/understanding/lexicon.py, scaled to the
   page's best sentence) plus ``EVIDENCE_WEIGHT`` when the sentence lies in the passage
   the retrieval scored best for this document (``evidence``: the dense and BM25 search
   already compared every passage with the question, so the answer is most likely
   there); the lead then runs on with the following sentences (and headings) within the
   budget.

Measured on the Integreat train questions (the top document's lead of at most 300
characters contains an annotated answer line): lexical overlap alone 0.496, with the
evidence passage 0.531 (weights 0.2/0.5/1.0: 0.504/0.522/0.531); see docs/policy.md.

An asked aspect that no sentence of the source states is *missing*: the answer says so
(``answer.gap_<aspect>`` in the text catalogue) instead of quoting something else as if
it were the answer, and the confidence reflects it (bot/dialogue/engine.py).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from bot.compose.excerpts import Unit, indexed_units, join_indexed
from bot.understanding.lexicon import line_scores
from bot.understanding.wording import normalize
from knowledge.models import SectionKind, Service, SourceKind

__all__ = ["ASPECT_CUES", "GAP_ASPECTS", "Lead", "answer_line", "choose_lead", "states"]

_MONTHS = r"(januar|februar|maerz|april|mai|juni|juli|august|september|oktober|november|dezember)"
# Words by which a sentence states an aspect (matched on normalised text: ä → ae, ß → ss).
ASPECT_CUES: dict[str, re.Pattern[str]] = {
    "fees": re.compile(
        r"€|\b(euro|eur|gebuehr\w*|kosten\w*|kostet|kostenlos\w*|kostenfrei\w*|"
        r"gebuehrenfrei\w*|unentgeltlich\w*|entgelt\w*|preis\w*|bezahl\w*|zahlen)\b"
    ),
    "documents": re.compile(
        r"\b(unterlagen|mitbringen|mitzubringen|mitnehmen|nachweis\w*|dokument\w*|vorlegen|"
        r"vorzulegen|bescheinigung\w*|personalausweis\w*|reisepass\w*|pass|formular\w*|"
        r"urkunde\w*|passfoto\w*|foto\w*|lichtbild\w*|vollmacht\w*|brauchen sie|benoetigen sie)\b"
    ),
    "deadlines": re.compile(
        # A date after "bis" is a deadline too ("bis 11. März", "bis 31.12.", "bis Ende Mai").
        r"\b(frist\w*|spaetestens|innerhalb|bis zum|rechtzeitig|vorher|vor ablauf|"
        r"unverzueglich|bis ende)\b|\bbis (zum )?\d{1,2}\.( ?\d{1,2}\.|\s*" + _MONTHS + r")"
    ),
    "duration": re.compile(
        # "Wie lange …?" asks for a span of time, also one of validity ("fünf Jahre gültig");
        # units in every case form ("innerhalb eines Jahres", "Ende des Monats").
        r"\b(dauer\w*|dauert|wochen?|(werk|arbeits)?tag(e|en|es)?|monat(e|en|s)?|jahr(e|en|es)?|"
        r"bearbeitungszeit\w*|sofort|gleich mitnehmen|stunden?|minuten|gueltig\w*)\b"
    ),
    "online": re.compile(
        r"\b(online\w*|internet\w*|digital\w*|elektronisch\w*|per post|postalisch\w*|"
        r"schriftlich\w*|e-?mail|persoenlich\w*|vor ort)\b"
    ),
    "location": re.compile(
        r"\b(adresse|\w*strasse|\w*str|\w*platz|zimmer|raum|rathaus|\w*amt|\w*buero|"
        r"stelle)\b|\b\d{5}\b"
    ),
    "hours": re.compile(
        r"\b(\d{1,2}([:.]\d{2})? uhr|oeffnungszeit\w*|sprechzeit\w*|montag\w*|dienstag\w*|"
        r"mittwoch\w*|donnerstag\w*|freitag\w*)\b"
    ),
    "appointment": re.compile(r"\b(termin\w*|vereinbar\w*|buchen|gebucht)\b"),
    "requirements": re.compile(
        r"\b(voraussetzung\w*|muessen|muss|berechtigt\w*|nur wenn|sofern|mindestens)\b"
    ),
}
# Aspects that are one fact a source states or not; for these a gap is said out loud.
GAP_ASPECTS = ("fees", "documents", "deadlines", "duration")
# DLDB's "Bearbeitungsdauer" is the planned length of the appointment, not what
# "wie lange dauert" asks; its contact section names offices, not answers.
_NOT_LEAD = frozenset({SectionKind.DURATION, SectionKind.CONTACT})
# "Wo …?", "Kann ich online …?": a sentence naming a place or a way is preferred, but
# one that names the matter asked about ("Deutschkurse bietet die Volkshochschule an")
# can still win; about one matched question word.
_SOFT_BONUS = 0.5
# A sentence of the retrieval's best passage of the document (see the module docstring);
# on the scale of the lexical score, where the page's best sentence has 1.
EVIDENCE_WEIGHT = 1.0
_EVIDENCE_PREFIX = 60  # characters of a sentence looked up in the passage (chunk borders)
# A choice's line reads on its own (``answer_line``): on the Integreat train questions
# answered with choices, 4-6 words as the least gave the same (21 of 47 right choices
# with an annotated line, 20 without a least), list items excluded.
_LINE_WORDS = 5
_ADDRESS_ONLY = re.compile(r"^\s*(https?://|www\.)\S+\s*$")
_LIST_MARK = re.compile(r"^\s*(?:[-•*]|\d{1,2}[.)])\s+")


@dataclass(frozen=True)
class Lead:
    """The sentences that answer, where they come from, and what the source lacks."""

    text: str
    sections: frozenset[int]  # indices into ``Service.sections`` the lead quotes
    missing: tuple[str, ...]  # asked aspects (of GAP_ASPECTS) that no sentence states
    found: bool  # an asked aspect is stated in the lead (or no aspect was asked)


def states(aspect: str, text: str) -> bool:
    """Whether ``text`` has a cue word of ``aspect``."""
    cue = ASPECT_CUES.get(aspect)
    return bool(cue and cue.search(normalize(text)))


def choose_lead(
    service: Service,
    question: str,
    aspects: Sequence[str],
    *,
    budget: int,
    evidence: str = "",
    skip: frozenset[SectionKind] = frozenset(),
) -> Lead:
    """The lead of ``service`` for ``question`` within ``budget`` characters.

    ``evidence`` is the text of the passage of ``service`` that the retrieval scored best
    for the question (``SearchHit.text``); empty when there is none.
    """
    units = [u for u in indexed_units(service) if u.kind not in _NOT_LEAD | skip]
    sentences = [i for i, u in enumerate(units) if _sentence(u)]
    asked = [a for a in aspects if a in ASPECT_CUES]
    if not sentences:
        return Lead(
            service.summary, frozenset(), tuple(a for a in asked if a in GAP_ASPECTS), False
        )
    stated = {a: [i for i in sentences if states(a, units[i].text)] for a in asked}
    missing = tuple(a for a in asked if a in GAP_ASPECTS and not stated[a])
    facts = [a for a in asked if a in GAP_ASPECTS]
    best = _best(units, sentences, question, asked, stated, evidence)
    chosen = _run_from(units, best, budget)
    used = sum(len(units[i].text) + 1 for i in chosen)
    if (
        not facts
        and best > 0
        and _joins(units[best - 1], units[best])
        and used + len(units[best - 1].text) <= budget
    ):
        # Without an asked fact, the sentence before the best match often introduces it
        # ("Den Antrag stellst Du beim Landratsamt." before "Dafür brauchst Du …").
        chosen.insert(0, best - 1)
    found = not asked or any(i in stated[a] for a in asked for i in chosen)
    text = join_indexed([units[i] for i in chosen]).strip()
    return Lead(text, frozenset(units[i].section for i in chosen), missing, found)


def answer_line(
    service: Service,
    question: str,
    aspects: Sequence[str],
    *,
    limit: int,
    evidence: str = "",
) -> str:
    """The sentence of ``service`` that best answers ``question``, as one line of at most
    ``limit`` characters; empty when the page has no sentence (a page that is only an
    office's contact section answers from it).

    It is the line under a clarifying choice (issue 17 item 2): a citizen choosing between
    pages sees what each says on the question, not only how each begins. It is chosen as
    the lead's first sentence (``choose_lead``: same candidates and scores) among the
    sentences that read on their own: not a list item and at least ``_LINE_WORDS`` words
    (an address or "- Veranstaltungen" tells nothing to choose by); a sentence that
    introduces what follows ("… unterstützt Dich folgende Stelle:") runs on with it.
    A structured service (DLDB) has its editors' summary of what the service is, and its
    facts in fields ("Gebühren", "Unterlagen") rather than in sentences: its line is empty
    and the caller shows that summary (a sentence chosen by cue words there read like
    "Für den Besuch im Bürgerbüro brauchen Sie einen Termin." for travel papers).
    Measured on the Integreat train questions answered with choices (docs/policy.md).
    """
    if service.source is SourceKind.DLDB:
        return ""  # its editors' summary (see above)
    every = indexed_units(service)
    units = [u for u in every if u.kind not in _NOT_LEAD and not u.heading] or every
    sentences = [i for i, u in enumerate(units) if _sentence(u)]
    if not sentences:
        return ""
    whole = [i for i in sentences if _reads_alone(units[i].text)]
    asked = [a for a in aspects if a in ASPECT_CUES]
    pool = whole or sentences
    stated = {a: [i for i in pool if states(a, units[i].text)] for a in asked}
    best = _best(units, pool, question, asked, stated, evidence)
    parts = [units[best].text]
    following = best + 1
    while (
        parts[-1].rstrip().endswith((":", ","))
        and following < len(units)
        and sum(len(part) + 1 for part in parts) < limit
    ):
        parts.append(_LIST_MARK.sub("", units[following].text))
        following += 1
    return textwrap.shorten(" ".join(parts), width=limit, placeholder=" …")


def _sentence(unit: Unit) -> bool:
    """Whether ``unit`` can start a lead: not a heading, and not a web address alone (the
    address of the sentence before it, ingest/html_text.py; it follows in the lead's run)."""
    return not unit.heading and not _ADDRESS_ONLY.match(unit.text)


def _reads_alone(sentence: str) -> bool:
    return len(sentence.split()) >= _LINE_WORDS and not _LIST_MARK.match(sentence)


def _best(
    units: Sequence[Unit],
    sentences: Sequence[int],
    question: str,
    asked: Sequence[str],
    stated: dict[str, list[int]],
    evidence: str,
) -> int:
    """The unit the lead starts with: among the sentences stating an asked fact (all
    sentences when none is asked or none states it), the best scored, ties the earlier."""
    facts = [a for a in asked if a in GAP_ASPECTS]
    candidates = sorted({i for a in facts for i in stated[a]}) or list(sentences)
    scores = _scores(question, units, evidence)
    soft = {i for a in asked if a not in GAP_ASPECTS for i in stated[a]}
    return max(candidates, key=lambda i: (scores[i] + _SOFT_BONUS * (i in soft), -i))


def _scores(question: str, units: Sequence[Unit], evidence: str) -> list[float]:
    """Lexical overlap (the best sentence 1.0) plus the evidence bonus, per unit."""
    lexical = line_scores(question, [u.text for u in units])
    top = max(lexical, default=0.0) or 1.0
    passage = normalize(evidence)
    return [
        score / top
        + (EVIDENCE_WEIGHT if passage and normalize(u.text)[:_EVIDENCE_PREFIX] in passage else 0.0)
        for u, score in zip(units, lexical, strict=True)
    ]


def _joins(before: Unit, unit: Unit) -> bool:
    """Whether ``before`` is a sentence of the same section as ``unit`` (measured on the
    Integreat train questions: same section 0.531, same paragraph only 0.527, never 0.527
    answer lines within the first 300 characters)."""
    return _sentence(before) and before.section == unit.section


def _run_from(units: Sequence[Unit], best: int, budget: int) -> list[int]:
    """``best`` and the units after it (headings included), within ``budget``
    (the first sentence is shortened by the caller if it alone is longer)."""
    chosen = [best]
    used = len(units[best].text)
    for i in range(best + 1, len(units)):
        unit = units[i]
        if used + len(unit.text) + 1 > budget:
            break
        chosen.append(i)
        used += len(unit.text) + 1
    return chosen
