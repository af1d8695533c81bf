"""The DLDB adapter on the real Munich export, and on broken copies of it."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from ingest.dldb import load_dldb, load_locations
from knowledge.errors import SourceError
from knowledge.models import Address, Link, SectionKind, Service, SourceKind
from tests.ingest.conftest import MUNICH_LOCATIONS, MUNICH_SERVICES, write_munich_subset


@pytest.fixture(scope="module")
def munich() -> dict[str, Service]:
    return {s.native_id: s for s in load_dldb(MUNICH_SERVICES, tenant="muenchen")}


def test_every_service_but_the_test_entries_is_loaded(munich: dict[str, Service]) -> None:
    raw = json.loads(MUNICH_SERVICES.read_text(encoding="utf-8"))["data"]
    # "Testleistung" and the ticket kiosk's placeholder (its description says so).
    tests = {"10515039", "10460108"}
    real_ids = {entry["id"] for entry in raw if entry["id"] not in tests}
    assert len(raw) == 287
    assert len(munich) == 285
    assert set(munich) == real_ids
    # Services that cannot be booked online are real services (issue 12, "Coverage").
    assert munich["1073738"].title == "Jagdschein beantragen"
    assert munich["1063699"].title == "Urkundenbestellung"
    assert all(s.doc_id == f"muenchen/{s.native_id}" for s in munich.values())
    assert all(s.source is SourceKind.DLDB and s.tenant == "muenchen" for s in munich.values())
    assert not any(s.title == "Testleistung" for s in munich.values())


def test_personalausweis_has_real_fees_offices_and_links(munich: dict[str, Service]) -> None:
    service = munich["1063441"]
    assert service.title == "Personalausweis"
    assert service.summary == (
        "Sie erhalten den Personalausweis im Scheckkartenformat mit Chip. Darin sind die "
        "aufgedruckten Personaldaten, das Lichtbild und die Fingerabdrücke digital abgelegt."
    )
    assert [s.title for s in service.sections] == ["Beschreibung", "Gebühren", "Termindauer"]
    fees = service.section(SectionKind.FEES)
    assert fees is not None
    assert fees.text.splitlines()[:3] == [
        "- unter 24 Jahren: 27,60 Euro",
        "- über 24 Jahren: 46 Euro",
        "- vorläufiger Personalausweis: 10 Euro",
    ]
    duration = service.section(SectionKind.DURATION)
    assert duration is not None
    assert duration.text == "Für den Termin sind etwa 15 Minuten eingeplant."
    assert [o.id for o in service.offices] == [
        "102522", "102523", "102524", "102526", "54261", "10489", "10502"
    ]  # fmt: skip
    first = service.offices[0]
    assert first.name == "Bürgerbüro Orleansplatz"
    assert first.organization == "Kreisverwaltungsreferat"
    assert first.address == Address(
        street="Orleansstraße", house_number="50", postal_code="81667", city="München"
    )
    assert first.address.one_line() == "Orleansstraße 50, 81667 München"
    assert first.phone == "089 233-96000"
    assert first.email == "buergerbuero-orleansplatz.kvr@muenchen.de"
    assert first.appointment_url.endswith("#/services/1063441/locations/102522")
    assert all(o.address is not None and o.address.street for o in service.offices)
    assert service.url == (
        "https://stadt.muenchen.de/en/buergerservice/terminvereinbarung.html/#/services/1063441"
    )
    assert service.appointment_url == service.url
    assert service.keywords[:3] == ["Pass", "Perso", "Ausweis"]
    assert service.leika_keys == ["99008001000000"]
    assert service.updated == date(2026, 6, 8)
    assert (
        Link(
            title="Vollmacht zur Abholung",
            url="https://stadt.muenchen.de/dms/Home/Stadtverwaltung/Kreisverwaltungsreferat/"
            "fachspezifisch/HA-II/Buergerbuero/Dokumente/vollmacht_pass_ausweis.pdf",
        )
        in service.forms
    )
    assert "AusweisApp-Portal" in [link.title for link in service.links]


def test_bold_headings_in_descriptions_become_typed_sections(munich: dict[str, Service]) -> None:
    service = munich["1063423"]  # Gewerbe-Anmeldung
    assert [(s.kind, s.title) for s in service.sections] == [
        (SectionKind.DESCRIPTION, "Beschreibung"),
        (SectionKind.PROCEDURE, "So funktioniert die Online-Anmeldung"),
        (SectionKind.FEES, "Gebühren"),
        (SectionKind.DURATION, "Termindauer"),
    ]
    procedure = service.section(SectionKind.PROCEDURE)
    assert procedure is not None
    assert procedure.text.splitlines()[:2] == ["1. Anmeldung starten", "2. Mit BayernID anmelden"]


def test_online_services_and_multiple_leika_keys(munich: dict[str, Service]) -> None:
    online = [s for s in munich.values() if s.online_services]
    assert online, "the export links online procedures (Bürgerservice-Portal, intelliform)"
    multi = [s for s in munich.values() if len(s.leika_keys) > 1]
    assert [s.leika_keys for s in multi] == [
        ["99036008007003", "99036008007004", "99036008007006", "99036008007007"]
    ]


def test_no_section_is_empty_and_no_text_has_zero_width_spaces(
    munich: dict[str, Service],
) -> None:
    sections = [section for s in munich.values() for section in s.sections]
    assert all(section.text.strip() for section in sections)
    assert not any("\u200b" in section.text or "\xa0" in section.text for section in sections)


def test_locations_are_keyed_by_id_and_skip_non_public_ones() -> None:
    offices = load_locations(MUNICH_LOCATIONS)
    raw = json.loads(MUNICH_LOCATIONS.read_text(encoding="utf-8"))["data"]
    assert len(offices) == sum(1 for entry in raw if entry["public"]) == 100
    assert offices["10546"].name == "Gewerbeamt"


def test_test_entries_are_skipped_and_non_public_services_kept(tmp_path: Path) -> None:
    path = write_munich_subset(tmp_path, ["1063441", "1063423"])
    export = json.loads(path.read_text(encoding="utf-8"))
    export["data"][1]["name"] = "Testleistung"
    export["data"].append({**export["data"][0], "id": "999", "public": False})
    path.write_text(json.dumps(export), encoding="utf-8")
    loaded = load_dldb(path, tenant="muenchen")
    assert [s.doc_id for s in loaded] == ["muenchen/1063441", "muenchen/999"]


def test_entries_whose_description_says_they_are_no_service_are_skipped(tmp_path: Path) -> None:
    path = write_munich_subset(tmp_path, ["1063441", "1063423", "10460108", "10429902"])
    export = json.loads(path.read_text(encoding="utf-8"))
    export["data"][1]["description"] = "<p>Test-Dienstleistung für die Schulung am Automaten.</p>"
    path.write_text(json.dumps(export), encoding="utf-8")
    loaded = load_dldb(path, tenant="muenchen")
    # 10460108 calls itself "eine Fake Dienstleistung um den E-Kiosk … zu versorgen";
    # 10429902 is kept off the public list by the office but is a real service.
    assert [s.native_id for s in loaded] == ["1063441", "10429902"]


def test_a_description_that_only_mentions_tests_is_a_service(tmp_path: Path) -> None:
    path = write_munich_subset(tmp_path, ["1063441"])
    export = json.loads(path.read_text(encoding="utf-8"))
    export["data"][0]["description"] = "<p>Für die Leistung brauchen Sie einen Sehtest.</p>"
    path.write_text(json.dumps(export), encoding="utf-8")
    assert [s.native_id for s in load_dldb(path, tenant="muenchen")] == ["1063441"]


def test_only_services_bookable_online_have_appointment_links(
    munich: dict[str, Service],
) -> None:
    raw = json.loads(MUNICH_SERVICES.read_text(encoding="utf-8"))["data"]
    bookable = {entry["id"] for entry in raw if entry["public"] is True}
    for service in munich.values():
        offices_with_link = [o for o in service.offices if o.appointment_url]
        if service.native_id in bookable:
            assert service.appointment_url, service.native_id
        else:
            assert service.appointment_url == "", service.native_id
            assert offices_with_link == [], service.native_id
    abmelden = munich["1063486"]  # "Wohnsitz abmelden": offices listed, no online booking
    assert abmelden.title == "Wohnsitz abmelden"
    assert abmelden.offices
    assert abmelden.url  # the source article is still cited


def test_without_a_locations_file_services_have_no_offices(tmp_path: Path) -> None:
    path = write_munich_subset(tmp_path, ["1063441"])
    (tmp_path / "locations_de.json").unlink()
    [service] = load_dldb(path, tenant="muenchen")
    assert service.offices == []


def test_missing_services_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    with pytest.raises(SourceError) as info:
        load_dldb(missing, tenant="muenchen")
    assert str(info.value) == f"DLDB services file not found: {missing} (check the path)"


def test_missing_explicit_locations_file_is_named(munich_subset: Path, tmp_path: Path) -> None:
    missing = tmp_path / "locations.json"
    with pytest.raises(SourceError) as info:
        load_dldb(munich_subset, tenant="muenchen", locations_path=missing)
    assert str(info.value) == f"DLDB locations file not found: {missing} (check the path)"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(
            '{"data": [\n  {"id": "1",}\n]}',
            "DLDB services file {path} is not valid JSON: "
            "Expecting property name enclosed in double quotes at line 2, column 14",
            id="malformed JSON: file, line and column",
        ),
        pytest.param(
            "[]",
            "{path} does not look like a DLDB export: expected an object with a 'data' list "
            '(`{{"meta": {{...}}, "data": [...]}}`)',
            id="wrong shape: explained",
        ),
        pytest.param(
            '{"data": [42]}',
            "{path}: data[0] is a int, expected an object",
            id="entry not an object: located",
        ),
        pytest.param(
            '{"data": [{"id": "7", "public": true, "description": ""}]}',
            "{path}: data[0] (service 7) has no 'name'",
            id="public entry without name: located",
        ),
    ],
)
def test_a_broken_export_is_refused_with_a_message_naming_the_place(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "services_de.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SourceError) as info:
        load_dldb(path, tenant="muenchen")
    assert str(info.value) == message.format(path=path)


def test_non_utf8_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "services_de.json"
    path.write_bytes('{"data": [{"name": "Gebühr"}]}'.encode("latin-1"))
    with pytest.raises(SourceError) as info:
        load_dldb(path, tenant="muenchen")
    assert str(info.value) == (
        f"DLDB services file {path} is not valid UTF-8 (invalid byte at offset 23); "
        "save it as UTF-8"
    )
