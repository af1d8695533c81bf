"""Handoff-Eingang (agents): escalated conversations, transcript, claim, reply, hand back, close.

The inbox and the open transcript refresh themselves (``st.fragment(run_every=…)``), so a
new escalation or a citizen's new message shows up without reloading; the reply form sits
outside the refreshing parts, so typing is never interrupted.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from console.context import PageContext, api_errors
from console.formatting import (
    HANDOFF_STATUS_LABELS,
    ROLE_SPEAKERS,
    day,
    duration,
    escape_markdown,
    language_label,
    local_time,
    source_link,
    status_label,
)
from govbot_client.citizen import CitationPublic
from govbot_client.staff import HandoffDetail, HandoffSummary

FILTERS = {
    "active": "Aktiv (offen und übernommen)",
    "open": "Offen",
    "claimed": "Übernommen",
    "closed": "Abgeschlossen",
}
OUTCOMES = (
    "Auskunft erteilt",
    "Termin vereinbart",
    "An Fachstelle weitergeleitet",
    "Rückruf vereinbart",
    "Kein weiterer Bedarf",
    "Kein Anliegen / Spam",
)
AVATARS = {
    "citizen": ":material/person:",
    "bot": ":material/smart_toy:",
    "agent": ":material/support_agent:",
    "system": ":material/info:",
}
PICK = "handoffs.pick"  # the selected handoff id (widget key)
SHOWN = "handoffs.shown"  # the id whose detail the page shows
LABELS = "handoffs.labels"  # id → label, fixed once seen
CLEAR = "handoffs.clear"  # set by actions that end the case: deselect on the next run


def render(ctx: PageContext) -> None:
    """The page."""
    st.title("Handoff-Eingang")
    st.caption(
        f"Vom Assistenten oder von Bürger:innen eskalierte Gespräche, die am längsten wartenden "
        f"zuerst. Aktualisiert sich alle {ctx.config.refresh_seconds} s."
    )
    choice = st.radio(
        "Anzeigen",
        list(FILTERS),
        format_func=FILTERS.__getitem__,
        horizontal=True,
        key="handoffs.filter",
    )
    # After close/hand-back, or when the choice came back as text (a label Streamlit no
    # longer finds among the options), start with no case open.
    if st.session_state.pop(CLEAR, False) or not isinstance(st.session_state.get(PICK), int):
        st.session_state[PICK] = None
    selected = st.session_state.get(PICK)
    st.session_state[SHOWN] = selected
    every = timedelta(seconds=ctx.config.refresh_seconds)
    st.fragment(_inbox, run_every=every)(ctx, choice)
    if selected is not None:
        st.divider()
        _detail(ctx, int(selected), every)


def _inbox(ctx: PageContext, choice: str) -> None:
    with api_errors():
        status = None if choice == "active" else choice
        items = ctx.client.handoffs(status=status)
        if choice == "active":
            items = [h for h in items if h.status != "closed"]
        if not items:
            st.info("Keine Vorgänge in dieser Ansicht.", icon=":material/inbox:")
        else:
            st.dataframe(_table(items, ctx), hide_index=True, width="stretch")
        # Streamlit keeps a selectbox's choice by its label, so a case keeps its label for
        # the whole session, even when its status changes or the filter hides it.
        labels: dict[int, str] = st.session_state.setdefault(LABELS, {})
        for h in items:
            labels.setdefault(h.id, _label(h))
        shown = st.session_state.get(SHOWN)
        ids: list[int | None] = [None, *(h.id for h in items)]
        if shown is not None and shown not in ids:
            ids.append(shown)  # keep the open one selectable while the filter hides it
        picked = st.selectbox(
            "Vorgang öffnen",
            ids,
            format_func=lambda i: "– keiner –" if i is None else labels.get(i, f"Vorgang {i}"),
            key=PICK,
        )
        if isinstance(picked, int | None) and picked != shown:
            st.rerun()  # inside the fragment only the list reran: redraw the whole page


def _label(h: HandoffSummary) -> str:
    return f"{h.reference} · {h.topic or 'ohne Thema'} · {h.tenant}"


def _table(items: list[HandoffSummary], ctx: PageContext) -> pd.DataFrame:
    zone = ctx.config.time_zone
    return pd.DataFrame(
        {
            "Vorgang": [h.reference for h in items],
            "Thema": [h.topic or "–" for h in items],
            "Mandant": [h.tenant for h in items],
            "Wartezeit": [duration(h.waiting_seconds) for h in items],
            "Eingang": [local_time(h.created_at, zone) for h in items],
            "Auslöser": ["Bürger:in" if h.source == "citizen" else "Assistent" for h in items],
            "Status": [HANDOFF_STATUS_LABELS.get(h.status, h.status) for h in items],
            "Bearbeitung": [h.assigned_to or "–" for h in items],
        }
    )


def _detail(ctx: PageContext, handoff_id: int, every: timedelta) -> None:
    detail = ctx.client.handoff(handoff_id)
    st.subheader(f"Vorgang {detail.reference}")
    cols = st.columns(4)
    cols[0].metric("Status", HANDOFF_STATUS_LABELS.get(detail.status, detail.status))
    cols[1].metric("Wartezeit", duration(detail.waiting_seconds))
    cols[2].metric("Thema", detail.topic or "–")
    cols[3].metric("Bearbeitung", detail.assigned_to or "–")
    if detail.reason:
        st.markdown("**Anlass** (Text der Bürger:in)")
        st.text(detail.reason)
    st.caption(f"Zugesagte Antwortzeit gegenüber Bürger:in: {detail.expected_response}")
    st.markdown(
        f"**Sprache der Bürger:in:** {language_label(detail.language)} – "
        "die Nachrichten stehen unten im Original."
    )
    left, right = st.columns([3, 2])
    with left:
        st.markdown("#### Gesprächsverlauf")
        st.fragment(_transcript, run_every=every)(ctx, handoff_id)
    with right:
        _sources(detail)
    _actions(ctx, detail)


def _transcript(ctx: PageContext, handoff_id: int) -> None:
    with api_errors():
        detail = ctx.client.handoff(handoff_id)
        cited = {a.message_id: a for a in ctx.client.handoff_answers(handoff_id)}
        if any(line.redacted for line in detail.transcript):
            st.caption("Personenbezogene Daten sind geschwärzt, bis Sie den Vorgang übernehmen.")
        with st.container(height=420):
            for line in detail.transcript:
                with st.chat_message(line.role, avatar=AVATARS.get(line.role)):
                    when = local_time(line.created_at, ctx.config.time_zone)
                    extra = f" · {status_label(line.answer_status)}" if line.answer_status else ""
                    if line.language and line.role == "citizen":
                        extra += f" · Sprache: {language_label(line.language)}"
                    st.caption(f"{ROLE_SPEAKERS.get(line.role, line.role)} · {when}{extra}")
                    st.text(line.text)
                    if line.searched:
                        st.caption("Gesucht hat der Assistent nach:")
                        st.text(line.searched)
                    answer = cited.get(line.id)
                    if answer is not None and answer.citations:
                        st.caption("Quellen: " + " · ".join(_citation(c) for c in answer.citations))


def _citation(c: CitationPublic) -> str:
    title = source_link(c.title, c.url)
    stand = f", Stand {day(c.updated)}" if c.updated else ""
    return f"{title}{' (redaktionell geprüft)' if c.curated else ''}{stand}"


def _sources(detail: HandoffDetail) -> None:
    st.markdown("#### Quellen des Assistenten")
    if not detail.candidate_sources:
        st.caption("Der Assistent hat keine Quellen zitiert oder gefunden.")
        return
    for source in detail.candidate_sources:
        link = source_link(source.title or source.doc_id, source.url)
        st.markdown(f"- {link}  \n  `{escape_markdown(source.doc_id)}`")


def _actions(ctx: PageContext, detail: HandoffDetail) -> None:
    st.markdown("#### Bearbeiten")
    mine = detail.assigned_to == ctx.staff.username or ctx.staff.role == "admin"
    if detail.status == "closed":
        st.success(f"Abgeschlossen: {detail.outcome or '–'}", icon=":material/fact_check:")
        return
    if detail.status == "open":
        if st.button(
            "Übernehmen", type="primary", key="handoffs.claim", icon=":material/front_hand:"
        ):
            ctx.client.claim(detail.id)
            st.toast(f"{detail.reference} übernommen – der Assistent schweigt jetzt.")
            st.rerun()
        st.caption("Nach der Übernahme sehen Sie den Originaltext und können antworten.")
    elif not mine:
        st.info(f"In Bearbeitung von {detail.assigned_to}.", icon=":material/person:")
        return
    else:
        _reply_form(ctx, detail)
        if st.button(
            "An den Assistenten zurückgeben", key="handoffs.release", icon=":material/smart_toy:"
        ):
            ctx.client.release(detail.id)
            st.session_state[CLEAR] = True
            st.toast(f"{detail.reference} an den Assistenten zurückgegeben.")
            st.rerun()
    _close_form(ctx, detail)


def _reply_form(ctx: PageContext, detail: HandoffDetail) -> None:
    with st.form("handoffs.reply_form", clear_on_submit=True):
        text = st.text_area(
            f"Antwort an Bürger:in (Sprache der Bürger:in: {language_label(detail.language)})",
            key="handoffs.reply",
            height=120,
            max_chars=8000,
        )
        sent = st.form_submit_button("Senden", type="primary", icon=":material/send:")
    if sent:
        if not text.strip():
            st.warning("Bitte eine Antwort eingeben.")
            return
        ctx.client.reply(detail.id, text.strip())
        st.toast("Antwort gesendet – sie erscheint im Chat der Bürger:in.")
        st.rerun()


def _close_form(ctx: PageContext, detail: HandoffDetail) -> None:
    with st.expander("Vorgang abschließen", expanded=False):
        with st.form("handoffs.close_form"):
            outcome = st.selectbox("Ergebnis", OUTCOMES, key="handoffs.outcome")
            note = st.text_input("Anmerkung (optional)", key="handoffs.note", max_chars=300)
            done = st.form_submit_button("Abschließen", icon=":material/task_alt:")
        if done:
            text = f"{outcome}: {note.strip()}" if note.strip() else outcome
            ctx.client.close_handoff(detail.id, text)
            st.session_state[CLEAR] = True
            st.toast(f"{detail.reference} abgeschlossen.")
            st.rerun()
