"""Robustness findings of the security review (issue 14, finding 9) through the real program.

The real ``govbot`` command in a child process (configuration errors, access log of
``govbot serve`` on loopback) and the real API in-process (feedback votes). The long
message and its follow-up are in tests/bot/test_api_costly_messages.py.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from bot.main import create_app
from bot.storage.models import StaffRole
from knowledge.retrieval import Retriever
from tests.bot.conftest import add_staff_users, make_settings
from tests.bot.test_api_handoff import Citizen, login

GOVBOT = str(Path(sys.executable).with_name("govbot"))


def _clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("GOVBOT_")}
    return env | {"GOVBOT_DATA_DIR": str(tmp_path / "data")} | extra


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("GOVBOT_ENV", "prod", "Error: invalid settings: GOVBOT_ENV: Input should be 'dev', "
         "'test' or 'production' (got 'prod')"),
        ("GOVBOT_API__PORT", "achtzig", "Error: invalid settings: GOVBOT_API__PORT: Input "
         "should be a valid integer, unable to parse string as an integer (got 'achtzig')"),
        ("GOVBOT_API__CORS_ORIGINS", "[https://x", "Error: GOVBOT_API__… is not valid: "
         "Expecting value: line 1 column 2 (char 1); lists and objects are JSON, e.g. "
         "GOVBOT_API__CORS_ORIGINS='[\"https://www.muenchen.de\"]'"),
    ],
)  # fmt: skip
def test_bad_configuration_is_one_line_not_a_traceback(
    tmp_path: Path, variable: str, value: str, message: str
) -> None:
    for command in (["serve"],):
        done = subprocess.run(
            [GOVBOT, *command],
            env=_clean_env(tmp_path, **{variable: value}),
            capture_output=True,
            text=True,
            timeout=60,
        )

        assert done.returncode == 2
        assert done.stderr.splitlines() == [message], done.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["search", "Reisepass", "--tenant", "muenchen"],
        ["ask", "Reisepass", "--tenant", "muenchen"],
        ["ingest", "ozg"],
        ["eval", "false-alarms"],
        ["bench", "memory"],
    ],
)
def test_every_command_group_reads_settings_the_same_way(
    tmp_path: Path, command: list[str]
) -> None:
    # One reader of the environment (knowledge/settings.py settings_from_environment): ingest,
    # eval and bench printed pydantic's multi-line dump before.
    done = subprocess.run(
        [GOVBOT, *command],
        env=_clean_env(tmp_path, GOVBOT_RETRIEVAL__QUERY_CENTERING="2"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "Error: invalid settings: GOVBOT_RETRIEVAL__QUERY_CENTERING: Input should be less than "
        "or equal to 1 (got '2')"
    ], done.stderr


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """``govbot serve`` on a free loopback port, access log on (no index needed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [GOVBOT, "serve", "--port", str(port)],
        env=_clean_env(tmp_path, GOVBOT_LOG_LEVEL="INFO"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"{base}/health", timeout=2)
            break
        except httpx.TransportError:
            assert server.poll() is None and time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)
    try:
        yield base, server
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait(timeout=30)


def test_access_log_never_shows_a_conversation_id(
    served: tuple[str, subprocess.Popen[str]],
) -> None:
    base, server = served
    conversation_id = httpx.post(
        f"{base}/api/v1/conversations", json={"tenant": "muenchen"}
    ).json()["conversation_id"]
    polled = httpx.get(f"{base}/api/v1/conversations/{conversation_id}/messages?after=0")
    assert polled.status_code == 200
    httpx.get(f"{base}/api/v1/auth/sso/callback?code=Kq7vZ2codeXYZ&state=Pw9stateXYZ")

    server.terminate()
    output, _ = server.communicate(timeout=30)

    assert conversation_id not in output
    assert (
        "codeXYZ" not in output
        and "stateXYZ" not in output
        and "/callback?code=…&state=… HTTP/1.1" in output
    )
    assert '"GET /api/v1/conversations/c-' in output and '/messages?after=0 HTTP/1.1" 200' in output


def test_one_vote_per_answer_the_last_one_counts(
    tmp_path: Path, munich_retriever: Retriever
) -> None:
    settings = make_settings(tmp_path / "data")
    add_staff_users(settings, ("ute", StaffRole.AUDITOR))
    with TestClient(create_app(settings, retriever=munich_retriever)) as client:
        citizen = Citizen(client)
        citizen.say("Was kostet ein Reisepass?")
        [answer] = [m for m in citizen.read_new()["messages"] if m["role"] == "bot"]
        url = f"/api/v1/conversations/{citizen.id}/messages/{answer['id']}/feedback"
        votes = [
            client.post(url, json={"helpful": helpful, "comment": f"Stimme {n}"})
            for n, helpful in enumerate([True, True, True, False])
        ]
        log = client.get("/api/v1/staff/answers", headers=login(client, "ute")).json()

    assert [v.status_code for v in votes] == [201] * 4
    assert len({v.json()["id"] for v in votes}) == 1
    assert [(f["helpful"], f["comment"]) for f in log[0]["feedback"]] == [(False, "Stimme 3")]
