"""Training the present-danger classifier (eval/danger_training.py) on a small real subset:
the engine reads real messages with the real e5 embedder, the fit is reproducible, and a
holdout half never trains."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.assistant import build_engine
from bot.dialogue.danger import DangerClassifier
from bot.dialogue.emergency import EmergencyExamples
from bot.settings import Settings
from eval.danger_training import TrainingCase, TrainingRow, read_rows, train, training_cases
from eval.pools import case_half, load_pool
from knowledge.retrieval import Retriever

SETS = Path(__file__).resolve().parents[2] / "eval" / "sets"


def test_only_calibration_halves_train() -> None:
    path = SETS / "alarming_ordinary.jsonl"
    cases = training_cases([path], EmergencyExamples.from_yaml())
    holdout = {c.id for c in load_pool(path) if case_half(c) == "heldout"}
    tune = {c.id for c in load_pool(path) if case_half(c) == "calibration"}
    ids = {c.id for c in cases if c.source == path.name}
    assert ids == tune and not ids & holdout
    examples = [c for c in cases if c.source == "emergency_examples"]
    assert any(c.danger for c in examples) and any(not c.danger for c in examples)


@pytest.fixture(scope="module")
def rows(munich_index: Settings, munich_retriever: Retriever) -> list[TrainingRow]:
    settings = munich_index.model_copy(deep=True)
    settings.dialogue.danger_model = False
    engine = build_engine(settings, munich_retriever)
    examples = EmergencyExamples.from_yaml()
    cases = [
        TrainingCase(source="examples", id=f"p{i}", tenant="muenchen", question=t, danger=True)
        for i, t in enumerate(examples.emergencies[:12])
    ] + [
        TrainingCase(source="examples", id=f"n{i}", tenant="muenchen", question=t, danger=False)
        for i, t in enumerate(examples.not_emergencies[:12])
    ]
    done: list[int] = []
    read = read_rows(
        cases,
        lambda m, t: engine.danger_reading(m, tenant=t),
        progress=lambda d, n: done.append(d),
    )
    assert done[-1] == len(cases)
    return read


def test_training_is_reproducible_and_records_its_data(rows: list[TrainingRow]) -> None:
    first = train(rows, embedder="multilingual-e5-small", command="test", folds=3, cs=(0.1, 1.0))
    second = train(rows, embedder="multilingual-e5-small", command="test", folds=3, cs=(0.1, 1.0))
    assert first.model_dump_json() == second.model_dump_json()
    assert first.training.positives == 12 and first.training.negatives == 12
    assert first.training.sources == {"examples": 24}
    assert first.training.c in (0.1, 1.0) and 0 <= first.veto < first.fire <= 1
    assert json.loads(first.model_dump_json())["embedder"] == "multilingual-e5-small"
    # The fitted model separates its training data (what the classifier computes at run time).
    classifier = DangerClassifier(first, embedder=lambda: "multilingual-e5-small")
    for row in rows:
        p = classifier.probability(
            row.reading.vector, past=row.reading.past, content_words=row.reading.content_words
        )
        assert (p > 0.5) is row.case.danger, (row.case.question, p)


def test_training_refuses_too_few_examples(rows: list[TrainingRow]) -> None:
    with pytest.raises(ValueError, match="need at least 5 positives and 5 negatives"):
        train(rows[:3], embedder="multilingual-e5-small", command="test")
