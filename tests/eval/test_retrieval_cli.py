"""``govbot eval retrieval`` against the session's real Munich index, in every mode."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.settings import Settings
from eval.cli import app

runner = CliRunner()
QUESTIONS = [
    {"question": "Gewerbe anmelden", "tenant": "muenchen", "expected": ["muenchen/1063423"]},
    {"question": "Reisepass beantragen", "tenant": "muenchen", "expected": ["muenchen/1063453"]},
    {"question": "Wie ist das Wetter?", "tenant": "muenchen", "expected": []},
]
KEYS = ["n", "recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10"]


@pytest.fixture
def questions(tmp_path: Path) -> Path:
    path = tmp_path / "questions.jsonl"
    path.write_text("".join(json.dumps(q) + "\n" for q in QUESTIONS), encoding="utf-8")
    return path


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_json_output_in_every_mode(
    munich_index: Settings, questions: Path, tmp_path: Path, mode: str
) -> None:
    ranks = tmp_path / "ranks.jsonl"
    args = ["retrieval", "--questions", str(questions), "--json", "--mode", mode, "--no-progress"]
    result = runner.invoke(
        app,
        [*args, "--results", str(ranks)],
        env={"GOVBOT_ENV": "test", "GOVBOT_DATA_DIR": str(munich_index.data_dir)},
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert {key: out[key] for key in KEYS} == {
        "n": 2,
        "recall@1": 1.0,
        "recall@5": 1.0,
        "recall@10": 1.0,
        "mrr@10": 1.0,
        "ndcg@10": 1.0,
    }
    assert out["skipped"] == 1
    assert out["mode"] == mode
    assert 0 < out["latency_ms_p50"] <= out["latency_ms_p95"]
    assert out["per_tenant"]["muenchen"]["n"] == 2
    lines = [json.loads(line) for line in ranks.read_text(encoding="utf-8").splitlines()]
    assert [(r["ranked"][0], r["first_hit"]) for r in lines] == [
        ("muenchen/1063423", 1),
        ("muenchen/1063453", 1),
    ]


def test_unknown_tenant_is_a_clear_error(munich_index: Settings, tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text('{"question": "Hallo", "tenant": "atlantis", "expected": ["atlantis/1"]}\n')
    result = runner.invoke(
        app,
        ["retrieval", "--questions", str(path), "--no-progress"],
        env={"GOVBOT_ENV": "test", "GOVBOT_DATA_DIR": str(munich_index.data_dir)},
    )
    assert result.exit_code != 0
    assert "Unknown tenant 'atlantis'" in str(result.exception)
