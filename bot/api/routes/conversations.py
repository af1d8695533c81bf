"""Citizen endpoints: conversations, messages, handoff requests, feedback (no authentication)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from bot.api.deps import ConversationsDep, MetricsDep, SessionDep
from bot.api.middleware import CLIENT_STATE_KEY
from bot.api.schemas import (
    ConversationCreate,
    ConversationPublic,
    FeedbackCreate,
    FeedbackCreated,
    HandoffCreate,
    HandoffCreated,
    MessageCreate,
    MessagePosted,
    MessagesPublic,
    SectionPublic,
    answer_public,
    error_responses,
    message_public,
)
from bot.api.validation import MAX_ID, RecordId
from bot.texts.notice import ai_notice

router = APIRouter(prefix="/api/v1/conversations", tags=["conversations"])

ERRORS = error_responses(400, 404, 409, 413, 422, 429, 503)
ConversationId = Annotated[str, Path(min_length=1, max_length=64)]


@router.post("", status_code=201, responses=ERRORS)
def create_conversation(
    body: ConversationCreate, session: SessionDep, conversations: ConversationsDep
) -> ConversationPublic:
    """Start a conversation; the response carries the AI transparency notice to show first."""
    conversation = conversations.start(session, tenant=body.tenant, language=body.language)
    session.commit()
    return ConversationPublic(
        conversation_id=conversation.id,
        tenant=conversation.tenant,
        language=conversation.language,
        state=conversation.state,  # type: ignore[arg-type]
        notice=ai_notice(conversation.tenant, body.language),
        created_at=conversation.created_at,
    )


@router.post("/{conversation_id}/messages", responses=ERRORS)
def post_message(
    conversation_id: ConversationId,
    body: MessageCreate,
    session: SessionDep,
    conversations: ConversationsDep,
    metrics: MetricsDep,
    request: Request,
) -> MessagePosted:
    """Send a message; the bot's answer comes back at once (null while a person holds it)."""
    client = str(getattr(request.state, CLIENT_STATE_KEY, "unknown"))
    result = conversations.post(
        session,
        conversation_id,
        body.text,
        client=client,
        language=body.language,
        choice=body.choice,
    )
    session.commit()
    answer = None
    if result.answer is not None and result.bot_message is not None:
        metrics.answers.labels(result.answer.status.value).inc()
        if result.bot_message.answer is not None:
            answer = answer_public(result.bot_message.answer, result.bot_message.text)
    if result.escalation is not None:
        metrics.handoffs.labels("bot").inc()
    return MessagePosted(
        message=message_public(result.message),
        answer=answer,
        state=result.conversation.state,  # type: ignore[arg-type]
    )


@router.get("/{conversation_id}/messages", responses=ERRORS)
def list_messages(
    conversation_id: ConversationId,
    session: SessionDep,
    conversations: ConversationsDep,
    after: Annotated[int, Query(ge=0, le=MAX_ID, description="only messages with seq > after")] = 0,
) -> MessagesPublic:
    """Messages of the conversation, including service-desk replies (poll with ``after``)."""
    conversation, messages = conversations.messages(session, conversation_id, after=after)
    return MessagesPublic(
        conversation_id=conversation.id,
        state=conversation.state,  # type: ignore[arg-type]
        messages=[message_public(m) for m in messages],
    )


@router.get("/{conversation_id}/more", responses=ERRORS)
def more_section(
    conversation_id: ConversationId,
    session: SessionDep,
    conversations: ConversationsDep,
    doc_id: Annotated[str, Query(min_length=3, max_length=200, description="Answer.more doc_id")],
    key: Annotated[str, Query(min_length=1, max_length=8, description="Answer.more key")],
) -> SectionPublic:
    """A further section of a service an answer offered ("Mehr anzeigen", issue 17)."""
    service, section = conversations.more(session, conversation_id, doc_id=doc_id, key=key)
    return SectionPublic(
        doc_id=service.doc_id, key=key, title=section.title, text=section.text, url=service.url
    )


@router.post("/{conversation_id}/handoff", status_code=201, responses=ERRORS)
def request_handoff(
    conversation_id: ConversationId,
    session: SessionDep,
    conversations: ConversationsDep,
    metrics: MetricsDep,
    response: Response,
    body: HandoffCreate | None = None,
) -> HandoffCreated:
    """Ask for a person: 201 with a reference, or 200 with the one already open."""
    conversation, escalation, created = conversations.request_handoff(
        session, conversation_id, reason=body.reason_with_transcript() if body else None
    )
    session.commit()
    if created:
        metrics.handoffs.labels("citizen").inc()
    else:
        response.status_code = 200
    return HandoffCreated(
        reference=escalation.reference or "",
        expected_response=escalation.expected_response,
        state=conversation.state,  # type: ignore[arg-type]
    )


@router.post("/{conversation_id}/messages/{message_id}/feedback", status_code=201, responses=ERRORS)
def give_feedback(
    conversation_id: ConversationId,
    message_id: RecordId,
    body: FeedbackCreate,
    session: SessionDep,
    conversations: ConversationsDep,
) -> FeedbackCreated:
    """Rate a bot answer as helpful or not, with an optional comment."""
    feedback = conversations.feedback(
        session, conversation_id, message_id, helpful=body.helpful, comment=body.comment
    )
    session.commit()
    return FeedbackCreated(id=feedback.id)
