"""``govbot ingest …`` end to end with the real embedder, on small copies of the real data."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.settings import Settings
from ingest.cli import REPOSITORY_DATA, app, default_catalogue
from knowledge.retrieval import open_retriever
from tests.ingest.conftest import LKAUGSBURG_PAGES, OZG_CATALOGUE, write_munich_subset

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "govbot-data"


def invoke(data_dir: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"GOVBOT_DATA_DIR": str(data_dir)})
    return result.exit_code, result.stdout, result.stderr


def test_dldb_ingest_then_resync_then_delete(tmp_path: Path, data_dir: Path) -> None:
    path = write_munich_subset(tmp_path / "muenchen", ["1063441", "1064271"])
    code, out, err = invoke(
        data_dir, "dldb", str(path), "--tenant", "muenchen", "--ozg", str(OZG_CATALOGUE)
    )
    assert code == 0, err
    assert f"OZG enrichment: 2 of 2 LeiKa keys resolved ({OZG_CATALOGUE})" in out
    assert f"Ingested 2 services for tenant 'muenchen' from {path}" in out
    assert "added 2, updated 0, deleted 0, unchanged 0" in out
    assert "passages embedded 7 " in out
    assert "embedder multilingual-e5-small, index version " in out

    code, out, err = invoke(data_dir, "dldb", str(path), "--tenant", "muenchen", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert (report["added"], report["unchanged"], report["passages_embedded"]) == (0, 2, 0)

    write_munich_subset(tmp_path / "muenchen", ["1063441"])
    code, out, err = invoke(data_dir, "dldb", str(path), "--tenant", "muenchen", "--no-ozg")
    assert code == 0, err
    assert "added 0, updated 1, deleted 1, unchanged 0" in out  # no OZG info → changed hash
    with open_retriever(Settings(data_dir=data_dir)) as retriever:
        hits = retriever.search("neuer Perso", tenant="muenchen", k=3)
    assert [hit.doc_id for hit in hits] == ["muenchen/1063441"]
    runs = (data_dir / "index" / "runs.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(runs) == 3


def test_each_sync_prepares_the_hub_scores_of_its_version(tmp_path: Path, data_dir: Path) -> None:
    """No citizen's first query computes them (knowledge/hub_cache.py): the synced tenant's
    are computed, the others' carried over, the old version's files removed with it."""
    path = write_munich_subset(tmp_path / "muenchen", ["1063441", "1064271"])
    for tenant, ready in [
        ("muenchen", "muenchen computed"),
        ("zweitstadt", "muenchen carried over, zweitstadt computed"),
        ("muenchen", "muenchen carried over, zweitstadt carried over"),  # nothing changed
        ("muenchen", "muenchen carried over, zweitstadt carried over"),
    ]:
        code, _, err = invoke(data_dir, "dldb", str(path), "--tenant", tenant, "--no-ozg")
        assert code == 0, err
        assert re.search(rf"Hub scores ready in [0-9.]+ s: {ready}\n", err), err
    with open_retriever(Settings(data_dir=data_dir)) as retriever:
        version = retriever.meta.version
    kept = sorted(p.name for p in (data_dir / "cache").glob("hubs-*.npz"))
    versions = {name.split("-", 2)[2].rsplit("-k", 1)[0] for name in kept}
    assert f"hubs-muenchen-{version}-k1000.npz" in kept
    assert f"hubs-zweitstadt-{version}-k1000.npz" in kept
    assert len(versions) == 2  # the store keeps two versions (GOVBOT_INDEX__KEEP_VERSIONS)


def test_integreat_ingest_skips_empty_pages(tmp_path: Path, data_dir: Path) -> None:
    pages = json.loads(LKAUGSBURG_PAGES.read_text(encoding="utf-8"))
    empty = next(page for page in pages if not page["content"])
    short = sorted((p for p in pages if p["content"]), key=lambda p: len(p["content"]))[:2]
    path = tmp_path / "lkaugsburg_de_pages.json"
    path.write_text(json.dumps([empty, *short]), encoding="utf-8")
    code, out, err = invoke(data_dir, "integreat", str(path), "--tenant", "lkaugsburg")
    assert code == 0, err
    assert f"Ingested 2 services for tenant 'lkaugsburg' from {path}" in out
    assert "added 2, updated 0, deleted 0, unchanged 0" in out


def test_folder_ingest(tmp_path: Path, data_dir: Path) -> None:
    pages = tmp_path / "seiten"
    pages.mkdir()
    (pages / "hund.md").write_text(
        "---\ntitle: Hundesteuer\n---\nWer einen Hund hält, zahlt Hundesteuer.\n", encoding="utf-8"
    )
    (pages / "müll.html").write_text("<h1>Restmüll</h1><p>Abholung alle 14 Tage.</p>")
    code, out, err = invoke(data_dir, "folder", str(pages), "--tenant", "beispielstadt")
    assert code == 0, err
    assert f"Ingested 2 services for tenant 'beispielstadt' from {pages}" in out
    with open_retriever(Settings(data_dir=data_dir)) as retriever:
        hits = retriever.search("Steuer für meinen Hund", tenant="beispielstadt", k=2)
    assert hits[0].doc_id == "beispielstadt/hund"


def test_ozg_catalogue_ingest(tmp_path: Path, data_dir: Path) -> None:
    lines = OZG_CATALOGUE.read_text(encoding="utf-8").splitlines()[:4]
    path = tmp_path / "leika_ozg.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = invoke(data_dir, "ozg", str(path))
    assert code == 0, err
    assert f"Ingested 3 services for tenant 'ozg' from {path}" in out
    assert "passages embedded 6 " in out  # a card and one section per entry


def test_the_default_ozg_catalogue_is_the_working_directorys_else_the_repositorys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    shipped = REPOSITORY_DATA / "ozg" / "leika_ozg.csv"
    assert default_catalogue().resolve() == shipped.resolve()
    (tmp_path / "data" / "ozg").mkdir(parents=True)
    own = tmp_path / "data" / "ozg" / "leika_ozg.csv"
    shutil.copy(OZG_CATALOGUE, own)
    assert default_catalogue().resolve() == own.resolve()


def test_demo_ingests_munich_and_runs_a_sample_search(tmp_path: Path, data_dir: Path) -> None:
    data = tmp_path / "data"
    write_munich_subset(data / "muenchen", ["1064271", "1063441"])
    (data / "ozg").mkdir()
    shutil.copy(OZG_CATALOGUE, data / "ozg" / "leika_ozg.csv")
    code, out, err = invoke(data_dir, "demo", "--data", str(data))
    assert code == 0, err
    assert "Ingested 2 services for tenant 'muenchen'" in out
    assert "Sample search: Was brauche ich für einen neuen Personalausweis?" in out
    assert "  1. muenchen/1063441  Personalausweis  (" in out
    assert 'Try your own: govbot search "…" --tenant muenchen' in out


def test_source_errors_are_one_line_on_stderr_with_exit_code_2(
    tmp_path: Path, data_dir: Path
) -> None:
    missing = tmp_path / "services_de.json"
    code, out, err = invoke(data_dir, "dldb", str(missing), "--tenant", "muenchen")
    assert code == 2
    assert err == f"Error: DLDB services file not found: {missing} (check the path)\n"
    assert "Traceback" not in out + err
    (tmp_path / "seite.md").write_text("---\n- a\n---\nText", encoding="utf-8")
    code, out, err = invoke(data_dir, "folder", str(tmp_path), "--tenant", "beispielstadt")
    assert code == 2
    assert err == (
        f"Error: Bad front matter in {tmp_path / 'seite.md'}: "
        "expected 'key: value' lines, got a list\n"
    )
    assert not (data_dir / "index").exists()


def test_invalid_tenant_is_a_usage_error(tmp_path: Path, data_dir: Path) -> None:
    code, _, err = invoke(data_dir, "folder", str(tmp_path), "--tenant", "München")
    assert code == 2
    assert "tenant slug 'München' is invalid" in err
