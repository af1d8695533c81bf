"""The handoff round trip over HTTP with the real dialogue engine on a real Munich index.

citizen asks → bot answers → citizen asks for a person → escalation → agent logs in,
claims, replies → citizen reads the reply → agent hands back → the bot answers again.
Also: restart on the same database loses nothing (SQLite and PostgreSQL).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.main import create_app
from bot.settings import Settings
from bot.storage.models import StaffRole
from knowledge.retrieval import Retriever
from tests.bot.conftest import STAFF_PASSWORD, add_staff_users, make_settings

PERSONALAUSWEIS = "muenchen/1063441"
REISEPASS = "muenchen/1063453"


class Citizen:
    """A citizen's side of one conversation."""

    def __init__(self, client: TestClient, tenant: str = "muenchen") -> None:
        self.client = client
        response = client.post("/api/v1/conversations", json={"tenant": tenant})
        assert response.status_code == 201, response.text
        self.id = response.json()["conversation_id"]
        self.seen = 0

    def say(self, text: str) -> dict[str, Any]:
        response = self.client.post(
            f"/api/v1/conversations/{self.id}/messages", json={"text": text}
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def ask_for_person(self, reason: str | None = None) -> dict[str, Any]:
        response = self.client.post(
            f"/api/v1/conversations/{self.id}/handoff", json={"reason": reason}
        )
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    def read_new(self) -> dict[str, Any]:
        response = self.client.get(f"/api/v1/conversations/{self.id}/messages?after={self.seen}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        if body["messages"]:
            self.seen = body["messages"][-1]["seq"]
        return body


def login(client: TestClient, username: str) -> dict[str, str]:
    response = client.post(
        "/api/v1/auth/token", data={"username": username, "password": STAFF_PASSWORD}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def cited(answer: dict[str, Any]) -> list[str]:
    return [c["doc_id"] for c in answer["citations"]]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    settings = make_settings(tmp_path / "data")
    add_staff_users(
        settings, ("anna", StaffRole.AGENT), ("ben", StaffRole.AGENT), ("erik", StaffRole.EDITOR),
        ("ute", StaffRole.AUDITOR),
    )  # fmt: skip
    return settings


@pytest.fixture
def client(settings: Settings, munich_retriever: Retriever) -> Iterator[TestClient]:
    with TestClient(create_app(settings, retriever=munich_retriever)) as client:
        yield client


def test_full_handoff_round_trip(client: TestClient) -> None:
    citizen = Citizen(client)

    # 1. The bot answers a service question with its source.
    first = citizen.say("Was kostet ein Personalausweis?")
    assert first["answer"]["status"] == "answered"
    assert cited(first["answer"])[0] == PERSONALAUSWEIS
    assert first["answer"]["options"] == []  # clarifying choices: none for a clear question

    # 2. The citizen asks for a person.
    handoff = citizen.ask_for_person("Ich brauche einen Termin, Telefon 0171 2345678")
    year = datetime.now(UTC).year
    assert re.fullmatch(rf"GB-{year}-\d{{6}}", handoff["reference"])
    assert (
        handoff["expected_response"] == "innerhalb von 2 Werktagen (Servicezeiten Mo–Fr 8–16 Uhr)"
    )
    assert handoff["state"] == "waiting_for_agent"

    # 3. While waiting, messages are kept for the agent and the bot stays silent.
    waiting = citizen.say("Meine E-Mail ist max.muster@example.org, bitte melden Sie sich.")
    assert (waiting["answer"], waiting["state"]) == (None, "waiting_for_agent")

    # 4. An agent finds it in the inbox; before claiming, personal data is masked.
    anna, ben = login(client, "anna"), login(client, "ben")
    inbox = client.get("/api/v1/staff/handoffs?status=open", headers=anna).json()
    assert [(h["reference"], h["tenant"], h["source"]) for h in inbox] == [
        (handoff["reference"], "muenchen", "citizen")
    ]
    handoff_id = inbox[0]["id"]
    before = client.get(f"/api/v1/staff/handoffs/{handoff_id}", headers=anna).json()
    texts = [m["text"] for m in before["transcript"] if m["role"] == "citizen"]
    assert "Meine E-Mail ist [E-MAIL], bitte melden Sie sich." in texts
    assert before["reason"] == "Ich brauche einen Termin, Telefon [TELEFON]"
    assert before["candidate_sources"][0] == {
        "doc_id": PERSONALAUSWEIS,
        "title": before["candidate_sources"][0]["title"],
        "url": before["candidate_sources"][0]["url"],
    }
    assert "Personalausweis" in before["candidate_sources"][0]["title"]

    # 5. Anna claims: she sees the original, Ben sees it masked and cannot claim or reply.
    claimed = client.post(f"/api/v1/staff/handoffs/{handoff_id}/claim", headers=anna)
    assert claimed.status_code == 200
    assert (claimed.json()["status"], claimed.json()["assigned_to"]) == ("claimed", "anna")
    assert claimed.json()["conversation_state"] == "with_agent"
    assert "Meine E-Mail ist max.muster@example.org, bitte melden Sie sich." in [
        m["text"] for m in claimed.json()["transcript"]
    ]
    other = client.get(f"/api/v1/staff/handoffs/{handoff_id}", headers=ben).json()
    assert "Meine E-Mail ist [E-MAIL], bitte melden Sie sich." in [
        m["text"] for m in other["transcript"]
    ]
    assert client.post(f"/api/v1/staff/handoffs/{handoff_id}/claim", headers=ben).status_code == 409
    denied = client.post(
        f"/api/v1/staff/handoffs/{handoff_id}/reply", headers=ben, json={"text": "Hallo"}
    )
    assert denied.status_code == 403

    # 6. With an agent, the bot stays silent too.
    assert citizen.say("Danke!")["answer"] is None

    # 7. Anna replies; the citizen reads it in the same conversation.
    reply = client.post(
        f"/api/v1/staff/handoffs/{handoff_id}/reply",
        headers=anna,
        json={"text": "Guten Tag, ich habe Ihnen einen Termin am Montag reserviert."},
    )
    assert reply.status_code == 201
    new = citizen.read_new()
    assert new["state"] == "with_agent"
    assert [(m["role"], m["text"]) for m in new["messages"] if m["role"] == "agent"] == [
        ("agent", "Guten Tag, ich habe Ihnen einen Termin am Montag reserviert.")
    ]

    # 8. Anna hands back to the bot; the bot answers again.
    released = client.post(f"/api/v1/staff/handoffs/{handoff_id}/release", headers=anna)
    assert (released.status_code, released.json()["status"]) == (200, "closed")
    assert released.json()["outcome"] == "handed_back_to_bot"
    again = citizen.say("Was kostet ein Reisepass?")
    assert (again["state"], again["answer"]["status"]) == ("bot", "answered")
    assert cited(again["answer"])[0] == REISEPASS
    roles = [m["role"] for m in citizen.read_new()["messages"]]
    assert roles == ["system", "citizen", "bot"]  # "handed back" notice, question, answer

    # 9. The answer log keeps redacted text and the trace; the audit log has every step.
    erik, ute = login(client, "erik"), login(client, "ute")
    log = client.get("/api/v1/staff/review/answers?tenant=muenchen", headers=erik).json()
    assert [cited(e)[0] for e in log] == [REISEPASS, PERSONALAUSWEIS]
    assert all(e["index_version"] and e["embedder"] and e["trace"]["hits"] for e in log)
    audit = client.get("/api/v1/staff/audit/entries", headers=ute).json()["entries"]
    actions = [e["action"] for e in audit]
    assert actions.index("handoff.released") < actions.index("handoff.replied")
    assert actions.index("handoff.claimed") < actions.index("handoff.created")


def test_bot_handoff_answer_creates_an_escalation(client: TestClient) -> None:
    citizen = Citizen(client)

    posted = citizen.say("Ich möchte bitte mit einem Menschen sprechen.")

    answer = posted["answer"]
    assert answer["status"] == "handoff"
    assert re.fullmatch(r"GB-\d{4}-\d{6}", answer["handoff"]["reference"])
    assert posted["state"] == "waiting_for_agent"
    inbox = client.get("/api/v1/staff/handoffs?status=open", headers=login(client, "anna")).json()
    assert [(h["reference"], h["source"]) for h in inbox] == [
        (answer["handoff"]["reference"], "bot")
    ]
    # Asking again returns the same escalation (200, not a second one).
    again = client.post(f"/api/v1/conversations/{citizen.id}/handoff", json={})
    assert (again.status_code, again.json()["reference"]) == (200, answer["handoff"]["reference"])


def test_emergency_is_answered_even_while_an_agent_holds_the_conversation(
    client: TestClient,
) -> None:
    citizen = Citizen(client)
    citizen.ask_for_person()
    anna = login(client, "anna")
    handoff_id = client.get("/api/v1/staff/handoffs", headers=anna).json()[0]["id"]
    client.post(f"/api/v1/staff/handoffs/{handoff_id}/claim", headers=anna)

    posted = citizen.say("Ich will nicht mehr leben, ich bringe mich um.")

    assert posted["state"] == "with_agent"
    assert posted["answer"]["status"] == "emergency"
    assert "0800 111 0 111" in posted["answer"]["text"]


def test_closed_conversation_refuses_new_messages(client: TestClient) -> None:
    citizen = Citizen(client)
    citizen.ask_for_person()
    anna = login(client, "anna")
    handoff_id = client.get("/api/v1/staff/handoffs", headers=anna).json()[0]["id"]

    closed = client.post(
        f"/api/v1/staff/handoffs/{handoff_id}/close", headers=anna, json={"outcome": "erledigt"}
    )
    response = client.post(f"/api/v1/conversations/{citizen.id}/messages", json={"text": "Hallo"})

    assert (closed.status_code, closed.json()["outcome"]) == (200, "erledigt")
    assert citizen.read_new()["state"] == "closed"
    assert response.status_code == 409
    assert response.json()["error"]["message"] == (
        f"conversation {citizen.id!r} is closed; start a new conversation"
    )


def test_feedback_is_stored_redacted_and_filterable(client: TestClient) -> None:
    citizen = Citizen(client)
    answer_message = citizen.say("Was kostet ein Personalausweis?")
    bot_message_id = citizen.read_new()["messages"][-1]["id"]
    assert answer_message["answer"] is not None

    response = client.post(
        f"/api/v1/conversations/{citizen.id}/messages/{bot_message_id}/feedback",
        json={"helpful": False, "comment": "Bitte rufen Sie mich an: 089 1234567"},
    )

    assert response.status_code == 201
    log = client.get(
        "/api/v1/staff/review/answers?feedback=unhelpful", headers=login(client, "erik")
    ).json()
    assert [(e["message_id"], e["feedback"][0]["comment"]) for e in log] == [
        (bot_message_id, "Bitte rufen Sie mich an: [TELEFON]")
    ]


def test_restart_loses_nothing(
    tmp_path: Path, database_url: str, munich_retriever: Retriever
) -> None:
    settings = make_settings(tmp_path / "data", database_url)
    add_staff_users(settings, ("anna", StaffRole.AGENT))

    with TestClient(create_app(settings, retriever=munich_retriever)) as client:
        citizen = Citizen(client)
        citizen.say("Was kostet ein Personalausweis?")
        reference = citizen.ask_for_person()["reference"]
        anna = login(client, "anna")
        handoff_id = client.get("/api/v1/staff/handoffs", headers=anna).json()[0]["id"]
        client.post(f"/api/v1/staff/handoffs/{handoff_id}/claim", headers=anna)
        client.post(
            f"/api/v1/staff/handoffs/{handoff_id}/reply", headers=anna, json={"text": "Hallo!"}
        )
        before = client.get(f"/api/v1/conversations/{citizen.id}/messages").json()

    with TestClient(create_app(settings, retriever=munich_retriever)) as client:
        after = client.get(f"/api/v1/conversations/{citizen.id}/messages").json()
        inbox = client.get("/api/v1/staff/handoffs", headers=anna).json()  # token still valid
        log = client.get("/api/v1/staff/review/answers", headers=login(client, "anna"))

    assert after == before
    assert [m["role"] for m in after["messages"]] == ["citizen", "bot", "system", "system", "agent"]
    assert after["state"] == "with_agent"
    assert [(h["reference"], h["status"], h["assigned_to"]) for h in inbox] == [
        (reference, "claimed", "anna")
    ]
    assert log.status_code == 403  # agents do not read the answer log; login still works


def test_further_sections_are_offered_and_fetched_on_request(client: TestClient) -> None:
    """Issue 17: the answer is short; further sections come behind "Mehr anzeigen"."""
    citizen = Citizen(client)
    answer = citizen.say("Was kostet ein Personalausweis?")["answer"]
    offered = answer["more"]
    assert offered and all(m["doc_id"] == PERSONALAUSWEIS for m in offered)
    assert "Gebühren" not in {m["title"] for m in offered}  # the fees were the answer
    first = offered[0]
    url = f"/api/v1/conversations/{citizen.id}/more"
    section = client.get(url, params={"doc_id": first["doc_id"], "key": first["key"]})
    assert section.status_code == 200, section.text
    body = section.json()
    assert body["title"] == first["title"] and body["text"]
    assert body["text"] not in answer["text"]
    missing = client.get(url, params={"doc_id": PERSONALAUSWEIS, "key": "99"})
    assert missing.status_code == 404
    assert "'99'" in missing.text
    foreign = client.get(url, params={"doc_id": "lkaugsburg/1", "key": "0"})
    assert foreign.status_code == 404
    assert "not in tenant 'muenchen'" in foreign.text
    unknown = client.get(
        "/api/v1/conversations/00000000000000000000000000000000/more",
        params={"doc_id": PERSONALAUSWEIS, "key": "0"},
    )
    assert unknown.status_code in (404, 422)
    assert client.get(url, params={"doc_id": PERSONALAUSWEIS}).status_code == 422
