"""The API exposes the help grade (issue #16): additive fields ``help_grade`` and
``help_text`` on the answer, with the real engine over a real Munich index."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.main import create_app
from bot.settings import Settings
from knowledge.retrieval import Retriever
from tests.bot.conftest import make_settings


@pytest.fixture(scope="module")
def client(
    munich_index: Settings, munich_retriever: Retriever, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    database = Path(tmp_path_factory.mktemp("help-db")) / "help.sqlite3"
    settings = make_settings(munich_index.data_dir, f"sqlite:///{database}")
    with TestClient(create_app(settings, retriever=munich_retriever)) as client:
        yield client


def _answer(client: TestClient, text: str) -> dict[str, object]:
    created = client.post("/api/v1/conversations", json={"tenant": "muenchen"})
    assert created.status_code == 201, created.text
    conversation = created.json()["conversation_id"]
    posted = client.post(f"/api/v1/conversations/{conversation}/messages", json={"text": text})
    assert posted.status_code in (200, 201), posted.text
    return dict(posted.json()["answer"])


def test_urgent_help_comes_with_its_grade_and_block(client: TestClient) -> None:
    answer = _answer(client, "ich bin krank")
    assert answer["help_grade"] == "urgent"
    assert isinstance(answer["help_text"], str) and "116 117" in answer["help_text"]
    assert str(answer["text"]).startswith(answer["help_text"])


def test_danger_is_graded_and_ordinary_requests_are_not(client: TestClient) -> None:
    danger = _answer(client, "Es brennt in meiner Küche!")
    assert (danger["status"], danger["help_grade"]) == ("emergency", "danger")
    ordinary = _answer(client, "Perso abholen")
    assert (ordinary["help_grade"], ordinary["help_text"]) == (None, None)
    assert ordinary["status"] != "emergency"
