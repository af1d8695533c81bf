"""``govbot eval run | list | show | compare | report | gate`` against a real index and database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from bot.dialogue.policy import DEFAULT_RULES
from bot.errors import NotFoundError
from bot.settings import Settings
from eval.cli import app
from eval.commands import answer_lines
from eval.sets_schema import load_set

runner = CliRunner()
CASES = ("mu-pass-fee", "bh-em-fire-kitchen", "bh-dec-wohngeld", "bh-person-direct")


@pytest.fixture
def env(munich_index: Settings, tmp_path: Path) -> dict[str, str]:
    """Only explicit GOVBOT_* values: the session's index, a private SQLite database."""
    return {
        "COLUMNS": "200",
        "GOVBOT_ENV": "test",
        "GOVBOT_DATA_DIR": str(munich_index.data_dir),
        "GOVBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'runs.sqlite3'}",
    }


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    chosen = {c.id: c for name in ("munich_services", "behaviour") for c in load_set(name).cases}
    path = tmp_path / "tiny.jsonl"
    path.write_text("".join(chosen[i].model_dump_json() + "\n" for i in CASES), encoding="utf-8")
    return path


def invoke(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_run_list_show_compare_report_and_gate(
    env: dict[str, str], tiny: Path, tmp_path: Path
) -> None:
    code, out, err = invoke(env, "run", "--set", str(tiny), "--label", "baseline", "--no-progress",
                            "--json")  # fmt: skip
    assert code == 0, err
    first = json.loads(out)
    assert first["id"] == 1
    assert (first["metrics"]["cases"], first["metrics"]["emergencies_missed"]) == (4, 0)
    assert invoke(env, "run", "--set", str(tiny), "--no-progress")[0] == 0

    code, out, _ = invoke(env, "list")
    assert code == 0 and "baseline" in out and "tiny" in out

    code, out, _ = invoke(env, "show", "1")
    assert code == 0 and "Run 1 baseline" in out and "status_accuracy" in out

    code, out, _ = invoke(env, "compare", "1", "latest", "--json")
    comparison = json.loads(out)
    assert (code, comparison["run_a"], comparison["run_b"]) == (0, 1, 2)
    assert comparison["same_set"] and comparison["changed"] == []

    code, out, _ = invoke(env, "report", "latest", "--out", str(tmp_path / "report"))
    assert code == 0 and Path(out.strip()) == tmp_path / "report" / "index.html"

    code, out, _ = invoke(env, "gate", "--baseline", "1", "--run", "2")
    assert code == 0 and "gate passed: run 2 against baseline 1" in out


def test_gate_runs_the_set_and_fails_with_a_policy_without_emergency_rules(
    env: dict[str, str], tiny: Path, tmp_path: Path
) -> None:
    assert invoke(env, "run", "--set", str(tiny), "--no-progress")[0] == 0
    rules = yaml.safe_load(DEFAULT_RULES.read_text(encoding="utf-8"))
    rules["rules"] = [rule for rule in rules["rules"] if rule["label"] != "emergency"]
    broken = tmp_path / "no_emergency_rules.yaml"
    broken.write_text(yaml.safe_dump(rules, allow_unicode=True), encoding="utf-8")

    broken_env = env | {  # no emergency rules and no safety net behind them (net, classifier)
        "GOVBOT_DIALOGUE__RULES_PATH": str(broken),
        "GOVBOT_DIALOGUE__SEMANTIC_EMERGENCY_CHECK": "false",
        "GOVBOT_DIALOGUE__DANGER_MODEL": "false",
    }
    code, _, err = invoke(broken_env, "gate", "--baseline", "1", "--no-progress")
    assert code == 1
    assert "emergency missed in 1 case(s): bh-em-fire-kitchen" in err


def test_unknown_runs_are_named(env: dict[str, str]) -> None:
    with pytest.raises(NotFoundError, match="evaluation run 7 does not exist"):
        invoke(env, "show", "7")


def test_the_summary_lines_name_answer_gap_and_refusal_figures() -> None:
    lines = answer_lines(
        {
            "answer_line_contained": 0.5889,
            "answer_line_early": 0.4444,
            "answer_chars_median": 473.0,
            "gap_stated": 1.0,
            "false_gaps": 0,
            "decision_cases": 12,
            "decisions_answered": 1,
            "false_decision_refusals": 2,
            "procedural_refused": 1,
        }
    )
    assert lines == [
        "answers: line anywhere 0.59; in first 300 chars 0.44; median length 473",
        "gaps: said where the source lacks the aspect 1.00; false gaps 0",
        "decisions: missed 1 of 12; false refusals 2 (of procedural questions 1)",
    ]
    assert all(len(line) <= 80 for line in lines)
    quiet = answer_lines({"answer_line_contained": None, "gap_stated": None})
    assert quiet == ["decisions: missed 0 of 0; false refusals 0 (of procedural questions 0)"]
    facts_only = answer_lines({"facts_present": 0.87, "false_gaps": 2, "gap_stated": None})
    assert facts_only[0] == "gaps: said where the source lacks the aspect -; false gaps 2"
