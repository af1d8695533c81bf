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
it with a fixed seed. The model file and its scoring are the generic message classifier
(message_classifier.py, trained by eval/classifier_training.py); this module adds the
danger features and ``combine``.

How it combines with the grammar and the net (``combine``; thresholds chosen on
out-of-fold probabilities of the calibration data, never on a holdout half):

- the grammar says danger, but the model is confident it is no present danger
  (probability below ``veto``) and the message is not short → no danger: the message is
  answered as a service question;
- the grammar saw no danger in a service or out-of-scope question and the model is
  confident it is danger → danger. Where the net judged the message (``emergency.applies``:
  it names something, no past event, a short one only with a danger cue) and found an
  emergency example nearer than every counter-example (the message *leans* to danger),
  confident means at or above ``fire``; elsewhere at or above ``fire_alone``, a threshold
  of its own (eighth session: "our kitchen is in flames" has no danger cue of the net's
  examples and scores 0.9999);
- the net fires → danger if the model gives it at least ``net`` (its own threshold: the
  net's ordinary look-alikes, "Ich habe mich von meinem Mann getrennt.", score between
  ``veto`` and ``fire``).

Glossary: *fire* = the model turns a message into an emergency; *veto* = the model
overrules a danger grade; *leans* = the net judged the message and its nearest example is
an emergency.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar, Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.dialogue.message_classifier import ClassifierModel, MessageClassifier

DEFAULT_MODEL = Path(__file__).parent / "rules" / "danger_model.json"
EXTRA_FEATURES = ("past_event", "log_content_words")
NEVER = 1.0  # a threshold no probability of a firing model reaches on its own

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
    leans: bool = False  # the net judged it and its nearest example is an emergency
    past: bool
    content_words: int
    vector: list[float]


class DangerModel(ClassifierModel):
    """The shipped coefficients, thresholds and metadata (message_classifier.py)."""

    NAME: ClassVar[str] = "danger"
    TRAIN_COMMAND: ClassVar[str] = "govbot eval train-danger"
    SWITCH: ClassVar[str] = "GOVBOT_DIALOGUE__DANGER_MODEL"
    FEATURES: ClassVar[tuple[str, ...]] = EXTRA_FEATURES
    DEFAULT_PATH: ClassVar[Path] = DEFAULT_MODEL

    # At or above: the classifier fires where the net does not lean to danger (``combine``);
    # 1.0 (never) in files written before the eighth session.
    fire_alone: float = Field(default=NEVER, gt=0, le=1)
    # At or above: the net's hit stands; None (files before the eighth session): ``veto``.
    net: float | None = Field(default=None, ge=0, le=1)

    @model_validator(mode="after")
    def _danger_thresholds(self) -> DangerModel:
        if self.fire_alone < self.fire:
            raise ValueError(f"fire_alone {self.fire_alone} must not lie below fire {self.fire}")
        if self.net is not None and not self.veto <= self.net <= self.fire:
            raise ValueError(f"net {self.net} must lie in [veto {self.veto}, fire {self.fire}]")
        return self

    @property
    def net_floor(self) -> float:
        """The probability the net's hit needs to stand."""
        return self.veto if self.net is None else self.net

    def fire_for(self, *, leans: bool) -> float:
        """The fire threshold of a message that leans to danger or not (``combine``)."""
        return self.fire if leans else self.fire_alone


class DangerClassifier(MessageClassifier[DangerModel]):
    """The danger model with its arrays prepared once (``MessageClassifier``)."""

    def probability(
        self, vector: Sequence[float] | npt.NDArray[np.float32], *, past: bool, content_words: int
    ) -> float:
        """The calibrated probability that the message reports present danger."""
        return self.score(vector, extra_features(past=past, content_words=content_words))


def combine(
    probability: float | None,
    *,
    rule_danger: bool,
    net_danger: bool,
    overrulable: bool,
    fire: float,
    veto: float,
    leans: bool = True,
    fire_alone: float = NEVER,
    net: float | None = None,
    short: bool = False,
) -> Verdict:
    """Which mechanism decides present danger (rule in the module docstring); ``None``
    probability: no model, the grammar and the net decide alone. ``short``: a message of
    at most ``emergency.SHORT_STEMS`` content words, whose danger grade is never vetoed
    (the model learnt from thousands of short ordinary requests that short means
    ordinary: "Ich brauche sofort einen Notarzt" scores 0.01). ``leans``: the net judged
    the message and found an emergency example nearest; ``fire_alone`` the threshold where
    it did not, ``net`` the probability a net hit needs (None: ``veto``)."""
    if probability is None:
        return "rule" if rule_danger else "net" if net_danger else "none"
    if rule_danger:
        return "vetoed" if probability < veto and not short else "rule"
    if not overrulable:
        return "none"
    if probability >= (fire if leans else fire_alone):
        return "classifier"
    if net_danger and probability >= (veto if net is None else net):
        return "net"
    return "none"
