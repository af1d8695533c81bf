"""Section-aware chunking of Services into Passages (langchain-text-splitters).

Rules (DESIGN.md §3): a passage belongs to exactly one section of one service;
its title and section name travel with it (``Passage.embedding_text``); sizes are
counted in words because German compounds make characters a poor proxy. Short
sections (a fee line) stay passages of their own. One extra "Überblick" passage
is the service's card: breadcrumb and title, its own section headings, the
summary with the keywords and the names of its forms and online services, so
colloquial synonyms ("Perso") and form names are searchable and the retriever
can score what the whole page is about (knowledge/document_fusion.py).
Passage ids ``<doc_id>#<n>`` number the passages in order, so the same content
always yields the same ids; a translation's passages (``<doc_id>#en<n>``) follow, tagged
with their language. With ``merge_sections`` (``govbot ingest integreat --whole-pages``;
Integreat pages have many short sections) the sections of a page are joined,
headings kept as lines, before the text is split; the card still lists the headings.

``chunking_identity`` names the chunker version and its parameters; sync stores it
with each service's hash, so a chunking change re-chunks every service.
"""

from __future__ import annotations

from collections.abc import Iterable

from langchain_text_splitters import RecursiveCharacterTextSplitter

from knowledge.models import CARD_SECTION, Passage, SectionKind, Service, SourceKind

# Paragraph, line, sentence, clause, word: German punctuation is the same as English.
SEPARATORS = ["\n\n", "\n", ". ", "? ", "! ", "; ", ": ", ", ", " ", ""]

# Bump whenever chunk_service produces different passages for the same input.
# v3: the card names the service's LeiKa and OZG-Lebenslage names (issue 12 item 3).
CHUNKING_VERSION = 3


def chunking_identity(
    *,
    chunk_words: int = 250,
    overlap_words: int = 30,
    merge_sections: bool = False,
    translations: bool = True,
) -> str:
    """The chunker's version and parameters, e.g. ``chunks-v3:250/30:sections``.

    Leaving translations out of search adds ``:own-language`` (the default, translations
    searched, keeps the identity that indexes built before translations existed have:
    their passages are the same).
    """
    layout = "pages" if merge_sections else "sections"
    own = "" if translations else ":own-language"
    return f"chunks-v{CHUNKING_VERSION}:{chunk_words}/{overlap_words}:{layout}{own}"


def word_count(text: str) -> int:
    """Number of whitespace-separated words."""
    return len(text.split())


def make_splitter(
    *, chunk_words: int = 250, overlap_words: int = 30
) -> RecursiveCharacterTextSplitter:
    """A recursive splitter measuring in words; ValueError for impossible sizes."""
    if chunk_words <= 0:
        raise ValueError(f"chunk_words must be greater than 0. Currently, it is {chunk_words}")
    if overlap_words < 0:
        raise ValueError(f"overlap_words must be 0 or more. Currently, it is {overlap_words}")
    if overlap_words >= chunk_words:
        raise ValueError(
            f"overlap_words ({overlap_words}) must be smaller than chunk_words ({chunk_words})"
        )
    return RecursiveCharacterTextSplitter(
        separators=SEPARATORS,
        keep_separator="end",
        chunk_size=chunk_words,
        chunk_overlap=overlap_words,
        length_function=word_count,
        strip_whitespace=True,
    )


def overview_text(service: Service) -> str:
    """Summary plus keywords, catalogue names and link titles; empty if it would add nothing.

    The catalogue names are the data's own vocabulary for the service (issue 12 item 3):
    the LeiKa names of its LeiKa keys and the OZG-Leistung and Lebenslage they belong to,
    from the OZG implementation catalogue (data/ozg/leika_ozg.csv, ingest/ozg.py).
    """
    lines: list[str] = []
    if service.keywords:
        lines.append("Stichwörter: " + ", ".join(service.keywords))
    if service.source is not SourceKind.OZG:  # catalogue entries say it in their text
        lines.extend(_catalogue_lines(service))
    link_titles = _unique(link.title for link in [*service.online_services, *service.forms])
    if link_titles:
        lines.append("Formulare und Online-Dienste: " + ", ".join(link_titles))
    if not lines and service.sections:
        return ""  # the summary alone repeats the first section
    return "\n".join(([service.summary] if service.summary else []) + lines)


