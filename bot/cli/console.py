"""``govbot console`` (the Streamlit staff console), ``govbot up`` (API and console together)
and ``govbot demo-users`` (one demo account per role, refused in production).

The console talks to the API over HTTP only, so bot/ references it by file path and starts
it in a child process (``python -m streamlit run console/app.py``); it gets the API's URL
as ``GOVBOT_CONSOLE__API_URL``.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from bot.services.security import hash_password
from bot.settings import Settings
from bot.storage import crud
from bot.storage.db import engine_from_settings, migrate, session_factory
from bot.storage.models import ALL_TENANTS, StaffRole
from knowledge.errors import ConfigurationError

CONSOLE_APP = Path(__file__).resolve().parents[2] / "console" / "app.py"
GOVBOT = [sys.executable, "-c", "from bot.cli.app import main; main()"]
DEMO_USERS = (
    ("agent", StaffRole.AGENT),
    ("redaktion", StaffRole.EDITOR),
    ("redaktion2", StaffRole.EDITOR),
    ("kihub", StaffRole.AUDITOR),
    ("admin", StaffRole.ADMIN),
)

HostOption = Annotated[str | None, typer.Option(help="Console bind address.")]
PortOption = Annotated[int | None, typer.Option(min=1, max=65535, help="Console port.")]


def console_command(settings: Settings, *, host: str | None, port: int | None) -> list[str]:
    """The ``streamlit run`` command line of the console."""
    if not CONSOLE_APP.is_file():
        raise ConfigurationError(
            f"the staff console is missing at {CONSOLE_APP}; reinstall GovBot with the console"
        )
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(CONSOLE_APP),
        "--server.address",
        host or settings.console.host,
        "--server.port",
        str(port or settings.console.port),
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
        "--theme.base",
        "light",
        "--client.toolbarMode",
        "minimal",
    ]


def console_environment(settings: Settings, api_url: str | None = None) -> dict[str, str]:
    """The child's environment: ours plus the API URL and refresh interval for the console."""
    return {
        **os.environ,
        "GOVBOT_CONSOLE__API_URL": (api_url or settings.console_api_url).rstrip("/"),
        "GOVBOT_CONSOLE__REFRESH_SECONDS": str(settings.console.refresh_seconds),
    }


def console(
    host: HostOption = None,
    port: PortOption = None,
    api_url: Annotated[
        str | None, typer.Option(help="API base URL (default GOVBOT_CONSOLE__API_URL).")
    ] = None,
) -> None:
    """Start the staff console (Streamlit) for the API at GOVBOT_CONSOLE__API_URL."""
    settings = Settings()
    command = console_command(settings, host=host, port=port)
    url = f"http://{host or settings.console.host}:{port or settings.console.port}"
    typer.echo(f"GovBot console on {url} (API {api_url or settings.console_api_url})", err=True)
    raise typer.Exit(subprocess.call(command, env=console_environment(settings, api_url)))


def up(host: HostOption = None, port: PortOption = None) -> None:
    """Start the API (govbot serve) and the staff console together; Ctrl-C stops both."""
    settings = Settings()
    api = subprocess.Popen([*GOVBOT, "serve"])
    app = subprocess.Popen(
        console_command(settings, host=host, port=port), env=console_environment(settings)
    )
    console_url = f"http://{host or settings.console.host}:{port or settings.console.port}"
    typer.echo(
        f"GovBot API and widget on {settings.console_api_url}/ · staff console on "
        f"{console_url} · Ctrl-C stops both",
        err=True,
    )
    children = (api, app)

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # SIGTERM (service managers, docker stop) ends like Ctrl-C

    signal.signal(signal.SIGTERM, stop)
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
    codes = [child.returncode for child in children]
    stopped = (0, -signal.SIGINT, -signal.SIGTERM)
    raise typer.Exit(next((c for c in codes if c not in stopped), 0))


def demo_users() -> None:
    """Create one demo staff account per role with a fresh random password; not in production."""
    settings = Settings()
    if settings.env == "production":
        raise ConfigurationError(
            "demo accounts with a published password are refused when GOVBOT_ENV=production; "
            "create real accounts with `govbot users create NAME --role ROLE`"
        )
    engine = engine_from_settings(settings)
    try:
        migrate(engine)
        with session_factory(engine)() as session:
            created: dict[str, str] = {}
            for username, role in DEMO_USERS:
                if crud.get_staff_user(session, username) is None:
                    # A random password per install: no shared secret in the repository.
                    password = secrets.token_urlsafe(9)
                    crud.create_staff_user(
                        session,
                        username=username,
                        password_hash=hash_password(password),
                        role=role,
                        tenants=[ALL_TENANTS],  # a demo shows every loaded town
                        demo=True,
                    )
                    created[username] = password
            session.commit()
    finally:
        engine.dispose()
    for username, role in DEMO_USERS:
        if username in created:
            password = f"password {created[username]}"
        else:
            password = "exists (password unchanged)"
        typer.echo(f"  {username:<11} {role.value:<8} {password}")


def register(app: typer.Typer) -> None:
    """Add ``console``, ``up`` and ``demo-users`` to the govbot command line."""
    app.command("console")(console)
    app.command("up")(up)
    app.command("demo-users")(demo_users)
