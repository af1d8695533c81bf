"""``govbot eval train-danger``: fit the present-danger classifier (bot/dialogue/danger.py).

Training data, generic only (no tenant-specific examples, never a holdout half):

- positives: the emergency examples of bot/dialogue/rules/emergency_examples.yaml, the
  emergencies told as statements of bot/dialogue/rules/danger_examples.yaml (ten
  languages; how they were written: danger_examples.md) and the emergencies
  (``expected_status == ["emergency"]``) of the evaluation sets given as ``--pool`` (their
  ``tune`` half only);
- negatives: the counter-examples of both files, every ordinary, urgent or social case
  of those tune halves, and the *calibration* half of every false-alarm pool
  (eval/pools.py ``case_half``).

Every message is read once by the dialogue engine (``DialogueEngine.danger_reading``:
the e5 query vector, the grammar's tense cue and content words, and the grammar's and the
net's verdicts), so training sees exactly what the engine computes at run time.

The fit is the generic message classifier's (eval/classifier_training.py: ``C`` by
stratified cross-validation on log loss, thresholds from the out-of-fold probabilities, a
model file with the embedder's name and a hash of the data). This module says which rows
count for the thresholds, and adds the danger model's own two (bot/dialogue/danger.py
``combine``, which also counts the alarms: ``alarms`` asks the product's ``combine``
whether the classifier turns a row into danger, alone or by confirming the net). Every
source's false alarms, all mechanisms together, stay within ``max_rate`` of its negatives
(1 in 1,000, issue #16; none for a source of fewer than 1,000), and each threshold takes
what the ones before it left:

- ``fire``: negatives the grammar and the net leave ordinary, whose label may be
  overruled and which lean to danger (the net judged them and found an emergency example
  nearest);
- ``fire_alone`` (at least ``fire``): the same negatives that do not lean to danger
  (beside the net's hits scored at or above ``fire``, which no ``net`` threshold spares);
- ``net`` (between ``veto`` and ``fire``): negatives the net fires on;
- ``veto``: positives the grammar grades danger (a missed emergency costs more than a
  false alarm).

Same data, same seed → the same file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from bot.dialogue.danger import (
    NEVER,
    DangerModel,
    DangerReading,
    Verdict,
    combine,
    extra_features,
)
from bot.dialogue.emergency import SHORT_STEMS, EmergencyExamples
from bot.dialogue.examples_file import read_examples
from eval import classifier_training
from eval.classifier_training import CS, FOLDS, GRID, MAX_RATE, Progress, TrainingData
from eval.pools import PoolCase, case_half, load_pool

SEED = 16  # issue #16
DEFAULT_STATEMENTS = (
    Path(__file__).resolve().parents[1] / "bot" / "dialogue" / "rules" / "danger_examples.yaml"
)

Read = Callable[[str, str], DangerReading | None]  # (message, tenant) -> reading


class DangerStatements(BaseModel):
    """The classifier's own examples file: emergencies told as statements and look-alikes
    in the same style, per language (danger_examples.md)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int
    emergencies: dict[str, list[str]] = Field(default_factory=dict)  # language -> messages
    ordinary: dict[str, list[str]] = Field(default_factory=dict)

    @classmethod
    def from_yaml(cls, path: Path = DEFAULT_STATEMENTS) -> DangerStatements:
        """Load the examples file (default: the shipped danger_examples.yaml)."""
        return read_examples(cls, path, name="the danger examples")


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


def training_cases(
    pools: Sequence[Path],
    examples: EmergencyExamples,
    statements: DangerStatements | None = None,
    *,
    tenant: str = "muenchen",
) -> list[TrainingCase]:
    """The calibration halves of ``pools`` and the examples files (docstring above); the
    ``statements`` are read as messages to ``tenant``."""
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
    if statements is not None:
        for prefix, groups, danger in (
            ("danger", statements.emergencies, True),
            ("ordinary", statements.ordinary, False),
        ):
            for language, texts in groups.items():
                cases.extend(
                    TrainingCase(
                        source="danger_examples",
                        id=f"{prefix}-{language}-{number}",
                        tenant=tenant,
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
            [_fire_candidate(r) and r.leans for r in readings], dtype=np.bool_
        ),
        veto_guarded=np.asarray([r.rule_danger for r in readings], dtype=np.bool_),
        dim=len(readings[0].vector) if readings else 0,
    )


