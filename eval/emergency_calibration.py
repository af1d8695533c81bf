"""``govbot eval calibrate-emergency``: choose the semantic emergency check's threshold and
margin on the calibration halves of the pools, report them on the held-out halves (#16).

Every message of every pool (eval/pools.py; evaluation sets can be pools too, their
emergencies give the recall) is read once by the dialogue engine (``emergency_scores``:
the rules' decision and, where the semantic check applies, its similarity to the nearest
emergency example and to the nearest counter-example, the tenant's service titles
included). Then every point of a threshold × margin grid is judged without embedding
again: a message is graded danger if a rule says so or the check's similarities pass the
point. The chosen point is the one with the best recall on the calibration halves among
those whose false-alarm rate is at most ``max_rate`` on the calibration half of *every*
pool (ties: the higher threshold, then the higher margin); its held-out figures are the
honest ones. A set's own ``tune``/``holdout`` split is kept (eval/pools.case_half), so a
holdout case never calibrates.

A new tenant needs nothing here: the check's counter-examples are its own service titles,
so the same examples and threshold apply (test: tests/eval/test_emergency_calibration.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pydantic import BaseModel, ConfigDict

from bot.dialogue.emergency import EmergencyMatch, is_emergency
from bot.dialogue.policy import PolicyDecision, PolicyLabel
from eval.pools import Half, PoolCase, case_half

THRESHOLDS = (0.84, 0.845, 0.85, 0.855, 0.86, 0.865, 0.87, 0.875, 0.88)
MARGINS = (0.0, 0.005, 0.01, 0.015, 0.02, 0.03)
MAX_RATE = 0.001  # issue #16: at most 1 false emergency in 1,000 ordinary messages

Scores = Callable[[str, str], tuple[PolicyDecision, EmergencyMatch | None]]
Progress = Callable[[int, int], None]


class Scored(BaseModel):
    """One pool message as the engine read it, independent of the threshold."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    pool: str
    id: str
    half: Half
    emergency: bool  # an emergency case (of an evaluation set), not an ordinary message
    by_rule: bool  # the rules already grade it danger
    similarity: float | None = None  # None: the semantic check does not apply
    other: float | None = None

    def danger(self, threshold: float, margin: float) -> bool:
        """Graded danger at this point of the grid."""
        if self.by_rule:
            return True
        if self.similarity is None or self.other is None:
            return False
        return is_emergency(self.similarity, self.other, threshold=threshold, margin=margin)


class Count(BaseModel):
    """How many of ``n`` messages were graded danger."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    hits: int
    n: int

    @property
    def rate(self) -> float:
        """``hits / n`` (0 for an empty half)."""
        return self.hits / self.n if self.n else 0.0


class Point(BaseModel):
    """One threshold and margin with its false alarms per pool half and its recall."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    threshold: float
    margin: float
    false_alarms: dict[str, dict[Half, Count]]  # pool → half → ordinary graded danger
    recall: dict[Half, Count]  # emergencies graded danger, all pools together

    def within(self, max_rate: float) -> bool:
        """Whether every pool's calibration half stays at or below ``max_rate``."""
        return all(h["calibration"].rate <= max_rate for h in self.false_alarms.values())


class Calibration(BaseModel):
    """Every grid point, the chosen one and the limit it was chosen under."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_rate: float
    points: list[Point]
    chosen: Point | None  # None: no point keeps every calibration half under the limit


def score_pool(
    name: str, cases: Sequence[PoolCase], scores: Scores, *, progress: Progress | None = None
) -> list[Scored]:
    """Read every message of one pool once (``scores`` is the engine's emergency_scores)."""
    scored: list[Scored] = []
    for done, case in enumerate(cases, 1):
        decision, match = scores(case.question, case.tenant)
        scored.append(
            Scored(
                pool=name,
                id=case.id,
                half=case_half(case),
                emergency=case.emergency,
                by_rule=decision.label is PolicyLabel.EMERGENCY,
                similarity=match.similarity if match else None,
                other=match.other_similarity if match else None,
            )
        )
        if progress is not None:
            progress(done, len(cases))
    return scored


def _point(scored: Sequence[Scored], threshold: float, margin: float) -> Point:
    alarms: dict[str, dict[Half, Count]] = {}
    recall: dict[Half, list[int]] = {"calibration": [0, 0], "heldout": [0, 0]}
    counts: dict[str, dict[Half, list[int]]] = {}
    for item in scored:
        hit = int(item.danger(threshold, margin))
        if item.emergency:
            recall[item.half][0] += hit
            recall[item.half][1] += 1
            continue
        pool = counts.setdefault(item.pool, {"calibration": [0, 0], "heldout": [0, 0]})
        pool[item.half][0] += hit
        pool[item.half][1] += 1
    for pool_name, halves in counts.items():
        alarms[pool_name] = {h: Count(hits=v[0], n=v[1]) for h, v in halves.items()}
    return Point(
        threshold=threshold,
        margin=margin,
        false_alarms=alarms,
        recall={h: Count(hits=v[0], n=v[1]) for h, v in recall.items()},
    )


def calibrate(
    scored: Sequence[Scored],
    *,
    thresholds: Sequence[float] = THRESHOLDS,
    margins: Sequence[float] = MARGINS,
    max_rate: float = MAX_RATE,
) -> Calibration:
    """Judge every grid point and choose one (rule: module docstring)."""
    if not 0 <= max_rate < 1:
        raise ValueError(f"max_rate must lie in [0, 1). Currently, max_rate is {max_rate}")
    points = [_point(scored, t, m) for t in thresholds for m in margins]
    allowed = [p for p in points if p.within(max_rate)]
    chosen = max(
        allowed,
        key=lambda p: (p.recall["calibration"].hits, p.threshold, p.margin),
        default=None,
    )
    return Calibration(max_rate=max_rate, points=points, chosen=chosen)
