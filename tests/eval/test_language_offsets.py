"""Offsets per language on the frozen confidence models (#13 item 4): the fit, the YAML it
writes, and ``govbot eval calibration --language-offsets`` over the session's real Munich
index."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.dialogue.ranking import DEFAULT_MODEL, RankingModel
from bot.settings import Settings
from eval.calibration import Example
from eval.cli import app
from eval.language_offsets import fit_offsets, shift, write_offsets
from eval.sets_schema import LANGUAGES

runner = CliRunner()
# Polish questions about Munich services, written for this test (not from any set).
POLISH = [
    ("Chcę zarejestrować działalność gospodarczą w Monachium, co muszę zrobić?", "1063423"),
    ("Potrzebuję nowego paszportu, jak go wyrobić w Monachium?", "1063453"),
    ("Ile kosztuje nowy dowód osobisty w Monachium?", "1063441"),
    ("Zgubiłem dowód osobisty, co mam teraz zrobić?", "1076889"),
    ("Chcę wyrejestrować samochód, bo go sprzedałem za granicę.", "1064305"),
    ("Jak dostać kartę parkingową dla mieszkańców mojej dzielnicy?", "1072043"),
]


def _example(language: str, dense: float, *, right: bool, rank: int | None) -> Example:
    return Example(
        id=f"{language}-{dense}-{right}-{rank}",
        language=language,
        group=f"{language}-{dense}",
        features={"dense": dense, "foreign": float(language != "de")},
        right=right,
        reached=rank is not None and rank < 4,
        rank=rank,
        negative=rank is None,
    )


def _model(**extra: float) -> RankingModel:
    return RankingModel(
        weights={"hybrid": 1.0},
        confidence_bias=-8.0,
        confidence_weights={"dense": 10.0, "foreign": 0.5, **extra},
        reach_bias=-6.0,
        reach_weights={"dense": 9.0, "foreign": 0.5, **extra},
        options=4,
    )


def test_the_shift_is_the_map_estimate_under_its_prior() -> None:
    assert shift([0.0, 0.0, 0.0, 0.0], [True, False, True, False]) == pytest.approx(0.0)
    up = shift([0.0] * 10, [True] * 10)
    assert 0.0 < up < 10.0  # the prior keeps a shift of all-right labels finite
    assert shift([0.0] * 10, [True] * 10, prior_variance=4.0) > up
    assert shift([0.0] * 10, [False] * 10) == pytest.approx(-up)
    # The optimum: the gradient of the log-posterior is zero there.
    logits, labels = [-1.0, 0.5, 2.0, -0.3], [True, True, False, False]
    b = shift(logits, labels)
    gradient = sum(1 / (1 + math.exp(-(z + b))) - y for z, y in zip(logits, labels, strict=True))
    assert gradient + b == pytest.approx(0.0, abs=1e-7)
    with pytest.raises(ValueError, match="3 logits for 2 labels"):
        shift([0.0, 0.0, 0.0], [True, False])


def test_offsets_are_fitted_per_language_and_replace_an_earlier_one() -> None:
    data = [
        *(_example("de", 0.9, right=True, rank=0) for _ in range(5)),
        *(_example("pl", 0.7, right=i < 2, rank=i % 3) for i in range(9)),
        *(_example("ro", 0.75, right=False, rank=None if i < 3 else 1) for i in range(6)),
        _example("tr", 0.6, right=False, rank=None),  # out-of-catalogue alone: left out
    ]
    offsets = fit_offsets(data, _model(), ["pl", "ro", "tr"])
    assert [o.language for o in offsets] == ["pl", "ro"]
    pl, ro = offsets
    assert (pl.n, pl.negatives, pl.right, pl.reached) == (9, 0, 2, 9)
    assert (ro.n, ro.negatives, ro.right, ro.reached) == (6, 3, 0, 3)
    # The logit of 0.7 is -0.5 (confidence) and 0.8 (reach): two of nine right pulls the
    # confidence down, nine of nine reached pulls the reach up.
    assert pl.confidence < 0 < pl.reach
    # A term the model already has for the language is replaced, not added to.
    again = fit_offsets(data, _model(lang_pl=3.0), ["pl"])
    assert again == [pl]
    with pytest.raises(ValueError, match="German"):
        fit_offsets(data, _model(), ["de"])


def test_writing_adds_the_terms_and_leaves_every_other_line(tmp_path: Path) -> None:
    path = tmp_path / "ranking.yaml"
    shutil.copy(DEFAULT_MODEL, path)
    before = RankingModel.from_yaml(path)
    data = [_example("pl", 0.8, right=i < 4, rank=0) for i in range(8)]
    offsets = fit_offsets(data, _model(), ["pl"])
    write_offsets(offsets, path)
    after = RankingModel.from_yaml(path)
    assert after.confidence_weights == {
        **before.confidence_weights,
        "lang_pl": offsets[0].confidence,
    }
    assert after.reach_weights == {**before.reach_weights, "lang_pl": offsets[0].reach}
    assert after.languages == tuple(sorted({*before.languages, "pl"}))
    unchanged = ("weights", "confidence_bias", "reach_bias", "options", "dense_floors")
    assert all(getattr(after, name) == getattr(before, name) for name in unchanged)
    old_lines = DEFAULT_MODEL.read_text(encoding="utf-8").splitlines()
    new_lines = path.read_text(encoding="utf-8").splitlines()
    changed = [old for old, new in zip(old_lines, new_lines, strict=True) if old != new]
    assert changed and all(
        line.startswith(("confidence_weights:", "reach_weights:", "languages:")) for line in changed
    )


def test_the_shipped_model_has_a_term_for_every_language_but_german() -> None:
    model = RankingModel.from_yaml()
    assert set(model.languages) == set(LANGUAGES) - {"de"}
    for code in model.languages:
        assert f"lang_{code}" in model.confidence_weights and f"lang_{code}" in model.reach_weights


def test_the_command_fits_and_writes_offsets_over_the_real_index(
    munich_index: Settings, tmp_path: Path
) -> None:
    questions = tmp_path / "polish.jsonl"
    questions.write_text(
        "".join(
            json.dumps(
                {
                    "id": f"pl{i}",
                    "tenant": "muenchen",
                    "question": text,
                    "expected": [f"muenchen/{doc}"],
                    "tags": {"kind": "service", "language": "pl"},
                },
                ensure_ascii=False,
            )
            + "\n"
            for i, (text, doc) in enumerate(POLISH)
        ),
        encoding="utf-8",
    )
    rows, model = tmp_path / "rows.json", tmp_path / "ranking.yaml"
    shutil.copy(DEFAULT_MODEL, model)
    env = {"GOVBOT_ENV": "test", "GOVBOT_DATA_DIR": str(munich_index.data_dir)}
    base = ["calibration", "--questions", str(questions), "--retrieved", str(rows)]

    refused = runner.invoke(app, [*base, "--language-offsets", "de,pl"], env=env)
    assert refused.exit_code == 2 and "German is the model's base" in refused.output
    assert not rows.exists()  # refused before anything was searched

    args = [*base, "--language-offsets", "pl", "--write", str(model), "--json", "--no-progress"]
    result = runner.invoke(app, args, env=env)
    assert result.exit_code == 0, result.output
    [fitted] = json.loads(result.stdout)
    assert fitted["language"] == "pl" and fitted["n"] == len(POLISH)
    written, shipped = RankingModel.from_yaml(model), RankingModel.from_yaml()
    assert written.confidence_weights["lang_pl"] == fitted["confidence"]
    assert written.reach_weights["lang_pl"] == fitted["reach"]
    others = {k: v for k, v in written.confidence_weights.items() if k != "lang_pl"}
    assert others == {k: v for k, v in shipped.confidence_weights.items() if k != "lang_pl"}
