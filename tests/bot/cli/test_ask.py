"""``govbot ask`` is the API's pipeline: the same answer, curated answers included (issue 11)."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from bot.cli.app import app
from bot.main import create_app
from bot.services.curated import normalise_question, question_embedding
from bot.storage.db import make_engine, migrate, session_factory
from bot.storage.models import utcnow
from bot.storage.staff_models import Correction, CorrectionStatus
from knowledge.retrieval import Retriever
from knowledge.settings import Settings
from tests.bot.conftest import make_settings

PASSPORT = "muenchen/1063441"


def _approve(database_url: str, retriever: Retriever, question: str) -> str:
    engine = make_engine(database_url)
    migrate(engine)
    text = f"Redaktionelle Antwort auf: {question}"
    with session_factory(engine)() as session:
        session.add(
            Correction(
                tenant="muenchen",
                question=question,
                question_normalised=normalise_question(question),
                question_embedding=question_embedding(retriever, question),
                text=text,
                sources={"citations": [{"doc_id": PASSPORT, "title": "Personalausweis"}]},
                status=CorrectionStatus.APPROVED,
                author="erika",
                approver="emil",
                approved_at=utcnow(),
                changed_at=utcnow(),
            )
        )
        session.commit()
    engine.dispose()
    return text


def _api_answer(settings: Settings, retriever: Retriever, question: str) -> dict[str, object]:
    with TestClient(create_app(settings, retriever=retriever)) as client:
        started = client.post("/api/v1/conversations", json={"tenant": "muenchen"}).json()
        posted = client.post(
            f"/api/v1/conversations/{started['conversation_id']}/messages",
            json={"text": question},
        )
    assert posted.status_code == 200, posted.text
    answer: dict[str, object] = posted.json()["answer"]
    return answer


def _ask(settings: Settings, database_url: str, question: str) -> dict[str, object]:
    result = CliRunner().invoke(
        app,
        ["ask", question, "--tenant", "muenchen", "--json"],
        env={
            "GOVBOT_DATA_DIR": str(settings.data_dir),
            "GOVBOT_DATABASE_URL": database_url,
            "GOVBOT_ENV": "test",
        },
    )
    assert result.exit_code == 0, result.output
    asked: dict[str, object] = json.loads(result.stdout)
    return asked


def test_ask_gives_the_api_answer_with_curated_answers(
    munich_index: Settings, munich_retriever: Retriever, tmp_path: Path
) -> None:
    database_url = f"sqlite:///{tmp_path / 'ask.sqlite3'}"
    question = "Was kostet ein Personalausweis?"
    curated_text = _approve(database_url, munich_retriever, question)
    settings = make_settings(munich_index.data_dir, database_url)

    api = _api_answer(settings, munich_retriever, question)
    asked = _ask(settings, database_url, question)

    assert api["text"] == curated_text
    assert (asked["status"], asked["text"]) == (api["status"], api["text"])
    other = "Welche Unterlagen brauche ich für den Personalausweis?"  # not curated
    api_other, asked_other = (
        _api_answer(settings, munich_retriever, other),
        _ask(settings, database_url, other),
    )
    assert api_other["text"] != curated_text
    assert (asked_other["status"], asked_other["text"]) == (api_other["status"], api_other["text"])
