"""Clarifying choices through the citizen API (issue 12 item 2): the answer carries
``options``; posting one of them as ``choice`` continues with that service; an id that
the conversation's last answer did not offer is refused with 422. Real engine, real
index (two equally plausible marriage services), real SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.main import create_app
from bot.settings import Settings
from knowledge.retrieval import Retriever
from tests.bot.conftest import ASKING_MIN_CONFIDENCE, TRAVEL, make_settings

AMBIGUOUS = "Ich brauche neue Papiere für eine Reise"


@pytest.fixture(scope="module")
def client(
    twin_index: Settings, twin_retriever: Retriever, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    database = Path(tmp_path_factory.mktemp("clarify-db")) / "clarify.sqlite3"
    settings = make_settings(twin_index.data_dir, f"sqlite:///{database}")
    settings.dialogue.min_confidence = ASKING_MIN_CONFIDENCE
    with TestClient(create_app(settings, retriever=twin_retriever)) as client:
        yield client


def _start(client: TestClient) -> str:
    created = client.post("/api/v1/conversations", json={"tenant": "muenchen"})
    assert created.status_code == 201, created.text
    return str(created.json()["conversation_id"])


def _post(client: TestClient, conversation: str, body: dict[str, Any]) -> Any:
    return client.post(f"/api/v1/conversations/{conversation}/messages", json=body)


def test_options_come_back_and_a_choice_continues_with_that_service(client: TestClient) -> None:
    conversation = _start(client)
    posted = _post(client, conversation, {"text": AMBIGUOUS})
    assert posted.status_code == 200, posted.text
    answer = posted.json()["answer"]
    assert answer["status"] == "clarify"
    offered = [option["doc_id"] for option in answer["options"]]
    assert set(TRAVEL) <= set(offered)
    assert all(option["title"] and option["summary"] for option in answer["options"])

    title = next(o["title"] for o in answer["options"] if o["doc_id"] == TRAVEL[0])
    chosen = _post(client, conversation, {"text": title, "choice": TRAVEL[0]})
    assert chosen.status_code == 200, chosen.text
    continued = chosen.json()["answer"]
    assert continued["status"] == "answered"
    assert [c["doc_id"] for c in continued["citations"]] == [TRAVEL[0]]
    assert continued["options"] == []

    # The log keeps the options with the clarifying answer (the widget re-renders them).
    log = client.get(f"/api/v1/conversations/{conversation}/messages").json()["messages"]
    bot = [m for m in log if m["role"] == "bot"]
    assert [o["doc_id"] for o in bot[0]["answer"]["options"]] == offered


def test_a_choice_that_was_not_offered_is_refused_with_422(client: TestClient) -> None:
    conversation = _start(client)
    never_asked = _post(client, conversation, {"text": "Reisepass", "choice": TRAVEL[0]})
    assert never_asked.status_code == 422
    error = never_asked.json()["error"]
    assert error["code"] == "invalid_input"
    assert "choice 'muenchen/1063441' was not offered by the last answer" in error["message"]

    assert _post(client, conversation, {"text": AMBIGUOUS}).json()["answer"]["status"] == (
        "clarify"
    )
    other = _post(client, conversation, {"text": "Führungszeugnis", "choice": "muenchen/1063565"})
    assert other.status_code == 422
    assert TRAVEL[1] in other.json()["error"]["message"]  # names what was offered
    malformed = _post(client, conversation, {"text": "x", "choice": ""})
    assert malformed.status_code == 422
