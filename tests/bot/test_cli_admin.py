"""`govbot users create/list` and `govbot purge` through the real command line (typer runner)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import update
from typer.testing import CliRunner

from bot.cli import app
from bot.security import verify_password
from bot.storage import crud
from bot.storage.db import make_engine, session_factory
from bot.storage.models import Conversation, Role


def env(tmp_path: Path) -> dict[str, str]:
    return {"GOVBOT_DATA_DIR": str(tmp_path), "GOVBOT_DATABASE_URL": ""}


def test_users_create_list_and_duplicate(tmp_path: Path) -> None:
    runner = CliRunner()

    created = runner.invoke(
        app, ["users", "create", "anna", "--role", "agent", "--password-stdin"],
        input="correct horse battery\n", env=env(tmp_path),
    )  # fmt: skip
    again = runner.invoke(
        app, ["users", "create", "anna", "--role", "admin", "--password-stdin"],
        input="correct horse battery\n", env=env(tmp_path),
    )  # fmt: skip
    listed = runner.invoke(app, ["users", "list"], env=env(tmp_path))

    assert (created.exit_code, created.output) == (0, "created agent 'anna'\n")
    assert again.exit_code != 0
    assert "staff user 'anna' already exists" in str(again.exception)
    assert "anna" in listed.output and "agent" in listed.output
    engine = make_engine(f"sqlite:///{tmp_path / 'govbot.sqlite3'}")
    with session_factory(engine)() as session:
        user = crud.get_staff_user(session, "anna")
        assert user is not None and verify_password("correct horse battery", user.password_hash)
    engine.dispose()


def test_short_password_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["users", "create", "bob", "--role", "agent", "--password-stdin"],
        input="kurz\n", env=env(tmp_path),
    )  # fmt: skip

    assert result.exit_code != 0
    assert str(result.exception) == "password has 4 characters; use at least 10"


def test_purge_anonymises_old_conversations(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'govbot.sqlite3'}")
    runner = CliRunner()
    runner.invoke(app, ["purge", "--older-than", "30"], env=env(tmp_path))  # creates the schema
    with session_factory(engine)() as session:
        conversation = crud.create_conversation(session, tenant="muenchen", language="de")
        crud.add_message(session, conversation, role=Role.CITIZEN,
                         text="Mail: a@b.de", text_redacted="Mail: [E-MAIL]")  # fmt: skip
        session.execute(
            update(Conversation).values(updated_at=datetime.now(UTC) - timedelta(days=31))
        )
        session.commit()

    result = runner.invoke(app, ["purge", "--older-than", "30"], env=env(tmp_path))

    assert result.exit_code == 0, result.output
    assert result.output == "anonymised 1 messages in conversations idle for more than 30 days\n"
    with session_factory(engine)() as session:
        assert [m.text for m in crud.list_messages(session, conversation.id)] == ["Mail: [E-MAIL]"]
        assert crud.list_audit(session, action="retention.purged")[0].details == {
            "older_than_days": 30
        }
    engine.dispose()
