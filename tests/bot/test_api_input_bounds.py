"""Inputs that answered 500 in the security review (issue 14, finding 4), pinned: now 4xx or 200.

Real app (TestClient with lifespan, server exceptions returned as responses so that a 500
shows as a status), real SQLite; no index is needed, every case fails or passes before
answering.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.main import create_app
from bot.settings import Settings
from bot.storage.models import StaffRole
from tests.bot.conftest import STAFF_PASSWORD, add_staff_users

TOO_BIG = str(2**64 + 1)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    add_staff_users(settings, ("ada", StaffRole.ADMIN))
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def admin(client: TestClient) -> dict[str, str]:
    response = client.post(
        "/api/v1/auth/token", data={"username": "ada", "password": STAFF_PASSWORD}
    )
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
def conversation_id(client: TestClient) -> str:
    return str(
        client.post("/api/v1/conversations", json={"tenant": "muenchen"}).json()["conversation_id"]
    )


def _error(response: Any) -> dict[str, Any]:
    error: dict[str, Any] = response.json()["error"]
    return error


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (b'{"text": "Reisepass \\ud800"}', "lone surrogate at position 10"),
        (b'{"text": "Reisepass \\u0000"}', "NUL character"),
    ],
)
def test_unstorable_text_in_a_message_is_422(
    client: TestClient, conversation_id: str, raw: bytes, fragment: str
) -> None:
    response = client.post(
        f"/api/v1/conversations/{conversation_id}/messages",
        content=raw,
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 422, response.text
    assert fragment in _error(response)["message"]


def test_lone_surrogate_in_a_handoff_reason_is_422(
    client: TestClient, conversation_id: str
) -> None:
    response = client.post(
        f"/api/v1/conversations/{conversation_id}/handoff",
        content=b'{"reason": "\\udfff"}',
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 422, response.text


@pytest.mark.parametrize("after", [TOO_BIG, str(2**31)])
def test_after_beyond_any_sequence_number_is_422(
    client: TestClient, conversation_id: str, after: str
) -> None:
    response = client.get(f"/api/v1/conversations/{conversation_id}/messages?after={after}")

    assert response.status_code == 422, response.text
    assert _error(response)["message"].startswith("invalid request: query.after:")


def test_feedback_on_a_message_id_beyond_64_bits_is_422(
    client: TestClient, conversation_id: str
) -> None:
    response = client.post(
        f"/api/v1/conversations/{conversation_id}/messages/{TOO_BIG}/feedback",
        json={"helpful": True},
    )

    assert response.status_code == 422, response.text


@pytest.mark.parametrize("ident", ["²", "٣", TOO_BIG, "0"])
def test_odd_handoff_ids_are_404(client: TestClient, admin: dict[str, str], ident: str) -> None:
    response = client.get(f"/api/v1/staff/handoffs/{ident}", headers=admin)

    assert response.status_code == 404, response.text
    assert _error(response)["code"] == "handoff_not_found"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/staff/answers",
        "/api/v1/staff/review/answers",
        "/api/v1/staff/audit",
        "/api/v1/staff/audit/entries",
        "/api/v1/staff/audit/export.csv",
        "/api/v1/staff/insights",
        "/api/v1/staff/insights/gaps",
    ],
)
def test_date_only_since_is_taken_as_utc_midnight(
    client: TestClient, admin: dict[str, str], path: str
) -> None:
    response = client.get(f"{path}?since=2026-01-01&until=2026-12-31T12:00", headers=admin)

    assert response.status_code == 200, response.text


def test_a_time_outside_the_calendar_in_utc_is_422(
    client: TestClient, admin: dict[str, str]
) -> None:
    response = client.get(
        "/api/v1/staff/answers", params={"since": "9999-12-31T23:59:59-14:00"}, headers=admin
    )

    assert response.status_code == 422, response.text
    assert "out of range once converted to UTC" in _error(response)["message"]


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/staff/answers?offset={TOO_BIG}",
        f"/api/v1/staff/audit/entries?offset={TOO_BIG}",
        f"/api/v1/staff/review/answers/{TOO_BIG}/verdict",
        f"/api/v1/staff/review/corrections/{TOO_BIG}",
        f"/api/v1/staff/eval/runs/{TOO_BIG}",
        f"/api/v1/staff/documents/{TOO_BIG}",
        # A month whose year leaves the calendar once the report counts to the month's end.
        "/api/v1/staff/reports/usage?tenant=muenchen&month=0000-01&format=html",
        "/api/v1/staff/reports/usage?tenant=muenchen&month=9999-12&format=html",
    ],
)
def test_numbers_beyond_storage_are_422(
    client: TestClient, admin: dict[str, str], path: str
) -> None:
    method = client.post if path.endswith("/verdict") else client.get
    kwargs: dict[str, Any] = {"json": {"verdict": "correct"}} if path.endswith("/verdict") else {}

    response = method(path, headers=admin, **kwargs)

    assert response.status_code == 422, response.text


def test_nul_in_a_query_parameter_is_422(client: TestClient, admin: dict[str, str]) -> None:
    response = client.get("/api/v1/staff/answers?tenant=m%00nchen", headers=admin)

    assert response.status_code == 422, response.text
    assert _error(response)["message"].startswith("parameter 'tenant': text contains a NUL")


def test_a_number_beyond_storage_in_a_body_is_422(
    client: TestClient, admin: dict[str, str]
) -> None:
    response = client.post(
        "/api/v1/staff/review/corrections",
        json={"answer_id": 2**64, "question": "Frage?", "text": "Antwort."},
        headers=admin,
    )

    assert response.status_code == 422, response.text
