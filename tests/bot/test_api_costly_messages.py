"""Costly and long messages (issue 14, findings 5 and 9) through the real API.

Real app (TestClient with lifespan), real SQLite, real Munich index, real dialogue engine
and embedder. Two TestClients on one app stand for two citizens at different addresses.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot.main import create_app
from bot.settings import Settings
from knowledge.query_bounds import shorten
from knowledge.retrieval import Retriever
from tests.bot.conftest import make_settings
from tests.bot.test_api_handoff import Citizen

LONG_WORD = "Personalausweisverlängerung" * 74  # 1,998 characters without a space


def _long_question() -> str:
    sentence = (
        "Ich bin vor kurzem nach München gezogen, mein Personalausweis läuft bald ab und "
        "ich muss außerdem meinen Wohnsitz anmelden, weil ich eine neue Wohnung habe. "
    )
    end = "Was brauche ich?"
    text = (sentence * 20)[: 1995 - len(end)]
    return text[: text.rindex(" ") + 1] + end


def test_bounds_cut_long_words_and_keep_beginning_and_end() -> None:
    assert shorten("Was kostet ein Reisepass?", max_chars=600, max_word_chars=48) == (
        "Was kostet ein Reisepass?"
    )
    assert shorten(LONG_WORD, max_chars=600, max_word_chars=48) == LONG_WORD[:48]
    question = _long_question()
    short = shorten(question, max_chars=600, max_word_chars=48)
    assert len(short) <= 600
    assert short.startswith("Ich bin vor kurzem nach München gezogen")
    assert short.endswith("Was brauche ich?") and " … " in short


@pytest.fixture
def app(tmp_path: Path, munich_retriever: Retriever) -> FastAPI:
    settings = make_settings(tmp_path / "data", engine_time_limit="1/minute")
    return create_app(settings, retriever=munich_retriever)


@pytest.fixture
def attacker(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, client=("198.51.100.7", 40000)) as client:
        yield client


def test_one_client_cannot_use_more_than_its_engine_time(
    app: FastAPI, attacker: TestClient
) -> None:
    citizen = Citizen(attacker)
    statuses = []
    for _ in range(300):  # each answer costs at least 0.01 s; the budget is 1 s a minute
        response = attacker.post(
            f"/api/v1/conversations/{citizen.id}/messages", json={"text": LONG_WORD}
        )
        statuses.append(response.status_code)
        if response.status_code == 429:
            break
    assert statuses[0] == 200
    assert statuses[-1] == 429, statuses
    refused = response.json()["error"]
    assert refused["code"] == "rate_limited"
    assert refused["message"].startswith("this client used its share of answering time")
    assert int(response.headers["Retry-After"]) >= 1

    with TestClient(app, client=("203.0.113.20", 40000)) as other:  # another citizen
        answer = Citizen(other).say("Was kostet ein Reisepass?")["answer"]
    assert answer["status"] == "answered"


def test_a_long_message_and_its_follow_up_are_answered(
    tmp_path: Path, munich_retriever: Retriever
) -> None:
    settings: Settings = make_settings(tmp_path / "data")
    with TestClient(create_app(settings, retriever=munich_retriever)) as client:
        citizen = Citizen(client)
        question = _long_question()
        assert 1950 <= len(question) <= 2000

        first = citizen.say(question)["answer"]
        second = citizen.say("Und was kostet das?")["answer"]
        third = citizen.say("Was kostet ein Reisepass?")["answer"]

    assert first["status"] != "error" and second["status"] != "error", (first, second)
    assert third["status"] == "answered"