# Sources whose headings are the page's own words ("Für wen ist ein Praktikum sinnvoll?");
# DLDB headings are the fixed fields of the export ("Gebühren"), the same on every service.
_OWN_HEADINGS = frozenset(
    {
        SourceKind.INTEGREAT,
        SourceKind.FOLDER,
        SourceKind.FILES,
        SourceKind.UPLOAD,
        SourceKind.WEB,
    }
)


def card_text(service: Service) -> str:
    """The service's card: breadcrumb and title, its own headings, then the overview.

    One card per service (section "Überblick") says what the whole page is about; the
    retriever scores it as a signal of its own (knowledge/document_fusion.py). Headings
    are taken from pages that have their own (Integreat, folder), not from DLDB fields.
    """
    lines = [" > ".join([*service.breadcrumb, service.title])]
    if service.source in _OWN_HEADINGS:
        headings = (s.title for s in service.sections if s.title != SectionKind.CONTENT.value)
        lines.extend(_unique(headings))
    overview = overview_text(service)
    if overview:
        lines.append(overview)
    return "\n".join(lines)


def merged_text(service: Service) -> str:
    """The page's sections as one text, each heading a line of its own."""
    parts: list[str] = []
    for section in service.sections:
        if not section.text.strip():
            continue
        if section.title != SectionKind.CONTENT.value:
            parts.append(section.title)
        parts.append(section.text)
    return "\n".join(parts)


def chunk_service(
    service: Service,
    *,
    chunk_words: int = 250,
    overlap_words: int = 30,
    merge_sections: bool = False,
    translations: bool = True,
) -> list[Passage]:
    """Split one service into passages, card first, then section by section (or merged).

    With ``translations`` each translation of the document follows with its own card and
    sections, tagged with its language (ids ``<doc_id>#<language><n>``), so a question in
    that language can meet the page in its own words; the document stays one search result.
    """
    splitter = make_splitter(chunk_words=chunk_words, overlap_words=overlap_words)
    versions = [service]
    if translations:
        versions.extend(service.in_language(t.language) for t in service.translations)
    passages: list[Passage] = []
    for version in versions:
        prefix = "" if version.language == service.language else version.language
        pieces = _pieces(version, splitter, merge_sections=merge_sections)
        passages.extend(
            Passage(
                passage_id=f"{service.doc_id}#{prefix}{number}",
                doc_id=service.doc_id,
                tenant=service.tenant,
                title=version.title,
                section=section_name,
                text=text,
                url=version.url,
                updated=version.updated,
                language=version.language,
            )
            for number, (section_name, text) in enumerate(pieces)
        )
    return passages


def _pieces(
    service: Service, splitter: RecursiveCharacterTextSplitter, *, merge_sections: bool
) -> list[tuple[str, str]]:
    """(section name, text) of every chunk of one language version, the card first."""
    pieces = [(CARD_SECTION, chunk) for chunk in splitter.split_text(card_text(service))]
    if merge_sections:
        body = merged_text(service)
        pieces.extend((SectionKind.CONTENT.value, chunk) for chunk in splitter.split_text(body))
    else:
        for section in service.sections:
            if section.text.strip():
                pieces.extend((section.title, chunk) for chunk in splitter.split_text(section.text))
    return pieces


def chunk_services(
    services: Iterable[Service],
    *,
    chunk_words: int = 250,
    overlap_words: int = 30,
    merge_sections: bool = False,
    translations: bool = True,
) -> list[Passage]:
    """Passages of several services, in order."""
    return [
        passage
        for service in services
        for passage in chunk_service(
            service,
            chunk_words=chunk_words,
            overlap_words=overlap_words,
            merge_sections=merge_sections,
            translations=translations,
        )
    ]


def _catalogue_lines(service: Service) -> list[str]:
    """The LeiKa, OZG-Leistung and Lebenslage names of the service's LeiKa keys."""
    labelled = (
        ("Leistung (LeiKa)", _unique(info.leika_name for info in service.ozg)),
        ("Leistung (OZG)", _unique(info.ozg_service for info in service.ozg)),
        ("Lebenslage (OZG)", _unique(info.life_situation for info in service.ozg)),
    )
    return [f"{label}: {', '.join(names)}" for label, names in labelled if names]


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(value for value in values if value))
