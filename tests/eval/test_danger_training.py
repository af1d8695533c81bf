"""Training the present-danger classifier (eval/danger_training.py) on a small real subset:
the engine reads real messages with the real e5 embedder, the fit is reproducible, and a
holdout half never trains."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bot.assistant import build_engine
from bot.dialogue.danger import NEVER, DangerClassifier, combine
from bot.dialogue.emergency import EmergencyExamples
from bot.settings import Settings
from eval.danger_training import (
    DangerStatements,
    TrainingCase,
    TrainingRow,
    own_thresholds,
    read_rows,
    train,
    training_cases,
)
from eval.pools import case_half, load_pool
from knowledge.errors import ConfigurationError
from knowledge.retrieval import Retriever

SETS = Path(__file__).resolve().parents[2] / "eval" / "sets"
POOLS = SETS.parent / "pools"


def test_only_calibration_halves_train() -> None:
    path = SETS / "alarming_ordinary.jsonl"
    cases = training_cases([path], EmergencyExamples.from_yaml())
    holdout = {c.id for c in load_pool(path) if case_half(c) == "heldout"}
    tune = {c.id for c in load_pool(path) if case_half(c) == "calibration"}
    ids = {c.id for c in cases if c.source == path.name}
    assert ids == tune and not ids & holdout
    examples = [c for c in cases if c.source == "emergency_examples"]
    assert any(c.danger for c in examples) and any(not c.danger for c in examples)


def test_the_classifiers_own_statements_train_in_every_catalogue_language() -> None:
    statements = DangerStatements.from_yaml()
    languages = {"de", "en", "tr", "ar", "uk", "ru", "pl", "ro", "fa", "fr"}
    assert set(statements.emergencies) == languages == set(statements.ordinary)
    cases = training_cases([], EmergencyExamples.from_yaml(), statements)
    own = [c for c in cases if c.source == "danger_examples"]
    assert sum(c.danger for c in own) == sum(len(t) for t in statements.emergencies.values())
    assert sum(not c.danger for c in own) == sum(len(t) for t in statements.ordinary.values())
    assert len({c.id for c in own}) == len(own) and {c.tenant for c in own} == {"muenchen"}
    # Never a case of an evaluation set or pool (the file's procedure, danger_examples.md).
    written = {c.question for c in own}
    for path in [*SETS.glob("*.jsonl"), *POOLS.glob("*.jsonl")]:
        assert not written & {c.question for c in load_pool(path)}, path.name


def test_a_broken_statements_file_is_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "danger_examples.yaml"
    broken.write_text("version: 1\nemergencies: [no languages]\n", "utf-8")
    with pytest.raises(ConfigurationError, match="cannot read the danger examples"):
        DangerStatements.from_yaml(broken)


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


def test_own_thresholds_keep_every_source_within_one_in_a_thousand(
    rows: list[TrainingRow],
) -> None:
    # Real readings with their flags set, and probabilities as a fold would give them.
    negative = next(r for r in rows if not r.case.danger)

    def row(source: str, *, leans: bool, net: bool) -> TrainingRow:
        reading = negative.reading.model_copy(
            update={"overrulable": True, "rule_danger": False, "leans": leans, "net_danger": net}
        )
        case = negative.case.model_copy(update={"source": source})
        return TrainingRow(case=case, reading=reading)

    big = [row("pool", leans=False, net=False) for _ in range(2000)]  # may raise 2 alarms
    big[0] = row("pool", leans=True, net=False)  # at 0.97 above fire: spends one
    for i in (1, 2, 3, 4, 5):
        big[i] = row("pool", leans=True, net=True)
    p = np.full(2000, 0.001)
    p[:6] = [0.97, 0.8, 0.6, 0.3, 0.1, 0.01]
    p[6:9] = [0.995, 0.992, 0.5]  # not leaning: one more alarm left for them
    own = own_thresholds(big, p, fire=0.96, veto=0.02)
    assert own == {"fire_alone": 0.993, "net": 0.81}  # no alarm left for the net's hits

    def product_alarms(fire_alone: float, net: float) -> int:
        """What the product's own ``combine`` makes of the rows at these thresholds."""
        verdicts = (
            combine(
                float(q),
                rule_danger=r.reading.rule_danger,
                net_danger=r.reading.net_danger,
                overrulable=r.reading.overrulable,
                leans=r.reading.leans,
                fire=0.96,
                veto=0.02,
                fire_alone=fire_alone,
                net=net,
            )
            for r, q in zip(big, p, strict=True)
        )
        return sum(v in ("classifier", "net") for v in verdicts)

    # The thresholds are the lowest at which the product raises at most 2 alarms in 2,000.
    assert product_alarms(own["fire_alone"], own["net"]) == 2
    assert product_alarms(own["fire_alone"], 0.8) == product_alarms(0.992, NEVER) == 3
    # A small source may raise none: a look-alike at 0.999 keeps the classifier from firing
    # alone at all, and the net's hits then need what the fire threshold needs.
    small = [*big, row("examples", leans=False, net=False), row("examples", leans=True, net=True)]
    own = own_thresholds(small, np.append(p, [0.999, 0.97]), fire=0.96, veto=0.02)
    assert own == {"fire_alone": 1.0, "net": 0.96}
