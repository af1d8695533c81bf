"""Audit-Log (auditors): who did what when – logins, claims, replies, corrections, approvals,
ingests – filtered, paged, and exported as CSV (the export itself is audited).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pandas as pd
import streamlit as st

from console.context import PageContext
from console.formatting import local_time

PAGE_SIZE = 100
ACTION_GROUPS = {
    "auth": "Anmeldungen",
    "handoff": "Übergaben (Eingang, Übernahme, Antwort, Rückgabe, Abschluss)",
    "review": "Prüfungen von Antworten",
    "correction": "Korrekturen und Freigaben",
    "ingest": "Einlesen der Wissensbasis",
    "audit": "Exporte des Audit-Logs",
    "conversation": "Gesprächsbeginn",
}
EXPORT_KEY = "audit.export"


def render(ctx: PageContext) -> None:
    """The page."""
    st.title("Audit-Log")
    st.caption("Wer hat wann was getan. Einträge enthalten nur Kennungen und geschwärzte Texte.")
    filters = _filters(ctx)
    row = st.columns([1, 5])
    page = row[0].number_input("Seite", min_value=1, value=1, step=1, key="audit.page")
    result = ctx.client.audit(**filters, limit=PAGE_SIZE, offset=(int(page) - 1) * PAGE_SIZE)
    pages = max(1, -(-result.total // PAGE_SIZE))
    row[1].caption(
        f"{result.total} Einträge · Seite {int(page)} von {pages} · {PAGE_SIZE} je Seite"
    )
    if result.entries:
        st.dataframe(
            pd.DataFrame(
                {
                    "Zeit": [local_time(e.at, ctx.config.time_zone) for e in result.entries],
                    "Wer": [e.actor for e in result.entries],
                    "Aktion": [e.action for e in result.entries],
                    "Ziel": [f"{e.target_type} {e.target_id}" for e in result.entries],
                    "Details": [
                        json.dumps(e.details, ensure_ascii=False, sort_keys=True)
                        for e in result.entries
                    ],
                }
            ),
            hide_index=True,
            width="stretch",
        )
    else:
        st.info("Keine Einträge für diese Filter.", icon=":material/search:")
    _export(ctx, filters)


def _filters(ctx: PageContext) -> dict[str, Any]:
    vocabulary = ctx.client.audit_vocabulary()
    actions = [
        *(
            group
            for group in ACTION_GROUPS
            if any(a.startswith(group + ".") for a in vocabulary.actions)
        ),
        *vocabulary.actions,
    ]
    cols = st.columns(4)
    action = cols[0].selectbox(
        "Aktion",
        ["", *actions],
        format_func=lambda a: "alle" if not a else ACTION_GROUPS.get(a, a),
        key="audit.action",
    )
    actor = cols[1].selectbox(
        "Wer", ["", *vocabulary.actors], format_func=lambda a: a or "alle", key="audit.actor"
    )
    target_type = cols[2].selectbox(
        "Zieltyp",
        ["", *vocabulary.target_types],
        format_func=lambda t: t or "alle",
        key="audit.target_type",
    )
    target_id = cols[3].text_input("Ziel-Kennung", key="audit.target_id")
    today = datetime.now(UTC).date()
    period = st.date_input(
        "Zeitraum", (today - timedelta(days=30), today), format="DD.MM.YYYY", key="audit.period"
    )
    days = [d for d in (period if isinstance(period, tuple | list) else [period]) if d]
    return {
        "action": action or None,
        "actor": actor or None,
        "target_type": target_type or None,
        "target_id": target_id.strip() or None,
        "since": datetime.combine(days[0], time.min, UTC) if days else None,
        "until": datetime.combine(days[-1] + timedelta(days=1), time.min, UTC) if days else None,
    }


def _export(ctx: PageContext, filters: dict[str, Any]) -> None:
    st.markdown("#### Export")
    signature = json.dumps(filters, default=str, sort_keys=True)
    prepared = st.session_state.get(EXPORT_KEY)
    if st.button("CSV-Export erstellen", key="audit.prepare", icon=":material/receipt_long:"):
        prepared = (signature, ctx.client.audit_csv(**filters))
        st.session_state[EXPORT_KEY] = prepared
    if prepared is not None and prepared[0] == signature:
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
        st.download_button(
            "CSV herunterladen",
            prepared[1],
            file_name=f"govbot-audit-{stamp}.csv",
            mime="text/csv",
            key="audit.download",
            icon=":material/download:",
        )
    else:
        st.caption("Der Export gilt für die gewählten Filter und wird selbst protokolliert.")
