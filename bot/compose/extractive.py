"""Extractive answers: composed from a service's own fields and text, never generated.

Issue 17: the answer comes first, short, and honest about gaps. Three shapes:

- ``service_answer`` — a structured service (a DLDB Leistung): the asked field first
  (fees → "Gebühren", documents → "Unterlagen", where/when → the first offices and the
  appointment link, deadline/duration/online → the description sentence that states it,
  bot/compose/lead.py), otherwise one or two description sentences, the fee line and the
  appointment link; then source link and "Stand".
- ``page_answer`` — an unstructured information page (Integreat, folder): the lead — the
  sentence that answers the asked aspect and the question's words, with what follows it,
  found with the retrieval's best passage as evidence (bot/compose/lead.py) — then at
  most ``context_chars`` (200) of the lines around the question's best lexical match,
  then "Quelle: „…“ · Stand" (median under 500 characters, docs/policy.md). A second page
  is quoted only when it covers words of the question the first page lacks, and says
  that it answers a part; otherwise its closest section is offered behind "Mehr
  anzeigen", after the answered page's sections closest to the question.
- ``criteria_answer`` — for decision-seeking questions: never a verdict, only what the
  source says about requirements, quoted with its citation.

An asked fact the source does not state (fee, documents, deadline, duration) is said out
loud first (``answer.gap_<aspect>``) with the office to ask; ``Composition.aspect_found``
tells the engine to lower the confidence. Further sections are listed in
``Composition.more`` ("Mehr anzeigen"), not pasted. Texts stay within ``max_chars``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from bot.answer import Citation, MoreSection, OfficeInfo
from bot.compose.excerpts import join_units, page_units, select_window, split_sentences
from bot.compose.lead import choose_lead, states
from bot.texts.catalogue import REFERENCE_LANGUAGE, TextCatalogue
from bot.understanding.lexicon import content_stems, line_scores, stem_matches, vocabulary_of
from bot.understanding.wording import Language, normalize
from knowledge.models import SectionKind, Service, SourceKind

_BULLET = re.compile(r"^\s*[-•*]\s*")
_CRITERIA_CUES = re.compile(
    r"\b(voraussetzung\w*|nur (wenn|mit|fuer)|muess\w*|muss|benoetig\w*|erforderlich|"
    r"berechtigt\w*|anspruch\w*|bedingung\w*|nachweis\w*|mindestens|wenn sie|sofern|"
    r"vorlegen|vorzulegen|grad der behinderung|aufenthalt\w*|jahre\w*)\b"
)
_VERDICT = re.compile(
    r"\b(ja|nein),|\bsie haben (keinen )?anspruch\b|\bihr antrag wird\b|\bsteht ihnen (nicht )?zu\b"
)
__all__ = [
    "Composer",
    "Composition",
    "citation",
    "offices",
    "page_units",
    "select_window",
    "split_sentences",
]

_STRUCTURED = (SourceKind.DLDB,)
# Editors' documents have the headings of a service description ("Gebühren", "Unterlagen"):
# a question about fees or documents is answered from that section like a DLDB field.
_OWN_DOCUMENTS = (SourceKind.FILES, SourceKind.UPLOAD, SourceKind.WEB)
_ASPECT_SECTIONS = {
    "fees": (SectionKind.FEES,),
    "documents": (SectionKind.DOCUMENTS, SectionKind.REQUIREMENTS),
    "requirements": (SectionKind.DOCUMENTS, SectionKind.REQUIREMENTS),
}
_ANSWERED_FROM_TEXT = frozenset({"duration", "deadlines", "online"})  # no field of their own
_NOT_OVERVIEW = frozenset({SectionKind.FEES, SectionKind.DURATION, SectionKind.CONTACT})
_MAX_OFFICES = 8  # Munich's Bürgerbüros: seven offices offer the same services
_OFFICES_SHOWN = _MAX_OFFICES  # a where-question is answered by the offices themselves
_SEE_ALSO_CHARS = 260  # the part of the question a second page answers
# Issue 17 item 3: lead + at most this much context (chosen on Integreat train, see
# docs/policy.md "Short by default"); GOVBOT_DIALOGUE__ANSWER_CONTEXT_CHARS.
CONTEXT_CHARS = 200
_MORE_FIRST = 3  # "Mehr anzeigen": the page's three closest sections, then the second page
# Issue 17: the main text is short (median under 500 characters); the rest is offered.
_LEAD_CHARS = 400  # the sentences that answer, of a structured service
_PAGE_LEAD_CHARS = 440  # the sentences that answer, of an information page
_ASPECT_CHARS = 320  # one asked field (fees, documents)
_FEE_LINE_CHARS = 140  # the fee line under a general answer


class Composition(BaseModel):
    """Text, sources and offices of one composed answer."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str
    citations: list[Citation]
    offices: list[OfficeInfo] = Field(default_factory=list)
    more: list[MoreSection] = Field(default_factory=list)
    aspect_found: bool = True  # False: an asked aspect is not stated by the source


