"""Storage on real SQLite and PostgreSQL (marker ``postgres``): schema, repository, handoffs."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.orm import Session

from bot.answer import AnswerTrace, TraceHit
from bot.errors import NotFoundError, PermissionDeniedError, StateConflictError
from bot.services import handoff
from bot.settings import HandoffSettings
from bot.storage import crud
from bot.storage.db import alembic_config, make_engine, migrate, normalise_url, session_factory
from bot.storage.models import (
    ALL_TENANTS,
    AnswerRecord,
    Conversation,
    ConversationState,
    HandoffStatus,
    Message,
    Role,
    StaffRole,
    StaffUser,
)
from bot.texts.catalogue import shipped_texts

TABLES = {
    "alembic_version",
    "answers",
    "audit_log",
    "conversations",
    "escalations",
    "feedback",
    "messages",
    "staff_tenants",
    "staff_users",
}


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with session_factory(engine)() as session:
        yield session


def _staff(session: Session, username: str, role: StaffRole = StaffRole.AGENT) -> StaffUser:
    return crud.create_staff_user(
        session, username=username, password_hash="x", role=role, tenants=[ALL_TENANTS]
    )


def _say(session: Session, conversation: Conversation, role: Role, text_: str) -> Message:
    return crud.add_message(session, conversation, role=role, text=text_, text_redacted=text_)


def _answer(
    session: Session, conversation: Conversation, *, status: str, confidence: float, **public: Any
) -> AnswerRecord:
    message = _say(session, conversation, Role.BOT, f"Antwort {status}")
    record = AnswerRecord(
        conversation_id=conversation.id,
        message_id=message.id,
        tenant=conversation.tenant,
        status=status,
        question_redacted="Frage",
        text_redacted=message.text,
        confidence=confidence,
        public={"citations": [], **public},
        trace=AnswerTrace(
            policy_label="service_question",
            index_version="v1",
            hits=[TraceHit(doc_id="muenchen/1063441", passage_id="muenchen/1063441#0", score=0.9)],
        ),
        index_version="v1",
        embedder="multilingual-e5-small",
    )
    session.add(record)
    session.flush()
    return record


def test_migrate_is_idempotent_and_creates_every_table(engine: Engine) -> None:
    migrate(engine)  # second run: nothing to do, no error

    assert set(inspect(engine).get_table_names()) >= TABLES
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    with engine.connect() as connection:
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert version == head


def test_sqlite_runs_in_wal_mode_with_foreign_keys(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas only")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u:p@db:5432/govbot", "postgresql+psycopg://u:p@db:5432/govbot"),
        ("postgres://u:p@db/govbot", "postgresql+psycopg://u:p@db/govbot"),
        ("postgresql+psycopg://u@db/govbot", "postgresql+psycopg://u@db/govbot"),
        ("sqlite:///x.sqlite3", "sqlite:///x.sqlite3"),
    ],
)
def test_postgres_urls_use_psycopg3(given: str, expected: str) -> None:
    assert normalise_url(given) == expected


def test_messages_get_consecutive_sequence_numbers_and_utc_times(session: Session) -> None:
    conversation = crud.create_conversation(session, tenant="muenchen", language="de")
    for role, words in [(Role.CITIZEN, "Hallo"), (Role.BOT, "Guten Tag"), (Role.CITIZEN, "Danke")]:
        _say(session, conversation, role, words)
    session.commit()
    session.expire_all()

    after_first = crud.list_messages(session, conversation.id, after=1)

    assert [(m.seq, m.role, m.text) for m in after_first] == [
        (2, "bot", "Guten Tag"),
        (3, "citizen", "Danke"),
    ]
    assert all(
        m.created_at.tzinfo is not None and m.created_at.utcoffset() == timedelta(0)
        for m in after_first
    )
    assert crud.get_conversation(session, conversation.id).last_seq == 3


def test_unknown_conversation_names_the_id(session: Session) -> None:
    with pytest.raises(NotFoundError, match="conversation 'nope' does not exist"):
        crud.get_conversation(session, "nope")


def test_deleting_a_conversation_cascades_to_its_messages(session: Session) -> None:
    conversation = crud.create_conversation(session, tenant="muenchen", language="de")
    _say(session, conversation, Role.CITIZEN, "Hallo")
    session.commit()

    session.execute(text("DELETE FROM conversations WHERE id = :id"), {"id": conversation.id})
    session.commit()

    assert session.scalars(select(Message)).all() == []


def test_escalation_references_count_per_row_and_year(session: Session) -> None:
    first = crud.create_conversation(session, tenant="muenchen", language="de")
    second = crud.create_conversation(session, tenant="muenchen", language="en")
    settings = HandoffSettings()

    one, created_one = handoff.escalate(
        session, first, settings=settings, source="citizen", reason=None, topic="Ausweis",
        candidate_doc_ids=["muenchen/1063441", "muenchen/1063441"],
    )  # fmt: skip
    two, _ = handoff.escalate(
        session, second, settings=settings, source="bot", reason="Anruf unter 0171 1234567",
        topic=None, candidate_doc_ids=[],
    )  # fmt: skip
    again, created_again = handoff.escalate(
        session, first, settings=settings, source="citizen", reason=None, topic=None,
        candidate_doc_ids=[],
    )  # fmt: skip
    session.commit()

    year = datetime.now(UTC).year
    assert (one.reference, two.reference) == (f"GB-{year}-{one.id:06d}", f"GB-{year}-{two.id:06d}")
    assert created_one and not created_again and again.id == one.id
    assert one.candidate_doc_ids == {"doc_ids": ["muenchen/1063441"]}
    assert two.reason_redacted == "Anruf unter [TELEFON]"
    # The conversation is English and no operator text is configured: the English catalogue's.
    assert two.expected_response == shipped_texts().text("handoff.expected_response", "en")
    assert first.state == ConversationState.WAITING_FOR_AGENT
    assert [e.reference for e in crud.list_escalations(session, status=HandoffStatus.OPEN)] == [
        one.reference,
        two.reference,
    ]
    assert crud.get_escalation(session, one.reference or "").id == one.id
    assert crud.get_escalation(session, str(two.id)).reference == two.reference


def test_handoff_lifecycle_moves_conversation_state(session: Session) -> None:
    conversation = crud.create_conversation(session, tenant="muenchen", language="de")
    crud.add_message(
        session, conversation, role=Role.CITIZEN, text="Meine Mail: anna@example.org",
        text_redacted="Meine Mail: [E-MAIL]",
    )  # fmt: skip
    escalation, _ = handoff.escalate(
        session, conversation, settings=HandoffSettings(), source="citizen", reason=None,
        topic=None, candidate_doc_ids=[],
    )  # fmt: skip
    anna, ben = _staff(session, "anna"), _staff(session, "ben")

    handoff.claim(session, escalation, anna)
    with pytest.raises(StateConflictError, match="is already claimed by 'anna'"):
        handoff.claim(session, escalation, ben)
    with pytest.raises(PermissionDeniedError, match="claimed by 'anna'; only they can reply"):
        handoff.reply(session, escalation, ben, "Hallo")
    reply = handoff.reply(session, escalation, anna, "Guten Tag, ich helfe Ihnen.")
    assert conversation.state == ConversationState.WITH_AGENT
    assert (reply.role, reply.author_id) == (Role.AGENT, anna.id)

    first = crud.list_messages(session, conversation.id)[0]
    assert handoff.visible_text(first, escalation, anna) == "Meine Mail: anna@example.org"
    assert handoff.visible_text(first, escalation, ben) == "Meine Mail: [E-MAIL]"

    handoff.release(session, escalation, anna)
    assert (escalation.status, escalation.outcome) == (HandoffStatus.CLOSED, "handed_back_to_bot")
    assert conversation.state == ConversationState.BOT
    with pytest.raises(StateConflictError, match="is closed; claim it before you release it"):
        handoff.release(session, escalation, anna)
    session.commit()
    actions = [e.action for e in reversed(crud.list_audit(session))]
    assert actions == ["handoff.created", "handoff.claimed", "handoff.replied", "handoff.released"]


def test_closing_an_open_handoff_closes_the_conversation(session: Session) -> None:
    conversation = crud.create_conversation(session, tenant="muenchen", language="de")
    escalation, _ = handoff.escalate(
        session, conversation, settings=HandoffSettings(), source="citizen", reason=None,
        topic=None, candidate_doc_ids=[],
    )  # fmt: skip

    handoff.close(session, escalation, _staff(session, "anna"), "Spam")

    assert (escalation.status, escalation.outcome) == (HandoffStatus.CLOSED, "Spam")
    assert conversation.state == ConversationState.CLOSED
    assert crud.list_messages(session, conversation.id)[-1].role == Role.SYSTEM


def test_answer_log_filters_by_status_confidence_and_feedback(session: Session) -> None:
    conversation = crud.create_conversation(session, tenant="muenchen", language="de")
    sure = _answer(session, conversation, status="answered", confidence=0.9)
    unsure = _answer(session, conversation, status="unanswerable", confidence=0.2)
    crud.set_feedback(session, unsure, helpful=False, comment_redacted="falsch")
    session.commit()

    def ids(**filters: Any) -> list[int]:
        rows = crud.query_answers(session, crud.AnswerFilter(**filters))
        return [record.id for record, _ in rows]

    assert ids() == [unsure.id, sure.id]
    assert ids(status="answered") == [sure.id]
    assert ids(min_confidence=0.5) == [sure.id]
    assert ids(max_confidence=0.5) == [unsure.id]
    assert ids(feedback="unhelpful") == [unsure.id]
    assert ids(feedback="helpful") == []
    assert ids(feedback="none") == [sure.id]
    assert ids(tenant="lkaugsburg") == []
    votes = crud.query_answers(session, crud.AnswerFilter(feedback="any"))[0][1]
    assert [(v.helpful, v.comment_redacted) for v in votes] == [(False, "falsch")]


def test_staff_usernames_are_unique(session: Session) -> None:
    _staff(session, "anna")
    with pytest.raises(StateConflictError, match="staff user 'anna' already exists"):
        _staff(session, "anna", StaffRole.ADMIN)


def test_purge_keeps_only_redacted_text_of_idle_conversations(session: Session) -> None:
    old = crud.create_conversation(session, tenant="muenchen", language="de")
    crud.add_message(
        session, old, role=Role.CITIZEN, text="IBAN DE89370400440532013000",
        text_redacted="IBAN [IBAN]",
    )  # fmt: skip
    old.updated_at = datetime.now(UTC) - timedelta(days=40)
    fresh = crud.create_conversation(session, tenant="muenchen", language="de")
    _say(session, fresh, Role.CITIZEN, "Mail: a@b.de")
    session.commit()

    done = crud.anonymise_before(session, datetime.now(UTC) - timedelta(days=30))
    session.commit()

    assert (done.messages, done.answers) == (1, 0)
    assert [(m.text, m.anonymised) for m in crud.list_messages(session, old.id)] == [
        ("IBAN [IBAN]", True)
    ]
    assert [m.text for m in crud.list_messages(session, fresh.id)] == ["Mail: a@b.de"]


def test_concurrent_writers_get_consecutive_sequence_numbers(engine: Engine) -> None:
    sessions = session_factory(engine)
    with sessions() as setup:
        conversation_id = crud.create_conversation(setup, tenant="muenchen", language="de").id
        setup.commit()
    # Both requests load the conversation before either writes (a double-clicked send).
    with sessions() as first, sessions() as second:
        mine = crud.get_conversation(first, conversation_id)
        theirs = crud.get_conversation(second, conversation_id)
        _say(first, mine, Role.CITIZEN, "eins")
        first.commit()
        _say(second, theirs, Role.CITIZEN, "zwei")
        second.commit()

    with sessions() as check:
        assert [(m.seq, m.text) for m in crud.list_messages(check, conversation_id)] == [
            (1, "eins"),
            (2, "zwei"),
        ]
        assert crud.get_conversation(check, conversation_id).last_seq == 2


def test_concurrent_handoff_requests_open_one_escalation(engine: Engine) -> None:
    sessions = session_factory(engine)
    with sessions() as setup:
        conversation_id = crud.create_conversation(setup, tenant="muenchen", language="de").id
        setup.commit()
    first_has_lock = threading.Event()
    created: dict[str, bool] = {}

    def request(name: str) -> None:
        with sessions() as session:
            if name == "second":
                first_has_lock.wait(timeout=5)
            conversation = crud.get_conversation(session, conversation_id, lock=True)
            if name == "first":
                first_has_lock.set()
                time.sleep(0.3)  # the second request arrives meanwhile and must wait
            _, created[name] = handoff.escalate(
                session, conversation, settings=HandoffSettings(), source="citizen",
                reason=None, topic=None, candidate_doc_ids=[],
            )  # fmt: skip
            session.commit()

    threads = [threading.Thread(target=request, args=(n,)) for n in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert created == {"first": True, "second": False}
    with sessions() as check:
        assert len(crud.list_escalations(check, status=None)) == 1
