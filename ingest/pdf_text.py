"""PDF → titled sections, with pdfplumber (pdfminer.six underneath).

PDFs carry no headings, only positioned characters, so structure is read from the
typography: the font size used for most characters is the body size; a short line set
clearly larger than the body, or entirely in a bold face, is a heading. Lines of one
paragraph are joined (a word hyphenated at the line end is rejoined), bullet characters
become ``- `` list items, ruled tables become one `` | ``-joined line per row at their
place in the text, and lines repeated on most pages (running headers, "Seite 2 von 5")
are dropped. Multi-column layouts are read line by line across the columns.

A PDF without a text layer (a scan) or with a password is refused with a message that
says what to do; pages without text inside an otherwise readable PDF are reported as
warnings.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from datetime import date
from pathlib import Path
from statistics import median
from typing import Any

import pdfplumber
from pdfminer.pdfdocument import PDFPasswordIncorrect
from pdfplumber.page import Page
from pdfplumber.utils.exceptions import PdfminerException

from ingest.extracted import Block, ExtractedDocument, sections_from_blocks, split_title, stand_date
from ingest.html_text import clean_inline
from knowledge.errors import SourceError

logger = logging.getLogger(__name__)

_BULLET = re.compile(r"^[•◦▪▫●○■□‣⁃∙·*–-]\s+")
_BOLD_FACE = re.compile(r"bold|black|heavy|semibold|demi", re.IGNORECASE)
_PDF_DATE = re.compile(r"^D?:?(\d{4})(\d{2})(\d{2})")
_HEADING_SCALE = 1.15  # a heading is set at least 15 % larger than the body text
_MAX_HEADING_WORDS = 15
_MARGIN = 0.1  # running headers and footers sit in the top or bottom tenth of a page
_Line = dict[str, Any]  # pdfplumber's line dictionaries: text, top, bottom, chars


def extract_pdf(path: Path) -> ExtractedDocument:
    """Read a PDF's text layer into sections; SourceError for scans and encrypted files."""
    try:
        with pdfplumber.open(path) as pdf:
            pages = [_page_items(page) for page in pdf.pages]
            metadata = dict(pdf.metadata or {})
            image_pages = [number for number, page in enumerate(pdf.pages, 1) if page.images]
    except PdfminerException as exc:
        cause = exc.args[0] if exc.args else exc
        if isinstance(cause, PDFPasswordIncorrect):
            raise SourceError(
                f"{path.name} is encrypted (password protected); save it without a password "
                "and upload it again"
            ) from exc
        raise SourceError(f"{path.name} is not a readable PDF ({cause})") from exc
    text_pages = [number for number, items in enumerate(pages, 1) if items]
    if not text_pages:
        if image_pages:
            raise SourceError(
                f"{path.name} has no text layer (its {len(pages)} page(s) are scanned images); "
                "run OCR on it (e.g. ocrmypdf) or upload the original document"
            )
        raise SourceError(f"{path.name} contains no text")
    warnings = []
    missing = [number for number in image_pages if number not in text_pages]
    if missing:
        warnings.append(
            f"pages {', '.join(map(str, missing))} of {path.name} have no text layer "
            "(scanned?); their content is not searchable"
        )
    blocks = _blocks(_drop_running_lines(pages))
    title, blocks = split_title(blocks)
    sections = sections_from_blocks(blocks)
    document = ExtractedDocument(
        kind="pdf",
        title=_metadata_title(metadata) or title,
        sections=sections,
        pages=len(pages),
        warnings=warnings,
    )
    updated = stand_date(document.text()) or _metadata_date(metadata)
    return ExtractedDocument(
        kind=document.kind,
        title=document.title,
        sections=document.sections,
        updated=updated,
        pages=document.pages,
        warnings=document.warnings,
    )


def _page_items(page: Page) -> list[tuple[float, _Line | list[str]]]:
    """(top, text line or table row cells) in reading order; tables replace their lines."""
    # Ruled tables are found from drawn lines and rectangles; a page without any has none,
    # and skipping the search there halves the time per page of plain text.
    tables = page.find_tables() if len(page.lines) + len(page.rects) >= 2 else []
    boxes = [table.bbox for table in tables]

    def outside_tables(obj: dict[str, Any]) -> bool:
        return not any(
            x0 <= obj["x0"] and obj["x1"] <= x1 and top <= obj["top"] and obj["bottom"] <= bottom
            for x0, top, x1, bottom in boxes
        )

    text_page = page.filter(outside_tables) if boxes else page
    items: list[tuple[float, _Line | list[str]]] = [
        (line["top"], {**line, "page_height": float(page.height)})
        for line in text_page.extract_text_lines(return_chars=True, strip=True)
        if clean_inline(line["text"])
    ]
    for table, box in zip(tables, boxes, strict=True):
        rows = [[clean_inline(cell or "") for cell in row] for row in table.extract()]
        for offset, row in enumerate(r for r in rows if any(r)):
            items.append((box[1] + offset * 0.001, row))
    items.sort(key=lambda item: item[0])
    return items


