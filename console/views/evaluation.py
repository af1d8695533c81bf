"""Evaluation (auditors): runs with metrics over time, per-case drill-down, comparison of two
runs, and the run's report as a download. Runs are recorded by ``govbot eval run``.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from console import charts, eval_report
from console.context import PageContext
from console.formatting import local_time
from govbot_client.staff import EvalCasePublic, EvalRunDetail, EvalRunSummary


def render(ctx: PageContext) -> None:
    """The page."""
    st.title("Evaluation")
    runs = ctx.client.eval_runs()
    if not runs:
        st.info(
            "Noch keine Evaluationsläufe gespeichert. Ein Lauf entsteht mit "
            "`govbot eval run <set>`.",
            icon=":material/science:",
        )
        return
    sets = sorted({r.set_name for r in runs})
    set_name = st.selectbox("Evaluationsset", sets, key="eval.set")
    chosen = sorted((r for r in runs if r.set_name == set_name), key=lambda r: r.started_at)
    history, detail, compare = st.tabs(["Verlauf", "Lauf im Detail", "Vergleich"])
    with history:
        _history(ctx, chosen)
    with detail:
        _detail(ctx, chosen)
    with compare:
        _compare(ctx, chosen)


def _run_label(run: EvalRunSummary, zone: str) -> str:
    label = f" „{run.label}“" if run.label else ""
    return f"#{run.id}{label} · {local_time(run.started_at, zone)} · {run.status}"


def _history(ctx: PageContext, runs: list[EvalRunSummary]) -> None:
    zone = ctx.config.time_zone
    present = sorted({name for r in runs for name in r.metrics})
    default = [m for m in eval_report.HEADLINE[:6] if m in present] or present[:3]
    chosen = st.multiselect("Metriken", present, default=default, key="eval.metrics")
    if chosen:
        frame = pd.DataFrame(
            [
                {
                    "started": r.started_at.astimezone(ZoneInfo(zone)).replace(tzinfo=None),
                    "run": f"#{r.id} {r.label or ''}".strip(),
                    "metric": name,
                    "value": r.metrics.get(name),
                }
                for r in runs
                for name in chosen
            ]
        )
        st.altair_chart(charts.run_history(frame), width="stretch")
    headline = [m for m in eval_report.HEADLINE if m in present]
    st.dataframe(
        pd.DataFrame(
            {
                "Lauf": [r.id for r in runs],
                "Label": [r.label or "–" for r in runs],
                "Gestartet": [local_time(r.started_at, zone) for r in runs],
                "Status": [r.status for r in runs],
                "Fälle": [r.case_count for r in runs],
                "Commit": [(r.git_commit or "–")[:10] for r in runs],
                "Index": [r.index_version or "–" for r in runs],
                **{m: [r.metrics.get(m) for r in runs] for m in headline},
            }
        ).iloc[::-1],
        hide_index=True,
        width="stretch",
    )


def _detail(ctx: PageContext, runs: list[EvalRunSummary]) -> None:
    zone = ctx.config.time_zone
    by_id = {r.id: r for r in runs}
    run_id = st.selectbox(
        "Lauf",
        list(reversed(by_id)),
        format_func=lambda i: _run_label(by_id[i], zone),
        key="eval.run",
    )
    run = ctx.client.eval_run(run_id)
    cases = ctx.client.eval_cases(run_id)
    failed = [c for c in cases if not c.passed]
    cols = st.columns(4)
    cols[0].metric("Fälle", len(cases))
    cols[1].metric("Fehlgeschlagen", len(failed))
    cols[2].metric("Status korrekt", _value(run.metrics.get("status_accuracy")))
    cols[3].metric("Quelle zitiert", _value(run.metrics.get("source_cited")))
    st.caption(
        f"Set {run.set_name} {run.set_version} · Commit {run.git_commit or '–'} · Index "
        f"{run.index_version or '–'} · Embedder {run.embedder or '–'}"
    )
    _downloads(ctx, run_id, run, cases)
    with st.expander("Alle Metriken, Konfusionsmatrix, Einstellungen"):
        st.dataframe(
            pd.DataFrame({"Metrik": list(run.metrics), "Wert": list(run.metrics.values())}),
            hide_index=True,
        )
        confusion = run.details.get("confusion")
        if isinstance(confusion, dict) and confusion:
            st.markdown("**Konfusionsmatrix** (Zeile: erwartet, Spalte: erhalten)")
            st.dataframe(pd.DataFrame(confusion).T.fillna(0).astype(int))
        by_language = run.details.get("slices", {}).get("language")
        if isinstance(by_language, dict) and by_language:
            st.markdown("**Nach Sprache der Frage** (issue 13)")
            st.dataframe(eval_report.language_frame(by_language), hide_index=True)
        st.json(run.settings, expanded=False)
    only_failed = st.checkbox("Nur fehlgeschlagene Fälle", value=True, key="eval.only_failed")
    shown = failed if only_failed else cases
    st.dataframe(eval_report.cases_frame(shown), hide_index=True, width="stretch")
    by_case = {c.case_id: c for c in shown}
    case_id = st.selectbox(
        "Fall ansehen", [None, *by_case], format_func=lambda i: i or "– keiner –", key="eval.case"
    )
    if case_id is not None and case_id in by_case:
        case = by_case[case_id]
        st.markdown("**Frage:**")
        st.text(case.question)
        st.text(case.answer)
        st.json(case.result, expanded=True)


def _downloads(
    ctx: PageContext, run_id: int, run: EvalRunDetail, cases: list[EvalCasePublic]
) -> None:
    report = ctx.client.eval_report(run_id) or eval_report.run_html(run, cases)
    cols = st.columns(3)
    cols[0].download_button(
        "Bericht (HTML)",
        report,
        file_name=f"govbot-eval-{run_id}.html",
        mime="text/html",
        key="eval.download_html",
        icon=":material/description:",
    )
    cols[1].download_button(
        "Daten (JSON)",
        eval_report.run_json(run, cases),
        file_name=f"govbot-eval-{run_id}.json",
        mime="application/json",
        key="eval.download_json",
    )
    cols[2].download_button(
        "Fälle (CSV)",
        eval_report.cases_csv(cases),
        file_name=f"govbot-eval-{run_id}-cases.csv",
        mime="text/csv",
        key="eval.download_csv",
    )


def _compare(ctx: PageContext, runs: list[EvalRunSummary]) -> None:
    if len(runs) < 2:
        st.info("Für einen Vergleich braucht es mindestens zwei Läufe dieses Sets.")
        return
    zone = ctx.config.time_zone
    by_id = {r.id: r for r in runs}
    ids = list(reversed(by_id))
    cols = st.columns(2)
    a_id = cols[0].selectbox(
        "Lauf A (vorher)",
        ids,
        index=1,
        format_func=lambda i: _run_label(by_id[i], zone),
        key="eval.a",
    )
    b_id = cols[1].selectbox(
        "Lauf B (nachher)", ids, format_func=lambda i: _run_label(by_id[i], zone), key="eval.b"
    )
    st.dataframe(
        eval_report.compare_frame(by_id[a_id], by_id[b_id]), hide_index=True, width="stretch"
    )
    changed = eval_report.changed_cases(ctx.client.eval_cases(a_id), ctx.client.eval_cases(b_id))
    st.markdown(f"**Fälle mit geändertem Ergebnis:** {len(changed)}")
    if len(changed):
        st.dataframe(changed, hide_index=True, width="stretch")


def _value(value: float | int | None) -> str:
    return "–" if value is None else f"{value:.3f}".replace(".", ",")
