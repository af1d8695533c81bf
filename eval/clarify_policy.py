"""What the answer / clarify thresholds do: the trade-off table (issue 12 item 2).

The out-of-fold predictions of eval/calibration.py are played through the dialogue's
rule (bot/dialogue/engine.py): confidence ≥ ``answer_at`` answers with the best
candidate; else reach ≥ ``clarify_at`` offers the first ``options`` candidates as
choices if they are plausible (bot/dialogue/ranking.Ranking.plausible); else "not
found". Per tenant kind (``muenchen``: structured services, ``pages``:
the Integreat regions) and per policy:

    reached    service questions answered with the right service or given choices
               containing it
    wrong      service questions answered with a wrong service: the worst outcome
    clarify    share of all questions (service and out-of-catalogue) given choices
    not_found  share of the out-of-catalogue questions (missing topics, out of scope)
               told "not found" rather than answered or given unrelated choices

:func:`choose` picks the policy with the most reached among those within the limits on
wrong, clarify and not_found (Munich's, and the same policy's wrong pages and not_found on
the pages' out-of-catalogue questions); :func:`cross_validated` repeats that choice on all but one
fold and measures it on the fold left out, so the chosen thresholds' figures are not read
off the data they were chosen on. The thresholds are settings
(``GOVBOT_DIALOGUE__MIN_CONFIDENCE``, ``GOVBOT_DIALOGUE__CLARIFY_CONFIDENCE``).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

from pydantic import BaseModel, ConfigDict

from eval.calibration import Prediction

ANSWER_AT = (0.5, 0.55, 0.6, 0.65, 0.66, 0.67, 0.68, 0.69, 0.7, 0.75, 0.8)
CLARIFY_AT = (0.3, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7)
FOLDS = 5


class Limits(BaseModel):
    """What a chosen policy must keep (on the Munich questions)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # Wrong service answered, share of service questions: the worst outcome, at most one
    # question in twenty.
    max_wrong: float = 0.05
    # Choices, share of all questions: a citizen asked back on at most one in four.
    max_clarify: float = 0.25
    # Out-of-catalogue questions told "not found": no fewer than the 0.5 / 0.5 policy of
    # main before (0.559 on its out-of-fold predictions), so that the choices do not
    # come at the cost of unrelated services offered for a topic the city lacks.
    min_not_found: float = 0.55
    # Wrong page answered, share of the questions about information pages (Integreat):
    # no more than the policy of main before (0.054 out-of-fold on the seventh session's
    # index) plus a question in a thousand, so that more pages answered are not bought
    # with more wrong ones. Checked where the predictions have page questions.
    max_wrong_pages: float = 0.055
    # Out-of-catalogue questions to information pages (out_of_scope tune: topics the
    # Integreat region's pages do not cover) told "not found": the same floor as for
    # Munich, so that a region is not offered unrelated pages for a joke or the dog tax
    # (#12 item 5). Checked where the predictions have such questions.
    min_not_found_pages: float = 0.55


