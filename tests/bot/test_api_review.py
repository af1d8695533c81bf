"""Staff API for answer review and corrections: roles, four-eyes, states, curated answers.

Real app (TestClient runs the lifespan), real SQLite, real Munich index and dialogue engine.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.main import create_app
from bot.settings import Settings
from bot.storage.models import StaffRole
from knowledge.retrieval import Retriever
from tests.bot.conftest import STAFF_PASSWORD, add_staff, make_settings

CURATED = "Redaktionell geprüfte Antwort"
REVIEW = "/api/v1/staff/review"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Settings over a fresh SQLite file or PostgreSQL schema (``database_url``)."""
    return make_settings(tmp_path / "data", database_url)


@pytest.fixture
def client(settings: Settings, munich_retriever: Retriever) -> Iterator[TestClient]:
    """The API with an editor pair, an auditor and an agent."""
    add_staff(
        settings,
        ("erika", StaffRole.EDITOR),
        ("emil", StaffRole.EDITOR),
        ("alex", StaffRole.AUDITOR),
        ("anna", StaffRole.AGENT),
    )
    with TestClient(create_app(settings, retriever=munich_retriever)) as test_client:
        yield test_client


def _auth(client: TestClient, username: str) -> dict[str, str]:
    token = client.post(
        "/api/v1/auth/token", data={"username": username, "password": STAFF_PASSWORD}
    ).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def _ask(client: TestClient, text: str) -> dict[str, Any]:
    conversation = client.post("/api/v1/conversations", json={"tenant": "muenchen"}).json()
    posted = client.post(
        f"/api/v1/conversations/{conversation['conversation_id']}/messages", json={"text": text}
    )
    assert posted.status_code == 200, posted.text
    answer: dict[str, Any] = posted.json()["answer"]
    return answer


def _correction(client: TestClient, author: str, **body: Any) -> dict[str, Any]:
    body = {"tenant": "muenchen", **body}
    created = client.post(f"{REVIEW}/corrections", json=body, headers=_auth(client, author))
    assert created.status_code == 201, created.text
    result: dict[str, Any] = created.json()
    return result


def test_four_eyes_author_cannot_approve_a_second_editor_can(client: TestClient) -> None:
    created = _correction(
        client,
        "erika",
        question="Was kostet ein Führungszeugnis?",
        text="Ein Führungszeugnis kostet 13 Euro.",
    )
    assert (created["status"], created["author"]) == ("pending", "erika")

    own = client.post(
        f"{REVIEW}/corrections/{created['id']}/approve", headers=_auth(client, "erika")
    )
    assert own.status_code == 403
    assert own.json()["error"]["message"] == (
        f"four-eyes principle: correction {created['id']} was written by 'erika'; "
        "another editor must approve it"
    )
    approved = client.post(
        f"{REVIEW}/corrections/{created['id']}/approve", headers=_auth(client, "emil")
    )
    assert approved.status_code == 200
    body = approved.json()
    assert (body["status"], body["approver"], body["similarity_search"]) == (
        "approved",
        "emil",
        True,
    )
    again = client.post(
        f"{REVIEW}/corrections/{created['id']}/approve", headers=_auth(client, "emil")
    )
    assert again.status_code == 409
    assert again.json()["error"]["message"] == (
        f"correction {created['id']} is approved; only pending corrections can be approved"
    )


@pytest.mark.parametrize(
    ("user", "status"), [("alex", 403), ("anna", 403)], ids=["auditor", "agent"]
)
def test_only_editors_write_corrections(client: TestClient, user: str, status: int) -> None:
    response = client.post(
        f"{REVIEW}/corrections",
        json={"tenant": "muenchen", "question": "Frage?", "text": "Eine Antwort dazu."},
        headers=_auth(client, user),
    )
    assert response.status_code == status
    assert response.json()["error"]["code"] == "forbidden"


def test_agent_cannot_read_the_answer_log_and_nobody_without_token(client: TestClient) -> None:
    assert client.get(f"{REVIEW}/answers", headers=_auth(client, "anna")).status_code == 403
    assert client.get(f"{REVIEW}/answers").status_code == 401
    assert client.get(f"{REVIEW}/corrections").status_code == 401


