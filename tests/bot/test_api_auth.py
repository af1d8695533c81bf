"""Staff authentication over HTTP: login, missing/expired/forged tokens, roles."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from bot.main import create_app
from bot.services.security import create_access_token
from bot.services.signing_key import with_signing_key
from bot.settings import Settings
from bot.storage.models import StaffRole
from tests.bot.conftest import STAFF_PASSWORD, add_staff_users


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    add_staff_users(
        settings,
        ("anna", StaffRole.AGENT),
        ("erik", StaffRole.EDITOR),
        ("ute", StaffRole.AUDITOR),
        ("ada", StaffRole.ADMIN),
    )
    with TestClient(create_app(settings)) as client:
        yield client


def login(client: TestClient, username: str, password: str = STAFF_PASSWORD) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_login_returns_an_expiring_bearer_token(client: TestClient, settings: Settings) -> None:
    response = client.post(
        "/api/v1/auth/token", data={"username": "anna", "password": STAFF_PASSWORD}
    )

    body = response.json()
    assert response.status_code == 200
    assert (body["token_type"], body["role"]) == ("bearer", "agent")
    assert body["expires_in"] == settings.api.token_ttl_minutes * 60
    me = client.get("/api/v1/staff/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert (me.status_code, me.json()["username"], me.json()["role"]) == (200, "anna", "agent")


@pytest.mark.parametrize(("username", "password"), [("anna", "wrong password"), ("nobody", "x")])
def test_wrong_credentials_are_401_without_saying_which(
    client: TestClient, username: str, password: str
) -> None:
    response = client.post("/api/v1/auth/token", data={"username": username, "password": password})

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["error"] == {
        "code": "not_authenticated",
        "message": "incorrect username or password",
        "details": None,
    }


def test_no_token_is_401_with_instructions(client: TestClient) -> None:
    response = client.get("/api/v1/staff/handoffs")

    assert response.status_code == 401
    assert response.json()["error"]["message"] == (
        "not authenticated: send 'Authorization: Bearer <token>' from POST /api/v1/auth/token"
    )


def test_expired_token_is_401_with_a_clear_message(client: TestClient, settings: Settings) -> None:
    token, _ = create_access_token(
        "anna",
        role=StaffRole.AGENT,
        tenants=["*"],
        api=with_signing_key(settings).api,  # the secret the app made in the data directory
        now=datetime.now(UTC) - timedelta(minutes=settings.api.token_ttl_minutes + 1),
    )

    response = client.get("/api/v1/staff/me", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_expired"
    assert response.json()["error"]["message"] == (
        "access token has expired; log in again via POST /api/v1/auth/token"
    )


def test_token_signed_with_another_secret_is_rejected(
    client: TestClient, settings: Settings
) -> None:
    other = settings.api.model_copy(update={"jwt_secret": SecretStr("x" * 40)})
    token, _ = create_access_token("ada", role=StaffRole.ADMIN, tenants=["*"], api=other)

    response = client.get("/api/v1/staff/me", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 401
    assert response.json()["error"]["message"].startswith(
        "access token is invalid (Signature verification failed)"
    )


@pytest.mark.parametrize(
    ("username", "path", "status"),
    [
        ("erik", "/api/v1/staff/handoffs", 403),  # editors do not work the inbox
        ("ute", "/api/v1/staff/handoffs", 403),
        ("anna", "/api/v1/staff/answers", 403),  # agents do not read the answer log
        ("anna", "/api/v1/staff/audit", 403),
        ("erik", "/api/v1/staff/audit", 403),
        ("anna", "/api/v1/staff/handoffs", 200),
        ("erik", "/api/v1/staff/answers", 200),
        ("ute", "/api/v1/staff/answers", 200),
        ("ute", "/api/v1/staff/audit", 200),
        ("ada", "/api/v1/staff/handoffs", 200),  # admin may do everything
        ("ada", "/api/v1/staff/audit", 200),
        # the endpoints that replaced the two above (issue 11), same roles
        ("anna", "/api/v1/staff/review/answers", 403),
        ("anna", "/api/v1/staff/audit/entries", 403),
        ("erik", "/api/v1/staff/audit/entries", 403),
        ("erik", "/api/v1/staff/review/answers", 200),
        ("ute", "/api/v1/staff/review/answers", 200),
        ("ute", "/api/v1/staff/audit/entries", 200),
    ],
)
def test_roles_are_enforced(client: TestClient, username: str, path: str, status: int) -> None:
    response = client.get(path, headers=login(client, username))

    assert response.status_code == status, response.text
    if status == 403:
        assert response.json()["error"]["code"] == "forbidden"
        assert f"of {username!r} may not do this" in response.json()["error"]["message"]


def test_logins_are_audited(client: TestClient) -> None:
    login(client, "anna")

    entries = client.get("/api/v1/staff/audit", headers=login(client, "ute")).json()

    assert [(e["actor"], e["action"]) for e in entries[:2]] == [
        ("ute", "auth.login"),
        ("anna", "auth.login"),
    ]
