"""``govbot eval train-adapter`` and its parts, on a tiny real subset of the Munich index."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from bot.settings import Settings
from eval.adapter_data import check_training_file, training_hash, vocabulary_examples
from eval.adapter_training import AdapterTraining, TenantPassages, TrainingQuery, fit_residual
from eval.cli import app
from knowledge.errors import SourceError
from knowledge.models import OzgInfo
from knowledge.query_adapter import load_query_adapter
from tests.factories import make_service

runner = CliRunner()
QUESTIONS = [
    {
        "question": "Ich will einen Laden aufmachen",
        "tenant": "muenchen",
        "expected": ["muenchen/1063423"],
    },
    {"question": "Pass für den Urlaub", "tenant": "muenchen", "expected": ["muenchen/1063453"]},
    {"turns": ["Hallo", "Reisepass"], "tenant": "muenchen", "expected": ["muenchen/1063453"]},
]


@pytest.mark.parametrize(
    "name",
    [
        "eval/sets/integreat_dev_fr.jsonl",
        "munich_citizens_holdout.jsonl",
        "x/test.jsonl",
        "eval/pools/short_requests.jsonl",
    ],
)
def test_evaluation_material_is_refused(name: str) -> None:
    with pytest.raises(SourceError, match="training halves only"):
        check_training_file(Path(name))


@pytest.mark.parametrize(
    "name", ["eval/sets/integreat_train_fr.jsonl", "munich_citizens_tune.jsonl", "my_devices.jsonl"]
)
def test_training_files_are_accepted(name: str) -> None:
    check_training_file(Path(name))


def test_vocabulary_pairs_come_from_keywords_and_ozg_names() -> None:
    service = make_service(
        keywords=["Perso", " "],
        ozg=[
            OzgInfo(leika_key="99", leika_name="Personalausweis beantragen", ozg_service="Ausweis")
        ],
    )
    pairs = vocabulary_examples([service])
    assert [(e.text, e.expected) for e in pairs] == [
        ("Ausweis", (service.doc_id,)),
        ("Perso", (service.doc_id,)),
        ("Personalausweis beantragen", (service.doc_id,)),
    ]
    assert training_hash(pairs, "v1") == training_hash(list(reversed(pairs)), "v1")
    assert training_hash(pairs, "v1") != training_hash(pairs, "v2")


def test_fit_moves_queries_towards_their_documents() -> None:
    rng = np.random.default_rng(0)
    passages = rng.normal(size=(6, 8)).astype(np.float32)
    passages /= np.linalg.norm(passages, axis=1, keepdims=True)
    docs = ["t/a", "t/a", "t/b", "t/c", "t/d", "t/e"]
    # Each query sits near the wrong document; its expected one is another.
    queries = [
        TrainingQuery("t", passages[2] + 0.1 * passages[0], ("t/a",)),
        TrainingQuery("t", passages[3] + 0.1 * passages[4], ("t/d",)),
    ]
    losses: list[float] = []
    residual = fit_residual(
        queries,
        {"t": TenantPassages(passages, docs)},
        AdapterTraining(epochs=60, learning_rate=0.05, temperature=0.1, seed=1),
        on_epoch=lambda _, loss: losses.append(loss),
    )
    assert residual.shape == (8, 8)
    assert len(losses) == 60 and losses[-1] < losses[0] / 2
    adapted = [(q.vector + q.vector @ residual) for q in queries]
    assert int(np.argmax(passages @ adapted[0])) in (0, 1)
    assert int(np.argmax(passages @ adapted[1])) == 4


def test_the_command_trains_writes_and_reports(munich_index: Settings, tmp_path: Path) -> None:
    questions = tmp_path / "mine_train.jsonl"
    questions.write_text("".join(json.dumps(q) + "\n" for q in QUESTIONS), encoding="utf-8")
    out = tmp_path / "adapter.npz"
    args = ["train-adapter", "--questions", str(questions), "--epochs", "3", "--out", str(out)]
    env = {"GOVBOT_ENV": "test", "GOVBOT_DATA_DIR": str(munich_index.data_dir)}
    result = runner.invoke(
        app, [*args, "--query-cache", str(tmp_path / "q.npz"), "--no-progress"], env=env
    )
    assert result.exit_code == 0, result.output
    assert re.findall(r"epoch (\d)/3: loss", result.stderr) == ["1", "2", "3"]
    adapter = load_query_adapter(out)
    assert (adapter.embedder, adapter.dim) == ("multilingual-e5-small", 384)
    assert adapter.meta["examples"]["mine_train.jsonl"] == 2  # the multi-turn case is skipped
    assert adapter.meta["examples"]["vocabulary"] > 0
    assert adapter.meta["training"]["seed"] == 20261207
    assert f"query adapter written to {out}" in result.stdout
    # Same data and seed: the same matrix (the query vectors now come from the cache).
    again = tmp_path / "again.npz"
    rerun = [*args[:-1], str(again), "--query-cache", str(tmp_path / "q.npz"), "--no-progress"]
    assert runner.invoke(app, rerun, env=env).exit_code == 0
    np.testing.assert_array_equal(load_query_adapter(again).residual, adapter.residual)


def test_the_command_refuses_a_dev_file(munich_index: Settings, tmp_path: Path) -> None:
    dev = tmp_path / "integreat_dev_de.jsonl"
    dev.write_text(json.dumps(QUESTIONS[0]) + "\n", encoding="utf-8")
    result = runner.invoke(
        app,
        [
            "train-adapter",
            "--questions",
            str(dev),
            "--out",
            str(tmp_path / "a.npz"),
            "--no-progress",
        ],
        env={"GOVBOT_ENV": "test", "GOVBOT_DATA_DIR": str(munich_index.data_dir)},
    )
    assert result.exit_code != 0
    assert not (tmp_path / "a.npz").exists()
