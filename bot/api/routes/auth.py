"""Staff login: OAuth2 password flow returning an expiring bearer token."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm

from bot.api.deps import SessionDep, SettingsDep
from bot.api.schemas import Token, error_responses
from bot.errors import AuthError
from bot.services.security import create_access_token, verify_password
from bot.storage import crud
from bot.storage.models import StaffRole

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])

ERRORS = error_responses(401, 422, 429)


@router.post("/token", responses=ERRORS)
def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    settings: SettingsDep,
) -> Token:
    """Exchange username and password for a bearer token (form fields, OAuth2 password flow)."""
    user = crud.get_staff_user(session, form.username)
    valid = verify_password(form.password, user.password_hash if user else None)
    if user is None or not valid or not user.active:
        logger.warning("failed staff login for username=%r", form.username[:64])
        raise AuthError("incorrect username or password")
    token, lifetime = create_access_token(
        user.username, role=StaffRole(user.role), api=settings.api
    )
    crud.audit(
        session, actor=user.username, action="auth.login", target_type="staff", target_id=user.id
    )
    session.commit()
    return Token(access_token=token, expires_in=lifetime, role=user.role)
