"""``govbot users …`` (staff accounts), ``govbot purge`` and ``govbot conversations delete``
(retention and erasure of citizens' texts)."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Annotated, cast

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from bot.errors import NotFoundError
from bot.services.security import hash_password
from bot.settings import Settings
from bot.storage import crud, retention
from bot.storage.db import engine_from_settings, migrate, session_factory
from bot.storage.models import ALL_TENANTS, StaffRole, StaffUser, utcnow
from bot.storage.retention import audit_deletion, compact
from bot.storage.sso_accounts import is_sso_account
from bot.storage.tenancy import TENANT_PATTERN, grant_tenants
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


TenantOption = Annotated[
    list[str] | None,
    typer.Option(
        "--tenant",
        help="A tenant the account works for (repeatable), e.g. --tenant muenchen.",
    ),
]
AllTenantsOption = Annotated[
    bool,
    typer.Option(
        "--all-tenants",
        help="The account works for every tenant (the default for admins only).",
    ),
]


def _tenants(role: StaffRole, tenants: list[str] | None, all_tenants: bool) -> list[str]:
    """The ``tenants`` of a new account: named ones, or every tenant; refused when neither."""
    named = list(dict.fromkeys(tenants or []))
    for tenant in named:
        if not re.fullmatch(TENANT_PATTERN, tenant):
            raise ConfigurationError(
                f"tenant {tenant!r} is invalid; use 1-63 lower-case letters, digits and '-' "
                "as in the index (`govbot status` lists them)"
            )
    if all_tenants and named:
        raise ConfigurationError("give either --tenant … or --all-tenants, not both")
    if all_tenants or (not named and role is StaffRole.ADMIN):
        return [ALL_TENANTS]
    if not named:
        raise ConfigurationError(
            f"an account with role {role.value} needs the tenants it works for: add --tenant NAME "
            "(repeatable), or --all-tenants for an account that may see every town"
        )
    return named


@users.command("create")
def create_user(
    username: Annotated[str, typer.Argument(help="Login name (letters, digits, . _ -).")],
    role: Annotated[StaffRole, typer.Option(help="agent, editor, auditor or admin.")],
    tenant: TenantOption = None,
    all_tenants: AllTenantsOption = False,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Create a staff user for the given tenants; the password is prompted for (or read
    with --password-stdin). Admins without --tenant work for every tenant."""
    if not username or len(username) > 64 or not all(c.isalnum() or c in "._-" for c in username):
        raise ConfigurationError(
            f"username {username!r} is invalid; use 1-64 letters, digits, '.', '_' or '-'"
        )
    tenants = _tenants(role, tenant, all_tenants)
    password = _read_password(password_stdin)
    try:
        password_hash = hash_password(password)
    except ValueError as exc:
        raise ConfigurationError(str(exc)) from exc
    settings = Settings()
    with _session(settings) as session:
        user = crud.create_staff_user(
            session, username=username, password_hash=password_hash, role=role, tenants=tenants
        )
        crud.audit(
            session,
            actor="cli",
            action="staff.created",
            target_type="staff",
            target_id=user.id,
            details={"username": username, "role": role.value, "tenants": tenants},
        )
        session.commit()
    typer.echo(f"created {role.value} {username!r} for {_describe(tenants)}")


def _describe(tenants: list[str]) -> str:
    if tenants == [ALL_TENANTS]:
        return "every tenant"
    if not tenants:
        return "no tenant (sees nothing; grant one with `govbot users update NAME --tenant …`)"
    return "tenant" + ("s " if len(tenants) > 1 else " ") + ", ".join(tenants)


@users.command("list")
def list_users(
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON, one object per user.")
    ] = False,
) -> None:
    """List staff users with role, tenants and state."""
    settings = Settings()
    with _session(settings) as session:
        rows = crud.list_staff_users(session)
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {
                        "username": user.username,
                        "role": user.role,
                        "tenants": user.tenants,
                        "active": user.active,
                        "sign_in": "sso" if is_sso_account(user) else "password",
                        "created_at": user.created_at.isoformat(),
                    }
                    for user in rows
                ]
            )
        )
        return
    table = Table("username", "role", "tenants", "active", "sign-in", "created")
    for user in rows:
        table.add_row(
            user.username,
            user.role,
            ", ".join(user.tenants) or "(none)",
            "yes" if user.active else "no",
            "single sign-on" if is_sso_account(user) else "password",
            user.created_at.strftime("%Y-%m-%d %H:%M"),
        )
    Console().print(table)


