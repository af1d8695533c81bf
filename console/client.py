"""The console's client of the staff API: govbot_client's transport and models, German errors.

Every method returns a govbot_client model (the API's own response models) or raises a
console/errors.py error: no connection → ApiUnreachable ("API nicht erreichbar unter
<url>"), 401 → SessionExpired (LoginFailed at login), 403 → Forbidden, any other error
status or an unexpected body → ApiError with the API's own message.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from types import TracebackType
from typing import Any, TypeVar, Unpack

import httpx
from pydantic import BaseModel

from console.errors import ApiError, ApiUnreachable, Forbidden, LoginFailed, SessionExpired
from govbot_client.citizen import MessagePublic
from govbot_client.client import GovBotApiError, GovBotClient, Params, RequestOptions
from govbot_client.documents import DocumentChange, VersionChange
from govbot_client.documents import DocumentPublic as Document
from govbot_client.documents import VersionPublic as DocumentVersion
from govbot_client.sso import LogoutPublic, SsoConfigPublic, SsoToken
from govbot_client.staff import (
    AuditPage,
    AuditVocabulary,
    ContentGap,
    CorrectionPublic,
    EvalCasePublic,
    EvalRunDetail,
    EvalRunSummary,
    HandoffAnswer,
    HandoffDetail,
    HandoffSummary,
    HealthPublic,
    IngestJobPublic,
    IngestSourcePublic,
    InsightsPublic,
    KnowledgeOverview,
    ReviewedAnswer,
    ReviewPublic,
    ServiceRow,
    StaffPublic,
    SyncRunPublic,
    Token,
)

M = TypeVar("M", bound=BaseModel)

SSO_TICKET_REFUSED = (
    "Die Anmeldung über den Anmeldedienst ist abgelaufen oder wurde schon verwendet. "
    "Bitte melden Sie sich erneut an."
)


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
        self._api = GovBotClient(
            self.base_url,
            token=token,
            timeout_s=timeout_s,
            transport=transport,
            user_agent="govbot-console",
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._api.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # --- transport ----------------------------------------------------------------------

    def _request(self, method: str, path: str, **options: Unpack[RequestOptions]) -> httpx.Response:
        with self._errors():
            return self._api.request(method, path, **options)

    def _get(self, path: str, model: type[M], params: Params | None = None) -> M:
        with self._errors():
            return self._api.get(path, model, params)

    def _list(self, path: str, model: type[M], params: Params | None = None) -> list[M]:
        with self._errors():
            return self._api.get_list(path, model, params)

    def _post(self, path: str, model: type[M], json: Any = None) -> M:
        with self._errors():
            return self._api.post(path, model, json=json)

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """govbot_client's GovBotApiError raised inside becomes the console's error."""
        try:
            yield
        except GovBotApiError as exc:
            raise self._error(exc) from exc

    def _error(self, exc: GovBotApiError) -> ApiError | ApiUnreachable:
        if exc.status is None:
            reason = "keine Antwort in der Zeit" if exc.code == "timeout" else ""
            return ApiUnreachable(self.base_url, reason)
        message = exc.api_message or "Fehler"
        if exc.status == 401:
            return SessionExpired(message)
        if exc.status == 403:
            return Forbidden(403, exc.code, message)
        if exc.code == "invalid_response":
            message = "unerwartete Antwort der API (Version passt nicht?)"
        return ApiError(exc.status, exc.code, message)

    # --- session ------------------------------------------------------------------------

    def login(self, username: str, password: str) -> Token:
        """Exchange credentials for a token (LoginFailed on wrong credentials)."""
        form = {"username": username, "password": password}
        try:
            return self._api.post("/api/v1/auth/token", Token, data=form)
        except GovBotApiError as exc:
            error = self._error(exc)
            raise (LoginFailed() if isinstance(error, SessionExpired) else error) from exc

    def sso_config(self) -> SsoConfigPublic:
        """Whether the API offers single sign-on, and the browser's way in."""
        return self._get("/api/v1/auth/sso", SsoConfigPublic)

    def redeem_sso_ticket(self, ticket: str) -> SsoToken:
        """Trade the one-time ticket of a single sign-on for a token (LoginFailed if refused)."""
        try:
            return self._api.post("/api/v1/auth/sso/ticket", SsoToken, json={"ticket": ticket})
        except GovBotApiError as exc:
            error = self._error(exc)
            if isinstance(error, SessionExpired):
                raise LoginFailed(SSO_TICKET_REFUSED) from exc
            raise error from exc

    def logout(self) -> LogoutPublic:
        """End the session at the API: the token (and the account's others) stop working."""
        return self._post("/api/v1/auth/logout", LogoutPublic)

    def me(self) -> StaffPublic:
        """Who the token belongs to."""
        return self._get("/api/v1/staff/me", StaffPublic)

    def health(self) -> HealthPublic:
        """Readiness and the index's tenants (a degraded API answers 503 with a body)."""
        with self._errors():
            return self._api.health()

    # --- handoffs -----------------------------------------------------------------------

    def handoffs(
        self, status: str | None = None, tenant: str | None = None
    ) -> list[HandoffSummary]:
        """Escalations, the longest waiting first."""
        return self._list(
            "/api/v1/staff/handoffs", HandoffSummary, {"status": status, "tenant": tenant}
        )

    def handoff(self, handoff_id: int) -> HandoffDetail:
        """One escalation with transcript and sources."""
        return self._get(f"/api/v1/staff/handoffs/{handoff_id}", HandoffDetail)

    def handoff_answers(self, handoff_id: int) -> list[HandoffAnswer]:
        """The bot's answers in the conversation, with their cited sources."""
        return self._list(f"/api/v1/staff/handoffs/{handoff_id}/answers", HandoffAnswer)

    def claim(self, handoff_id: int) -> HandoffDetail:
        """Take the conversation over."""
        return self._post(f"/api/v1/staff/handoffs/{handoff_id}/claim", HandoffDetail)

    def reply(self, handoff_id: int, text: str) -> MessagePublic:
        """Write to the citizen."""
        return self._post(
            f"/api/v1/staff/handoffs/{handoff_id}/reply", MessagePublic, {"text": text}
        )

    def release(self, handoff_id: int) -> HandoffSummary:
        """Hand the conversation back to the bot."""
        return self._post(f"/api/v1/staff/handoffs/{handoff_id}/release", HandoffSummary)

    def close_handoff(self, handoff_id: int, outcome: str) -> HandoffSummary:
        """Close with an outcome."""
        return self._post(
            f"/api/v1/staff/handoffs/{handoff_id}/close", HandoffSummary, {"outcome": outcome}
        )

    # --- answer review ------------------------------------------------------------------

    def review_answers(self, **filters: str | float | datetime | None) -> list[ReviewedAnswer]:
        """Answers with verdicts (filters: status, tenant, since, until, feedback,
        min_confidence, max_confidence, review, limit, offset)."""
        return self._list("/api/v1/staff/review/answers", ReviewedAnswer, filters)

    def mark(self, answer_id: int, verdict: str, note: str | None = None) -> ReviewPublic:
        """Mark an answer ``correct`` or ``wrong``."""
        return self._post(
            f"/api/v1/staff/review/answers/{answer_id}/verdict",
            ReviewPublic,
            {"verdict": verdict, "note": note or None},
        )

    def corrections(
        self, status: str | None = None, tenant: str | None = None
    ) -> list[CorrectionPublic]:
        """Corrections, newest first."""
        return self._list(
            "/api/v1/staff/review/corrections",
            CorrectionPublic,
            {"status": status, "tenant": tenant},
        )

    def create_correction(
        self,
        *,
        question: str,
        text: str,
        answer_id: int | None = None,
        tenant: str | None = None,
        doc_ids: list[str] | None = None,
    ) -> CorrectionPublic:
        """Write a correction (pending until a second editor approves)."""
        body = {
            "question": question,
            "text": text,
            "answer_id": answer_id,
            "tenant": tenant,
            "doc_ids": doc_ids,
        }
        return self._post("/api/v1/staff/review/corrections", CorrectionPublic, body)

    def approve(self, correction_id: int) -> CorrectionPublic:
        """Approve another editor's correction."""
        return self._post(
            f"/api/v1/staff/review/corrections/{correction_id}/approve", CorrectionPublic
        )

    def reject(self, correction_id: int, reason: str) -> CorrectionPublic:
        """Reject another editor's pending correction."""
        return self._post(
            f"/api/v1/staff/review/corrections/{correction_id}/reject",
            CorrectionPublic,
            {"reason": reason},
        )

    def withdraw(self, correction_id: int, reason: str) -> CorrectionPublic:
        """Withdraw a pending or approved correction."""
        return self._post(
            f"/api/v1/staff/review/corrections/{correction_id}/withdraw",
            CorrectionPublic,
            {"reason": reason},
        )

    # --- knowledge base -----------------------------------------------------------------

    def knowledge(self) -> KnowledgeOverview:
        """Index, tenants, sources and stale counts."""
        return self._get("/api/v1/staff/knowledge/overview", KnowledgeOverview)

    def services(self, **filters: str | bool | int | None) -> list[ServiceRow]:
        """Services with their Stand (filters: tenant, source, stale, q, limit, offset)."""
        return self._list("/api/v1/staff/knowledge/services", ServiceRow, filters)

    def sync_runs(self, tenant: str | None = None) -> list[SyncRunPublic]:
        """Completed ingest runs, newest first."""
        return self._list("/api/v1/staff/knowledge/runs", SyncRunPublic, {"tenant": tenant})

    def sources(self) -> list[IngestSourcePublic]:
        """Re-runnable sources."""
        return self._list("/api/v1/staff/knowledge/sources", IngestSourcePublic)

    def rerun(self, tenant: str, name: str) -> IngestJobPublic:
        """Start the ingest of a configured source."""
        return self._post(
            f"/api/v1/staff/knowledge/sources/{tenant}/{name}/ingest", IngestJobPublic
        )

    def jobs(self, tenant: str | None = None) -> list[IngestJobPublic]:
        """Ingest jobs started from the console."""
        return self._list("/api/v1/staff/knowledge/jobs", IngestJobPublic, {"tenant": tenant})

    # --- insights -----------------------------------------------------------------------

    def insights(self, *, tenant: str | None = None, days: int = 30) -> InsightsPublic:
        """Aggregates over the last ``days`` days."""
        return self._get("/api/v1/staff/insights", InsightsPublic, {"tenant": tenant, "days": days})

    def gaps(self, *, tenant: str | None = None, days: int = 30) -> list[ContentGap]:
        """Unanswered and low-confidence questions, grouped."""
        return self._list(
            "/api/v1/staff/insights/gaps", ContentGap, {"tenant": tenant, "days": days}
        )

    # --- evaluation ---------------------------------------------------------------------

    def eval_runs(self, set_name: str | None = None) -> list[EvalRunSummary]:
        """Evaluation runs, newest first."""
        return self._list("/api/v1/staff/eval/runs", EvalRunSummary, {"set": set_name})

    def eval_run(self, run_id: int) -> EvalRunDetail:
        """One run with settings and breakdowns."""
        return self._get(f"/api/v1/staff/eval/runs/{run_id}", EvalRunDetail)

    def eval_cases(self, run_id: int, *, failed: bool = False) -> list[EvalCasePublic]:
        """A run's case results in set order."""
        return self._list(
            f"/api/v1/staff/eval/runs/{run_id}/cases",
            EvalCasePublic,
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
