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

The fit is the generic message classifier's (eval/classifier_training.py: ``C`` by
stratified cross-validation on log loss, thresholds from the out-of-fold probabilities, a
model file with the embedder's name and a hash of the data). This module says which rows
count for the thresholds:

- ``fire``: negatives the grammar and the net leave ordinary and whose label may be
  overruled, at most ``max_rate`` of every source's (1 in 1,000, issue #16);
- ``veto``: positives the grammar grades danger (a missed emergency costs more than a
  false alarm).

Same data, same seed → the same file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict

from bot.dialogue.danger import DangerModel, DangerReading, combine, extra_features
from bot.dialogue.emergency import SHORT_STEMS, EmergencyExamples
from eval import classifier_training
from eval.classifier_training import CS, FOLDS, MAX_RATE, Progress, TrainingData
from eval.pools import PoolCase, case_half, load_pool

SEED = 16  # issue #16

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
    read_ones = classifier_training.read_cases(cases, read, progress=progress)
    return [TrainingRow(case=case, reading=reading) for case, reading in read_ones]


def training_data(rows: Sequence[TrainingRow]) -> TrainingData:
    """The rows as the generic trainer sees them: embedding and ``EXTRA_FEATURES``, label,
    source, and the fire and veto masks (module docstring)."""
    readings = [r.reading for r in rows]
    return TrainingData(
        features=np.asarray(
            [
                [*r.vector, *extra_features(past=r.past, content_words=r.content_words)]
                for r in readings
            ],
            dtype=np.float64,
        ),
        labels=np.asarray([int(r.case.danger) for r in rows], dtype=np.int64),
        sources=[r.case.source for r in rows],
        messages=[r.case.question for r in rows],
        fire_candidates=np.asarray(
            [r.overrulable and not r.rule_danger and not r.net_danger for r in readings],
            dtype=np.bool_,
        ),
        veto_guarded=np.asarray([r.rule_danger for r in readings], dtype=np.bool_),
        dim=len(readings[0].vector) if readings else 0,
    )


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
    return classifier_training.train(
        training_data(rows),
        DangerModel,
        embedder=embedder,
        command=command,
        seed=seed,
        figures=lambda p, fire, veto: outcomes(rows, p, fire=fire, veto=veto),
        folds=folds,
        cs=cs,
        max_rate=max_rate,
        progress=progress,
    )
