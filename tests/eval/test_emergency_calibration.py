"""``govbot eval calibrate-emergency`` (issue #16 items 2-4): the grid and the choice, and the
command on a small real pool through the engine with the real embedder, for a tenant the
emergency examples have never seen (an Integreat region ingested as a new tenant)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.settings import Settings
from eval.cli import app
from eval.emergency_calibration import Scored, calibrate
from ingest.chunking import chunk_service
from ingest.integreat import load_integreat
from ingest.sync import sync_tenant
from knowledge.embedding import Embedder
from knowledge.retrieval import open_store

runner = CliRunner()
PAGES = Path(__file__).resolve().parents[2] / "data" / "integreat" / "rems-murr-kreis_de_pages.json"
NEW_TENANT = "neustadt"  # the region's pages under a name no example or rule knows


def _scored(id_: str, half: str, *, emergency: bool, similarity: float, other: float) -> Scored:
    return Scored.model_validate(
        {"pool": "p", "id": id_, "half": half, "emergency": emergency, "by_rule": False,
         "similarity": similarity, "other": other}
    )  # fmt: skip


def test_the_choice_keeps_every_calibration_half_within_the_limit() -> None:
    scored = [
        _scored("e1", "calibration", emergency=True, similarity=0.90, other=0.80),
        _scored("e2", "calibration", emergency=True, similarity=0.86, other=0.85),
        _scored("e3", "heldout", emergency=True, similarity=0.87, other=0.84),
        _scored("o1", "calibration", emergency=False, similarity=0.865, other=0.85),
        _scored("o2", "heldout", emergency=False, similarity=0.90, other=0.80),
    ]
    result = calibrate(scored, thresholds=(0.85, 0.87), margins=(0.0, 0.02), max_rate=0.0)
    # Only 0.85 / 0.0 finds e2, and it finds o1 too; of the rest (all find e1), the highest
    # threshold and margin win.
    assert result.chosen is not None
    assert (result.chosen.threshold, result.chosen.margin) == (0.87, 0.02)
    assert result.chosen.recall["calibration"].hits == 1
    # The held-out half is reported, never chosen on: o2 is a false alarm there.
    assert result.chosen.false_alarms["p"]["heldout"].hits == 1
    with pytest.raises(ValueError, match="max_rate must lie in"):
        calibrate(scored, max_rate=1.5)


@pytest.fixture(scope="module")
def new_tenant_index(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Settings:
    """Twelve real pages of an Integreat region as a new tenant, nothing else."""
    settings = Settings(env="test", data_dir=tmp_path_factory.mktemp("new-tenant"))
    pages = load_integreat(PAGES, tenant=NEW_TENANT)[:12]
    with open_store(settings) as store:
        sync_tenant(
            pages,
            tenant=NEW_TENANT,
            source="integreat",
            store=store,
            embedder=embedder,
            chunker=chunk_service,
        )
    return settings


POOL = [
    ("o1", "Wo kann ich einen Deutschkurs machen?", None),
    ("o2", "wohnung gesucht", None),
    ("o3", "Wie melde ich mein Kind im Kindergarten an?", None),
    ("o4", "Where can I find a doctor who speaks English?", None),
    ("o5", "Наш будинок згорів минулого тижня, як отримати нові документи?", None),
    ("o6", "Wie werde ich Feuerwehrmann?", None),
    ("e1", "Meine Nachbarin liegt im Flur und atmet nicht", "emergency"),
    ("e2", "Mój chłopak właśnie mnie bije", "emergency"),
    ("e3", "Jemand liegt regungslos vor unserer Haustür", "emergency"),
]


def test_the_command_calibrates_on_a_new_tenant_without_new_examples(
    new_tenant_index: Settings, tmp_path: Path
) -> None:
    pool = tmp_path / "pool.jsonl"
    rows = [
        {"id": i, "tenant": NEW_TENANT, "question": q, "expected_status": [s or "answered"]}
        for i, q, s in POOL
    ]
    pool.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    result = runner.invoke(
        app,
        ["calibrate-emergency", "--pool", str(pool), "--json"],
        env={"GOVBOT_ENV": "test", "GOVBOT_DATA_DIR": str(new_tenant_index.data_dir)},
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    shipped = next(p for p in report["points"] if (p["threshold"], p["margin"]) == (0.86, 0.01))
    halves = shipped["false_alarms"]["pool.jsonl"]
    assert halves["calibration"]["hits"] + halves["heldout"]["hits"] == 0
    assert halves["calibration"]["n"] + halves["heldout"]["n"] == 6
    recall = shipped["recall"]
    assert recall["calibration"]["hits"] + recall["heldout"]["hits"] == 3
    assert report["chosen"] is not None
