"""Editors' own content: upload, preview, four-eyes approval, versions, deletion, audit.

    upload / new version ─▶ pending ──approve (another editor)──▶ live ──newer live──▶ superseded
                               ├──reject (another editor)──▶ rejected
                               └──withdraw (anyone allowed)─▶ withdrawn
    delete document (any editor) ─▶ every version deleted, the document leaves the index

A version goes live only when a second editor approves it (the same four-eyes rule as
curated answers, bot/corrections.py); deleting is allowed to every editor because taking
wrong content offline must never wait. Every step is written to the audit log. FAQ
entries written in the console are stored as a one-row FAQ table and go the same way.
The index follows through ``sync_index`` (bot/services/document_files.py).
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import NotFoundError, StateConflictError
from bot.services import approval, document_files
from bot.services.document_files import ManifestItem
from bot.services.ingest_jobs import IngestJobs
from bot.settings import Settings
from bot.storage import crud
from bot.storage.document_models import Document, DocumentStatus, DocumentVersion, VersionStatus
from bot.storage.models import StaffUser, utcnow
from bot.storage.staff_models import IngestJob
from bot.storage.tenancy import TenantScope, in_scope, within
from bot.understanding.redaction import redact
from knowledge.errors import SourceError

FAQ_HEADER = ("Frage", "Antwort", "Varianten", "Quelle", "gültig bis")


def upload(
    session: Session,
    staff: StaffUser,
    *,
    settings: Settings,
    tenant: str,
    filename: str,
    data: bytes,
    title: str = "",
    url: str = "",
    valid_until: date | None = None,
    keywords: list[str] | None = None,
    document: Document | None = None,
    kind: str = "file",
) -> DocumentVersion:
    """Store a file as a new pending version (of a new document, or of ``document``)."""
    safe_name = document_files.check_upload(filename, len(data), settings)
    if document is None:
        document = Document(tenant=tenant, kind=kind, created_by=staff.username)
        session.add(document)
        session.flush()
    elif document.status == DocumentStatus.DELETED:
        raise StateConflictError(f"document {document.id} is deleted; upload it as a new document")
    number = 1 + max((v.number for v in versions(session, document)), default=0)
    stored = document_files.store_file(
        settings,
        tenant=document.tenant,
        document_id=document.id,
        number=number,
        filename=safe_name,
        data=data,
    )
    version = DocumentVersion(
        document_id=document.id,
        number=number,
        filename=filename[:255],
        stored_path=stored.relative_path,
        size_bytes=stored.size_bytes,
        sha256=stored.sha256,
        title=title.strip(),
        url=url.strip(),
        valid_until=valid_until,
        keywords={"keywords": [k.strip() for k in keywords or [] if k.strip()]},
        preview={},
        author=staff.username,
    )
    try:
        version.preview = document_files.preview(
            settings, tenant=document.tenant, item=_manifest_item(document, version)
        )
    except SourceError as exc:
        stored_file = settings.data_dir / stored.relative_path
        stored_file.unlink(missing_ok=True)  # nothing half-stored
        # The editor knows the file by the name it was uploaded with.
        raise SourceError(str(exc).replace(stored_file.name, filename)) from exc
    session.add(version)
    session.flush()
    _audit(
        session,
        staff,
        "document.uploaded",
        document,
        version,
        filename=version.filename,
        size_bytes=version.size_bytes,
    )
    return version


def write_faq_entry(
    session: Session,
    staff: StaffUser,
    *,
    settings: Settings,
    tenant: str,
    question: str,
    answer: str,
    variants: list[str],
    url: str = "",
    valid_until: date | None = None,
    document: Document | None = None,
) -> DocumentVersion:
    """An FAQ entry written in the console: stored as a one-row FAQ table, then pending."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(FAQ_HEADER)
    writer.writerow(
        [
            question.strip(),
            answer.strip(),
            "; ".join(v.strip() for v in variants if v.strip()),
            url.strip(),
            valid_until.isoformat() if valid_until else "",
        ]
    )
    return upload(
        session,
        staff,
        settings=settings,
        tenant=tenant,
        filename="faq-eintrag.csv",
        data=buffer.getvalue().encode("utf-8"),
        url=url,
        valid_until=valid_until,
        document=document,
        kind="faq",
    )


