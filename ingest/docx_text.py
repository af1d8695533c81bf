"""Word documents (DOCX) → titled sections, with python-docx.

Paragraphs styled as headings ("Heading n"/"Überschrift n", "Title"/"Titel") start
sections, list paragraphs (a list style or Word numbering) become ``- `` items, and
tables become one `` | ``-joined line per row, all in document order. A password-protected
Word file is not a ZIP package but an OLE2 container; it is refused with a message.
"""

from __future__ import annotations

import re
import zipfile
from datetime import date
from pathlib import Path

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from docx.text.paragraph import Paragraph

from ingest.extracted import Block, ExtractedDocument, sections_from_blocks, split_title, stand_date
from ingest.files import refuse_ole2
from ingest.html_text import clean_inline
from knowledge.errors import SourceError

_HEADING_STYLE = re.compile(r"^(heading|überschrift)\s*\d|^(title|titel)$", re.IGNORECASE)
_TITLE_STYLE = re.compile(r"^(title|titel)$", re.IGNORECASE)


def extract_docx(path: Path) -> ExtractedDocument:
    """Read a DOCX file into sections; SourceError for encrypted or damaged files."""
    refuse_ole2(path)
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError) as exc:
        raise SourceError(f"{path.name} is not a readable Word (.docx) file") from exc
    blocks: list[Block] = []
    style_title = ""
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            blocks.extend(Block(row) for row in _table_rows(item))
            continue
        text = clean_inline(item.text)
        if not text:
            continue
        style = item.style.name if item.style is not None else ""
        if _TITLE_STYLE.match(style or "") and not style_title:
            style_title = text
            continue
        if _HEADING_STYLE.match(style or ""):
            level = re.search(r"\d+", style or "")
            blocks.append(Block(text, heading=True, level=int(level.group()) if level else 1))
        elif _is_list_item(item, style or ""):
            blocks.append(Block(f"- {text}"))
        else:
            blocks.append(Block(text))
    heading_title, rest = split_title(blocks) if not style_title else ("", blocks)
    sections = sections_from_blocks(rest)
    if not sections:
        raise SourceError(f"{path.name} contains no text")
    properties = document.core_properties
    title = clean_inline(properties.title or "") or style_title or heading_title
    body = "\n".join(section.text for section in sections)
    modified = properties.modified or properties.created
    updated: date | None = stand_date(body) or (modified.date() if modified else None)
    return ExtractedDocument(kind="docx", title=title, sections=sections, updated=updated)


def _is_list_item(paragraph: Paragraph, style: str) -> bool:
    if "list" in style.lower() or "aufzählung" in style.lower():
        return True
    properties = paragraph._p.pPr
    return properties is not None and properties.numPr is not None


def _table_rows(table: Table) -> list[str]:
    rows = []
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            text = clean_inline(cell.text)
            if text and (not cells or cells[-1] != text):  # merged cells repeat their text
                cells.append(text)
        if cells:
            rows.append(" | ".join(cells))
    return rows