class PolicyRow(BaseModel):
    """What one policy does to the questions of one tenant kind."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    options: int
    answer_at: float
    clarify_at: float
    kind: str
    services: int
    negatives: int
    reached: float
    wrong: float
    clarify: float
    not_found: float | None


def kind_of(tenant: str) -> str:
    """``muenchen`` for the structured Munich catalogue, ``pages`` for information pages."""
    return "muenchen" if tenant == "muenchen" else "pages"


def outcome(p: Prediction, *, answer_at: float, clarify_at: float) -> str:
    """``answered``, ``clarify`` or ``not_found`` under one policy."""
    if p.confidence >= answer_at:
        return "answered"
    return "clarify" if p.reach >= clarify_at and p.plausible else "not_found"


def evaluate(
    predictions: Sequence[Prediction], *, options: int, answer_at: float, clarify_at: float
) -> list[PolicyRow]:
    """One row per tenant kind for one policy."""
    rows: list[PolicyRow] = []
    for kind in sorted({kind_of(p.tenant) for p in predictions}):
        chosen = [p for p in predictions if kind_of(p.tenant) == kind]
        services = [p for p in chosen if not p.negative]
        negatives = [p for p in chosen if p.negative]
        did = {p.id: outcome(p, answer_at=answer_at, clarify_at=clarify_at) for p in chosen}
        reached = sum(
            (did[p.id] == "answered" and p.right) or (did[p.id] == "clarify" and p.reached)
            for p in services
        )
        wrong = sum(did[p.id] == "answered" and not p.right for p in services)
        rows.append(
            PolicyRow(
                options=options,
                answer_at=answer_at,
                clarify_at=clarify_at,
                kind=kind,
                services=len(services),
                negatives=len(negatives),
                reached=_share(reached, len(services)),
                wrong=_share(wrong, len(services)),
                clarify=_share(sum(v == "clarify" for v in did.values()), len(chosen)),
                not_found=(
                    _share(sum(did[p.id] == "not_found" for p in negatives), len(negatives))
                    if negatives
                    else None
                ),
            )
        )
    return rows


def trade_off(by_options: Mapping[int, Sequence[Prediction]]) -> list[PolicyRow]:
    """Every policy of the grid (options × ANSWER_AT × CLARIFY_AT) on every tenant kind."""
    return [
        row
        for options, predictions in sorted(by_options.items())
        for answer_at, clarify_at in itertools.product(ANSWER_AT, CLARIFY_AT)
        if clarify_at <= answer_at
        for row in evaluate(
            predictions, options=options, answer_at=answer_at, clarify_at=clarify_at
        )
    ]


def choose(rows: Sequence[PolicyRow], limits: Limits, *, kind: str = "muenchen") -> PolicyRow:
    """The policy with the most reached within ``limits`` (ties: fewer wrong, then fewer
    choices); without any within them, the one with the fewest wrong answers. The limits
    are checked on ``kind``'s questions, the page limit on the same policy's page
    questions."""
    mine = [r for r in rows if r.kind == kind]
    if not mine:
        raise ValueError(f"no predictions of tenant kind {kind!r} to choose thresholds on")
    pages = {_policy(r): r for r in rows if r.kind == "pages"}
    within = [
        r
        for r in mine
        if r.wrong <= limits.max_wrong
        and r.clarify <= limits.max_clarify
        and (r.not_found is None or r.not_found >= limits.min_not_found)
        and _pages_within(pages.get(_policy(r)), limits)
    ]
    if not within:
        return min(mine, key=lambda r: (r.wrong, -r.reached))
    return max(within, key=lambda r: (r.reached, -r.wrong, -r.clarify))


def cross_validated(
    by_options: Mapping[int, Sequence[Prediction]], limits: Limits, *, kind: str = "muenchen"
) -> list[PolicyRow]:
    """For each fold: choose on the other folds, evaluate the choice on this one."""
    out: list[PolicyRow] = []
    for fold in range(FOLDS):
        train = {k: [p for p in ps if _fold(p) != fold] for k, ps in by_options.items()}
        test = {k: [p for p in ps if _fold(p) == fold] for k, ps in by_options.items()}
        chosen = choose(trade_off(train), limits, kind=kind)
        out += [
            r
            for r in evaluate(
                test[chosen.options],
                options=chosen.options,
                answer_at=chosen.answer_at,
                clarify_at=chosen.clarify_at,
            )
            if r.kind == kind
        ]
    return out


def _pages_within(row: PolicyRow | None, limits: Limits) -> bool:
    """The same policy keeps the page limits (no page questions: nothing to keep)."""
    if row is None:
        return True
    not_found_ok = row.not_found is None or row.not_found >= limits.min_not_found_pages
    return row.wrong <= limits.max_wrong_pages and not_found_ok


def _policy(row: PolicyRow) -> tuple[int, float, float]:
    return row.options, row.answer_at, row.clarify_at


def _fold(p: Prediction) -> int:
    # Stable across runs and independent of the calibration folds' grouping.
    return sum(p.id.encode("utf-8")) % FOLDS


def _share(part: int, whole: int) -> float:
    return round(part / whole, 3) if whole else 0.0
