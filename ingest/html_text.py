"""HTML → clean text for passages and answers, and HTML → titled sections.

Paragraphs, headings and list items become lines (``- `` bullets, ``1. `` for
ordered lists), ``<br>`` breaks a line, links keep their text, images and
scripts disappear, zero-width and non-breaking spaces are normalised. A link whose
text only points at it ("hier", "mehr erfahren", "here": link text that says nothing
without its target, WCAG 2.1 success criterion 2.4.4 "Link Purpose") keeps its web
address: the address follows, on a line of its own, the sentence that holds the link
("Hier kannst Du einen Termin vereinbaren." then ``https://…``), so the sentence stays
as written and a citizen still reaches the page it points to. Parsing
uses BeautifulSoup with the standard-library parser so that the output does not
depend on which optional parser happens to be installed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bs4 import BeautifulSoup
from bs4.element import Comment, NavigableString, Tag

# Characters that carry no text: zero-width space/joiners, BOM, soft hyphen.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SKIPPED_TAGS = frozenset({"script", "style", "img", "svg", "noscript", "head", "iframe", "button"})
_BLOCK_TAGS = frozenset(
    {
        "p", "div", "section", "article", "header", "footer", "aside", "main", "nav",
        "blockquote", "pre", "figure", "figcaption", "address", "details", "summary",
        "h1", "h2", "h3", "h4", "h5", "h6", "hr", "table", "tbody", "thead", "tfoot",
        "dl", "dt", "dd", "form", "fieldset",
    }
)  # fmt: skip
_CELL_TAGS = frozenset({"td", "th"})
_HEADING_MARK = "\x00heading{}\x00"
_HEADING_LINE = re.compile(r"^\x00heading(\d+)\x00$")
_SENTENCE_END = re.compile(r"[.!?]$")
# Link texts that only point at the link (WCAG 2.4.4's examples of link text without a
# purpose: "click here", "more", "read more"), German and English, matched casefolded
# without trailing punctuation; a text starting with "hier"/"here" points too
# ("Hier geht es zur Online-Terminvereinbarung").
_POINTER_TEXTS = frozenset(
    {
        "link", "dieser link", "diesen link", "diesem link", "this link", "mehr", "mehr erfahren",
        "mehr informationen", "weitere informationen", "weiterlesen", "zum link", "more",
        "read more", "learn more", "more information", "further information", "click",
    }
)  # fmt: skip
_POINTER_START = re.compile(r"^(hier|here|klicken sie hier|klicke hier|click here)\b")
_LINK_MARK = "\x01"  # where a pointer link's address belongs (never in clean text)
_AFTER_SENTENCE = re.compile(r"[.!?:](?=\s|$)")
_WEB_ADDRESS = re.compile(r"^https?://\S+$")

DEFAULT_HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5")


@dataclass(frozen=True)
class TextSection:
    """A heading (empty for the text before the first heading) and its clean text."""

    heading: str
    text: str


class _Lines:
    """Collects text into lines; whitespace inside a line is collapsed on flush."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._parts: list[str] = []
        self._prefix = ""
        self._addresses: list[str] = []  # of the pointer links in the current line

    def text(self, value: str) -> None:
        self._parts.append(value.replace(_LINK_MARK, ""))

    def address(self, url: str) -> None:
        """Keep ``url`` (of a pointer link just read) after the sentence that holds it."""
        self._parts.append(_LINK_MARK)
        self._addresses.append(url)

    def start(self, prefix: str) -> None:
        self.flush()
        self._prefix = prefix

    def flush(self) -> None:
        line = clean_inline("".join(self._parts))
        pieces = _with_addresses(line, self._addresses) if self._addresses else [line]
        if pieces and pieces[0]:
            self.lines.append(self._prefix + pieces[0])
        self.lines.extend(piece for piece in pieces[1:] if piece)
        self._parts = []
        self._prefix = ""
        self._addresses = []


def _with_addresses(line: str, addresses: list[str]) -> list[str]:
    """``line`` cut after each sentence that holds a pointer link, each cut followed by
    the link's address (each address once per line)."""
    pieces: list[str] = []
    pending: list[str] = []
    rest = line
    queue = list(addresses)
    while _LINK_MARK in rest:
        mark = rest.index(_LINK_MARK)
        url = queue.pop(0)
        if url not in pending:
            pending.append(url)
        end = _AFTER_SENTENCE.search(rest, mark)
        if end is not None and _LINK_MARK in rest[mark + 1 : end.end()]:
            rest = rest[:mark] + rest[mark + 1 :]  # the next link ends the same sentence
            continue
        cut = end.end() if end is not None else len(rest)
        pieces.append(" ".join(rest[:cut].replace(_LINK_MARK, "").split()))
        pieces.extend(pending)
        pending = []
        rest = rest[cut:].strip()
    pieces.append(rest)
    return pieces


def clean_inline(value: str) -> str:
    """Drop invisible characters and collapse all whitespace (incl. NBSP) to single spaces."""
    return " ".join(value.translate(_INVISIBLE).split())


