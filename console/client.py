"""Typed client of the dialogue service's staff API: the console's only way to the data.

Every method returns console/models.py objects or raises a console/errors.py error:
no connection → ApiUnreachable ("API nicht erreichbar unter <url>"), 401 → SessionExpired
(LoginFailed at login), 403 → Forbidden, any other error status → ApiError with the
API's own message.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from types import TracebackType
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, TypeAdapter

from console.document_models import Document, DocumentChange, DocumentVersion, VersionChange
from console.errors import ApiError, ApiUnreachable, Forbidden, LoginFailed, SessionExpired
from console.models import (
    AuditPage,
    AuditVocabulary,
    ContentGap,
    Correction,
    EvalCase,
    EvalRun,
    EvalRunDetail,
    Handoff,
    HandoffAnswer,
    HandoffDetail,
    Health,
    IngestJob,
    IngestSource,
    Insights,
    KnowledgeOverview,
    Login,
    PostedMessage,
    Review,
    ReviewedAnswer,
    ServiceRow,
    Staff,
    SyncRun,
)

M = TypeVar("M", bound=BaseModel)
Params = Mapping[str, str | int | float | bool | datetime | None]


class ApiClient:
    """One staff user's connection to the API (``token`` None before login)."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        timeout_s: float = 15.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(
            base_url=self.base_url, headers=headers, timeout=timeout_s, transport=transport
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # --- transport ----------------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        files: Mapping[str, tuple[str, bytes]] | None = None,
        timeout_s: float | None = None,
    ) -> httpx.Response:
        query = {k: _param(v) for k, v in (params or {}).items() if v is not None and v != ""}
        try:
            response = self._http.request(
                method,
                path,
                params=query,
                json=json,
                data=data,
                files=files,
                timeout=timeout_s if timeout_s is not None else self._http.timeout,
            )
        except httpx.TimeoutException as exc:
            raise ApiUnreachable(self.base_url, "keine Antwort in der Zeit") from exc
        except httpx.TransportError as exc:
            raise ApiUnreachable(self.base_url) from exc
        if response.status_code >= 400:
            raise _error(response)
        return response

    def _get(self, path: str, model: type[M], params: Params | None = None) -> M:
        return model.model_validate(self._request("GET", path, params=params).json())

    def _list(self, path: str, model: type[M], params: Params | None = None) -> list[M]:
        adapter = TypeAdapter(list[model])  # type: ignore[valid-type]
        result: list[M] = adapter.validate_python(self._request("GET", path, params=params).json())
        return result

    def _post(self, path: str, model: type[M], json: Any = None) -> M:
        return model.model_validate(self._request("POST", path, json=json).json())

    # --- session ------------------------------------------------------------------------

    def login(self, username: str, password: str) -> Login:
        """Exchange credentials for a token (LoginFailed on wrong credentials)."""
        try:
            response = self._request(
                "POST", "/api/v1/auth/token", data={"username": username, "password": password}
            )
        except SessionExpired as exc:
            raise LoginFailed() from exc
        return Login.model_validate(response.json())

    def me(self) -> Staff:
        """Who the token belongs to."""
        return self._get("/api/v1/staff/me", Staff)

    def health(self) -> Health:
        """Readiness and the index's tenants (a degraded API answers 503 with a body)."""
        try:
            response = self._http.get("/health")
        except httpx.TransportError as exc:
            raise ApiUnreachable(self.base_url) from exc
        body = response.json()
        index = body.get("index") or {}
        return Health(
            status=body.get("status", "unknown"),
            database=body.get("database", "unknown"),
            tenants=index.get("tenants", []),
            index_version=index.get("version"),
        )

    # --- handoffs -----------------------------------------------------------------------

    def handoffs(self, status: str | None = None, tenant: str | None = None) -> list[Handoff]:
        """Escalations, the longest waiting first."""
        return self._list("/api/v1/staff/handoffs", Handoff, {"status": status, "tenant": tenant})

    def handoff(self, handoff_id: int) -> HandoffDetail:
        """One escalation with transcript and sources."""
        return self._get(f"/api/v1/staff/handoffs/{handoff_id}", HandoffDetail)

    def handoff_answers(self, handoff_id: int) -> list[HandoffAnswer]:
        """The bot's answers in the conversation, with their cited sources."""
        return self._list(f"/api/v1/staff/handoffs/{handoff_id}/answers", HandoffAnswer)

    def claim(self, handoff_id: int) -> HandoffDetail:
        """Take the conversation over."""
        return self._post(f"/api/v1/staff/handoffs/{handoff_id}/claim", HandoffDetail)

    def reply(self, handoff_id: int, text: str) -> PostedMessage:
        """Write to the citizen."""
        return self._post(
            f"/api/v1/staff/handoffs/{handoff_id}/reply", PostedMessage, {"text": text}
        )

    def release(self, handoff_id: int) -> Handoff:
        """Hand the conversation back to the bot."""
        return self._post(f"/api/v1/staff/handoffs/{handoff_id}/release", Handoff)

    def close_handoff(self, handoff_id: int, outcome: str) -> Handoff:
        """Close with an outcome."""
        return self._post(
            f"/api/v1/staff/handoffs/{handoff_id}/close", Handoff, {"outcome": outcome}
        )

    # --- answer review ------------------------------------------------------------------

    def review_answers(self, **filters: str | float | datetime | None) -> list[ReviewedAnswer]:
        """Answers with verdicts (filters: status, tenant, since, until, feedback,
        min_confidence, max_confidence, review, limit, offset)."""
        return self._list("/api/v1/staff/review/answers", ReviewedAnswer, filters)

    def mark(self, answer_id: int, verdict: str, note: str | None = None) -> Review:
        """Mark an answer ``correct`` or ``wrong``."""
        return self._post(
            f"/api/v1/staff/review/answers/{answer_id}/verdict",
            Review,
            {"verdict": verdict, "note": note or None},
        )

    def corrections(self, status: str | None = None, tenant: str | None = None) -> list[Correction]:
        """Corrections, newest first."""
        return self._list(
            "/api/v1/staff/review/corrections", Correction, {"status": status, "tenant": tenant}
        )

    def create_correction(
        self,
        *,
        question: str,
        text: str,
        answer_id: int | None = None,
        tenant: str | None = None,
        doc_ids: list[str] | None = None,
    ) -> Correction:
        """Write a correction (pending until a second editor approves)."""
        body = {
            "question": question,
            "text": text,
            "answer_id": answer_id,
            "tenant": tenant,
            "doc_ids": doc_ids,
        }
        return self._post("/api/v1/staff/review/corrections", Correction, body)

    def approve(self, correction_id: int) -> Correction:
        """Approve another editor's correction."""
        return self._post(f"/api/v1/staff/review/corrections/{correction_id}/approve", Correction)

    def reject(self, correction_id: int, reason: str) -> Correction:
        """Reject another editor's pending correction."""
        return self._post(
            f"/api/v1/staff/review/corrections/{correction_id}/reject",
            Correction,
            {"reason": reason},
        )

    def withdraw(self, correction_id: int, reason: str) -> Correction:
        """Withdraw a pending or approved correction."""
        return self._post(
            f"/api/v1/staff/review/corrections/{correction_id}/withdraw",
            Correction,
            {"reason": reason},
        )

    # --- knowledge base -----------------------------------------------------------------

    def knowledge(self) -> KnowledgeOverview:
        """Index, tenants, sources and stale counts."""
        return self._get("/api/v1/staff/knowledge/overview", KnowledgeOverview)

    def services(self, **filters: str | bool | int | None) -> list[ServiceRow]:
        """Services with their Stand (filters: tenant, source, stale, q, limit, offset)."""
        return self._list("/api/v1/staff/knowledge/services", ServiceRow, filters)

    def sync_runs(self, tenant: str | None = None) -> list[SyncRun]:
        """Completed ingest runs, newest first."""
        return self._list("/api/v1/staff/knowledge/runs", SyncRun, {"tenant": tenant})

    def sources(self) -> list[IngestSource]:
        """Re-runnable sources."""
        return self._list("/api/v1/staff/knowledge/sources", IngestSource)

    def rerun(self, tenant: str, name: str) -> IngestJob:
        """Start the ingest of a configured source."""
        return self._post(f"/api/v1/staff/knowledge/sources/{tenant}/{name}/ingest", IngestJob)

    def jobs(self, tenant: str | None = None) -> list[IngestJob]:
        """Ingest jobs started from the console."""
        return self._list("/api/v1/staff/knowledge/jobs", IngestJob, {"tenant": tenant})

    # --- insights -----------------------------------------------------------------------

    def insights(self, *, tenant: str | None = None, days: int = 30) -> Insights:
        """Aggregates over the last ``days`` days."""
        return self._get("/api/v1/staff/insights", Insights, {"tenant": tenant, "days": days})

    def gaps(self, *, tenant: str | None = None, days: int = 30) -> list[ContentGap]:
        """Unanswered and low-confidence questions, grouped."""
        return self._list(
            "/api/v1/staff/insights/gaps", ContentGap, {"tenant": tenant, "days": days}
        )

    # --- evaluation ---------------------------------------------------------------------

    def eval_runs(self, set_name: str | None = None) -> list[EvalRun]:
        """Evaluation runs, newest first."""
        return self._list("/api/v1/staff/eval/runs", EvalRun, {"set": set_name})

    def eval_run(self, run_id: int) -> EvalRunDetail:
        """One run with settings and breakdowns."""
        return self._get(f"/api/v1/staff/eval/runs/{run_id}", EvalRunDetail)

    def eval_cases(self, run_id: int, *, failed: bool = False) -> list[EvalCase]:
        """A run's case results in set order."""
        return self._list(
            f"/api/v1/staff/eval/runs/{run_id}/cases",
            EvalCase,
            {"failed": failed, "limit": 1000},
        )

    def eval_report(self, run_id: int) -> bytes | None:
        """The run's HTML report if the API offers one (None when it does not)."""
        try:
            return self._request("GET", f"/api/v1/staff/eval/runs/{run_id}/report").content
        except ApiError as exc:
            if exc.status in (404, 405):
                return None
            raise

    # --- audit --------------------------------------------------------------------------

    def audit(self, **filters: str | int | datetime | None) -> AuditPage:
        """A page of the audit log (filters: actor, action, target_type, target_id, since,
        until, limit, offset)."""
        return self._get("/api/v1/staff/audit/entries", AuditPage, filters)

    def audit_vocabulary(self) -> AuditVocabulary:
        """Actions, actors, target types present in the log."""
        return self._get("/api/v1/staff/audit/vocabulary", AuditVocabulary)

    def audit_csv(self, **filters: str | datetime | None) -> bytes:
        """The filtered audit log as a CSV file (the export is itself audited)."""
        return self._request("GET", "/api/v1/staff/audit/export.csv", params=filters).content