def _drop_running_lines(
    pages: list[list[tuple[float, _Line | list[str]]]],
) -> list[list[_Line | list[str]]]:
    """Leave out lines repeated in the margins of most pages (headers, footers, page numbers)."""

    def key(item: _Line | list[str]) -> str:
        if not isinstance(item, dict):
            return ""
        if _MARGIN <= item["top"] / item["page_height"] <= 1 - _MARGIN:
            return ""
        return re.sub(r"\d+", "#", item["text"])

    counts: Counter[str] = Counter()
    for page in pages:
        counts.update({key(item) for _, item in page} - {""})
    running = (
        {text for text, count in counts.items() if count >= 0.6 * len(pages)}
        if len(pages) >= 3
        else set()
    )
    return [[item for _, item in page if key(item) not in running] for page in pages]


def _blocks(pages: list[list[_Line | list[str]]]) -> list[Block]:
    lines = [item for page in pages for item in page if isinstance(item, dict)]
    body_size = _body_size(lines)
    heading_sizes = {id(line): _heading_size(line, body_size) for line in lines}
    # Heading levels by size, largest first; bold headings at body size come last.
    levels = {
        size: level
        for level, size in enumerate(
            sorted({s for s in heading_sizes.values() if s is not None}, reverse=True), start=1
        )
    }
    blocks: list[Block] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append(Block(_join(paragraph)))
            paragraph.clear()

    for page in pages:
        previous: _Line | None = None
        for item in page:
            if isinstance(item, list):
                flush()
                blocks.append(Block(" | ".join(cell for cell in item if cell)))
                previous = None
                continue
            text = clean_inline(item["text"])
            continues = previous is not None and _continues(previous, item)
            size = heading_sizes[id(item)]
            if size is not None:
                flush()
                level = levels[size]
                last = blocks[-1] if blocks else None
                if continues and last is not None and last.heading and last.level == level:
                    blocks[-1] = Block(f"{last.text} {text}", heading=True, level=level)
                else:  # a heading wrapped onto a second line is one heading
                    blocks.append(Block(text, heading=True, level=level))
                previous = item
                continue
            if previous is not None and heading_sizes[id(previous)] is not None:
                continues = False
            bullet = _BULLET.match(text)
            if bullet is not None and continues and text[0] in "-–*":
                bullet = None  # a dash that wrapped to the start of a line, not a list item
            if bullet is not None or not continues:
                flush()
            paragraph.append("- " + text[bullet.end() :] if bullet is not None else text)
            previous = item
        flush()
    return blocks


def _body_size(lines: list[_Line]) -> float:
    sizes: Counter[float] = Counter()
    for line in lines:
        sizes.update(_rounded(char["size"]) for char in line["chars"] if char["text"].strip())
    return sizes.most_common(1)[0][0] if sizes else 0.0


def _rounded(size: float) -> float:
    return round(size * 2) / 2


def _heading_size(line: _Line, body_size: float) -> float | None:
    """The line's font size if it reads as a heading (larger, or all bold, and short)."""
    text = clean_inline(line["text"])
    chars = [char for char in line["chars"] if char["text"].strip()]
    if not chars or len(text.split()) > _MAX_HEADING_WORDS or text[-1] in ".,;":
        return None
    if _BULLET.match(text) or not any(character.isalpha() for character in text):
        return None
    size = _rounded(median(char["size"] for char in chars))
    bold = sum(1 for char in chars if _BOLD_FACE.search(char.get("fontname", ""))) / len(chars)
    if size >= body_size * _HEADING_SCALE or bold >= 0.9:
        return size
    return None


def _continues(previous: _Line, line: _Line) -> bool:
    """True when ``line`` is the next line of the same paragraph (a small vertical gap)."""
    height = float(previous["bottom"] - previous["top"])
    gap = float(line["top"] - previous["bottom"])
    return 0 <= gap < 0.8 * height


def _join(lines: list[str]) -> str:
    text = lines[0]
    for line in lines[1:]:
        if text.endswith("-") and line[:1].islower() and not text.endswith(" -"):
            text = text[:-1] + line  # a word hyphenated at the line end
        else:
            text = f"{text} {line}"
    return text


def _metadata_title(metadata: dict[str, Any]) -> str:
    title = metadata.get("Title")
    if isinstance(title, bytes):
        title = title.decode("utf-8", "replace")
    text = clean_inline(title) if isinstance(title, str) else ""
    # Word processors fill in placeholders ("Microsoft Word - Dokument1"): not a title.
    if not text or text.lower().startswith(("microsoft word", "untitled", "unbenannt")):
        return ""
    return text


def _metadata_date(metadata: dict[str, Any]) -> date | None:
    for key in ("ModDate", "CreationDate"):
        value = metadata.get(key)
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        match = _PDF_DATE.match(value) if isinstance(value, str) else None
        if match is not None:
            try:
                return date(*(int(part) for part in match.groups()))
            except ValueError:
                continue
    return None
