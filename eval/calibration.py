"""``govbot eval calibration``: fit the confidence that decides answer / clarify / not found.

Issue 12 item 3 and issue 13 item 4. For every question of the given sets that the
dialogue would search (service-like kinds with expected documents; missing topics and
topics the tenant does not cover as negatives, from every tenant: the out_of_scope set's
tune half has them for Munich and both Integreat regions), the question is read as the
dialogue reads it (bot/understanding), retrieved once (three index queries; the slow
part, kept in a JSON file so that a re-fit costs seconds) and scored by the shipped
re-ranker. Two
L2-regularised logistic regressions (scikit-learn) are fitted on the features of
bot/dialogue/ranking.py:

    confidence  label: the re-ranked best document is an expected one
    reach       label: an expected document is among the first ``options`` candidates

Cross-validation: ``folds`` folds, grouped by the expected document (paraphrases and the
same question in another language never sit on both sides), stratified by label.
The reliability table bins the out-of-fold predictions (predicted against observed), per
language too; the thresholds table shows what each threshold would do. ``write_model``
puts the model fitted on all rows into bot/dialogue/rules/ranking.yaml.

Never pass a holdout half here: ``collect`` refuses cases tagged ``split: holdout``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold

from bot.dialogue.ranking import (
    RANK_FEATURES,
    Ranking,
    Retrieved,
    ServiceRanker,
    language_terms,
)
from bot.understanding.understanding import Understander
from eval.sets_schema import CaseKind, EvalCase
from knowledge.errors import SourceError

POSITIVE_KINDS = {CaseKind.SERVICE, CaseKind.ORDINARY_ALARMING, CaseKind.PROCEDURAL}
NEGATIVE_KINDS = {CaseKind.MISSING_TOPIC, CaseKind.OUT_OF_SCOPE}
BASE_FEATURES = (
    "dense",
    "dense_top",
    "dense_margin",
    "margin",
    "tie",
    "named_expanded",
    "bm25_top",
    "unknown",
    "all_unknown",
    "page",
    "foreign",
)
# Rank features of the confidence model alone (bot/dialogue/ranking.py ``_leads``): they
# sharpen which best candidate is right, but in the reach model they turned long stories
# whose service is among the choices, with a flat list of cosines, into "not found"
# (docs/policy.md section 5, seventh session). ``card_gap``: the best candidate's card
# against the closest card (eighth session).
CONFIDENCE_FEATURES = (*RANK_FEATURES, "card_gap")
MIN_LANGUAGE_ROWS = 30  # a language gets its own term from this many questions on
REGULARISATION = 1.0  # scikit-learn's C on standardised features
BINS = 10
THRESHOLDS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)

Progress = Callable[[int, int], None]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CalibrationRow(_Frozen):
    """One question as searched: what the dialogue would rank, and the truth."""

    id: str
    tenant: str
    language: str  # the language the dialogue reads the question in
    expected: list[str]
    query: str
    own_words: str
    retrieved: Retrieved


class Example(_Frozen):
    """Features and labels of one row under the current re-ranker."""

    id: str
    tenant: str = ""
    language: str
    group: str
    features: dict[str, float]
    right: bool  # best candidate expected
    reached: bool  # an expected document among the choices
    rank: int | None = None  # position of the first expected document among the candidates
    negative: bool = False  # a topic the tenant does not cover (no expected document)
    plausible: bool = True  # the question names one of the choices (Ranking.plausible)

    def reached_within(self, options: int) -> bool:
        """An expected document among the first ``options`` candidates."""
        return self.rank is not None and self.rank < options


class Prediction(_Frozen):
    """Out-of-fold confidence and reach of one example (for the policy trade-off)."""

    id: str
    tenant: str
    language: str
    negative: bool  # a topic the tenant does not cover: only "not found" is right
    right: bool
    reached: bool
    confidence: float
    reach: float
    plausible: bool = True
    rank: int | None = None  # position of the first expected document among the candidates


class Logistic(_Frozen):
    """A fitted logistic model on raw (unstandardised) features."""

    bias: float
    weights: dict[str, float]

    def predict(self, features: dict[str, float]) -> float:
        """The probability for one example's features."""
        z = self.bias + sum(w * features.get(name, 0.0) for name, w in self.weights.items())
        return float(1.0 / (1.0 + np.exp(-np.clip(z, -60, 60))))


