"""Comparing two runs: per-metric deltas and the cases whose outcome changed."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from eval.metrics import DIRECTIONS
from eval.records import RunRecord
from eval.scoring import CaseResult

CHECKS = ("status_ok", "source_ok", "facts_ok", "answer_line_ok", "grounded")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MetricDelta(_Frozen):
    """One metric in two runs; ``worse`` by more than the tolerance given to compare."""

    name: str
    a: float | int | None
    b: float | int | None
    delta: float | None
    direction: int  # +1 higher is better, -1 lower is better, 0 informational
    worse: bool = False
    better: bool = False


class CaseChange(_Frozen):
    """A case whose status, cited sources or checks differ between the runs."""

    case_id: str
    kind: str
    status_a: str | None
    status_b: str | None
    fixed: list[str]  # checks that failed in A and pass in B
    broken: list[str]  # checks that passed in A and fail in B
    cited_a: list[str]
    cited_b: list[str]


class Comparison(_Frozen):
    """Run A (before) against run B (after)."""

    run_a: int | None
    run_b: int | None
    same_set: bool
    warnings: list[str]
    deltas: list[MetricDelta]
    changed: list[CaseChange]


def compare_runs(a: RunRecord, b: RunRecord, *, tolerance: float = 0.0) -> Comparison:
    """Deltas of every metric present in either run and every changed case."""
    warnings: list[str] = []
    same_set = a.info.set_name == b.info.set_name and a.info.set_sha256 == b.info.set_sha256
    if not same_set:
        warnings.append(
            f"runs use different sets ({a.info.set_name}@{a.info.set_sha256[:12]} vs "
            f"{b.info.set_name}@{b.info.set_sha256[:12]}): metrics are not directly comparable"
        )
    if a.info.index_version != b.info.index_version:
        warnings.append(f"index versions differ: {a.info.index_version} vs {b.info.index_version}")
    names = list(dict.fromkeys([*a.metrics, *b.metrics]))
    deltas = [_delta(name, a.metrics.get(name), b.metrics.get(name), tolerance) for name in names]
    return Comparison(
        run_a=a.info.id,
        run_b=b.info.id,
        same_set=same_set,
        warnings=warnings,
        deltas=deltas,
        changed=changed_cases(a, b),
    )


def changed_cases(a: RunRecord, b: RunRecord) -> list[CaseChange]:
    """Cases (in B's order, then A-only ones) whose outcome differs."""
    in_a = {case.case_id: case for case in a.cases}
    in_b = {case.case_id: case for case in b.cases}
    changes: list[CaseChange] = []
    for case_id in list(dict.fromkeys([*in_b, *in_a])):
        change = _case_change(in_a.get(case_id), in_b.get(case_id))
        if change is not None:
            changes.append(change)
    return changes


def _delta(
    name: str, a: float | int | None, b: float | int | None, tolerance: float
) -> MetricDelta:
    direction = DIRECTIONS.get(name, 0)
    if a is None or b is None:
        return MetricDelta(name=name, a=a, b=b, delta=None, direction=direction)
    delta = round(float(b) - float(a), 6)
    signed = delta * direction
    return MetricDelta(
        name=name,
        a=a,
        b=b,
        delta=delta,
        direction=direction,
        worse=direction != 0 and signed < -tolerance,
        better=direction != 0 and signed > tolerance,
    )


def _case_change(a: CaseResult | None, b: CaseResult | None) -> CaseChange | None:
    fixed: list[str] = []
    broken: list[str] = []
    for check in CHECKS:
        before = getattr(a, check) if a is not None else None
        after = getattr(b, check) if b is not None else None
        if before is False and after is True:
            fixed.append(check)
        elif before is True and after is False:
            broken.append(check)
    cited_a = a.cited_ids if a is not None else []
    cited_b = b.cited_ids if b is not None else []
    status_a = a.status if a is not None else None
    status_b = b.status if b is not None else None
    if not fixed and not broken and status_a == status_b and cited_a == cited_b:
        return None
    reference = b if b is not None else a
    assert reference is not None  # at least one side exists
    return CaseChange(
        case_id=reference.case_id,
        kind=reference.kind,
        status_a=status_a,
        status_b=status_b,
        fixed=fixed,
        broken=broken,
        cited_a=cited_a,
        cited_b=cited_b,
    )
