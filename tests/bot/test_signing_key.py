"""Token signing secret (issue 14, finding 2): random per data directory, never the published one.

Through the real API (TestClient with lifespan) and a real ``govbot serve`` bound to
0.0.0.0 in a child process, probed on loopback.
"""

from __future__ import annotations

import logging
import os
import socket
import stat
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import jwt
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from bot.cli.app import app
from bot.main import create_app
from bot.settings import ApiSettings, Settings
from bot.storage.models import StaffRole
from knowledge.errors import ConfigurationError
from tests.bot.conftest import STAFF_PASSWORD, add_staff_users, make_settings

PUBLISHED = "dev-only-insecure-secret-change-me"


def _forged_admin_token(secret: str) -> str:
    now = datetime.now(UTC)
    claims = {"sub": "ada", "role": "admin", "iat": now, "exp": now + timedelta(minutes=5)}
    return jwt.encode(claims, secret, algorithm="HS256")


def _login(client: TestClient) -> dict[str, str]:
    response = client.post(
        "/api/v1/auth/token", data={"username": "ada", "password": STAFF_PASSWORD}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_first_start_makes_a_private_random_secret_that_later_starts_reuse(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(tmp_path / "data")
    add_staff_users(settings, ("ada", StaffRole.ADMIN))
    secret_file = settings.data_dir / "jwt-secret"

    with (
        caplog.at_level(logging.WARNING, logger="bot.signing_key"),
        TestClient(create_app(settings)) as client,
    ):
        headers = _login(client)
        forged = {"Authorization": f"Bearer {_forged_admin_token(PUBLISHED)}"}
        assert client.get("/api/v1/staff/me", headers=forged).status_code == 401
    assert "GOVBOT_API__JWT_SECRET is not set: created a random token signing secret" in (
        caplog.text
    )
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    first_secret = secret_file.read_text().strip()
    assert len(first_secret) == 64 and first_secret != PUBLISHED

    with TestClient(create_app(settings)) as restarted:  # a restart keeps staff signed in
        assert restarted.get("/api/v1/staff/me", headers=headers).status_code == 200

    other = make_settings(tmp_path / "other")
    with TestClient(create_app(other)) as elsewhere:  # another install does not accept it
        assert elsewhere.get("/api/v1/staff/me", headers=headers).status_code == 401
    assert (other.data_dir / "jwt-secret").read_text().strip() != first_secret


def test_a_secret_file_others_can_read_is_refused(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data")
    settings.data_dir.mkdir(parents=True)
    (settings.data_dir / "jwt-secret").write_text("a" * 64)
    os.chmod(settings.data_dir / "jwt-secret", 0o644)

    with (
        pytest.raises(ConfigurationError, match=r"readable by other users \(mode 644\)"),
        TestClient(create_app(settings)),
    ):
        pass


def test_the_published_secret_is_refused_in_every_environment() -> None:
    for env in ("dev", "test", "production"):
        with pytest.raises(ConfigurationError, match="secret published in GovBot's repository"):
            Settings(env=env, api=ApiSettings(jwt_secret=PUBLISHED))  # type: ignore[arg-type]


def test_serve_refuses_a_short_secret_on_a_non_loopback_address(tmp_path: Path) -> None:
    env = {
        "GOVBOT_DATA_DIR": str(tmp_path),
        "GOVBOT_DATABASE_URL": "",
        "GOVBOT_API__JWT_SECRET": "kurz-und-schwach",
    }
    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0"], env=env)

    assert result.exit_code != 0
    assert str(result.exception).startswith(
        "GOVBOT_API__JWT_SECRET has fewer than 32 characters and 0.0.0.0 is reachable"
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_default_install_on_all_interfaces_rejects_tokens_signed_with_the_published_secret(
    tmp_path: Path,
) -> None:
    """`govbot serve --host 0.0.0.0` with nothing configured (GOVBOT_ENV=dev, no index)."""
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("GOVBOT_")} | {
        "GOVBOT_DATA_DIR": str(tmp_path / "data"),
        "GOVBOT_LOG_LEVEL": "WARNING",
    }
    govbot = Path(sys.executable).with_name("govbot")
    server = subprocess.Popen(
        [str(govbot), "serve", "--host", "0.0.0.0", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code in (200, 503):
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)
        forged = httpx.get(
            f"{base}/api/v1/staff/me",
            headers={"Authorization": f"Bearer {_forged_admin_token(PUBLISHED)}"},
        )
        assert forged.status_code == 401
        assert forged.json()["error"]["message"].startswith("access token is invalid")
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert "created a random token signing secret" in output
    assert "with GOVBOT_ENV=dev: set GOVBOT_ENV=production" in output
    assert stat.S_IMODE((tmp_path / "data" / "jwt-secret").stat().st_mode) == 0o600