class Bin(_Frozen):
    """One row of a reliability table."""

    low: float
    high: float
    n: int
    predicted: float  # mean predicted probability
    observed: float  # share of examples whose label is true


class ThresholdRow(_Frozen):
    """What one threshold does to the out-of-fold predictions."""

    threshold: float
    kept: int  # predictions at or above the threshold
    right: int  # of those, label true
    missed: int  # label true below the threshold


class Calibration(_Frozen):
    """Both models (fitted on all rows) and their out-of-fold reliability."""

    n: int
    languages: list[str]
    confidence: Logistic
    reach: Logistic
    confidence_table: list[Bin]
    reach_table: list[Bin]
    confidence_by_language: dict[str, list[Bin]]
    confidence_thresholds: list[ThresholdRow]
    reach_thresholds: list[ThresholdRow]
    brier: dict[str, float]
    options: int = 3  # choices the reach model is about
    # Plausibility floor of the best dense cosine per language (see ``dense_floors``).
    dense_floors: dict[str, float] = Field(default_factory=dict)
    # Mean of each rank feature over the rows: its value for a list too short to measure.
    lead_defaults: dict[str, float] = Field(default_factory=dict)
    predictions: list[Prediction] = Field(default_factory=list, exclude=True)


def collect(
    cases: Iterable[EvalCase],
    *,
    understander: Understander,
    ranker: ServiceRanker,
    progress: Progress | None = None,
) -> list[CalibrationRow]:
    """Read and retrieve every calibration question of ``cases`` (see the module docstring)."""
    chosen = [case for case in cases if _usable(case)]
    rows: list[CalibrationRow] = []
    for done, case in enumerate(chosen, start=1):
        if case.tags.split is not None and case.tags.split.value == "holdout":
            raise SourceError(f"case {case.id!r} is from a holdout half; calibrate on tune data")
        understanding = understander.understand(case.final_message, tenant=case.tenant)
        search = understanding.search
        rows.append(
            CalibrationRow(
                id=case.id,
                tenant=case.tenant,
                language=understanding.language,
                expected=list(case.expected),
                query=search.text,
                own_words=search.own_words,
                retrieved=ranker.retrieve(
                    search.text, tenant=case.tenant, language=search.language
                ),
            )
        )
        if progress is not None:
            progress(done, len(chosen))
    return rows


def save_rows(rows: Sequence[CalibrationRow], path: Path) -> None:
    """Keep the retrieval of ``rows`` for later fits."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([r.model_dump(mode="json") for r in rows]), encoding="utf-8")


def load_rows(path: Path) -> list[CalibrationRow]:
    """Rows saved by :func:`save_rows`."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return [CalibrationRow.model_validate(row) for row in raw]
    except (OSError, ValueError) as exc:
        raise SourceError(f"cannot read calibration rows {path}: {exc}") from exc


def ranked(
    rows: Iterable[CalibrationRow], ranker: ServiceRanker
) -> Iterator[tuple[CalibrationRow, Ranking]]:
    """Each row with the ranker's re-ranking of what it retrieved; rows with no candidate
    left out."""
    for row in rows:
        ranking = ranker.score(
            row.retrieved,
            query=row.query,
            tenant=row.tenant,
            original=row.own_words,
            language=row.language,
        )
        if ranking.candidates:
            yield row, ranking


def examples(rows: Sequence[CalibrationRow], ranker: ServiceRanker) -> list[Example]:
    """Features and labels of ``rows`` under the ranker's re-ranking."""
    return [_example(row, ranking) for row, ranking in ranked(rows, ranker)]


