"""OZG catalogue: enrichment of Munich's services and the shared catalogue tenant."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.dldb import load_dldb
from ingest.ozg import catalogue_services, coverage, enrich, load_catalogue
from knowledge.errors import SourceError
from knowledge.models import OzgInfo, SectionKind, SourceKind
from tests.factories import make_service
from tests.ingest.conftest import MUNICH_SERVICES, OZG_CATALOGUE

HEADER = "leika_key,leika_name,leika_type,ozg_id,ozg_leistung,lebenslage,themenfeld\n"


@pytest.fixture(scope="module")
def catalogue() -> dict[str, OzgInfo]:
    return load_catalogue(OZG_CATALOGUE)


def test_catalogue_has_every_named_row(catalogue: dict[str, OzgInfo]) -> None:
    assert len(catalogue) == 4810
    assert catalogue["99008001000000"] == OzgInfo(
        leika_key="99008001000000",
        leika_name="Personalausweis",
        ozg_id="10119",
        ozg_service="Personalausweis",
        life_situation="Querschnitt Bürger",
        topic="Querschnitt",
    )
    assert catalogue["99089003000000"].ozg_service == ""  # LeiKa entry without OZG mapping


def test_munich_services_are_enriched_by_leika_key(catalogue: dict[str, OzgInfo]) -> None:
    services = load_dldb(MUNICH_SERVICES, tenant="muenchen")
    # 90 of the 111 distinct LeiKa keys of the 286 services.
    assert coverage(services, catalogue).resolved == 90
    assert coverage(services, catalogue).total == 111
    enriched = {s.native_id: s for s in enrich(services, catalogue)}
    assert [info.ozg_service for info in enriched["1063441"].ozg] == ["Personalausweis"]
    assert sum(1 for s in enriched.values() if s.ozg) == 111
    assert all(s.ozg == [] for s in enriched.values() if not s.leika_keys)


def test_enrich_keeps_unknown_keys_out() -> None:
    info = OzgInfo(leika_key="99000000000001", leika_name="X")
    service = make_service(leika_keys=["99000000000001", "99000000000002"])
    [enriched] = enrich([service], {"99000000000001": info})
    assert enriched.ozg == [info]
    assert enriched.leika_keys == service.leika_keys


def test_catalogue_as_shared_tenant(catalogue: dict[str, OzgInfo]) -> None:
    services = catalogue_services(catalogue)
    assert len(services) == 4810
    first = services[0]
    assert first.doc_id == "ozg/99001001000000"
    assert first.source is SourceKind.OZG
    assert first.title == "Abfallgebühr"
    assert [(s.kind, s.title, s.text) for s in first.sections] == [
        (
            SectionKind.DESCRIPTION,
            "OZG-Katalog",
            "LeiKa-Leistung: Abfallgebühr\nOZG-Leistung: Abfallentsorgung\n"
            "Lebenslage: Wohnen & Umzug\nThemenfeld: Bauen & Wohnen",
        )
    ]
    assert catalogue_services(catalogue, tenant="bund")[0].doc_id == "bund/99001001000000"


def test_rows_without_name_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "leika.csv"
    path.write_text(HEADER + "99001001000000,,5,1,A,B,C\n99001002000000,Altpapier,,,,,\n")
    assert list(load_catalogue(path)) == ["99001002000000"]


def test_missing_columns_are_named(tmp_path: Path) -> None:
    path = tmp_path / "leika.csv"
    path.write_text("leika_key,name\n99001001000000,A\n", encoding="utf-8")
    with pytest.raises(SourceError) as info:
        load_catalogue(path)
    assert str(info.value) == (
        f"OZG catalogue {path} lacks the column(s) leika_name, leika_type, ozg_id, "
        "ozg_leistung, lebenslage, themenfeld; expected the header "
        "leika_key,leika_name,leika_type,ozg_id,ozg_leistung,lebenslage,themenfeld"
    )


def test_bad_key_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "leika.csv"
    path.write_text(HEADER + "99001001000000,A,,,,,\n9900,B,,,,,\n", encoding="utf-8")
    with pytest.raises(SourceError) as info:
        load_catalogue(path)
    assert str(info.value) == f"OZG catalogue {path}, line 3: LeiKa key '9900' is not 14 digits"


def test_missing_catalogue_is_named(tmp_path: Path) -> None:
    with pytest.raises(SourceError) as info:
        load_catalogue(tmp_path / "leika.csv")
    assert str(info.value) == f"OZG catalogue not found: {tmp_path / 'leika.csv'} (check the path)"
