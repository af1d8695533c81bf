"""The folder adapter: a city's own Markdown and HTML pages with front matter."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ingest.folder import load_folder, slugify
from knowledge.errors import SourceError
from knowledge.models import SectionKind, SourceKind

PAGE_MD = """---
title: Führerschein umtauschen
url: https://www.example-stadt.de/fuehrerschein
updated: 2025-03-01
keywords: Lappen, Fahrerlaubnis
leika: "99086002000000"
---
# Führerschein

Alte **Papierführerscheine** müssen bis zum Stichtag umgetauscht werden. Den Antrag stellen
Sie im Bürgerbüro.

## Voraussetzungen

- Wohnsitz in der Stadt
- alter Führerschein

## Gebühren

25,30 Euro
"""

PAGE_HTML = """<h1>Hundesteuer</h1>
<p>Wer einen Hund hält, zahlt Hundesteuer.</p>
<h2>Fristen</h2><p>Melden Sie den Hund innerhalb von zwei Wochen an.</p>
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_markdown_and_html_pages_become_services(tmp_path: Path) -> None:
    write(tmp_path / "Leistungen" / "Führerschein Umtausch.md", PAGE_MD)
    write(tmp_path / "hund.html", PAGE_HTML)
    write(tmp_path / ".entwurf" / "geheim.md", "# Entwurf\n\nNicht veröffentlicht.")
    write(tmp_path / "notizen.txt", "kein Seitenformat")
    services = load_folder(tmp_path, tenant="beispielstadt")
    assert [s.doc_id for s in services] == [
        "beispielstadt/leistungen-fuehrerschein-umtausch",
        "beispielstadt/hund",
    ]
    page, dog = services
    assert page.source is SourceKind.FOLDER
    assert page.title == "Führerschein umtauschen"
    assert page.url == "https://www.example-stadt.de/fuehrerschein"
    assert page.updated == date(2025, 3, 1)
    assert page.keywords == ["Lappen", "Fahrerlaubnis"]
    assert page.leika_keys == ["99086002000000"]
    assert page.summary == (
        "Alte Papierführerscheine müssen bis zum Stichtag umgetauscht werden. "
        "Den Antrag stellen Sie im Bürgerbüro."
    )
    assert [(s.kind, s.title, s.text) for s in page.sections] == [
        (SectionKind.CONTENT, "Inhalt", page.summary),
        (
            SectionKind.REQUIREMENTS,
            "Voraussetzungen",
            "- Wohnsitz in der Stadt\n- alter Führerschein",
        ),
        (SectionKind.FEES, "Gebühren", "25,30 Euro"),
    ]
    assert dog.title == "Hundesteuer"  # from <h1>, no front matter
    assert [s.kind for s in dog.sections] == [SectionKind.CONTENT, SectionKind.DEADLINES]
    assert dog.updated is None


def test_id_from_front_matter_and_title_from_file_name(tmp_path: Path) -> None:
    write(tmp_path / "a.md", "---\nid: perso-2025\n---\nNur Text ohne Überschrift.")
    [service] = load_folder(tmp_path, tenant="beispielstadt")
    assert service.doc_id == "beispielstadt/perso-2025"
    assert service.title == "a"


def test_pages_without_text_are_skipped(tmp_path: Path) -> None:
    write(tmp_path / "leer.md", "---\ntitle: Leer\n---\n\n")
    write(tmp_path / "voll.md", "Inhalt.")
    assert [s.native_id for s in load_folder(tmp_path, tenant="beispielstadt")] == ["voll"]


def test_slugify_transliterates_umlauts() -> None:
    assert slugify("Leistungen/Straße & Müll") == "leistungen-strasse-muell"


