"""Charts of the Insights and Evaluation pages (Altair, German date axes).

Streamlit's shortcut charts label time axes in English ("Mon 23", "01 PM"); these use
day.month formats and German titles, and every day of a window gets a bar (zero too), so
a quiet day is visible as such.
"""

from __future__ import annotations

from datetime import date, timedelta

import altair as alt
import pandas as pd

DAY_FORMAT = "%d.%m."
TIME_FORMAT = "%d.%m.%Y %H:%M"


def every_day(first: date, last: date) -> list[date]:
    """The calendar days from ``first`` to ``last`` inclusive."""
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def daily_bars(
    frame: pd.DataFrame, *, days: list[date], y_title: str, series_title: str = ""
) -> alt.Chart:
    """Stacked bars per day from a long frame with columns ``day``, ``series``, ``value``;
    every day in ``days`` gets a slot (ordinal axis), so quiet days show as gaps."""
    first = str(frame["series"].iloc[0]) if len(frame) else y_title
    zeros = pd.DataFrame({"day": days, "series": first, "value": 0})
    data = pd.concat([zeros, frame], ignore_index=True)
    data["day"] = pd.to_datetime(data["day"])
    encoding = {
        "x": alt.X(
            "yearmonthdate(day):O",
            title="Tag",
            axis=alt.Axis(format=DAY_FORMAT, labelAngle=-45, labelOverlap="greedy"),
        ),
        "y": alt.Y("sum(value):Q", title=y_title),
        "tooltip": [
            alt.Tooltip("yearmonthdate(day):T", title="Tag", format="%d.%m.%Y"),
            alt.Tooltip("series:N", title=series_title or "Reihe"),
            alt.Tooltip("sum(value):Q", title=y_title),
        ],
    }
    if len(frame) and frame["series"].nunique() > 1:
        encoding["color"] = alt.Color("series:N", title=series_title or None)
    chart: alt.Chart = alt.Chart(data).mark_bar().encode(**encoding).properties(height=260)
    return chart


def daily_line(frame: pd.DataFrame, *, y_title: str, percent: bool = False) -> alt.Chart:
    """A line with points per day from columns ``day`` and ``value`` (gaps stay gaps)."""
    y_axis = alt.Axis(format=".0%") if percent else alt.Axis()
    chart: alt.Chart = (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X("day:T", title="Tag", axis=alt.Axis(format=DAY_FORMAT, labelAngle=0)),
            y=alt.Y("value:Q", title=y_title, axis=y_axis),
            tooltip=[
                alt.Tooltip("day:T", title="Tag", format="%d.%m.%Y"),
                alt.Tooltip("value:Q", title=y_title, format=".1%" if percent else ".2f"),
            ],
        )
        .properties(height=220)
    )
    return chart


def ranked_bars(frame: pd.DataFrame, *, label: str, value: str) -> alt.Chart:
    """Horizontal bars, the largest on top, from columns ``label`` and ``value``."""
    chart: alt.Chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("label:N", title=label, sort="-x"),
            x=alt.X("value:Q", title=value),
            tooltip=[alt.Tooltip("label:N", title=label), alt.Tooltip("value:Q", title=value)],
        )
        .properties(height=max(120, 24 * len(frame)))
    )
    return chart


def run_history(frame: pd.DataFrame) -> alt.Chart:
    """Metrics over evaluation runs: columns ``started``, ``run``, ``metric``, ``value``."""
    chart: alt.Chart = (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X("started:T", title="Lauf (Startzeit)", axis=alt.Axis(format=TIME_FORMAT)),
            y=alt.Y("value:Q", title="Wert"),
            color=alt.Color("metric:N", title="Metrik"),
            tooltip=[
                alt.Tooltip("run:N", title="Lauf"),
                alt.Tooltip("started:T", title="Start", format=TIME_FORMAT),
                alt.Tooltip("metric:N", title="Metrik"),
                alt.Tooltip("value:Q", title="Wert"),
            ],
        )
        .properties(height=300)
    )
    return chart
