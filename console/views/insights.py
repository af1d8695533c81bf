"""Insights (auditors, admins): questions per day, statuses and handoff rate over time, topics,
content gaps and feedback. Aggregates only – nothing about individual staff members.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from console import charts
from console.client import usage_report
from console.context import PageContext, api_errors
from console.formatting import language_label, local_time, percent, status_label
from govbot_client.staff import InsightsPublic

WINDOWS = {7: "7 Tage", 30: "30 Tage", 90: "90 Tage", 365: "1 Jahr"}


def render(ctx: PageContext) -> None:
    """The page."""
    st.title("Insights")
    st.caption(
        "Nur Aggregate über Gespräche und Antworten – keine Auswertungen über einzelne "
        "Mitarbeitende."
    )
    tenants = ctx.staff.own(ctx.client.health().tenants)
    cols = st.columns(2)
    tenant = cols[0].selectbox(
        "Mandant", ["", *tenants], format_func=lambda t: t or "alle", key="insights.tenant"
    )
    days = cols[1].selectbox(
        "Zeitraum", list(WINDOWS), index=1, format_func=WINDOWS.__getitem__, key="insights.days"
    )
    data = ctx.client.insights(tenant=tenant or None, days=days)
    _report(ctx, tenants)
    _totals(data)
    if not data.per_day:
        st.info("In diesem Zeitraum gab es keine Fragen.", icon=":material/inbox:")
        return
    _over_time(data)
    _languages(data)
    _topics_and_gaps(data, ctx)
    _feedback(data, ctx)


def _report(ctx: PageContext, tenants: list[str]) -> None:
    """The monthly usage report for the council, as PDF or HTML."""
    with st.expander("Monatsbericht für den Stadtrat", icon=":material/description:"):
        today = date.today()
        newest = today.year * 12 + today.month - 1  # months counted from year 0
        months = [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(newest, newest - 12, -1)]
        cols = st.columns(3)
        tenant = cols[0].selectbox("Mandant", tenants or ["muenchen"], key="insights.report.tenant")
        month = cols[1].selectbox("Monat", months, key="insights.report.month")
        fmt = cols[2].radio(
            "Format", ["pdf", "html"], horizontal=True, key="insights.report.format"
        )
        if st.button("Bericht erstellen", key="insights.report.build"):
            with api_errors():
                st.session_state["insights.report.file"] = (
                    f"govbot-nutzung-{tenant}-{month}.{fmt}",
                    usage_report(ctx.client, tenant=tenant, month=month, fmt=fmt),
                    "application/pdf" if fmt == "pdf" else "text/html",
                )
        built = st.session_state.get("insights.report.file")
        if built:
            name, content, mime = built
            st.download_button(
                f"{name} herunterladen",
                content,
                file_name=name,
                mime=mime,
                key="insights.report.download",
            )


def _totals(data: InsightsPublic) -> None:
    t = data.totals
    cols = st.columns(5)
    cols[0].metric("Fragen", t.questions)
    cols[1].metric("Gespräche", t.conversations)
    cols[2].metric("Übergaben", t.handoffs)
    cols[3].metric("Übergaberate", percent(t.handoff_rate))
    cols[4].metric("Beantwortet", percent(t.answered_rate))


def _days(data: InsightsPublic) -> list[date]:
    return charts.every_day(data.since.date(), (data.until - timedelta(microseconds=1)).date())


def _over_time(data: InsightsPublic) -> None:
    by_day = {d.day: d for d in data.per_day}
    days = _days(data)
    st.subheader("Fragen pro Tag")
    questions = pd.DataFrame(
        {
            "day": days,
            "series": "Fragen",
            "value": [by_day[d].questions if d in by_day else 0 for d in days],
        }
    )
    st.altair_chart(charts.daily_bars(questions, days=days, y_title="Fragen"), width="stretch")
    st.subheader("Status im Zeitverlauf")
    statuses = pd.DataFrame(
        [
            {"day": d.day, "series": status_label(status), "value": count}
            for d in data.per_day
            for status, count in d.statuses.items()
        ]
    )
    st.altair_chart(
        charts.daily_bars(statuses, days=days, y_title="Antworten", series_title="Status"),
        width="stretch",
    )
    st.subheader("Übergaberate im Zeitverlauf")
    st.caption("Übergaben an das Service-Team je begonnenem Gespräch und Tag")
    rates = pd.DataFrame(
        {"day": [d.day for d in data.per_day], "value": [d.handoff_rate for d in data.per_day]}
    )
    st.altair_chart(charts.daily_line(rates, y_title="Übergaberate", percent=True), width="stretch")


def _languages(data: InsightsPublic) -> None:
    """Answers per language of the citizens (issue 13 item 6): how many, and how answered."""
    st.subheader("Antworten nach Sprache")
    if not data.languages:
        st.caption("Keine.")
        return
    rows = sorted(data.languages.items(), key=lambda item: -sum(item[1].values()))
    st.dataframe(
        pd.DataFrame(
            {
                "Sprache": [
                    "unbekannt" if code == "unknown" else language_label(code) for code, _ in rows
                ],
                "Antworten": [sum(statuses.values()) for _, statuses in rows],
                "Beantwortet": [
                    percent(statuses.get("answered", 0) / sum(statuses.values()))
                    for _, statuses in rows
                ],
                "Status": [
                    ", ".join(f"{status_label(s)} {n}" for s, n in statuses.items())
                    for _, statuses in rows
                ],
            }
        ),
        hide_index=True,
        width="stretch",
    )


def _topics_and_gaps(data: InsightsPublic, ctx: PageContext) -> None:
    st.subheader("Häufigste Themen")
    if data.topics:
        topics = pd.DataFrame(
            {
                "label": [t.topic for t in data.topics],
                "value": [t.count for t in data.topics],
            }
        )
        st.altair_chart(charts.ranked_bars(topics, label="Thema", value="Fragen"), width="stretch")
    else:
        st.caption("Keine Themen erkannt.")
    st.subheader("Inhaltslücken: unbeantwortet oder unsicher")
    if not data.gaps:
        st.caption("Keine.")
        return
    st.dataframe(
        pd.DataFrame(
            {
                "Frage (geschwärzt)": [g.question for g in data.gaps],
                "Mandant": [g.tenant for g in data.gaps],
                "Anzahl": [g.count for g in data.gaps],
                "Status": [
                    ", ".join(f"{status_label(s)} {n}" for s, n in g.statuses.items())
                    for g in data.gaps
                ],
                "Ø Konfidenz": [g.mean_confidence for g in data.gaps],
                "Zuletzt": [local_time(g.last_asked, ctx.config.time_zone) for g in data.gaps],
            }
        ),
        hide_index=True,
        width="stretch",
    )


def _feedback(data: InsightsPublic, ctx: PageContext) -> None:
    feedback = data.feedback
    st.subheader("Feedback")
    cols = st.columns(2)
    cols[0].metric("Hilfreich", feedback.helpful)
    cols[1].metric("Nicht hilfreich", feedback.unhelpful)
    if feedback.per_day:
        votes = pd.DataFrame(
            [
                {"day": d.day, "series": label, "value": value}
                for d in feedback.per_day
                for value, label in ((d.helpful, "hilfreich"), (d.unhelpful, "nicht hilfreich"))
            ]
        )
        st.altair_chart(
            charts.daily_bars(votes, days=_days(data), y_title="Stimmen", series_title="Bewertung"),
            width="stretch",
        )
    comments = feedback.comments
    if comments:
        st.dataframe(
            pd.DataFrame(
                {
                    "Bewertung": [
                        "hilfreich" if c.helpful else "nicht hilfreich" for c in comments
                    ],
                    "Kommentar (geschwärzt)": [c.comment for c in comments],
                    "Antwortstatus": [status_label(c.answer_status) for c in comments],
                    "Zeit": [local_time(c.created_at, ctx.config.time_zone) for c in comments],
                }
            ),
            hide_index=True,
            width="stretch",
        )
