"""``govbot eval`` finds the shipped pools, sets, rule files and data from any working
directory: its defaults are resolved against the installed project, not the current one."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.dialogue.danger import DEFAULT_MODEL as DANGER_MODEL
from bot.dialogue.verdict import DEFAULT_MODEL as VERDICT_MODEL
from eval.cli import (
    DANGER_POOLS,
    FALSE_ALARM_POOLS,
    FALSE_REFUSAL_POOLS,
    POOLS_DIR,
    VERDICT_POOLS,
    app,
    train_danger,
    train_verdict,
)
from eval.pools import load_pool


@pytest.mark.parametrize(
    "pools", [DANGER_POOLS, VERDICT_POOLS, FALSE_ALARM_POOLS, FALSE_REFUSAL_POOLS]
)
def test_the_default_pools_are_read_from_any_directory(
    pools: tuple[Path, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for path in pools:
        assert path.is_absolute() and load_pool(path), path


def test_the_classifiers_are_written_over_the_shipped_model_files_by_default() -> None:
    assert inspect.signature(train_danger).parameters["out"].default == DANGER_MODEL
    assert inspect.signature(train_verdict).parameters["out"].default == VERDICT_MODEL


def test_build_pools_in_another_directory_rebuilds_the_shipped_pools(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The project's data is found from elsewhere, and what it makes is what is shipped."""
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "pools"
    result = CliRunner().invoke(app, ["build-pools", "--out", str(out)])
    assert result.exit_code == 0, result.output
    for name in ("short_requests.jsonl", "integreat_questions.jsonl", "statements.jsonl"):
        assert (out / name).read_bytes() == (POOLS_DIR / name).read_bytes(), name
