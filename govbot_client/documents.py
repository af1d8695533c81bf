"""The documents endpoints' JSON (editors' uploads and FAQ entries, issue 15).

Served by bot/api/routes/documents.py and read by the staff console, like the other
shared models of this package. Responses ignore unknown fields, as everywhere here.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from govbot_client.staff import IngestJobPublic


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


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
