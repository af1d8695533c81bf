"""Downloads of an evaluation run built from the staff API's data: HTML report, JSON, CSV.

The full report with charts is rendered by ``govbot eval report`` (eval/report.py); the
console cannot import eval/, so it builds a self-contained summary from what the API
returns (or serves the API's own report when the API offers one).
"""

from __future__ import annotations

import html
import io
import json
from typing import Any

import pandas as pd

from govbot_client.staff import EvalCasePublic, EvalRunDetail, EvalRunSummary

HEADLINE = (
    "status_accuracy",
    "source_cited",
    "facts_present",
    "fact_recall",
    "grounded",
    "emergency_recall",
    "retrieval_recall@5",
    "retrieval_mrr@10",
    "latency_p50_ms",
    "latency_p95_ms",
)
LOWER_IS_BETTER = frozenset(
    {
        "errors",
        "emergencies_missed",
        "decisions_answered",
        "answered_not_allowed",
        "long_answers",
        "latency_p50_ms",
        "latency_p95_ms",
    }
)


def metric_direction(name: str) -> int:
    """+1 when a higher value is better, -1 when lower is better, 0 for counts like support."""
    if name in LOWER_IS_BETTER or name.endswith("_ms"):
        return -1
    if name.endswith((".support", "_cases")) or name == "cases":
        return 0
    return 1


def cases_frame(cases: list[EvalCasePublic]) -> pd.DataFrame:
    """One row per case with its checks."""
    return pd.DataFrame(
        {
            "Fall": [c.case_id for c in cases],
            "Art": [c.kind for c in cases],
            "Mandant": [c.tenant for c in cases],
            "Sprache": [c.language for c in cases],
            "Antwortsprache": [c.result.get("answer_language") or "–" for c in cases],
            "Status": [c.status for c in cases],
            "Status ok": [c.status_ok for c in cases],
            "Quelle ok": [c.source_ok for c in cases],
            "Fakten ok": [c.facts_ok for c in cases],
            "Belegt": [c.grounded for c in cases],
            "Bestanden": [c.passed for c in cases],
            "Latenz (ms)": [round(c.latency_ms, 1) for c in cases],
            "Frage": [c.question for c in cases],
        }
    )


LANGUAGE_METRICS = {
    "cases": "Fälle",
    "status_accuracy": "Status korrekt",
    "service_reached": "Seite erreicht",
    "answer_in_question_language": "Antwort in der Sprache der Frage",
    "content_in_question_language": "Quelltext in der Sprache der Frage",
    "latency_p50_ms": "Latenz p50 (ms)",
    "latency_p95_ms": "Latenz p95 (ms)",
}


def language_frame(by_language: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """The run's figures per language of the question, one row each (issue 13 item 6)."""
    return pd.DataFrame(
        {
            "Sprache": list(by_language),
            **{
                label: [metrics.get(name) for metrics in by_language.values()]
                for name, label in LANGUAGE_METRICS.items()
            },
        }
    )


def compare_frame(a: EvalRunSummary, b: EvalRunSummary) -> pd.DataFrame:
    """Metrics of two runs side by side with the change and whether it is an improvement."""
    names = sorted(set(a.metrics) | set(b.metrics))
    rows = []
    for name in names:
        va, vb = a.metrics.get(name), b.metrics.get(name)
        delta = vb - va if isinstance(va, int | float) and isinstance(vb, int | float) else None
        direction = metric_direction(name)
        if delta is None or delta == 0 or direction == 0:
            verdict = "–"
        else:
            verdict = "besser" if delta * direction > 0 else "schlechter"
        rows.append({"Metrik": name, f"#{a.id}": va, f"#{b.id}": vb, "Δ": delta, "": verdict})
    return pd.DataFrame(rows)


def changed_cases(a: list[EvalCasePublic], b: list[EvalCasePublic]) -> pd.DataFrame:
    """Cases that passed in one run and failed in the other."""
    before = {c.case_id: c for c in a}
    rows = []
    for case in b:
        old = before.get(case.case_id)
        if old is not None and old.passed != case.passed:
            rows.append(
                {
                    "Fall": case.case_id,
                    "vorher": f"{old.status} ({'ok' if old.passed else 'fehlgeschlagen'})",
                    "nachher": f"{case.status} ({'ok' if case.passed else 'fehlgeschlagen'})",
                    "Frage": case.question,
                }
            )
    return pd.DataFrame(rows, columns=["Fall", "vorher", "nachher", "Frage"])


def run_json(run: EvalRunDetail, cases: list[EvalCasePublic]) -> bytes:
    """Run and case results as JSON."""
    payload = {
        "run": run.model_dump(mode="json"),
        "cases": [c.model_dump(mode="json") for c in cases],
    }
    return json.dumps(payload, ensure_ascii=False, indent=2).encode("utf-8")


def cases_csv(cases: list[EvalCasePublic]) -> bytes:
    """Case results as CSV (UTF-8 with BOM for spreadsheets)."""
    buffer = io.StringIO()
    cases_frame(cases).to_csv(buffer, index=False)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def run_html(run: EvalRunDetail, cases: list[EvalCasePublic]) -> bytes:
    """A self-contained HTML summary: identity, headline metrics, failed cases, all cases."""
    esc = html.escape
    metrics = "".join(
        f"<tr><th>{esc(name)}</th><td>{esc(str(run.metrics.get(name)))}</td></tr>"
        for name in sorted(run.metrics)
    )
    failed = cases_frame([c for c in cases if not c.passed]).to_html(index=False, escape=True)
    every = cases_frame(cases).to_html(index=False, escape=True)
    title = f"GovBot-Evaluation #{run.id} – {run.set_name} {run.set_version}"
    body = f"""<!doctype html>
<html lang="de"><head><meta charset="utf-8"><title>{esc(title)}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem;max-width:80rem}}
table{{border-collapse:collapse;font-size:.9rem}}td,th{{border:1px solid #ccc;padding:.25rem .5rem;
text-align:left;vertical-align:top}}</style></head><body>
<h1>{esc(title)}</h1>
<p>Label: {esc(run.label or "–")} · gestartet {esc(run.started_at.isoformat())} ·
Commit {esc(run.git_commit or "–")} · Index {esc(run.index_version or "–")} ·
Embedder {esc(run.embedder or "–")} · {run.case_count} Fälle · Status {esc(run.status)}</p>
<h2>Metriken</h2><table>{metrics}</table>
<h2>Fehlgeschlagene Fälle</h2>{failed}
<h2>Alle Fälle</h2>{every}
</body></html>"""
    return body.encode("utf-8")
