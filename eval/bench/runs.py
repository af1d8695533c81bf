"""Whole benchmark runs: the floor, a served API under load, and what the report states."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from bot.settings import Settings
from eval.bench.chat import (
    DEFAULT_SETS,
    MESSAGES_PER_CONVERSATION,
    FloorReport,
    LoadReport,
    Question,
    load_questions,
    machine,
    measure_floor,
    ratio,
    run_load,
)
from eval.bench.memory import peak_rss_mib, rss_mib
from eval.bench.server import BENCH_RATE_LIMIT, bench_environment, served
from knowledge.retrieval import open_retriever


class ChatBenchReport(BaseModel):
    """``govbot bench chat``: load, floor and their p95 ratios."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    load: LoadReport
    single: LoadReport | None
    floor: FloorReport
    p95_ratio: float | None
    p95_ratio_single: float | None
    server_peak_rss_mib: float | None
    rate_limit: str
    database: str
    machine: dict[str, object]
    notes: list[str]


class MemoryBenchReport(BaseModel):
    """``govbot bench memory``: the API process with the index, idle and after messages."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    data_dir: str
    rss_ready_mib: float
    rss_after_mib: float
    peak_rss_mib: float | None
    messages: int
    machine: dict[str, object]


NOTES = [
    "p95_ratio = message p95 under load / floor p95 at the same concurrency (both queue "
    "on the same 2 cores and the one embedder)",
    "p95_ratio_single = message p95 of one citizen at a time / floor p95 of one query at a time",
    f"the served API runs with GOVBOT_API__RATE_LIMIT={BENCH_RATE_LIMIT} so that the "
    "load generator never meets the per-client limiter; any non-2xx counts as an error",
]


def without_query_memo(settings: Settings) -> Settings:
    """``settings`` with the query-embedding memo off, everything else as the API has it.

    A benchmark opens its retriever with ``open_retriever``, the factory the API uses, so
    that the query adapter, query centering and hub scores on disk are whatever the settings
    ask for; only the memo goes, so that every search pays for its embedding, as a new
    citizen's question does.
    """
    retrieval = settings.retrieval.model_copy(update={"query_memo_size": 0})
    return settings.model_copy(update={"retrieval": retrieval})


def benchmark_chat(
    settings: Settings,
    env: Mapping[str, str],
    *,
    concurrency: int,
    duration_s: float,
    max_requests: int | None,
    url: str | None,
    sets: Sequence[str] = DEFAULT_SETS,
    single_messages: int = 30,
) -> ChatBenchReport:
    """Floor first (no server running), then the served API alone and under load."""
    questions = load_questions(sets, tenant=settings.default_tenant)
    with open_retriever(without_query_memo(settings)) as retriever:
        floor = measure_floor(retriever, questions[:60], concurrency=concurrency)
    load = partial(
        _report,
        questions=questions,
        floor=floor,
        concurrency=concurrency,
        duration_s=duration_s,
        max_requests=max_requests,
        single_messages=single_messages,
    )
    if url is not None:
        return load(url, pid=None, database="as configured by the server")
    with tempfile.TemporaryDirectory(prefix="govbot-bench-") as tmp:
        database = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        child_env = bench_environment(env, database_url=database)
        with served(child_env, log_path=Path(tmp) / "serve.log") as api:
            return load(
                api.url,
                pid=api.pid,
                database="throwaway SQLite file (same engine as the default)",
            )


def _requests_for(messages: int) -> int:
    """Requests one citizen needs for ``messages`` messages (one conversation per three)."""
    return messages + -(-messages // MESSAGES_PER_CONVERSATION)


def _report(
    url: str,
    *,
    questions: Sequence[Question],
    floor: FloorReport,
    concurrency: int,
    duration_s: float,
    max_requests: int | None,
    single_messages: int,
    pid: int | None,
    database: str,
) -> ChatBenchReport:
    single = None
    if single_messages > 0:
        alone = run_load(
            url,
            questions,
            concurrency=1,
            duration_s=duration_s,
            max_requests=_requests_for(single_messages),
        )
        single = asyncio.run(alone)
    loaded = run_load(
        url, questions, concurrency=concurrency, duration_s=duration_s, max_requests=max_requests
    )
    load = asyncio.run(loaded)
    return ChatBenchReport(
        load=load,
        single=single,
        floor=floor,
        p95_ratio=ratio(load.message_latency.p95_ms, floor.concurrent.p95_ms),
        p95_ratio_single=(
            ratio(single.message_latency.p95_ms, floor.sequential.p95_ms) if single else None
        ),
        server_peak_rss_mib=peak_rss_mib(pid) if pid else None,
        rate_limit=BENCH_RATE_LIMIT if pid else "as configured by the server",
        database=database,
        machine=machine(),
        notes=NOTES,
    )


def benchmark_memory(
    settings: Settings, env: Mapping[str, str], *, messages: int = 30
) -> MemoryBenchReport:
    """Serve the configured index, send ``messages`` messages, read the process's RSS."""
    questions = load_questions(DEFAULT_SETS, tenant=settings.default_tenant)
    with tempfile.TemporaryDirectory(prefix="govbot-bench-") as tmp:
        child_env = bench_environment(env, database_url=f"sqlite:///{Path(tmp) / 'm.sqlite3'}")
        with served(child_env, log_path=Path(tmp) / "serve.log") as api:
            ready = rss_mib(api.pid)
            sent = run_load(
                api.url,
                questions,
                concurrency=4,
                duration_s=300,
                max_requests=_requests_for(messages),
            )
            report = asyncio.run(sent)
            after = rss_mib(api.pid)
            peak = peak_rss_mib(api.pid)
    return MemoryBenchReport(
        data_dir=str(settings.data_dir),
        rss_ready_mib=ready,
        rss_after_mib=after,
        peak_rss_mib=peak,
        messages=report.messages,
        machine=machine(),
    )