def _walk(node: Tag, out: _Lines, depth: int = 0) -> None:
    for child in node.children:
        if isinstance(child, Comment):
            continue
        if isinstance(child, NavigableString):
            out.text(str(child))
            continue
        if not isinstance(child, Tag) or child.name in _SKIPPED_TAGS:
            continue
        name = child.name
        if name == "br":
            out.flush()
        elif name in ("ul", "ol"):
            _walk_list(child, out, depth)
        elif name == "li":  # a list item outside a list
            out.start("- ")
            _walk(child, out, depth)
            out.flush()
        elif name == "tr":
            out.flush()
            cells = [_inline_text(cell) for cell in child.find_all(_CELL_TAGS, recursive=False)]
            out.text(" | ".join(cell for cell in cells if cell))
            out.flush()
        elif name in _BLOCK_TAGS:
            out.flush()
            _walk(child, out, depth)
            out.flush()
        elif name == "a":
            _walk(child, out, depth)
            url = _pointer_address(child)
            if url:
                out.address(url)
        else:
            _walk(child, out, depth)


def _pointer_address(link: Tag) -> str:
    """The web address of a link whose text only points at it (see the module docstring)."""
    href = link.get("href")
    url = href.strip() if isinstance(href, str) else ""
    if not _WEB_ADDRESS.match(url):
        return ""
    text = clean_inline(link.get_text(" ")).casefold().rstrip(".:!,;»« ")
    return url if text in _POINTER_TEXTS or _POINTER_START.match(text) else ""


def _walk_list(node: Tag, out: _Lines, depth: int) -> None:
    indent = "  " * depth
    ordered = node.name == "ol"
    for number, item in enumerate(node.find_all("li", recursive=False), start=1):
        out.start(f"{indent}{number}. " if ordered else f"{indent}- ")
        _walk(item, out, depth + 1)
        out.flush()


def _inline_text(node: Tag) -> str:
    out = _Lines()
    _walk(node, out)
    out.flush()
    return " ".join(out.lines)


def _lines(root: Tag) -> list[str]:
    out = _Lines()
    _walk(root, out)
    out.flush()
    return out.lines


def html_to_text(html: str) -> str:
    """Convert an HTML fragment to clean text: one line per paragraph or list item."""
    if not html or not html.strip():
        return ""
    return "\n".join(_lines(BeautifulSoup(html, "html.parser")))


def is_pseudo_heading(paragraph: Tag) -> bool:
    """True for a ``<p>`` that holds only bold text and reads like a heading, not a sentence.

    CMS editors often write ``<p><strong>Hinweis:</strong></p>`` instead of a heading;
    an emphasised full sentence ("Die Vorsprache ist nur mit Termin möglich.") is not one.
    """
    if paragraph.name != "p":
        return False
    has_bold = False
    for child in paragraph.children:
        if isinstance(child, NavigableString):
            if clean_inline(str(child)):
                return False
        elif isinstance(child, Tag):
            if child.name in ("strong", "b"):
                has_bold = True
            elif child.name != "br":
                return False
    if not has_bold:
        return False
    text = clean_inline(paragraph.get_text(" "))
    words = len(text.split())
    if not text or words > 20:
        return False
    if text.endswith(":"):
        return True
    return words <= 12 and not _SENTENCE_END.search(text)


def split_sections(
    html: str,
    *,
    heading_tags: Iterable[str] = DEFAULT_HEADING_TAGS,
    bold_paragraph_headings: bool = True,
) -> list[TextSection]:
    """Split HTML into sections at headings (and bold-only paragraphs that act as headings).

    Text before the first heading is a section with an empty heading. A heading that is
    directly followed by another heading keeps its words as the first line of the next
    section, so nothing is lost; a heading with no text after it is dropped. Headings are
    returned without a trailing colon.
    """
    if not html or not html.strip():
        return []
    soup = BeautifulSoup(html, "html.parser")
    tags = set(heading_tags)
    headings: list[str] = []
    for element in soup.find_all(True):
        if not isinstance(element, Tag) or element.decomposed:
            continue
        if element.name in tags or (bold_paragraph_headings and is_pseudo_heading(element)):
            text = clean_inline(element.get_text(" "))
            if not text:  # e.g. a heading that only holds an icon
                element.decompose()
                continue
            marker = soup.new_tag("p")
            marker.string = _HEADING_MARK.format(len(headings))
            headings.append(text)
            element.replace_with(marker)
    return _sections_from_lines(_lines(soup), headings)


def _sections_from_lines(lines: list[str], headings: list[str]) -> list[TextSection]:
    sections: list[TextSection] = []
    heading = ""
    carried: list[str] = []  # headings directly followed by another heading
    body: list[str] = []
    for line in lines:
        match = _HEADING_LINE.match(line)
        if match is None:
            body.append(line)
            continue
        if body:
            sections.append(TextSection(heading=heading, text="\n".join(carried + body)))
            carried, body = [], []
        elif heading:
            carried.append(heading)
        heading = headings[int(match.group(1))].rstrip(":").strip()
    if body:
        sections.append(TextSection(heading=heading, text="\n".join(carried + body)))
    return sections


_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[\"„(]?[A-ZÄÖÜ0-9])")


def first_sentences(text: str, *, min_words: int = 20, max_sentences: int = 3) -> str:
    """The first sentences of ``text`` (its first line), enough for a one-glance summary."""
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    picked: list[str] = []
    words = 0
    for sentence in _SENTENCE_SPLIT.split(first_line.strip()):
        picked.append(sentence)
        words += len(sentence.split())
        if words >= min_words or len(picked) >= max_sentences:
            break
    return " ".join(picked)
