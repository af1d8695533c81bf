"""kill -9 of the API (a real uvicorn subprocess) loses nothing that was stored.

A message is stored with its answer in one transaction, and an escalation with its
system notice: after SIGKILL mid-request the restarted API serves every earlier
message unchanged, and the interrupted request either happened completely or not at
all. Slow (two API starts per test, each loading the embedder and the index).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.settings import Settings
from bot.storage.models import StaffRole
from eval.bench.server import ServedApi, stop_server
from tests.bot.conftest import STAFF_PASSWORD, add_staff_users
from tests.faults.conftest import ServerFactory, child_environment, in_flight, settings_for

pytestmark = pytest.mark.slow


def post(api: ServedApi, path: str, body: dict[str, Any] | None = None, **kw: Any) -> Any:
    response = httpx.post(f"{api.url}{path}", json=body, timeout=60, **kw)
    assert response.status_code in (200, 201), response.text
    return response.json()


def messages(api: ServedApi, conversation_id: str) -> dict[str, Any]:
    response = httpx.get(f"{api.url}/api/v1/conversations/{conversation_id}/messages", timeout=30)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def kill_during(api: ServedApi, method: str, path: str, body: dict[str, Any]) -> None:
    """SIGKILL the server while ``method path`` is being processed."""
    thread = in_flight(method, f"{api.url}{path}", json=body)
    time.sleep(0.03)  # answering takes longer than this: the request is in the server
    stop_server(api, kill=True)
    thread.join(timeout=30)
    assert api.process.returncode == -9


def test_kill_9_during_a_conversation_loses_nothing_stored(
    munich_index: Settings, sqlite_url: str, serve: ServerFactory
) -> None:
    env = child_environment(munich_index.data_dir, sqlite_url)
    api = serve(env)
    conversation = post(api, "/api/v1/conversations", {"tenant": "muenchen"})["conversation_id"]
    path = f"/api/v1/conversations/{conversation}/messages"
    post(api, path, {"text": "Was kostet ein Personalausweis?"})
    post(api, path, {"text": "Und ein Reisepass?"})
    before = messages(api, conversation)

    kill_during(api, "POST", path, {"text": "Wie melde ich meinen Wohnsitz an?"})

    api = serve(env)
    after = messages(api, conversation)
    assert after["messages"][:4] == before["messages"]
    interrupted = after["messages"][4:]
    assert [(m["role"], m["text"]) for m in interrupted[:1]] in (
        [],
        [("citizen", "Wie melde ich meinen Wohnsitz an?")],
    )
    assert [m["role"] for m in interrupted] in ([], ["citizen", "bot"])  # all or nothing
    # The conversation goes on with the next sequence number.
    posted = post(api, path, {"text": "Was kostet ein Führungszeugnis?"})
    assert posted["message"]["seq"] == len(after["messages"]) + 1
    assert posted["answer"]["status"] == "answered"


def test_kill_9_during_a_handoff_loses_nothing_stored(
    munich_index: Settings, sqlite_url: str, serve: ServerFactory, tmp_path: Path
) -> None:
    add_staff_users(settings_for(tmp_path / "unused", sqlite_url), ("anna", StaffRole.AGENT))
    env = child_environment(munich_index.data_dir, sqlite_url)
    api = serve(env)
    token = post(
        api, "/api/v1/auth/token", None, data={"username": "anna", "password": STAFF_PASSWORD}
    )["access_token"]
    anna = {"Authorization": f"Bearer {token}"}
    # Conversation A: handed off, claimed and answered by an agent before the crash.
    first = post(api, "/api/v1/conversations", {"tenant": "muenchen"})["conversation_id"]
    post(api, f"/api/v1/conversations/{first}/messages", {"text": "Was kostet ein Reisepass?"})
    reference = post(api, f"/api/v1/conversations/{first}/handoff", {})["reference"]
    inbox = httpx.get(f"{api.url}/api/v1/staff/handoffs", headers=anna, timeout=30).json()
    handoff_id = inbox[0]["id"]
    post(api, f"/api/v1/staff/handoffs/{handoff_id}/claim", None, headers=anna)
    post(api, f"/api/v1/staff/handoffs/{handoff_id}/reply", {"text": "Hallo!"}, headers=anna)
    before = messages(api, first)
    # Conversation B: the server dies while the citizen's handoff request is processed.
    second = post(api, "/api/v1/conversations", {"tenant": "muenchen"})["conversation_id"]
    post(api, f"/api/v1/conversations/{second}/messages", {"text": "Wie melde ich mein Auto ab?"})

    kill_during(api, "POST", f"/api/v1/conversations/{second}/handoff", {"reason": "Termin"})

    api = serve(env)
    assert messages(api, first) == before
    assert before["state"] == "with_agent"
    inbox = httpx.get(f"{api.url}/api/v1/staff/handoffs", headers=anna, timeout=30).json()
    claimed = [
        (h["reference"], h["status"], h["assigned_to"]) for h in inbox if h["id"] == handoff_id
    ]
    assert claimed == [(reference, "claimed", "anna")]
    # B: the interrupted request happened completely or not at all; asking again is safe.
    state_after_crash = messages(api, second)["state"]
    assert state_after_crash in ("bot", "waiting_for_agent")
    again = httpx.post(f"{api.url}/api/v1/conversations/{second}/handoff", json={}, timeout=30)
    assert again.status_code == (200 if state_after_crash == "waiting_for_agent" else 201)
    inbox = httpx.get(f"{api.url}/api/v1/staff/handoffs", headers=anna, timeout=30).json()
    assert [h["reference"] for h in inbox].count(again.json()["reference"]) == 1
    assert len(inbox) == 2
