"""Request bodies of the documents endpoints and the mapping to their shared responses."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import Field

from bot.api.validation import InputModel
from bot.storage.document_models import Document, DocumentVersion
from govbot_client.documents import (
    DocumentChange,
    DocumentPublic,
    EntryPreview,
    IndexUpdate,
    PassagePreview,
    SectionPreview,
    VersionChange,
    VersionPublic,
)

__all__ = [
    "DocumentChange",
    "DocumentPublic",
    "EntryPreview",
    "FaqEntryCreate",
    "IndexUpdate",
    "PassagePreview",
    "Reason",
    "SectionPreview",
    "VersionChange",
    "VersionEdit",
    "VersionPublic",
    "document_public",
    "version_public",
]


class _In(InputModel):
    """Request bodies: unknown fields refused, texts and numbers storable."""


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
