"""Extractive answers: composed from a service's own fields and text, never generated.

Three shapes (DESIGN.md section 5, issue #3 part 4):

- ``service_answer`` — a structured service (a DLDB Leistung): the part the question
  asks about comes first (fees → "Gebühren", documents → "Unterlagen", where/when →
  office, address, opening hours, appointment link), otherwise a short summary, fees and
  links. Every text ends with "Stand: <date>".
- ``page_answer`` — an unstructured information page (Integreat, folder): the window of
  sentences around the line that best matches the question (lexical overlap, see
  docs/policy.md for the measurement that chose it), in the page's own words.
- ``criteria_answer`` — for decision-seeking questions: never a verdict, only what the
  source says about requirements, quoted with its citation.

Texts stay within ``max_chars`` (1,200 by default); sources are listed as citations.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from bot.answer import Citation, OfficeInfo
from bot.compose.excerpts import best_run, join_units, page_units, select_window, split_sentences
from bot.texts.catalogue import REFERENCE_LANGUAGE, TextCatalogue
from bot.understanding.lexicon import line_scores
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
_DOCUMENT_CUES = re.compile(
    r"\b(mitbringen|mitzubringen|mitnehmen|vorlegen|vorzulegen|unterlagen|nachweis\w*|"
    r"bescheinigung\w*|foto|lichtbild|ausweis\w*|reisepass|formular\w*|vollmacht|"
    r"urkunde\w*|benoetig\w*|erforderlich)\b"
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
_OVERVIEW_CHARS = 650  # description sentences in a general answer (fees and links follow)
_SEE_ALSO_CHARS = 260  # room for the runner-up page's excerpt (heading included)


class Composition(BaseModel):
    """Text, sources and offices of one composed answer."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str
    citations: list[Citation]
    offices: list[OfficeInfo] = Field(default_factory=list)


