"""Fitting a message classifier (bot/dialogue/message_classifier.py): the training half shared
by every instance (the present-danger classifier: eval/danger_training.py).

An instance reads its training messages with the dialogue engine and hands them over as
``TrainingData``: one feature row per message (the e5 query vector, then the instance's
extra features), its label, the source it came from, and two masks that say how the
grammar saw it:

- ``fire_candidates``: negatives the classifier alone could turn positive (the grammar
  and whatever else decides left them negative, and the instance lets the classifier
  fire there);
- ``veto_guarded``: positives the grammar already recognises, which the veto must never
  overrule.

The fit: standardised features, L2 logistic regression (scikit-learn, lbfgs) with balanced
class weights; the regularisation ``C`` is chosen by stratified ``folds``-fold cross-
validation (fixed ``seed``) on log loss. The out-of-fold probabilities then choose the two
thresholds:

- ``fire``: the lowest grid value at which, among the fire candidates, at most
  ``max_rate`` of every source's negatives would be turned positive (for a source of fewer
  than 1/``max_rate`` messages that is none); 1.0 (never) where no grid value does;
- ``veto``: the highest grid value below which no guarded positive falls, divided by
  ``veto_safety``, and at most half of ``fire``.

The final model is refitted on all rows with the chosen ``C``; the file records the
embedding model, a hash of the training messages and labels, the counts per source and the
instance's out-of-fold figures. Same data, same seed → the same file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

import numpy as np
import numpy.typing as npt
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler

from bot.dialogue.message_classifier import ClassifierModel, TrainingInfo

FOLDS = 5
CS = (0.01, 0.03, 0.1, 0.3, 1.0)
MAX_RATE = 0.001
VETO_SAFETY = 2.0
# Thresholds tried: 0.001 … 0.099 in steps of 0.001, 0.10 … 0.99 in steps of 0.01, then
# 0.991 … 0.999 in steps of 0.001 (a classifier whose negatives score that high); where
# none keeps the false alarms within bounds, ``NEVER``: the classifier never fires.
GRID: tuple[float, ...] = tuple(
    [round(i / 1000, 4) for i in range(1, 100)]
    + [round(i / 100, 4) for i in range(10, 100)]
    + [round(i / 1000, 4) for i in range(991, 1000)]
)
NEVER = 1.0

M = TypeVar("M", bound=ClassifierModel)
Progress = Callable[[int, int], None]


class Message(Protocol):
    """A training case as the reader needs it."""

    @property
    def question(self) -> str: ...

    @property
    def tenant(self) -> str: ...


C = TypeVar("C", bound=Message)
R = TypeVar("R")
Figures = Callable[[npt.NDArray[np.float64], float, float], dict[str, float | int]]
# Fields of an instance's model beyond the generic ones, from the out-of-fold
# probabilities and the two thresholds (e.g. per-language thresholds).
Extras = Callable[[npt.NDArray[np.float64], float, float], dict[str, object]]


@dataclass(frozen=True)
class TrainingData:
    """The rows a classifier is fitted on (module docstring); all sequences in row order."""

    features: npt.NDArray[np.float64]  # embedding, then the instance's extra features
    labels: npt.NDArray[np.int64]  # 1 = positive
    sources: Sequence[str]
    messages: Sequence[str]
    fire_candidates: npt.NDArray[np.bool_]
    veto_guarded: npt.NDArray[np.bool_]
    dim: int  # width of the embedding part of ``features``


def read_cases(
    cases: Sequence[C], read: Callable[[str, str], R | None], *, progress: Progress | None = None
) -> list[tuple[C, R]]:
    """Read every case once with ``read`` (message, tenant) -> reading, e.g. the engine's
    ``danger_reading``; cases the engine cannot read (a follow-up) are left out."""
    read_ones: list[tuple[C, R]] = []
    for done, case in enumerate(cases, 1):
        reading = read(case.question, case.tenant)
        if reading is not None:
            read_ones.append((case, reading))
        if progress is not None:
            progress(done, len(cases))
    return read_ones


def data_hash(messages: Iterable[str], labels: Iterable[int]) -> str:
    """sha256 of the sorted (message, label) pairs: which data a model was trained on."""
    lines = sorted(f"{m}\t{int(y)}" for m, y in zip(messages, labels, strict=True))
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
    data: TrainingData,
    p: npt.NDArray[np.float64],
    *,
    max_rate: float = MAX_RATE,
    rows: npt.NDArray[np.bool_] | None = None,
) -> float:
    """The lowest grid threshold keeping every source's new false alarms within
    ``max_rate`` (module docstring); ``rows``: only these rows count (e.g. one language)."""
    chosen = np.ones(len(data.labels), dtype=np.bool_) if rows is None else rows
    sizes: dict[str, int] = {}
    for source, label, counted in zip(data.sources, data.labels, chosen, strict=True):
        if not label and counted:
            sizes[source] = sizes.get(source, 0) + 1
    for threshold in GRID:
        alarms: dict[str, int] = {}
        for source, label, fresh, counted, probability in zip(
            data.sources, data.labels, data.fire_candidates, chosen, p, strict=True
        ):
            if not label and fresh and counted and probability >= threshold:
                alarms[source] = alarms.get(source, 0) + 1
        if all(alarms.get(s, 0) <= max_rate * n for s, n in sizes.items()):
            return threshold
    return NEVER


def choose_veto(
    data: TrainingData, p: npt.NDArray[np.float64], *, safety: float = VETO_SAFETY
) -> float:
    """The highest grid threshold under which no guarded positive falls, divided by
    ``safety``."""
    lowest = min(
        (
            float(q)
            for label, guarded, q in zip(data.labels, data.veto_guarded, p, strict=True)
            if label and guarded
        ),
        default=0.0,
    )
    below = [t for t in GRID if t <= lowest]
    return round(below[-1] / safety, 4) if below else 0.0


def train(
    data: TrainingData,
    model: type[M],
    *,
    embedder: str,
    command: str,
    seed: int,
    figures: Figures,
    folds: int = FOLDS,
    cs: Sequence[float] = CS,
    max_rate: float = MAX_RATE,
    veto_safety: float = VETO_SAFETY,
    extras: Extras | None = None,
    progress: Callable[[str], None] | None = None,
) -> M:
    """Choose ``C`` and the thresholds by cross-validation and fit ``model`` (module
    docstring); ``extras(out_of_fold, fire, veto)`` are the instance's own model fields
    (computed first), ``figures(out_of_fold, fire, veto)`` its out-of-fold outcomes,
    recorded in the file with the log loss."""
    x, y = data.features, data.labels
    if not len(y):
        raise ValueError("no training rows; give at least one pool")
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
    fire = choose_fire(data, oof, max_rate=max_rate)
    veto = min(choose_veto(data, oof, safety=veto_safety), fire / 2)
    scaler, fitted = _fit(x, y, c)
    sources: dict[str, int] = {}
    for source in data.sources:
        sources[source] = sources.get(source, 0) + 1
    fields = extras(oof, fire, veto) if extras is not None else {}
    outcome = figures(oof, fire, veto)
    outcome["log_loss"] = round(loss, 5)
    return model.model_validate(
        {
            "embedder": embedder,
            "dim": data.dim,
            "extra_features": list(model.FEATURES),
            "mean": [round(float(v), 7) for v in scaler.mean_],
            "scale": [round(float(v), 7) for v in scaler.scale_],
            "coef": [round(float(v), 7) for v in fitted.coef_[0]],
            "intercept": round(float(fitted.intercept_[0]), 7),
            "fire": fire,
            "veto": veto,
            "training": TrainingInfo(
                data_hash=data_hash(data.messages, y),
                positives=positives,
                negatives=negatives,
                sources=dict(sorted(sources.items())),
                seed=seed,
                c=c,
                folds=folds,
                command=command,
            ),
            "cross_validation": outcome,
            **fields,
        }
    )
