"""``govbot eval train-danger``: fit the present-danger classifier (bot/dialogue/danger.py).

Training data, generic only (no tenant-specific examples, never a holdout half):

- positives: the emergency examples of bot/dialogue/rules/emergency_examples.yaml and the
  emergencies (``expected_status == ["emergency"]``) of the evaluation sets given as
  ``--pool`` (their ``tune`` half only);
- negatives: the examples file's counter-examples, every ordinary, urgent or social case
  of those tune halves, and the *calibration* half of every false-alarm pool
  (eval/pools.py ``case_half``).

Every message is read once by the dialogue engine (``DialogueEngine.danger_reading``:
the e5 query vector, the grammar's tense cue and content words, and the grammar's and the
net's verdicts), so training sees exactly what the engine computes at run time.

The fit: standardised features, L2 logistic regression (scikit-learn, lbfgs) with balanced
class weights; the regularisation ``C`` is chosen by stratified ``folds``-fold cross-
validation (fixed ``seed``) on log loss. The out-of-fold probabilities then choose the two
thresholds of ``combine``:

- ``fire``: the lowest grid value at which, among messages the grammar and the net leave
  ordinary and whose label may be overruled, at most ``max_rate`` of every source's
  negatives would be graded danger (1 in 1,000, issue #16; for a source of fewer than
  1,000 messages that is none);
- ``veto``: the highest grid value below which no positive the grammar grades danger
  falls, divided by ``VETO_SAFETY`` (a missed emergency costs more than a false alarm).

The final model is refitted on all rows with the chosen ``C``; the file records the
embedding model, a hash of the training messages and labels, the counts per source and the
out-of-fold figures. Same data, same seed → the same file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler

from bot.dialogue.danger import (
    EXTRA_FEATURES,
    DangerModel,
    DangerReading,
    TrainingInfo,
    combine,
    extra_features,
)
from bot.dialogue.emergency import SHORT_STEMS, EmergencyExamples
from eval.pools import PoolCase, case_half, load_pool

SEED = 16  # issue #16
FOLDS = 5
CS = (0.01, 0.03, 0.1, 0.3, 1.0)
MAX_RATE = 0.001
VETO_SAFETY = 2.0
# Thresholds tried: 0.001 … 0.099 in steps of 0.001, then 0.10 … 0.99 in steps of 0.01.
GRID: tuple[float, ...] = tuple(
    [round(i / 1000, 4) for i in range(1, 100)] + [round(i / 100, 4) for i in range(10, 100)]
)

Progress = Callable[[int, int], None]
Read = Callable[[str, str], DangerReading | None]  # (message, tenant) -> reading


class TrainingCase(BaseModel):
    """One training message with its label and where it came from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str
    id: str
    tenant: str
    question: str
    danger: bool


