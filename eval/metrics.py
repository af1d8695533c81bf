"""Run metrics from case results: answers, behaviour, retrieval, latency — and slices of them.

Definitions (rates are fractions 0..1; ``None`` when no case qualifies):

- ``status_accuracy``: the answer's status is one of the case's acceptable statuses.
- ``outcome_acceptable``: a service question (a case naming sources that expects an
  answer) answered citing one of them or given clarifying choices containing one (issue
  12 item 2); any other case: its status is right. ``status_accuracy`` stays the strict
  figure (a choice counts there only where the case accepts ``clarify``).
- ``source_cited``: of the cases naming sources, those whose answer cites one of them.
- ``facts_present``: of the cases with facts, those whose answer contains all of them
  (``fact_recall``: the fraction of all facts found); matching: eval/normalisation.py.
- ``answer_line_contained``: of the cases with annotated answer lines, those whose
  answer contains at least one (normalised substring).
- ``answer_line_early``: of those cases, the ones with a line within the first 300
  characters of the answer (issue 17).
- ``service_reached``: of the cases naming sources, those whose answer cites one of them
  or offers one as a clarifying choice (issue 12 item 2);
  ``wrong_service_confident``: of the cases naming sources, those answered (status
  ``answered``) without citing any of them: the worst outcome, counted separately
  (``wrong_service_confident_cases`` is the count).
- ``false_emergencies``: cases answered with ``emergency`` although it is not acceptable;
  ``help_grade_ok``: of the cases with ``expected_help`` whose answer reports a help grade,
  those with an acceptable grade.
- ``grounded``: of the ``answered`` cases with citations, those in which every number
  (amount, date, deadline) of the answer text occurs in a cited source.
- ``gap_stated`` (issue 17 item 3): of the cases whose source lacks the asked aspect
  (``expected_gap``), those whose answer says so (eval/scoring.py); ``false_gaps``: cases
  with facts (the source states them) whose answer says an aspect is missing.
- Behaviour: a case's *gold* status is its answer's status when that is acceptable,
  else its first acceptable status. Per status: precision = right / predicted,
  recall = right / gold; the confusion matrix counts gold → predicted.
  ``emergency_recall`` over cases whose gold status is ``emergency``;
  ``emergencies_missed`` counts those not answered with ``emergency``;
  ``decisions_answered`` counts decision-seeking cases answered ``answered`` (missed
  decisions); ``false_decision_refusals`` counts cases refused as a decision although
  that is not acceptable, ``procedural_refused`` those of kind ``procedural`` ("Kann ich
  online …?", issue 17 item 4);
  ``answered_not_allowed`` counts cases answered although ``answered`` is not acceptable.
- Retrieval (plain search for single-question cases naming sources, any expected id is
  relevant): ``retrieval_recall@k`` (1 if one of the expected ids is in the top k — the
  expected ids are alternatives, so this is recall of the question, not of every id),
  ``retrieval_mrr@10`` and ``retrieval_ndcg@10`` (binary gains) as in eval/retrieval.py.
- Language (issue 13): ``answer_in_question_language``: of the cases whose answer names a
  language, those answered in the question's language (``tags.language``);
  ``content_in_question_language``: of the cases whose answer cites a source, those whose
  shown text (the first citation's) is in the question's language, not the German
  original framed as such.
- Latency of the final message: p50 / p95 by linear interpolation between ranks.
- LLM mode (issue #6): ``llm_checked`` counts final answers whose generated text went
  through the grounding check; ``grounding_failure_rate`` is the share of those the check
  refused (the extractive answer was shown instead); ``llm_shown`` counts generated texts
  shown; ``llm_unavailable`` counts answers served extractively because the model failed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence

from eval import percentiles, retrieval
from eval.scoring import MAX_TEXT_CHARS, CaseResult

Metrics = dict[str, float | int | None]
STATUSES = (
    "answered",
    "clarify",
    "unanswerable",
    "handoff",
    "refused_decision",
    "emergency",
    "guardrail",
    "error",
)
RECALL_KS = (1, 3, 5, 10)
SLICE_FIELDS: dict[str, Callable[[CaseResult], str]] = {
    "tenant": lambda r: r.tenant,
    "kind": lambda r: r.kind,
    "topic": lambda r: r.topic or "-",
    "language": lambda r: r.language,
    "style": lambda r: r.style or "-",
    "split": lambda r: r.split or "-",
    "status": lambda r: r.status,
    "expected_status": lambda r: r.primary_status,
}
# Direction of every metric the gate and compare look at: +1 higher is better, -1 lower.
DIRECTIONS: dict[str, int] = {
    "status_accuracy": 1,
    "outcome_acceptable": 1,
    "source_cited": 1,
    "facts_present": 1,
    "fact_recall": 1,
    "answer_line_contained": 1,
    "answer_line_early": 1,
    "service_reached": 1,
    "wrong_service_confident": -1,
    "wrong_service_confident_cases": -1,
    "false_emergencies": -1,
    "help_grade_ok": 1,
    "gap_stated": 1,
    "false_gaps": -1,
    "grounded": 1,
    "answer_in_question_language": 1,
    "content_in_question_language": 1,
    "emergency_recall": 1,
    "emergencies_missed": -1,
    "decisions_answered": -1,
    "false_decision_refusals": -1,
    "procedural_refused": -1,
    "answered_not_allowed": -1,
    "errors": -1,
    "long_answers": -1,
    "retrieval_mrr@10": 1,
    "retrieval_ndcg@10": 1,
    **{f"retrieval_recall@{k}": 1 for k in RECALL_KS},
    "latency_p50_ms": -1,
    "latency_p95_ms": -1,
}


def rate(flags: Iterable[bool | None]) -> float | None:
    """Share of True among the non-None flags (None if there are none)."""
    known = [flag for flag in flags if flag is not None]
    return round(sum(known) / len(known), 4) if known else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0..100), linear between closest ranks; None without values."""
    return round(percentiles.percentile(values, q), 3) if values else None


