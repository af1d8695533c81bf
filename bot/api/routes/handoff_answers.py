"""Staff endpoint for agents: the bot's answers in an escalated conversation with their sources.

The transcript (GET /api/v1/staff/handoffs/{id}) shows what was said; this adds, per bot
message, what the bot cited, so the agent can check the sources before replying.
"""

from __future__ import annotations

from fastapi import APIRouter

from bot.api.deps import AgentDep, SessionDep
from bot.api.schemas import CitationPublic, error_responses
from bot.api.staff_schemas import HandoffAnswer
from bot.storage import crud, staff_crud
from bot.storage.tenancy import scope_of

router = APIRouter(prefix="/api/v1/staff/handoffs", tags=["staff"])

ERRORS = error_responses(401, 403, 404)


@router.get("/{handoff_id}/answers", responses=ERRORS)
def handoff_answers(handoff_id: str, session: SessionDep, staff: AgentDep) -> list[HandoffAnswer]:
    """Every bot answer of the escalated conversation, oldest first, with its citations."""
    escalation = crud.get_escalation(session, handoff_id, scope=scope_of(staff))
    return [
        HandoffAnswer(
            message_id=record.message_id,
            status=record.status,
            confidence=record.confidence,
            citations=[
                CitationPublic.model_validate(c) for c in record.public.get("citations", [])
            ],
        )
        for record in staff_crud.answers_of(session, escalation.conversation_id)
    ]
