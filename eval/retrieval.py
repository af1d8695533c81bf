"""Retrieval evaluation: recall@k, MRR@10, nDCG@10 and latency over a JSONL question file.

Each line of a question file is a JSON object with at least ``question``,
``tenant`` and ``expected`` (document ids ``"<tenant>/<native id>"``, any of them
counts as a hit); the other keys of ``eval/sets/SCHEMA.md`` (``id``,
``answer_lines``, ``tags`` …) are allowed and ignored here. Questions with an
empty ``expected`` list have no right document, and multi-turn cases
(``turns`` instead of ``question``) no single query: both are skipped (counted
in ``skipped``).

Definitions (binary relevance, ranks start at 1):
- recall@k: share of a question's expected documents found in its top k, averaged
  over questions (with one expected document this is the hit rate).
- MRR@10: 1 / rank of the first expected document within the top 10, else 0.
- nDCG@10: DCG = sum of 1 / log2(rank + 1) over expected documents in the top 10,
  divided by the DCG of an ideal ranking.
- latency: wall time of one search call (query embedding included), in
  milliseconds; p50/p95 interpolate linearly between the closest ranks.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Collection, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from eval.percentiles import percentile
from knowledge.errors import SourceError
from knowledge.index import SearchMode
from knowledge.models import validate_tenant_slug
from knowledge.retrieval import Retriever

if TYPE_CHECKING:  # the understanding is built by the caller; eval.retrieval stays light
    from bot.understanding.understanding import Understander

SearchFn = Callable[[str, str, int], Sequence[str]]
"""``(question, tenant, k) -> doc ids best first``: what the runner evaluates."""

Progress = Callable[[int, int], None]
"""``(done, total)`` after each question."""

RECALL_KS = (1, 5, 10)
RANK_DEPTH = 10  # MRR@10, nDCG@10
MAX_LISTED_IDS = 10


class RetrievalQuestion(BaseModel):
    """One line of a retrieval question file."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    question: str | None = Field(default=None, min_length=1)
    tenant: str
    expected: list[str] = Field(default_factory=list)
    id: str = ""

    @field_validator("tenant")
    @classmethod
    def _valid_tenant(cls, value: str) -> str:
        return validate_tenant_slug(value)


class QuestionResult(BaseModel):
    """What the retriever returned for one question."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    tenant: str
    expected: list[str]
    ranked: list[str]
    latency_ms: float

    @property
    def first_hit(self) -> int | None:
        """Rank (from 1) of the first expected document, or None."""
        return first_hit(self.ranked, self.expected)


class Metrics(BaseModel):
    """Aggregate metrics over a group of questions."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    n: int
    recall: dict[int, float]
    mrr_at_10: float
    ndcg_at_10: float
    latency_ms_p50: float
    latency_ms_p95: float

    def as_dict(self) -> dict[str, float | int]:
        """Flat JSON form: ``n``, ``recall@1`` …, ``mrr@10``, ``ndcg@10``, latencies."""
        out: dict[str, float | int] = {"n": self.n}
        out.update({f"recall@{k}": round(v, 4) for k, v in sorted(self.recall.items())})
        out["mrr@10"] = round(self.mrr_at_10, 4)
        out["ndcg@10"] = round(self.ndcg_at_10, 4)
        out["latency_ms_p50"] = round(self.latency_ms_p50, 2)
        out["latency_ms_p95"] = round(self.latency_ms_p95, 2)
        return out