def test_correction_for_an_unknown_tenant_is_refused(client: TestClient) -> None:
    response = client.post(
        f"{REVIEW}/corrections",
        json={"tenant": "atlantis", "question": "Frage?", "text": "Eine Antwort dazu."},
        headers=_auth(client, "erika"),
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_tenant"


def test_verdicts_filter_the_answer_log_and_are_audited(client: TestClient) -> None:
    _ask(client, "Was kostet ein Personalausweis?")
    _ask(client, "Wie melde ich meinen Wohnsitz an?")
    auditor = _auth(client, "alex")
    rows = client.get(f"{REVIEW}/answers", headers=auditor).json()
    newest, oldest = rows[0]["id"], rows[1]["id"]

    marked = client.post(
        f"{REVIEW}/answers/{oldest}/verdict",
        json={"verdict": "wrong", "note": "Mail an max@example.org"},
        headers=auditor,
    )
    assert marked.status_code == 201
    assert marked.json()["note"] == "Mail an [E-MAIL]"
    wrong = client.get(f"{REVIEW}/answers", params={"review": "wrong"}, headers=auditor).json()
    unreviewed = client.get(
        f"{REVIEW}/answers", params={"review": "unreviewed"}, headers=auditor
    ).json()
    assert [r["id"] for r in wrong] == [oldest]
    assert [r["id"] for r in unreviewed] == [newest]
    assert wrong[0]["verdict"] == "wrong"

    client.post(f"{REVIEW}/answers/{oldest}/verdict", json={"verdict": "correct"}, headers=auditor)
    assert client.get(f"{REVIEW}/answers", params={"review": "wrong"}, headers=auditor).json() == []
    audit = client.get(
        "/api/v1/staff/audit/entries", params={"action": "review"}, headers=auditor
    ).json()
    assert [e["action"] for e in audit["entries"]] == [
        "review.marked_correct",
        "review.marked_wrong",
    ]
    bad = client.post(
        f"{REVIEW}/answers/{oldest}/verdict", json={"verdict": "maybe"}, headers=auditor
    )
    assert bad.status_code == 422
    missing = client.post(
        f"{REVIEW}/answers/999999/verdict", json={"verdict": "wrong"}, headers=auditor
    )
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "answer_not_found"


def test_curated_answer_is_served_for_same_and_similar_questions_until_withdrawn(
    client: TestClient,
) -> None:
    question = "Was kostet ein Reisepass?"
    first = _ask(client, question)
    assert not any(c["curated"] for c in first["citations"])
    auditor = _auth(client, "alex")
    answer_id = client.get(f"{REVIEW}/answers", headers=auditor).json()[0]["id"]
    text = "Ein Reisepass kostet 70 Euro; unter 24 Jahren 37,50 Euro."
    created = _correction(client, "erika", answer_id=answer_id, question=question, text=text)
    assert [c["doc_id"] for c in created["citations"]] == [c["doc_id"] for c in first["citations"]]
    assert _ask(client, question)["text"] != text  # pending: not served yet
    client.post(f"{REVIEW}/corrections/{created['id']}/approve", headers=_auth(client, "emil"))

    for asked in (question, "was kostet ein reisepass", "Wie viel kostet ein Reisepass?"):
        answer = _ask(client, asked)
        assert answer["text"] == text, asked
        assert answer["status"] == "answered"
        assert answer["citations"][0]["title"] == CURATED
        assert answer["citations"][0]["curated"] is True
        assert answer["citations"][0]["doc_id"] == f"muenchen/curated-{created['id']}"
    assert not any(
        c["curated"] for c in _ask(client, "Was kostet ein Personalausweis?")["citations"]
    )

    withdrawn = client.post(
        f"{REVIEW}/corrections/{created['id']}/withdraw",
        json={"reason": "Gebühren geändert"},
        headers=_auth(client, "erika"),
    )
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert _ask(client, question)["text"] != text
    closed = client.post(
        f"{REVIEW}/corrections/{created['id']}/withdraw",
        json={"reason": "nochmal"},
        headers=_auth(client, "erika"),
    )
    assert closed.status_code == 409


def test_policy_keeps_precedence_over_a_curated_answer(client: TestClient) -> None:
    emergency = "Ich brauche sofort einen Notarzt"
    created = _correction(
        client, "erika", question=emergency, text="Diese Antwort darf nie erscheinen."
    )
    client.post(f"{REVIEW}/corrections/{created['id']}/approve", headers=_auth(client, "emil"))

    answer = _ask(client, emergency)
    assert answer["status"] == "emergency"
    assert answer["text"] != "Diese Antwort darf nie erscheinen."


def test_reject_needs_a_second_editor_and_a_reason(client: TestClient) -> None:
    created = _correction(
        client, "erika", question="Wo ist das Fundbüro?", text="Im Kreisverwaltungsreferat."
    )
    url = f"{REVIEW}/corrections/{created['id']}/reject"
    assert client.post(url, json={"reason": "x"}, headers=_auth(client, "emil")).status_code == 422
    own = client.post(url, json={"reason": "falsch"}, headers=_auth(client, "erika"))
    assert own.status_code == 403
    rejected = client.post(url, json={"reason": "Adresse fehlt"}, headers=_auth(client, "emil"))
    assert rejected.status_code == 200
    assert (rejected.json()["status"], rejected.json()["close_reason"]) == (
        "rejected",
        "Adresse fehlt",
    )
    listed = client.get(
        f"{REVIEW}/corrections", params={"status": "rejected"}, headers=_auth(client, "alex")
    ).json()
    assert [c["id"] for c in listed] == [created["id"]]
