"""Staff API aggregates (Insights, content gaps) and the audit log filter and CSV export.

The answer log is written through the storage layer with fixed timestamps (two UTC days),
so the expected aggregates are exact; everything else is the real app over real SQLite.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.main import create_app
from bot.settings import Settings
from bot.storage import crud
from bot.storage.db import make_engine, session_factory
from bot.storage.models import AnswerRecord, Escalation, Feedback, Role, StaffRole
from tests.bot.conftest import STAFF_PASSWORD, add_staff, make_settings

TODAY = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0)
YESTERDAY = TODAY - timedelta(days=1)
# An explicit window: "the last 30 days until now" would miss TODAY 10:00 before 10:00 UTC.
WINDOW = {
    "since": (YESTERDAY - timedelta(hours=10)).isoformat(),
    "until": (TODAY + timedelta(hours=14)).isoformat(),
}
# (day, question, status, confidence, topic, helpful, escalated)
LOG = [
    (YESTERDAY, "Was kostet ein Personalausweis?", "answered", 0.9, "Ausweis", True, False),
    (YESTERDAY, "Wann hat das Freibad offen?", "unanswerable", 0.1, None, False, True),
    (TODAY, "Wann hat das Freibad offen?", "unanswerable", 0.2, None, None, False),
    (TODAY, "Was kostet ein Reisepass?", "answered", 0.3, "Ausweis", None, False),
    (TODAY, "Wie melde ich mich um?", "answered", 0.8, "Meldewesen", None, False),
]


def _write_log(settings: Settings) -> None:
    engine = make_engine(settings.sqlalchemy_url)
    with session_factory(engine)() as session:
        for number, (day, question, status, confidence, topic, helpful, escalated) in enumerate(
            LOG
        ):
            at = day + timedelta(minutes=number)
            conversation = crud.create_conversation(session, tenant="muenchen", language="de")
            conversation.created_at = at
            asked = crud.add_message(
                session, conversation, role=Role.CITIZEN, text=question, text_redacted=question
            )
            said = crud.add_message(
                session, conversation, role=Role.BOT, text="Antwort", text_redacted="Antwort"
            )
            record = AnswerRecord(
                conversation_id=conversation.id,
                message_id=said.id,
                question_message_id=asked.id,
                tenant="muenchen",
                status=status,
                question_redacted=question,
                text_redacted="Antwort",
                confidence=confidence,
                topic=topic,
                public={},
                trace={},
                created_at=at,
            )
            session.add(record)
            session.flush()
            if helpful is not None:
                session.add(
                    Feedback(
                        answer_id=record.id,
                        helpful=helpful,
                        comment_redacted=None if helpful else "Hilft mir nicht",
                        created_at=at,
                    )
                )
            if escalated:
                escalation = Escalation(
                    conversation_id=conversation.id,
                    tenant="muenchen",
                    source="bot",
                    candidate_doc_ids={"doc_ids": []},
                    transcript_redacted={"messages": []},
                    expected_response="bald",
                    status="open",
                    created_at=at,
                )
                session.add(escalation)
        session.commit()
    engine.dispose()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Settings over a fresh SQLite file or PostgreSQL schema (``database_url``)."""
    return make_settings(tmp_path / "data", database_url)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The API with an answer log over two days and one staff member per role."""
    add_staff(
        settings,
        ("alex", StaffRole.AUDITOR),
        ("erika", StaffRole.EDITOR),
        ("anna", StaffRole.AGENT),
        ("ada", StaffRole.ADMIN),
    )
    _write_log(settings)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _auth(client: TestClient, username: str) -> dict[str, str]:
    token = client.post(
        "/api/v1/auth/token", data={"username": username, "password": STAFF_PASSWORD}
    ).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def test_insights_aggregate_per_day_status_topic_gap_and_feedback(client: TestClient) -> None:
    data = client.get("/api/v1/staff/insights", params=WINDOW, headers=_auth(client, "alex")).json()

    assert data["totals"] == {
        "questions": 5,
        "conversations": 5,
        "handoffs": 1,
        "handoff_rate": 0.2,
        "answered_rate": 0.6,
    }
    assert [
        (d["day"], d["questions"], d["handoffs"], d["handoff_rate"]) for d in data["per_day"]
    ] == [
        (YESTERDAY.date().isoformat(), 2, 1, 0.5),
        (TODAY.date().isoformat(), 3, 0, 0.0),
    ]
    assert data["per_day"][1]["statuses"] == {"answered": 2, "unanswerable": 1}
    assert data["statuses"] == {"answered": 3, "unanswerable": 2}
    assert data["topics"] == [
        {"topic": "Ausweis", "count": 2},
        {"topic": "Meldewesen", "count": 1},
    ]
    assert [(g["question"], g["count"], g["statuses"]) for g in data["gaps"]] == [
        ("Wann hat das Freibad offen?", 2, {"unanswerable": 2}),
        ("Was kostet ein Reisepass?", 1, {"answered": 1}),
    ]
    feedback = data["feedback"]
    assert (feedback["helpful"], feedback["unhelpful"]) == (1, 1)
    assert [c["comment"] for c in feedback["comments"]] == ["Hilft mir nicht"]
    assert "alex" not in str(data) and "erika" not in str(data)


def test_insights_are_for_auditors_and_admins_gaps_also_for_editors(client: TestClient) -> None:
    assert client.get("/api/v1/staff/insights", headers=_auth(client, "ada")).status_code == 200
    for user in ("erika", "anna"):
        refused = client.get("/api/v1/staff/insights", headers=_auth(client, user))
        assert refused.status_code == 403
    gaps = client.get("/api/v1/staff/insights/gaps", params=WINDOW, headers=_auth(client, "erika"))
    assert gaps.status_code == 200 and gaps.json()[0]["count"] == 2
    assert (
        client.get("/api/v1/staff/insights/gaps", headers=_auth(client, "anna")).status_code == 403
    )


def test_insights_window_must_be_ordered(client: TestClient) -> None:
    response = client.get(
        "/api/v1/staff/insights",
        params={"since": "2026-05-02T00:00:00Z", "until": "2026-05-01T00:00:00Z"},
        headers=_auth(client, "alex"),
    )
    assert response.status_code == 422
    assert response.json()["error"]["message"] == (
        "since 2026-05-02T00:00:00+00:00 is not before until 2026-05-01T00:00:00+00:00"
    )


def test_audit_filters_by_action_prefix_actor_and_pages(client: TestClient) -> None:
    auditor = _auth(client, "alex")
    _auth(client, "erika")
    logins = client.get(
        "/api/v1/staff/audit/entries", params={"action": "auth"}, headers=auditor
    ).json()
    assert logins["total"] == 2
    assert [e["actor"] for e in logins["entries"]] == ["erika", "alex"]
    erika = client.get(
        "/api/v1/staff/audit/entries", params={"actor": "erika"}, headers=auditor
    ).json()
    assert [e["action"] for e in erika["entries"]] == ["auth.login"]
    page = client.get(
        "/api/v1/staff/audit/entries", params={"limit": 1, "offset": 1}, headers=auditor
    ).json()
    assert page["total"] >= 2 and len(page["entries"]) == 1
    vocabulary = client.get("/api/v1/staff/audit/vocabulary", headers=auditor).json()
    assert "auth.login" in vocabulary["actions"] and "erika" in vocabulary["actors"]
    assert (
        client.get("/api/v1/staff/audit/entries", headers=_auth(client, "erika")).status_code == 403
    )


def test_csv_export_escapes_formulas_and_is_audited(client: TestClient, settings: Settings) -> None:
    engine = make_engine(settings.sqlalchemy_url)
    with session_factory(engine)() as session:
        crud.audit(
            session,
            actor='=HYPERLINK("http://evil")',
            action="test.formula",
            target_type="x",
            target_id="1",
        )
        session.commit()
    engine.dispose()
    auditor = _auth(client, "alex")

    response = client.get(
        "/api/v1/staff/audit/export.csv", params={"action": "test"}, headers=auditor
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith('attachment; filename="govbot-audit-')
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert rows[0] == ["id", "at", "actor", "action", "target_type", "target_id", "details"]
    assert [row[2:4] for row in rows[1:]] == [['\'=HYPERLINK("http://evil")', "test.formula"]]
    exported = client.get(
        "/api/v1/staff/audit/entries", params={"action": "audit"}, headers=auditor
    ).json()["entries"]
    assert exported[0]["actor"] == "alex"
    assert exported[0]["details"] == {"filters": {"action": "test"}, "rows": 1}
