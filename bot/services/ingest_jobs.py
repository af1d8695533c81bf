"""Re-running a configured ingest source from the staff console, as a ``govbot ingest`` process.

bot/ must not import ingest/ (import-linter: the two are independent), so the API starts
the command line in a child process with the same Python and all of its settings passed
as ``GOVBOT_*`` variables, and ``--json`` to read the run's counts. A
thread per job waits for it and records the outcome in ``ingest_jobs`` and the audit log.
The index switches to the new version only when the run completes (build then switch),
so the API keeps serving the previous version meanwhile; its Retriever picks up the new
one on the next query.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
from datetime import timedelta
from typing import Any

from pydantic import BaseModel, SecretStr
from sqlalchemy.orm import Session, sessionmaker

from bot.errors import NotFoundError, StateConflictError
from bot.settings import IngestSourceSettings, Settings
from bot.storage import crud, staff_crud
from bot.storage.models import StaffUser, utcnow
from bot.storage.staff_models import IngestJob, JobStatus
from bot.storage.tenancy import TenantScope, in_scope

logger = logging.getLogger(__name__)

# The console script's entry point, run by this very interpreter (no PATH lookup).
GOVBOT_COMMAND = [sys.executable, "-c", "from bot.cli.app import main; main()"]
ERROR_TAIL_CHARS = 2000
REPORT_COUNTS = ("added", "updated", "deleted", "unchanged")


def settings_environment(settings: Settings) -> dict[str, str]:
    """Every setting of this API as ``GOVBOT_*`` variables, secrets included, so that the
    child is configured exactly like the API: same index, embedder, database, environment
    (issue 14, finding 7: with only the index settings a production child refused to start
    without its JWT secret, and a PostgreSQL URL was missing)."""
    env: dict[str, str] = {}
    for name, field in type(settings).model_fields.items():
        if field.validation_alias is not None:
            continue  # a flat alias (GOVBOT_DATABASE_URL …), already copied into its section
        value = getattr(settings, name)
        if isinstance(value, BaseModel):
            for inner in type(value).model_fields:
                _put(env, f"GOVBOT_{name.upper()}__{inner.upper()}", getattr(value, inner))
        else:
            _put(env, f"GOVBOT_{name.upper()}", value)
    env["GOVBOT_DATA_DIR"] = str(settings.data_dir.resolve())
    return env


def _put(env: dict[str, str], key: str, value: object) -> None:
    if value is None:
        return
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if isinstance(value, list | dict | BaseModel):
        env[key] = json.dumps(_plain(value))
    else:
        env[key] = str(value)


def _plain(value: object) -> object:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


class IngestJobs:
    """Starts and tracks ingest jobs for the sources in ``settings.knowledge_admin``."""

    def __init__(self, settings: Settings, sessions: sessionmaker[Session]) -> None:
        self._settings = settings
        self._sessions = sessions
        self._threads: dict[int, threading.Thread] = {}

    def source(self, tenant: str, name: str, *, scope: TenantScope = None) -> IngestSourceSettings:
        """The configured source among the tenants of ``scope``, else NotFoundError naming
        the configured ones (of ``scope``)."""
        sources = [s for s in self._settings.knowledge_admin.sources if in_scope(s.tenant, scope)]
        for source in sources:
            if source.tenant == tenant and source.name == name:
                return source
        known = ", ".join(f"{s.tenant}/{s.name}" for s in sources) or "none"
        raise NotFoundError(
            "ingest source",
            f"{tenant}/{name}",
            f"configured sources: {known} (GOVBOT_KNOWLEDGE_ADMIN__SOURCES)",
        )

    def start(self, session: Session, source: IngestSourceSettings, staff: StaffUser) -> IngestJob:
        """Record a running job and start its process (409 while the tenant has one running)."""
        self._expire_abandoned(session, source.tenant)
        running = staff_crud.running_jobs(session, tenant=source.tenant)
        if running:
            raise StateConflictError(
                f"ingest job {running[0].id} for tenant {source.tenant!r} is still running "
                f"(started {running[0].started_at:%Y-%m-%d %H:%M} UTC); wait for it to finish"
            )
        job = staff_crud.add_job(
            session,
            IngestJob(
                tenant=source.tenant,
                source=source.name,
                args={"args": list(source.args)},
                status=JobStatus.RUNNING,
                started_by=staff.username,
                started_at=utcnow(),
            ),
        )
        crud.audit(
            session,
            actor=staff.username,
            action="ingest.started",
            target_type="ingest_job",
            target_id=job.id,
            details={"tenant": source.tenant, "source": source.name},
            tenant=source.tenant,
        )
        session.commit()
        thread = threading.Thread(
            target=self._run, args=(job.id, list(source.args)), name=f"ingest-{job.id}", daemon=True
        )
        self._threads[job.id] = thread
        thread.start()
        return job

    def wait(self, job_id: int, timeout_s: float | None = None) -> None:
        """Block until the job's process has been recorded (tests, shutdown)."""
        thread = self._threads.get(job_id)
        if thread is not None:
            thread.join(timeout_s)

    def _run(self, job_id: int, args: list[str]) -> None:
        command = [*GOVBOT_COMMAND, "ingest", *args, "--json"]
        # The child inherits PATH, HOME etc.; GOVBOT_* comes from our Settings object only,
        # so it ingests into exactly the index this API serves.
        env = {k: v for k, v in os.environ.items() if not k.startswith("GOVBOT_")}
        env |= settings_environment(self._settings)
        logger.info("ingest job %d started: govbot ingest %s", job_id, " ".join(args))
        try:
            done = subprocess.run(
                command,
                env=env,
                capture_output=True,
                text=True,
                timeout=self._settings.knowledge_admin.ingest_timeout_s,
                check=False,
            )
            code, out, err = done.returncode, done.stdout, done.stderr
        except subprocess.TimeoutExpired as exc:
            code, out = -1, ""
            err = f"timed out after {exc.timeout:.0f} s (GOVBOT_KNOWLEDGE_ADMIN__INGEST_TIMEOUT_S)"
        except OSError as exc:
            code, out, err = -1, "", f"could not start govbot ingest: {exc}"
        self._finish(job_id, code, _report(out), err)

    def _finish(self, job_id: int, code: int, report: dict[str, Any] | None, err: str) -> None:
        ok = code == 0 and report is not None
        with self._sessions() as session:
            job = staff_crud.get_job(session, job_id)
            job.status = JobStatus.FINISHED if ok else JobStatus.FAILED
            job.exit_code = code
            job.report = report
            job.error = None if ok else (err.strip()[-ERROR_TAIL_CHARS:] or "no output")
            job.finished_at = utcnow()
            counts: dict[str, Any] = {k: v for k, v in (report or {}).items() if k in REPORT_COUNTS}
            crud.audit(
                session,
                actor=job.started_by,
                action="ingest.finished" if ok else "ingest.failed",
                target_type="ingest_job",
                target_id=job.id,
                details={"tenant": job.tenant, "source": job.source, "exit_code": code, **counts},
                tenant=job.tenant,
            )
            session.commit()
        logger.info("ingest job %d %s (exit code %d)", job_id, "finished" if ok else "failed", code)

    def _expire_abandoned(self, session: Session, tenant: str) -> None:
        """Mark jobs failed whose process cannot be running any more (API restarted)."""
        limit = timedelta(seconds=self._settings.knowledge_admin.ingest_timeout_s + 60)
        for job in staff_crud.running_jobs(session, tenant=tenant):
            alive = job.id in self._threads and self._threads[job.id].is_alive()
            if not alive and (job.id in self._threads or utcnow() - job.started_at > limit):
                job.status = JobStatus.FAILED
                job.error = "abandoned: the API process that ran it stopped"
                job.finished_at = utcnow()
        session.flush()


def _report(stdout: str) -> dict[str, Any] | None:
    """The JSON report printed by ``govbot ingest … --json`` (the last JSON object)."""
    start = stdout.find("{")
    if start < 0:
        return None
    try:
        value = json.loads(stdout[start:])
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None