class Composer:
    """Builds answer texts from services, with the wording of the text catalogue."""

    def __init__(
        self,
        texts: TextCatalogue,
        *,
        max_chars: int = 1200,
        context: bool = True,
        context_chars: int = CONTEXT_CHARS,
    ) -> None:
        if max_chars < 200:
            raise ValueError(f"max_chars must be at least 200. Currently, it is {max_chars}")
        if context_chars < 0:
            raise ValueError(f"context_chars must be 0 or more. Currently, it is {context_chars}")
        self._texts = texts
        self._max = max_chars
        self._context_chars = context_chars if context else 0

    def answer(
        self,
        service: Service,
        question: str,
        *,
        aspects: Sequence[str],
        language: Language,
        also: Service | None = None,
        evidence: str = "",
    ) -> Composition:
        """The right shape for ``service``: structured fields or best page lines.

        ``also`` (the runner-up) is quoted only where it answers a part of the question
        that ``service`` does not (issue 17 item 2), the runner-up only when it is in the
        same language; ``evidence`` is the text of the passage of ``service`` the
        retrieval scored best (it guides the lead). A document the source publishes in
        ``language`` is shown in that version (``Service.in_language``).
        """
        service = service.in_language(language)
        if also is not None:
            also = also.in_language(language)
            also = also if also.language == service.language else None
        if service.source in _STRUCTURED or _has_asked_section(service, aspects):
            return self.service_answer(service, question, aspects=aspects, language=language)
        runner_up = also if also is not None and also.source not in _STRUCTURED else None
        return self.page_answer(
            service,
            question,
            aspects=aspects,
            language=language,
            also=runner_up,
            evidence=evidence,
        )

    def service_answer(
        self, service: Service, question: str, *, aspects: Sequence[str], language: Language
    ) -> Composition:
        """Answer from a structured service's fields: the asked aspect first, then what to
        do next (office, appointment link), source and "Stand"; the rest on request."""
        msg = self._message
        fees = service.section(SectionKind.FEES)
        wants = set(aspects)
        blocks: list[str] = []
        sections: list[str] = []
        missing: list[str] = []
        found = True
        if "fees" in wants:
            if fees:
                blocks.append(msg("fees_heading", language, title=service.title) + "\n" + fees.text)
                sections.append(fees.title)
            else:
                missing.append("fees")
        if wants & {"documents", "requirements"}:
            block, section = self._documents(service, question, language)
            if block:
                blocks.append(block)
                sections.append(section)
            elif "documents" in wants:
                missing.append("documents")
        if wants & {"location", "hours", "appointment"}:
            blocks.append(self._office_block(service, language, hours="hours" in wants))
            sections.append("Zuständige Stelle")
        online_link = "online" in wants and bool(service.online_services)
        if online_link:
            blocks.append(msg("online", language, url=service.online_services[0].url))
        from_text = sorted((wants & _ANSWERED_FROM_TEXT) - ({"online"} if online_link else set()))
        if from_text:
            lead = choose_lead(service, question, from_text, budget=_LEAD_CHARS, skip=_NOT_OVERVIEW)
            missing.extend(a for a in lead.missing if a not in missing)
            found = lead.found
            if lead.found:
                blocks.append(_truncate(lead.text, _LEAD_CHARS))
                sections.append(SectionKind.DESCRIPTION.value)
        if missing:
            found = False
            blocks = [self._gap(service, missing, language), *blocks]
        if not blocks or (missing and len(blocks) == 1):
            # Nothing asked (or only a gap): what the service is, in one or two sentences.
            lead = choose_lead(service, question, [], budget=_LEAD_CHARS, skip=_NOT_OVERVIEW)
            blocks.append(_truncate(lead.text, _LEAD_CHARS))
            sections.append(SectionKind.DESCRIPTION.value)
            if fees and not missing:
                heading = msg("fees_heading", language, title=service.title)
                blocks.append(heading + "\n" + _truncate(fees.text, _FEE_LINE_CHARS))
                sections.append(fees.title)
        link = service.appointment_url
        if link and not wants & {"location", "hours", "appointment"}:
            blocks.append(msg("appointment", language, url=link))
        if language not in (REFERENCE_LANGUAGE, service.language):
            # The fields are German: say so in the citizen's language, with the title.
            blocks.insert(0, self._source_intro(service, language))
        footer = self.footer(service, language, link=True)
        text = self.fit(blocks, footer)
        return Composition(
            text=text,
            citations=[citation(service, next((s for s in sections if s), ""))],
            offices=offices(service),
            more=more_sections(service, text),
            aspect_found=found,
        )

    def page_answer(
        self,
        service: Service,
        question: str,
        *,
        language: Language,
        aspects: Sequence[str] = (),
        also: Service | None = None,
        evidence: str = "",
    ) -> Composition:
        """The sentence(s) of an information page that answer ``question``, first.

        The lead (bot/compose/lead.py, ``evidence`` the retrieval's best passage of the
        page) comes first; an asked aspect the page does not state is said out loud; then
        up to ``context_chars`` of the lines around the question's best lexical match;
        ``also`` is quoted only where it covers words of the question that ``service``
        does not (then it says that it answers a part), else offered in ``more``.
        """
        lead = choose_lead(service, question, aspects, budget=_PAGE_LEAD_CHARS, evidence=evidence)
        blocks: list[str] = []
        if language not in (REFERENCE_LANGUAGE, service.language):
            # The page is German: say so in the citizen's language, with the title.
            blocks.append(self._source_intro(service, language))
        if lead.missing:
            blocks.append(self._gap(service, list(lead.missing), language))
        blocks.append(_truncate(lead.text, _PAGE_LEAD_CHARS))
        citations = [citation(service, _section_title(service, lead.sections))]
        footer = self._page_footer(service, language)
        if self._context_chars:
            # A few lines around the question's best lexical match that the lead does not
            # already quote (the excerpt answers had before issue 17, now capped).
            blocks.append(_context(service, question, shown=blocks[-1], budget=self._context_chars))
        part = self._part_answered_by(also, service, question) if also is not None else ""
        if also is not None and part:
            blocks.append(self._message("partly", language, title=also.title) + "\n" + part)
            citations.append(citation(also, _section_of(also, part, question)))
        text = self.fit(blocks, footer)
        more = more_sections(service, text, question=question)
        if also is not None and not part:
            # Not pasted (issue 17 item 2): the runner-up is one tap away.
            more.insert(min(len(more), _MORE_FIRST), runner_up_section(also, question))
        return Composition(
            text=text,
            citations=citations,
            offices=offices(service),
            more=more,
            aspect_found=lead.found and not lead.missing,
        )

    def _part_answered_by(self, also: Service, service: Service, question: str) -> str:
        """The lead of ``also`` when a word of the question that ``service`` lacks names
        the topic of ``also`` (its title or keywords) and its lead has it. Measured on
        Integreat train: a word anywhere in ``also`` pasted it into 30 of 224 answers, 4 of
        them with an annotated line in ``also``, and no line was lost with the title or
        keywords rule (4 pasted), docs/policy.md."""
        asked = content_stems(question, topical=True)
        own = vocabulary_of([service.title, *(s.text for s in service.sections)])
        topic = vocabulary_of([also.title, *also.keywords])
        uncovered = [
            stem for stem in asked if not stem_matches(stem, own) and stem_matches(stem, topic)
        ]
        if not uncovered:
            return ""
        lead = choose_lead(also, question, [], budget=_SEE_ALSO_CHARS)
        words = vocabulary_of([lead.text])
        if not any(stem_matches(stem, words) for stem in uncovered):
            return ""
        return _truncate(lead.text, _SEE_ALSO_CHARS)

    def _gap(self, service: Service, missing: Sequence[str], language: Language) -> str:
        """That the source says nothing on the asked aspects, and whom to ask instead."""
        lines = [
            self._message(f"gap_{aspect}", language, title=service.title) for aspect in missing
        ]
        office = service.offices[0].name if service.offices else ""
        if office:
            lines.append(self._message("gap_ask_office", language, office=office))
        else:
            lines.append(self._message("gap_ask", language))
        return " ".join(lines)

    def _page_footer(self, service: Service, language: Language) -> str:
        source = self._message("source_title", language, title=service.title)
        stand = self.footer(service, language, link=False)
        return f"{source} · {stand}" if stand else source

    def criteria_answer(self, service: Service, question: str, *, language: Language) -> str:
        """What the source says about requirements (no verdict), at most ~600 characters."""
        service = service.in_language(language)
        requirements = service.section(SectionKind.REQUIREMENTS)
        if requirements:
            lines = [requirements.text]
        else:
            units = [text.strip() for text, _ in page_units(service)]
            scores = line_scores(question, units)
            cued = [
                i
                for i, text in enumerate(units)
                if _CRITERIA_CUES.search(normalize(text)) and not _VERDICT.search(normalize(text))
            ]
            cued.sort(key=lambda i: (-scores[i], i))
            picked: list[int] = []
            used = 0
            for i in cued:
                if used + len(units[i]) > 600:
                    continue
                picked.append(i)
                used += len(units[i]) + 1
            lines = [units[i] for i in sorted(picked)] or [service.summary]
        intro = self._message("criteria_intro", language, title=service.title)
        return intro + "\n" + _truncate("\n".join(lines), 650)

    def _documents(self, service: Service, question: str, language: Language) -> tuple[str, str]:
        heading = self._message("documents_heading", language, title=service.title)
        for kind in (SectionKind.DOCUMENTS, SectionKind.REQUIREMENTS):
            section = service.section(kind)
            if section:
                return heading + "\n" + _truncate(section.text, _ASPECT_CHARS), section.title
        units = [text.strip() for text, _ in page_units(service)]
        scores = line_scores(question, units)
        cued = [i for i, text in enumerate(units) if states("documents", text)]
        cued.sort(key=lambda i: (-scores[i], i))
        picked = sorted(cued[:3])
        if not picked:
            return "", ""
        body = "\n".join(units[i] for i in picked)
        return heading + "\n" + body, SectionKind.DESCRIPTION.value

    def _office_block(self, service: Service, language: Language, *, hours: bool) -> str:
        msg = self._message
        lines = [msg("office_heading", language, title=service.title)]
        for office in service.offices[:_OFFICES_SHOWN]:
            address = office.address.one_line() if office.address else ""
            lines.append("- " + ", ".join(part for part in (office.name, address) if part))
            if office.opening_hours:
                lines.append("  " + "; ".join(office.opening_hours))
        if len(service.offices) > _OFFICES_SHOWN:
            lines.append(msg("more_offices", language))
        if hours and not any(o.opening_hours for o in service.offices):
            lines.append(msg("no_hours", language))
        link = service.appointment_url or next(
            (o.appointment_url for o in service.offices if o.appointment_url), ""
        )
        if link:
            lines.append(msg("appointment", language, url=link))
        return "\n".join(lines)

    def _source_intro(self, service: Service, language: Language) -> str:
        """What introduces the source's text: its title; a German text in any other
        language is framed as German only (a quote, never presented as a translation)."""
        same = language == REFERENCE_LANGUAGE or service.language == language
        key = "page_intro" if same else "german_only"
        return self._message(key, language, title=service.title)

    def _message(self, key: str, language: Language, **values: str) -> str:
        """The answer text ``answer.<key>`` of the catalogue, with ``values`` filled in."""
        return self._texts.text(f"answer.{key}", language, **values)

    def footer(self, service: Service, language: Language, *, link: bool = True) -> str:
        """Source link (optional) and "Stand: <date>" of ``service``."""
        lines = []
        if link and service.url:
            lines.append(self._message("source_link", language, url=service.url))
        if service.updated:
            date = service.updated.strftime("%d.%m.%Y")
            lines.append(self._message("stand", language, date=date))
        return "\n".join(lines)

    def fit(self, blocks: Sequence[str], footer: str, *, limit: int | None = None) -> str:
        """Join blocks in order, shortening or dropping later ones to stay within the limit
        (``max_chars`` unless ``limit`` says otherwise)."""
        budget = (limit or self._max) - len(footer) - 2
        kept: list[str] = []
        for block in (b.strip() for b in blocks if b.strip()):
            room = budget - sum(len(k) + 2 for k in kept)
            if room < 60:
                break
            kept.append(block if len(block) <= room else _truncate(block, room))
        return "\n\n".join([*kept, footer]) if footer else "\n\n".join(kept)