def _fire_candidate(reading: DangerReading) -> bool:
    """A message the classifier alone could turn into danger."""
    return reading.overrulable and not reading.rule_danger and not reading.net_danger


class Thresholds(NamedTuple):
    """The danger model's thresholds as ``combine`` takes them."""

    fire: float
    veto: float
    fire_alone: float = NEVER
    net: float | None = None


def verdict(row: TrainingRow, probability: float, thresholds: Thresholds) -> Verdict:
    """The product's decision (``combine``) on a training row at these thresholds."""
    r = row.reading
    return combine(
        probability,
        rule_danger=r.rule_danger,
        net_danger=r.net_danger,
        overrulable=r.overrulable,
        leans=r.leans,
        short=r.content_words <= SHORT_STEMS,
        **thresholds._asdict(),
    )


def alarms(row: TrainingRow, probability: float, thresholds: Thresholds) -> bool:
    """Whether the classifier turns the row into danger, alone or by confirming the net's
    hit (the grammar's own alarms are no threshold's doing)."""
    return verdict(row, probability, thresholds) in ("classifier", "net")


def own_thresholds(
    rows: Sequence[TrainingRow],
    p: npt.NDArray[np.float64],
    *,
    fire: float,
    veto: float,
    max_rate: float = MAX_RATE,
) -> dict[str, float]:
    """``fire_alone`` and ``net`` from the out-of-fold probabilities ``p`` (module
    docstring): the lowest grid values at which every source's false alarms of the
    classifier (``alarms``: the product's ``combine``) stay within ``max_rate``;
    ``fire_alone`` is chosen while no net hit stands, ``net`` with ``fire_alone`` fixed."""
    negatives = [(row, float(q)) for row, q in zip(rows, p, strict=True) if not row.case.danger]
    sizes = Counter(row.case.source for row, _ in negatives)

    def lowest(floor: float, ceiling: float, thresholds: Callable[[float], Thresholds]) -> float:
        for threshold in (t for t in GRID if floor <= t <= ceiling):
            chosen = thresholds(threshold)
            count = Counter(row.case.source for row, q in negatives if alarms(row, q, chosen))
            if all(count[s] <= max_rate * n for s, n in sizes.items()):
                return threshold
        return ceiling

    fire_alone = lowest(fire, NEVER, lambda t: Thresholds(fire, veto, fire_alone=t, net=NEVER))
    net = lowest(veto, fire, lambda t: Thresholds(fire, veto, fire_alone=fire_alone, net=t))
    return {"fire_alone": fire_alone, "net": net}


def outcomes(
    rows: Sequence[TrainingRow],
    p: npt.NDArray[np.float64],
    *,
    fire: float,
    veto: float,
    fire_alone: float = NEVER,
    net: float | None = None,
) -> dict[str, float | int]:
    """Danger grades of the rows with and without the classifier: recall and false alarms."""
    figures: dict[str, float | int] = {"positives": 0, "negatives": 0}
    for key in ("before_recognised", "after_recognised", "before_false", "after_false"):
        figures[key] = 0
    thresholds = Thresholds(fire, veto, fire_alone=fire_alone, net=net)
    for row, probability in zip(rows, p, strict=True):
        r = row.reading
        before = r.rule_danger or (r.overrulable and r.net_danger)
        after = verdict(row, float(probability), thresholds) in ("rule", "net", "classifier")
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

    own: dict[str, float] = {}  # chosen once by ``extras``, which runs before ``figures``

    def extras(p: npt.NDArray[np.float64], fire: float, veto: float) -> dict[str, object]:
        own.update(own_thresholds(rows, p, fire=fire, veto=veto, max_rate=max_rate))
        return dict(own)

    def figures(p: npt.NDArray[np.float64], fire: float, veto: float) -> dict[str, float | int]:
        return outcomes(rows, p, fire=fire, veto=veto, **own)

    return classifier_training.train(
        training_data(rows),
        DangerModel,
        embedder=embedder,
        command=command,
        seed=seed,
        figures=figures,
        folds=folds,
        cs=cs,
        max_rate=max_rate,
        extras=extras,
        progress=progress,
    )
