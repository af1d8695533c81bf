"""Tables of editors' own content (issue 15): uploaded documents and FAQ entries, with versions.

- A **Document** is one piece of a tenant's own content: an uploaded file (PDF, DOCX,
  HTML, Markdown, text, an FAQ table) or an FAQ entry written in the console. Its index
  id is ``<tenant>/upload-<id>`` (``…--<question slug>`` for each row of an FAQ table).
- A **DocumentVersion** is one file for that document, with what the editor set (title,
  source URL, "valid until", keywords) and the preview of what was extracted. It is
  ``pending`` until a *second* editor approves it (four-eyes principle, as for curated
  answers); the approved version is ``live`` and the one before it becomes ``superseded``;
  a pending version can be ``rejected`` or ``withdrawn``. Deleting a document takes every
  version offline (``deleted``) and removes it from the index.

Files are kept under ``<data dir>/uploads/<tenant>/<document id>/``; the index is brought
in line by ``govbot ingest files --manifest … --source upload`` (bot/document_sync.py).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base, utcnow


class DocumentStatus(StrEnum):
    """Lifecycle of a document: active until deleted."""

    ACTIVE = "active"
    DELETED = "deleted"


class VersionStatus(StrEnum):
    """Lifecycle of a version (pending → live → superseded; pending → rejected/withdrawn)."""

    PENDING = "pending"
    LIVE = "live"
    SUPERSEDED = "superseded"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    DELETED = "deleted"


class Document(Base):
    """An uploaded document or an FAQ entry of one tenant."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(63), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # "file" or "faq"
    status: Mapped[str] = mapped_column(String(10), default=DocumentStatus.ACTIVE, index=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_by: Mapped[str | None] = mapped_column(String(64), default=None)
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)

    @property
    def native_id(self) -> str:
        """The id under which the document is indexed (``upload-<id>``)."""
        return f"upload-{self.id}"


class DocumentVersion(Base):
    """One version (file and metadata) of a document."""

    __tablename__ = "document_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, … per document
    filename: Mapped[str] = mapped_column(String(255))
    stored_path: Mapped[str] = mapped_column(Text)  # relative to the data directory
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(Text, default="")
    valid_until: Mapped[date | None] = mapped_column(Date, default=None)
    keywords: Mapped[dict[str, Any]] = mapped_column()  # {"keywords": [...]}
    preview: Mapped[dict[str, Any]] = mapped_column()  # `govbot ingest files --preview --json`
    status: Mapped[str] = mapped_column(String(10), default=VersionStatus.PENDING, index=True)
    author: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    approver: Mapped[str | None] = mapped_column(String(64), default=None)
    approved_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_by: Mapped[str | None] = mapped_column(String(64), default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    close_reason: Mapped[str | None] = mapped_column(Text, default=None)
