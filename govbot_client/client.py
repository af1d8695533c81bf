"""Typed HTTP clients of the GovBot API (httpx): async for the citizen API, sync for staff.

``AsyncGovBotClient`` is what the Rasa actions (bot/integrations/rasa_actions.py) and
``govbot bench`` (eval/bench/chat.py) use to talk to ``/api/v1/conversations…``;
``GovBotClient`` is the synchronous transport under the staff console's client
(console/client.py), which adds the staff endpoints and German error texts on top.

Every failure, whether the connection is refused, times out, returns an error status or
a body that is not the expected JSON, becomes one ``GovBotApiError``. Its ``code`` is
safe to log (the API's error code, or ``unreachable``/``timeout``/``invalid_response``)
and never contains the citizen's text; ``api_message`` is the API's own message.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, TypedDict, TypeVar
from urllib.parse import quote, urlencode

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from govbot_client.citizen import (
    ConversationPublic,
    HandoffCreated,
    MessagePosted,
    MessagesPublic,
    SectionPublic,
    TranscriptLineCreate,
)
from govbot_client.staff import HealthPublic

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)
Params = Mapping[str, str | int | float | bool | datetime | None]


class RequestOptions(TypedDict, total=False):
    """The optional arguments of ``GovBotClient.request``, for clients that pass them on."""

    params: Params | None
    json: Any
    data: Mapping[str, str] | None
    files: Mapping[str, tuple[str, bytes]] | None
    timeout_s: float | None


class GovBotApiError(Exception):
    """A call to the GovBot API failed; ``code`` says how, ``status`` is the HTTP status."""

    def __init__(
        self, message: str, *, code: str, status: int | None = None, api_message: str = ""
    ) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
        self.api_message = api_message


class AsyncGovBotClient:
    """Async client of the citizen API; use as ``async with AsyncGovBotClient(url, …)``."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout_s: float,
        transport: httpx.AsyncBaseTransport | None = None,
        limits: httpx.Limits | None = None,
        user_agent: str = "govbot-client",
        hint: str = "check that `govbot serve` runs there",
        on_response: Callable[[httpx.Response], Awaitable[None]] | None = None,
    ) -> None:
        if timeout_s <= 0:
            raise ValueError(f"timeout_s must be greater than 0. Currently it is {timeout_s}")
        self.base_url = base_url.rstrip("/")
        self._hint = hint
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout_s),
            transport=transport,
            limits=limits or httpx.Limits(),
            headers={"User-Agent": user_agent},
            # e.g. govbot bench counting every status code, errors included
            event_hooks={"response": [on_response]} if on_response else None,
        )

    async def __aenter__(self) -> AsyncGovBotClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self._http.aclose()

    async def start_conversation(self, *, tenant: str, language: str = "de") -> ConversationPublic:
        """POST /api/v1/conversations."""
        body = {"tenant": tenant, "language": language}
        return await self._call("POST", "/api/v1/conversations", body, ConversationPublic)

    async def post_message(
        self, conversation_id: str, text: str, *, choice: str | None = None
    ) -> MessagePosted:
        """POST /api/v1/conversations/{id}/messages: the citizen's message and the answer
        (``choice``: the doc id of an option of the last answer the citizen picked)."""
        path = f"/api/v1/conversations/{quote(conversation_id, safe='')}/messages"
        body: dict[str, str] = {"text": text}
        if choice is not None:
            body["choice"] = choice
        return await self._call("POST", path, body, MessagePosted)

    async def messages(self, conversation_id: str, *, after: int = 0) -> MessagesPublic:
        """GET /api/v1/conversations/{id}/messages?after=…"""
        path = f"/api/v1/conversations/{quote(conversation_id, safe='')}/messages?after={after}"
        return await self._call("GET", path, None, MessagesPublic)

    async def more(self, conversation_id: str, *, doc_id: str, key: str) -> SectionPublic:
        """GET /api/v1/conversations/{id}/more: a section an answer offered (``Answer.more``)."""
        query = urlencode({"doc_id": doc_id, "key": key})
        path = f"/api/v1/conversations/{quote(conversation_id, safe='')}/more?{query}"
        return await self._call("GET", path, None, SectionPublic)

    async def request_handoff(
        self,
        conversation_id: str,
        *,
        reason: str | None,
        transcript: Sequence[TranscriptLineCreate] = (),
    ) -> HandoffCreated:
        """POST /api/v1/conversations/{id}/handoff with an external transcript."""
        path = f"/api/v1/conversations/{quote(conversation_id, safe='')}/handoff"
        body: dict[str, Any] = {"reason": reason}
        if transcript:
            body["transcript"] = [line.model_dump() for line in transcript]
        return await self._call("POST", path, body, HandoffCreated)

    async def _call(self, method: str, path: str, body: dict[str, Any] | None, model: type[M]) -> M:
        route = path.split("?")[0]
        try:
            response = await self._http.request(method, path, json=body)
        except httpx.TimeoutException as exc:
            raise _failed(self.base_url, method, route, "timeout", None, self._hint) from exc
        except httpx.HTTPError as exc:  # refused, reset, DNS, protocol errors
            raise _failed(self.base_url, method, route, "unreachable", None, self._hint) from exc
        return _parse(self.base_url, method, route, response, model, self._hint)


