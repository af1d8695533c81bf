"""The Integreat adapter on the real page dumps of both tenants."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from ingest.chunking import card_text, chunk_service
from ingest.integreat import load_integreat, translation_ids
from knowledge.errors import SourceError
from knowledge.models import SectionKind, Service, SourceKind
from tests.ingest.conftest import DATA, LKAUGSBURG_PAGES, REMS_MURR_PAGES

PAGES = {"lkaugsburg": LKAUGSBURG_PAGES, "rems-murr-kreis": REMS_MURR_PAGES}


@pytest.fixture(scope="module")
def loaded() -> dict[str, list[Service]]:
    return {tenant: load_integreat(path, tenant=tenant) for tenant, path in PAGES.items()}


@pytest.fixture(scope="module")
def lkaugsburg(loaded: dict[str, list[Service]]) -> dict[str, Service]:
    return {s.native_id: s for s in loaded["lkaugsburg"]}


@pytest.mark.parametrize(
    ("tenant", "pages", "with_content"), [("lkaugsburg", 238, 210), ("rems-murr-kreis", 362, 284)]
)
def test_pages_without_content_are_skipped(
    loaded: dict[str, list[Service]], tenant: str, pages: int, with_content: int
) -> None:
    raw = json.loads(PAGES[tenant].read_text(encoding="utf-8"))
    empty = {str(page["id"]) for page in raw if not page["content"].strip()}
    services = loaded[tenant]
    assert len(raw) == pages
    assert len(services) == with_content == pages - len(empty)
    assert not empty & {s.native_id for s in services}
    assert all(s.doc_id == f"{tenant}/{s.native_id}" for s in services)
    assert all(s.source is SourceKind.INTEGREAT and s.sections for s in services)


def test_page_fields_and_heading_sections(lkaugsburg: dict[str, Service]) -> None:
    assert "5484709" not in lkaugsburg  # "Wichtiges zum Leben im Landkreis Augsburg": no content
    page = lkaugsburg["5407975"]
    assert page.title == "Der Landkreis Augsburg"
    assert page.url == (
        "https://admin.integreat-app.de/lkaugsburg/de/willkommen-lkaugsburg/landkreis/"
        "der-landkreis-augsburg/"
    )
    assert page.updated == date(2023, 11, 13)
    assert [s.title for s in page.sections] == [
        "Was ist ein Landkreis?",
        "Der Landkreis Augsburg",
        "Stadt oder Land?",
    ]
    assert all(s.kind is SectionKind.CONTENT for s in page.sections)
    assert page.summary.startswith(page.sections[0].text.split(".")[0])


def test_one_content_section_per_page_when_not_split_by_headings() -> None:
    services = load_integreat(LKAUGSBURG_PAGES, tenant="lkaugsburg", by_headings=False)
    assert len(services) == 210
    assert all(len(s.sections) == 1 for s in services)
    assert all(s.sections[0].kind is SectionKind.CONTENT for s in services)


def test_english_question_page_ids_map_to_ingested_german_pages(
    loaded: dict[str, list[Service]],
) -> None:
    """Machine-translated questions name the English page (data/README.md caveat)."""
    for tenant, path in PAGES.items():
        mapping = translation_ids(path)
        ingested = {s.native_id for s in loaded[tenant]}
        questions = json.loads((DATA / "integreat" / "dev_de.json").read_text(encoding="utf-8"))
        english = [q for q in questions if q["city"] == tenant and q["sourceLanguage"] == "en"]
        assert english
        assert all(mapping[str(q["pageId"])] in ingested for q in english)
    assert translation_ids(LKAUGSBURG_PAGES)["5484710"] == "5484709"
    assert len(translation_ids(LKAUGSBURG_PAGES)) == 233


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(
            '{"pages": []}',
            "{path} does not look like an Integreat page dump: expected a JSON list of pages, "
            "got a dict",
            id="wrong shape: explained",
        ),
        pytest.param(
            '[{"title": "A", "content": "<p>x</p>"}]',
            "{path}: page [0] has no 'id'",
            id="page without id: located",
        ),
        pytest.param(
            '[{"id": 1, "title": "A"',
            "Integreat pages file {path} is not valid JSON: "
            "Expecting ',' delimiter at line 1, column 24",
            id="malformed JSON: file, line and column",
        ),
    ],
)
def test_a_broken_dump_is_refused_with_a_message_naming_the_place(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "pages.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SourceError) as info:
        load_integreat(path, tenant="lkaugsburg")
    assert str(info.value) == message.format(path=path)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(SourceError) as info:
        translation_ids(tmp_path / "missing.json")
    assert str(info.value) == (
        f"Integreat pages file not found: {tmp_path / 'missing.json'} (check the path)"
    )


def test_the_tag_line_is_keywords_never_text(loaded: dict[str, list[Service]]) -> None:
    """Issue 17 item 1: "Schlagworte: …" closes 150 Landkreis Augsburg pages; it is search
    vocabulary (the card, ingest/chunking.py) and no part of any section."""
    welcome = next(s for s in loaded["lkaugsburg"] if s.native_id == "5484720")
    assert welcome.keywords == [
        "Willkommen",
        "Ankommen",
        "Neubürger",
        "Landkreis Augsburg",
        "Orientierung",
    ]
    assert "Stichwörter: Willkommen, Ankommen" in card_text(welcome)
    assert sum(bool(s.keywords) for s in loaded["lkaugsburg"]) == 157
    tagged = re.compile(r"^(Schlagworte|Stichworte|Suchbegriffe)\s*:", re.MULTILINE)
    for services in loaded.values():
        for service in services:
            assert not any(tagged.search(s.text) for s in service.sections), service.doc_id
            assert all(p.section != "Schlagworte" for p in chunk_service(service))


def test_a_here_link_keeps_its_address_in_the_page_text(lkaugsburg: dict[str, Service]) -> None:
    # "<a href=…>Hier</a> kannst Du einen Termin vereinbaren." lost its target before.
    lines = [line for s in lkaugsburg["5408015"].sections for line in s.text.splitlines()]
    at = next(i for i, line in enumerate(lines) if "Hier kannst Du einen Termin" in line)
    assert lines[at].endswith("Hier kannst Du einen Termin vereinbaren.")
    assert lines[at + 1].startswith("https://lra-augsburg.saas.smartcjm.com/m/ami/extern/calendar/")
