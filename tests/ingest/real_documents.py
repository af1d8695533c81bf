"""Real documents for the file pipeline's tests, written from the shipped real texts.

PDFs are laid out with fpdf2 (DejaVu fonts from Debian, so German text and bullets
render as a word processor would), Word files with python-docx, FAQ tables from the
Integreat QA pairs (question and the answer sentences of the page). The text is the
City of Munich's service descriptions (CC BY 4.0) as the DLDB adapter reads them.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import docx
import openpyxl
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

from ingest.dldb import load_dldb
from knowledge.models import Service
from tests.ingest.conftest import DATA, MUNICH_SERVICES

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
INTEGREAT_DEV = DATA / "integreat" / "dev_de.json"


def munich_service(native_id: str) -> Service:
    """One real Munich service as the DLDB adapter reads it."""
    services = load_dldb(MUNICH_SERVICES, tenant="muenchen")
    return next(service for service in services if service.native_id == native_id)


class _Brochure(FPDF):
    """A city brochure: running header and page numbers on every page."""

    def header(self) -> None:
        self.set_font("DejaVu", "", 8)
        self.cell(0, 6, "Landeshauptstadt München – Bürgerservice", new_x="LMARGIN", new_y="NEXT")

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("DejaVu", "", 8)
        self.cell(0, 6, f"Seite {self.page_no()}", align="C")


def write_brochure_pdf(path: Path, title: str, services: list[Service], *, stand: date) -> Path:
    """Several services in one multi-page brochure, each a chapter with its sections."""
    pdf = _pdf(_Brochure(format="A4"))
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 20)
    pdf.multi_cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    pdf.multi_cell(0, 6, f"Stand: {stand:%d.%m.%Y}", new_x="LMARGIN", new_y="NEXT")
    for service in services:
        pdf.ln(4)
        pdf.set_font("DejaVu", "B", 15)
        pdf.multi_cell(0, 8, service.title, new_x="LMARGIN", new_y="NEXT")
        _write_sections(pdf, service)
    pdf.output(str(path))
    return path


def _write_sections(pdf: FPDF, service: Service) -> None:
    for section in service.sections:
        pdf.ln(3)
        pdf.set_font("DejaVu", "B", 12)
        pdf.multi_cell(0, 7, section.title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 10)
        for line in section.text.splitlines():
            pdf.ln(1.5)
            text = "•  " + line[2:] if line.startswith("- ") else line
            pdf.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")


def _pdf(pdf: FPDF | None = None) -> FPDF:
    pdf = pdf or FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.set_margins(20, 20, 20)
    return pdf


def write_service_pdf(
    path: Path, service: Service, *, stand: date, fee_table: list[tuple[str, str]] | None = None
) -> Path:
    """A leaflet of ``service``: title, "Stand", sections with headings, bullets, a fee table."""
    pdf = _pdf()
    pdf.set_title(service.title)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 18)
    pdf.multi_cell(0, 9, service.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    pdf.multi_cell(
        0, 6, f"Landeshauptstadt München, Stand: {stand:%d.%m.%Y}", new_x="LMARGIN", new_y="NEXT"
    )
    _write_sections(pdf, service)
    if fee_table:
        pdf.ln(3)
        pdf.set_font("DejaVu", "B", 13)
        pdf.multi_cell(0, 7, "Gebührenübersicht", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 10)
        with pdf.table(col_widths=(120, 50)) as table:
            for cells in [("Leistung", "Gebühr"), *fee_table]:
                row = table.row()
                for cell in cells:
                    row.cell(cell)
    pdf.output(str(path))
    return path


def write_scanned_pdf(path: Path, service: Service) -> Path:
    """A "scan": the service text drawn into an image, the PDF holds only that image."""
    image = Image.new("L", (1240, 1754), color=255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT_DIR / "DejaVuSans.ttf"), 28)
    y = 80
    for line in [service.title, *service.sections[0].text.splitlines()][:30]:
        draw.text((80, y), line[:70], fill=0, font=font)
        y += 44
    scan = path.with_suffix(".png")
    image.save(scan)
    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.image(str(scan), x=0, y=0, w=210)
    pdf.output(str(path))
    return path


def write_encrypted_pdf(path: Path, service: Service) -> Path:
    """A PDF that opens only with a password."""
    pdf = _pdf()
    pdf.set_encryption(owner_password="amt-geheim", user_password="buerger")
    pdf.add_page()
    pdf.set_font("DejaVu", "", 10)
    pdf.multi_cell(0, 5, service.sections[0].text)
    pdf.output(str(path))
    return path


def write_service_docx(path: Path, service: Service, *, stand: date) -> Path:
    """A Word document of ``service``: Title style, Heading 1 sections, bullet lists, a table."""
    document = docx.Document()
    document.core_properties.title = service.title
    document.add_paragraph(service.title, style="Title")
    document.add_paragraph(f"Stand: {stand:%d.%m.%Y}")
    for section in service.sections:
        document.add_heading(section.title, level=1)
        for line in section.text.splitlines():
            if line.startswith("- "):
                document.add_paragraph(line[2:], style="List Bullet")
            else:
                document.add_paragraph(line)
    document.add_heading("Zuständige Stellen", level=1)
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Stelle", "Adresse"
    for office in service.offices[:3]:
        cells = table.add_row().cells
        cells[0].text = office.name
        cells[1].text = office.address.one_line() if office.address else ""
    document.save(str(path))
    return path


def integreat_faq_rows(limit: int = 6) -> list[tuple[str, str]]:
    """Real question/answer pairs: an Integreat question and its page's answer sentences."""
    rows: list[tuple[str, str]] = []
    for item in json.loads(INTEGREAT_DEV.read_text(encoding="utf-8")):
        lines = item["context"].split("\n")
        answer = " ".join(lines[i] for i in item["answers"] if i < len(lines))
        if answer and item["question"] not in {q for q, _ in rows}:
            rows.append((item["question"], answer))
        if len(rows) == limit:
            break
    return rows


def write_faq_csv(
    path: Path, rows: list[tuple[str, str]], *, header: tuple[str, str] = ("Frage", "Antwort")
) -> Path:
    """A semicolon-separated CSV as German Excel writes it (Windows-1252)."""
    with open(path, "w", encoding="cp1252", errors="replace", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_faq_xlsx(path: Path, rows: list[tuple[str, ...]], *, header: tuple[str, ...]) -> Path:
    """An Excel FAQ table on its first sheet."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    workbook.save(str(path))
    return path
