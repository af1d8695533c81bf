"""Request dependencies (``Annotated`` aliases): database session, services, staff and roles.

Everything comes from ``app.state``, filled by create_app()'s lifespan: no module globals.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session, sessionmaker

from bot.api.validation import MAX_ID
from bot.errors import AuthError, PermissionDeniedError
from bot.services.conversations import ConversationService
from bot.services.metrics import Metrics
from bot.services.security import decode_access_token
from bot.settings import Settings
from bot.storage import crud
from bot.storage.models import StaffRole, StaffUser

TOKEN_URL = "/api/v1/auth/token"
oauth2_scheme = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False)


def get_db(request: Request) -> Iterator[Session]:
    """One session per request; routes commit, anything unfinished is rolled back."""
    sessions: sessionmaker[Session] = request.app.state.sessions
    with sessions() as session:
        yield session


def get_settings(request: Request) -> Settings:
    """The app's settings."""
    settings: Settings = request.app.state.settings
    return settings


def get_conversations(request: Request) -> ConversationService:
    """The citizen conversation service."""
    service: ConversationService = request.app.state.conversations
    return service


def get_metrics(request: Request) -> Metrics:
    """The app's Prometheus metrics."""
    metrics: Metrics = request.app.state.metrics
    return metrics


# Paging of staff lists: ``?limit=&offset=`` (BulkLimit for the knowledge base's long lists).
Limit = Annotated[int, Query(ge=1, le=1000)]
BulkLimit = Annotated[int, Query(ge=1, le=5000)]
Offset = Annotated[int, Query(ge=0, le=MAX_ID)]

SessionDep = Annotated[Session, Depends(get_db)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
ConversationsDep = Annotated[ConversationService, Depends(get_conversations)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
TokenDep = Annotated[str | None, Depends(oauth2_scheme)]


def get_current_staff(session: SessionDep, settings: SettingsDep, token: TokenDep) -> StaffUser:
    """The active staff user named by the bearer token (401 otherwise)."""
    if not token:
        raise AuthError(
            f"not authenticated: send 'Authorization: Bearer <token>' from POST {TOKEN_URL}"
        )
    claims = decode_access_token(token, api=settings.api)
    user = crud.get_staff_user(session, claims.username)
    if user is None or not user.active:
        raise AuthError(f"staff user {claims.username!r} no longer exists or is deactivated")
    if claims.version != user.token_version:
        raise AuthError("access token was issued before the password changed; log in again")
    if list(claims.tenants) != user.tenants:
        raise AuthError("the tenants of this account changed since login; log in again")
    refuse_demo_in_production(user, settings)
    return user


def refuse_demo_in_production(user: StaffUser, settings: Settings) -> None:
    """Demo accounts (``govbot demo-users``) do not work when GOVBOT_ENV=production."""
    if user.demo and settings.env == "production":
        raise AuthError(
            f"{user.username!r} is a demo account and GOVBOT_ENV=production refuses it; "
            "create real accounts with `govbot users create`"
        )


CurrentStaff = Annotated[StaffUser, Depends(get_current_staff)]


def require_role(*roles: StaffRole) -> Callable[[StaffUser], StaffUser]:
    """A dependency that lets ``roles`` (and admin) through, 403 for everybody else."""
    allowed = {*roles, StaffRole.ADMIN}
    names = ", ".join(sorted(r.value for r in allowed))

    def check(staff: CurrentStaff) -> StaffUser:
        if staff.role not in allowed:
            raise PermissionDeniedError(
                f"role {staff.role!r} of {staff.username!r} may not do this; needs one of {names}"
            )
        return staff

    return check


AgentDep = Annotated[StaffUser, Depends(require_role(StaffRole.AGENT))]
AnswerReaderDep = Annotated[StaffUser, Depends(require_role(StaffRole.EDITOR, StaffRole.AUDITOR))]
AuditorDep = Annotated[StaffUser, Depends(require_role(StaffRole.AUDITOR))]
