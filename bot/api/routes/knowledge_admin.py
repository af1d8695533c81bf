"""Staff endpoints for the knowledge base (editors): services and their Stand, stale content,
ingest runs, and re-running a configured source's ingest (``govbot ingest`` in a process).

Each editor sees and re-runs the knowledge of their own tenants (issue 14, item 10).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import ValidationError

from bot.api.deps import BulkLimit, Offset, SessionDep, SettingsDep, require_role
from bot.api.schemas import error_responses
from bot.api.staff_schemas import (
    IngestJobPublic,
    IngestSourcePublic,
    KnowledgeOverview,
    ServiceRow,
    SourceSummary,
    SyncRunPublic,
    TenantKnowledge,
    job_public,
)
from bot.api.validation import RecordId
from bot.services.ingest_jobs import IngestJobs
from bot.services.knowledge_base import Catalogue, CatalogueEntry, read_runs
from bot.storage import staff_crud
from bot.storage.models import StaffRole, StaffUser
from bot.storage.tenancy import scope_of

router = APIRouter(prefix="/api/v1/staff/knowledge", tags=["knowledge"])

ERRORS = error_responses(401, 403, 404, 409, 422)
EditorDep = Annotated[StaffUser, Depends(require_role(StaffRole.EDITOR))]
_STATE_LOCK = threading.Lock()  # guards the lazy creation of the two app.state objects below


def get_catalogue(request: Request) -> Catalogue:
    """The app's service catalogue (created on first use, over the app's retriever)."""
    with _STATE_LOCK:
        if not hasattr(request.app.state, "catalogue"):
            request.app.state.catalogue = Catalogue(request.app.state.retriever)
    catalogue: Catalogue = request.app.state.catalogue
    return catalogue


def get_ingest_jobs(request: Request) -> IngestJobs:
    """The app's ingest job runner (created on first use)."""
    with _STATE_LOCK:
        if not hasattr(request.app.state, "ingest_jobs"):
            state = request.app.state
            state.ingest_jobs = IngestJobs(state.settings, state.sessions)
    jobs: IngestJobs = request.app.state.ingest_jobs
    return jobs


CatalogueDep = Annotated[Catalogue, Depends(get_catalogue)]
IngestJobsDep = Annotated[IngestJobs, Depends(get_ingest_jobs)]


def _today() -> date:
    return datetime.now(UTC).date()


@router.get("/overview", responses=ERRORS)
def overview(catalogue: CatalogueDep, settings: SettingsDep, staff: EditorDep) -> KnowledgeOverview:
    """Per tenant: services, stale ones, and per source kind the oldest and newest Stand."""
    after = settings.knowledge_admin.stale_after_days
    today = _today()
    meta = catalogue.meta()
    by_tenant: dict[str, list[CatalogueEntry]] = defaultdict(list)
    for entry in catalogue.entries():
        if staff.can_see(entry.tenant):
            by_tenant[entry.tenant].append(entry)
    tenants = []
    for tenant in sorted(by_tenant):
        entries = by_tenant[tenant]
        by_source: dict[str, list[CatalogueEntry]] = defaultdict(list)
        for entry in entries:
            by_source[entry.source].append(entry)
        sources = []
        for source in sorted(by_source):
            dates = [e.updated for e in by_source[source] if e.updated]
            sources.append(
                SourceSummary(
                    source=source,
                    services=len(by_source[source]),
                    stale=sum(e.stale(today, after_days=after) for e in by_source[source]),
                    oldest=min(dates, default=None),
                    newest=max(dates, default=None),
                )
            )
        tenants.append(
            TenantKnowledge(
                tenant=tenant,
                services=len(entries),
                stale=sum(e.stale(today, after_days=after) for e in entries),
                without_date=sum(e.updated is None for e in entries),
                sources=sources,
            )
        )
    return KnowledgeOverview(
        available=meta is not None,
        index_version=meta.version if meta else None,
        embedder=meta.embedder.name if meta else None,
        index_created=meta.created if meta else None,
        stale_after_days=after,
        tenants=tenants,
    )


