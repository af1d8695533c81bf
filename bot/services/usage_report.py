"""The monthly usage report for the council (issue 15 item 7): figures, HTML and PDF.

What it holds: conversations and citizens' messages per week; the share of answers that
were answered, a clarifying choice, not found, handed over or an emergency notice; the
most asked services; the most frequent unanswered questions grouped by topic (the
editors' to-do list); handoffs with waiting and closing times; citizens' feedback; the
languages used. Never a figure per employee, and only redacted question texts.

HTML is rendered with Jinja2 (bar charts as inline SVG in black and grey, so they print
on any printer); the PDF is laid out with fpdf2 from the same figures.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from bot.storage import insights, usage
from bot.storage.insights import Window

STATUS_GROUPS = {
    "answered": "beantwortet",
    "clarify": "Rückfrage (Auswahl)",
    "unanswerable": "nicht gefunden",
    "handoff": "an Mitarbeitende übergeben",
    "emergency": "Notfallhinweis",
}
OTHER_STATUS = "sonstige (z. B. Ablehnung)"
NO_TOPIC = "ohne Thema"


class UsageReport(BaseModel):
    """The figures of one tenant's month."""

    model_config = ConfigDict(frozen=True)

    tenant: str
    month: str  # YYYY-MM
    generated_at: datetime
    conversations: int
    messages: int
    answers: int
    weeks: list[dict[str, Any]]
    status_shares: list[dict[str, Any]]  # label, count, share
    services: list[dict[str, Any]]
    gaps_by_topic: list[dict[str, Any]]  # topic, count, questions [{question, count}]
    handoffs: dict[str, Any]
    feedback: dict[str, Any]
    languages: dict[str, int]


def month_window(month: str, tenant: str) -> Window:
    """The UTC window of ``YYYY-MM``; ValueError naming the bad value."""
    try:
        year, number = (int(part) for part in month.split("-"))
        first = datetime(year, number, 1, tzinfo=UTC)
    except ValueError as exc:
        raise ValueError(f"month {month!r} is not in the form YYYY-MM (e.g. 2026-11)") from exc
    days = calendar.monthrange(year, number)[1]
    last = datetime(year, number, days, tzinfo=UTC)
    until = datetime.fromordinal(last.toordinal() + 1).replace(tzinfo=UTC)
    return Window(since=first, until=until, tenant=tenant)


def build_report(
    session: Session, *, tenant: str, month: str, min_confidence: float
) -> UsageReport:
    """Collect the month's figures of ``tenant`` from the database."""
    window = month_window(month, tenant)
    weeks = usage.per_week(session, window)
    totals = insights.status_totals(session, window)
    answers = sum(totals.values())
    grouped: dict[str, int] = defaultdict(int)
    for status, count in totals.items():
        grouped[STATUS_GROUPS.get(status, OTHER_STATUS)] += count
    shares = [
        {
            "label": label,
            "count": grouped[label],
            "share": grouped[label] / answers if answers else 0,
        }
        for label in [*STATUS_GROUPS.values(), OTHER_STATUS]
        if grouped.get(label) or label in STATUS_GROUPS.values()
    ]
    feedback = insights.feedback_summary(session, window, comments=5)
    return UsageReport(
        tenant=tenant,
        month=month,
        generated_at=datetime.now(UTC),
        conversations=sum(w["conversations"] for w in weeks),
        messages=sum(w["messages"] for w in weeks),
        answers=answers,
        weeks=weeks,
        status_shares=shares,
        services=usage.cited_services(session, window, limit=10),
        gaps_by_topic=_gaps_by_topic(
            insights.content_gaps(session, window, min_confidence=min_confidence, limit=200)
        ),
        handoffs=usage.handoff_times(session, window),
        feedback={
            "helpful": feedback["helpful"],
            "unhelpful": feedback["unhelpful"],
            "comments": [str(c["comment"]) for c in feedback["comments"]],
        },
        languages=usage.languages(session, window),
    )


def _gaps_by_topic(
    gaps: list[dict[str, Any]], *, topics: int = 8, per_topic: int = 5
) -> list[dict[str, Any]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for gap in gaps:
        grouped[gap["topic"] or NO_TOPIC].append(
            {"question": gap["question"], "count": gap["count"]}
        )
    ranked = sorted(grouped.items(), key=lambda item: (-sum(q["count"] for q in item[1]), item[0]))
    return [
        {
            "topic": topic,
            "count": sum(q["count"] for q in questions),
            "questions": questions[:per_topic],
        }
        for topic, questions in ranked[:topics]
    ]


_ENVIRONMENT = Environment(
    loader=PackageLoader("bot", "texts"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_html(report: UsageReport) -> str:
    """The report as a self-contained, printable HTML page."""
    template = _ENVIRONMENT.get_template("usage_report.html")
    peak = max(
        [w["conversations"] for w in report.weeks] + [w["messages"] for w in report.weeks] + [1]
    )
    return template.render(report=report, peak=peak, percent=_percent, minutes=_minutes)


def _percent(value: float) -> str:
    return f"{value * 100:.1f} %".replace(".", ",")


def _minutes(value: float | None) -> str:
    if value is None:
        return "–"
    if value >= 120:
        return f"{value / 60:.1f} h".replace(".", ",")
    return f"{value:.0f} min"


def month_title(month: str) -> str:
    """``November 2026``."""
    names = (
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    )
    year, number = (int(part) for part in month.split("-"))
    return f"{names[number - 1]} {year}"


def day_text(value: date) -> str:
    """``01.11.2026``."""
    return value.strftime("%d.%m.%Y")
