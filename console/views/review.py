"""Antworten prüfen (editors, auditors): the answer log, verdicts, corrections, four-eyes approval.

Auditors and editors filter answers and mark them correct or wrong. Editors write
corrections; a correction is served to citizens as a curated answer ("Redaktionell
geprüfte Antwort") only after a *second* editor approved it, and can be withdrawn.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pandas as pd
import streamlit as st

from console.context import PageContext
from console.formatting import (
    CORRECTION_STATUS_LABELS,
    STATUS_LABELS,
    VERDICT_LABELS,
    day,
    escape_markdown,
    local_time,
    source_link,
    status_label,
)
from govbot_client.staff import CorrectionPublic, ReviewedAnswer

FEEDBACK = {
    "": "alle",
    "unhelpful": "nicht hilfreich",
    "helpful": "hilfreich",
    "any": "mit Feedback",
    "none": "ohne Feedback",
}
REVIEW = {"": "alle", "unreviewed": "ungeprüft", "wrong": "falsch", "correct": "korrekt"}
CORRECTION_FILTERS = {"pending": "Wartet auf Freigabe", "approved": "Freigegeben", "": "Alle"}
FOUR_EYES = (
    "Vier-Augen-Prinzip: Eine Korrektur wird erst ausgespielt, wenn eine zweite Person aus "
    "der Redaktion sie freigibt."
)


def render(ctx: PageContext) -> None:
    """The page."""
    st.title("Antworten prüfen")
    answers_tab, corrections_tab = st.tabs(["Antworten", "Korrekturen"])
    with answers_tab:
        _answers(ctx)
    with corrections_tab:
        _corrections(ctx)


# --- answers --------------------------------------------------------------------------


def _filters(ctx: PageContext) -> dict[str, Any]:
    tenants = ctx.staff.own(ctx.client.health().tenants)
    cols = st.columns(4)
    status = cols[0].selectbox(
        "Status",
        ["", *STATUS_LABELS],
        format_func=lambda s: STATUS_LABELS.get(s, "alle"),
        key="review.status",
    )
    feedback = cols[1].selectbox(
        "Feedback", list(FEEDBACK), format_func=FEEDBACK.__getitem__, key="review.feedback"
    )
    review = cols[2].selectbox(
        "Prüfung", list(REVIEW), format_func=REVIEW.__getitem__, key="review.review"
    )
    tenant = cols[3].selectbox(
        "Mandant", ["", *tenants], format_func=lambda t: t or "alle", key="review.tenant"
    )
    lower = st.columns(2)
    low, high = lower[0].slider(
        "Konfidenz", 0.0, 1.0, (0.0, 1.0), step=0.05, key="review.confidence"
    )
    today = datetime.now(UTC).date()
    period = lower[1].date_input(
        "Zeitraum", (today - timedelta(days=30), today), format="DD.MM.YYYY", key="review.period"
    )
    since, until = _period(period)
    return {
        "status": status or None,
        "feedback": feedback or None,
        "review": review or None,
        "tenant": tenant or None,
        "min_confidence": low if low > 0 else None,
        "max_confidence": high if high < 1 else None,
        "since": since,
        "until": until,
        "limit": 200,
    }


def _period(value: Any) -> tuple[datetime | None, datetime | None]:
    days = [d for d in (value if isinstance(value, tuple | list) else [value]) if d]
    if not days:
        return None, None
    start: date = days[0]
    end: date = days[-1]
    return (
        datetime.combine(start, time.min, UTC),
        datetime.combine(end + timedelta(days=1), time.min, UTC),
    )


def _answers(ctx: PageContext) -> None:
    answers = ctx.client.review_answers(**_filters(ctx))
    if not answers:
        st.info("Keine Antworten für diese Filter.", icon=":material/search:")
        return
    st.caption(f"{len(answers)} Antworten (höchstens 200, neueste zuerst)")
    st.dataframe(_table(answers, ctx), hide_index=True, width="stretch")
    by_id = {a.id: a for a in answers}
    picked = st.selectbox(
        "Antwort ansehen",
        [None, *by_id],
        format_func=lambda i: "– keine –" if i is None else _label(by_id[i]),
        key="review.pick",
    )
    if picked is not None and picked in by_id:
        _answer_detail(ctx, by_id[picked])


def _label(answer: ReviewedAnswer) -> str:
    question = answer.question if len(answer.question) <= 70 else answer.question[:69] + "…"
    return f"#{answer.id} · {status_label(answer.status)} · {question}"


def _table(answers: list[ReviewedAnswer], ctx: PageContext) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Nr.": [a.id for a in answers],
            "Zeit": [local_time(a.created_at, ctx.config.time_zone) for a in answers],
            "Mandant": [a.tenant for a in answers],
            "Sprache": [a.language or "–" for a in answers],
            "Status": [status_label(a.status) for a in answers],
            "Konfidenz": [round(a.confidence, 2) for a in answers],
            "Frage": [a.question for a in answers],
            "Feedback ✓/✗": [_votes(a) for a in answers],
            "Prüfung": [VERDICT_LABELS.get(a.verdict, a.verdict) for a in answers],
            "Korrekturen": [len(a.corrections) for a in answers],
        }
    )


def _votes(answer: ReviewedAnswer) -> str:
    up = sum(v.helpful for v in answer.feedback)
    down = len(answer.feedback) - up
    return f"✓ {up} · ✗ {down}" if answer.feedback else "–"


def _answer_detail(ctx: PageContext, answer: ReviewedAnswer) -> None:
    st.subheader(f"Antwort #{answer.id}")
    left, right = st.columns(2)
    with left:
        st.markdown("**Frage** (geschwärzt)")
        st.text(answer.question)
        st.markdown(
            f"**Antwort** · {status_label(answer.status)} · Konfidenz {answer.confidence:.2f}"
        )
        st.text(answer.text)
    with right:
        st.markdown("**Quellen**")
        for c in answer.citations:
            label = source_link(c.title, c.url)
            marker = " · redaktionell geprüft" if c.curated else ""
            st.markdown(
                f"- {label} – {escape_markdown(c.section or '–')} · Stand {day(c.updated)}{marker}"
            )
        if not answer.citations:
            st.caption("keine")
        st.markdown("**Feedback**")
        for v in answer.feedback:
            st.text(f"• {'hilfreich' if v.helpful else 'nicht hilfreich'}: {v.comment or '–'}")
        if not answer.feedback:
            st.caption("keines")
        st.markdown("**Prüfungen**")
        for r in answer.reviews:
            when = local_time(r.created_at, ctx.config.time_zone)
            st.text(f"• {VERDICT_LABELS.get(r.verdict)} ({r.reviewer}, {when}) {r.note or ''}")
        if not answer.reviews:
            st.caption("noch keine")
    with st.expander("Nachvollziehbarkeit (Trace, Index, Modell)"):
        st.caption(f"Index {answer.index_version or '–'} · Embedder {answer.embedder or '–'}")
        trace = answer.trace
        llm = f" · LLM: {trace.llm.outcome}" if trace.llm else ""
        st.caption(
            escape_markdown(f"Einordnung {trace.policy_label} · Antwortart {trace.mode}{llm}")
        )
        st.json(answer.trace.model_dump(mode="json"), expanded=False)
    if ctx.can_edit:  # auditors read only (issue 14, finding 8)
        _verdict(ctx, answer)
        _correction_form(ctx, answer)


def _verdict(ctx: PageContext, answer: ReviewedAnswer) -> None:
    note = st.text_input("Anmerkung zur Prüfung (optional)", key=f"review.note.{answer.id}")
    cols = st.columns([1, 1, 4])
    if cols[0].button("Korrekt", key=f"review.correct.{answer.id}", icon=":material/thumb_up:"):
        ctx.client.mark(answer.id, "correct", note)
        st.toast(f"Antwort #{answer.id} als korrekt markiert.")
        st.rerun()
    if cols[1].button("Falsch", key=f"review.wrong.{answer.id}", icon=":material/thumb_down:"):
        ctx.client.mark(answer.id, "wrong", note)
        st.toast(f"Antwort #{answer.id} als falsch markiert.")
        st.rerun()


def _correction_form(ctx: PageContext, answer: ReviewedAnswer) -> None:
    st.markdown("#### Korrektur schreiben")
    st.caption(FOUR_EYES)
    sources = [c.doc_id for c in answer.citations if not c.curated]
    titles = {c.doc_id: c.title for c in answer.citations}
    with st.form(f"review.correction_form.{answer.id}"):
        question = st.text_input("Frage", value=answer.question, key=f"review.cq.{answer.id}")
        text = st.text_area(
            "Richtige Antwort", value=answer.text, height=180, key=f"review.ct.{answer.id}"
        )
        kept = st.multiselect(
            "Quellen, die zitiert werden",
            sources,
            default=sources,
            format_func=lambda d: f"{titles.get(d, d)} ({d})",
            key=f"review.cs.{answer.id}",
        )
        submitted = st.form_submit_button("Korrektur einreichen", type="primary")
    if submitted:
        correction = ctx.client.create_correction(
            question=question, text=text, answer_id=answer.id, doc_ids=kept
        )
        st.success(f"Korrektur #{correction.id} eingereicht; sie wartet auf Freigabe.")


# --- corrections ----------------------------------------------------------------------


def _corrections(ctx: PageContext) -> None:
    st.caption(FOUR_EYES)
    status = st.radio(
        "Anzeigen",
        list(CORRECTION_FILTERS),
        format_func=CORRECTION_FILTERS.__getitem__,
        horizontal=True,
        key="review.correction_filter",
    )
    found = ctx.client.corrections(status=status or None)
    if not found:
        st.info("Keine Korrekturen in dieser Ansicht.", icon=":material/edit_note:")
    for correction in found:
        _correction(ctx, correction)


def _correction(ctx: PageContext, c: CorrectionPublic) -> None:
    zone = ctx.config.time_zone
    with st.container(border=True):
        st.markdown(
            f"**Korrektur #{c.id}** · {c.tenant} · "
            f"{CORRECTION_STATUS_LABELS.get(c.status, c.status)}"
        )
        st.markdown("**Frage:**")
        st.text(c.question)
        st.text(c.text)
        if c.citations:
            st.caption("Quellen: " + ", ".join(f"{x.title} ({x.doc_id})" for x in c.citations))
        who = f"verfasst von {c.author}, {local_time(c.created_at, zone)}"
        if c.approver:
            who += f" · freigegeben von {c.approver}, {local_time(c.approved_at, zone)}"
        if c.closed_by:
            who += f" · {c.status} von {c.closed_by}: {c.close_reason or ''}"
        st.caption(who)
        if ctx.can_edit and c.status in ("pending", "approved"):
            _correction_actions(ctx, c)


def _correction_actions(ctx: PageContext, c: CorrectionPublic) -> None:
    own = c.author == ctx.staff.username
    reason = st.text_input("Begründung (für Ablehnen/Zurückziehen)", key=f"review.reason.{c.id}")
    cols = st.columns([1, 1, 1, 3])
    if c.status == "pending" and own:
        cols[3].caption("Ihre eigene Korrektur: Freigabe durch eine zweite Person nötig.")
    if c.status == "pending" and not own:
        if cols[0].button(
            "Freigeben", key=f"review.approve.{c.id}", type="primary", icon=":material/fact_check:"
        ):
            ctx.client.approve(c.id)
            st.toast(f"Korrektur #{c.id} freigegeben – der Assistent spielt sie jetzt aus.")
            st.rerun()
        rejected = cols[1].button("Ablehnen", key=f"review.reject.{c.id}", icon=":material/close:")
        if rejected and _has_reason(reason):
            ctx.client.reject(c.id, reason.strip())
            st.rerun()
    withdrawn = cols[2].button(
        "Zurückziehen", key=f"review.withdraw.{c.id}", icon=":material/undo:"
    )
    if withdrawn and _has_reason(reason):
        ctx.client.withdraw(c.id, reason.strip())
        st.toast(f"Korrektur #{c.id} zurückgezogen.")
        st.rerun()


def _has_reason(reason: str) -> bool:
    if len(reason.strip()) < 3:
        st.warning("Bitte eine Begründung angeben (mindestens 3 Zeichen).")
        return False
    return True