@router.get("/services", responses=ERRORS)
def list_services(
    catalogue: CatalogueDep,
    settings: SettingsDep,
    staff: EditorDep,
    tenant: str | None = None,
    source: str | None = None,
    stale: bool | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    limit: BulkLimit = 500,
    offset: Offset = 0,
) -> list[ServiceRow]:
    """Services with their Stand, the oldest first; ``stale=true`` keeps the outdated ones."""
    after = settings.knowledge_admin.stale_after_days
    today = _today()
    needle = q.casefold().strip() if q else ""
    rows = [
        ServiceRow(
            doc_id=e.doc_id,
            tenant=e.tenant,
            title=e.title,
            source=e.source,
            updated=e.updated,
            age_days=e.age_days(today),
            stale=e.stale(today, after_days=after),
            url=e.url,
            valid_until=e.valid_until,
            expired=e.expired(today),
        )
        for e in catalogue.entries(tenant)
        if staff.can_see(e.tenant)
        and (source is None or e.source == source)
        and (not needle or needle in e.title.casefold() or needle in e.doc_id)
    ]
    if stale is not None:
        rows = [r for r in rows if r.stale == stale]
    rows.sort(key=lambda r: (r.updated or date.min, r.doc_id))
    return rows[offset : offset + limit]


@router.get("/runs", responses=ERRORS)
def list_runs(
    settings: SettingsDep, staff: EditorDep, tenant: str | None = None, limit: BulkLimit = 100
) -> list[SyncRunPublic]:
    """Completed ingest runs with their counts, newest first (CLI and console runs alike)."""
    runs = []
    for raw in read_runs(settings):
        if tenant is not None and raw.get("tenant") != tenant:
            continue
        if not staff.can_see(str(raw.get("tenant", ""))):
            continue
        try:
            runs.append(SyncRunPublic.model_validate(raw))
        except ValidationError:
            continue  # a line written by an older or newer ingest version
    return runs[:limit]


@router.get("/sources", responses=ERRORS)
def list_sources(
    session: SessionDep, settings: SettingsDep, staff: EditorDep
) -> list[IngestSourcePublic]:
    """The sources that can be re-ingested from the console, each with its newest job."""
    result = []
    for source in settings.knowledge_admin.sources:
        if not staff.can_see(source.tenant):
            continue
        jobs = [
            j
            for j in staff_crud.list_jobs(session, tenant=source.tenant, limit=50)
            if j.source == source.name
        ]
        result.append(
            IngestSourcePublic(
                tenant=source.tenant,
                name=source.name,
                description=source.description,
                args=list(source.args),
                last_job=job_public(jobs[0]) if jobs else None,
            )
        )
    return result


@router.post("/sources/{tenant}/{name}/ingest", status_code=202, responses=ERRORS)
def rerun_source(
    tenant: str, name: str, session: SessionDep, jobs: IngestJobsDep, staff: EditorDep
) -> IngestJobPublic:
    """Start ``govbot ingest`` for a configured source; poll the job for its outcome."""
    job = jobs.start(session, jobs.source(tenant, name, scope=scope_of(staff)), staff)
    return job_public(job)


@router.get("/jobs", responses=ERRORS)
def list_jobs(
    session: SessionDep, staff: EditorDep, tenant: str | None = None, limit: BulkLimit = 100
) -> list[IngestJobPublic]:
    """Ingest jobs started from the console, newest first."""
    found = staff_crud.list_jobs(session, tenant=tenant, scope=scope_of(staff), limit=limit)
    return [job_public(j) for j in found]


@router.get("/jobs/{job_id}", responses=ERRORS)
def get_job(job_id: RecordId, session: SessionDep, staff: EditorDep) -> IngestJobPublic:
    """One ingest job."""
    return job_public(staff_crud.get_job(session, job_id, scope=scope_of(staff)))