def update(
    session: Session,
    version: DocumentVersion,
    staff: StaffUser,
    *,
    settings: Settings,
    changes: dict[str, Any],
) -> DocumentVersion:
    """Change title, URL, "valid until" or keywords of a pending version (preview renewed)."""
    _require(version, VersionStatus.PENDING, "edited")
    document = get_document(session, version.document_id)
    for name in ("title", "url"):
        if name in changes:
            setattr(version, name, str(changes[name] or "").strip())
    if "valid_until" in changes:
        version.valid_until = changes["valid_until"]
    if "keywords" in changes:
        version.keywords = {"keywords": [k.strip() for k in changes["keywords"] or [] if k.strip()]}
    version.preview = document_files.preview(
        settings, tenant=document.tenant, item=_manifest_item(document, version)
    )
    session.flush()
    _audit(session, staff, "document.edited", document, version, fields=sorted(changes))
    return version


def approve(session: Session, version: DocumentVersion, staff: StaffUser) -> DocumentVersion:
    """A second editor approves a pending version: it goes live, the previous one is superseded."""
    _require(version, VersionStatus.PENDING, "approved")
    _second_person(version, staff, "approve")
    document = get_document(session, version.document_id)
    for other in versions(session, document):
        if other.status == VersionStatus.LIVE:
            other.status = VersionStatus.SUPERSEDED
            other.closed_by, other.closed_at = staff.username, utcnow()
    version.status = VersionStatus.LIVE
    version.approver, version.approved_at = staff.username, utcnow()
    session.flush()
    _audit(session, staff, "document.approved", document, version, author=version.author)
    return version


def reject(
    session: Session, version: DocumentVersion, staff: StaffUser, reason: str
) -> DocumentVersion:
    """A second editor rejects a pending version."""
    _require(version, VersionStatus.PENDING, "rejected")
    _second_person(version, staff, "reject")
    _close(version, staff, VersionStatus.REJECTED, reason)
    session.flush()
    _audit(
        session,
        staff,
        "document.rejected",
        get_document(session, version.document_id),
        version,
        reason=version.close_reason,
    )
    return version


def withdraw(
    session: Session, version: DocumentVersion, staff: StaffUser, reason: str
) -> DocumentVersion:
    """Withdraw a pending version (its author or any other editor)."""
    _require(version, VersionStatus.PENDING, "withdrawn")
    _close(version, staff, VersionStatus.WITHDRAWN, reason)
    session.flush()
    _audit(
        session,
        staff,
        "document.withdrawn",
        get_document(session, version.document_id),
        version,
        reason=version.close_reason,
    )
    return version


def delete(session: Session, document: Document, staff: StaffUser, reason: str) -> Document:
    """Delete a document: every version goes offline and it leaves the index on the next sync."""
    if document.status == DocumentStatus.DELETED:
        raise StateConflictError(f"document {document.id} is already deleted")
    for version in versions(session, document):
        if version.status in (VersionStatus.PENDING, VersionStatus.LIVE):
            _close(version, staff, VersionStatus.DELETED, reason)
    document.status = DocumentStatus.DELETED
    document.deleted_by, document.deleted_at = staff.username, utcnow()
    session.flush()
    _audit(session, staff, "document.deleted", document, None, reason=redact(reason.strip()).text)
    return document


