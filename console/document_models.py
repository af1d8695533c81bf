"""The documents API's responses as the console reads them (its own copies: no import of bot/)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from govbot_client.staff import IngestJobPublic as IngestJob


class _Api(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class SectionPreview(_Api):
    """A section as extracted."""

    title: str
    text: str


class PassagePreview(_Api):
    """A passage as it will be searched."""

    section: str
    text: str


class EntryPreview(_Api):
    """One entry a file puts in the index."""

    doc_id: str
    title: str
    url: str
    updated: date | None
    valid_until: date | None
    keywords: list[str] = Field(default_factory=list)
    sections: list[SectionPreview] = Field(default_factory=list)
    passages: list[PassagePreview] = Field(default_factory=list)


class DocumentVersion(_Api):
    """One version of a document with its preview."""

    document_id: int
    number: int
    filename: str
    size_bytes: int
    title: str
    url: str
    valid_until: date | None
    keywords: list[str] = Field(default_factory=list)
    status: str
    author: str
    created_at: datetime
    approver: str | None = None
    approved_at: datetime | None = None
    close_reason: str | None = None
    entries: list[EntryPreview] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)


class Document(_Api):
    """A document (or FAQ entry) with its versions, newest first."""

    id: int
    tenant: str
    kind: str
    status: str
    created_by: str
    created_at: datetime
    title: str
    live_version: int | None
    pending_versions: list[int] = Field(default_factory=list)
    versions: list[DocumentVersion] = Field(default_factory=list)


class IndexUpdate(_Api):
    """The ingest job that brings the index in line, or why none was started."""

    job: IngestJob | None
    note: str = ""


class VersionChange(_Api):
    """A version after a change, with the index update it started."""

    version: DocumentVersion
    index: IndexUpdate | None = None


class DocumentChange(_Api):
    """A deleted document with the index update that removes it."""

    document: Document
    index: IndexUpdate
