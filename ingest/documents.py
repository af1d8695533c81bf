"""Which extractor reads which file, and the checks every file passes first.

Supported: PDF, DOCX, HTML, Markdown and plain text documents, and FAQ tables
(CSV, XLSX). A file over the size limit (``GOVBOT_DOCUMENTS__MAX_FILE_BYTES``) is
refused before it is opened, so a huge upload cannot tie up the extractor.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ingest.docx_text import extract_docx
from ingest.extracted import ExtractedDocument
from ingest.markup_text import extract_html, extract_markdown, extract_plain_text
from ingest.pdf_text import extract_pdf
from knowledge.errors import SourceError

DOCUMENT_EXTRACTORS: dict[str, Callable[[Path], ExtractedDocument]] = {
    ".pdf": extract_pdf,
    ".docx": extract_docx,
    ".html": extract_html,
    ".htm": extract_html,
    ".md": extract_markdown,
    ".markdown": extract_markdown,
    ".txt": extract_plain_text,
}
TABLE_SUFFIXES = frozenset({".csv", ".xlsx"})
SUPPORTED_SUFFIXES = frozenset(DOCUMENT_EXTRACTORS) | TABLE_SUFFIXES


def is_faq_table(path: Path) -> bool:
    """True for the file kinds read as FAQ tables (one entry per row)."""
    return path.suffix.lower() in TABLE_SUFFIXES


def check_file(path: Path, *, max_bytes: int) -> None:
    """SourceError unless ``path`` is a readable file of a supported kind within the limit."""
    if not path.exists():
        raise SourceError(f"File not found: {path} (check the path)")
    if not path.is_file():
        raise SourceError(f"Not a file: {path}")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        kinds = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise SourceError(
            f"{path.name}: files of type {suffix or '(none)'!r} are not supported; use {kinds}"
        )
    size = path.stat().st_size
    if size > max_bytes:
        raise SourceError(
            f"{path.name} is {_megabytes(size)} and over the limit of {_megabytes(max_bytes)}; "
            "split it or raise GOVBOT_DOCUMENTS__MAX_FILE_BYTES"
        )
    if size == 0:
        raise SourceError(f"{path.name} is empty (0 bytes)")


def extract_document(path: Path, *, max_bytes: int) -> ExtractedDocument:
    """Extract a PDF/DOCX/HTML/Markdown/text file after the checks; SourceError if empty."""
    check_file(path, max_bytes=max_bytes)
    extractor = DOCUMENT_EXTRACTORS.get(path.suffix.lower())
    if extractor is None:
        raise SourceError(f"{path.name} is an FAQ table, not a document; read it as a table")
    document = extractor(path)
    if not document.sections:
        raise SourceError(f"{path.name} contains no text")
    return document


def document_files(paths: list[Path]) -> list[Path]:
    """The given files, and the supported files under given folders (hidden ones skipped)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(
                    file
                    for file in path.rglob("*")
                    if file.is_file()
                    and file.suffix.lower() in SUPPORTED_SUFFIXES
                    and not any(part.startswith(".") for part in file.relative_to(path).parts)
                )
            )
        else:
            found.append(path)
    return found


def _megabytes(size: int) -> str:
    if size < 100_000:
        return f"{size / 1000:.1f} kB"
    return f"{size / 1_000_000:.1f} MB"
