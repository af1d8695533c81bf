"""Measure API latency for one citizen message: p50/p95 in-process (TestClient) and over HTTP.

Usage (needs a built index, e.g. after `govbot ingest demo`):

    GOVBOT_DATA_DIR=govbot-data python scripts/api_latency.py [--rounds 3] [--json]

Each message goes to its own new conversation; only the POST of the message is timed
(dialogue engine, storage and HTTP together), overall and per kind of message (service
question, the same in another language, decision request, request for a person,
emergency, small talk: the paths of DESIGN.md section 5). ``engine_only`` times the
dialogue engine alone on the same messages, so the difference is what the API and storage
add. The retriever is opened by the app's own factory (``open_retriever``), so the query
adapter and query centering are on exactly when the settings turn them on (both off by
default); only the query-embedding memo is off, so repeated messages are embedded every
time. The database is a throwaway SQLite file, not the data directory's database.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
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
from eval.bench.runs import without_query_memo
from eval.percentiles import percentile
from knowledge.retrieval import open_retriever

# (kind, message). The first twelve are the messages of the #12 baseline (docs/performance.md);
# the others give every kind at least four messages, so each kind has a p95 of its own.
MESSAGES: tuple[tuple[str, str], ...] = (
    ("service", "Was kostet ein Personalausweis?"),
    ("service", "Welche Unterlagen brauche ich für einen Reisepass?"),
    ("service", "Wie melde ich meinen Wohnsitz in München an?"),
    ("service", "Ich habe meinen Ausweis verloren, was muss ich tun?"),
    ("service", "Wo beantrage ich ein Führungszeugnis?"),
    ("service", "Wie bekomme ich einen Bewohnerparkausweis?"),
    ("service", "Was kostet die Gewerbeanmeldung?"),
    ("service", "Wie melde ich mein Auto ab?"),
    ("service", "Ich brauche eine Meldebescheinigung"),
    ("service", "Wo kann ich eine Fundsache abholen?"),
    ("decision", "Habe ich Anspruch auf Wohngeld?"),
    ("person", "Ich möchte mit einem Menschen sprechen"),
    ("service_other_language", "How much does a passport cost?"),
    ("service_other_language", "Where do I register my new address in Munich?"),
    ("service_other_language", "Combien coûte une carte d'identité ?"),
    ("service_other_language", "Як зареєструвати місце проживання в Мюнхені?"),
    ("decision", "Wird mein Antrag auf einen Bewohnerparkausweis genehmigt?"),
    ("decision", "Bekomme ich Elterngeld, wenn ich selbstständig bin? Ja oder nein?"),
    ("decision", "Darf ich in meinem Garten eine Hütte ohne Genehmigung bauen?"),
    ("person", "Kann ich bitte mit einer Mitarbeiterin reden?"),
    ("person", "Ich will einen echten Menschen sprechen, nicht den Bot."),
    ("person", "Verbinden Sie mich bitte mit einem Sachbearbeiter."),
    ("emergency", "Bei mir in der Wohnung brennt es!"),
    ("emergency", "Mein Nachbar ist umgefallen und atmet nicht mehr."),
    ("emergency", "Ich will nicht mehr leben."),
    ("emergency", "Gerade bricht jemand bei mir ein, ich habe Angst."),
    ("small_talk", "Hallo!"),
    ("small_talk", "Guten Morgen"),
    ("small_talk", "Danke, das hat mir geholfen."),
    ("small_talk", "Was kannst du?"),
)


class Reply(Protocol):
    """What is used of a response (TestClient and httpx responses both fit)."""

    def raise_for_status(self) -> object: ...

    def json(self) -> Any: ...


Poster = Callable[[str, dict[str, Any]], Reply]


def summary(timings: Sequence[float]) -> dict[str, Any]:
    """Count, p50, p95, mean and max of ``timings`` (ms)."""
    return {
        "messages": len(timings),
        "p50_ms": round(percentile(timings, 50), 1),
        "p95_ms": round(percentile(timings, 95), 1),
        "mean_ms": round(statistics.fmean(timings), 1),
        "max_ms": round(max(timings), 1),
    }


def by_kind(samples: Sequence[tuple[str, float, str]]) -> dict[str, Any]:
    """Summaries of (kind, ms, answer status) samples per kind, with the statuses seen."""
    timings: defaultdict[str, list[float]] = defaultdict(list)
    statuses: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for kind, ms, status in samples:
        timings[kind].append(ms)
        statuses[kind][status] += 1
    return {
        kind: {**summary(values), "statuses": dict(statuses[kind])}
        for kind, values in timings.items()
    }


def run(post: Poster, rounds: int) -> dict[str, Any]:
    """Time one message per new conversation, ``rounds`` times over MESSAGES."""
    samples: list[tuple[str, float, str]] = []
    for _ in range(rounds):
        for kind, text in MESSAGES:
            created = post("/api/v1/conversations", {"tenant": "muenchen"})
            created.raise_for_status()
            path = f"/api/v1/conversations/{created.json()['conversation_id']}/messages"
            started = time.perf_counter()
            response = post(path, {"text": text})
            elapsed = (time.perf_counter() - started) * 1000
            response.raise_for_status()
            answer = response.json()["answer"]
            samples.append((kind, elapsed, answer["status"] if answer else "silent"))
    return {
        **summary([ms for _, ms, _ in samples]),
        "first_ms": round(samples[0][1], 1),
        "statuses": dict(Counter(status for _, _, status in samples)),
        "kinds": by_kind(samples),
    }


def engine_floor(settings: Settings, rounds: int) -> dict[str, Any]:
    """The dialogue engine alone (no HTTP, no database): what the API adds is the rest."""
    with open_retriever(settings) as retriever:
        engine = build_assistant(settings, retriever=retriever, warm_up=True).engine
        engine.respond(MESSAGES[0][1], tenant="muenchen", history=[])  # warm-up
        samples = []
        for _ in range(rounds):
            for kind, text in MESSAGES:
                started = time.perf_counter()
                answer = engine.respond(text, tenant="muenchen", history=[])
                samples.append((kind, (time.perf_counter() - started) * 1000, answer.status))
    return {**summary([ms for _, ms, _ in samples]), "kinds": by_kind(samples)}


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
    parser = argparse.ArgumentParser(
        description="API latency for one citizen message, overall and per kind of message"
    )
    parser.add_argument("--rounds", type=int, default=3, help="passes over the messages")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error(f"--rounds must be at least 1; got {args.rounds}")
    base = without_query_memo(Settings())
    with tempfile.TemporaryDirectory() as tmp:
        settings = base.model_copy(
            update={
                "database": DatabaseSettings(url=f"sqlite:///{Path(tmp) / 'latency.sqlite3'}"),
                "api": base.api.model_copy(
                    update={"rate_limit": "100000/minute", "engine_time_limit": "100000/minute"}
                ),
            }
        )
        results: dict[str, Any] = {
            "data_dir": str(settings.data_dir),
            "query_adapter": settings.retrieval.query_adapter,
            "query_centering": settings.retrieval.query_centering,
        }
        results["engine_only"] = engine_floor(settings, args.rounds)
        with TestClient(create_app(settings)) as client:
            warm = run(lambda p, b: client.post(p, json=b), 1)  # first query loads models
            results["testclient"] = run(lambda p, b: client.post(p, json=b), args.rounds)
            results["testclient"]["cold_first_ms"] = warm["first_ms"]
        with (
            loopback_server(create_app(settings)) as url,
            httpx.Client(base_url=url, timeout=60) as http,
        ):
            warm = run(lambda p, b: http.post(p, json=b), 1)
            results["uvicorn_loopback"] = run(lambda p, b: http.post(p, json=b), args.rounds)
            results["uvicorn_loopback"]["cold_first_ms"] = warm["first_ms"]
    if args.json:
        print(json.dumps(results, indent=2, ensure_ascii=False))
        return
    print(f"query adapter {results['query_adapter']}, "
          f"query centering {results['query_centering']}")  # fmt: skip
    floor = results["engine_only"]
    print(f"{'engine_only':18} n={floor['messages']} p50={floor['p50_ms']} ms "
          f"p95={floor['p95_ms']} ms")  # fmt: skip
    for mode in ("testclient", "uvicorn_loopback"):
        r = results[mode]
        print(f"{mode:18} n={r['messages']} p50={r['p50_ms']} ms p95={r['p95_ms']} ms "
              f"mean={r['mean_ms']} ms max={r['max_ms']} ms "
              f"first-after-start={r['cold_first_ms']} ms statuses={r['statuses']}")  # fmt: skip
    for mode in ("engine_only", "testclient", "uvicorn_loopback"):
        for kind, r in results[mode]["kinds"].items():
            print(f"  {mode:18} {kind:24} n={r['messages']} p50={r['p50_ms']} ms "
                  f"p95={r['p95_ms']} ms statuses={r['statuses']}")  # fmt: skip


if __name__ == "__main__":
    main()