class TrainingRow(BaseModel):
    """A training case as the engine read it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    case: TrainingCase
    reading: DangerReading


def training_cases(pools: Sequence[Path], examples: EmergencyExamples) -> list[TrainingCase]:
    """The calibration halves of ``pools`` and the examples file (docstring above)."""
    cases: list[TrainingCase] = []
    for path in pools:
        for case in load_pool(path):
            if case_half(case) == "calibration":
                cases.append(_case(path.name, case))
    for prefix, texts, danger in (
        ("ex", examples.emergencies, True),
        ("counter", examples.not_emergencies, False),
    ):
        cases.extend(
            TrainingCase(
                source="emergency_examples",
                id=f"{prefix}-{number}",
                tenant="",
                question=text,
                danger=danger,
            )
            for number, text in enumerate(texts)
        )
    return cases


def _case(source: str, case: PoolCase) -> TrainingCase:
    return TrainingCase(
        source=source,
        id=case.id,
        tenant=case.tenant,
        question=case.question,
        danger=case.emergency,
    )


def read_rows(
    cases: Sequence[TrainingCase], read: Read, *, progress: Progress | None = None
) -> list[TrainingRow]:
    """Read every case once (``read``: the engine's ``danger_reading``); cases the engine
    cannot read (a follow-up) are left out."""
    rows: list[TrainingRow] = []
    for done, case in enumerate(cases, 1):
        reading = read(case.question, case.tenant)
        if reading is not None:
            rows.append(TrainingRow(case=case, reading=reading))
        if progress is not None:
            progress(done, len(cases))
    return rows


def features(rows: Sequence[TrainingRow]) -> npt.NDArray[np.float64]:
    """The feature matrix the model sees (embedding, then ``EXTRA_FEATURES``)."""
    return np.asarray(
        [
            [
                *r.reading.vector,
                *extra_features(past=r.reading.past, content_words=r.reading.content_words),
            ]
            for r in rows
        ],
        dtype=np.float64,
    )


def data_hash(rows: Iterable[TrainingRow]) -> str:
    """sha256 of the sorted (message, label) pairs: which data a model was trained on."""
    lines = sorted(f"{r.case.question}\t{int(r.case.danger)}" for r in rows)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def _fit(
    x: npt.NDArray[np.float64], y: npt.NDArray[np.int64], c: float
) -> tuple[StandardScaler, LogisticRegression]:
    scaler = StandardScaler().fit(x)
    model = LogisticRegression(C=c, max_iter=5000, class_weight="balanced")
    model.fit(scaler.transform(x), y)
    return scaler, model


def out_of_fold(
    x: npt.NDArray[np.float64], y: npt.NDArray[np.int64], c: float, *, seed: int, folds: int
) -> npt.NDArray[np.float64]:
    """Probabilities of every row from a model that did not see it."""
    probabilities = np.zeros(len(y))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(x, y):
        scaler, model = _fit(x[train], y[train], c)
        probabilities[test] = model.predict_proba(scaler.transform(x[test]))[:, 1]
    return probabilities


def log_loss(y: npt.NDArray[np.int64], p: npt.NDArray[np.float64]) -> float:
    """Mean log loss of probabilities ``p`` for labels ``y``."""
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def choose_fire(
    rows: Sequence[TrainingRow], p: npt.NDArray[np.float64], *, max_rate: float = MAX_RATE
) -> float:
    """The lowest grid threshold keeping every source's new false alarms within
    ``max_rate`` (docstring above)."""
    sizes: dict[str, int] = {}
    for row in rows:
        if not row.case.danger:
            sizes[row.case.source] = sizes.get(row.case.source, 0) + 1
    for threshold in GRID:
        alarms: dict[str, int] = {}
        for row, probability in zip(rows, p, strict=True):
            reading = row.reading
            fresh = reading.overrulable and not reading.rule_danger and not reading.net_danger
            if not row.case.danger and fresh and probability >= threshold:
                alarms[row.case.source] = alarms.get(row.case.source, 0) + 1
        if all(alarms.get(s, 0) <= max_rate * n for s, n in sizes.items()):
            return threshold
    return GRID[-1]


def choose_veto(rows: Sequence[TrainingRow], p: npt.NDArray[np.float64]) -> float:
    """The highest grid threshold under which no positive the grammar grades danger falls,
    divided by ``VETO_SAFETY``."""
    lowest = min(
        (float(q) for r, q in zip(rows, p, strict=True) if r.case.danger and r.reading.rule_danger),
        default=0.0,
    )
    below = [t for t in GRID if t <= lowest]
    return round(below[-1] / VETO_SAFETY, 4) if below else 0.0


def outcomes(
    rows: Sequence[TrainingRow], p: npt.NDArray[np.float64], *, fire: float, veto: float
) -> dict[str, float | int]:
    """Danger grades of the rows with and without the classifier: recall and false alarms."""
    figures: dict[str, float | int] = {"positives": 0, "negatives": 0}
    for key in ("before_recognised", "after_recognised", "before_false", "after_false"):
        figures[key] = 0
    for row, probability in zip(rows, p, strict=True):
        r = row.reading
        before = r.rule_danger or (r.overrulable and r.net_danger)
        verdict = combine(
            float(probability),
            rule_danger=r.rule_danger,
            net_danger=r.net_danger,
            overrulable=r.overrulable,
            fire=fire,
            veto=veto,
            short=r.content_words <= SHORT_STEMS,
        )
        after = verdict in ("rule", "net", "classifier")
        kind = "recognised" if row.case.danger else "false"
        figures["positives" if row.case.danger else "negatives"] += 1
        figures[f"before_{kind}"] += int(before)
        figures[f"after_{kind}"] += int(after)
    return figures


def train(
    rows: Sequence[TrainingRow],
    *,
    embedder: str,
    command: str,
    seed: int = SEED,
    folds: int = FOLDS,
    cs: Sequence[float] = CS,
    max_rate: float = MAX_RATE,
    progress: Callable[[str], None] | None = None,
) -> DangerModel:
    """Choose ``C`` and the thresholds by cross-validation and fit the model (docstring)."""
    if not rows:
        raise ValueError("no training rows; give at least one pool")
    x = features(rows)
    y = np.asarray([int(r.case.danger) for r in rows], dtype=np.int64)
    positives, negatives = int(y.sum()), int(len(y) - y.sum())
    if min(positives, negatives) < folds:
        raise ValueError(
            f"need at least {folds} positives and {folds} negatives; "
            f"got {positives} and {negatives}"
        )
    best: tuple[float, float, npt.NDArray[np.float64]] | None = None
    for c in cs:
        p = out_of_fold(x, y, c, seed=seed, folds=folds)
        loss = log_loss(y, p)
        if progress is not None:
            progress(f"C={c}: out-of-fold log loss {loss:.4f}")
        if best is None or loss < best[0]:
            best = (loss, c, p)
    assert best is not None
    loss, c, oof = best
    fire = choose_fire(rows, oof, max_rate=max_rate)
    veto = min(choose_veto(rows, oof), fire / 2)
    scaler, model = _fit(x, y, c)
    sources: dict[str, int] = {}
    for row in rows:
        sources[row.case.source] = sources.get(row.case.source, 0) + 1
    figures = outcomes(rows, oof, fire=fire, veto=veto)
    figures["log_loss"] = round(loss, 5)
    return DangerModel(
        embedder=embedder,
        dim=len(rows[0].reading.vector),
        extra_features=list(EXTRA_FEATURES),
        mean=[round(float(v), 7) for v in scaler.mean_],
        scale=[round(float(v), 7) for v in scaler.scale_],
        coef=[round(float(v), 7) for v in model.coef_[0]],
        intercept=round(float(model.intercept_[0]), 7),
        fire=fire,
        veto=veto,
        training=TrainingInfo(
            data_hash=data_hash(rows),
            positives=int(y.sum()),
            negatives=int(len(y) - y.sum()),
            sources=dict(sorted(sources.items())),
            seed=seed,
            c=c,
            folds=folds,
            command=command,
        ),
        cross_validation=figures,
    )
