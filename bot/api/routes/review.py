"""Staff endpoints for answer review and corrections (curated answers with four-eyes approval).

Everyone sees and acts on the answers and corrections of their own tenants only; another
tenant's id answers 404 (issue 14, item 10). Reading: editors and auditors. Verdicts
(correct / wrong), writing, approving, rejecting and withdrawing corrections: editors (and
admins). Auditors read only: whoever audits the review should not also take part in it
(issue 14, finding 8).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from bot.api.deps import AnswerReaderDep, Limit, Offset, SessionDep, require_role
from bot.api.schemas import answer_log_entry, error_responses
from bot.api.staff_schemas import (
    CorrectionBrief,
    CorrectionClose,
    CorrectionCreate,
    CorrectionPublic,
    ReviewedAnswer,
    ReviewPublic,
    VerdictCreate,
    correction_public,
    review_public,
)
from bot.api.validation import RecordId, UtcTime
from bot.services import corrections
from bot.services.curated import question_embedding
from bot.storage import crud, staff_crud
from bot.storage.models import StaffRole, StaffUser
from bot.storage.staff_models import Correction, CorrectionStatus, Verdict
from bot.storage.tenancy import not_yours, scope_of
from knowledge.errors import InvalidQueryError, UnknownTenantError

router = APIRouter(prefix="/api/v1/staff/review", tags=["review"])

ERRORS = error_responses(401, 403, 404, 409, 422)
EditorDep = Annotated[StaffUser, Depends(require_role(StaffRole.EDITOR))]


@router.get("/answers", responses=ERRORS)
def list_answers(
    session: SessionDep,
    staff: AnswerReaderDep,
    status: str | None = None,
    tenant: str | None = None,
    since: UtcTime = None,
    until: UtcTime = None,
    feedback: Literal["helpful", "unhelpful", "any", "none"] | None = None,
    min_confidence: Annotated[float | None, Query(ge=0, le=1)] = None,
    max_confidence: Annotated[float | None, Query(ge=0, le=1)] = None,
    review: Literal["unreviewed", "correct", "wrong"] | None = None,
    language: Annotated[
        str | None, Query(pattern="^[a-z]{2}$", description="the answer's language, e.g. uk")
    ] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[ReviewedAnswer]:
    """The answer log, newest first, with verdicts and corrections of each answer."""
    filters = crud.AnswerFilter(
        status=status,
        tenant=tenant,
        since=since,
        until=until,
        feedback=feedback,
        min_confidence=min_confidence,
        max_confidence=max_confidence,
        language=language,
        scope=scope_of(staff),
    )
    rows = staff_crud.query_review_answers(
        session, filters, review=review, limit=limit, offset=offset
    )
    ids = [record.id for record, _ in rows]
    reviews = staff_crud.reviews_for(session, ids)
    written = staff_crud.corrections_for(session, ids)
    return [
        ReviewedAnswer(
            **answer_log_entry(record, votes).model_dump(),
            verdict=reviews[record.id][-1].verdict if reviews[record.id] else None,
            reviews=[review_public(r) for r in reviews[record.id]],
            corrections=[
                CorrectionBrief(id=c.id, status=c.status, author=c.author)
                for c in written[record.id]
            ],
        )
        for record, votes in rows
    ]


@router.post("/answers/{answer_id}/verdict", status_code=201, responses=ERRORS)
def mark_answer(
    answer_id: RecordId, body: VerdictCreate, session: SessionDep, staff: EditorDep
) -> ReviewPublic:
    """Mark an answer correct or wrong (the newest verdict counts); auditors read only."""
    answer = staff_crud.get_answer(session, answer_id, scope=scope_of(staff))
    review = corrections.record_verdict(session, answer, staff, Verdict(body.verdict), body.note)
    session.commit()
    return review_public(review)


@router.get("/corrections", responses=ERRORS)
def list_corrections(
    session: SessionDep,
    staff: AnswerReaderDep,
    status: CorrectionStatus | None = None,
    tenant: str | None = None,
    limit: Limit = 200,
    offset: Offset = 0,
) -> list[CorrectionPublic]:
    """Corrections, newest first (``approved`` ones are served as curated answers)."""
    found = staff_crud.list_corrections(
        session, status=status, tenant=tenant, scope=scope_of(staff), limit=limit, offset=offset
    )
    return [correction_public(c) for c in found]


@router.get("/corrections/{correction_id}", responses=ERRORS)
def get_correction(
    correction_id: RecordId, session: SessionDep, staff: AnswerReaderDep
) -> CorrectionPublic:
    """One correction."""
    return correction_public(
        staff_crud.get_correction(session, correction_id, scope=scope_of(staff))
    )


@router.post("/corrections", status_code=201, responses=ERRORS)
def create_correction(
    body: CorrectionCreate, request: Request, session: SessionDep, staff: EditorDep
) -> CorrectionPublic:
    """Write a correction (pending until another editor approves it)."""
    scope = scope_of(staff)
    answer = staff_crud.get_answer(session, body.answer_id, scope=scope) if body.answer_id else None
    tenant = answer.tenant if answer is not None else body.tenant
    if tenant is None:
        raise InvalidQueryError("a correction needs answer_id or tenant; send one of them")
    if answer is not None and body.tenant and body.tenant != answer.tenant:
        raise InvalidQueryError(
            f"tenant {body.tenant!r} differs from answer {answer.id}'s tenant {answer.tenant!r}"
        )
    if not staff.can_see(tenant):
        raise UnknownTenantError(not_yours(tenant, staff))
    request.app.state.conversations.check_tenant(tenant)
    correction = corrections.create(
        session,
        staff,
        tenant=tenant,
        question=body.question,
        text=body.text,
        answer=answer,
        doc_ids=body.doc_ids,
    )
    session.commit()
    return correction_public(correction)


@router.post("/corrections/{correction_id}/approve", responses=ERRORS)
def approve_correction(
    correction_id: RecordId, request: Request, session: SessionDep, staff: EditorDep
) -> CorrectionPublic:
    """Approve another editor's correction (four-eyes): the bot serves it from now on."""
    correction = staff_crud.get_correction(session, correction_id, lock=True, scope=scope_of(staff))
    embedding = None
    if correction.status == CorrectionStatus.PENDING and correction.author != staff.username:
        embedding = question_embedding(request.app.state.retriever, correction.question)
    corrections.approve(session, correction, staff, embedding=embedding)
    session.commit()
    return correction_public(correction)


# corrections.reject and corrections.withdraw: (session, correction, staff, reason) -> correction
CorrectionCloser = Callable[[Session, Correction, StaffUser, str], Correction]


def _closing_endpoint(close: CorrectionCloser, doc: str) -> Callable[..., CorrectionPublic]:
    """The endpoint that closes a correction with ``close`` (reject or withdraw), in the
    shape of the documents routes' (bot/api/routes/documents.py)."""

    def close_correction(
        correction_id: RecordId, body: CorrectionClose, session: SessionDep, staff: EditorDep
    ) -> CorrectionPublic:
        correction = staff_crud.get_correction(
            session, correction_id, lock=True, scope=scope_of(staff)
        )
        close(session, correction, staff, body.reason)
        session.commit()
        return correction_public(correction)

    close_correction.__doc__ = doc
    return close_correction


router.post("/corrections/{correction_id}/reject", name="reject_correction", responses=ERRORS)(
    _closing_endpoint(corrections.reject, "Reject another editor's pending correction.")
)
router.post("/corrections/{correction_id}/withdraw", name="withdraw_correction", responses=ERRORS)(
    _closing_endpoint(
        corrections.withdraw,
        "Withdraw a pending or approved correction; the bot stops serving it at once.",
    )
)
