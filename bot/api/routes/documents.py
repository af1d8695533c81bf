"""Staff endpoints for editors' own content: upload files, write FAQ entries, approve, delete.

Editors (and admins) only, each for their own tenants (another tenant's document answers
404, issue 14 item 10). An upload answers with the preview of what was extracted; it
goes live when a second editor approves it, which starts the ingest job that syncs the
tenant's live documents into the index (bot/services/documents.py). Deleting starts the same job.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile, status
from sqlalchemy.orm import Session

from bot.api.deps import SessionDep, SettingsDep, require_role
from bot.api.document_schemas import (
    DocumentChange,
    DocumentPublic,
    FaqEntryCreate,
    IndexUpdate,
    Reason,
    VersionChange,
    VersionEdit,
    VersionPublic,
    document_public,
    version_public,
)
from bot.api.routes.knowledge_admin import IngestJobsDep
from bot.api.schemas import error_responses
from bot.api.staff_schemas import job_public
from bot.api.validation import RecordId
from bot.errors import StateConflictError
from bot.services import documents
from bot.services.ingest_jobs import IngestJobs
from bot.settings import Settings
from bot.storage.document_models import Document, DocumentVersion
from bot.storage.models import StaffRole, StaffUser
from bot.storage.tenancy import not_yours, scope_of
from knowledge.errors import UnknownTenantError
from knowledge.models import validate_tenant_slug

router = APIRouter(prefix="/api/v1/staff/documents", tags=["documents"])

ERRORS = error_responses(401, 403, 404, 409, 413, 422)
EditorDep = Annotated[StaffUser, Depends(require_role(StaffRole.EDITOR))]
MAX_KEYWORDS = 50


def _tenant(request: Request, staff: StaffUser, tenant: str) -> str:
    if not staff.can_see(tenant):
        raise UnknownTenantError(not_yours(tenant, staff))
    try:
        validate_tenant_slug(tenant)
    except ValueError as exc:
        raise UnknownTenantError(str(exc)) from exc
    known = set(request.app.state.known_tenants())
    settings: Settings = request.app.state.settings
    known |= {source.tenant for source in settings.knowledge_admin.sources}
    if tenant not in known:
        raise UnknownTenantError(f"tenant {tenant!r} is not served by this deployment")
    return tenant


def _keywords(value: str) -> list[str]:
    words = [word.strip() for word in value.split(",") if word.strip()]
    return words[:MAX_KEYWORDS]


def _sync(
    session: SessionDep, jobs: IngestJobs, staff: StaffUser, settings: Settings, tenant: str
) -> IndexUpdate:
    try:
        job = documents.sync_index(session, jobs, staff, settings=settings, tenant=tenant)
    except StateConflictError as exc:
        return IndexUpdate(job=None, note=f"{exc}; the index is updated by the next sync")
    return IndexUpdate(job=job_public(job))


def _version(session: Session, staff: StaffUser, document_id: int, number: int) -> DocumentVersion:
    """Version ``number`` of a document of the staff member's tenants (else 404)."""
    document = documents.get_document(session, document_id, scope=scope_of(staff))
    return documents.get_version(session, document, number)


# documents.reject and documents.withdraw: (session, version, staff, reason) -> version
VersionCloser = Callable[[Session, DocumentVersion, StaffUser, str], DocumentVersion]


def _closing_endpoint(close: VersionCloser, doc: str) -> Callable[..., VersionChange]:
    """The endpoint that closes a pending version with ``close`` (reject or withdraw)."""

    def close_version(
        document_id: RecordId, number: RecordId, body: Reason, session: SessionDep, staff: EditorDep
    ) -> VersionChange:
        version = _version(session, staff, document_id, number)
        close(session, version, staff, body.reason)
        session.commit()
        return VersionChange(version=version_public(version))

    close_version.__doc__ = doc
    return close_version


def _document_public(session: SessionDep, document: Document) -> DocumentPublic:
    return document_public(document, documents.versions(session, document))


@router.get("", responses=ERRORS)
def list_documents(
    session: SessionDep, staff: EditorDep, tenant: str | None = None, deleted: bool = False
) -> list[DocumentPublic]:
    """Documents and FAQ entries, newest first, with their versions."""
    found = documents.list_documents(
        session, tenant=tenant, include_deleted=deleted, scope=scope_of(staff)
    )
    return [_document_public(session, document) for document in found]


# Plain `def` routes: reading a file runs a child process, which must not block the event loop.
@router.post("", status_code=status.HTTP_201_CREATED, responses=ERRORS)
def upload_document(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    staff: EditorDep,
    file: Annotated[UploadFile, File(description="PDF, DOCX, HTML, Markdown, text, CSV, XLSX")],
    tenant: Annotated[str, Form()],
    title: Annotated[str, Form(max_length=300)] = "",
    url: Annotated[str, Form(max_length=2000, pattern=r"^(https?://\S+)?$")] = "",
    valid_until: Annotated[date | None, Form()] = None,
    keywords: Annotated[str, Form(max_length=2000)] = "",
) -> VersionPublic:
    """Upload a file as a new document; answers with the preview (pending until approved)."""
    data = file.file.read()
    version = documents.upload(
        session,
        staff,
        settings=settings,
        tenant=_tenant(request, staff, tenant),
        filename=file.filename or "upload",
        data=data,
        title=title,
        url=url,
        valid_until=valid_until,
        keywords=_keywords(keywords),
    )
    session.commit()
    return version_public(version)


