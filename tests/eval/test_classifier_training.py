"""The generic message-classifier trainer (eval/classifier_training.py): thresholds from
out-of-fold probabilities, C by cross-validation, a reproducible model file that the
runtime (bot/dialogue/message_classifier.py) scores as the trainer did.

The rows are small hand-made feature matrices: the trainer is arithmetic on any features,
and what the engine feeds it is tested with real e5 vectors in test_danger_training.py
and test_verdict_training.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

from bot.dialogue.message_classifier import ClassifierModel, MessageClassifier
from eval.classifier_training import (
    GRID,
    TrainingData,
    choose_fire,
    choose_veto,
    data_hash,
    train,
)
from knowledge.errors import ConfigurationError


class ToyModel(ClassifierModel):
    NAME: ClassVar[str] = "toy"
    TRAIN_COMMAND: ClassVar[str] = "govbot eval train-toy"
    SWITCH: ClassVar[str] = "GOVBOT_TOY"
    FEATURES: ClassVar[tuple[str, ...]] = ("length",)
    DEFAULT_PATH: ClassVar[Path] = Path("/nonexistent/toy_model.json")


def _data(n: int = 40) -> TrainingData:
    rng = np.random.default_rng(7)
    labels = np.asarray([i % 2 for i in range(n)], dtype=np.int64)
    vectors = rng.normal(size=(n, 4)) + labels[:, None] * 2.0
    lengths = rng.integers(1, 10, size=(n, 1)).astype(np.float64)
    return TrainingData(
        features=np.hstack([vectors, lengths]),
        labels=labels,
        sources=["a" if i < n // 2 else "b" for i in range(n)],
        messages=[f"message {i}" for i in range(n)],
        fire_candidates=np.asarray([True] * n, dtype=np.bool_),
        veto_guarded=np.asarray([True] * n, dtype=np.bool_),
        dim=4,
    )


def _with(data: TrainingData, **changes: object) -> TrainingData:
    fields = {**data.__dict__, **changes}
    return TrainingData(**fields)


def test_fire_is_the_lowest_threshold_without_a_new_false_alarm_per_source() -> None:
    data = _data(8)
    p = np.asarray([0.3, 0.9, 0.6, 0.95, 0.2, 0.8, 0.4, 0.99])  # odd rows are positives
    # Negatives score 0.3, 0.6, 0.2, 0.4: fire must lie above 0.6 (sources of < 1,000 rows
    # allow no false alarm).
    assert choose_fire(data, p) == 0.61
    # A negative the grammar already decides is no candidate: it does not count.
    candidates = np.asarray([True, True, False, True, True, True, True, True])
    assert choose_fire(_with(data, fire_candidates=candidates), p) == 0.41


def test_veto_lies_below_every_guarded_positive() -> None:
    data = _data(8)
    p = np.asarray([0.3, 0.9, 0.6, 0.05, 0.2, 0.8, 0.4, 0.99])
    assert choose_veto(data, p) == round(0.05 / 2, 4)
    guarded = np.asarray([True, True, True, False, True, True, True, True])
    assert choose_veto(_with(data, veto_guarded=guarded), p) == round(0.8 / 2, 4)
    assert choose_veto(data, p, safety=4.0) == round(0.05 / 4, 4)
    assert 0.05 in GRID and 0.8 in GRID


def test_training_is_reproducible_and_scored_as_trained() -> None:
    data = _data()
    kwargs = {"embedder": "e5", "command": "test", "seed": 3, "folds": 3, "cs": (0.1, 1.0)}

    def figures(p: np.ndarray, fire: float, veto: float) -> dict[str, float | int]:
        return {"rows": len(p)}

    first = train(data, ToyModel, figures=figures, **kwargs)  # type: ignore[arg-type]
    second = train(data, ToyModel, figures=figures, **kwargs)  # type: ignore[arg-type]
    assert first.model_dump_json() == second.model_dump_json()
    assert first.extra_features == ["length"] and first.dim == 4 and len(first.coef) == 5
    assert first.training.positives == 20 and first.training.negatives == 20
    assert first.training.sources == {"a": 20, "b": 20}
    assert first.training.data_hash == data_hash(data.messages, data.labels)
    assert first.cross_validation["rows"] == 40 and "log_loss" in first.cross_validation
    assert 0 <= first.veto < first.fire <= 1 and first.veto <= first.fire / 2
    classifier = MessageClassifier(first, embedder=lambda: "e5")
    right = sum(
        (classifier.score(row[:4], row[4:]) > 0.5) == bool(label)
        for row, label in zip(data.features, data.labels, strict=True)
    )
    assert right >= 36  # the classes are two units apart in every dimension


def test_the_data_hash_ignores_order_but_not_labels() -> None:
    assert data_hash(["a", "b"], [1, 0]) == data_hash(["b", "a"], [0, 1])
    assert data_hash(["a", "b"], [1, 0]) != data_hash(["a", "b"], [0, 1])


def test_too_few_examples_are_refused() -> None:
    data = _data(6)
    with pytest.raises(ValueError, match="need at least 5 positives and 5 negatives"):
        train(data, ToyModel, embedder="e5", command="t", seed=1, figures=lambda p, f, v: {})


def test_a_model_names_itself_in_its_errors(tmp_path: Path) -> None:
    def figures(p: np.ndarray, fire: float, veto: float) -> dict[str, float | int]:
        return {}

    model = train(_data(), ToyModel, embedder="e5", command="t", seed=1, folds=3, figures=figures)
    with pytest.raises(ConfigurationError) as error:
        MessageClassifier(model, embedder=lambda: "other").score([0.0] * 4, [1.0])
    assert str(error.value) == (
        "toy model trained on 'e5' embeddings but the index uses 'other'; rebuild it with "
        "`govbot eval train-toy` or set GOVBOT_TOY=false"
    )
    with pytest.raises(ConfigurationError, match="toy model expects 4-dimensional vectors"):
        MessageClassifier(model, embedder=lambda: "e5").score([0.0] * 3, [1.0])
    with pytest.raises(ConfigurationError, match="cannot load the toy model"):
        ToyModel.from_file()
    path = tmp_path / "toy.json"
    path.write_text(model.model_dump_json(), encoding="utf-8")
    assert ToyModel.from_file(path) == model
