"""Chat load: simulated citizens against a served API, and the retrieval floor under them.

What "API p95 for one message" means here (issue #8): the time from sending
``POST /conversations/{id}/messages`` to receiving the answer, measured by the
client over loopback HTTP while ``concurrency`` citizens talk at once. On a
2-core machine that time is dominated by queueing (16 requests share 2 cores
and one embedder), so it is compared with the floor measured the same way:
query embedding + hybrid search (:mod:`knowledge.retrieval`) for the same
questions from ``concurrency`` threads at once. The report gives both that
ratio and the ratio to the floor of one query at a time (no queueing).
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import httpx
from pydantic import BaseModel, ConfigDict

from eval.bench.latency import LatencySummary, summarise
from eval.sets_schema import parse_cases, resolve_set_path
from govbot_client.client import AsyncGovBotClient, GovBotApiError
from knowledge.errors import InvalidQueryError
from knowledge.retrieval import Retriever

DEFAULT_SETS = ("munich_services", "munich_smoke")
MESSAGES_PER_CONVERSATION = 3


class Question(BaseModel):
    """One citizen message of a benchmark."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tenant: str
    text: str


class LoadReport(BaseModel):
    """What the simulated citizens saw."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str
    concurrency: int
    duration_s: float
    requests: int
    messages: int
    conversations: int
    errors: int
    error_rate: float
    statuses: dict[str, int]
    answer_statuses: dict[str, int]
    throughput_rps: float
    messages_per_s: float
    message_latency: LatencySummary
    request_latency: LatencySummary


class FloorReport(BaseModel):
    """Query embedding + hybrid search alone, one at a time and ``concurrency`` at once."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    concurrency: int
    sequential: LatencySummary
    concurrent: LatencySummary


def load_questions(
    sets: Sequence[str] = DEFAULT_SETS, *, tenant: str | None = None
) -> list[Question]:
    """Citizen messages of the named evaluation sets (all turns), optionally of one tenant."""
    questions: list[Question] = []
    for name in sets:
        path = resolve_set_path(name)
        for case in parse_cases(path.read_text(encoding="utf-8"), source=str(path)):
            if tenant is None or case.tenant == tenant:
                questions.extend(Question(tenant=case.tenant, text=m) for m in case.messages)
    if not questions:
        raise InvalidQueryError(
            f"no questions for tenant {tenant!r} in sets {', '.join(sets)}; pick another --set"
        )
    return questions


Reply = TypeVar("Reply")


class _Recorder:
    """Per-request outcomes shared by the citizens of one run."""

    def __init__(self, max_requests: int | None, deadline: float) -> None:
        self.max_requests = max_requests
        self.deadline = deadline
        self.issued = 0
        self.statuses: Counter[str] = Counter()
        self.answers: Counter[str] = Counter()
        self.request_ms: list[float] = []
        self.message_ms: list[float] = []
        self.conversations = 0

    def may_send(self) -> bool:
        if time.monotonic() >= self.deadline:
            return False
        if self.max_requests is not None and self.issued >= self.max_requests:
            return False
        self.issued += 1
        return True

    async def count_status(self, response: httpx.Response) -> None:
        """Every HTTP status the API answered with (the client's response hook)."""
        self.statuses[str(response.status_code)] += 1

    async def send(self, call: Awaitable[Reply], *, message: bool) -> Reply | None:
        """Time one API call; None when it failed (its status is counted by the hook)."""
        started = time.perf_counter()
        try:
            reply = await call
        except GovBotApiError as exc:
            if exc.status is None:  # no HTTP answer at all: refused, reset, timeout
                self.statuses[f"transport:{exc.code}"] += 1
                return None
            reply = None
        elapsed = (time.perf_counter() - started) * 1000
        self.request_ms.append(elapsed)
        if message:
            self.message_ms.append(elapsed)
        return reply


