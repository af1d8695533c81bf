"""``govbot users …`` (staff accounts) and ``govbot purge`` (retention of citizens' texts)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from bot.services.security import hash_password
from bot.settings import Settings
from bot.storage import crud
from bot.storage.db import engine_from_settings, migrate, session_factory
from bot.storage.models import StaffRole, StaffUser, utcnow
from knowledge.errors import ConfigurationError

users = typer.Typer(no_args_is_help=True, help="Manage staff accounts (agents, editors, …).")


@contextmanager
def _session(settings: Settings) -> Iterator[Session]:
    engine = engine_from_settings(settings)
    try:
        migrate(engine)
        with session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


@users.command("create")
def create_user(
    username: Annotated[str, typer.Argument(help="Login name (letters, digits, . _ -).")],
    role: Annotated[StaffRole, typer.Option(help="agent, editor, auditor or admin.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Create a staff user; the password is prompted for (or read with --password-stdin)."""
    if not username or len(username) > 64 or not all(c.isalnum() or c in "._-" for c in username):
        raise ConfigurationError(
            f"username {username!r} is invalid; use 1-64 letters, digits, '.', '_' or '-'"
        )
    password = _read_password(password_stdin)
    try:
        password_hash = hash_password(password)
    except ValueError as exc:
        raise ConfigurationError(str(exc)) from exc
    settings = Settings()
    with _session(settings) as session:
        user = crud.create_staff_user(
            session, username=username, password_hash=password_hash, role=role
        )
        crud.audit(
            session,
            actor="cli",
            action="staff.created",
            target_type="staff",
            target_id=user.id,
            details={"username": username, "role": role.value},
        )
        session.commit()
    typer.echo(f"created {role.value} {username!r}")


@users.command("list")
def list_users() -> None:
    """List staff users with role and state."""
    settings = Settings()
    with _session(settings) as session:
        rows = crud.list_staff_users(session)
    table = Table("username", "role", "active", "created")
    for user in rows:
        table.add_row(
            user.username,
            user.role,
            "yes" if user.active else "no",
            user.created_at.strftime("%Y-%m-%d %H:%M"),
        )
    Console().print(table)


def _change_user(username: str, action: str, change: Callable[[StaffUser], None]) -> None:
    """Apply ``change`` to an existing staff user and write the audit entry."""
    settings = Settings()
    with _session(settings) as session:
        user = crud.get_staff_user(session, username)
        if user is None:
            raise ConfigurationError(f"no staff user {username!r}; see `govbot users list`")
        change(user)
        crud.audit(
            session,
            actor="cli",
            action=action,
            target_type="staff",
            target_id=user.id,
            details={"username": username},
        )
        session.commit()


def _set_active(username: str, active: bool) -> None:
    def apply(user: StaffUser) -> None:
        user.active = active

    state = "activated" if active else "deactivated"
    _change_user(username, f"staff.{state}", apply)
    typer.echo(f"{state} {username!r}")


@users.command("deactivate")
def deactivate_user(
    username: Annotated[str, typer.Argument(help="Login name of the staff user.")],
) -> None:
    """Block a staff user at once: login fails and tokens already issued stop working."""
    _set_active(username, active=False)


@users.command("activate")
def activate_user(
    username: Annotated[str, typer.Argument(help="Login name of the staff user.")],
) -> None:
    """Allow a deactivated staff user to log in again."""
    _set_active(username, active=True)


@users.command("set-password")
def set_password(
    username: Annotated[str, typer.Argument(help="Login name of the staff user.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Set a new password (prompted for, or read with --password-stdin)."""
    try:
        password_hash = hash_password(_read_password(password_stdin))
    except ValueError as exc:
        raise ConfigurationError(str(exc)) from exc

    def store(user: StaffUser) -> None:
        user.password_hash = password_hash

    _change_user(username, "staff.password_set", store)
    typer.echo(f"password set for {username!r}")


def purge(
    older_than: Annotated[
        int | None,
        typer.Option(
            "--older-than",
            min=1,
            help="Days since a conversation's last message "
            "(default: GOVBOT_DATABASE__RETENTION_DAYS).",
        ),
    ] = None,
) -> None:
    """Anonymise citizens' original messages: keep only the redacted text of old conversations."""
    settings = Settings()
    days = older_than or settings.database.retention_days
    if days is None:
        raise ConfigurationError(
            "no retention period: pass --older-than DAYS or set GOVBOT_DATABASE__RETENTION_DAYS"
        )
    with _session(settings) as session:
        count = crud.anonymise_before(session, utcnow() - timedelta(days=days))
        crud.audit(
            session,
            actor="cli",
            action="retention.purged",
            target_type="messages",
            target_id=str(count),
            details={"older_than_days": days},
        )
        session.commit()
    typer.echo(f"anonymised {count} messages in conversations idle for more than {days} days")


def register(app: typer.Typer) -> None:
    """Add ``users`` and ``purge`` to the govbot command line."""
    app.add_typer(users, name="users")
    app.command()(purge)
