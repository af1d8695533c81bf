"""`govbot search`: JSON and table output, user errors as exit code 2 without a traceback."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from bot.cli.app import PLUGIN_GROUP, app, register_plugins
from knowledge.embedding import Embedder
from knowledge.index import EmbedderIdentity
from knowledge.index_edge import EdgeIndexStore
from knowledge.sparse import Bm25Encoder
from tests.knowledge.conftest import build_version, corpus_services, embed_services

QUESTION = "Was brauche ich für einen neuen Personalausweis?"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Path:
    """A data directory with a small two-tenant Edge index."""
    data_dir = tmp_path_factory.mktemp("cli") / "data"
    services = corpus_services()
    stored = embed_services(services, embedder, Bm25Encoder())
    with EdgeIndexStore(data_dir / "index") as store:
        identity = EmbedderIdentity(name=embedder.name, dim=embedder.dim)
        build_version(store, services, stored, identity)
    return data_dir


def run_govbot(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the real console entry point in a fresh process."""
    env = {**os.environ, "GOVBOT_DATA_DIR": str(data_dir)}
    command = [sys.executable, "-c", "from bot.cli.app import main; main()", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


def test_search_json_lists_documents_best_first(data_dir: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["search", QUESTION, "--tenant", "muenchen", "--k", "3", "--json"],
        env={"GOVBOT_DATA_DIR": str(data_dir)},
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [set(row) for row in rows] == [{"doc_id", "title", "score", "section", "url"}] * 3
    assert rows[0]["doc_id"] == "muenchen/1063441"
    assert rows[0]["url"] == "https://stadt.muenchen.de/#/services/1063441"
    assert len({row["doc_id"] for row in rows}) == 3
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)


def test_search_prints_a_table_and_honours_the_mode(data_dir: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["search", "Hundesteuer", "--tenant", "muenchen", "--mode", "bm25", "--k", "2"],
        env={"GOVBOT_DATA_DIR": str(data_dir), "COLUMNS": "120"},
    )
    assert result.exit_code == 0, result.output
    assert re.findall(r"muenchen/\d+", result.stdout) == ["muenchen/7000001", "muenchen/7000002"]


def test_user_errors_exit_with_code_2_and_no_traceback(data_dir: Path) -> None:
    empty = run_govbot(data_dir, "search", "  ", "--tenant", "muenchen")
    assert (empty.returncode, empty.stdout) == (2, "")
    assert empty.stderr == (
        "Error: Query is empty; ask a question such as 'Wie beantrage ich einen Personalausweis?'\n"
    )
    unknown = run_govbot(data_dir, "search", QUESTION, "--tenant", "berlin", "--json")
    assert unknown.returncode == 2
    assert unknown.stderr.startswith("Error: Unknown tenant 'berlin': the index has no passages")
    assert "Traceback" not in unknown.stderr


def test_plugin_command_groups_are_registered_once() -> None:
    target = typer.Typer()
    names = register_plugins(target)
    assert set(names) <= {entry.name for entry in entry_points(group=PLUGIN_GROUP)}
    assert register_plugins(target) == []
