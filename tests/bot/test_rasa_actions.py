"""The Rasa custom actions end to end: Rasa's webhook request → rasa-sdk server → GovBot API.

A real GovBot API (uvicorn on loopback, real dialogue engine over the real Munich index)
and the real rasa-sdk action server started with ``govbot rasa-actions`` in a subprocess.
Failures come from a real refused port and from a small loopback HTTP server that stands
in for a broken GovBot (500, invalid JSON, no reply): that is the network edge.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import rasa_sdk

from bot.integrations.rasa_actions import rasa_transcript
from bot.integrations.rasa_responses import answer_messages
from bot.main import create_app
from bot.settings import Settings
from bot.storage.models import StaffRole
from bot.texts.catalogue import shipped_texts
from govbot_client.citizen import AnswerPublic, ConversationPublic
from knowledge.retrieval import Retriever
from tests.bot.conftest import STAFF_PASSWORD, add_staff_users, make_settings
from tests.conftest import live_server

QUESTION = "Wie melde ich mein Auto ab?"
FAHRZEUG_ABMELDEN = "muenchen/1064305"
UNAVAILABLE = (
    "Entschuldigung, ich kann Ihre Frage gerade nicht beantworten, weil die Auskunft der "
    "Stadtverwaltung nicht erreichbar ist. Bitte versuchen Sie es später noch einmal oder "
    "sprechen Sie mit einem Menschen aus dem Service-Team."
)
HANDOFF_OFFER = [{"title": "Mit einem Menschen sprechen", "payload": "/govbot_handoff"}]
EXPECTED = "innerhalb von 2 Werktagen (Servicezeiten Mo–Fr 8–16 Uhr)"
# The slice of a Rasa domain the actions use (docs/rasa.md has the full domain.yml).
DOMAIN: dict[str, Any] = {
    "version": "3.1",
    "intents": ["govbot_handoff"],
    "slots": {
        "govbot_conversation_id": {"type": "text", "influence_conversation": False},
        "govbot_tenant": {"type": "text", "influence_conversation": False},
        "govbot_language": {"type": "text", "influence_conversation": False},
    },
    "actions": ["action_govbot_answer", "action_govbot_handoff"],
}


# --- servers ---------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class ActionServer:
    """A ``govbot rasa-actions`` subprocess."""

    url: str
    process: subprocess.Popen[bytes]


def _start_action_server(api_url: str, workdir: Path, *, timeout_s: float) -> ActionServer:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVBOT_")}
    env |= {
        "GOVBOT_ENV": "test",
        "GOVBOT_RASA__GOVBOT_API_URL": api_url,
        "GOVBOT_RASA__TIMEOUT_S": str(timeout_s),
        "GOVBOT_RASA__TRANSCRIPT_TURNS": "4",
    }
    govbot = Path(sys.executable).with_name("govbot")
    with (workdir / f"rasa-actions-{port}.log").open("wb") as log:
        process = subprocess.Popen(
            [str(govbot), "rasa-actions", "--port", str(port)],
            cwd=workdir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return ActionServer(url=f"http://127.0.0.1:{port}", process=process)


def _wait_healthy(server: ActionServer, deadline_s: float = 90.0) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"govbot rasa-actions exited with {server.process.returncode}")
        try:
            if httpx.get(f"{server.url}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"govbot rasa-actions did not come up on {server.url}")


def _stop(server: ActionServer) -> None:
    # The server is the leader of its own session: SIGTERM reaches Sanic's worker too.
    os.killpg(server.process.pid, signal.SIGTERM)
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=5)


class BrokenGovBot:
    """A loopback HTTP server answering like a broken GovBot: ``mode`` picks how."""

    def __init__(self) -> None:
        self.mode = "500"
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if owner.mode == "hang":
                    time.sleep(3)  # longer than the action server's 1 s timeout
                body = b"<html>Bad Gateway</html>" if owner.mode == "500" else b"{not json"
                self.send_response(502 if owner.mode == "500" else 201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Servers:
    api: str  # the real GovBot API
    actions: str  # action server → real GovBot API
    refused: str  # action server → a port nobody listens on
    broken: str  # action server → BrokenGovBot
    broken_govbot: BrokenGovBot


@pytest.fixture(scope="module")
def servers(
    munich_index: Settings, munich_retriever: Retriever, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Servers]:
    workdir = tmp_path_factory.mktemp("rasa")
    settings = make_settings(workdir / "data", f"sqlite:///{workdir / 'govbot.sqlite3'}")
    add_staff_users(settings, ("anna", StaffRole.AGENT))
    broken = BrokenGovBot()
    with live_server(create_app(settings, retriever=munich_retriever)) as api:
        # Started together: each takes a few seconds to import and spawn its Sanic worker.
        started = [
            _start_action_server(api, workdir, timeout_s=30),
            _start_action_server(f"http://127.0.0.1:{_free_port()}", workdir, timeout_s=5),
            _start_action_server(broken.url, workdir, timeout_s=1),
        ]
        try:
            for server in started:
                _wait_healthy(server)
            actions, refused, broken_actions = (s.url for s in started)
            yield Servers(api, actions, refused, broken_actions, broken_govbot=broken)
        finally:
            for server in started:
                _stop(server)
            broken.close()


# --- Rasa's webhook request -------------------------------------------------------------------


def action_call(
    action: str,
    text: str,
    *,
    slots: dict[str, Any] | None = None,
    events: list[dict[str, Any]] | None = None,
    sender: str = "citizen-1",
) -> dict[str, Any]:
    """The body Rasa POSTs to the action endpoint before running ``action``."""
    all_slots = {"govbot_conversation_id": None, "govbot_tenant": "muenchen", **(slots or {})}
    latest = {"text": text, "intent": {"name": "nlu_fallback", "confidence": 0.4}, "entities": []}
    return {
        "next_action": action,
        "sender_id": sender,
        "version": rasa_sdk.__version__,
        "domain": DOMAIN,
        "tracker": {
            "sender_id": sender,
            "slots": all_slots,
            "latest_message": latest,
            "latest_event_time": time.time(),
            "followup_action": None,
            "paused": False,
            "events": [*(events or []), {"event": "user", "text": text, "parse_data": latest}],
            "latest_input_channel": "rest",
            "active_loop": {},
            "latest_action": {"action_name": "action_listen"},
            "latest_action_name": "action_listen",
        },
    }


def run_action(url: str, body: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(f"{url}/webhook", json=body, timeout=60)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def conversation_slot(result: dict[str, Any]) -> str:
    [event] = result["events"]
    assert (event["event"], event["name"]) == ("slot", "govbot_conversation_id")
    value: str = event["value"]
    return value


def govbot_messages(servers: Servers, conversation_id: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{servers.api}/api/v1/conversations/{conversation_id}/messages")
    assert response.status_code == 200, response.text
    messages: list[dict[str, Any]] = response.json()["messages"]
    return messages


# --- the answer action ------------------------------------------------------------------------


def test_first_turn_answers_with_sources_and_notice(servers: Servers) -> None:
    result = run_action(servers.actions, action_call("action_govbot_answer", QUESTION))

    conversation_id = conversation_slot(result)
    notice, answer, sources = result["responses"]
    assert notice["text"].startswith(
        "Sie schreiben mit einem KI-Assistenten der Landeshauptstadt München."
    )
    stored = govbot_messages(servers, conversation_id)
    assert [(m["role"], m["text"]) for m in stored] == [
        ("citizen", QUESTION),
        ("bot", answer["text"]),
    ]
    assert stored[1]["answer"]["status"] == "answered"
    assert stored[1]["answer"]["citations"][0]["doc_id"] == FAHRZEUG_ABMELDEN
    first = sources["buttons"][0]
    assert first["title"].startswith("Fahrzeug abmelden")
    assert (first["type"], first["url"]) == ("web_url", stored[1]["answer"]["citations"][0]["url"])
    assert first["url"].startswith("https://")
    updated = stored[1]["answer"]["citations"][0]["updated"]
    if updated:
        assert f"(Stand {date.fromisoformat(updated):%d.%m.%Y})" in first["title"]
    assert sources["text"].startswith(f"Quellen:\n- {first['title']}: {first['url']}")


def test_second_turn_reuses_the_conversation(servers: Servers) -> None:
    first = run_action(servers.actions, action_call("action_govbot_answer", QUESTION))
    conversation_id = conversation_slot(first)
    earlier = [{"event": "user", "text": QUESTION}] + [
        {"event": "bot", "text": r["text"]} for r in first["responses"]
    ]

    second = run_action(
        servers.actions,
        action_call(
            "action_govbot_answer",
            "Was kostet die Abmeldung?",
            slots={"govbot_conversation_id": conversation_id},
            events=earlier,
        ),
    )

    assert second["events"] == []
    assert not any(r["text"].startswith("Sie schreiben mit") for r in second["responses"])
    stored = govbot_messages(servers, conversation_id)
    assert [m["role"] for m in stored] == ["citizen", "bot", "citizen", "bot"]
    assert stored[2]["text"] == "Was kostet die Abmeldung?"
    assert second["responses"][0]["text"] == stored[3]["text"]


def test_unknown_conversation_id_starts_a_new_conversation(servers: Servers) -> None:
    stale = {"govbot_conversation_id": "gone-after-a-database-reset"}
    result = run_action(servers.actions, action_call("action_govbot_answer", QUESTION, slots=stale))

    conversation_id = conversation_slot(result)
    assert conversation_id != stale["govbot_conversation_id"]
    assert result["responses"][0]["text"].startswith("Sie schreiben mit einem KI-Assistenten")
    assert len(govbot_messages(servers, conversation_id)) == 2


def test_unknown_tenant_4xx_gives_a_friendly_message_and_handoff_offer(servers: Servers) -> None:
    call = action_call("action_govbot_answer", QUESTION, slots={"govbot_tenant": "atlantis"})

    result = run_action(servers.actions, call)

    assert result["events"] == []
    assert [(r["text"], r["buttons"]) for r in result["responses"]] == [
        (UNAVAILABLE, HANDOFF_OFFER)
    ]


def test_intent_payload_is_not_sent_as_a_question(servers: Servers) -> None:
    result = run_action(servers.actions, action_call("action_govbot_answer", "/greet"))

    assert result["events"] == []
    assert [r["text"] for r in result["responses"]] == ["Bitte schreiben Sie Ihre Frage als Text."]


# --- the handoff action -----------------------------------------------------------------------


def _login(servers: Servers) -> dict[str, str]:
    response = httpx.post(
        f"{servers.api}/api/v1/auth/token", data={"username": "anna", "password": STAFF_PASSWORD}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_handoff_returns_the_reference_and_carries_the_rasa_transcript(servers: Servers) -> None:
    rasa_turns = [
        {"event": "user", "text": "Hallo"},
        {"event": "bot", "text": "Hallo! Wie kann ich helfen?"},
        {"event": "user", "text": "Ich habe meinen Fahrzeugschein verloren."},
        {"event": "bot", "text": "Das kann ich leider nicht beantworten."},
    ]
    result = run_action(
        servers.actions,
        action_call("action_govbot_handoff", "/govbot_handoff", events=rasa_turns),
    )

    conversation_id = conversation_slot(result)  # no earlier GovBot turn: a new conversation
    [confirmation] = result["responses"]
    match = re.fullmatch(
        r"Ihr Anliegen wurde an das Service-Team übergeben\. Ihre Vorgangsnummer lautet "
        rf"(GB-{datetime.now(UTC).year}-\d{{6}})\. Sie erhalten eine Antwort (.+)\.",
        confirmation["text"],
    )
    assert match is not None, confirmation["text"]
    assert match[2] == EXPECTED
    staff = _login(servers)
    inbox = httpx.get(f"{servers.api}/api/v1/staff/handoffs?status=open", headers=staff).json()
    [handoff] = [h for h in inbox if h["reference"] == match[1]]
    assert handoff["conversation_id"] == conversation_id
    detail = httpx.get(f"{servers.api}/api/v1/staff/handoffs/{handoff['id']}", headers=staff)
    assert detail.json()["reason"] == (
        "Weitergeleitet aus dem Rasa-Assistenten der Kommune\n\n"
        "Verlauf im vorgeschalteten Assistenten:\n"
        "Bürger/in: Hallo\n"
        "Assistent: Hallo! Wie kann ich helfen?\n"
        "Bürger/in: Ich habe meinen Fahrzeugschein verloren.\n"
        "Assistent: Das kann ich leider nicht beantworten."
    )

    # While the service desk holds it, GovBot stays silent and the agent's reply is relayed.
    claim = httpx.post(f"{servers.api}/api/v1/staff/handoffs/{handoff['id']}/claim", headers=staff)
    assert claim.status_code == 200, claim.text
    reply = httpx.post(
        f"{servers.api}/api/v1/staff/handoffs/{handoff['id']}/reply",
        headers=staff,
        json={"text": "Bitte bringen Sie Ihren Ausweis mit."},
    )
    assert reply.status_code == 201, reply.text
    later = run_action(
        servers.actions,
        action_call(
            "action_govbot_answer",
            "Danke, was brauche ich noch?",
            slots={"govbot_conversation_id": conversation_id},
        ),
    )
    assert later["events"] == []
    assert [r["text"] for r in later["responses"]] == [
        "Service-Team: Bitte bringen Sie Ihren Ausweis mit.",
        "Ihre Nachricht ist beim Service-Team angekommen; Antworten erscheinen hier, sobald Sie "
        "wieder schreiben.",
    ]


def test_handoff_after_an_answer_uses_the_same_conversation(servers: Servers) -> None:
    first = run_action(servers.actions, action_call("action_govbot_answer", QUESTION))
    conversation_id = conversation_slot(first)

    result = run_action(
        servers.actions,
        action_call(
            "action_govbot_handoff",
            "Ich möchte mit einem Menschen sprechen",
            slots={"govbot_conversation_id": conversation_id},
        ),
    )

    assert result["events"] == []
    assert "Ihre Vorgangsnummer lautet GB-" in result["responses"][0]["text"]
    roles = [m["role"] for m in govbot_messages(servers, conversation_id)]
    assert roles == ["citizen", "bot", "system"]  # the escalation notice


# --- GovBot unreachable or broken -------------------------------------------------------------


def test_govbot_down_gives_a_friendly_message_and_handoff_offer(servers: Servers) -> None:
    answer = run_action(servers.refused, action_call("action_govbot_answer", QUESTION))
    handoff = run_action(servers.refused, action_call("action_govbot_handoff", "/govbot_handoff"))

    assert (answer["events"], handoff["events"]) == ([], [])
    assert [(r["text"], r["buttons"]) for r in answer["responses"]] == [
        (UNAVAILABLE, HANDOFF_OFFER)
    ]
    assert [(r["text"], r["buttons"]) for r in handoff["responses"]] == [
        (
            "Entschuldigung, die Weiterleitung an das Service-Team hat gerade nicht geklappt. "
            "Bitte versuchen Sie es in einigen Minuten noch einmal.",
            [{"title": "Erneut versuchen", "payload": "/govbot_handoff"}],
        )
    ]


@pytest.mark.parametrize("mode", ["500", "invalid_json", "hang"])
def test_broken_govbot_gives_a_friendly_message_and_handoff_offer(
    servers: Servers, mode: str
) -> None:
    servers.broken_govbot.mode = mode

    result = run_action(servers.broken, action_call("action_govbot_answer", QUESTION))

    assert result["events"] == []
    assert [(r["text"], r["buttons"]) for r in result["responses"]] == [
        (UNAVAILABLE, HANDOFF_OFFER)
    ]
    assert "Traceback" not in json.dumps(result)


# --- pure parts -------------------------------------------------------------------------------


def test_transcript_keeps_the_latest_texts_without_intent_payloads() -> None:
    events: list[dict[str, Any]] = [
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "eins"},
        {"event": "bot", "text": "zwei"},
        {"event": "user", "text": "/govbot_handoff"},
        {"event": "slot", "name": "govbot_tenant", "value": "muenchen"},
        {"event": "user", "text": "drei " + "x" * 2000},
        {"event": "bot", "text": None},
    ]

    lines = rasa_transcript(events, turns=2)

    assert [(line.role, line.text[:6], len(line.text)) for line in lines] == [
        ("bot", "zwei", 4),
        ("citizen", "drei x", 1000),
    ]
    assert rasa_transcript(events, turns=0) == []


def test_emergency_answer_comes_first_and_in_full() -> None:
    text = "Bitte rufen Sie sofort den Notruf 112 an. " * 40
    answer = AnswerPublic(
        status="emergency",
        text=text,
        citations=[],
        offices=[],
        confidence=1.0,
        handoff_offered=False,
        handoff=None,
    )
    started = ConversationPublic(
        conversation_id="c1",
        tenant="muenchen",
        language="de",
        state="bot",
        notice="KI-Hinweis",
        created_at=datetime.now(UTC),
    )

    messages = answer_messages(answer, started=started, language="de")

    assert [m.text for m in messages] == [text, "KI-Hinweis"]


# --- languages (issue 13 item 4) ---------------------------------------------------------------

UK_QUESTION = "Як зняти автомобіль з обліку в Мюнхені?"


def rasa_text(key: str, language: str) -> str:
    return shipped_texts().text(f"rasa.{key}", language)


def test_a_conversation_started_in_the_language_slot_is_in_that_language(
    servers: Servers,
) -> None:
    result = run_action(
        servers.actions,
        action_call("action_govbot_answer", UK_QUESTION, slots={"govbot_language": "uk"}),
    )

    conversation_slot(result)  # the conversation id only: the language did not change
    notice, answer, sources = result["responses"]  # answered from "Fahrzeug abmelden"
    assert notice["text"].startswith(shipped_texts().text("notice.ai", "uk")[:30])
    assert "Sie schreiben mit" not in notice["text"]
    stored = govbot_messages(servers, conversation_slot(result))
    assert stored[1]["answer"]["language"] == "uk"
    assert stored[1]["answer"]["citations"][0]["doc_id"] == FAHRZEUG_ABMELDEN
    assert answer["text"] == stored[1]["text"]
    assert sources["text"].startswith(rasa_text("sources", "uk") + "\n- ")
    assert f"({rasa_text('as_of', 'uk')} " in sources["buttons"][0]["title"]


def test_the_actions_follow_the_language_govbot_answered_in(servers: Servers) -> None:
    """Configured in German, asked in Ukrainian: the actions' own texts follow the answer,
    the slot keeps the language, and the handoff confirms in it."""
    first = run_action(servers.actions, action_call("action_govbot_answer", UK_QUESTION))
    conversation, language = first["events"]
    assert (language["event"], language["name"], language["value"]) == (
        "slot",
        "govbot_language",
        "uk",
    )
    stored = govbot_messages(servers, conversation["value"])
    assert stored[1]["answer"]["language"] == "uk"
    *_, sources = first["responses"]
    assert sources["text"].startswith(rasa_text("sources", "uk") + "\n- ")

    handoff = run_action(
        servers.actions,
        action_call(
            "action_govbot_handoff",
            "/govbot_handoff",
            slots={"govbot_conversation_id": conversation["value"], "govbot_language": "uk"},
        ),
    )
    [confirmation] = handoff["responses"]
    done = rasa_text("handoff_done", "uk")
    assert confirmation["text"].startswith(done[: done.index("{")])


def test_an_unknown_language_in_the_slot_falls_back_to_the_configured_one(
    servers: Servers,
) -> None:
    result = run_action(
        servers.actions,
        action_call("action_govbot_answer", QUESTION, slots={"govbot_language": "xx"}),
    )
    notice = result["responses"][0]
    assert notice["text"].startswith("Sie schreiben mit einem KI-Assistenten")
