"""Operations over HTTP: health, Prometheus metrics, rate limit, CORS, security headers."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from fastapi.testclient import TestClient

from bot.main import create_app
from tests.bot.conftest import make_settings


def test_health_without_an_index_is_503_degraded(tmp_path: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path))) as client:
        response = client.get("/health")

    assert response.status_code == 503
    assert response.headers["retry-after"] == "30"
    assert response.json() == {"status": "degraded", "database": "ok", "index": None}


def test_message_without_an_index_is_503_with_retry_after(tmp_path: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path))) as client:
        conversation = client.post("/api/v1/conversations", json={"tenant": "muenchen"}).json()
        response = client.post(
            f"/api/v1/conversations/{conversation['conversation_id']}/messages",
            json={"text": "Was kostet ein Reisepass?"},
        )

    assert response.status_code == 503
    assert response.headers["retry-after"] == "30"
    assert response.json()["error"]["code"] == "index_unavailable"


def test_rate_limit_answers_429_with_retry_after(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, rate_limit="3/minute")
    with TestClient(create_app(settings)) as client:
        statuses = [
            client.post("/api/v1/conversations", json={"tenant": "muenchen"}).status_code
            for _ in range(4)
        ]
        limited = client.post("/api/v1/conversations", json={"tenant": "muenchen"})
        health = client.get("/health")  # operations endpoints are not limited
        metrics = client.get("/metrics").text

    assert statuses == [201, 201, 201, 429]
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert limited.json()["error"]["code"] == "rate_limited"
    assert health.status_code == 503
    assert "govbot_rate_limited_requests_total 2.0" in metrics


def test_metrics_count_requests_by_route_template_and_status(tmp_path: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path))) as client:
        conversation = client.post("/api/v1/conversations", json={"tenant": "muenchen"}).json()
        client.get(f"/api/v1/conversations/{conversation['conversation_id']}/messages")
        client.post(f"/api/v1/conversations/{conversation['conversation_id']}/handoff", json={})
        text = client.get("/metrics").text

    assert (
        'govbot_http_requests_total{method="GET",'
        'route="/api/v1/conversations/{conversation_id}/messages",status="200"} 1.0'
    ) in text
    assert 'govbot_handoffs_total{source="citizen"} 1.0' in text
    assert "govbot_http_request_duration_seconds_bucket" in text


def test_security_headers(tmp_path: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path))) as client:
        page = client.get("/")
        staff = client.get("/api/v1/staff/me")
        api = client.post("/api/v1/conversations", json={"tenant": "muenchen"})

    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "frame-ancestors 'self'" in page.headers["content-security-policy"]
    assert staff.headers["x-frame-options"] == "DENY"
    for response in (page, staff, api):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
    assert api.headers["cache-control"] == "no-store"


def test_cors_allows_only_configured_origins(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, cors_origins=["https://www.muenchen.de"])
    preflight = {"Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type"}  # fmt: skip
    with TestClient(create_app(settings)) as client:
        allowed = client.options(
            "/api/v1/conversations", headers={"Origin": "https://www.muenchen.de", **preflight}
        )
        denied = client.options(
            "/api/v1/conversations", headers={"Origin": "https://evil.example", **preflight}
        )

    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://www.muenchen.de"
    assert denied.status_code == 400
    assert "access-control-allow-origin" not in denied.headers


def test_locked_database_is_503_with_retry_after(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    with TestClient(create_app(settings)) as client:
        conversation = client.post("/api/v1/conversations", json={"tenant": "muenchen"}).json()
        # Another process holds SQLite's write lock longer than busy_timeout (5 s).
        blocker = sqlite3.connect(settings.sqlalchemy_url.removeprefix("sqlite:///"))
        blocker.execute("BEGIN EXCLUSIVE")
        try:
            response = client.post(
                f"/api/v1/conversations/{conversation['conversation_id']}/handoff", json={}
            )
        finally:
            blocker.rollback()
            blocker.close()
        retry = client.post(f"/api/v1/conversations/{conversation['conversation_id']}/handoff")

    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert response.json()["error"] == {
        "code": "database_unavailable",
        "message": "the database is not reachable; try again shortly",
        "details": None,
    }
    assert retry.status_code == 201


def test_openapi_documents_the_versioned_api(tmp_path: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path))) as client:
        paths = client.get("/openapi.json").json()["paths"]

    assert {
        "/api/v1/conversations",
        "/api/v1/conversations/{conversation_id}/messages",
        "/api/v1/conversations/{conversation_id}/handoff",
        "/api/v1/conversations/{conversation_id}/messages/{message_id}/feedback",
        "/api/v1/auth/token",
        "/api/v1/staff/handoffs/{handoff_id}/claim",
        "/health",
    } <= set(paths)
    error = paths["/api/v1/conversations"]["post"]["responses"]["404"]
    assert error["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorResponse")


def test_polling_for_replies_does_not_use_up_the_rate_limit(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, rate_limit="2/minute")
    with TestClient(create_app(settings)) as client:
        conversation = client.post("/api/v1/conversations", json={"tenant": "muenchen"}).json()
        path = f"/api/v1/conversations/{conversation['conversation_id']}/messages"
        polls = {client.get(path).status_code for _ in range(10)}
        write = client.post(f"/api/v1/conversations/{conversation['conversation_id']}/handoff")

    assert polls == {200}
    assert write.status_code == 201
