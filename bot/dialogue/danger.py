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
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar, Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict

from bot.dialogue.message_classifier import ClassifierModel, MessageClassifier

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


class DangerModel(ClassifierModel):
    """The shipped coefficients, thresholds and metadata (message_classifier.py)."""

    NAME: ClassVar[str] = "danger"
    TRAIN_COMMAND: ClassVar[str] = "govbot eval train-danger"
    SWITCH: ClassVar[str] = "GOVBOT_DIALOGUE__DANGER_MODEL"
    FEATURES: ClassVar[tuple[str, ...]] = EXTRA_FEATURES
    DEFAULT_PATH: ClassVar[Path] = DEFAULT_MODEL


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
