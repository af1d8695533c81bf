"""An async client of GovBot's citizen HTTP API (``/api/v1/conversations…``) for integrations.

Every failure, whether the connection is refused, times out, returns an error status or
a body that is not the expected JSON, becomes one ``GovBotApiError``. Its ``code`` is
safe to log (the API's error code, or ``unreachable``/``timeout``/``invalid_response``)
and never contains the citizen's text.

The response models below mirror bot/api/schemas.py but ignore unknown fields, so an
action server keeps working against a newer GovBot API.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date
from types import TracebackType
from typing import Any, Literal, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from knowledge.errors import GovBotError

logger = logging.getLogger(__name__)


class GovBotApiError(GovBotError):
    """A call to the GovBot API failed; ``code`` says how, ``status`` is the HTTP status."""

    def __init__(self, message: str, *, code: str, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


class _Reply(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class CitationReply(_Reply):
    """A source of an answer."""

    doc_id: str
    title: str
    section: str = ""
    url: str = ""
    updated: date | None = None


class HandoffReference(_Reply):
    """Reference and promised response time of an escalation."""

    reference: str
    expected_response: str


class AnswerReply(_Reply):
    """A bot answer as the citizen sees it."""

    status: str
    text: str
    citations: list[CitationReply] = Field(default_factory=list)
    handoff_offered: bool = False
    handoff: HandoffReference | None = None


class ConversationStarted(_Reply):
    """A new GovBot conversation and the AI transparency notice to show first."""

    conversation_id: str
    tenant: str
    state: str
    notice: str


class ChatMessage(_Reply):
    """One message of a conversation."""

    id: int
    seq: int
    role: str
    text: str


class MessageReply(_Reply):
    """The stored citizen message and the bot's answer (None while a person holds it)."""

    message: ChatMessage
    answer: AnswerReply | None
    state: str = "bot"


class MessagesReply(_Reply):
    """A conversation's messages after a sequence number."""

    conversation_id: str
    state: str
    messages: list[ChatMessage]


class HandoffReply(HandoffReference):
    """An escalation the citizen asked for."""

    state: str


class TranscriptLine(_Reply):
    """A turn held outside GovBot, sent along with a handoff."""

    role: Literal["citizen", "bot"]
    text: str


ReplyT = TypeVar("ReplyT", bound=_Reply)


class GovBotApi:
    """Async client of the citizen API; use as ``async with GovBotApi(url, timeout_s=…)``."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout_s: float,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if timeout_s <= 0:
            raise ValueError(f"timeout_s must be greater than 0. Currently it is {timeout_s}")
        self.base_url = base_url.rstrip("/")
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout_s),
            transport=transport,
            headers={"User-Agent": "govbot-rasa-actions"},
        )

    async def __aenter__(self) -> GovBotApi:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self._http.aclose()

    async def start_conversation(self, *, tenant: str, language: str) -> ConversationStarted:
        """POST /api/v1/conversations."""
        body = {"tenant": tenant, "language": language}
        return await self._call("POST", "/api/v1/conversations", body, ConversationStarted)

    async def post_message(self, conversation_id: str, text: str) -> MessageReply:
        """POST /api/v1/conversations/{id}/messages: the citizen's message and the answer."""
        path = f"/api/v1/conversations/{quote(conversation_id, safe='')}/messages"
        return await self._call("POST", path, {"text": text}, MessageReply)

    async def messages(self, conversation_id: str, *, after: int = 0) -> MessagesReply:
        """GET /api/v1/conversations/{id}/messages?after=…"""
        path = f"/api/v1/conversations/{quote(conversation_id, safe='')}/messages?after={after}"
        return await self._call("GET", path, None, MessagesReply)

    async def request_handoff(
        self,
        conversation_id: str,
        *,
        reason: str | None,
        transcript: Sequence[TranscriptLine] = (),
    ) -> HandoffReply:
        """POST /api/v1/conversations/{id}/handoff with the external transcript."""
        path = f"/api/v1/conversations/{quote(conversation_id, safe='')}/handoff"
        body: dict[str, Any] = {"reason": reason}
        if transcript:
            body["transcript"] = [line.model_dump() for line in transcript]
        return await self._call("POST", path, body, HandoffReply)

    async def _call(
        self, method: str, path: str, body: dict[str, Any] | None, model: type[ReplyT]
    ) -> ReplyT:
        route = path.split("?")[0]
        try:
            response = await self._http.request(method, path, json=body)
        except httpx.TimeoutException as exc:
            raise self._failed(method, route, "timeout", None) from exc
        except httpx.HTTPError as exc:  # refused, reset, DNS, protocol errors
            raise self._failed(method, route, "unreachable", None) from exc
        if response.status_code >= 400:
            raise self._failed(method, route, _error_code(response), response.status_code)
        try:
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            raise self._failed(method, route, "invalid_response", response.status_code) from exc

    def _failed(self, method: str, route: str, code: str, status: int | None) -> GovBotApiError:
        # Only method, path, status and error code: no message text (may quote the citizen).
        logger.warning("GovBot API %s %s failed: %s (status %s)", method, route, code, status)
        return GovBotApiError(
            f"GovBot API {method} {self.base_url}{route} failed: {code}"
            + (f" (HTTP {status})" if status else "")
            + "; check that `govbot serve` runs there and GOVBOT_RASA__GOVBOT_API_URL",
            code=code,
            status=status,
        )


def _error_code(response: httpx.Response) -> str:
    """The API's ``error.code``, or ``http_<status>`` when the body is not the error shape."""
    try:
        payload = response.json()
    except ValueError:
        return f"http_{response.status_code}"
    error = payload.get("error") if isinstance(payload, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    return code if isinstance(code, str) and code.isidentifier() else f"http_{response.status_code}"
