"""Answer review and the correction lifecycle, with the four-eyes principle and audit entries.

    pending ──approve (another editor)──▶ approved ──withdraw──▶ withdrawn
       ├─────reject (another editor)───▶ rejected
       └─────withdraw (anyone allowed)─▶ withdrawn

An approved correction is a curated answer served by the bot (bot/services/curated.py). Approval
and rejection need a second person: the approver must not be the author (four-eyes
principle for content that citizens are told is "redaktionell geprüft"). Withdrawing is
allowed to every editor, because taking wrong content offline must never wait.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from bot.errors import StateConflictError
from bot.services import approval
from bot.services.curated import normalise_question
from bot.storage import crud, staff_crud
from bot.storage.models import AnswerRecord, StaffUser, utcnow
from bot.storage.staff_models import AnswerReview, Correction, CorrectionStatus, Verdict
from bot.understanding.redaction import redact


def record_verdict(
    session: Session, answer: AnswerRecord, staff: StaffUser, verdict: Verdict, note: str | None
) -> AnswerReview:
    """Mark ``answer`` correct or wrong (the newest verdict counts)."""
    clean_note = redact(note.strip()).text if note and note.strip() else None
    review = staff_crud.add_review(
        session, answer, verdict=verdict.value, reviewer=staff.username, note=clean_note
    )
    _audit(session, staff, f"review.marked_{verdict.value}", "answer", answer.id, answer.tenant)
    return review


def create(
    session: Session,
    staff: StaffUser,
    *,
    tenant: str,
    question: str,
    text: str,
    answer: AnswerRecord | None,
    doc_ids: list[str] | None,
) -> Correction:
    """A pending correction; its sources are the chosen citations of ``answer`` (default: all)."""
    citations: list[dict[str, Any]] = []
    if answer is not None:
        cited = [c for c in answer.public.get("citations", []) if not c.get("curated")]
        wanted = set(doc_ids) if doc_ids is not None else {str(c["doc_id"]) for c in cited}
        citations = [c for c in cited if str(c["doc_id"]) in wanted]
    question_redacted = redact(question.strip()).text
    correction = staff_crud.add_correction(
        session,
        Correction(
            tenant=tenant,
            answer_id=answer.id if answer else None,
            question=question_redacted,
            question_normalised=normalise_question(question_redacted),
            text=text.strip(),
            sources={"citations": citations},
            status=CorrectionStatus.PENDING,
            author=staff.username,
            created_at=utcnow(),
            changed_at=utcnow(),
        ),
    )
    _audit(
        session,
        staff,
        "correction.created",
        "correction",
        correction.id,
        tenant,
        tenant=tenant,
        answer_id=correction.answer_id,
    )
    return correction


def approve(
    session: Session,
    correction: Correction,
    staff: StaffUser,
    *,
    embedding: dict[str, Any] | None,
) -> Correction:
    """Approve a pending correction written by someone else: it becomes a curated answer."""
    _require(correction, CorrectionStatus.PENDING, "approved")
    _second_person(correction, staff, "approve")
    now = utcnow()
    correction.status = CorrectionStatus.APPROVED
    correction.approver = staff.username
    correction.approved_at = now
    correction.question_embedding = embedding
    correction.changed_at = now
    session.flush()
    _audit(
        session,
        staff,
        "correction.approved",
        "correction",
        correction.id,
        correction.tenant,
        tenant=correction.tenant,
        author=correction.author,
    )
    return correction


def reject(session: Session, correction: Correction, staff: StaffUser, reason: str) -> Correction:
    """Reject a pending correction written by someone else."""
    _require(correction, CorrectionStatus.PENDING, "rejected")
    _second_person(correction, staff, "reject")
    _close(correction, staff, CorrectionStatus.REJECTED, reason)
    session.flush()
    _audit(
        session,
        staff,
        "correction.rejected",
        "correction",
        correction.id,
        correction.tenant,
        reason=reason,
    )
    return correction


def withdraw(session: Session, correction: Correction, staff: StaffUser, reason: str) -> Correction:
    """Withdraw a pending or approved correction; the bot stops serving it at once."""
    if correction.status not in (CorrectionStatus.PENDING, CorrectionStatus.APPROVED):
        raise StateConflictError(
            f"correction {correction.id} is {correction.status}; only pending or approved "
            "corrections can be withdrawn"
        )
    was = correction.status
    _close(correction, staff, CorrectionStatus.WITHDRAWN, reason)
    session.flush()
    _audit(
        session,
        staff,
        "correction.withdrawn",
        "correction",
        correction.id,
        correction.tenant,
        reason=reason,
        was=str(was),
    )
    return correction


def _require(correction: Correction, status: CorrectionStatus, verb: str) -> None:
    what = f"correction {correction.id}"
    approval.require_status(correction.status, status, what=what, kind="corrections", verb=verb)


def _second_person(correction: Correction, staff: StaffUser, verb: str) -> None:
    what = f"correction {correction.id}"
    approval.require_second_person(
        correction.author, staff, what=what, written="written", verb=verb
    )


def _close(correction: Correction, staff: StaffUser, status: CorrectionStatus, reason: str) -> None:
    closed = approval.closing(staff, reason)
    correction.status = status
    correction.closed_by, correction.closed_at = closed.by, closed.at
    correction.close_reason = closed.reason
    correction.changed_at = closed.at


def _audit(
    session: Session,
    staff: StaffUser,
    action: str,
    target_type: str,
    target_id: int,
    owner: str,
    **details: Any,
) -> None:
    crud.audit(
        session,
        actor=staff.username,
        action=action,
        target_type=target_type,
        target_id=target_id,
        details={k: v for k, v in details.items() if v is not None},
        tenant=owner,
    )
