"""The citizen side of a conversation: start it, post messages, ask for a person, give feedback.

Who answers depends on the conversation state (bot/services/handoff.py draws the state machine):

- ``bot``: the dialogue engine answers every message; an answer with status ``handoff``
  opens an escalation and carries its reference.
- ``waiting_for_agent``: messages are stored for the agent; the bot gives no answers
  (answers from the bot next to a promised human reply confuse citizens and agents) and
  acknowledges a burst of citizen messages once with a system message (not right after
  the escalation notice, which already says so).
- ``with_agent``: messages are stored, the bot stays silent; the agent replies.
- ``closed``: no more messages (409); the citizen starts a new conversation.

Exception, in every state: an emergency (status ``emergency``) is always answered at once
with the emergency numbers, because the agent may not be reading yet.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.orm import Session

from bot.answer import Answer, AnswerStatus, AnswerTrace, HandoffInfo, Turn
from bot.errors import (
    NotFoundError,
    RateLimitedError,
    ServiceUnavailableError,
    StateConflictError,
)
from bot.services import handoff
from bot.services.access_log import log_ref
from bot.services.ratelimit import EngineBudget
from bot.settings import Settings
from bot.storage import crud
from bot.storage.models import (
    AnswerRecord,
    Conversation,
    ConversationState,
    Escalation,
    Feedback,
    Message,
    Role,
    utcnow,
)
from bot.texts.catalogue import supported_language
from bot.understanding.redaction import redact, redact_trace
from bot.understanding.wording import Language
from knowledge.errors import InvalidQueryError, UnknownTenantError
from knowledge.models import Section, Service, validate_tenant_slug

logger = logging.getLogger(__name__)

HISTORY_TURNS = 12


class AnswerEngine(Protocol):
    """What the conversation needs from bot.dialogue.DialogueEngine."""

    def respond(
        self,
        message: str,
        *,
        tenant: str,
        history: Sequence[Turn],
        language: Language | None = None,
        choice: str | None = None,
    ) -> Answer:
        """The answer to ``message`` given the earlier turns, in ``language`` (or the
        message's own); ``choice``: a clarifying option the citizen picked."""
        ...


@dataclass(frozen=True)
class PostResult:
    """What posting a citizen message produced."""

    conversation: Conversation
    message: Message
    answer: Answer | None
    bot_message: Message | None
    escalation: Escalation | None


class ConversationService:
    """Citizen-facing operations on stored conversations (no HTTP here)."""

    def __init__(
        self,
        *,
        settings: Settings,
        engine: AnswerEngine | None,
        known_tenants: Callable[[], list[str]],
        index_ready: Callable[[], bool] = lambda: True,
        budget: EngineBudget | None = None,
        services: Callable[[str], Service | None] = lambda doc_id: None,
    ) -> None:
        self._settings = settings
        self._services = services
        self._budget = budget
        self._engine = engine
        self._known_tenants = known_tenants
        self._index_ready = index_ready
        # The engine (embedder, index reader) is not documented as thread-safe; sync
        # routes run in a thread pool, so answers are computed one at a time per process.
        self._engine_lock = threading.Lock()

    @property
    def ready(self) -> bool:
        """True when an answering engine is loaded and its index can be searched."""
        return self._engine is not None and self._index_ready()

    def check_tenant(self, tenant: str) -> str:
        """Return ``tenant`` if it is served here, else UnknownTenantError listing the known."""
        known = self._known_tenants()
        if tenant not in known:
            raise UnknownTenantError(
                f"tenant {tenant!r} is unknown; known tenants: {', '.join(known) or 'none'}"
            )
        return tenant

    def start(self, session: Session, *, tenant: str, language: str) -> Conversation:
        """A new conversation for a known tenant."""
        try:
            validate_tenant_slug(tenant)
        except ValueError as exc:
            raise UnknownTenantError(str(exc)) from exc
        self.check_tenant(tenant)
        try:
            supported_language(language)
        except ValueError as exc:
            raise InvalidQueryError(str(exc)) from exc
        conversation = crud.create_conversation(session, tenant=tenant, language=language)
        crud.audit(
            session,
            actor="citizen",
            action="conversation.started",
            target_type="conversation",
            target_id=conversation.id,
            details={"tenant": tenant, "language": language},
            tenant=tenant,
        )
        return conversation

    def clean_text(self, text: str) -> str:
        """Stripped text of 1..max_message_chars characters, else InvalidQueryError."""
        cleaned = text.strip()
        limit = self._settings.api.max_message_chars
        if not cleaned:
            raise InvalidQueryError("message text is empty; type a question")
        if len(cleaned) > limit:
            raise InvalidQueryError(
                f"message text has {len(cleaned)} characters; at most {limit} are allowed"
            )
        if "\x00" in cleaned:
            raise InvalidQueryError("message text contains a NUL character; send plain text")
        return cleaned

    def post(
        self,
        session: Session,
        conversation_id: str,
        text: str,
        *,
        client: str = "unknown",
        language: str | None = None,
        choice: str | None = None,
    ) -> PostResult:
        """Store the citizen's message and, if the bot holds the conversation, answer it.

        ``client``: the address the engine time is counted under. ``language`` is one the
        citizen chose now (else the conversation's stays); the reply's language, chosen or
        decisively detected, becomes the conversation's, so a short "ok" and the handoff
        notices follow the language the citizen writes in. ``choice`` must be the doc id of
        an option of the conversation's last bot answer (else InvalidQueryError, 422)."""
        cleaned = self.clean_text(text)
        if language is not None:
            try:
                supported_language(language)
            except ValueError as exc:
                raise InvalidQueryError(str(exc)) from exc
        conversation = crud.get_conversation(session, conversation_id)
        self._check_answerable(conversation)
        chosen = language or conversation.language
        tenant = conversation.tenant
        history = self._history(session, conversation.id)
        if choice is not None:
            _check_choice(choice, crud.recent_answers(session, conversation.id))
        # Answer with no transaction open (issue #8 benchmark, 16 concurrent citizens): a held
        # connection plus the curated-answer lookup's own connection exhausted the pool
        # (30 s waits, then 500), and on SQLite a write begun before answering held the
        # database-wide write lock through it (busy_timeout, then 503).
        session.rollback()
        answer = self._answer(
            cleaned, tenant=tenant, history=history, language=chosen, client=client, choice=choice
        )
        conversation = crud.get_conversation(session, conversation_id, lock=True)
        self._check_answerable(conversation)  # an agent may have taken over meanwhile
        conversation.language = answer.language if answer is not None else chosen
        message = crud.add_message(
            session,
            conversation,
            role=Role.CITIZEN,
            text=cleaned,
            text_redacted=redact(cleaned).text,
        )
        silent = answer is None or answer.status != AnswerStatus.EMERGENCY
        if conversation.state != ConversationState.BOT and silent:
            self._acknowledge_waiting(session, conversation)
            return PostResult(conversation, message, None, None, None)
        if answer is None:  # unreachable: the bot state needs an engine (checked above)
            raise ServiceUnavailableError("the answering engine is not loaded")
        escalation = None
        if answer.status == AnswerStatus.HANDOFF and conversation.state == ConversationState.BOT:
            escalation = self._escalate_from_answer(session, conversation, answer, message)
            answer = answer.model_copy(
                update={
                    "handoff": HandoffInfo(
                        reference=escalation.reference or "",
                        expected_response=escalation.expected_response,
                    )
                }
            )
        bot_message = self._store_answer(session, conversation, answer, question=message)
        return PostResult(conversation, message, answer, bot_message, escalation)

    def request_handoff(
        self, session: Session, conversation_id: str, *, reason: str | None
    ) -> tuple[Conversation, Escalation, bool]:
        """The citizen asks for a person: escalate (idempotent while one is active)."""
        conversation = crud.get_conversation(session, conversation_id, lock=True)
        answers = crud.recent_answers(session, conversation.id)
        topic = next((a.topic for a in answers if a.topic), None)
        escalation, created = handoff.escalate(
            session,
            conversation,
            settings=self._settings.handoff,
            source="citizen",
            reason=reason.strip() if reason and reason.strip() else None,
            topic=topic,
            candidate_doc_ids=_candidates(answers),
        )
        return conversation, escalation, created

    def messages(
        self, session: Session, conversation_id: str, *, after: int
    ) -> tuple[Conversation, list[Message]]:
        """The conversation and its messages after sequence number ``after``."""
        conversation = crud.get_conversation(session, conversation_id)
        return conversation, crud.list_messages(session, conversation.id, after=after)

    def more(
        self, session: Session, conversation_id: str, *, doc_id: str, key: str
    ) -> tuple[Service, Section]:
        """One further section of a service of this conversation's tenant ("Mehr anzeigen",
        issue 17): ``key`` is the position ``Answer.more`` names."""
        conversation = crud.get_conversation(session, conversation_id)
        service = self._services(doc_id) if doc_id.startswith(f"{conversation.tenant}/") else None
        if service is None:
            raise NotFoundError("document", doc_id, f"not in tenant {conversation.tenant!r}")
        if not key.isdigit() or int(key) >= len(service.sections):
            raise NotFoundError(
                "section", key, f"keys of {doc_id!r} are 0 to {len(service.sections) - 1}"
            )
        return service, service.sections[int(key)]

    def feedback(
        self,
        session: Session,
        conversation_id: str,
        message_id: int,
        *,
        helpful: bool,
        comment: str | None,
    ) -> Feedback:
        """A vote on one bot answer of this conversation."""
        crud.get_conversation(session, conversation_id)
        message = crud.get_message(session, conversation_id, message_id)
        if message.answer is None:
            raise StateConflictError(
                f"message {message_id} is a {message.role} message; feedback is for bot answers"
            )
        comment_redacted = redact(comment.strip()).text if comment and comment.strip() else None
        # One vote per answer: a second one replaces the first (issue 14, finding 9).
        return crud.set_feedback(
            session, message.answer, helpful=helpful, comment_redacted=comment_redacted
        )

    # --- internals -------------------------------------------------------------------

    def _history(self, session: Session, conversation_id: str) -> list[Turn]:
        messages = crud.list_messages(session, conversation_id)[-HISTORY_TURNS:]
        return [
            Turn(
                role=m.role,  # type: ignore[arg-type]  # Role values are the Turn literals
                text=m.text,
                doc_ids=_doc_ids(m.answer.public) if m.answer else [],
            )
            for m in messages
        ]

    def _answer(
        self,
        text: str,
        *,
        tenant: str,
        history: list[Turn],
        language: Language,
        client: str,
        choice: str | None = None,
    ) -> Answer | None:
        if self._engine is None:
            return None
        self._check_budget(client)
        with self._engine_lock:
            self._check_budget(client)  # requests queued behind the lock count too
            started = time.perf_counter()
            try:
                return self._engine.respond(
                    text, tenant=tenant, history=history, language=language, choice=choice
                )
            finally:
                if self._budget is not None:
                    self._budget.charge(client, time.perf_counter() - started)

    def _check_budget(self, client: str) -> None:
        if self._budget is None:
            return
        decision = self._budget.check(client)
        if not decision.allowed:
            raise RateLimitedError(
                f"this client used its share of answering time; retry in "
                f"{decision.retry_after_s} s",
                retry_after_s=decision.retry_after_s,
            )

    def _check_answerable(self, conversation: Conversation) -> None:
        """StateConflictError when closed; 503 when the bot holds it but cannot answer."""
        if conversation.state == ConversationState.CLOSED:
            raise StateConflictError(
                f"conversation {conversation.id!r} is closed; start a new conversation"
            )
        if conversation.state == ConversationState.BOT and not self.ready:
            raise ServiceUnavailableError(
                "the answering index is not loaded; build it with `govbot ingest` "
                "or ask for a person with POST /api/v1/conversations/{id}/handoff"
            )

    def _acknowledge_waiting(self, session: Session, conversation: Conversation) -> None:
        """Acknowledge a citizen message once per burst while waiting for an agent.

        No acknowledgement right after a system notice (the escalation notice already
        says that messages are kept) or after another citizen message (same burst).
        """
        if conversation.state != ConversationState.WAITING_FOR_AGENT:
            return
        before = crud.list_messages(session, conversation.id, after=conversation.last_seq - 2)
        previous = before[0] if len(before) == 2 else None
        if previous is None or previous.role in (Role.SYSTEM, Role.CITIZEN):
            return
        escalation = crud.active_escalation(session, conversation.id)
        reference = escalation.reference if escalation and escalation.reference else ""
        handoff.add_system_message(
            session,
            conversation,
            handoff.system_text("waiting", conversation.language, reference=reference),
        )

    def _escalate_from_answer(
        self, session: Session, conversation: Conversation, answer: Answer, message: Message
    ) -> Escalation:
        answers = crud.recent_answers(session, conversation.id)
        candidates = [*answer.candidate_doc_ids, *answer.doc_ids, *_candidates(answers)]
        topic = answer.topic or next((a.topic for a in answers if a.topic), None)
        escalation, _ = handoff.escalate(
            session,
            conversation,
            settings=self._settings.handoff,
            source="bot",
            reason=message.text,
            topic=topic,
            candidate_doc_ids=candidates,
        )
        return escalation

    def _store_answer(
        self, session: Session, conversation: Conversation, answer: Answer, *, question: Message
    ) -> Message:
        bot_message = crud.add_message(
            session,
            conversation,
            role=Role.BOT,
            text=answer.text,
            text_redacted=redact(answer.text).text,
        )
        record = AnswerRecord(
            conversation_id=conversation.id,
            message_id=bot_message.id,
            question_message_id=question.id,
            tenant=conversation.tenant,
            status=answer.status.value,
            question_redacted=question.text_redacted,
            text_redacted=bot_message.text_redacted,
            confidence=answer.confidence,
            topic=(answer.topic or "")[:200] or None,
            public=public_payload(answer),
            trace=AnswerTrace.model_validate(redact_trace(answer.trace.model_dump(mode="json"))),
            index_version=answer.trace.index_version,
            embedder=answer.trace.embedder,
            created_at=utcnow(),
        )
        session.add(record)
        session.flush()
        bot_message.answer = record
        logger.info(
            "answer conversation=%s status=%s confidence=%.2f docs=%s",
            log_ref(conversation.id),
            answer.status.value,
            answer.confidence,
            ",".join(answer.doc_ids),
        )
        return bot_message


def public_payload(answer: Answer) -> dict[str, Any]:
    """What the citizen saw besides the text (stored with the answer log entry)."""
    return {
        "citations": [c.model_dump(mode="json") for c in answer.citations],
        "offices": [o.model_dump(mode="json") for o in answer.offices],
        "options": [o.model_dump(mode="json") for o in answer.options],
        "more": [m.model_dump(mode="json") for m in answer.more],
        "handoff_offered": answer.handoff_offered,
        "handoff": answer.handoff.model_dump(mode="json") if answer.handoff else None,
        "candidate_doc_ids": list(answer.candidate_doc_ids),
        "language": answer.language,
        "help_grade": answer.help_grade.value if answer.help_grade else None,
        "help_text": answer.help_text,
    }


def _check_choice(choice: str, answers: Sequence[AnswerRecord]) -> None:
    """``choice`` must be one of the options of the conversation's last bot answer."""
    offered = [str(o["doc_id"]) for o in answers[0].public.get("options", [])] if answers else []
    if choice not in offered:
        listed = ", ".join(offered) if offered else "none"
        raise InvalidQueryError(
            f"choice {choice!r} was not offered by the last answer (options: {listed}); "
            "pick one of its options or send the question as text"
        )


def _doc_ids(public: dict[str, Any]) -> list[str]:
    return list(dict.fromkeys(str(c["doc_id"]) for c in public.get("citations", [])))


def _candidates(answers: Sequence[AnswerRecord]) -> list[str]:
    """Cited documents (newest answer first), then the engine's other candidates."""
    cited = [doc_id for record in answers for doc_id in _doc_ids(record.public)]
    others = [str(d) for record in answers for d in record.public.get("candidate_doc_ids", [])]
    return list(dict.fromkeys([*cited, *others]))
