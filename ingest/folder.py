"""Adapter for a directory of a city's own pages: Markdown (``.md``) and HTML (``.html``/``.htm``).

Each file may start with YAML front matter::

    ---
    title: Personalausweis beantragen
    url: https://www.example-stadt.de/personalausweis
    updated: 2025-03-01
    id: personalausweis          # optional; default: slug of the relative path
    summary: Kurzbeschreibung    # optional; default: first sentences of the text
    keywords: [Perso, Ausweis]   # optional; list or comma-separated
    leika: "99008001000000"      # optional; one key or a list
    ---

A tag line in the page ("Schlagworte: a, b") adds its words to the keywords and is
not kept as text (ingest/page_metadata.py).

Markdown is rendered with the ``markdown`` package and then cleaned like HTML.
The first ``<h1>`` is the title when the front matter has none (else the file
name); h2-h5 headings and bold-only paragraphs start sections.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path

import markdown
import yaml
from bs4 import BeautifulSoup
from frontmatter.default_handlers import YAMLHandler

from ingest.files import read_text
from ingest.headings import section_kind
from ingest.html_text import clean_inline, first_sentences, split_sections
from ingest.page_metadata import merge_keywords, split_keywords
from knowledge.errors import SourceError
from knowledge.models import (
    Section,
    SectionKind,
    Service,
    SourceKind,
    make_doc_id,
    validate_web_url,
)

logger = logging.getLogger(__name__)

MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
_NATIVE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_TRANSLITERATION = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def load_folder(directory: Path, *, tenant: str) -> list[Service]:
    """Load every Markdown/HTML page under ``directory`` (recursively) as a Service."""
    if not directory.exists():
        raise SourceError(f"Folder not found: {directory} (check the path)")
    if not directory.is_dir():
        raise SourceError(f"Not a folder: {directory}; pass the directory that holds the pages")
    files = page_files(directory)
    if not files:
        raise SourceError(
            f"No .md, .markdown, .html or .htm files in {directory}; add pages or check the path"
        )
    services: list[Service] = []
    seen: dict[str, Path] = {}
    for file in files:
        service = load_page(file, root=directory, tenant=tenant)
        if service is None:
            logger.warning("%s has no text after its front matter; skipped", file)
            continue
        if service.native_id in seen:
            raise SourceError(
                f"{file} and {seen[service.native_id]} both have the id {service.native_id!r}; "
                "set a unique `id:` in the front matter of one of them"
            )
        seen[service.native_id] = file
        services.append(service)
    logger.info("folder %s: %d pages", directory, len(services))
    return services


def page_files(directory: Path) -> list[Path]:
    """The page files under ``directory`` in a stable order, hidden paths excluded."""
    suffixes = MARKDOWN_SUFFIXES | HTML_SUFFIXES
    return sorted(
        path
        for path in directory.rglob("*")
        if path.is_file()
        and path.suffix.lower() in suffixes
        and not any(part.startswith(".") for part in path.relative_to(directory).parts)
    )


def load_page(file: Path, *, root: Path, tenant: str) -> Service | None:
    """Load one page file; ``None`` when it has no text."""
    meta, body = _front_matter(read_text(file, what="Page"), file)
    is_html = file.suffix.lower() in HTML_SUFFIXES
    html = body if is_html else markdown.markdown(body, extensions=["extra", "sane_lists"])
    soup = BeautifulSoup(html, "html.parser")
    heading = soup.find("h1")
    h1_title = clean_inline(heading.get_text(" ")) if heading is not None else ""
    if heading is not None:
        heading.decompose()
    # A tag line on the page ("Schlagworte: …") joins the front matter's keywords.
    sections, tags = split_keywords(
        [
            Section(
                kind=section_kind(part.heading, default=SectionKind.CONTENT),
                title=part.heading or SectionKind.CONTENT.value,
                text=part.text,
            )
            for part in split_sections(str(soup), heading_tags=("h2", "h3", "h4", "h5"))
        ]
    )
    if not sections:
        return None
    native_id = _native_id(meta, file, root)
    return Service(
        doc_id=make_doc_id(tenant, native_id),
        tenant=tenant,
        native_id=native_id,
        source=SourceKind.FOLDER,
        title=_field(meta, "title", file) or h1_title or file.stem,
        summary=_field(meta, "summary", file) or first_sentences(sections[0].text),
        sections=sections,
        keywords=merge_keywords(_list(meta, "keywords", file), tags),
        leika_keys=_list(meta, "leika", file),
        url=_web_url(meta, file),
        updated=_updated(meta, file),
    )


def slugify(value: str) -> str:
    """ASCII slug: ``Leistungen/Führerschein Umtausch`` → ``leistungen-fuehrerschein-umtausch``."""
    ascii_text = value.lower().translate(_TRANSLITERATION)
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


def _front_matter(text: str, file: Path) -> tuple[Mapping[str, object], str]:
    handler = YAMLHandler()
    if not handler.detect(text):
        return {}, text
    try:
        front, body = handler.split(text)
    except ValueError as exc:
        raise SourceError(
            f"Bad front matter in {file}: it starts with '---' but has no closing '---' line"
        ) from exc
    try:
        meta = yaml.safe_load(front)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise SourceError(f"Bad front matter in {file}{where}: {problem}") from exc
    if meta is None:
        return {}, body
    if not isinstance(meta, dict):
        raise SourceError(
            f"Bad front matter in {file}: expected 'key: value' lines, got a {type(meta).__name__}"
        )
    return meta, body


def _web_url(meta: Mapping[str, object], file: Path) -> str:
    url = _field(meta, "url", file)
    try:
        return validate_web_url(url)
    except ValueError as exc:
        raise SourceError(f"Bad front matter in {file}: url: {exc}") from exc


def _field(meta: Mapping[str, object], key: str, file: Path) -> str:
    value = meta.get(key)
    if value is None:
        return ""
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise SourceError(
            f"Bad front matter in {file}: {key!r} must be text, got {type(value).__name__}"
        )
    return clean_inline(str(value))


def _list(meta: Mapping[str, object], key: str, file: Path) -> list[str]:
    value = meta.get(key)
    if value is None:
        return []
    if isinstance(value, str | int) and not isinstance(value, bool):
        items: list[object] = list(str(value).split(","))
    elif isinstance(value, list):
        items = value
    else:
        raise SourceError(
            f"Bad front matter in {file}: {key!r} must be a list or comma-separated text"
        )
    return [clean_inline(str(item)) for item in items if clean_inline(str(item))]


def _native_id(meta: Mapping[str, object], file: Path, root: Path) -> str:
    explicit = _field(meta, "id", file)
    if explicit:
        if not _NATIVE_ID.fullmatch(explicit):
            raise SourceError(
                f"Bad front matter in {file}: id {explicit!r} may only contain letters, "
                "digits, '.', '_' and '-'"
            )
        return explicit
    slug = slugify(file.relative_to(root).with_suffix("").as_posix())
    if not slug:
        raise SourceError(f"Cannot derive an id from the file name {file}; set `id:`")
    return slug


def _updated(meta: Mapping[str, object], file: Path) -> date | None:
    value = meta.get("updated")
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            pass
    raise SourceError(
        f"Bad front matter in {file}: updated {value!r} is not a date (use YYYY-MM-DD)"
    )
