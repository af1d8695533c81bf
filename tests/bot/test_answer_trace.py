"""The stored answer trace is a typed, versioned model (issue 11, item 5).

Rows written before the trace carried a version (release 88e79c0's JSON, version 1) load
typed and upgraded through the storage layer and the staff API; a version this release
does not know is refused with a message that names it. Real SQLite (and PostgreSQL with
the ``postgres`` marker), the real app with its lifespan.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import MetaData, Table, insert, select
from sqlalchemy.orm import Session

from bot.answer import TRACE_VERSION, AnswerTrace, LlmTrace, TraceHit
from bot.main import create_app
from bot.settings import Settings
from bot.storage import crud
from bot.storage.db import make_engine, migrate, session_factory
from bot.storage.models import AnswerRecord, Role, StaffRole
from govbot_client.trace import AnswerTrace as StoredTrace
from tests.bot.conftest import STAFF_PASSWORD, add_staff, make_settings

# A trace exactly as the code before versioning stored it: answer.trace.model_dump(mode="json").
OLD_TRACE: dict[str, Any] = {
    "policy_label": "service_question",
    "matched_rule": None,
    "retrieval_query": "Personalausweis beantragen Kosten",
    "hits": [
        {"doc_id": "muenchen/1063441", "passage_id": "muenchen/1063441#2", "score": 0.91},
        {"doc_id": "muenchen/1063424", "passage_id": "muenchen/1063424#0", "score": 0.55},
    ],
    "index_version": "20261201T101500-3f2a",
    "embedder": "multilingual-e5-small",
    "settings": {"top_k": 5, "min_confidence": 0.35, "followup": "none"},
    "mode": "llm",
    "timings_ms": {"retrieve": 12.5, "compose": 3.1},
    "grounding": "ok",
    "llm": {
        "model": "gemma3-270m",
        "prompt_version": "2",
        "outcome": "grounding_failed",
        "grounding_ok": False,
        "reasons": ["sentence 1: number 12 not in the cited passages"],
        "cited_passages": ["muenchen/1063441#2"],
        "latency_ms": 840.0,
        "draft": "Der Ausweis kostet 12 Euro [1].",
    },
}


def _old_row(session: Session) -> int:
    """Insert an answer row the way the old code stored it, bypassing the typed model."""
    conversation = crud.create_conversation(session, tenant="muenchen", language="de")
    asked = crud.add_message(
        session, conversation, role=Role.CITIZEN, text="Was kostet er?", text_redacted="x"
    )
    said = crud.add_message(session, conversation, role=Role.BOT, text="37 Euro", text_redacted="y")
    row = {
        "conversation_id": conversation.id,
        "message_id": said.id,
        "question_message_id": asked.id,
        "tenant": "muenchen",
        "status": "answered",
        "question_redacted": "Was kostet er?",
        "text_redacted": "37 Euro",
        "confidence": 0.8,
        "public": {"citations": []},
        "trace": OLD_TRACE,
        "index_version": OLD_TRACE["index_version"],
        "embedder": OLD_TRACE["embedder"],
        "created_at": conversation.created_at,
    }
    result = session.execute(insert(_plain_answers(session)).values(**row))
    session.commit()
    return int(result.inserted_primary_key[0])


def _plain_answers(session: Session) -> Table:
    """The answers table as the database describes it: plain JSON, no typed model."""
    return Table("answers", MetaData(), autoload_with=session.get_bind())


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path / "data", database_url)


@pytest.fixture
def old_answer_id(settings: Settings) -> Iterator[int]:
    engine = make_engine(settings.sqlalchemy_url)
    migrate(engine)
    with session_factory(engine)() as session:
        yield _old_row(session)
    engine.dispose()


def test_an_old_row_loads_as_a_typed_trace(settings: Settings, old_answer_id: int) -> None:
    engine = make_engine(settings.sqlalchemy_url)
    with session_factory(engine)() as session:
        stored = session.scalars(select(_plain_answers(session).c.trace)).one()
        record = session.get(AnswerRecord, old_answer_id)
    engine.dispose()

    assert "version" not in stored  # what is on disk is the old shape ...
    assert record is not None
    trace = record.trace  # ... and it reads as the typed model
    assert isinstance(trace, StoredTrace)
    assert trace.version == TRACE_VERSION == 3  # upgraded on read: 2 added understanding, 3 help
    assert trace.understanding is None
    assert trace.hits[0] == TraceHit(
        doc_id="muenchen/1063441", passage_id="muenchen/1063441#2", score=0.91
    )
    assert isinstance(trace.llm, LlmTrace)
    assert trace.llm.outcome == "grounding_failed"
    assert trace.model_dump(mode="json") == {
        **OLD_TRACE,
        "version": 3,
        "understanding": None,
        "help": None,
        "danger": None,  # optional since version 3 (the present-danger classifier, issue 16)
        "verdict": None,  # optional since version 3 (the verdict-request classifier, issue 12)
    }


def test_the_staff_api_serves_an_old_row_typed(settings: Settings, old_answer_id: int) -> None:
    add_staff(settings, ("alex", StaffRole.AUDITOR))
    with TestClient(create_app(settings)) as client:
        token = client.post(
            "/api/v1/auth/token", data={"username": "alex", "password": STAFF_PASSWORD}
        ).json()["access_token"]
        response = client.get(
            "/api/v1/staff/review/answers", headers={"Authorization": f"Bearer {token}"}
        )
    assert response.status_code == 200
    [entry] = response.json()
    assert entry["id"] == old_answer_id
    assert entry["trace"] == {
        **OLD_TRACE,
        "version": 3,
        "understanding": None,
        "help": None,
        "danger": None,
        "verdict": None,
    }


def test_a_new_answer_is_stored_with_its_version(settings: Settings) -> None:
    engine = make_engine(settings.sqlalchemy_url)
    migrate(engine)
    trace = AnswerTrace(policy_label="greeting", timings_ms={"policy": 0.4})
    with session_factory(engine)() as session:
        conversation = crud.create_conversation(session, tenant="muenchen", language="de")
        said = crud.add_message(
            session, conversation, role=Role.BOT, text="Hallo", text_redacted="H"
        )
        session.add(
            AnswerRecord(
                conversation_id=conversation.id,
                message_id=said.id,
                tenant="muenchen",
                status="answered",
                question_redacted="Hallo",
                text_redacted="Hallo",
                confidence=1.0,
                public={},
                trace=trace,
            )
        )
        session.commit()
        stored = session.scalars(select(_plain_answers(session).c.trace)).one()
        loaded = session.scalars(select(AnswerRecord)).one().trace
    engine.dispose()
    assert stored["version"] == TRACE_VERSION
    assert loaded == trace


def test_an_unknown_version_is_refused_with_its_number() -> None:
    with pytest.raises(ValidationError, match="answer trace version 7 is unknown"):
        AnswerTrace.model_validate({**OLD_TRACE, "version": 7})


def test_a_trace_built_in_code_keeps_its_understanding() -> None:
    # Built without ``version``, it passes the upgrade steps too; they must not erase it.
    trace = StoredTrace[dict[str, Any]](policy_label="service_question", understanding={"x": 1})
    assert trace.understanding == {"x": 1}
    assert trace.version == TRACE_VERSION
