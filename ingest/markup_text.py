"""HTML, Markdown and plain text files → titled sections.

HTML and Markdown (rendered with the ``markdown`` package, YAML front matter
stripped) are split at h2-h5 headings and bold-only paragraphs like the folder
adapter; the first ``<h1>`` (or the ``<title>``) is the document's title. Plain text
has no markup: paragraphs are separated by blank lines, and a short single-line
paragraph without a closing full stop ("Gebühren", "Was muss ich mitbringen?") is a
heading.
"""

from __future__ import annotations

import re
from pathlib import Path

import frontmatter
import markdown
from bs4 import BeautifulSoup

from ingest.extracted import Block, ExtractedDocument, sections_from_blocks, stand_date
from ingest.files import read_text
from ingest.html_text import clean_inline, split_sections

_BULLET = re.compile(r"^\s*[•◦▪*–-]\s+")
_NUMBERED = re.compile(r"^\s*\d{1,2}[.)]\s+")
_MAX_HEADING_WORDS = 12


def extract_html(path: Path) -> ExtractedDocument:
    """Read an HTML file; navigation, scripts and images are left out."""
    return html_document(read_text(path, what="HTML file"), kind="html")


def extract_markdown(path: Path) -> ExtractedDocument:
    """Read a Markdown file (front matter ``title:`` is used as the title)."""
    post = frontmatter.loads(read_text(path, what="Markdown file"))
    html = markdown.markdown(post.content, extensions=["extra", "sane_lists"])
    document = html_document(html, kind="markdown")
    title = post.metadata.get("title")
    if isinstance(title, str) and clean_inline(title):
        return ExtractedDocument(
            kind=document.kind,
            title=clean_inline(title),
            sections=document.sections,
            updated=document.updated,
        )
    return document


def extract_plain_text(path: Path) -> ExtractedDocument:
    """Read a UTF-8 text file; paragraphs by blank lines, short lone lines as headings."""
    text = read_text(path, what="Text file")
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if p.strip()]
    blocks: list[Block] = []
    for position, paragraph in enumerate(paragraphs):
        lines = [line.strip() for line in paragraph.splitlines() if line.strip()]
        followed = position + 1 < len(paragraphs)
        if len(lines) == 1 and followed and _reads_like_heading(lines[0]):
            blocks.append(Block(lines[0], heading=True))
            continue
        blocks.extend(_paragraph_blocks(lines))
    title = ""
    if blocks and blocks[0].heading:
        title, blocks = blocks[0].text, blocks[1:]
    sections = sections_from_blocks(blocks)
    return ExtractedDocument(kind="text", title=title, sections=sections, updated=stand_date(text))


def html_document(html: str, *, kind: str = "html") -> ExtractedDocument:
    """An HTML page's title and sections (navigation, header and footer left out)."""
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(("nav", "header", "footer", "script", "style")):
        tag.decompose()
    heading = soup.find("h1")
    title = clean_inline(heading.get_text(" ")) if heading is not None else ""
    if heading is not None:
        heading.decompose()
    if not title and soup.title is not None:
        title = clean_inline(soup.title.get_text(" "))
    if soup.title is not None:
        soup.title.decompose()
    body = soup.body if soup.body is not None else soup
    sections = split_sections(str(body), heading_tags=("h2", "h3", "h4", "h5"))
    text = "\n".join(section.text for section in sections)
    return ExtractedDocument(kind=kind, title=title, sections=sections, updated=stand_date(text))


def _reads_like_heading(line: str) -> bool:
    words = line.split()
    if len(words) > _MAX_HEADING_WORDS or _BULLET.match(line) or _NUMBERED.match(line):
        return False
    return line.endswith((":", "?")) or not line.endswith((".", "!", ",", ";"))


def _paragraph_blocks(lines: list[str]) -> list[Block]:
    """A paragraph's lines joined into one line; list items stay lines of their own."""
    blocks: list[Block] = []
    current: list[str] = []
    for line in lines:
        bullet = _BULLET.match(line)
        if bullet is not None or _NUMBERED.match(line):
            if current:
                blocks.append(Block(" ".join(current)))
                current = []
            blocks.append(Block("- " + line[bullet.end() :] if bullet else line))
        else:
            current.append(line)
    if current:
        blocks.append(Block(" ".join(current)))
    return blocks
