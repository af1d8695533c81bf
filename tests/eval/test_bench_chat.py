"""``govbot bench chat``'s load through the typed client against a real served API.

Real uvicorn on loopback, the real dialogue over the real Munich test index; the
citizens talk through govbot_client's AsyncGovBotClient, as the bench does in use.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.main import create_app
from bot.settings import Settings
from eval.bench.chat import Question, run_load
from eval.bench.runs import without_query_memo
from knowledge.embedding import Embedder
from knowledge.retrieval import Retriever, open_retriever
from tests.bot.conftest import make_settings
from tests.conftest import live_server


def test_load_counts_statuses_answers_and_latencies(
    tmp_path: Path, munich_retriever: Retriever
) -> None:
    settings = make_settings(tmp_path / "data")
    questions = [
        Question(tenant="muenchen", text="Was kostet ein Personalausweis?"),
        Question(tenant="unknown-town", text="Was kostet ein Reisepass?"),
    ]
    app = create_app(settings, retriever=munich_retriever)
    with live_server(app) as url:
        report = asyncio.run(
            run_load(url, questions, concurrency=1, duration_s=120, max_requests=6, seed=1)
        )

    assert report.requests == sum(report.statuses.values()) == 6
    # an unknown tenant is a 404 from the API, counted as an error, not a crash
    assert report.statuses.get("404", 0) >= 1
    assert report.errors == report.statuses.get("404", 0)
    assert report.statuses.get("201", 0) == report.conversations >= 1
    assert sum(report.answer_statuses.values()) == report.messages == report.statuses["200"]
    assert report.message_latency.count == report.messages
    assert report.request_latency.count == 6


def test_a_refused_port_is_a_transport_error() -> None:
    report = asyncio.run(
        run_load(
            "http://127.0.0.1:9",
            [Question(tenant="muenchen", text="Hallo")],
            concurrency=1,
            duration_s=30,
            max_requests=2,
            timeout_s=2,
        )
    )
    assert report.statuses == {"transport:unreachable": 2}
    assert report.requests == report.errors == 2


def test_the_benchmark_opens_the_apps_retriever_with_only_the_memo_off(
    munich_index: Settings, embedder: Embedder
) -> None:
    # The floor and scripts/api_latency.py search as the API does: the query adapter is on
    # when the settings turn it on (it used to be left out), and only the memo goes.
    retrieval = munich_index.retrieval.model_copy(update={"query_adapter": True})
    settings = munich_index.model_copy(update={"retrieval": retrieval})
    bench = without_query_memo(settings)
    assert bench.retrieval.model_dump() == {**retrieval.model_dump(), "query_memo_size": 0}
    assert bench.model_dump(exclude={"retrieval"}) == settings.model_dump(exclude={"retrieval"})
    with open_retriever(bench, embedder=embedder) as retriever:
        assert retriever.adapter is not None and retriever.adapter.applies_to("muenchen")
