"""Fixtures for the ingest tests: paths of the real shipped data and small copies of it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / "data"
MUNICH_SERVICES = DATA / "muenchen" / "services_de.json"
MUNICH_LOCATIONS = DATA / "muenchen" / "locations_de.json"
LKAUGSBURG_PAGES = DATA / "integreat" / "lkaugsburg_de_pages.json"
REMS_MURR_PAGES = DATA / "integreat" / "rems-murr-kreis_de_pages.json"
OZG_CATALOGUE = DATA / "ozg" / "leika_ozg.csv"


def write_munich_subset(directory: Path, service_ids: list[str]) -> Path:
    """Copy the named real Munich services (and all locations) into ``directory``."""
    export = json.loads(MUNICH_SERVICES.read_text(encoding="utf-8"))
    by_id = {entry["id"]: entry for entry in export["data"]}
    export["data"] = [by_id[service_id] for service_id in service_ids]
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "services_de.json"
    path.write_text(json.dumps(export, ensure_ascii=False), encoding="utf-8")
    (directory / "locations_de.json").write_bytes(MUNICH_LOCATIONS.read_bytes())
    return path


@pytest.fixture
def munich_subset(tmp_path: Path) -> Path:
    """Three real Munich services: Personalausweis, Gewerbe-Anmeldung, Reisepass."""
    return write_munich_subset(tmp_path / "muenchen", ["1063441", "1063423", "1063453"])


LKAUGSBURG_EN_PAGES = DATA / "integreat" / "lkaugsburg_en_pages.json"
REMS_MURR_EN_PAGES = DATA / "integreat" / "rems-murr-kreis_en_pages.json"
