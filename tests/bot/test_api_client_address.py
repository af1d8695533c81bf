"""Rate limits behind reverse proxies and for staff logins (issue 14, finding 3).

Real app (TestClient with lifespan; its ``client`` sets the peer address the way a socket
would), real SQLite; and a real nginx with the shipped deploy/nginx.conf in front of a
real uvicorn on loopback, when nginx is installed (.ci/run installs it).
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from fastapi.testclient import TestClient

from bot.main import create_app
from bot.settings import ApiSettings
from bot.storage.models import StaffRole
from knowledge.errors import ConfigurationError
from tests.bot.conftest import STAFF_PASSWORD, add_staff_users, make_settings
from tests.conftest import live_server

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
NEW = "/api/v1/conversations"


def _start(client: TestClient, forwarded_for: str | None = None) -> int:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return client.post(NEW, json={"tenant": "muenchen"}, headers=headers).status_code


def test_rotating_the_left_of_forwarded_for_does_not_escape_the_limit(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, rate_limit="30/minute", trusted_proxies=["10.0.0.0/8"])
    with TestClient(create_app(settings), client=("10.0.0.2", 5000)) as proxy:
        # What the review sent: a new left-most value each time, through the proxy, which
        # appends the real client's address.
        statuses = [_start(proxy, f"192.0.2.{n}, 198.51.100.9") for n in range(40)]
        other = _start(proxy, "198.51.100.10")  # a different citizen behind the proxy

    assert statuses.count(201) == 30 and statuses[30:] == [429] * 10
    assert other == 201


def test_forwarded_for_from_a_peer_that_is_no_trusted_proxy_is_ignored(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, rate_limit="1/minute", trusted_proxies=["10.0.0.0/8"])
    with TestClient(create_app(settings), client=("203.0.113.5", 5000)) as direct:
        statuses = [_start(direct, f"198.51.100.{n}") for n in (1, 2)]

    assert statuses == [201, 429]


def test_trusting_proxy_headers_without_naming_the_proxies_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="name the proxies instead"):
        ApiSettings(trust_proxy_headers=True)
    with pytest.raises(ConfigurationError, match=r"'10\.0\.0\.300' is not an IP address"):
        create_app(make_settings(Path("unused"), trusted_proxies=["10.0.0.300"]))


def _login(client: TestClient, username: str, password: str) -> int:
    form = {"username": username, "password": password}
    return client.post("/api/v1/auth/token", data=form).status_code


def test_logins_have_their_own_limit_per_user_name(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, rate_limit="1/minute", login_rate_limit="3/minute")
    add_staff_users(settings, ("anna", StaffRole.AGENT), ("ben", StaffRole.AGENT))
    with TestClient(create_app(settings)) as desk:  # the whole service desk: one address
        guessed = [_login(desk, "anna", "falsches passwort") for _ in range(3)]
        locked = desk.post(
            "/api/v1/auth/token", data={"username": "Anna", "password": STAFF_PASSWORD}
        )
        colleagues = [_login(desk, "ben", STAFF_PASSWORD) for _ in range(3)]
        citizen = _start(desk)  # logins took nothing of the citizens' budget

    assert guessed == [401, 401, 401]
    assert locked.status_code == 429
    assert locked.json()["error"]["message"].startswith(
        "too many login attempts for this user name; retry in"
    )
    assert colleagues == [200, 200, 200]
    assert citizen == 201


def test_login_attempts_per_address_are_bounded_too(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, login_address_rate_limit="5/minute")
    with TestClient(create_app(settings)) as sprayer:
        statuses = [_login(sprayer, f"user{n}", "password123") for n in range(6)]

    assert statuses == [401] * 5 + [429]


def test_compose_trusts_exactly_the_shipped_proxy() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    lb = compose["services"]["lb"]
    address = lb["networks"]["default"]["ipv4_address"]
    env = compose["x-govbot-env"]

    assert yaml.safe_load(env["GOVBOT_API__TRUSTED_PROXIES"]) == [address]
    assert "GOVBOT_API__TRUST_PROXY_HEADERS" not in env
    assert "./nginx.conf:/etc/nginx/conf.d/default.conf:ro" in lb["volumes"]
    conf = (DEPLOY / "nginx.conf").read_text()
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in conf


@pytest.fixture
def nginx_in_front(tmp_path: Path) -> Iterator[str]:
    """The shipped nginx.conf, pointed at a live uvicorn on loopback, on a free port."""
    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if nginx is None:
        pytest.skip("nginx is not installed (apt-get install nginx-light; .ci/run does)")
    settings = make_settings(
        tmp_path / "data", rate_limit="30/minute", trusted_proxies=["127.0.0.1"]
    )
    with live_server(create_app(settings)) as api_url:
        port = _free_port()
        conf = (DEPLOY / "nginx.conf").read_text()
        conf = conf.replace("server api:8000;", f"server {api_url.removeprefix('http://')};")
        conf = conf.replace("listen 8080;", f"listen 127.0.0.1:{port};")
        (tmp_path / "site.conf").write_text(conf)
        (tmp_path / "nginx.conf").write_text(
            f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log; daemon off;\n"
            "events {}\n"
            f"http {{ access_log off; client_body_temp_path {tmp_path}/body; "
            f"proxy_temp_path {tmp_path}/proxy; include {tmp_path}/site.conf; }}\n"
        )
        process = subprocess.Popen([nginx, "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path)])
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    httpx.get(f"{base}/health", timeout=1)
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            yield base
        finally:
            process.terminate()
            process.wait(timeout=10)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _from(address: str) -> httpx.Client:
    """A client whose requests leave from ``address`` (any of 127.0.0.0/8 on Linux)."""
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address))


def test_behind_the_shipped_nginx_rotating_forwarded_for_is_limited(nginx_in_front: str) -> None:
    # nginx runs on 127.0.0.1 (the trusted proxy); the citizens come from 127.0.0.2 and .3.
    with _from("127.0.0.2") as attacker, _from("127.0.0.3") as citizen:
        statuses = [
            attacker.post(
                f"{nginx_in_front}{NEW}",
                json={"tenant": "muenchen"},
                headers={"X-Forwarded-For": f"192.0.2.{n}"},
            ).status_code
            for n in range(40)
        ]
        other = citizen.post(f"{nginx_in_front}{NEW}", json={"tenant": "muenchen"})

    assert statuses.count(201) == 30 and statuses[30:] == [429] * 10
    assert other.status_code == 201
