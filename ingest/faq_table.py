"""FAQ tables (CSV or XLSX) → one entry per row.

The first row names the columns. Required: the question (``Frage`` or ``question``) and
the answer (``Antwort`` or ``answer``). Optional: other wordings of the question
(``Varianten``/``variants``, separated by ``;``, ``|`` or line breaks), a source link
(``Quelle``/``URL``/``source``), ``gültig bis``/``valid until`` and ``Stand``/``updated``
(``31.12.2026`` or ``2026-12-31``). Header names are matched without regard to case,
spaces or underscores. CSV files may be UTF-8 or Windows-1252 (what German Excel
writes) and use ``;``, ``,`` or tabs; XLSX files are read from their first sheet with
openpyxl.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import openpyxl

from ingest.files import refuse_ole2
from ingest.html_text import clean_inline
from knowledge.errors import SourceError

QUESTION_COLUMNS = frozenset({"frage", "question"})
ANSWER_COLUMNS = frozenset({"antwort", "answer"})
VARIANT_COLUMNS = frozenset({"varianten", "fragevarianten", "variants", "questionvariants"})
SOURCE_COLUMNS = frozenset({"quelle", "url", "link", "source"})
VALID_UNTIL_COLUMNS = frozenset({"gültigbis", "gueltigbis", "validuntil"})
UPDATED_COLUMNS = frozenset({"stand", "aktualisiert", "updated"})
_VARIANT_SPLIT = re.compile(r"[;|\n]")


@dataclass(frozen=True)
class FaqEntry:
    """One row of an FAQ table."""

    row: int  # 1-based row number in the file, header included
    question: str
    answer: str
    variants: list[str] = field(default_factory=list)
    url: str = ""
    valid_until: date | None = None
    updated: date | None = None


def read_faq_table(path: Path) -> list[FaqEntry]:
    """The entries of a CSV/XLSX FAQ table; SourceError for empty tables and wrong headers."""
    rows = _xlsx_rows(path) if path.suffix.lower() == ".xlsx" else _csv_rows(path)
    header = next(rows, None)
    if header is None or not any(header):
        raise SourceError(f"{path.name} is empty; the first row must name the columns")
    columns = _columns(header, path)
    entries = []
    for number, row in enumerate(rows, start=2):
        cells = {name: _cell(row, index) for name, index in columns.items()}
        question, answer = clean_inline(cells["question"]), cells["answer"].strip()
        if not question and not answer:
            continue
        if not question or not answer:
            missing = "question" if not question else "answer"
            raise SourceError(
                f"{path.name} row {number} has no {missing}; fill it in or delete the row"
            )
        entries.append(
            FaqEntry(
                row=number,
                question=question,
                answer=answer,
                variants=[
                    clean_inline(v)
                    for v in _VARIANT_SPLIT.split(cells.get("variants", ""))
                    if clean_inline(v)
                ],
                url=clean_inline(cells.get("url", "")),
                valid_until=_date(cells.get("valid_until", ""), path, number, "valid until"),
                updated=_date(cells.get("updated", ""), path, number, "Stand"),
            )
        )
    if not entries:
        raise SourceError(
            f"{path.name} has a header row but no questions; add one row per question"
        )
    return entries


def _columns(header: list[str], path: Path) -> dict[str, int]:
    names = [re.sub(r"[\s_-]+", "", clean_inline(cell).lower()) for cell in header]
    wanted = {
        "question": QUESTION_COLUMNS,
        "answer": ANSWER_COLUMNS,
        "variants": VARIANT_COLUMNS,
        "url": SOURCE_COLUMNS,
        "valid_until": VALID_UNTIL_COLUMNS,
        "updated": UPDATED_COLUMNS,
    }
    found = {
        key: names.index(match)
        for key, accepted in wanted.items()
        for match in [next((name for name in names if name in accepted), None)]
        if match is not None
    }
    if "question" not in found or "answer" not in found:
        shown = ", ".join(repr(clean_inline(cell)) for cell in header if clean_inline(cell))
        raise SourceError(
            f"{path.name} needs a question and an answer column (headers 'Frage' and 'Antwort' "
            f"or 'question' and 'answer'); its first row has {shown or 'no names'}"
        )
    return found


def _cell(row: list[str], index: int) -> str:
    return row[index] if index < len(row) else ""


def _date(value: str, path: Path, row: int, what: str) -> date | None:
    text = value.strip()
    if not text:
        return None
    for pattern in ("%Y-%m-%d", "%d.%m.%Y", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise SourceError(
        f"{path.name} row {row}: {what} {text!r} is not a date (use 31.12.2026 or 2026-12-31)"
    )


def _csv_rows(path: Path) -> Iterator[list[str]]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # German Excel's "CSV (Trennzeichen)"
    if not text.strip():
        raise SourceError(f"{path.name} is empty; the first row must name the columns")
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:4096], ";,\t")
    except csv.Error:
        dialect = csv.excel
    return iter(
        [row for row in csv.reader(io.StringIO(text), dialect) if any(c.strip() for c in row)]
    )


def _xlsx_rows(path: Path) -> Iterator[list[str]]:
    refuse_ole2(path)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise SourceError(f"{path.name} is not a readable Excel (.xlsx) file") from exc
    try:
        sheet = workbook.worksheets[0]
        rows = [
            [_xlsx_text(value) for value in row]
            for row in sheet.iter_rows(values_only=True)
            if any(value is not None and str(value).strip() for value in row)
        ]
    finally:
        workbook.close()
    return iter(rows)


def _xlsx_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
