"""Personal data in the answer log, purge and erasure (issue 14, finding 1), through the real API.

Real app (TestClient runs the lifespan), real SQLite file, real Munich index and dialogue
engine, the real `govbot` command line for purge and erasure; the database file and its
write-ahead log are read byte by byte afterwards.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from bot.cli.app import app
from bot.main import create_app
from bot.settings import Settings
from bot.storage import crud
from bot.storage.db import alembic_config, make_engine, migrate, session_factory
from bot.storage.models import StaffRole
from knowledge.retrieval import Retriever
from tests.bot.conftest import add_staff_users, make_settings
from tests.bot.test_api_handoff import Citizen, login

EMAIL = "max.mustermann@example.org"
PHONE = "0171 2345678"
QUESTION = f"Ich brauche einen neuen Reisepass, erreichbar unter {EMAIL} oder {PHONE}."


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    settings = make_settings(tmp_path / "data")
    add_staff_users(
        settings, ("erik", StaffRole.EDITOR), ("ute", StaffRole.AUDITOR),
        ("root", StaffRole.ADMIN), ("anna", StaffRole.AGENT),
    )  # fmt: skip
    return settings


@pytest.fixture
def client(settings: Settings, munich_retriever: Retriever) -> Iterator[TestClient]:
    with TestClient(create_app(settings, retriever=munich_retriever)) as client:
        yield client


def _env(settings: Settings) -> dict[str, str]:
    return {"GOVBOT_DATA_DIR": str(settings.data_dir), "GOVBOT_DATABASE_URL": ""}


def _raw_bytes(settings: Settings) -> bytes:
    """The SQLite database file and whatever its write-ahead log still holds."""
    files = [settings.data_dir / "govbot.sqlite3", settings.data_dir / "govbot.sqlite3-wal"]
    return b"".join(f.read_bytes() for f in files if f.exists())


def test_answer_log_shows_no_personal_data_of_question_or_follow_up(client: TestClient) -> None:
    citizen = Citizen(client)
    citizen.say(QUESTION)
    citizen.say("Und was kostet das?")  # the follow-up's query carries the first question

    for path in ("/api/v1/staff/answers", "/api/v1/staff/review/answers"):
        for user in ("erik", "ute"):
            response = client.get(path, headers=login(client, user))
            assert response.status_code == 200, response.text
            entries = response.json()
            assert len(entries) == 2
            shown = json.dumps(entries, ensure_ascii=False)
            assert EMAIL not in shown and "2345678" not in shown, (path, user)
    traces = [e["trace"] for e in entries]
    assert any("[E-MAIL]" in (t["retrieval_query"] or "") for t in traces)


def test_purge_now_leaves_no_original_text_in_database_file_or_wal(
    client: TestClient, settings: Settings
) -> None:
    citizen = Citizen(client)
    citizen.say(QUESTION)
    citizen.ask_for_person(f"Bitte rufen Sie mich an: {PHONE}")
    assert EMAIL.encode() in _raw_bytes(settings)  # the original is kept until the purge

    result = CliRunner().invoke(app, ["purge", "--older-than", "0"], env=_env(settings))

    assert result.exit_code == 0, result.output
    # question, answer, the reason for the handoff; traces were redacted when written
    assert result.output.startswith("anonymised 3 messages and 0 answer traces ")
    raw = _raw_bytes(settings)
    assert EMAIL.encode() not in raw and b"2345678" not in raw
    assert not (settings.data_dir / "govbot.sqlite3-wal").exists() or len(
        (settings.data_dir / "govbot.sqlite3-wal").read_bytes()
    ) < len(raw)
    audit = client.get(
        "/api/v1/staff/audit/entries?action=retention.purged", headers=login(client, "ute")
    ).json()["entries"]
    assert audit[0]["details"]["older_than_days"] == 0


def test_admin_deletes_one_conversation_by_handoff_reference_audited(
    client: TestClient, settings: Settings
) -> None:
    citizen = Citizen(client)
    citizen.say(QUESTION)
    reference = citizen.ask_for_person("Bitte um Rückruf")["reference"]
    other = Citizen(client)
    other.say("Was kostet ein Personalausweis?")
    url = f"/api/v1/staff/conversations/{reference}"

    refused = client.delete(url, headers=login(client, "erik"))
    deleted = client.delete(url, headers=login(client, "root"))
    again = client.delete(url, headers=login(client, "root"))

    assert refused.status_code == 403
    assert deleted.status_code == 200, deleted.text
    assert deleted.json() == {
        "conversation_id": citizen.id,
        "tenant": "muenchen",
        "handoffs": [reference],
        "messages": 3,  # question, answer, handoff confirmation
    }
    assert again.status_code == 404
    assert client.get(f"/api/v1/conversations/{citizen.id}/messages").status_code == 404
    assert client.get(f"/api/v1/conversations/{other.id}/messages").status_code == 200
    answers = client.get("/api/v1/staff/answers", headers=login(client, "ute")).json()
    assert {a["conversation_id"] for a in answers} == {other.id}
    handoffs = client.get("/api/v1/staff/handoffs", headers=login(client, "anna")).json()
    assert reference not in {h["reference"] for h in handoffs}
    audit = client.get(
        "/api/v1/staff/audit/entries?action=conversation.deleted", headers=login(client, "ute")
    ).json()["entries"]
    assert [(e["actor"], e["target_id"], e["details"]["handoffs"]) for e in audit] == [
        ("root", citizen.id, [reference])
    ]
    assert EMAIL.encode() not in _raw_bytes(settings)


def test_cli_deletes_a_conversation_by_id(client: TestClient, settings: Settings) -> None:
    citizen = Citizen(client)
    citizen.say(QUESTION)
    runner = CliRunner()

    result = runner.invoke(app, ["conversations", "delete", citizen.id], env=_env(settings))
    missing = runner.invoke(app, ["conversations", "delete", citizen.id], env=_env(settings))

    assert result.exit_code == 0, result.output
    assert result.output == f"deleted conversation {citizen.id} (2 messages)\n"
    assert missing.exit_code != 0
    assert f"conversation {citizen.id!r} does not exist" in str(missing.exception)
    assert client.get(f"/api/v1/conversations/{citizen.id}/messages").status_code == 404


def test_migration_redacts_traces_written_before_it(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0003")
    with session_factory(engine)() as session:
        conversation = crud.create_conversation(session, tenant="muenchen", language="de")
        message = crud.add_message(
            session, conversation, role="bot", text="Antwort", text_redacted="Antwort"
        )
        session.execute(
            sa.text(
                "INSERT INTO answers (conversation_id, message_id, tenant, status, "
                "question_redacted, text_redacted, confidence, public, trace, created_at) "
                "VALUES (:c, :m, 'muenchen', 'answered', 'q', 't', 0.9, '{}', :trace, "
                "'2026-01-01 00:00:00')"
            ),
            {
                "c": conversation.id,
                "m": message.id,
                "trace": json.dumps({"retrieval_query": QUESTION, "hits": [], "settings": {}}),
            },
        )
        session.commit()

    migrate(engine)

    with engine.connect() as connection:
        trace = json.loads(connection.execute(sa.text("SELECT trace FROM answers")).scalar_one())
    engine.dispose()
    assert trace["retrieval_query"] == (
        "Ich brauche einen neuen Reisepass, erreichbar unter [E-MAIL] oder [TELEFON]."
    )