def calibrate(
    data: Sequence[Example],
    *,
    folds: int = 5,
    seed: int = 0,
    languages: Sequence[str] = (),
    options: int = 3,
) -> Calibration:
    """Fit both models with ``folds``-fold grouped cross-validation (see the module
    docstring); ``options``: how many choices the reach model is about."""
    if folds < 2:
        raise ValueError(f"folds must be at least 2. Currently, folds is {folds}")
    data = with_service_questions(data)
    terms = [f"lang_{code}" for code in languages]
    groups = np.array([e.group for e in data])
    labels = {
        "right": np.array([e.right for e in data], dtype=int),
        "reached": np.array([e.reached_within(options) for e in data], dtype=int),
    }
    features = {
        "right": [*BASE_FEATURES, *CONFIDENCE_FEATURES, *terms],
        "reached": [*BASE_FEATURES, *terms],
    }
    result: dict[str, tuple[Logistic, np.ndarray]] = {}
    for label, y in labels.items():
        names = features[label]
        x = np.array([[e.features.get(name, 0.0) for name in names] for e in data])
        if len(set(y.tolist())) < 2 or min(np.bincount(y)) < folds:
            raise SourceError(
                f"calibration needs at least {folds} questions with and without {label!r}; "
                f"got {int(y.sum())} of {len(y)}: add questions (service and missing topics)"
            )
        oof = np.zeros(len(y))
        splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
        for train, test in splitter.split(x, y, groups):
            model = _fit(x[train], y[train], names)
            oof[test] = [model.predict(dict(zip(names, row, strict=True))) for row in x[test]]
        result[label] = (_fit(x, y, names), oof)
    right, reached = labels["right"], labels["reached"]
    confidence_oof, reach_oof = result["right"][1], result["reached"][1]
    reach_oof = np.maximum(reach_oof, confidence_oof)  # as the dialogue uses it
    by_language: dict[str, list[Bin]] = {}
    for code in sorted({e.language for e in data}):
        mask = np.array([e.language == code for e in data])
        by_language[code] = reliability(confidence_oof[mask], right[mask], bins=5)
    return Calibration(
        n=len(data),
        languages=list(languages),
        confidence=result["right"][0],
        reach=result["reached"][0],
        confidence_table=reliability(confidence_oof, right),
        reach_table=reliability(reach_oof, reached),
        confidence_by_language=by_language,
        confidence_thresholds=threshold_table(confidence_oof, right),
        reach_thresholds=threshold_table(reach_oof, reached),
        brier={
            "confidence": round(float(np.mean((confidence_oof - right) ** 2)), 4),
            "reach": round(float(np.mean((reach_oof - reached) ** 2)), 4),
        },
        options=options,
        dense_floors=dense_floors(data, options=options),
        lead_defaults={
            name: round(float(np.mean([e.features.get(name, 0.0) for e in data])), 4)
            for name in RANK_FEATURES
        },
        predictions=[
            Prediction(
                id=e.id,
                tenant=e.tenant,
                language=e.language,
                negative=e.negative,
                right=e.right,
                reached=bool(hit),
                confidence=round(float(c), 4),
                reach=round(float(r), 4),
                plausible=e.plausible,
                rank=e.rank,
            )
            for e, c, r, hit in zip(data, confidence_oof, reach_oof, reached, strict=True)
        ],
    )


def dense_floors(data: Sequence[Example], *, options: int) -> dict[str, float]:
    """The plausibility floors of bot/dialogue/ranking.py: per language with at least
    MIN_LANGUAGE_ROWS questions, the lowest best dense cosine (``dense_top``) of a
    question whose service was among the first ``options`` candidates, rounded down to
    0.001; ``default`` (any other language): the lowest of all. A question whose best
    passage is farther from it than every reached question of its language was is
    offered no choices ("Can you recommend a good movie for tonight?"). The cosines
    depend on the embedding model: refit with it."""
    reached = [e for e in data if not e.negative and e.reached_within(options)]
    if not reached:
        return {}
    counts: dict[str, int] = {}
    for example in data:
        counts[example.language] = counts.get(example.language, 0) + 1
    floors = {"default": min(e.features["dense_top"] for e in reached)}
    for code, n in counts.items():
        own = [e.features["dense_top"] for e in reached if e.language == code]
        if n >= MIN_LANGUAGE_ROWS and own:
            floors[code] = min(own)
    return {code: math.floor(value * 1000) / 1000 for code, value in sorted(floors.items())}


def with_service_questions(data: Sequence[Example]) -> list[Example]:
    """The examples of the languages that have service questions among ``data``.

    A language whose calibration questions are all out-of-catalogue ones (Turkish and
    Russian in ``out_of_scope_tune``) would teach both models, through the ``foreign``
    term every language but German shares, that the language itself means "nothing on
    this": its questions are left out until it has service questions too.
    """
    served = {e.language for e in data if not e.negative}
    return [e for e in data if e.language in served]


