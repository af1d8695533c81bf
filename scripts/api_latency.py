"""Measure API latency for one citizen message: p50/p95 in-process (TestClient) and over HTTP.

Usage (needs a built index, e.g. after `govbot ingest demo`):

    GOVBOT_DATA_DIR=govbot-data python scripts/api_latency.py [--rounds 3] [--json]

Each question goes to its own new conversation; only the POST of the message is timed
(dialogue engine, storage and HTTP together). ``engine_only`` times the dialogue engine
alone on the same questions, so the difference is what the API and storage add. The
retriever's query-embedding memo is off, so repeated questions are embedded every time.
The database is a throwaway SQLite file, not the data directory's database.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

import httpx
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot.assistant import build_assistant
from bot.main import create_app
from bot.settings import DatabaseSettings, Settings
from eval.percentiles import percentile
from knowledge.embedding import build_embedder
from knowledge.hub_cache import HubScoreCache
from knowledge.retrieval import Retriever, open_store

QUESTIONS = [
    "Was kostet ein Personalausweis?",
    "Welche Unterlagen brauche ich für einen Reisepass?",
    "Wie melde ich meinen Wohnsitz in München an?",
    "Ich habe meinen Ausweis verloren, was muss ich tun?",
    "Wo beantrage ich ein Führungszeugnis?",
    "Wie bekomme ich einen Bewohnerparkausweis?",
    "Was kostet die Gewerbeanmeldung?",
    "Wie melde ich mein Auto ab?",
    "Ich brauche eine Meldebescheinigung",
    "Wo kann ich eine Fundsache abholen?",
    "Habe ich Anspruch auf Wohngeld?",
    "Ich möchte mit einem Menschen sprechen",
]


class Reply(Protocol):
    """What is used of a response (TestClient and httpx responses both fit)."""

    def raise_for_status(self) -> object: ...

    def json(self) -> Any: ...


Poster = Callable[[str, dict[str, Any]], Reply]


def run(post: Poster, rounds: int) -> dict[str, Any]:
    """Time one message per new conversation, ``rounds`` times over QUESTIONS."""
    timings: list[float] = []
    statuses: Counter[str] = Counter()
    for _ in range(rounds):
        for question in QUESTIONS:
            created = post("/api/v1/conversations", {"tenant": "muenchen"})
            created.raise_for_status()
            path = f"/api/v1/conversations/{created.json()['conversation_id']}/messages"
            started = time.perf_counter()
            response = post(path, {"text": question})
            timings.append((time.perf_counter() - started) * 1000)
            response.raise_for_status()
            answer = response.json()["answer"]
            statuses[answer["status"] if answer else "silent"] += 1
    return {
        "messages": len(timings),
        "p50_ms": round(percentile(timings, 50), 1),
        "p95_ms": round(percentile(timings, 95), 1),
        "mean_ms": round(statistics.fmean(timings), 1),
        "max_ms": round(max(timings), 1),
        "first_ms": round(timings[0], 1),
        "statuses": dict(statuses),
    }


def fresh_retriever(settings: Settings) -> Retriever:
    """A retriever without the query-embedding memo (every message is embedded), with the
    hub scores on disk as ``open_retriever`` keeps them."""
    hubs = HubScoreCache(k=settings.retrieval.hub_k, directory=settings.data_dir / "cache")
    return Retriever(
        open_store(settings),
        build_embedder(settings.embedding),
        settings.retrieval,
        query_memo_size=0,
        hubs=hubs,
    )


def engine_floor(settings: Settings, rounds: int) -> dict[str, Any]:
    """The dialogue engine alone (no HTTP, no database): what the API adds is the rest."""
    with fresh_retriever(settings) as retriever:
        engine = build_assistant(settings, retriever=retriever, warm_up=True).engine
        engine.respond(QUESTIONS[0], tenant="muenchen", history=[])  # warm-up
        timings = []
        for _ in range(rounds):
            for question in QUESTIONS:
                started = time.perf_counter()
                engine.respond(question, tenant="muenchen", history=[])
                timings.append((time.perf_counter() - started) * 1000)
    return {
        "messages": len(timings),
        "p50_ms": round(percentile(timings, 50), 1),
        "p95_ms": round(percentile(timings, 95), 1),
    }


@contextmanager
def loopback_server(app: FastAPI) -> Iterator[str]:
    """uvicorn on a free 127.0.0.1 port in a thread."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def main() -> None:
    """Measure and print the figures."""
    parser = argparse.ArgumentParser(description="API latency for one citizen message")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    base = Settings()
    with tempfile.TemporaryDirectory() as tmp:
        settings = base.model_copy(
            update={
                "database": DatabaseSettings(url=f"sqlite:///{Path(tmp) / 'latency.sqlite3'}"),
                "api": base.api.model_copy(
                    update={"rate_limit": "100000/minute", "engine_time_limit": "100000/minute"}
                ),
            }
        )
        results: dict[str, Any] = {"data_dir": str(settings.data_dir)}
        results["engine_only"] = engine_floor(settings, args.rounds)
        with (
            fresh_retriever(settings) as retriever,
            TestClient(create_app(settings, retriever=retriever)) as client,
        ):
            warm = run(lambda p, b: client.post(p, json=b), 1)  # first query loads models
            results["testclient"] = run(lambda p, b: client.post(p, json=b), args.rounds)
            results["testclient"]["cold_first_ms"] = warm["first_ms"]
        with (
            fresh_retriever(settings) as retriever,
            loopback_server(create_app(settings, retriever=retriever)) as url,
            httpx.Client(base_url=url, timeout=60) as http,
        ):
            warm = run(lambda p, b: http.post(p, json=b), 1)
            results["uvicorn_loopback"] = run(lambda p, b: http.post(p, json=b), args.rounds)
            results["uvicorn_loopback"]["cold_first_ms"] = warm["first_ms"]
    if args.json:
        print(json.dumps(results, indent=2))
        return
    floor = results["engine_only"]
    print(f"{'engine_only':18} n={floor['messages']} p50={floor['p50_ms']} ms "
          f"p95={floor['p95_ms']} ms")  # fmt: skip
    for mode in ("testclient", "uvicorn_loopback"):
        r = results[mode]
        print(f"{mode:18} n={r['messages']} p50={r['p50_ms']} ms p95={r['p95_ms']} ms "
              f"mean={r['mean_ms']} ms max={r['max_ms']} ms "
              f"first-after-start={r['cold_first_ms']} ms statuses={r['statuses']}")  # fmt: skip


if __name__ == "__main__":
    main()
