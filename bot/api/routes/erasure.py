"""Erasure of one citizen's conversation on request (GDPR Art. 17), for admins; audited.

The conversation is named by its id or by the reference of one of its handoffs, which is
what a citizen quotes when asking to be forgotten (issue 14, finding 1).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from bot.api.deps import SessionDep, require_role
from bot.api.schemas import error_responses
from bot.api.staff_schemas import ConversationDeleted
from bot.storage import retention
from bot.storage.models import StaffUser
from bot.storage.tenancy import scope_of

router = APIRouter(prefix="/api/v1/staff/conversations", tags=["staff"])

ERRORS = error_responses(401, 403, 404, 422)
AdminDep = Annotated[StaffUser, Depends(require_role())]
ConversationRef = Annotated[
    str,
    Path(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9-]+$",
        description="Conversation id (32 hex digits) or handoff reference (GB-2026-000123).",
    ),
]


@router.delete("/{ref}", responses=ERRORS)
def delete_conversation(
    ref: ConversationRef, request: Request, session: SessionDep, staff: AdminDep
) -> ConversationDeleted:
    """Delete the conversation with its messages, answer log entries, feedback and handoffs."""
    found = retention.find_conversation(session, ref, scope=scope_of(staff))
    deleted = retention.delete_conversation(session, found)
    retention.audit_deletion(session, deleted, actor=staff.username)
    session.commit()
    retention.compact(request.app.state.db_engine)
    return ConversationDeleted(
        conversation_id=deleted.conversation_id,
        tenant=deleted.tenant,
        handoffs=deleted.references,
        messages=deleted.messages,
    )