@users.command("update")
def update_user(
    username: Annotated[str, typer.Argument(help="Login name of the staff user.")],
    role: Annotated[
        StaffRole | None, typer.Option(help="The new role (unchanged if not given).")
    ] = None,
    tenant: TenantOption = None,
    all_tenants: AllTenantsOption = False,
) -> None:
    """Change a staff user's role and/or tenants (--tenant replaces the list); takes effect
    at once: tokens issued with the old role or tenants stop working."""
    if role is None and not tenant and not all_tenants:
        raise ConfigurationError("nothing to change: give --role, --tenant … or --all-tenants")
    changed: dict[str, object] = {}

    def apply(user: StaffUser) -> None:
        new_role = role or StaffRole(user.role)
        if tenant or all_tenants:
            tenants = _tenants(new_role, tenant, all_tenants)
        elif new_role is not StaffRole.ADMIN and user.all_tenants and role is not None:
            # An admin made agent keeps "every tenant" only when asked to.
            tenants = _tenants(new_role, None, False)
        else:
            tenants = user.tenants
        grant_tenants(user, tenants)
        user.role = new_role
        user.token_version += 1  # the old role and tenants stop working at once
        changed.update(role=new_role.value, tenants=tenants)

    _change_user(username, "staff.updated", apply, changed)
    tenants = cast(list[str], changed["tenants"])
    typer.echo(f"{username!r} is now {changed['role']} for {_describe(tenants)}")


def _change_user(
    username: str,
    action: str,
    change: Callable[[StaffUser], None],
    details: dict[str, object] | None = None,
) -> None:
    """Apply ``change`` to an existing staff user and write the audit entry (with
    ``details``, which ``change`` may fill in)."""
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
            details={"username": username, **(details or {})},
        )
        session.commit()


def _set_active(username: str, active: bool) -> None:
    def apply(user: StaffUser) -> None:
        user.active = active
        user.token_version += 1  # tokens issued before stay revoked after re-activation

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
    """Set a new password (prompted for, or read with --password-stdin); signs the user out
    everywhere (tokens issued before stop working)."""
    try:
        password_hash = hash_password(_read_password(password_stdin))
    except ValueError as exc:
        raise ConfigurationError(str(exc)) from exc

    def store(user: StaffUser) -> None:
        if is_sso_account(user):
            raise ConfigurationError(
                f"{username!r} signs in through the identity provider (single sign-on); "
                "its password is managed there, not in GovBot"
            )
        user.password_hash = password_hash
        user.token_version += 1  # every token issued with the old password stops working

    _change_user(username, "staff.password_set", store)
    typer.echo(f"password set for {username!r}")


def purge(
    older_than: Annotated[
        int | None,
        typer.Option(
            "--older-than",
            min=0,
            help="Days since a conversation's last message; 0 purges every conversation now "
            "(default: GOVBOT_DATABASE__RETENTION_DAYS).",
        ),
    ] = None,
) -> None:
    """Anonymise citizens' original texts: keep only the redacted text of idle conversations."""
    settings = Settings()
    days = older_than if older_than is not None else settings.database.retention_days
    if days is None:
        raise ConfigurationError(
            "no retention period: pass --older-than DAYS or set GOVBOT_DATABASE__RETENTION_DAYS"
        )
    with _session(settings) as session:
        done = retention.anonymise_before(session, utcnow() - timedelta(days=days))
        crud.audit(
            session,
            actor="cli",
            action="retention.purged",
            target_type="messages",
            target_id=str(done.messages),
            details={"older_than_days": days, "messages": done.messages, "answers": done.answers},
        )
        session.commit()
        compact(session.get_bind().engine)
    typer.echo(
        f"anonymised {done.messages} messages and {done.answers} answer traces "
        f"in conversations idle for more than {days} days"
    )


conversations = typer.Typer(no_args_is_help=True, help="Citizens' conversations (erasure).")


@conversations.command("delete")
def delete_conversation(
    ref: Annotated[
        str, typer.Argument(help="Conversation id (32 hex digits) or handoff reference.")
    ],
) -> None:
    """Delete one conversation with all its messages, answers, feedback and handoffs
    (a citizen's request for erasure, GDPR Art. 17); audited."""
    settings = Settings()
    with _session(settings) as session:
        try:
            deleted = retention.delete_conversation(
                session, retention.find_conversation(session, ref)
            )
        except NotFoundError as exc:
            raise ConfigurationError(str(exc)) from exc
        audit_deletion(session, deleted, actor="cli")
        session.commit()
        compact(session.get_bind().engine)
    typer.echo(
        f"deleted conversation {deleted.conversation_id} ({deleted.messages} messages"
        + (f", handoffs {', '.join(deleted.references)}" if deleted.references else "")
        + ")"
    )


def register(app: typer.Typer) -> None:
    """Add ``users``, ``conversations`` and ``purge`` to the govbot command line."""
    app.add_typer(users, name="users")
    app.add_typer(conversations, name="conversations")
    app.command()(purge)