def retrieval_metrics(results: Sequence[CaseResult]) -> Metrics:
    """Recall@k, MRR@10 and nDCG@10 over cases with a plain retrieval and expected ids."""
    scored = [r for r in results if r.retrieved_ids is not None and r.expected_ids]
    metrics: Metrics = {"retrieval_cases": len(scored)}
    for k in RECALL_KS:
        metrics[f"retrieval_recall@{k}"] = rate(
            retrieval.first_hit((r.retrieved_ids or [])[:k], r.expected_ids) is not None
            for r in scored
        )
    mrr = [retrieval.reciprocal_rank(r.retrieved_ids or [], r.expected_ids) for r in scored]
    gains = [retrieval.ndcg_at(r.retrieved_ids or [], r.expected_ids) for r in scored]
    metrics["retrieval_mrr@10"] = round(sum(mrr) / len(mrr), 4) if mrr else None
    metrics["retrieval_ndcg@10"] = round(sum(gains) / len(gains), 4) if gains else None
    return metrics


def confusion(results: Sequence[CaseResult]) -> dict[str, dict[str, int]]:
    """Counts of gold status → predicted status (only statuses that occur)."""
    matrix: dict[str, dict[str, int]] = defaultdict(dict)
    for result in results:
        row = matrix[result.primary_status]
        row[result.status] = row.get(result.status, 0) + 1
    return {gold: dict(sorted(row.items())) for gold, row in sorted(matrix.items())}


def status_metrics(results: Sequence[CaseResult]) -> Metrics:
    """Per-status precision, recall and support (gold count)."""
    gold = Counter(r.primary_status for r in results)
    predicted = Counter(r.status for r in results)
    right = Counter(r.status for r in results if r.status_ok)
    metrics: Metrics = {}
    for status in STATUSES:
        if not gold[status] and not predicted[status]:
            continue
        metrics[f"status.{status}.support"] = gold[status]
        metrics[f"status.{status}.precision"] = (
            round(right[status] / predicted[status], 4) if predicted[status] else None
        )
        metrics[f"status.{status}.recall"] = (
            round(right[status] / gold[status], 4) if gold[status] else None
        )
    return metrics