def sync_index(
    session: Session, jobs: IngestJobs, staff: StaffUser, *, settings: Settings, tenant: str
) -> IngestJob:
    """Write the tenant's manifest of live versions and start the ingest job that syncs it.

    StateConflictError while another ingest job of the tenant runs; the approval or
    deletion is recorded anyway, and the next sync (any approval, deletion or
    ``POST …/documents/sync``) brings the index in line.
    """
    items = [_manifest_item(document, version) for document, version in live(session, tenant)]
    manifest = document_files.write_manifest(settings, tenant=tenant, items=items)
    return jobs.start(
        session, document_files.sync_source(settings, tenant=tenant, manifest=manifest), staff
    )


def live(session: Session, tenant: str) -> list[tuple[Document, DocumentVersion]]:
    """The tenant's live versions with their documents, oldest document first."""
    statement = (
        select(Document, DocumentVersion)
        .join(DocumentVersion, DocumentVersion.document_id == Document.id)
        .where(
            Document.tenant == tenant,
            Document.status == DocumentStatus.ACTIVE,
            DocumentVersion.status == VersionStatus.LIVE,
        )
        .order_by(Document.id)
    )
    return [(document, version) for document, version in session.execute(statement).tuples()]


def list_documents(
    session: Session,
    *,
    tenant: str | None,
    include_deleted: bool = False,
    scope: TenantScope = None,
) -> list[Document]:
    """Documents of the tenants in ``scope``, newest first."""
    statement = select(Document).where(within(Document.tenant, scope)).order_by(Document.id.desc())
    if tenant is not None:
        statement = statement.where(Document.tenant == tenant)
    if not include_deleted:
        statement = statement.where(Document.status == DocumentStatus.ACTIVE)
    return list(session.scalars(statement))


def get_document(session: Session, document_id: int, *, scope: TenantScope = None) -> Document:
    """A document by id among the tenants of ``scope``, else NotFoundError."""
    document = session.get(Document, document_id)
    if document is None or not in_scope(document.tenant, scope):
        raise NotFoundError("document", document_id, "list them with GET /api/v1/staff/documents")
    return document


def get_version(session: Session, document: Document, number: int) -> DocumentVersion:
    """Version ``number`` of ``document``, else NotFoundError."""
    for version in versions(session, document):
        if version.number == number:
            return version
    raise NotFoundError(
        "document version",
        f"{document.id}/v{number}",
        f"document {document.id} has {len(versions(session, document))} version(s)",
    )


def versions(session: Session, document: Document) -> list[DocumentVersion]:
    """All versions of ``document``, oldest first."""
    statement = select(DocumentVersion).where(DocumentVersion.document_id == document.id)
    return list(session.scalars(statement.order_by(DocumentVersion.number)))


def _manifest_item(document: Document, version: DocumentVersion) -> ManifestItem:
    return ManifestItem(
        path=version.stored_path,
        native_id=document.native_id,
        title=version.title,
        url=version.url,
        valid_until=version.valid_until,
        keywords=list(version.keywords.get("keywords", [])),
    )


def _what(version: DocumentVersion) -> str:
    return f"version {version.number} of document {version.document_id}"


def _require(version: DocumentVersion, status: VersionStatus, verb: str) -> None:
    approval.require_status(version.status, status, what=_what(version), kind="versions", verb=verb)


def _second_person(version: DocumentVersion, staff: StaffUser, verb: str) -> None:
    approval.require_second_person(
        version.author, staff, what=_what(version), written="uploaded", verb=verb
    )


def _close(version: DocumentVersion, staff: StaffUser, status: VersionStatus, reason: str) -> None:
    closed = approval.closing(staff, reason)
    version.status = status
    version.closed_by, version.closed_at = closed.by, closed.at
    version.close_reason = closed.reason or None


def _audit(
    session: Session,
    staff: StaffUser,
    action: str,
    document: Document,
    version: DocumentVersion | None,
    **details: Any,
) -> None:
    crud.audit(
        session,
        actor=staff.username,
        action=action,
        target_type="document",
        target_id=document.id,
        details={
            "tenant": document.tenant,
            **({"version": version.number, "sha256": version.sha256} if version else {}),
            **{k: v for k, v in details.items() if v is not None},
        },
        tenant=document.tenant,
    )
