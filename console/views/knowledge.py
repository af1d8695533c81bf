"""Wissensbasis (editors): sources and services per tenant with their Stand, stale content,
content gaps, ingest runs with their counts, and re-running a source's ingest.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from console.context import PageContext, api_errors
from console.formatting import JOB_STATUS_LABELS, day, local_time, status_label
from govbot_client.staff import IngestJobPublic, KnowledgeOverview


def render(ctx: PageContext) -> None:
    """The page."""
    st.title("Wissensbasis")
    overview = ctx.client.knowledge()
    if not overview.available:
        st.warning(
            "Es ist noch kein Index geladen. Quelle unten neu einlesen oder `govbot ingest` "
            "ausführen.",
            icon=":material/inbox:",
        )
    else:
        st.caption(
            f"Index {overview.index_version} · Embedder {overview.embedder} · erstellt "
            f"{local_time(overview.index_created, ctx.config.time_zone)} · als veraltet gilt ein "
            f"Stand älter als {overview.stale_after_days} Tage oder ein überschrittenes "
            "„Gültig bis“"
        )
    services_tab, gaps_tab, ingest_tab = st.tabs(
        ["Leistungen und Stand", "Inhaltslücken", "Quellen und Einlesen"]
    )
    with services_tab:
        _services(ctx, overview)
    with gaps_tab:
        _gaps(ctx, [t.tenant for t in overview.tenants])
    with ingest_tab:
        _ingest(ctx)


def _services(ctx: PageContext, overview: KnowledgeOverview) -> None:
    if not overview.tenants:
        st.info("Keine Leistungen im Index.")
        return
    tenant = st.selectbox("Mandant", [t.tenant for t in overview.tenants], key="knowledge.tenant")
    info = next(t for t in overview.tenants if t.tenant == tenant)
    cols = st.columns(3)
    cols[0].metric("Leistungen", info.services)
    cols[1].metric(f"Veraltet (> {overview.stale_after_days} Tage)", info.stale)
    cols[2].metric("Ohne Stand-Datum", info.without_date)
    st.dataframe(
        pd.DataFrame(
            {
                "Quelle": [s.source for s in info.sources],
                "Leistungen": [s.services for s in info.sources],
                "Veraltet": [s.stale for s in info.sources],
                "Ältester Stand": [day(s.oldest) for s in info.sources],
                "Neuester Stand": [day(s.newest) for s in info.sources],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    row = st.columns([1, 2])
    only_stale = row[0].checkbox("Nur veraltete", key="knowledge.only_stale")
    query = row[1].text_input("Suche im Titel", key="knowledge.query")
    rows = ctx.client.services(
        tenant=tenant, stale=True if only_stale else None, q=query.strip() or None, limit=2000
    )
    st.caption(f"{len(rows)} Leistungen, der älteste Stand zuerst")
    st.dataframe(
        pd.DataFrame(
            {
                "Leistung": [r.title for r in rows],
                "Quelle": [r.source for r in rows],
                "Stand": [day(r.updated) for r in rows],
                "Alter (Tage)": [r.age_days for r in rows],
                "Veraltet": ["ja" if r.stale else "nein" for r in rows],
                "Gültig bis": [day(r.valid_until) for r in rows],
                "Abgelaufen": ["ja" if r.expired else "" for r in rows],
                "Dokument": [r.doc_id for r in rows],
                "Link": [r.url for r in rows],
            }
        ),
        hide_index=True,
        width="stretch",
        column_config={"Link": st.column_config.LinkColumn("Link", display_text="öffnen")},
    )


def _gaps(ctx: PageContext, tenants: list[str]) -> None:
    st.caption(
        "Fragen, die der Assistent nicht oder nur unsicher beantworten konnte – gruppiert nach "
        "Wortlaut (geschwärzt). Hier fehlen Inhalte oder Formulierungen."
    )
    cols = st.columns(2)
    tenant = cols[0].selectbox(
        "Mandant", ["", *tenants], format_func=lambda t: t or "alle", key="knowledge.gap_tenant"
    )
    days = cols[1].selectbox("Zeitraum (Tage)", [7, 30, 90, 365], index=1, key="knowledge.days")
    gaps = ctx.client.gaps(tenant=tenant or None, days=days)
    if not gaps:
        st.success(
            "Keine unbeantworteten Fragen in diesem Zeitraum.", icon=":material/celebration:"
        )
        return
    st.dataframe(
        pd.DataFrame(
            {
                "Frage": [g.question for g in gaps],
                "Anzahl": [g.count for g in gaps],
                "Status": [
                    ", ".join(f"{status_label(s)} {n}" for s, n in g.statuses.items()) for g in gaps
                ],
                "Thema": [g.topic or "–" for g in gaps],
                "Ø Konfidenz": [g.mean_confidence for g in gaps],
                "Zuletzt": [local_time(g.last_asked, ctx.config.time_zone) for g in gaps],
            }
        ),
        hide_index=True,
        width="stretch",
    )


def _ingest(ctx: PageContext) -> None:
    sources = ctx.client.sources()
    st.markdown("#### Quellen")
    if not sources:
        st.info("Keine Quellen konfiguriert (GOVBOT_KNOWLEDGE_ADMIN__SOURCES).")
    for source in sources:
        with st.container(border=True):
            cols = st.columns([4, 1])
            cols[0].markdown(f"**{source.tenant} / {source.name}** – {source.description}")
            cols[0].caption("govbot ingest " + " ".join(source.args))
            if source.last_job is not None:
                cols[0].caption("Letzter Lauf aus der Konsole: " + _job_line(source.last_job, ctx))
            running = source.last_job is not None and source.last_job.status == "running"
            if cols[1].button(
                "Neu einlesen",
                key=f"knowledge.rerun.{source.tenant}.{source.name}",
                disabled=running or not ctx.can_edit,
                icon=":material/sync:",
            ):
                job = ctx.client.rerun(source.tenant, source.name)
                st.toast(f"Einlesen gestartet (Auftrag {job.id}).")
                st.rerun()
    every = timedelta(seconds=ctx.config.refresh_seconds)
    st.fragment(_runs, run_every=every)(ctx)


def _job_line(job: IngestJobPublic, ctx: PageContext) -> str:
    line = (
        f"Auftrag {job.id} · {JOB_STATUS_LABELS.get(job.status, job.status)} · gestartet von "
        f"{job.started_by} {local_time(job.started_at, ctx.config.time_zone)}"
    )
    if job.report:
        line += (
            f" · neu {job.report.get('added', 0)}, geändert {job.report.get('updated', 0)}, "
            f"gelöscht {job.report.get('deleted', 0)}, unverändert {job.report.get('unchanged', 0)}"
        )
    if job.error:
        line += f" · Fehler: {job.error.splitlines()[-1]}"
    return line


def _runs(ctx: PageContext) -> None:
    with api_errors():
        jobs = ctx.client.jobs()
        st.markdown("#### Aufträge aus der Konsole")
        if jobs:
            st.dataframe(
                pd.DataFrame(
                    {
                        "Auftrag": [j.id for j in jobs],
                        "Quelle": [f"{j.tenant}/{j.source}" for j in jobs],
                        "Status": [JOB_STATUS_LABELS.get(j.status, j.status) for j in jobs],
                        "Gestartet": [local_time(j.started_at, ctx.config.time_zone) for j in jobs],
                        "Fertig": [local_time(j.finished_at, ctx.config.time_zone) for j in jobs],
                        "Exit-Code": [j.exit_code for j in jobs],
                        "Meldung": [j.error.splitlines()[-1] if j.error else "" for j in jobs],
                    }
                ),
                hide_index=True,
                width="stretch",
            )
        else:
            st.caption("Noch keine.")
        runs = ctx.client.sync_runs()
        st.markdown("#### Einlese-Läufe (alle, mit Zählern)")
        if not runs:
            st.caption("Noch keine abgeschlossenen Läufe.")
            return
        st.dataframe(
            pd.DataFrame(
                {
                    "Fertig": [local_time(r.finished, ctx.config.time_zone) for r in runs],
                    "Mandant": [r.tenant for r in runs],
                    "Quelle": [r.source for r in runs],
                    "Neu": [r.added for r in runs],
                    "Geändert": [r.updated for r in runs],
                    "Gelöscht": [r.deleted for r in runs],
                    "Unverändert": [r.unchanged for r in runs],
                    "Passagen eingebettet": [r.passages_embedded for r in runs],
                    "Passagen gesamt": [r.passages_total for r in runs],
                    "Dauer (s)": [round(r.duration_s, 1) for r in runs],
                    "Index-Version": [r.index_version for r in runs],
                }
            ),
            hide_index=True,
            width="stretch",
        )
