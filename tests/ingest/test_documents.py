"""File extraction on real documents: Munich service texts as PDF and DOCX, real FAQ tables."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from ingest.docx_text import extract_docx
from ingest.extracted import stand_date
from ingest.file_services import FileMetadata, file_services
from ingest.markup_text import extract_html, extract_plain_text
from ingest.pdf_text import extract_pdf
from knowledge.errors import SourceError
from knowledge.models import SectionKind, SourceKind
from tests.ingest.real_documents import (
    integreat_faq_rows,
    munich_service,
    write_brochure_pdf,
    write_encrypted_pdf,
    write_faq_csv,
    write_faq_xlsx,
    write_scanned_pdf,
    write_service_docx,
    write_service_pdf,
)

LIMIT = 20_000_000
# The real fees of the Munich Personalausweis service (its "Gebühren" section).
PERSO_FEES = [("Personalausweis, unter 24 Jahren", "27,60 Euro"), ("über 24 Jahren", "46 Euro")]


def test_pdf_keeps_title_sections_lists_table_and_stand(tmp_path: Path) -> None:
    service = munich_service("1063441")
    path = write_service_pdf(
        tmp_path / "perso.pdf", service, stand=date(2026, 6, 8), fee_table=PERSO_FEES
    )
    document = extract_pdf(path)
    assert document.title == "Personalausweis"
    assert document.updated == date(2026, 6, 8)
    assert document.pages == 1
    headings = [section.heading for section in document.sections]
    assert headings == ["", "Beschreibung", "Gebühren", "Termindauer", "Gebührenübersicht"]
    fees = document.sections[2].text.splitlines()
    assert fees[:2] == ["- unter 24 Jahren: 27,60 Euro", "- über 24 Jahren: 46 Euro"]
    assert document.sections[4].text.splitlines() == [
        "Leistung | Gebühr",
        "Personalausweis, unter 24 Jahren | 27,60 Euro",
        "über 24 Jahren | 46 Euro",
    ]
    # Wrapped lines of a paragraph are one line again; the source's first paragraph.
    assert document.sections[1].text.splitlines()[0] == (service.sections[0].text.splitlines()[0])


def test_multi_page_brochure_reads_every_section_without_running_lines(tmp_path: Path) -> None:
    services = [munich_service(i) for i in ("1063441", "1063453", "1076889", "1063565")]
    path = write_brochure_pdf(
        tmp_path / "ausweise.pdf", "Ausweise und Pässe", services, stand=date(2026, 1, 15)
    )
    document = extract_pdf(path)
    assert document.title == "Ausweise und Pässe"
    assert document.pages >= 3
    headings = [section.heading for section in document.sections]
    for service in services:  # chapter and section: "Reisepass – Gebühren"
        assert f"{service.title} – {service.sections[0].title}" in headings
        assert f"{service.title} – {service.sections[-1].title}" in headings
    text = document.text()
    assert "Bürgerservice" not in text and "Seite 2" not in text  # running header, footer
    # Every word of the source is there (more: the "Stand" line, carried headings).
    source = Counter(w for service in services for s in service.sections for w in s.text.split())
    extracted = Counter(w for section in document.sections for w in section.text.split())
    assert source - extracted == Counter()


def test_docx_keeps_headings_lists_and_tables(tmp_path: Path) -> None:
    service = munich_service("1063475")  # Wohnsitzanmeldung
    path = write_service_docx(tmp_path / "wohnsitz.docx", service, stand=date(2026, 5, 1))
    document = extract_docx(path)
    assert document.title == "Wohnsitzanmeldung"
    assert document.updated == date(2026, 5, 1)
    by_heading = {section.heading: section.text for section in document.sections}
    assert by_heading["Gebühren"].splitlines() == [
        "- kostenfrei",
        "- Adressänderung in Fahrzeugpapieren: 12,60 Euro",
    ]
    assert by_heading["Zuständige Stellen"].splitlines()[:2] == [
        "Stelle | Adresse",
        "Bürgerbüro Orleansplatz | Orleansstraße 50, 81667 München",
    ]


def test_scanned_pdf_is_refused_with_what_to_do(tmp_path: Path) -> None:
    path = write_scanned_pdf(tmp_path / "scan.pdf", munich_service("1063441"))
    with pytest.raises(SourceError) as caught:
        file_services(path, tenant="muenchen", max_bytes=LIMIT)
    assert str(caught.value) == (
        "scan.pdf has no text layer (its 1 page(s) are scanned images); run OCR on it "
        "(e.g. ocrmypdf) or upload the original document"
    )


def test_encrypted_pdf_and_office_files_are_refused(tmp_path: Path) -> None:
    path = write_encrypted_pdf(tmp_path / "geschuetzt.pdf", munich_service("1063441"))
    with pytest.raises(SourceError, match=r"^geschuetzt.pdf is encrypted \(password protected\)"):
        file_services(path, tenant="muenchen", max_bytes=LIMIT)
    # A password-protected Word/Excel file is an OLE2 container, not a ZIP package.
    ole = tmp_path / "geschuetzt.xlsx"
    ole.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 504)
    with pytest.raises(SourceError, match=r"^geschuetzt.xlsx is encrypted \(password protected\)"):
        file_services(ole, tenant="muenchen", max_bytes=LIMIT)


def test_file_over_the_size_limit_is_refused_before_reading(tmp_path: Path) -> None:
    path = write_service_pdf(tmp_path / "perso.pdf", munich_service("1063441"), stand=date.today())
    with pytest.raises(SourceError, match=r"^perso.pdf is .* kB and over the limit of 1.0 kB"):
        file_services(path, tenant="muenchen", max_bytes=1000)


def test_faq_csv_from_excel_gives_one_service_per_row(tmp_path: Path) -> None:
    rows = integreat_faq_rows(6)
    path = write_faq_csv(tmp_path / "faq.csv", rows)  # Windows-1252, semicolons
    services = file_services(path, tenant="lkaugsburg", max_bytes=LIMIT).services
    assert [service.title for service in services] == [question for question, _ in rows]
    assert services[0].sections[0].title == "Antwort"
    assert services[0].sections[0].text == rows[0][1]
    assert services[0].doc_id.startswith("lkaugsburg/faq-csv--")
    assert len({service.doc_id for service in services}) == 6


def test_faq_xlsx_with_variants_source_and_valid_until(tmp_path: Path) -> None:
    (question, answer), *_ = integreat_faq_rows(1)
    path = write_faq_xlsx(
        tmp_path / "faq.xlsx",
        [
            (
                question,
                answer,
                "Ausbildung Voraussetzung; Quali nötig?",
                "https://example.org/a",
                "31.12.2026",
            )
        ],
        header=("Question", "Answer", "Variants", "Source", "Valid until"),
    )
    (service,) = file_services(path, tenant="muenchen", max_bytes=LIMIT).services
    assert service.keywords == ["Ausbildung Voraussetzung", "Quali nötig?"]
    assert (service.url, service.valid_until) == ("https://example.org/a", date(2026, 12, 31))


def test_faq_table_errors_name_the_problem(tmp_path: Path) -> None:
    rows = integreat_faq_rows(2)
    wrong = write_faq_xlsx(tmp_path / "wrong.xlsx", rows, header=("Frage", "Text"))
    with pytest.raises(SourceError) as caught:
        file_services(wrong, tenant="muenchen", max_bytes=LIMIT)
    assert str(caught.value) == (
        "wrong.xlsx needs a question and an answer column (headers 'Frage' and 'Antwort' or "
        "'question' and 'answer'); its first row has 'Frage', 'Text'"
    )
    empty = write_faq_xlsx(tmp_path / "leer.xlsx", [], header=("Frage", "Antwort"))
    with pytest.raises(SourceError, match=r"^leer\.xlsx has a header row but no questions"):
        file_services(empty, tenant="muenchen", max_bytes=LIMIT)
    half = write_faq_csv(tmp_path / "halb.csv", [(rows[0][0], "")])
    with pytest.raises(SourceError, match=r"^halb\.csv row 2 has no answer"):
        file_services(half, tenant="muenchen", max_bytes=LIMIT)


def test_editor_metadata_wins_and_ids_are_stable(tmp_path: Path) -> None:
    path = write_service_pdf(
        tmp_path / "Perso Info.pdf", munich_service("1063441"), stand=date(2026, 6, 8)
    )
    meta = FileMetadata(
        title="Personalausweis – Merkblatt",
        url="https://example.org/perso",
        valid_until=date(2027, 1, 31),
        keywords=["Perso"],
    )
    (first,) = file_services(path, tenant="muenchen", metadata=meta, max_bytes=LIMIT).services
    (again,) = file_services(path, tenant="muenchen", metadata=meta, max_bytes=LIMIT).services
    assert first.doc_id == "muenchen/perso-info-pdf"
    assert first.source is SourceKind.FILES
    assert (first.title, first.url, first.keywords) == (
        "Personalausweis – Merkblatt",
        "https://example.org/perso",
        ["Perso"],
    )
    assert first.valid_until == date(2027, 1, 31)
    assert first.section(SectionKind.FEES) is not None
    assert first.content_hash() == again.content_hash()


def test_html_and_plain_text_sections(tmp_path: Path) -> None:
    service = munich_service("1063475")
    html = "<html><head><title>Seite</title></head><body><nav>Menü</nav><h1>Wohnsitz anmelden</h1>"
    html += (
        "".join(f"<h2>{s.title}</h2><p>{s.text}</p>" for s in service.sections) + "</body></html>"
    )
    (tmp_path / "seite.html").write_text(html, encoding="utf-8")
    document = extract_html(tmp_path / "seite.html")
    assert document.title == "Wohnsitz anmelden"
    assert [s.heading for s in document.sections] == [s.title for s in service.sections]
    text = "Wohnsitz anmelden\n\n" + "\n\n".join(f"{s.title}\n\n{s.text}" for s in service.sections)
    (tmp_path / "info.txt").write_text(text, encoding="utf-8")
    plain = extract_plain_text(tmp_path / "info.txt")
    assert plain.title == "Wohnsitz anmelden"
    assert [s.heading for s in plain.sections] == [s.title for s in service.sections]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Merkblatt, Stand: 01.03.2025, Seite 1", date(2025, 3, 1)),
        ("Stand 2024-11-30", date(2024, 11, 30)),
        ("Gebührenordnung (Stand: März 2025)", date(2025, 3, 1)),
        ("Stand: 31.02.2025", None),
        ("Der Stand der Dinge", None),
    ],
)
def test_stand_date(text: str, expected: date | None) -> None:
    assert stand_date(text) == expected


def test_a_tag_line_in_a_document_joins_the_editors_keywords(tmp_path: Path) -> None:
    """Issue 17 item 1: "Schlagworte: …" is search vocabulary, not text to quote."""
    path = tmp_path / "hund.html"
    path.write_text(
        "<h1>Hundesteuer</h1><p>Wer einen Hund hält, zahlt Hundesteuer.</p>"
        "<p><em>Schlagworte: Hund, Steuer, Hundemarke</em></p>",
        encoding="utf-8",
    )
    meta = FileMetadata(keywords=["Hundemarke"])
    (service,) = file_services(path, tenant="muenchen", metadata=meta, max_bytes=LIMIT).services
    assert service.keywords == ["Hundemarke", "Hund", "Steuer"]
    assert [s.text for s in service.sections] == ["Wer einen Hund hält, zahlt Hundesteuer."]