class GovBotClient:
    """Synchronous transport of the API with a bearer token (the staff console's base)."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        timeout_s: float = 15.0,
        transport: httpx.BaseTransport | None = None,
        user_agent: str = "govbot-client",
    ) -> None:
        if timeout_s <= 0:
            raise ValueError(f"timeout_s must be greater than 0. Currently it is {timeout_s}")
        self.base_url = base_url.rstrip("/")
        self.token = token
        headers = {"User-Agent": user_agent}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._http = httpx.Client(
            base_url=self.base_url, timeout=timeout_s, transport=transport, headers=headers
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def request(
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
        """One call; an error status or a failed connection raises GovBotApiError."""
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
            raise _failed(self.base_url, method, path, "timeout", None) from exc
        except httpx.TransportError as exc:
            raise _failed(self.base_url, method, path, "unreachable", None) from exc
        if response.status_code >= 400:
            code, message = _error_of(response)
            raise _failed(self.base_url, method, path, code, response.status_code, "", message)
        return response

    def health(self) -> HealthPublic:
        """GET /health; a degraded API answers 503 with the same body, which is returned."""
        try:
            response = self._http.get("/health")
        except httpx.TimeoutException as exc:
            raise _failed(self.base_url, "GET", "/health", "timeout", None) from exc
        except httpx.TransportError as exc:
            raise _failed(self.base_url, "GET", "/health", "unreachable", None) from exc
        if response.status_code == 503:
            response = httpx.Response(200, content=response.content)
        return _parse(self.base_url, "GET", "/health", response, HealthPublic)

    def get(self, path: str, model: type[M], params: Params | None = None) -> M:
        """GET ``path`` as ``model``."""
        return _parse(self.base_url, "GET", path, self.request("GET", path, params=params), model)

    def get_list(self, path: str, model: type[M], params: Params | None = None) -> list[M]:
        """GET ``path`` as a list of ``model``."""
        response = self.request("GET", path, params=params)
        try:
            result: list[M] = TypeAdapter(list[model]).validate_json(  # type: ignore[valid-type]
                response.content
            )
        except ValidationError as exc:
            raise _failed(self.base_url, "GET", path, "invalid_response", 200) from exc
        return result

    def post(
        self,
        path: str,
        model: type[M],
        *,
        json: Any = None,
        data: Mapping[str, str] | None = None,
    ) -> M:
        """POST ``json`` (or form ``data``) to ``path``, the reply as ``model``."""
        response = self.request("POST", path, json=json, data=data)
        return _parse(self.base_url, "POST", path, response, model)


def _parse(
    base_url: str, method: str, route: str, response: httpx.Response, model: type[M], hint: str = ""
) -> M:
    if response.status_code >= 400:
        code, message = _error_of(response)
        raise _failed(base_url, method, route, code, response.status_code, hint, message)
    try:
        return model.model_validate_json(response.content)
    except ValidationError as exc:
        raise _failed(
            base_url, method, route, "invalid_response", response.status_code, hint
        ) from exc


def _failed(
    base_url: str,
    method: str,
    route: str,
    code: str,
    status: int | None,
    hint: str = "",
    api_message: str = "",
) -> GovBotApiError:
    # Only method, path, status and error code: no message text (may quote the citizen).
    logger.warning("GovBot API %s %s failed: %s (status %s)", method, route, code, status)
    return GovBotApiError(
        f"GovBot API {method} {base_url}{route} failed: {code}"
        + (f" (HTTP {status})" if status else "")
        + (f"; {hint}" if hint else ""),
        code=code,
        status=status,
        api_message=api_message,
    )


def _error_of(response: httpx.Response) -> tuple[str, str]:
    """The API's ``error.code`` and message, or ``http_<status>`` when the body is not one."""
    fallback = f"http_{response.status_code}", response.reason_phrase or ""
    try:
        payload = response.json()
    except ValueError:
        return fallback
    error = payload.get("error") if isinstance(payload, dict) else None
    if not isinstance(error, dict):
        return fallback
    code, message = error.get("code"), error.get("message")
    if not (isinstance(code, str) and code.isidentifier()):
        return fallback
    return code, message if isinstance(message, str) else fallback[1]


def _param(value: str | int | float | bool | datetime) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)
