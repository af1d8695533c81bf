"""Calibrated verdict-request classifier: the probability that a message asks the city to
decide or predict the outcome of the citizen's own case (issue 12 item 4, issue 13 item 5,
issue 17 item 4).

The verdict grammar (rules/policy_de.yaml: ``decision.entitlement``, ``decision.verdict``,
``decision.demanded``, ``decision.languages``, ``decision.classes``) knows the words of a
verdict request in German and, one pattern per phrasing class, in the other catalogue
languages; it fits the phrasings it was written on. This model is the generic message
classifier (message_classifier.py) on the message's e5 query embedding (the index's
embedder, multilingual, so nothing else is loaded) plus one generic feature, the number
of content words. It is trained on generic
data only (the verdict examples file, the tune halves of the evaluation sets, the
calibration halves of the false-alarm pools; eval/verdict_training.py) and shipped as
rules/verdict_model.json with the name of the embedding model and a hash of the training
data. ``govbot eval train-verdict`` rebuilds it with a fixed seed.

How it combines with the grammar (``combine``; thresholds chosen on out-of-fold
probabilities of the training data, never on a holdout half):

- the grammar says decision, but the model is confident it is no verdict request
  (probability below ``veto``) and the message has more than ``SHORT_WORDS`` content
  words → a service question: the message is answered from the source;
- the grammar left the message a service question and the model is confident it is a
  verdict request (probability at or above the fire threshold of the message's language,
  ``fire_for``) → decision: the no-verdict answer, with the service information and a
  person;
- otherwise the grammar's label stands.

Labels other than decision and service question (emergency, a person asked for, a
personal case …) are never touched, and a message the present-danger stage graded is
left as it is: help comes before the refusal of a verdict.

Glossary: *fire* = the model turns a message into a verdict request; *veto* = the model
overrules the grammar's decision label.
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

DEFAULT_MODEL = Path(__file__).parent / "rules" / "verdict_model.json"
EXTRA_FEATURES = ("log_content_words",)

Verdict = Literal["rule", "classifier", "vetoed", "none"]
NEVER = 1.0  # a fire threshold of 1.0: the classifier never fires (not even at p == 1.0)
SHORT_WORDS = 3  # content words up to which a grammar refusal is never vetoed


def extra_features(*, content_words: int) -> list[float]:
    """The generic features beside the embedding, in ``EXTRA_FEATURES`` order."""
    return [math.log1p(max(content_words, 0))]


class VerdictReading(BaseModel):
    """What the classifier reads of one message, and what the grammar made of it (the
    engine's ``verdict_reading``; training rows of eval/verdict_training.py)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    label: str  # the grammar's PolicyLabel
    rule_id: str | None
    language: str  # the reply language the understanding detected
    rule_decision: bool  # the grammar labelled it a decision (a verdict request)
    service_question: bool  # the grammar left it a service question: the classifier may fire
    content_words: int
    vector: list[float]


class VerdictModel(ClassifierModel):
    """The shipped coefficients, thresholds and metadata (message_classifier.py)."""

    NAME: ClassVar[str] = "verdict"
    TRAIN_COMMAND: ClassVar[str] = "govbot eval train-verdict"
    SWITCH: ClassVar[str] = "GOVBOT_DIALOGUE__VERDICT_MODEL"
    FEATURES: ClassVar[tuple[str, ...]] = EXTRA_FEATURES
    DEFAULT_PATH: ClassVar[Path] = DEFAULT_MODEL

    # Per reply language, the threshold at or above which the classifier fires (chosen on
    # that language's out-of-fold scores); ``fire`` for any other language.
    fire_by_language: dict[str, float] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _language_thresholds(self) -> VerdictModel:
        for language, fire in self.fire_by_language.items():
            if not self.veto < fire <= 1:
                raise ValueError(f"fire of {language!r} ({fire}) must lie in ({self.veto}, 1]")
        return self

    def fire_for(self, language: str) -> float:
        """The fire threshold of a message in ``language``."""
        return self.fire_by_language.get(language, self.fire)


class VerdictClassifier(MessageClassifier[VerdictModel]):
    """The verdict model with its arrays prepared once (``MessageClassifier``)."""

    def probability(
        self, vector: Sequence[float] | npt.NDArray[np.float32], *, content_words: int
    ) -> float:
        """The calibrated probability that the message asks for a verdict on its own case."""
        return self.score(vector, extra_features(content_words=content_words))


def combine(
    probability: float | None,
    *,
    rule_decision: bool,
    service_question: bool,
    fire: float,
    veto: float,
    short: bool = False,
    procedural: bool = False,
) -> Verdict:
    """Which mechanism decides whether a message is a verdict request (module docstring);
    ``None`` probability: no model, the grammar decides alone; ``fire`` 1.0: never fires.
    ``short``: a message of at most ``SHORT_WORDS`` content words, whose refusal is never
    vetoed (the model learnt from thousands of short ordinary requests that short means
    ordinary: "Steht mir ein Bewohnerparkausweis zu?" scores 0.014). ``procedural``: the
    message asks who, where, how much, how long or when (``Policy.procedural_question``);
    the classifier never fires on it ("Кто поможет подать возражение на это решение?"
    asks for help with an objection, not for the outcome)."""
    if rule_decision:
        vetoed = probability is not None and probability < veto and not short
        return "vetoed" if vetoed else "rule"
    fires = probability is not None and fire < NEVER and probability >= fire
    if service_question and fires and not procedural:
        return "classifier"
    return "none"