class RetrievalReport(BaseModel):
    """Overall and per-tenant metrics of one evaluation run, with per-question results."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    overall: Metrics
    per_tenant: dict[str, Metrics]
    skipped: int
    results: list[QuestionResult]

    def as_dict(self) -> dict[str, Any]:
        """One JSON object: the overall metrics at top level, ``per_tenant`` and ``skipped``."""
        out: dict[str, Any] = dict(self.overall.as_dict())
        out["skipped"] = self.skipped
        out["per_tenant"] = {t: m.as_dict() for t, m in sorted(self.per_tenant.items())}
        return out


def first_hit(ranked: Sequence[str], expected: Collection[str]) -> int | None:
    """Rank (from 1) of the first document of ``expected`` in ``ranked``, or None."""
    for rank, doc_id in enumerate(ranked, start=1):
        if doc_id in expected:
            return rank
    return None


def recall_at(ranked: Sequence[str], expected: Collection[str], k: int) -> float:
    """Share of ``expected`` found in the top ``k`` of ``ranked``."""
    if k < 1:
        raise ValueError(f"k must be at least 1. Currently, it is {k}")
    if not expected:
        raise ValueError("recall is undefined for a question without expected documents")
    found = set(ranked[:k]) & set(expected)
    return len(found) / len(set(expected))


def reciprocal_rank(ranked: Sequence[str], expected: Collection[str], k: int = RANK_DEPTH) -> float:
    """1 / rank of the first expected document within the top ``k``, else 0."""
    rank = first_hit(ranked[:k], expected)
    return 1.0 / rank if rank else 0.0


def ndcg_at(ranked: Sequence[str], expected: Collection[str], k: int = RANK_DEPTH) -> float:
    """Binary-relevance nDCG of the top ``k``."""
    wanted = set(expected)
    if not wanted:
        raise ValueError("nDCG is undefined for a question without expected documents")
    seen: set[str] = set()
    dcg = 0.0
    for rank, doc_id in enumerate(ranked[:k], start=1):
        if doc_id in wanted and doc_id not in seen:
            seen.add(doc_id)
            dcg += 1.0 / math.log2(rank + 1)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(len(wanted), k) + 1))
    return dcg / ideal


def metrics(results: Sequence[QuestionResult], ks: Sequence[int] = RECALL_KS) -> Metrics:
    """Aggregate ``results`` (all with expected documents) into one Metrics."""
    if not results:
        raise ValueError("no results to aggregate")
    n = len(results)
    latencies = [r.latency_ms for r in results]
    return Metrics(
        n=n,
        recall={k: sum(recall_at(r.ranked, r.expected, k) for r in results) / n for k in ks},
        mrr_at_10=sum(reciprocal_rank(r.ranked, r.expected) for r in results) / n,
        ndcg_at_10=sum(ndcg_at(r.ranked, r.expected) for r in results) / n,
        latency_ms_p50=percentile(latencies, 50),
        latency_ms_p95=percentile(latencies, 95),
    )


def report(
    results: Sequence[QuestionResult], *, skipped: int = 0, k: int = RANK_DEPTH
) -> RetrievalReport:
    """Overall and per-tenant metrics (recall at 1, 5, 10 and at ``k``)."""
    ks = tuple(sorted({*RECALL_KS, k}))
    tenants = sorted({r.tenant for r in results})
    return RetrievalReport(
        overall=metrics(results, ks),
        per_tenant={t: metrics([r for r in results if r.tenant == t], ks) for t in tenants},
        skipped=skipped,
        results=list(results),
    )


def load_questions(path: Path) -> list[RetrievalQuestion]:
    """Read a JSONL question file; SourceError names every bad line as ``file:line``."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise SourceError(f"question file {path} does not exist; check the path") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"question file {path} cannot be read: {exc}") from exc
    questions: list[RetrievalQuestion] = []
    errors: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            questions.append(RetrievalQuestion.model_validate(json.loads(line)))
        except json.JSONDecodeError as exc:
            errors.append(f"{path}:{number}: not valid JSON: {exc.msg} (column {exc.colno})")
        except (ValidationError, ValueError) as exc:
            errors.append(f"{path}:{number}: {_first_error(exc)}")
    if errors:
        shown = "\n".join(errors[:20])
        more = f"\n… and {len(errors) - 20} more" if len(errors) > 20 else ""
        raise SourceError(
            f"{len(errors)} invalid line(s) in {path}; each line needs "
            f'{{"question", "tenant", "expected": [doc ids]}}:\n{shown}{more}'
        )
    if not questions:
        raise SourceError(f"question file {path} has no questions")
    return questions


