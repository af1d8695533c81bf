"""Calibrate a language with few questions without moving the others (#13 item 4).

``govbot eval calibration … --language-offsets tr,ru,pl,ro,fa`` keeps the shipped
confidence and reach models as they are and adds, for each named language, one term
``lang_<code>`` to each of them: a shift of the logit fitted on that language's
calibration questions alone, with the shipped model's logit as a fixed offset. The
shift is the maximum a-posteriori estimate under a Gaussian prior of variance
``PRIOR_VARIANCE`` (a language with fifteen questions moves a little, not to the edge of
its few labels). German and every language calibrated before get exactly the predictions
they had: a full refit with the new questions moved the weights all languages share, and
German questions at the thresholds moved with them (docs/policy.md section 5, "Munich in
ten languages").

Labels as in eval/calibration.py: confidence, the re-ranked best document is an expected
one; reach, an expected document is among the model's first ``options`` candidates.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from bot.dialogue.ranking import RankingModel, sigmoid
from eval.calibration import Example, with_service_questions

PRIOR_VARIANCE = 1.0
_NEWTON_STEPS = 50


class LanguageOffset(BaseModel):
    """The two fitted shifts of one language and what they were fitted on."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    language: str
    n: int
    negatives: int  # out-of-catalogue questions among the n
    right: int  # best candidate right
    reached: int  # right one among the first ``options``
    confidence: float  # the ``lang_<code>`` weight of the confidence model
    reach: float  # the ``lang_<code>`` weight of the reach model


def shift(
    logits: Sequence[float], labels: Sequence[bool], *, prior_variance: float = PRIOR_VARIANCE
) -> float:
    """The MAP shift ``b`` of ``P(label) = sigmoid(logit + b)`` under ``b ~ N(0, prior)``
    (Newton's method; the log-posterior is concave, so it converges from 0)."""
    if len(logits) != len(labels):
        raise ValueError(f"{len(logits)} logits for {len(labels)} labels")
    b = 0.0
    for _ in range(_NEWTON_STEPS):
        p = [sigmoid(z + b) for z in logits]
        gradient = sum(pi - float(y) for pi, y in zip(p, labels, strict=True)) + b / prior_variance
        curvature = sum(pi * (1.0 - pi) for pi in p) + 1.0 / prior_variance
        step = gradient / curvature
        b -= step
        if abs(step) < 1e-9:
            break
    return b


def fit_offsets(
    data: Sequence[Example], model: RankingModel, languages: Sequence[str]
) -> list[LanguageOffset]:
    """One :class:`LanguageOffset` per language of ``languages`` that has service questions
    among ``data``; the model's own terms for these languages are replaced, not added to."""
    if "de" in languages:
        raise ValueError("German is the base of the model, not a language with an offset")
    usable = with_service_questions(data)
    replaced = {f"lang_{code}" for code in languages}
    confidence_weights = _without(model.confidence_weights, replaced)
    reach_bias = model.reach_bias if model.reach_bias is not None else model.confidence_bias
    reach_weights = _without(model.reach_weights or model.confidence_weights, replaced)
    offsets: list[LanguageOffset] = []
    for code in languages:
        rows = [e for e in usable if e.language == code]
        if not rows:
            continue
        right = [e.right for e in rows]
        reached = [e.reached_within(model.options) for e in rows]
        offsets.append(
            LanguageOffset(
                language=code,
                n=len(rows),
                negatives=sum(e.negative for e in rows),
                right=sum(right),
                reached=sum(reached),
                confidence=round(
                    shift(
                        [_logit(model.confidence_bias, confidence_weights, e) for e in rows], right
                    ),
                    4,
                ),
                reach=round(
                    shift([_logit(reach_bias, reach_weights, e) for e in rows], reached), 4
                ),
            )
        )
    return offsets


def write_offsets(offsets: Sequence[LanguageOffset], path: Path) -> None:
    """Add the offsets to the ranking YAML at ``path`` as ``lang_<code>`` weights of both
    models and name their languages in ``languages``; every other line stays."""
    model = RankingModel.from_yaml(path)
    confidence = dict(model.confidence_weights)
    reach = dict(model.reach_weights)
    for offset in offsets:
        confidence[f"lang_{offset.language}"] = offset.confidence
        reach[f"lang_{offset.language}"] = offset.reach
    languages = sorted({*model.languages, *(offset.language for offset in offsets)})
    text = path.read_text(encoding="utf-8")
    for key, value in (
        ("confidence_weights", confidence),
        ("reach_weights", reach),
        ("languages", languages),
    ):
        match = re.search(rf"^{key}:.*$", text, re.MULTILINE)
        if match is None:
            raise ValueError(f"{path} has no {key!r} line to update")
        text = f"{text[: match.start()]}{key}: {json.dumps(value)}{text[match.end() :]}"
    path.write_text(text, encoding="utf-8")


def _without(weights: Mapping[str, float], names: set[str]) -> dict[str, float]:
    return {name: w for name, w in weights.items() if name not in names}


def _logit(bias: float, weights: Mapping[str, float], example: Example) -> float:
    return bias + sum(w * example.features.get(name, 0.0) for name, w in weights.items())