def citation(service: Service, section: str) -> Citation:
    """The citation of ``service`` (one section named)."""
    return Citation(
        doc_id=service.doc_id,
        title=service.title,
        section=section,
        url=service.url,
        updated=service.updated,
        language=service.language,
    )


def offices(service: Service) -> list[OfficeInfo]:
    """The first few responsible offices of ``service`` as shown with an answer."""
    return [
        OfficeInfo(
            name=office.name,
            address=office.address.one_line() if office.address else "",
            opening_hours=list(office.opening_hours),
            phone=office.phone,
            email=office.email,
            appointment_url=office.appointment_url or service.appointment_url,
        )
        for office in service.offices[:_MAX_OFFICES]
    ]


def more_sections(service: Service, shown: str, *, question: str = "") -> list[MoreSection]:
    """The sections of ``service`` not already shown in full, for "Mehr anzeigen"; with
    ``question`` those that share most words with it first (the widget shows six)."""
    indices = [
        index
        for index, section in enumerate(service.sections)
        if section.text.strip() and section.text.strip() not in shown
    ]
    if question:
        sections = [service.sections[i] for i in indices]
        scores = line_scores(question, [f"{s.title}\n{s.text}" for s in sections])
        order = sorted(range(len(indices)), key=lambda n: (-scores[n], n))
        indices = [indices[n] for n in order]
    return [
        MoreSection(
            doc_id=service.doc_id, key=str(i), title=service.sections[i].title or service.title
        )
        for i in indices
    ]