def evaluate(
    questions: Sequence[RetrievalQuestion],
    search: SearchFn,
    *,
    k: int = RANK_DEPTH,
    progress: Progress | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> RetrievalReport:
    """Run ``search`` for every question with expected documents and measure it.

    ``clock`` returns seconds; it is a parameter so that tests can pin latencies.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1. Currently, it is {k}")
    depth = max(k, RANK_DEPTH)
    todo = [q for q in questions if q.expected and q.question]
    if not todo:
        raise SourceError("none of the questions has expected documents; nothing to evaluate")
    results: list[QuestionResult] = []
    for number, q in enumerate(todo, start=1):
        started = clock()
        ranked = list(search(q.question or "", q.tenant, depth))
        latency_ms = (clock() - started) * 1000
        results.append(
            QuestionResult(
                id=q.id or f"line-{number}",
                tenant=q.tenant,
                expected=list(q.expected),
                ranked=ranked,
                latency_ms=latency_ms,
            )
        )
        if progress is not None:
            progress(number, len(todo))
    return report(results, skipped=len(questions) - len(todo), k=k)


def searched_as_the_bot(
    retriever: Retriever, understander: Understander, *, mode: SearchMode | None = None
) -> SearchFn:
    """The search the dialogue makes for a question: the understander's text (spelling
    corrected, official terms added) in the language of its words, which weighs BM25
    (knowledge/retrieval.py ``Retriever.sparse_weight``). ``mode``: None for the configured
    one. `govbot eval retrieval` and the retrieval figures of `govbot eval answers` both
    search through it, so that they measure what the citizen's question meets."""

    def search(question: str, tenant: str, depth: int) -> Sequence[str]:
        searched = understander.understand(question, tenant=tenant).search
        hits = retriever.search(
            searched.text, tenant=tenant, k=depth, mode=mode, language=searched.language
        )
        return [hit.doc_id for hit in hits]

    return search


def require_known_ids(
    cases: Iterable[tuple[str, str, Sequence[str]]], retriever: Retriever
) -> list[str]:
    """Check ``(case id, tenant, expected ids)`` against the index before evaluating.

    A case none of whose expected ids matches a document of its tenant can only score 0
    (ids without the tenant prefix, a source never ingested): SourceError names such
    cases. Ids that are missing beside one that matches (a near-duplicate left out of a
    smaller index) are returned, so the caller can warn. Tenants without an index are
    left to the search, which names them.
    """
    known_tenants = set(retriever.tenants())
    present: dict[str, set[str]] = {}
    unscorable: list[str] = []
    absent: list[str] = []
    for case_id, tenant, ids in cases:
        if not ids or tenant not in known_tenants:
            continue
        if tenant not in present:
            present[tenant] = {service.doc_id for service in retriever.services(tenant)}
        missing = [doc_id for doc_id in ids if doc_id not in present[tenant]]
        if len(missing) == len(ids):
            unscorable.append(f"{case_id} ({', '.join(ids)})")
        else:
            absent.extend(missing)
    if unscorable:
        extra = len(unscorable) - MAX_LISTED_IDS
        more = f" and {extra} more" if extra > 0 else ""
        raise SourceError(
            f"{len(unscorable)} case(s) expect only documents that are not in the index: "
            f"{'; '.join(unscorable[:MAX_LISTED_IDS])}{more}. Expected ids look like "
            "'<tenant>/<native id>' (e.g. 'muenchen/1063441'), and the index must be built "
            "from the same source (`govbot ingest …`)"
        )
    return sorted(set(absent))


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        where = ".".join(str(part) for part in err["loc"]) or "(line)"
        return f"{where}: {err['msg']}"
    return str(exc)
