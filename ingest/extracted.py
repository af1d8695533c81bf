"""What the file extractors produce: a title, titled sections of clean text, a date.

The extractors (``pdf_text``, ``docx_text``, ``markup_text``) turn a file into a flat
list of blocks, each a heading or a line of text (list items keep their ``- `` or
``1. `` prefix, table rows are cells joined by `` | ``); ``sections_from_blocks``
groups them into sections so that answers cite the part of the document they come
from. The "Stand" of a document is the date it states about itself ("Stand:
01.03.2025", "Stand: März 2025"), which is what citizens are shown; metadata dates
are only a fallback because they change when a file is merely re-saved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from ingest.html_text import TextSection, clean_inline

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("januar", "jänner", "january"),
            ("februar", "february"),
            ("märz", "maerz", "march"),
            ("april",),
            ("mai", "may"),
            ("juni", "june"),
            ("juli", "july"),
            ("august",),
            ("september",),
            ("oktober", "october"),
            ("november",),
            ("dezember", "december"),
        ),
        start=1,
    )
    for name in names
}
_STAND_NUMERIC = re.compile(r"\bStand\s*:?\s*(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4})\b", re.IGNORECASE)
_STAND_ISO = re.compile(r"\bStand\s*:?\s*(\d{4})-(\d{2})-(\d{2})\b", re.IGNORECASE)
_STAND_MONTH = re.compile(r"\bStand\s*:?\s*([A-Za-zÄÖÜäöü]+)\s+(\d{4})\b", re.IGNORECASE)


@dataclass(frozen=True)
class Block:
    """A heading (level 1 is the top) or one line of body text, in reading order."""

    text: str
    heading: bool = False
    level: int = 1


@dataclass(frozen=True)
class ExtractedDocument:
    """A file's content as the pipeline sees it (before it becomes a Service)."""

    kind: str  # "pdf", "docx", "html", "markdown", "text"
    title: str  # "" when the file names none
    sections: list[TextSection]
    updated: date | None = None
    pages: int = 0  # pages of a PDF; 0 where the format has none
    warnings: list[str] = field(default_factory=list)

    def text(self) -> str:
        """All section text, headings included, for date detection and previews."""
        return "\n".join(f"{s.heading}\n{s.text}" if s.heading else s.text for s in self.sections)


HEADING_JOINER = " – "


def sections_from_blocks(blocks: list[Block]) -> list[TextSection]:
    """Group blocks into sections at headings.

    A heading directly followed by a deeper one names a chapter: the section is called
    ``"Chapter – Heading"`` (``"Reisepass – Gebühren"`` in a brochure of several
    services), so an answer cites the right part. A heading directly followed by one of
    the same or a higher level has no text of its own; its words are kept as the first
    line of the next section, so nothing is lost.
    """
    sections: list[TextSection] = []
    path: list[tuple[int, str]] = []  # the open headings, outermost first
    carried: list[str] = []
    body: list[str] = []
    for block in blocks:
        text = clean_inline(block.text) if block.heading else block.text.strip()
        if not text:
            continue
        if not block.heading:
            body.append(text)
            continue
        if body:
            sections.append(_section(path, carried + body))
            carried, body = [], []
        elif path and path[-1][0] >= block.level:
            carried.append(path[-1][1])
        path = [(level, words) for level, words in path if level < block.level]
        path.append((block.level, text.rstrip(":").strip()))
    if body:
        sections.append(_section(path, carried + body))
    return sections


def _section(path: list[tuple[int, str]], lines: list[str]) -> TextSection:
    return TextSection(
        heading=HEADING_JOINER.join(words for _, words in path), text="\n".join(lines)
    )


def split_title(blocks: list[Block]) -> tuple[str, list[Block]]:
    """The first heading as the title when it comes before any text, and the rest."""
    for position, block in enumerate(blocks):
        if not block.text.strip():
            continue
        if block.heading:
            return clean_inline(block.text), blocks[:position] + blocks[position + 1 :]
        break
    return "", blocks


def stand_date(text: str) -> date | None:
    """The date a document states as its "Stand", if any (first mention wins)."""
    found: list[tuple[int, date]] = []
    for pattern, order in ((_STAND_NUMERIC, "dmy"), (_STAND_ISO, "ymd")):
        for match in pattern.finditer(text):
            a, b, c = (int(part) for part in match.groups())
            day, month, year = (a, b, c) if order == "dmy" else (c, b, a)
            try:
                found.append((match.start(), date(year, month, day)))
            except ValueError:
                continue
    for match in _STAND_MONTH.finditer(text):
        named = _MONTHS.get(match.group(1).lower())
        if named is not None:
            found.append((match.start(), date(int(match.group(2)), named, 1)))
    return min(found)[1] if found else None
