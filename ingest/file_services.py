"""Files (documents and FAQ tables) → Services for the index.

A document becomes one Service whose sections are the document's sections; an FAQ
table becomes one Service per row (title: the question; the answer is its section;
other wordings are keywords, so they are searchable on the service's card). Ids are
``<tenant>/<slug of the file name>`` (``<…>--<slug of the question>`` for FAQ rows), or
the id an editor's upload was given, so that re-reading an unchanged file yields the
same ids and hashes and nothing is re-embedded.

What editors set (title, source URL, "valid until", keywords) wins over what the
file says; the "Stand" is the date the document states, else its metadata date,
else the file's modification date.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ingest.documents import check_file, extract_document, is_faq_table
from ingest.extracted import HEADING_JOINER, ExtractedDocument
from ingest.faq_table import FaqEntry, read_faq_table
from ingest.files import read_text
from ingest.folder import slugify
from ingest.headings import section_kind
from ingest.html_text import first_sentences
from ingest.page_metadata import merge_keywords, split_keywords
from knowledge.errors import SourceError
from knowledge.models import Section, SectionKind, Service, SourceKind, make_doc_id

logger = logging.getLogger(__name__)

ANSWER_SECTION = "Antwort"
_NATIVE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$")


@dataclass(frozen=True)
class FileMetadata:
    """What an editor sets for a file; empty values leave the file's own."""

    native_id: str = ""
    title: str = ""
    url: str = ""
    valid_until: date | None = None
    keywords: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.native_id and not _NATIVE_ID.fullmatch(self.native_id):
            raise SourceError(
                f"document id {self.native_id!r} may only contain letters, digits, '.', '_' "
                "and '-' (at most 121 characters)"
            )


@dataclass(frozen=True)
class LoadedFile:
    """The Services one file yields and the extractor's warnings about it."""

    services: list[Service]
    warnings: list[str] = field(default_factory=list)


def file_services(
    path: Path,
    *,
    tenant: str,
    source: SourceKind = SourceKind.FILES,
    metadata: FileMetadata | None = None,
    max_bytes: int,
) -> LoadedFile:
    """The Services one file yields (one for a document, one per row of an FAQ table)."""
    meta = metadata or FileMetadata()
    native_id = meta.native_id or _file_id(path)
    if is_faq_table(path):
        check_file(path, max_bytes=max_bytes)
        entries = read_faq_table(path)
        return LoadedFile(
            faq_services(entries, tenant=tenant, source=source, native_id=native_id, meta=meta)
        )
    document = extract_document(path, max_bytes=max_bytes)
    for warning in document.warnings:
        logger.warning("%s", warning)
    service = document_service(
        document,
        tenant=tenant,
        source=source,
        native_id=native_id,
        meta=meta,
        fallback_title=path.stem.replace("_", " "),
        fallback_date=_mtime(path),
    )
    return LoadedFile([service], document.warnings)


def document_service(
    document: ExtractedDocument,
    *,
    tenant: str,
    source: SourceKind,
    native_id: str,
    meta: FileMetadata,
    fallback_title: str,
    fallback_date: date | None,
) -> Service:
    """One Service from an extracted document and the editor's metadata."""
    built = [
        Section(
            # A chapter's name ("Reisepass – Gebühren") must not decide the kind.
            kind=section_kind(part.heading.split(HEADING_JOINER)[-1], default=SectionKind.CONTENT),
            title=part.heading or SectionKind.CONTENT.value,
            text=part.text,
        )
        for part in document.sections
    ]
    # A tag line ("Schlagworte: …") joins the editor's keywords (ingest/page_metadata.py).
    sections, tags = split_keywords(built)
    if not sections:  # a document of tags only keeps them as its text
        sections, tags = built, []
    return Service(
        doc_id=make_doc_id(tenant, native_id),
        tenant=tenant,
        native_id=native_id,
        source=source,
        title=meta.title or document.title or fallback_title,
        summary=first_sentences(sections[0].text),
        sections=sections,
        keywords=merge_keywords(meta.keywords, tags),
        url=meta.url,
        updated=document.updated or fallback_date,
        valid_until=meta.valid_until,
    )


def faq_services(
    entries: list[FaqEntry],
    *,
    tenant: str,
    source: SourceKind,
    native_id: str,
    meta: FileMetadata,
) -> list[Service]:
    """One Service per FAQ entry; ids ``<native_id>--<question slug>``, unique per table."""
    services: list[Service] = []
    used: set[str] = set()
    for entry in entries:
        entry_id = f"{native_id}--{slugify(entry.question)[:60].strip('-') or entry.row}"
        if entry_id in used:
            entry_id = f"{entry_id}-{entry.row}"
        used.add(entry_id)
        services.append(
            faq_service(entry, tenant=tenant, source=source, native_id=entry_id, meta=meta)
        )
    return services


def faq_service(
    entry: FaqEntry, *, tenant: str, source: SourceKind, native_id: str, meta: FileMetadata
) -> Service:
    """One FAQ entry as a Service: question as title, answer as its only section."""
    return Service(
        doc_id=make_doc_id(tenant, native_id),
        tenant=tenant,
        native_id=native_id,
        source=source,
        title=entry.question,
        summary=first_sentences(entry.answer),
        sections=[Section(kind=SectionKind.CONTENT, title=ANSWER_SECTION, text=entry.answer)],
        keywords=[*entry.variants, *meta.keywords],
        url=entry.url or meta.url,
        updated=entry.updated,
        valid_until=entry.valid_until or meta.valid_until,
    )


class ManifestEntry(BaseModel):
    """One file in a manifest (``govbot ingest files --manifest``), as the console writes it."""

    model_config = ConfigDict(extra="forbid")

    path: str
    id: str = ""
    title: str = ""
    url: str = ""
    valid_until: date | None = None
    keywords: list[str] = Field(default_factory=list)


class Manifest(BaseModel):
    """A list of files with the metadata editors set for each."""

    model_config = ConfigDict(extra="forbid")

    files: list[ManifestEntry]


def read_manifest(path: Path) -> list[tuple[Path, FileMetadata]]:
    """The files a manifest lists (paths relative to the manifest) with their metadata."""
    try:
        manifest = Manifest.model_validate_json(read_text(path, what="Manifest"))
    except ValidationError as exc:
        raise SourceError(f"Manifest {path} is invalid: {exc.errors()[0]['msg']}") from exc
    return [
        (
            path.parent / entry.path,
            FileMetadata(
                native_id=entry.id,
                title=entry.title,
                url=entry.url,
                valid_until=entry.valid_until,
                keywords=entry.keywords,
            ),
        )
        for entry in manifest.files
    ]


def _file_id(path: Path) -> str:
    slug = slugify(path.name.replace(".", "-"))
    if not slug:
        raise SourceError(f"Cannot derive an id from the file name {path.name}; rename the file")
    return slug[:120]


def _mtime(path: Path) -> date:
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC).date()
