"""A calibrated message classifier: logistic regression on a message's e5 query vector plus a
few generic features, shipped as a small JSON file (the runtime half of
eval/classifier_training.py).

One instance per question the dialogue asks of a message; the present-danger classifier
(danger.py) is one. Every instance is a subclass of ``ClassifierModel`` that names itself
(errors, the command that rebuilds it, the setting that switches it off) and its extra
features, and a ``MessageClassifier`` that scores vectors with it.

The file holds the coefficients over standardised features, two thresholds chosen on
out-of-fold probabilities (``fire``: at or above, the classifier decides on its own;
``veto``: below, it overrules the grammar), the name of the embedding model and a hash of
the training data (``TrainingInfo``). A model trained on another embedder's vectors is
refused at the first message.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import ClassVar, Generic, Literal, Self, TypeVar

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from knowledge.errors import ConfigurationError


class TrainingInfo(BaseModel):
    """Where the coefficients came from (written by eval/classifier_training.py)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    data_hash: str  # sha256 of the sorted training messages and labels
    positives: int
    negatives: int
    sources: dict[str, int]  # source file -> messages used
    seed: int
    c: float  # inverse regularisation strength, chosen by cross-validation
    folds: int
    command: str


class ClassifierModel(BaseModel):
    """The shipped coefficients, thresholds and metadata of one message classifier.

    Subclasses set ``NAME`` (as in "the danger model"), ``TRAIN_COMMAND`` (what rebuilds the
    file), ``SWITCH`` (the setting that turns it off), ``FEATURES`` (the extra features after
    the embedding, in order) and ``DEFAULT_PATH`` (the shipped file)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    NAME: ClassVar[str]
    TRAIN_COMMAND: ClassVar[str]
    SWITCH: ClassVar[str]
    FEATURES: ClassVar[tuple[str, ...]]
    DEFAULT_PATH: ClassVar[Path]

    version: Literal[1] = 1
    embedder: str
    dim: int = Field(gt=0)
    extra_features: list[str]
    mean: list[float]
    scale: list[float]
    coef: list[float]
    intercept: float
    fire: float = Field(gt=0, le=1)  # at or above: the classifier decides on its own
    veto: float = Field(ge=0, lt=1)  # below: the grammar's grade is overruled
    training: TrainingInfo
    cross_validation: dict[str, float | int] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _shapes(self) -> Self:
        width = self.dim + len(self.extra_features)
        for name in ("mean", "scale", "coef"):
            if len(getattr(self, name)) != width:
                raise ValueError(f"{name} has {len(getattr(self, name))} values, expected {width}")
        if self.extra_features != list(self.FEATURES):
            raise ValueError(f"extra_features must be {list(self.FEATURES)}")
        if self.veto >= self.fire:
            raise ValueError(f"veto {self.veto} must lie below fire {self.fire}")
        return self

    @classmethod
    def from_file(cls, path: Path | None = None) -> Self:
        """Load a model file (default: the shipped ``DEFAULT_PATH``)."""
        path = path or cls.DEFAULT_PATH
        try:
            return cls.model_validate_json(path.read_text(encoding="utf-8"))
        except (OSError, ValidationError) as exc:
            raise ConfigurationError(f"cannot load the {cls.NAME} model {path}: {exc}") from exc

    def require_embedder(self, name: str) -> None:
        """Refuse to judge vectors of another embedding model than the one trained on."""
        if name != self.embedder:
            raise ConfigurationError(
                f"{self.NAME} model trained on '{self.embedder}' embeddings but the index uses "
                f"'{name}'; rebuild it with `{self.TRAIN_COMMAND}` or set {self.SWITCH}=false"
            )


M = TypeVar("M", bound=ClassifierModel)


class MessageClassifier(Generic[M]):
    """A model with its arrays prepared once; ``embedder`` names the embedding model of
    the vectors it will judge (the index's, read when the first message is judged, since
    the index may be built after the engine)."""

    def __init__(self, model: M, *, embedder: Callable[[], str]) -> None:
        self.model = model
        self._embedder = embedder
        self._verified = False
        self._mean = np.asarray(model.mean, dtype=np.float64)
        self._scale = np.asarray(model.scale, dtype=np.float64)
        self._coef = np.asarray(model.coef, dtype=np.float64)

    def score(
        self, vector: Sequence[float] | npt.NDArray[np.float32], extras: Sequence[float]
    ) -> float:
        """The calibrated probability of the positive class for a message's vector and its
        extra features (in the model's ``FEATURES`` order)."""
        if not self._verified:
            self.model.require_embedder(self._embedder())
            self._verified = True
        values = np.asarray(vector, dtype=np.float64).reshape(-1)
        if values.shape[0] != self.model.dim:
            raise ConfigurationError(
                f"{self.model.NAME} model expects {self.model.dim}-dimensional vectors, got "
                f"{values.shape[0]}; rebuild it with `{self.model.TRAIN_COMMAND}`"
            )
        row = np.concatenate([values, np.asarray(extras, dtype=np.float64)])
        logit = float(((row - self._mean) / self._scale) @ self._coef) + self.model.intercept
        return 1.0 / (1.0 + math.exp(-logit)) if logit > -500 else 0.0
