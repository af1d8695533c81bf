"""Training the verdict-request classifier (eval/verdict_training.py) on a small real subset:
the engine reads real messages with the real e5 embedder, the fit is reproducible, the
thresholds are chosen per language, and a holdout half never trains."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.assistant import build_engine
from bot.dialogue.verdict import VerdictClassifier
from bot.settings import Settings
from eval.pools import case_half, load_pool
from eval.verdict_training import (
    FIRE_FLOOR,
    TrainingRow,
    VerdictExamples,
    read_rows,
    train,
    training_cases,
)
from knowledge.errors import ConfigurationError
from knowledge.retrieval import Retriever

SETS = Path(__file__).resolve().parents[2] / "eval" / "sets"


def test_only_tune_halves_and_the_examples_train() -> None:
    path = SETS / "verdicts.jsonl"
    examples = VerdictExamples.from_yaml()
    cases = training_cases([path], examples)
    pool = load_pool(path)
    tune = {c.id for c in pool if case_half(c) == "calibration"}
    holdout = {c.id for c in pool if case_half(c) == "heldout"}
    ids = {c.id for c in cases if c.source == path.name}
    assert ids == tune and not ids & holdout
    kinds = {c.id: c.verdict for c in cases if c.source == path.name}
    assert all(kinds[i] == ("-decision-" in i) for i in kinds)
    from_examples = [c for c in cases if c.source == "verdict_examples"]
    languages = {c.language for c in from_examples}
    assert {"de", "en", "tr", "ar", "uk", "ru", "pl", "ro", "fa", "fr"} <= languages
    for language in languages:
        labels = {c.verdict for c in from_examples if c.language == language}
        assert labels == {True, False}, language


def test_a_case_that_allows_a_refusal_and_an_answer_has_no_label(tmp_path: Path) -> None:
    pool = tmp_path / "set.jsonl"
    rows = [
        {"id": "a", "tenant": "muenchen", "question": "Steht mir das zu?",
         "expected_status": ["refused_decision"]},
        {"id": "b", "tenant": "muenchen", "question": "Wer hat Anspruch?",
         "expected_status": ["answered", "refused_decision"]},
        {"id": "c", "tenant": "muenchen", "question": "perso abholen"},
    ]  # fmt: skip
    pool.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    cases = training_cases([pool], VerdictExamples(version=1))
    labelled = {c.id: c.verdict for c in cases}
    calibration = {c.id for c in load_pool(pool) if case_half(c) == "calibration"}
    assert labelled == {i: i == "a" for i in ("a", "c") if i in calibration}


def test_a_damaged_examples_file_is_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "verdict_examples.yaml"
    broken.write_text("version: 1\nverdicts: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="cannot read the verdict examples"):
        VerdictExamples.from_yaml(broken)


@pytest.fixture(scope="module")
def rows(munich_index: Settings, munich_retriever: Retriever) -> list[TrainingRow]:
    settings = munich_index.model_copy(deep=True)
    settings.dialogue.verdict_model = False
    engine = build_engine(settings, munich_retriever)
    examples = VerdictExamples.from_yaml()
    small = VerdictExamples(
        version=1,
        verdicts={"de": examples.verdicts["de"][:10], "en": examples.verdicts["en"][:4]},
        not_verdicts={
            "de": examples.not_verdicts["de"][:10],
            "en": examples.not_verdicts["en"][:4],
        },
    )
    cases = training_cases([], small)
    done: list[int] = []
    read = read_rows(
        cases,
        lambda m, t: engine.verdict_reading(m, tenant=t),
        progress=lambda d, n: done.append(d),
    )
    assert done[-1] == len(cases) == len(read) == 28
    return read


def test_training_is_reproducible_and_records_its_data(rows: list[TrainingRow]) -> None:
    first = train(rows, embedder="multilingual-e5-small", command="test", folds=3, cs=(0.1, 1.0))
    second = train(rows, embedder="multilingual-e5-small", command="test", folds=3, cs=(0.1, 1.0))
    assert first.model_dump_json() == second.model_dump_json()
    assert first.training.positives == 14 and first.training.negatives == 14
    assert first.training.sources == {"verdict_examples": 28}
    assert first.extra_features == ["log_content_words"] and len(first.coef) == 385
    assert 0 <= first.veto < first.fire <= 1
    # Fewer than MIN_NEGATIVES negatives per language: no language has its own threshold.
    assert first.fire_by_language == {}
    figures = first.cross_validation
    assert figures["positives"] == 14 and figures["before_refused"] <= 14
    # The fitted model separates its training data (what the classifier computes at run time).
    classifier = VerdictClassifier(first, embedder=lambda: "multilingual-e5-small")
    for row in rows:
        p = classifier.probability(row.reading.vector, content_words=row.reading.content_words)
        assert (p > 0.5) is row.case.verdict, (row.case.question, p)


def test_a_language_with_enough_negatives_gets_its_own_threshold(
    rows: list[TrainingRow], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("eval.verdict_training.MIN_NEGATIVES", 10)
    model = train(rows, embedder="multilingual-e5-small", command="test", folds=3, cs=(0.1,))
    assert set(model.fire_by_language) == {"de"}
    assert FIRE_FLOOR <= model.fire_by_language["de"] <= 1
    assert model.fire_for("de") == model.fire_by_language["de"]
    assert model.fire_for("it") == model.fire
