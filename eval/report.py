"""Self-contained HTML report of a run: headline metrics, charts, slices, every case.

One file (``index.html``) with inline CSS and inline SVG charts; it loads nothing from
the network, so it can be archived with the audit trail and opened offline.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from eval.charts import BAD, GOOD, bar_chart, heatmap, histogram
from eval.records import RunRecord

TEMPLATES = Path(__file__).resolve().parent / "templates"
HEADLINE = (
    ("status_accuracy", "Status right"),
    ("source_cited", "Right source cited"),
    ("facts_present", "Required facts present"),
    ("answer_line_contained", "Answer line contained"),
    ("grounded", "Numbers grounded in sources"),
    ("emergency_recall", "Emergency recall"),
    ("retrieval_recall@5", "Retrieval recall@5"),
    ("retrieval_mrr@10", "Retrieval MRR@10"),
    ("retrieval_ndcg@10", "Retrieval nDCG@10"),
)
COUNTS = (
    ("cases", "Cases"),
    ("errors", "Pipeline errors"),
    ("emergencies_missed", "Emergencies missed"),
    ("decisions_answered", "Decisions answered"),
    ("answered_not_allowed", "Answered although not allowed"),
    ("long_answers", "Answers over 1,200 characters"),
    ("latency_p50_ms", "Latency p50 (ms)"),
    ("latency_p95_ms", "Latency p95 (ms)"),
)
SLICE_COLUMNS = ("cases", "status_accuracy", "source_cited", "facts_present", "latency_p95_ms")


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def charts(record: RunRecord) -> dict[str, str]:
    """The report's charts as inline SVG markup."""
    metrics = record.metrics
    kinds = record.details.get("slices", {}).get("kind", {})
    tenants = record.details.get("slices", {}).get("tenant", {})
    latencies = [case.latency_ms for case in record.cases if case.error is None]
    headline = [(label, _number(metrics.get(name))) for name, label in HEADLINE]
    return {
        "headline": bar_chart("headline", "Headline metrics", headline),
        "kinds": bar_chart(
            "kinds",
            "Status right, by kind of case",
            [(kind, _number(m.get("status_accuracy"))) for kind, m in kinds.items()],
            color=GOOD,
        ),
        "tenants": bar_chart(
            "tenants",
            "Right source cited, by tenant",
            [(tenant, _number(m.get("source_cited"))) for tenant, m in tenants.items()],
        ),
        "confusion": heatmap(
            "confusion", "Expected status (rows) → answered status", record.details["confusion"]
        ),
        "latency": histogram("latency", "Latency of the evaluated message", latencies),
        "failures": bar_chart(
            "failures",
            "Failed checks (cases)",
            [
                ("status", float(sum(not c.status_ok for c in record.cases))),
                ("source", float(sum(c.source_ok is False for c in record.cases))),
                ("facts", float(sum(c.facts_ok is False for c in record.cases))),
                ("grounding", float(sum(c.grounded is False for c in record.cases))),
            ],
            max_value=1.0,
            percent=False,
            color=BAD,
        ),
    }


def render_report(record: RunRecord) -> str:
    """The report as one HTML document."""
    template = _environment().get_template("report.html")
    slices: dict[str, Any] = record.details.get("slices", {})
    return template.render(
        info=record.info,
        metrics=record.metrics,
        headline=HEADLINE,
        counts=COUNTS,
        charts=charts(record),
        slices={name: slices.get(name, {}) for name in ("kind", "tenant", "language", "style")},
        slice_columns=SLICE_COLUMNS,
        statuses=status_table(record),
        cases=record.cases,
        failed=[c for c in record.cases if _failed(c.model_dump())],
        # Issue 16: every emergency decision and help grade of the run, with its evidence
        # (a danger grade the classifier overruled has evidence but no grade).
        graded=[
            c
            for c in record.cases
            if c.status == "emergency"
            or c.help_grade in ("danger", "urgent", "social")
            or c.help_evidence
        ],
        # Issue 12 item 4: every refusal of a verdict and every grammar refusal the
        # verdict-request classifier overruled, with its evidence.
        verdicts=[c for c in record.cases if c.status == "refused_decision" or c.verdict_evidence],
        settings_json=json.dumps(record.info.settings, indent=2, ensure_ascii=False),
        environment_json=json.dumps(record.info.environment, indent=2, ensure_ascii=False),
    )


def status_table(record: RunRecord) -> dict[str, dict[str, float | int | None]]:
    """Per-status precision, recall and support from the flat ``status.<s>.<m>`` metrics."""
    table: dict[str, dict[str, float | int | None]] = {}
    for key, value in record.metrics.items():
        if key.startswith("status."):
            _, status, measure = key.split(".")
            table.setdefault(status, {})[measure] = value
    return dict(sorted(table.items()))


def write_report(record: RunRecord, out_dir: Path) -> Path:
    """Write ``index.html`` into ``out_dir`` (created if needed) and return its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "index.html"
    path.write_text(render_report(record), encoding="utf-8")
    return path


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _failed(case: dict[str, Any]) -> bool:
    checks = ("source_ok", "facts_ok", "grounded", "answer_line_ok")
    return not case["status_ok"] or any(case[check] is False for check in checks)
