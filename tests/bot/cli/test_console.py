"""`govbot demo-users` and the command line `govbot console` / `govbot up` start (typer runner)."""

from __future__ import annotations

import sys
from pathlib import Path

from typer.testing import CliRunner

from bot.cli.app import app
from bot.cli.console import CONSOLE_APP, console_command, console_environment
from bot.services.security import verify_password
from bot.settings import ApiSettings, ConsoleSettings, Settings
from bot.storage import crud
from bot.storage.db import make_engine, session_factory


def env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"GOVBOT_DATA_DIR": str(tmp_path), "GOVBOT_DATABASE_URL": "", **extra}


def test_demo_users_one_per_role_and_idempotent(tmp_path: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(app, ["demo-users"], env=env(tmp_path))
    second = runner.invoke(app, ["demo-users"], env=env(tmp_path))

    assert first.exit_code == 0, first.output
    passwords = {
        line.split()[0]: line.split()[-1]
        for line in first.output.splitlines()
        if "password" in line
    }
    assert len(passwords) == 5 and len(set(passwords.values())) == 5
    assert second.output.count("exists (password unchanged)") == 5
    engine = make_engine(f"sqlite:///{tmp_path / 'govbot.sqlite3'}")
    with session_factory(engine)() as session:
        roles = {u.username: u.role for u in crud.list_staff_users(session)}
        admin = crud.get_staff_user(session, "admin")
        assert admin is not None and verify_password(passwords["admin"], admin.password_hash)
    engine.dispose()
    assert roles == {
        "admin": "admin",
        "agent": "agent",
        "kihub": "auditor",
        "redaktion": "editor",
        "redaktion2": "editor",
    }


def test_demo_users_are_refused_in_production(tmp_path: Path) -> None:
    production = env(tmp_path, GOVBOT_ENV="production", GOVBOT_API__JWT_SECRET="x" * 40)
    result = CliRunner().invoke(app, ["demo-users"], env=production)

    assert result.exit_code != 0
    assert str(result.exception).startswith(
        "demo accounts with a published password are refused when GOVBOT_ENV=production"
    )


def test_console_command_runs_streamlit_on_the_console_app_with_the_api_url() -> None:
    settings = Settings(
        env="test",
        api=ApiSettings(host="10.0.0.5", port=9000),
        console=ConsoleSettings(port=8600, refresh_seconds=5),
    )
    command = console_command(settings, host=None, port=None)
    environment = console_environment(settings)

    assert command[:5] == [sys.executable, "-m", "streamlit", "run", str(CONSOLE_APP)]
    assert CONSOLE_APP.is_file()
    assert command[command.index("--server.port") + 1] == "8600"
    assert command[command.index("--browser.gatherUsageStats") + 1] == "false"
    assert environment["GOVBOT_CONSOLE__API_URL"] == "http://10.0.0.5:9000"
    assert environment["GOVBOT_CONSOLE__REFRESH_SECONDS"] == "5"
    explicit = console_environment(settings, "https://govbot.example/")
    assert explicit["GOVBOT_CONSOLE__API_URL"] == "https://govbot.example"
