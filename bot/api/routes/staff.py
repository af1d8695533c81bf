"""Staff endpoints (bearer token): the handoff inbox for agents.

An agent sees, claims and answers the handoffs of their own tenants only; another
tenant's handoff answers 404 like an unknown one (issue 14, item 10).

The answer log is served by routes/review.py, the audit log by routes/audit.py; the
older ``/staff/answers`` and ``/staff/audit`` live on as deprecated aliases
(routes/deprecated.py).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from bot.api.deps import (
    AgentDep,
    CurrentStaff,
    SessionDep,
)
from bot.api.schemas import (
    AgentReply,
    CandidateSource,
    HandoffClose,
    HandoffDetail,
    HandoffSummary,
    MessagePublic,
    StaffPublic,
    TranscriptMessage,
    error_responses,
    handoff_summary,
    handoff_summary_fields,
    message_public,
)
from bot.services import handoff
from bot.storage import crud
from bot.storage.models import AnswerRecord, Escalation, HandoffStatus, Message, StaffUser
from bot.storage.tenancy import scope_of

router = APIRouter(prefix="/api/v1/staff", tags=["staff"])

ERRORS = error_responses(401, 403, 404, 409, 422)


@router.get("/me", responses=ERRORS)
def me(staff: CurrentStaff) -> StaffPublic:
    """Who the token belongs to."""
    return StaffPublic(
        username=staff.username,
        role=staff.role,
        created_at=staff.created_at,
        tenants=staff.tenants,
    )


@router.get("/handoffs", responses=ERRORS)
def list_handoffs(
    session: SessionDep,
    staff: AgentDep,
    status: HandoffStatus | None = None,
    tenant: str | None = None,
) -> list[HandoffSummary]:
    """Escalations, the longest waiting first (all statuses when ``status`` is omitted)."""
    return [
        handoff_summary(e)
        for e in crud.list_escalations(session, status=status, tenant=tenant, scope=scope_of(staff))
    ]


@router.get("/handoffs/{handoff_id}", responses=ERRORS)
def get_handoff(
    handoff_id: str, request: Request, session: SessionDep, staff: AgentDep
) -> HandoffDetail:
    """Transcript (original text for the assigned agent, redacted for others) and sources."""
    escalation = crud.get_escalation(session, handoff_id, scope=scope_of(staff))
    return _detail(request, session, escalation, staff)


@router.post("/handoffs/{handoff_id}/claim", responses=ERRORS)
def claim_handoff(
    handoff_id: str, request: Request, session: SessionDep, staff: AgentDep
) -> HandoffDetail:
    """Take the conversation over; the bot falls silent."""
    escalation = handoff.claim(
        session, crud.get_escalation(session, handoff_id, lock=True, scope=scope_of(staff)), staff
    )
    session.commit()
    return _detail(request, session, escalation, staff)


@router.post("/handoffs/{handoff_id}/reply", status_code=201, responses=ERRORS)
def reply_to_handoff(
    handoff_id: str, body: AgentReply, session: SessionDep, staff: AgentDep
) -> MessagePublic:
    """Write to the citizen; the message appears in the citizen's conversation."""
    escalation = crud.get_escalation(session, handoff_id, lock=True, scope=scope_of(staff))
    message = handoff.reply(session, escalation, staff, body.text.strip())
    session.commit()
    return message_public(message)


@router.post("/handoffs/{handoff_id}/release", responses=ERRORS)
def release_handoff(handoff_id: str, session: SessionDep, staff: AgentDep) -> HandoffSummary:
    """Hand the conversation back to the bot (closes the escalation as handed back)."""
    escalation = handoff.release(
        session, crud.get_escalation(session, handoff_id, lock=True, scope=scope_of(staff)), staff
    )
    session.commit()
    return handoff_summary(escalation)


@router.post("/handoffs/{handoff_id}/close", responses=ERRORS)
def close_handoff(
    handoff_id: str, body: HandoffClose, session: SessionDep, staff: AgentDep
) -> HandoffSummary:
    """Close the escalation and the conversation with an outcome."""
    escalation = crud.get_escalation(session, handoff_id, lock=True, scope=scope_of(staff))
    handoff.close(session, escalation, staff, body.outcome.strip())
    session.commit()
    return handoff_summary(escalation)


def _detail(
    request: Request, session: Session, escalation: Escalation, viewer: StaffUser
) -> HandoffDetail:
    conversation = crud.get_conversation(session, escalation.conversation_id)
    messages = crud.list_messages(session, conversation.id)
    # The answer to a citizen's message says what was read from it and what was searched.
    answered = {m.answer.question_message_id: m.answer for m in messages if m.answer}
    transcript = []
    for m in messages:
        shown = handoff.visible_text(m, escalation, viewer)
        language, searched = _reading(m, answered.get(m.id))
        transcript.append(
            TranscriptMessage(
                id=m.id,
                seq=m.seq,
                role=m.role,  # type: ignore[arg-type]
                text=shown,
                created_at=m.created_at,
                redacted=shown != m.text or m.anonymised,
                answer_status=m.answer.status if m.answer else None,
                language=language,
                searched=searched,
            )
        )
    return HandoffDetail(
        **handoff_summary_fields(escalation),
        conversation_state=conversation.state,  # type: ignore[arg-type]
        language=conversation.language,  # follows the language the citizen writes in
        reason=escalation.reason_redacted,
        transcript=transcript,
        candidate_sources=[
            _source(request, doc_id) for doc_id in escalation.candidate_doc_ids.get("doc_ids", [])
        ],
    )


def _reading(message: Message, answer: AnswerRecord | None) -> tuple[str | None, str | None]:
    """(language, searched query) shown with a transcript line (issue 13 item 6)."""
    if message.answer is not None:
        understanding = message.answer.trace.understanding
        return (understanding.language if understanding else None), None
    if message.role != "citizen" or answer is None or answer.trace.understanding is None:
        return None, None
    return answer.trace.understanding.language, answer.trace.retrieval_query


def _source(request: Request, doc_id: str) -> CandidateSource:
    retriever = request.app.state.retriever
    service = retriever.get_service(doc_id) if retriever is not None else None
    if service is None:
        return CandidateSource(doc_id=doc_id)
    return CandidateSource(doc_id=doc_id, title=service.title, url=service.url or None)