def summarize(results: Sequence[CaseResult]) -> Metrics:
    """All metrics of a run (or of a slice of it)."""
    emergencies = [r for r in results if r.primary_status == "emergency"]
    decisions = [
        r for r in results if r.kind == "decision" or r.primary_status == "refused_decision"
    ]
    facts_total = sum(len(r.facts) for r in results)
    facts_found = sum(len(r.facts) - len(r.facts_missing) for r in results)
    latencies = [r.latency_ms for r in results if r.error is None]
    metrics: Metrics = {
        "cases": len(results),
        "errors": sum(r.error is not None for r in results),
        "status_accuracy": rate(r.status_ok for r in results),
        "outcome_acceptable": rate(r.outcome_ok for r in results),
        "source_cited": rate(r.source_ok for r in results),
        "facts_present": rate(r.facts_ok for r in results),
        "fact_recall": round(facts_found / facts_total, 4) if facts_total else None,
        "answer_line_contained": rate(r.answer_line_ok for r in results),
        "answer_line_early": rate(r.answer_line_early for r in results),
        "service_reached": rate(r.reached for r in results),
        "wrong_service_confident": rate(r.wrong_confident for r in results),
        "wrong_service_confident_cases": sum(r.wrong_confident is True for r in results),
        "false_emergencies": sum(
            r.status == "emergency" and "emergency" not in r.expected_status for r in results
        ),
        "help_grade_ok": rate(r.help_ok for r in results),
        "gap_stated": rate(r.gap_stated for r in results),
        "false_gaps": sum(bool(r.facts and r.gaps_claimed) for r in results),
        "grounded": rate(r.grounded for r in results),
        "answer_in_question_language": rate(
            r.answer_language == r.language if r.answer_language else None for r in results
        ),
        "content_in_question_language": rate(
            r.content_language == r.language if r.content_language else None for r in results
        ),
        "emergency_cases": len(emergencies),
        "emergency_recall": rate(r.status == "emergency" for r in emergencies),
        "emergencies_missed": sum(r.status != "emergency" for r in emergencies),
        "decision_cases": len(decisions),
        "decisions_answered": sum(r.status == "answered" for r in decisions),
        "false_decision_refusals": sum(_refused_wrongly(r) for r in results),
        "procedural_refused": sum(_refused_wrongly(r) for r in results if r.kind == "procedural"),
        "answered_not_allowed": sum(
            r.status == "answered" and "answered" not in r.expected_status for r in results
        ),
        "long_answers": sum(r.text_chars > MAX_TEXT_CHARS for r in results),
        "answer_chars_median": percentile(
            [float(r.text_chars) for r in results if r.status == "answered"], 50
        ),
        "latency_p50_ms": percentile(latencies, 50),
        "latency_p95_ms": percentile(latencies, 95),
        "latency_mean_ms": round(sum(latencies) / len(latencies), 3) if latencies else None,
    }
    metrics.update(retrieval_metrics(results))
    metrics.update(status_metrics(results))
    if any(r.llm_outcome for r in results):
        checked = [r for r in results if r.llm_outcome in ("shown", "grounding_failed")]
        metrics["llm_checked"] = len(checked)
        metrics["grounding_failure_rate"] = rate(r.llm_outcome != "shown" for r in checked)
        metrics["llm_shown"] = sum(r.llm_outcome == "shown" for r in results)
        metrics["llm_unavailable"] = sum(r.llm_outcome == "llm_unavailable" for r in results)
    return metrics


def _refused_wrongly(result: CaseResult) -> bool:
    """Refused as a request for a decision although that is not an acceptable status."""
    return result.status == "refused_decision" and "refused_decision" not in result.expected_status


def slices(results: Sequence[CaseResult], by: str) -> dict[str, Metrics]:
    """Metrics per value of a slicing field (``tenant``, ``kind``, ``status`` …)."""
    try:
        key = SLICE_FIELDS[by]
    except KeyError:
        known = ", ".join(SLICE_FIELDS)
        raise ValueError(f"cannot slice by {by!r}; use one of {known}") from None
    groups: dict[str, list[CaseResult]] = defaultdict(list)
    for result in results:
        groups[key(result)].append(result)
    return {value: summarize(group) for value, group in sorted(groups.items())}
