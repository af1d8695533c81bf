"""Fixtures of the evaluation tests: ``govbot eval`` on the session's Munich index, and pools
written as JSONL."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from bot.settings import Settings
from eval.cli import app

EvalCli = Callable[[Sequence[str]], Result]
PoolWriter = Callable[[Sequence[object]], Path]


@pytest.fixture
def eval_cli(munich_index: Settings) -> EvalCli:
    """Runs ``govbot eval <args>`` on the session's Munich index and returns its result."""
    env = {"GOVBOT_ENV": "test", "GOVBOT_DATA_DIR": str(munich_index.data_dir)}
    runner = CliRunner()
    return lambda args: runner.invoke(app, list(args), env=env)


@pytest.fixture
def pool_file(tmp_path: Path) -> PoolWriter:
    """Writes pool rows as one JSON object a line to a file of ``tmp_path``; returns its path."""

    def write(rows: Sequence[object]) -> Path:
        path = tmp_path / "pool.jsonl"
        path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
        return path

    return write