@router.post("/faq", status_code=status.HTTP_201_CREATED, responses=ERRORS)
def write_faq_entry(
    request: Request,
    body: FaqEntryCreate,
    session: SessionDep,
    settings: SettingsDep,
    staff: EditorDep,
) -> VersionPublic:
    """Write an FAQ entry (question variants, answer, source, valid until); pending."""
    version = documents.write_faq_entry(
        session,
        staff,
        settings=settings,
        tenant=_tenant(request, staff, body.tenant),
        question=body.question,
        answer=body.answer,
        variants=body.variants,
        url=body.url,
        valid_until=body.valid_until,
    )
    session.commit()
    return version_public(version)


@router.get("/{document_id}", responses=ERRORS)
def get_document(document_id: RecordId, session: SessionDep, staff: EditorDep) -> DocumentPublic:
    """One document with all versions and their previews."""
    return _document_public(
        session, documents.get_document(session, document_id, scope=scope_of(staff))
    )


@router.post("/{document_id}/versions", status_code=status.HTTP_201_CREATED, responses=ERRORS)
def replace_document(
    document_id: RecordId,
    session: SessionDep,
    settings: SettingsDep,
    staff: EditorDep,
    file: Annotated[UploadFile, File()],
    title: Annotated[str, Form(max_length=300)] = "",
    url: Annotated[str, Form(max_length=2000, pattern=r"^(https?://\S+)?$")] = "",
    valid_until: Annotated[date | None, Form()] = None,
    keywords: Annotated[str, Form(max_length=2000)] = "",
) -> VersionPublic:
    """Upload a new version of a document (replaces the live one once approved)."""
    document = documents.get_document(session, document_id, scope=scope_of(staff))
    version = documents.upload(
        session,
        staff,
        settings=settings,
        tenant=document.tenant,
        filename=file.filename or "upload",
        data=file.file.read(),
        title=title,
        url=url,
        valid_until=valid_until,
        keywords=_keywords(keywords),
        document=document,
    )
    session.commit()
    return version_public(version)


@router.patch("/{document_id}/versions/{number}", responses=ERRORS)
def edit_version(
    document_id: RecordId,
    number: RecordId,
    body: VersionEdit,
    session: SessionDep,
    settings: SettingsDep,
    staff: EditorDep,
) -> VersionPublic:
    """Set title, source URL, "valid until" or keywords of a pending version."""
    version = _version(session, staff, document_id, number)
    changes = body.model_dump(exclude_unset=True)
    documents.update(session, version, staff, settings=settings, changes=changes)
    session.commit()
    return version_public(version)


@router.post("/{document_id}/versions/{number}/approve", responses=ERRORS)
def approve_version(
    document_id: RecordId,
    number: RecordId,
    session: SessionDep,
    settings: SettingsDep,
    jobs: IngestJobsDep,
    staff: EditorDep,
) -> VersionChange:
    """Approve another editor's version: it goes live and the index is synced."""
    document = documents.get_document(session, document_id, scope=scope_of(staff))
    version = documents.approve(session, documents.get_version(session, document, number), staff)
    session.commit()
    index = _sync(session, jobs, staff, settings, document.tenant)
    return VersionChange(version=version_public(version), index=index)


router.post("/{document_id}/versions/{number}/reject", name="reject_version", responses=ERRORS)(
    _closing_endpoint(documents.reject, "Reject another editor's pending version.")
)
router.post("/{document_id}/versions/{number}/withdraw", name="withdraw_version", responses=ERRORS)(
    _closing_endpoint(documents.withdraw, "Withdraw a pending version.")
)


@router.delete("/{document_id}", responses=ERRORS)
def delete_document(
    document_id: RecordId,
    session: SessionDep,
    settings: SettingsDep,
    jobs: IngestJobsDep,
    staff: EditorDep,
    reason: str = "",
) -> DocumentChange:
    """Delete a document (every version); the sync removes it from the index."""
    document = documents.delete(
        session,
        documents.get_document(session, document_id, scope=scope_of(staff)),
        staff,
        reason[:1000],
    )
    session.commit()
    index = _sync(session, jobs, staff, settings, document.tenant)
    return DocumentChange(document=_document_public(session, document), index=index)


@router.post("/sync", responses=ERRORS)
def sync_documents(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    jobs: IngestJobsDep,
    staff: EditorDep,
    tenant: str,
) -> IndexUpdate:
    """Bring the index in line with the tenant's live documents (after a failed or skipped sync)."""
    index = _sync(session, jobs, staff, settings, _tenant(request, staff, tenant))
    if index.job is None:
        raise StateConflictError(index.note)
    return index
