"""``govbot eval answers``: run a file of questions through the dialogue engine.

Each line of the input is ``{"question": ..., "tenant": ..., ...}`` (other keys are
ignored). Every question is answered in a fresh conversation by the same engine the
API uses; the report lists ``{"question", "status", "doc_ids", "text"}`` per case in
input order plus status counts and latency percentiles. A question that fails is
reported with status ``error`` and the run goes on. One untimed warm-up message per
tenant comes first, so that latencies measure answering, not model loading.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from bot.answer import AnswerStatus
from bot.services.conversations import AnswerEngine
from knowledge.errors import SourceError

logger = logging.getLogger(__name__)

WARM_UP_MESSAGE = "Was kostet ein Personalausweis?"
Progress = Callable[[int, int], None]


class Question(BaseModel):
    """One input line (extra keys are ignored)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    question: str
    tenant: str


class AnswerCase(BaseModel):
    """What the engine answered to one question."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    question: str
    status: str
    doc_ids: list[str]
    text: str


class AnswersReport(BaseModel):
    """All cases in input order plus aggregate figures."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    cases: list[AnswerCase]
    n: int
    status_counts: dict[str, int]
    errors: int
    latency_ms_p50: float
    latency_ms_p95: float
    latency_ms: list[float] = Field(default_factory=list, exclude=True)


def load_questions(path: Path) -> list[Question]:
    """Read a JSONL file of questions; SourceError names the bad line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"cannot read questions file {path}: {exc}") from exc
    questions: list[Question] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            questions.append(Question.model_validate(json.loads(line)))
        except ValueError as exc:
            raise SourceError(
                f'{path}:{number}: expected a JSON object with "question" and "tenant": {exc}'
            ) from exc
    return questions


def run_answers(
    engine: AnswerEngine,
    questions: Sequence[Question],
    *,
    progress: Progress | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> AnswersReport:
    """Answer every question in a fresh conversation; failures become status ``error``."""
    for tenant in dict.fromkeys(q.tenant for q in questions):
        try:
            engine.respond(WARM_UP_MESSAGE, tenant=tenant, history=[])
        except Exception as exc:  # the cases themselves record what is wrong
            logger.warning("warm-up for tenant %s failed: %s", tenant, type(exc).__name__)
    cases: list[AnswerCase] = []
    latencies: list[float] = []
    for position, item in enumerate(questions, start=1):
        start = clock()
        try:
            answer = engine.respond(item.question, tenant=item.tenant, history=[])
            case = AnswerCase(
                question=item.question,
                status=answer.status.value,
                doc_ids=answer.doc_ids,
                text=answer.text,
            )
        except Exception as exc:  # recorded as the case's result, the run goes on
            logger.warning("question %d failed: %s", position, type(exc).__name__)
            case = AnswerCase(
                question=item.question,
                status=AnswerStatus.ERROR.value,
                doc_ids=[],
                text=f"{type(exc).__name__}: {exc}",
            )
        latencies.append((clock() - start) * 1000)
        cases.append(case)
        if progress is not None:
            progress(position, len(questions))
    counts = Counter(case.status for case in cases)
    return AnswersReport(
        cases=cases,
        n=len(cases),
        status_counts=dict(sorted(counts.items())),
        errors=counts.get(AnswerStatus.ERROR.value, 0),
        latency_ms_p50=round(percentile(latencies, 50), 1),
        latency_ms_p95=round(percentile(latencies, 95), 1),
        latency_ms=latencies,
    )


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (nearest rank); 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]
