"""Calibrated present-danger classifier: the probability that a message reports danger now (#16).

The help grammar (rules/policy_de.yaml) knows words and tenses, the semantic net
(emergency.py) knows its nearest examples; both were tuned phrase by phrase and fit the
half they were written on. This model is a logistic regression on the message's e5 query
embedding (the index's embedder, so nothing else is loaded) plus two generic features of
the grammar: whether the message places an event in the past (``Policy.past_event``) and
how many content words it has. It is trained on generic data only (emergency examples,
the tune halves of the evaluation sets, the calibration halves of the false-alarm pools;
eval/danger_training.py) and shipped as a small JSON file of coefficients with the name of
the embedding model and a hash of the training data. ``govbot eval train-danger`` rebuilds
it with a fixed seed.

How it combines with the grammar and the net (``combine``; thresholds chosen on
out-of-fold probabilities of the calibration data, never on a holdout half):

- the grammar says danger, but the model is confident it is no present danger
  (probability below ``veto``) and the message is not short → no danger: the message is
  answered as a service question;
- the grammar or the net saw no danger, the net judged the message (``emergency.applies``:
  a service or out-of-scope question that names something, no past event, a short one only
  with a danger cue) and found an emergency example nearer than every counter-example, and
  the model is confident it is danger (probability at or above ``fire``) → danger;
- the net fires only where the model does not veto it either.

Glossary: *fire* = the model turns a message into an emergency; *veto* = the model
overrules a danger grade.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from knowledge.errors import ConfigurationError

DEFAULT_MODEL = Path(__file__).parent / "rules" / "danger_model.json"
EXTRA_FEATURES = ("past_event", "log_content_words")

Verdict = Literal["rule", "net", "classifier", "vetoed", "none"]


def extra_features(*, past: bool, content_words: int) -> list[float]:
    """The generic features beside the embedding, in ``EXTRA_FEATURES`` order."""
    return [1.0 if past else 0.0, math.log1p(max(content_words, 0))]


class DangerReading(BaseModel):
    """What the classifier reads of one message, and what the grammar and the net made
    of it (the engine's ``danger_reading``; training rows of eval/danger_training.py)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    label: str  # the grammar's PolicyLabel
    rule_id: str | None
    rule_danger: bool  # the grammar graded it danger
    overrulable: bool  # the label may be turned into danger (emergency.OVERRULABLE)
    net_danger: bool  # the semantic net fired
    past: bool
    content_words: int
    vector: list[float]


class TrainingInfo(BaseModel):
    """Where the coefficients came from (written by eval/danger_training.py)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    data_hash: str  # sha256 of the sorted training messages and labels
    positives: int
    negatives: int
    sources: dict[str, int]  # source file -> messages used
    seed: int
    c: float  # inverse regularisation strength, chosen by cross-validation
    folds: int
    command: str


class DangerModel(BaseModel):
    """The shipped coefficients, thresholds and metadata."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: Literal[1] = 1
    embedder: str
    dim: int = Field(gt=0)
    extra_features: list[str]
    mean: list[float]
    scale: list[float]
    coef: list[float]
    intercept: float
    fire: float = Field(gt=0, le=1)  # at or above: danger even where the grammar saw none
    veto: float = Field(ge=0, lt=1)  # below: the grammar's danger grade is overruled
    training: TrainingInfo
    cross_validation: dict[str, float | int] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _shapes(self) -> DangerModel:
        width = self.dim + len(self.extra_features)
        for name in ("mean", "scale", "coef"):
            if len(getattr(self, name)) != width:
                raise ValueError(f"{name} has {len(getattr(self, name))} values, expected {width}")
        if self.extra_features != list(EXTRA_FEATURES):
            raise ValueError(f"extra_features must be {list(EXTRA_FEATURES)}")
        if self.veto >= self.fire:
            raise ValueError(f"veto {self.veto} must lie below fire {self.fire}")
        return self

    @classmethod
    def from_file(cls, path: Path = DEFAULT_MODEL) -> DangerModel:
        """Load a model file (default: the shipped bot/dialogue/rules/danger_model.json)."""
        try:
            return cls.model_validate_json(path.read_text(encoding="utf-8"))
        except (OSError, ValidationError) as exc:
            raise ConfigurationError(f"cannot load the danger model {path}: {exc}") from exc

    def require_embedder(self, name: str) -> None:
        """Refuse to judge vectors of another embedding model than the one trained on."""
        if name != self.embedder:
            raise ConfigurationError(
                f"danger model trained on '{self.embedder}' embeddings but the index uses "
                f"'{name}'; rebuild it with `govbot eval train-danger` or set "
                "GOVBOT_DIALOGUE__DANGER_MODEL=false"
            )


class DangerClassifier:
    """The model with its arrays prepared once; ``embedder`` names the embedding model of
    the vectors it will judge (the index's, read when the first message is judged, since
    the index may be built after the engine)."""

    def __init__(self, model: DangerModel, *, embedder: Callable[[], str]) -> None:
        self.model = model
        self._embedder = embedder
        self._verified = False
        self._mean = np.asarray(model.mean, dtype=np.float64)
        self._scale = np.asarray(model.scale, dtype=np.float64)
        self._coef = np.asarray(model.coef, dtype=np.float64)

    def probability(
        self, vector: Sequence[float] | npt.NDArray[np.float32], *, past: bool, content_words: int
    ) -> float:
        """The calibrated probability that the message reports present danger."""
        if not self._verified:
            self.model.require_embedder(self._embedder())
            self._verified = True
        values = np.asarray(vector, dtype=np.float64).reshape(-1)
        if values.shape[0] != self.model.dim:
            raise ConfigurationError(
                f"danger model expects {self.model.dim}-dimensional vectors, got "
                f"{values.shape[0]}; rebuild it with `govbot eval train-danger`"
            )
        row = np.concatenate([values, extra_features(past=past, content_words=content_words)])
        logit = float(((row - self._mean) / self._scale) @ self._coef) + self.model.intercept
        return 1.0 / (1.0 + math.exp(-logit)) if logit > -500 else 0.0


def combine(
    probability: float | None,
    *,
    rule_danger: bool,
    net_danger: bool,
    overrulable: bool,
    fire: float,
    veto: float,
    short: bool = False,
) -> Verdict:
    """Which mechanism decides present danger (rule in the module docstring); ``None``
    probability: no model, the grammar and the net decide alone. ``short``: a message of
    at most ``emergency.SHORT_STEMS`` content words, whose danger grade is never vetoed
    (the model learnt from thousands of short ordinary requests that short means
    ordinary: "Ich brauche sofort einen Notarzt" scores 0.01)."""
    if probability is None:
        return "rule" if rule_danger else "net" if net_danger else "none"
    if rule_danger:
        return "vetoed" if probability < veto and not short else "rule"
    if not overrulable:
        return "none"
    if probability >= fire:
        return "classifier"
    if net_danger and probability >= veto:
        return "net"
    return "none"
