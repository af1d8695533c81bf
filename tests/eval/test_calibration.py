"""``govbot eval calibration`` on a tiny set over the session's real Munich index: the
retrieval is kept in a file, the models are fitted with grouped cross-validation, the
reliability table is computed from out-of-fold predictions, and ``--write`` puts the model
into a copy of the ranking YAML that the ranker then loads."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from bot.dialogue.ranking import DEFAULT_MODEL, RANK_FEATURES, RankingModel
from bot.settings import Settings
from eval.calibration import (
    CONFIDENCE_FEATURES,
    MIN_LANGUAGE_ROWS,
    Example,
    dense_floors,
    reliability,
    threshold_table,
    with_service_questions,
)
from eval.cli import app

runner = CliRunner()
SERVICE = [
    ("Gewerbe anmelden", "1063423"),
    ("Reisepass beantragen", "1063453"),
    ("Was kostet ein Personalausweis?", "1063441"),
    ("Führungszeugnis beantragen", "1063565"),
    ("Auto abmelden", "1064305"),
    ("Bewohnerparkausweis beantragen", "1072043"),
    ("Meldebescheinigung bekommen", "1063576"),
    ("Fundsache abholen", "1063519"),
    ("Ich bin umgezogen und muss mich anmelden", "1063475"),
    ("Perso verloren", "1076889"),
    ("heiraten anmelden Standesamt", "1063648"),
    ("Adresse im Pass ändern", "10242339"),
]
MISSING = [
    "Wohngeld beantragen",
    "Hundesteuer zahlen",
    "Sperrmüll abholen lassen",
    "Baugenehmigung für einen Carport",
    "Briefwahl beantragen",
    "Kita-Platz finden",
]


@pytest.fixture
def tiny_set(tmp_path: Path) -> Path:
    cases = [
        {
            "id": f"s{i}",
            "tenant": "muenchen",
            "question": q,
            "expected": [f"muenchen/{doc}"],
            "tags": {"kind": "service"},
        }
        for i, (q, doc) in enumerate(SERVICE)
    ] + [
        {
            "id": f"m{i}",
            "tenant": "muenchen",
            "question": q,
            "expected": [],
            "expected_status": ["unanswerable"],
            "tags": {"kind": "missing_topic"},
        }
        for i, q in enumerate(MISSING)
    ]
    path = tmp_path / "tiny.jsonl"
    path.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cases), "utf-8")
    return path


def test_calibration_command_fits_reports_and_writes(
    munich_index: Settings, tiny_set: Path, tmp_path: Path
) -> None:
    rows = tmp_path / "rows.json"
    model = tmp_path / "ranking.yaml"
    shutil.copy(DEFAULT_MODEL, model)
    env = {"GOVBOT_ENV": "test", "GOVBOT_DATA_DIR": str(munich_index.data_dir)}
    args = [
        "calibration",
        "--questions",
        str(tiny_set),
        "--retrieved",
        str(rows),
        "--folds",
        "2",
        "--no-progress",
        "--json",
    ]
    result = runner.invoke(app, [*args, "--write", str(model)], env=env)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["n"] == len(SERVICE) + len(MISSING)
    assert out["languages"] == []
    table = out["confidence_table"]
    assert sum(b["n"] for b in table) == out["n"]
    assert all(0 <= b["predicted"] <= 1 and 0 <= b["observed"] <= 1 for b in table)
    assert [r["threshold"] for r in out["confidence_thresholds"]][:2] == [0.2, 0.3]
    assert len(json.loads(rows.read_text(encoding="utf-8"))) == out["n"]

    written = RankingModel.from_yaml(model)
    assert written.confidence_bias == round(out["confidence"]["bias"], 4)
    assert written.reach_weights == out["reach"]["weights"]
    assert written.page_confidence_shift == 0.0
    assert written.weights == RankingModel.from_yaml().weights  # the re-ranker stays
    # The rank features (leads) are the confidence model's alone.
    assert set(CONFIDENCE_FEATURES) <= set(written.confidence_weights)
    assert not set(CONFIDENCE_FEATURES) & set(written.reach_weights)
    assert "card_gap" in CONFIDENCE_FEATURES
    assert written.lead_defaults == out["lead_defaults"]
    assert set(written.lead_defaults) == set(RANK_FEATURES)
    # The kept retrieval has each document's card cosine apart from its text passages'.
    kept = json.loads(rows.read_text(encoding="utf-8"))
    assert all(row["retrieved"]["card"] for row in kept)
    assert all(
        row["retrieved"]["card"][doc] <= row["retrieved"]["dense"][doc]
        for row in kept
        for doc in row["retrieved"]["card"]
    )
    # 18 German questions, fewer than a language's own floor needs: the default alone.
    assert written.dense_floors == out["dense_floors"]
    assert set(written.dense_floors) == {"default"}
    assert 0.5 < written.dense_floors["default"] < 1.0

    # A second fit reads the kept retrieval (same rows, same figures) without searching;
    # --classes puts the failure classes (eval/ranking_failures.py) beside the JSON.
    again = runner.invoke(
        app, [*args, "--classes"], env={**env, "GOVBOT_DATA_DIR": str(munich_index.data_dir)}
    )
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["confidence_table"] == table
    assert "Expected document's rank × outcome" in again.stderr
    assert "muenchen de" in again.stderr


def test_holdout_cases_are_refused(munich_index: Settings, tmp_path: Path) -> None:
    path = tmp_path / "holdout.jsonl"
    case = {
        "id": "h1",
        "tenant": "muenchen",
        "question": "Reisepass beantragen",
        "expected": ["muenchen/1063453"],
        "tags": {"kind": "service", "split": "holdout"},
    }
    path.write_text(json.dumps(case) + "\n", encoding="utf-8")
    env = {"GOVBOT_ENV": "test", "GOVBOT_DATA_DIR": str(munich_index.data_dir)}
    args = [
        "calibration",
        "--questions",
        str(path),
        "--retrieved",
        str(tmp_path / "r.json"),
        "--split",
        "holdout",
        "--no-progress",
    ]
    result = runner.invoke(app, args, env=env)
    assert result.exit_code != 0
    assert "holdout half" in str(result.exception)


def test_reliability_bins_predictions_against_outcomes() -> None:
    predicted = np.array([0.05, 0.15, 0.12, 0.95, 0.91, 0.55])
    observed = np.array([0, 0, 1, 1, 1, 0])
    bins = reliability(predicted, observed)
    assert [(b.low, b.n, b.observed) for b in bins] == [
        (0.0, 1, 0.0),
        (0.1, 2, 0.5),
        (0.5, 1, 0.0),
        (0.9, 2, 1.0),
    ]
    assert bins[1].predicted == 0.135
    rows = threshold_table(predicted, observed)
    half = next(r for r in rows if r.threshold == 0.5)
    assert (half.kept, half.right, half.missed) == (3, 2, 1)


def _example(language: str, dense_top: float, *, rank: int | None = 0) -> Example:
    return Example(
        id=f"{language}{dense_top}",
        language=language,
        group=f"{language}{dense_top}",
        features={"dense_top": dense_top},
        right=rank == 0,
        reached=rank is not None,
        rank=rank,
        negative=rank is None,
    )


def test_dense_floors_are_the_lowest_cosine_of_a_reached_question_per_language() -> None:
    data = [
        *(_example("de", 0.85 + i / 1000) for i in range(MIN_LANGUAGE_ROWS)),
        _example("de", 0.70, rank=None),  # a topic not covered: no floor of its own
        _example("de", 0.60, rank=5),  # reached only beyond the four choices
        *(_example("en", 0.8219 + i / 1000) for i in range(MIN_LANGUAGE_ROWS)),
        _example("tr", 0.79),  # too few Turkish questions for a floor of their own
    ]
    floors = dense_floors(data, options=4)
    assert floors == {"de": 0.85, "en": 0.821, "default": 0.79}
    assert dense_floors([_example("de", 0.8, rank=None)], options=4) == {}


def test_a_language_with_out_of_catalogue_questions_alone_is_left_out() -> None:
    service = _example("en", 0.85)
    negative = _example("tr", 0.80, rank=None)  # rank None: a topic the tenant lacks
    english_negative = _example("en", 0.80, rank=None)
    kept = with_service_questions([service, negative, english_negative])
    assert kept == [service, english_negative]


def test_five_choices_are_fitted_and_weighed_against_fewer(
    munich_index: Settings, tiny_set: Path, tmp_path: Path
) -> None:
    """`--options 5` fits the reach model about the first five candidates and writes it;
    `--policy` then plays 2 to 5 choices through (issue 13); without `--options 5` it
    plays the two to four of issue 12 item 2."""
    model = tmp_path / "ranking.yaml"
    shutil.copy(DEFAULT_MODEL, model)
    env = {"GOVBOT_ENV": "test", "GOVBOT_DATA_DIR": str(munich_index.data_dir)}
    args = ["calibration", "--questions", str(tiny_set), "--retrieved", str(tmp_path / "r.json")]
    result = runner.invoke(
        app,
        [*args, "--folds", "2", "--options", "5", "--policy", "--write", str(model), "--json"],
        env=env,
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["options"] == 5
    assert RankingModel.from_yaml(model).options == 5
    played = {line.split("│")[1].strip() for line in result.stderr.splitlines() if "│" in line}
    assert {"2", "3", "4", "5"} <= played
    # Without --options 5 the refit weighs two to four choices (issue 12 item 2).
    four = runner.invoke(app, [*args, "--folds", "2", "--policy", "--json"], env=env)
    assert four.exit_code == 0, four.output
    played = {line.split("│")[1].strip() for line in four.stderr.splitlines() if "│" in line}
    assert {"2", "3", "4"} <= played and "5" not in played
    refused = runner.invoke(app, [*args, "--options", "6"], env=env)
    assert refused.exit_code != 0 and "--options" in refused.output