def test_missing_folder_and_no_files(tmp_path: Path) -> None:
    with pytest.raises(SourceError) as info:
        load_folder(tmp_path / "fehlt", tenant="beispielstadt")
    assert str(info.value) == f"Folder not found: {tmp_path / 'fehlt'} (check the path)"
    write(tmp_path / "notizen.txt", "x")
    with pytest.raises(SourceError) as info:
        load_folder(tmp_path, tenant="beispielstadt")
    assert str(info.value) == (
        f"No .md, .markdown, .html or .htm files in {tmp_path}; add pages or check the path"
    )
    with pytest.raises(SourceError) as info:
        load_folder(tmp_path / "notizen.txt", tenant="beispielstadt")
    assert str(info.value) == (
        f"Not a folder: {tmp_path / 'notizen.txt'}; pass the directory that holds the pages"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("---\ntitle: x\nurl: a: b\n---\nText", " (line 3): mapping values are not allowed here"),
        ("---\n- a\n- b\n---\nText", ": expected 'key: value' lines, got a list"),
        ("---\ntitle: Ohne Ende\nText", ": it starts with '---' but has no closing '---' line"),
        ("---\nupdated: gestern\n---\nText", ": updated 'gestern' is not a date (use YYYY-MM-DD)"),
        ("---\ntitle: {a: 1}\n---\nText", ": 'title' must be text, got dict"),
        (
            "---\nid: mit leerzeichen\n---\nText",
            ": id 'mit leerzeichen' may only contain letters, digits, '.', '_' and '-'",
        ),
    ],
)
def test_bad_front_matter_names_the_file(tmp_path: Path, text: str, message: str) -> None:
    page = write(tmp_path / "seite.md", text)
    with pytest.raises(SourceError) as info:
        load_folder(tmp_path, tenant="beispielstadt")
    assert str(info.value) == f"Bad front matter in {page}{message}"


def test_non_utf8_file_is_named(tmp_path: Path) -> None:
    page = tmp_path / "alt.html"
    page.write_bytes("<p>Gebühren</p>".encode("cp1252"))
    with pytest.raises(SourceError) as info:
        load_folder(tmp_path, tenant="beispielstadt")
    assert str(info.value) == (
        f"Page {page} is not valid UTF-8 (invalid byte at offset 6); save it as UTF-8"
    )


def test_duplicate_ids_name_both_files(tmp_path: Path) -> None:
    first = write(tmp_path / "a.md", "---\nid: x\n---\nEins.")
    second = write(tmp_path / "b.md", "---\nid: x\n---\nZwei.")
    with pytest.raises(SourceError) as info:
        load_folder(tmp_path, tenant="beispielstadt")
    assert str(info.value) == (
        f"{second} and {first} both have the id 'x'; "
        "set a unique `id:` in the front matter of one of them"
    )


def test_a_url_that_is_not_http_is_refused_naming_the_file(tmp_path: Path) -> None:
    """A front-matter ``url: javascript:…`` would become every citation's link (issue 14)."""
    (tmp_path / "seite.md").write_text(
        "---\ntitle: Seite\nurl: javascript:alert(document.cookie)\n---\n# Seite\n\nText.\n"
    )

    with pytest.raises(SourceError) as info:
        load_folder(tmp_path, tenant="beispielstadt")

    assert str(info.value) == (
        f"Bad front matter in {tmp_path / 'seite.md'}: url: URL "
        "'javascript:alert(document.cookie)' is not an http(s) address; use https://…"
    )


def test_a_tag_line_joins_the_front_matter_keywords(tmp_path: Path) -> None:
    write(
        tmp_path / "pages" / "fuehrerschein.md",
        PAGE_MD + "\n*Schlagworte: Führerschein, Lappen, Umtausch*\n",
    )
    (service,) = load_folder(tmp_path / "pages", tenant="musterstadt")
    assert service.keywords == ["Lappen", "Fahrerlaubnis", "Führerschein", "Umtausch"]
    assert not any("Schlagworte" in s.text for s in service.sections)
    assert service.section(SectionKind.FEES) is not None