# Reading an upload runs the extractor in a child process: allow it time (API limit: 120 s).
READ_TIMEOUT_S = 150.0


class DocumentsClient:
    """The documents endpoints (editors' uploads and FAQ entries) over an ApiClient."""

    PATH = "/api/v1/staff/documents"

    def __init__(self, api: ApiClient) -> None:
        self._api = api

    def documents(self, tenant: str | None = None) -> list[Document]:
        """Documents and FAQ entries, newest first."""
        return self._api._list(self.PATH, Document, {"tenant": tenant})

    def upload(
        self,
        *,
        tenant: str,
        filename: str,
        data: bytes,
        title: str = "",
        url: str = "",
        valid_until: date | None = None,
        keywords: str = "",
    ) -> DocumentVersion:
        """Upload a file as a new document (pending until a second editor approves)."""
        form = {"tenant": tenant, "title": title, "url": url, "keywords": keywords}
        if valid_until is not None:
            form["valid_until"] = valid_until.isoformat()
        response = self._api._request(
            "POST", self.PATH, data=form, files={"file": (filename, data)}, timeout_s=READ_TIMEOUT_S
        )
        return DocumentVersion.model_validate(response.json())

    def write_faq(
        self,
        *,
        tenant: str,
        question: str,
        answer: str,
        variants: list[str],
        url: str = "",
        valid_until: date | None = None,
    ) -> DocumentVersion:
        """Write an FAQ entry (pending until a second editor approves)."""
        body = {
            "tenant": tenant,
            "question": question,
            "answer": answer,
            "variants": variants,
            "url": url,
            "valid_until": valid_until.isoformat() if valid_until else None,
        }
        response = self._api._request(
            "POST", f"{self.PATH}/faq", json=body, timeout_s=READ_TIMEOUT_S
        )
        return DocumentVersion.model_validate(response.json())

    def approve(self, document_id: int, number: int) -> VersionChange:
        """Approve another editor's version: it goes live."""
        path = f"{self.PATH}/{document_id}/versions/{number}/approve"
        return self._api._post(path, VersionChange)

    def reject(self, document_id: int, number: int, reason: str) -> VersionChange:
        """Reject another editor's pending version."""
        path = f"{self.PATH}/{document_id}/versions/{number}/reject"
        return self._api._post(path, VersionChange, json={"reason": reason})

    def delete(self, document_id: int, reason: str) -> DocumentChange:
        """Delete a document; the index sync removes it."""
        response = self._api._request(
            "DELETE", f"{self.PATH}/{document_id}", params={"reason": reason}
        )
        return DocumentChange.model_validate(response.json())


def usage_report(api: ApiClient, *, tenant: str, month: str, fmt: str) -> bytes:
    """The month's usage report for the council as HTML or PDF bytes."""
    response = api._request(
        "GET",
        "/api/v1/staff/reports/usage",
        params={"tenant": tenant, "month": month, "format": fmt},
        timeout_s=READ_TIMEOUT_S,
    )
    return response.content


def _param(value: str | int | float | bool | datetime) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _error(response: httpx.Response) -> ApiError:
    code, message = "error", response.reason_phrase or "Fehler"
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        code = str(body["error"].get("code", code))
        message = str(body["error"].get("message", message))
    if response.status_code == 401:
        return SessionExpired(message)
    if response.status_code == 403:
        return Forbidden(403, code, message)
    return ApiError(response.status_code, code, message)
