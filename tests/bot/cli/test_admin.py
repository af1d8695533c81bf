"""`govbot users create/list` and `govbot purge` through the real command line (typer runner)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import update
from typer.testing import CliRunner, Result

from bot.cli.app import app
from bot.main import create_app
from bot.services.security import verify_password
from bot.storage import crud
from bot.storage.db import make_engine, session_factory
from bot.storage.models import Conversation, Role
from tests.bot.conftest import make_settings


def env(tmp_path: Path) -> dict[str, str]:
    return {"GOVBOT_DATA_DIR": str(tmp_path), "GOVBOT_DATABASE_URL": ""}


def test_users_create_list_and_duplicate(tmp_path: Path) -> None:
    runner = CliRunner()

    created = runner.invoke(
        app, ["users", "create", "anna", "--role", "agent", "--tenant", "muenchen",
              "--password-stdin"],
        input="correct horse battery\n", env=env(tmp_path),
    )  # fmt: skip
    again = runner.invoke(
        app, ["users", "create", "anna", "--role", "admin", "--password-stdin"],
        input="correct horse battery\n", env=env(tmp_path),
    )  # fmt: skip
    listed = runner.invoke(app, ["users", "list"], env=env(tmp_path))

    assert (created.exit_code, created.output) == (0, "created agent 'anna' for tenant muenchen\n")
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
        app, ["users", "create", "bob", "--role", "agent", "--tenant", "muenchen",
              "--password-stdin"],
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
    assert result.output == (
        "anonymised 1 messages and 0 answer traces in conversations idle for more than 30 days\n"
    )
    with session_factory(engine)() as session:
        assert [m.text for m in crud.list_messages(session, conversation.id)] == ["Mail: [E-MAIL]"]
        assert crud.list_audit(session, action="retention.purged")[0].details == {
            "older_than_days": 30,
            "messages": 1,
            "answers": 0,
        }
    engine.dispose()


def test_deactivated_user_cannot_log_in_and_loses_open_sessions(tmp_path: Path) -> None:
    """Over the real API: a token issued before deactivation is refused afterwards."""
    runner = CliRunner()
    password = "correct horse battery"
    runner.invoke(
        app, ["users", "create", "carla", "--role", "agent", "--tenant", "muenchen",
              "--password-stdin"],
        input=password + "\n", env=env(tmp_path),
    )  # fmt: skip
    # The CLI and the API share the SQLite database of tmp_path, as on a real server.
    with TestClient(create_app(make_settings(tmp_path))) as client:
        login = {"username": "carla", "password": password}
        token = client.post("/api/v1/auth/token", data=login).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        assert client.get("/api/v1/staff/handoffs", headers=headers).status_code == 200

        blocked = runner.invoke(app, ["users", "deactivate", "carla"], env=env(tmp_path))
        assert (blocked.exit_code, blocked.output) == (0, "deactivated 'carla'\n")
        assert client.get("/api/v1/staff/handoffs", headers=headers).status_code == 401
        assert client.post("/api/v1/auth/token", data=login).status_code == 401

        runner.invoke(app, ["users", "activate", "carla"], env=env(tmp_path))
        reset = runner.invoke(
            app, ["users", "set-password", "carla", "--password-stdin"],
            input="a new long passphrase\n", env=env(tmp_path),
        )  # fmt: skip
        assert reset.exit_code == 0
        assert client.post("/api/v1/auth/token", data=login).status_code == 401
        renewed = {"username": "carla", "password": "a new long passphrase"}
        assert client.post("/api/v1/auth/token", data=renewed).status_code == 200
    listed = runner.invoke(app, ["users", "list"], env=env(tmp_path))
    assert "carla" in listed.output


def test_changing_an_unknown_user_is_a_clear_error(tmp_path: Path) -> None:
    runner = CliRunner()
    runner.invoke(app, ["users", "list"], env=env(tmp_path))  # creates the schema
    result = runner.invoke(app, ["users", "deactivate", "nobody"], env=env(tmp_path))
    assert result.exit_code != 0
    assert str(result.exception) == "no staff user 'nobody'; see `govbot users list`"


def test_users_carry_tenants_and_an_agent_without_one_is_refused(tmp_path: Path) -> None:
    runner = CliRunner()
    password = "correct horse battery\n"

    def create(*args: str) -> Result:
        return runner.invoke(
            app, ["users", "create", *args, "--password-stdin"], input=password, env=env(tmp_path)
        )

    two = create("anna", "--role", "agent", "--tenant", "muenchen", "--tenant", "lkaugsburg")
    bare = create("bob", "--role", "editor")
    root = create("root", "--role", "admin")
    state = create("kihub", "--role", "auditor", "--all-tenants")
    odd = create("eve", "--role", "agent", "--tenant", "Town B")

    assert (two.exit_code, two.output) == (
        0,
        "created agent 'anna' for tenants muenchen, lkaugsburg\n",
    )
    assert bare.exit_code != 0
    assert str(bare.exception) == (
        "an account with role editor needs the tenants it works for: add --tenant NAME "
        "(repeatable), or --all-tenants for an account that may see every town"
    )
    assert (root.exit_code, root.output) == (0, "created admin 'root' for every tenant\n")
    assert state.output == "created auditor 'kihub' for every tenant\n"
    assert str(odd.exception).startswith("tenant 'Town B' is invalid")
    listed = runner.invoke(app, ["users", "list", "--json"], env=env(tmp_path))
    assert {u["username"]: u["tenants"] for u in json.loads(listed.output)} == {
        "anna": ["lkaugsburg", "muenchen"],
        "kihub": ["*"],
        "root": ["*"],
    }


def test_users_update_changes_tenants_and_revokes_tokens(tmp_path: Path) -> None:
    """Over the real API: new tenants take effect at once; the old token is refused."""
    runner = CliRunner()
    password = "correct horse battery"
    runner.invoke(
        app, ["users", "create", "anna", "--role", "agent", "--tenant", "muenchen",
              "--password-stdin"],
        input=password + "\n", env=env(tmp_path),
    )  # fmt: skip
    with TestClient(create_app(make_settings(tmp_path))) as client:
        login = client.post("/api/v1/auth/token", data={"username": "anna", "password": password})
        assert login.json()["tenants"] == ["muenchen"]
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        assert client.get("/api/v1/staff/me", headers=headers).json()["tenants"] == ["muenchen"]

        moved = runner.invoke(
            app, ["users", "update", "anna", "--tenant", "lkaugsburg"], env=env(tmp_path)
        )
        nothing = runner.invoke(app, ["users", "update", "anna"], env=env(tmp_path))
        demoted = runner.invoke(
            app, ["users", "update", "anna", "--role", "editor"], env=env(tmp_path)
        )

        assert (moved.exit_code, moved.output) == (0, "'anna' is now agent for tenant lkaugsburg\n")
        assert str(nothing.exception) == (
            "nothing to change: give --role, --tenant … or --all-tenants"
        )
        assert demoted.output == "'anna' is now editor for tenant lkaugsburg\n"
        stale = client.get("/api/v1/staff/me", headers=headers)
        assert stale.status_code == 401
        relogin = client.post("/api/v1/auth/token", data={"username": "anna", "password": password})
        assert (relogin.json()["role"], relogin.json()["tenants"]) == ("editor", ["lkaugsburg"])
    engine = make_engine(f"sqlite:///{tmp_path / 'govbot.sqlite3'}")
    with session_factory(engine)() as session:
        details = [e.details for e in crud.list_audit(session, action="staff.updated")]
    engine.dispose()
    assert {"username": "anna", "role": "agent", "tenants": ["lkaugsburg"]} in details