def calibrated_languages(data: Sequence[Example]) -> list[str]:
    """Languages other than German with at least MIN_LANGUAGE_ROWS questions."""
    counts: dict[str, int] = {}
    for example in data:
        counts[example.language] = counts.get(example.language, 0) + 1
    return sorted(c for c, n in counts.items() if c != "de" and n >= MIN_LANGUAGE_ROWS)


def reliability(predicted: np.ndarray, observed: np.ndarray, *, bins: int = BINS) -> list[Bin]:
    """Predicted probability bins against the observed share (empty bins left out)."""
    table: list[Bin] = []
    edges = np.linspace(0.0, 1.0, bins + 1)
    for index in range(bins):
        low, high = float(edges[index]), float(edges[index + 1])
        last = index == bins - 1
        mask = (predicted >= low) & ((predicted <= high) if last else (predicted < high))
        if not mask.any():
            continue
        table.append(
            Bin(
                low=round(low, 2),
                high=round(high, 2),
                n=int(mask.sum()),
                predicted=round(float(predicted[mask].mean()), 3),
                observed=round(float(observed[mask].mean()), 3),
            )
        )
    return table


def threshold_table(predicted: np.ndarray, observed: np.ndarray) -> list[ThresholdRow]:
    """For each threshold: how many predictions pass, how many of those are right, and
    how many right ones fall below."""
    return [
        ThresholdRow(
            threshold=t,
            kept=int((predicted >= t).sum()),
            right=int(((predicted >= t) & (observed == 1)).sum()),
            missed=int(((predicted < t) & (observed == 1)).sum()),
        )
        for t in THRESHOLDS
    ]


def write_model(calibration: Calibration, path: Path) -> None:
    """Replace the confidence and reach model in the ranking YAML at ``path`` (the
    re-ranker weights and comments stay)."""
    text = path.read_text(encoding="utf-8")
    values = {
        "confidence_bias": json.dumps(round(calibration.confidence.bias, 4)),
        "confidence_weights": json.dumps(calibration.confidence.weights),
        "reach_bias": json.dumps(round(calibration.reach.bias, 4)),
        "reach_weights": json.dumps(calibration.reach.weights),
        "languages": json.dumps(calibration.languages),
        "options": str(calibration.options),
        "dense_floors": json.dumps(calibration.dense_floors),
        "lead_defaults": json.dumps(calibration.lead_defaults),
        "page_confidence_shift": "0.0",  # the ``page`` feature carries it now
    }
    for key, value in values.items():
        line = f"{key}: {value}"
        pattern = re.compile(rf"^{key}:.*$", re.MULTILINE)
        text = pattern.sub(line, text) if pattern.search(text) else f"{text.rstrip()}\n{line}\n"
    path.write_text(text, encoding="utf-8")


def _usable(case: EvalCase) -> bool:
    if len(case.messages) != 1:
        return False
    if case.tags.kind in POSITIVE_KINDS:
        return bool(case.expected)
    return case.tags.kind in NEGATIVE_KINDS and not case.expected


def _example(row: CalibrationRow, ranking: Ranking) -> Example:
    expected = set(row.expected)
    best = ranking.candidates[0].hit.doc_id
    choices = {c.hit.doc_id for c in ranking.choices}
    ranks = [i for i, c in enumerate(ranking.candidates) if c.hit.doc_id in expected]
    return Example(
        id=row.id,
        tenant=row.tenant,
        language=row.language,
        group=row.expected[0] if row.expected else row.id,
        # Its own language term whatever the ranker's model calibrates yet.
        features={**ranking.confidence_features, **language_terms(row.language, [row.language])},
        right=best in expected,
        reached=bool(choices & expected),
        rank=ranks[0] if ranks else None,
        negative=not expected,
        plausible=ranking.plausible,
    )


def _fit(x: np.ndarray, y: np.ndarray, names: Sequence[str]) -> Logistic:
    """Logistic regression on standardised features, returned on the raw scale."""
    mean, std = x.mean(axis=0), x.std(axis=0)
    std = np.where(std > 1e-9, std, 1.0)
    model = LogisticRegression(C=REGULARISATION, max_iter=2000)
    model.fit((x - mean) / std, y)
    coef = model.coef_[0] / std
    bias = float(model.intercept_[0] - (coef * mean).sum())
    weights = {name: round(float(w), 4) for name, w in zip(names, coef, strict=True)}
    return Logistic(bias=bias, weights=weights)