class Composer:
    """Builds answer texts from services, with the wording of the text catalogue."""

    def __init__(self, texts: TextCatalogue, *, max_chars: int = 1200) -> None:
        if max_chars < 200:
            raise ValueError(f"max_chars must be at least 200. Currently, it is {max_chars}")
        self._texts = texts
        self._max = max_chars

    def answer(
        self,
        service: Service,
        question: str,
        *,
        aspects: Sequence[str],
        language: Language,
        also: Service | None = None,
    ) -> Composition:
        """The right shape for ``service``: structured fields or best page lines.

        ``also`` (the runner-up) adds a short "see also" excerpt to page answers. A
        document the source publishes in ``language`` is shown in that version
        (``Service.in_language``); the runner-up only when it is in the same language.
        """
        service = service.in_language(language)
        if also is not None:
            also = also.in_language(language)
            also = also if also.language == service.language else None
        if service.source in _STRUCTURED or _has_asked_section(service, aspects):
            return self.service_answer(service, question, aspects=aspects, language=language)
        runner_up = also if also is not None and also.source not in _STRUCTURED else None
        return self.page_answer(service, question, language=language, also=runner_up)

    def service_answer(
        self, service: Service, question: str, *, aspects: Sequence[str], language: Language
    ) -> Composition:
        """Answer from a structured service's fields, the asked-for part first."""
        msg = self._message
        fees = service.section(SectionKind.FEES)
        fee_block = (
            msg("fees_heading", language, title=service.title) + "\n" + fees.text if fees else ""
        )
        wants = set(aspects)
        blocks: list[str] = []
        sections: list[str] = []
        if "fees" in wants:
            blocks.append(fee_block or msg("no_fees", language, title=service.title))
            sections.append(fees.title if fees else "")
        if wants & {"documents", "requirements"}:
            block, section = self._documents(service, question, language)
            blocks.append(block)
            sections.append(section)
        if wants & {"location", "hours", "appointment"}:
            blocks.append(self._office_block(service, language, hours="hours" in wants))
            sections.append("Zuständige Stelle")
        if "online" in wants and service.online_services:
            blocks.append(msg("online", language, url=service.online_services[0].url))
        if blocks and wants & _ANSWERED_FROM_TEXT:
            # "Was kostet … und wie lange gilt er?": the validity is in the description.
            blocks.append(self._overview(service, question))
        if not blocks:
            blocks.append(self._overview(service, question))
            sections.append(SectionKind.DESCRIPTION.value)
            if fee_block:
                blocks.append(fee_block)
                sections.append(fees.title if fees else "")
            if service.appointment_url:
                blocks.append(msg("appointment", language, url=service.appointment_url))
        if language != REFERENCE_LANGUAGE:
            # The fields are German: say so in the citizen's language, with the title.
            blocks.insert(0, self._source_intro(service, language))
        footer = self.footer(service, language, link=True)
        return Composition(
            text=self.fit(blocks, footer),
            citations=[citation(service, next((s for s in sections if s), ""))],
            offices=offices(service),
        )

    def page_answer(
        self,
        service: Service,
        question: str,
        *,
        language: Language,
        also: Service | None = None,
    ) -> Composition:
        """The sentences of an information page that best answer ``question``.

        With ``also``, the best sentences of a second page follow as "Siehe auch"
        (about a fifth of the space): measured on the Integreat dev questions, this
        finds an annotated answer line far more often than one page alone when the
        first page is not the right one (docs/policy.md, section 6).
        """
        header = self._source_intro(service, language)
        footer = self.footer(service, language, link=False)
        budget = self._max - len(header) - len(footer) - 6
        extra = ""
        citations = []
        if also is not None:
            extra_header = self._message("see_also", language, title=also.title)
            extra_budget = max(0, min(_SEE_ALSO_CHARS, budget // 4) - len(extra_header))
            extra_body = best_run(also, question, extra_budget)
            if extra_body:
                extra = f"{extra_header}\n{extra_body}"
                budget -= len(extra) + 2
                citations.append(citation(also, _section_of(also, extra_body, question)))
        body = best_run(service, question, budget)
        citations.insert(0, citation(service, _section_of(service, body, question)))
        blocks = [header + "\n" + body] + ([extra] if extra else [])
        return Composition(
            text=self.fit(blocks, footer), citations=citations, offices=offices(service)
        )

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
                return heading + "\n" + section.text, section.title
        units = [text.strip() for text, _ in page_units(service)]
        scores = line_scores(question, units)
        cued = [i for i, text in enumerate(units) if _DOCUMENT_CUES.search(normalize(text))]
        cued.sort(key=lambda i: (-scores[i], i))
        picked = sorted(cued[:4])
        body = "\n".join(units[i] for i in picked) if picked else service.summary
        return heading + "\n" + body, SectionKind.DESCRIPTION.value

    def _office_block(self, service: Service, language: Language, *, hours: bool) -> str:
        msg = self._message
        lines = [msg("office_heading", language, title=service.title)]
        for office in service.offices[:_MAX_OFFICES]:
            address = office.address.one_line() if office.address else ""
            lines.append("- " + ", ".join(part for part in (office.name, address) if part))
            if office.opening_hours:
                lines.append("  " + "; ".join(office.opening_hours))
        if len(service.offices) > _MAX_OFFICES:
            lines.append(msg("more_offices", language))
        if hours and not any(o.opening_hours for o in service.offices):
            lines.append(msg("no_hours", language))
        link = service.appointment_url or next(
            (o.appointment_url for o in service.offices if o.appointment_url), ""
        )
        if link:
            lines.append(msg("appointment", language, url=link))
        return "\n".join(lines)

    def _overview(self, service: Service, question: str) -> str:
        # DLDB's "duration" is the planned appointment length, not what "wie lange" asks.
        units = [unit for unit in page_units(service) if unit[1] not in _NOT_OVERVIEW]
        if not units:
            return f"{service.title}: {service.summary}".strip(": ")
        chosen = select_window([text for text, _ in units], question, budget=_OVERVIEW_CHARS)
        return f"{service.title}:\n" + join_units([units[i] for i in chosen])

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

    def fit(self, blocks: Sequence[str], footer: str) -> str:
        """Join blocks in order, shortening or dropping later ones to stay within the limit."""
        budget = self._max - len(footer) - 2
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


def _has_asked_section(service: Service, aspects: Sequence[str]) -> bool:
    """True for an editor's document with a section for the asked aspect ("Gebühren")."""
    if service.source not in _OWN_DOCUMENTS:
        return False
    kinds = {kind for aspect in aspects for kind in _ASPECT_SECTIONS.get(aspect, ())}
    return any(section.kind in kinds for section in service.sections)


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