async def _citizen(
    client: AsyncGovBotClient, questions: Callable[[], Question], recorder: _Recorder
) -> None:
    """Start a conversation, ask a few questions, start the next one; until time is up."""
    while recorder.may_send():
        first = questions()
        created = await recorder.send(client.start_conversation(tenant=first.tenant), message=False)
        if created is None:
            continue
        recorder.conversations += 1
        question: Question | None = first
        for _ in range(MESSAGES_PER_CONVERSATION):
            if question is None:  # the next question is another town's: a new conversation
                break
            if not recorder.may_send():
                return
            posted = await recorder.send(
                client.post_message(created.conversation_id, question.text), message=True
            )
            if posted is not None:
                recorder.answers[posted.answer.status if posted.answer else "silent"] += 1
            following = questions()
            question = following if following.tenant == first.tenant else None


async def run_load(
    url: str,
    questions: Sequence[Question],
    *,
    concurrency: int,
    duration_s: float,
    max_requests: int | None = None,
    seed: int = 8,
    timeout_s: float = 120.0,
) -> LoadReport:
    """``concurrency`` citizens for ``duration_s`` seconds (or ``max_requests`` requests)."""
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1; got {concurrency}")
    shuffled = list(questions)
    random.Random(seed).shuffle(shuffled)
    cycle = itertools.cycle(shuffled)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    started = time.monotonic()
    recorder = _Recorder(max_requests, started + duration_s)
    async with AsyncGovBotClient(
        url,
        timeout_s=timeout_s,
        limits=limits,
        user_agent="govbot-bench",
        on_response=recorder.count_status,
    ) as client:
        await asyncio.gather(
            *(_citizen(client, lambda: next(cycle), recorder) for _ in range(concurrency))
        )
    elapsed = time.monotonic() - started
    requests = sum(recorder.statuses.values())
    errors = sum(n for s, n in recorder.statuses.items() if not s.startswith("2"))
    return LoadReport(
        url=url,
        concurrency=concurrency,
        duration_s=round(elapsed, 2),
        requests=requests,
        messages=len(recorder.message_ms),
        conversations=recorder.conversations,
        errors=errors,
        error_rate=round(errors / requests, 4) if requests else 0.0,
        statuses=dict(sorted(recorder.statuses.items())),
        answer_statuses=dict(sorted(recorder.answers.items())),
        throughput_rps=round(requests / elapsed, 2) if elapsed else 0.0,
        messages_per_s=round(len(recorder.message_ms) / elapsed, 2) if elapsed else 0.0,
        message_latency=summarise(recorder.message_ms),
        request_latency=summarise(recorder.request_ms),
    )


def _timed_search(retriever: Retriever, question: Question) -> float:
    started = time.perf_counter()
    retriever.search(question.text, tenant=question.tenant, k=5)
    return (time.perf_counter() - started) * 1000


def measure_floor(
    retriever: Retriever,
    questions: Sequence[Question],
    *,
    concurrency: int,
    rounds: int = 2,
) -> FloorReport:
    """Embedding + hybrid search per question: sequentially, then from ``concurrency`` threads."""
    for question in questions[:3]:  # warm-up: first embedding, page cache
        _timed_search(retriever, question)
    sequential = [_timed_search(retriever, q) for q in questions]
    work = list(questions) * rounds
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        concurrent = list(pool.map(lambda q: _timed_search(retriever, q), work))
    return FloorReport(
        concurrency=concurrency,
        sequential=summarise(sequential),
        concurrent=summarise(concurrent),
    )


def ratio(numerator_ms: float, denominator_ms: float) -> float | None:
    """``numerator / denominator`` rounded, None when the floor is zero."""
    return round(numerator_ms / denominator_ms, 2) if denominator_ms > 0 else None


def machine() -> dict[str, object]:
    """CPU count, platform and load while measuring (other processes skew the figures)."""
    import os
    import platform

    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "load_avg_1m": round(os.getloadavg()[0], 2),
    }


def question_file(name: str) -> Path:
    """Path of a set (for the report)."""
    return resolve_set_path(name)
