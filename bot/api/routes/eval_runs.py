"""Staff endpoints for stored evaluation runs (auditor role): list, detail, case results.

The KI-Hub's console charts metrics over runs and drills into single cases. A run's
figures are about the evaluation set (written for testing, no citizen's data), so every
auditor sees every run; its case results are those of the auditor's tenants only
(issue 14, item 10). Runs are
written by ``govbot eval run`` (eval/); this router only reads them.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from bot.api.deps import AuditorDep, Limit, Offset, SessionDep
from bot.api.schemas import error_responses
from bot.api.validation import RecordId
from bot.storage.eval_models import (
    EvalCaseResult,
    EvalRun,
    get_eval_run,
    list_eval_case_results,
    list_eval_runs,
)
from bot.storage.tenancy import scope_of
from govbot_client.staff import EvalCasePublic, EvalRunDetail, EvalRunSummary

router = APIRouter(prefix="/api/v1/staff/eval", tags=["evaluation"])

ERRORS = error_responses(401, 403, 404, 422)


def _summary(run: EvalRun) -> EvalRunSummary:
    return EvalRunSummary.model_validate(run)


def _case(row: EvalCaseResult) -> EvalCasePublic:
    return EvalCasePublic(
        case_id=row.case_id,
        position=row.position,
        tenant=row.tenant,
        kind=row.kind,
        topic=row.topic,
        language=row.language,
        status=row.status,
        status_ok=row.status_ok,
        source_ok=row.source_ok,
        facts_ok=row.facts_ok,
        grounded=row.grounded,
        latency_ms=row.latency_ms,
        question=row.question_redacted,
        answer=row.answer_redacted,
        result=row.result,
    )


@router.get("/runs", responses=ERRORS)
def list_runs(
    session: SessionDep,
    staff: AuditorDep,
    set_name: Annotated[str | None, Query(alias="set")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[EvalRunSummary]:
    """Evaluation runs, newest first (``set`` filters by set name)."""
    return [
        _summary(run)
        for run in list_eval_runs(session, set_name=set_name, limit=limit, offset=offset)
    ]


@router.get("/runs/{run_id}", responses=ERRORS)
def get_run(run_id: RecordId, session: SessionDep, staff: AuditorDep) -> EvalRunDetail:
    """One run with everything needed to reproduce it and its metric breakdowns."""
    return EvalRunDetail.model_validate(get_eval_run(session, run_id))


@router.get("/runs/{run_id}/cases", responses=ERRORS)
def list_cases(
    run_id: RecordId,
    session: SessionDep,
    staff: AuditorDep,
    status: str | None = None,
    kind: str | None = None,
    tenant: str | None = None,
    failed: bool = False,
    limit: Limit = 500,
    offset: Offset = 0,
) -> list[EvalCasePublic]:
    """The run's case results in set order; ``failed=true`` keeps cases with a failed check."""
    rows = list_eval_case_results(
        session,
        run_id,
        status=status,
        kind=kind,
        tenant=tenant,
        scope=scope_of(staff),
        failed_only=failed,
        limit=limit,
        offset=offset,
    )
    return [_case(row) for row in rows]
