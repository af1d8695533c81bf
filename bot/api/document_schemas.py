"""HTTP schemas of the documents endpoints (editors' uploads and FAQ entries), mapped explicitly."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from bot.api.staff_schemas import IngestJobPublic
from bot.storage.document_models import Document, DocumentVersion


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SectionPreview(_Out):
    """A section as extracted from the file."""

    title: str
    text: str


class PassagePreview(_Out):
    """A passage as it will be searched."""

    section: str
    text: str


class EntryPreview(_Out):
    """One entry the file puts in the index (a document, or one FAQ row)."""

    doc_id: str
    title: str
    url: str
    updated: date | None
    valid_until: date | None
    keywords: list[str]
    sections: list[SectionPreview]
    passages: list[PassagePreview]


class VersionPublic(_Out):
    """One version of a document, with the preview of what goes live on approval."""

    document_id: int
    number: int
    filename: str
    size_bytes: int
    sha256: str
    title: str
    url: str
    valid_until: date | None
    keywords: list[str]
    status: str
    author: str
    created_at: datetime
    approver: str | None
    approved_at: datetime | None
    closed_by: str | None
    closed_at: datetime | None
    close_reason: str | None
    entries: list[EntryPreview]
    warnings: list[str]


class DocumentPublic(_Out):
    """A document with all its versions, newest first."""

    id: int
    tenant: str
    kind: str
    status: str
    created_by: str
    created_at: datetime
    deleted_by: str | None
    deleted_at: datetime | None
    title: str  # of the live version, else of the newest
    live_version: int | None
    pending_versions: list[int]
    versions: list[VersionPublic]


class IndexUpdate(_Out):
    """The ingest job that brings the index in line, or why none was started."""

    job: IngestJobPublic | None
    note: str = ""


class VersionChange(_Out):
    """A version after approval (or another change) and the index update it started."""

    version: VersionPublic
    index: IndexUpdate | None = None


class DocumentChange(_Out):
    """A document after deletion and the index update that removes it."""

    document: DocumentPublic
    index: IndexUpdate


class VersionEdit(_In):
    """New metadata for a pending version (only the fields given change)."""

    title: str | None = Field(default=None, max_length=300)
    url: str | None = Field(default=None, max_length=2000, pattern=r"^(https?://\S+)?$")
    valid_until: date | None = None
    keywords: list[str] | None = Field(default=None, max_length=50)


class Reason(_In):
    """Why a version is rejected or withdrawn, or a document deleted."""

    reason: str = Field(default="", max_length=1000)


class FaqEntryCreate(_In):
    """An FAQ entry written in the console."""

    tenant: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    question: str = Field(min_length=3, max_length=500)
    answer: str = Field(min_length=3, max_length=10_000)
    variants: list[str] = Field(default_factory=list, max_length=30)
    url: str = Field(default="", max_length=2000, pattern=r"^(https?://\S+)?$")
    valid_until: date | None = None


def version_public(version: DocumentVersion) -> VersionPublic:
    """A stored version with its preview."""
    preview: dict[str, Any] = version.preview or {}
    return VersionPublic(
        document_id=version.document_id,
        number=version.number,
        filename=version.filename,
        size_bytes=version.size_bytes,
        sha256=version.sha256,
        title=version.title,
        url=version.url,
        valid_until=version.valid_until,
        keywords=list(version.keywords.get("keywords", [])),
        status=version.status,
        author=version.author,
        created_at=version.created_at,
        approver=version.approver,
        approved_at=version.approved_at,
        closed_by=version.closed_by,
        closed_at=version.closed_at,
        close_reason=version.close_reason,
        entries=[EntryPreview.model_validate(entry) for entry in preview.get("documents", [])],
        warnings=[str(w) for w in preview.get("warnings", [])],
    )


def document_public(document: Document, versions: list[DocumentVersion]) -> DocumentPublic:
    """A stored document with its versions (newest first)."""
    live = next((v for v in versions if v.status == "live"), None)
    shown = live or (versions[-1] if versions else None)
    entries = (shown.preview or {}).get("documents", []) if shown else []
    title = (shown.title if shown and shown.title else "") or (
        str(entries[0]["title"]) if entries else (shown.filename if shown else "")
    )
    return DocumentPublic(
        id=document.id,
        tenant=document.tenant,
        kind=document.kind,
        status=document.status,
        created_by=document.created_by,
        created_at=document.created_at,
        deleted_by=document.deleted_by,
        deleted_at=document.deleted_at,
        title=title,
        live_version=live.number if live else None,
        pending_versions=[v.number for v in versions if v.status == "pending"],
        versions=[version_public(v) for v in reversed(versions)],
    )