def runner_up_section(service: Service, question: str) -> MoreSection:
    """The section of a second page closest to ``question``, offered behind "Mehr
    anzeigen" under the page's title instead of pasted into the answer."""
    texts = [section.text for section in service.sections]
    scores = line_scores(question, texts) if texts else []
    best = max(range(len(texts)), key=lambda i: (scores[i], -i), default=0)
    section = service.sections[best].title if service.sections else ""
    same = not section or section in (service.title, SectionKind.CONTENT.value)
    title = service.title if same else f"{service.title}: {section}"
    return MoreSection(doc_id=service.doc_id, key=str(best), title=title)


def _context(service: Service, question: str, *, shown: str, budget: int) -> str:
    """The lines around the question's best lexical match that ``shown`` does not already
    quote (the excerpt answers had before issue 17, after the lead)."""
    if budget < 60:
        return ""
    units = page_units(service)
    chosen = select_window([text for text, _ in units], question, budget=budget)
    rest = [units[i] for i in chosen if units[i][0].strip() not in shown]
    titles = {section.title.strip() for section in service.sections}
    while rest and rest[-1][0].strip() in titles:
        rest.pop()  # a heading with none of its lines after it says nothing
    return join_units(rest)


def _has_asked_section(service: Service, aspects: Sequence[str]) -> bool:
    """True for an editor's document with a section for the asked aspect ("Gebühren")."""
    if service.source not in _OWN_DOCUMENTS:
        return False
    kinds = {kind for aspect in aspects for kind in _ASPECT_SECTIONS.get(aspect, ())}
    return any(section.kind in kinds for section in service.sections)


def _section_title(service: Service, indices: frozenset[int]) -> str:
    first = min(indices, default=0)
    return service.sections[first].title if first < len(service.sections) else ""


def _section_of(service: Service, body: str, question: str) -> str:
    """The section an excerpt is cited from: of those it quotes, the one closest to the question.

    An excerpt may run across sections (a document's short preamble into its
    description); citing the first one would name the wrong part of the document.
    """
    quoted = [
        section
        for section in service.sections
        if any(line.strip()[:40] in body for line in section.text.splitlines() if line.strip())
    ]
    if not quoted:
        return service.sections[0].title if service.sections else ""
    scores = line_scores(question, [f"{s.title}\n{s.text}" for s in quoted])
    best = max(range(len(quoted)), key=lambda i: (scores[i], len(quoted[i].text) > 80, -i))
    return quoted[best].title


def _truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: max(0, limit - 1)]
    boundary = max(cut.rfind("\n"), cut.rfind(". "))
    if boundary > limit // 2:
        cut = cut[: boundary + 1]
    return cut.rstrip() + "…"
