"""Adapter for Integreat CMS page dumps (``<region>_de_pages.json``).

Format (checked on the shipped Landkreis Augsburg and Rems-Murr-Kreis dumps): a
JSON list of pages with ``id`` (int), ``url``, ``title``, ``last_updated`` (ISO
timestamp), ``content`` (HTML, empty for pure navigation pages) and
``available_languages`` (``{"en": {"id": ..., "url": ..., "path": ...}, ...}``).
A page's closing tag line ("Schlagworte: …", "Keywords: …") becomes the document's
``keywords`` (ingest/page_metadata.py): searched on its card, never shown as text.
The dumps are plain JSON; they are parsed with :mod:`json`, nothing is evaluated.

A dump of another language (``<region>_en_pages.json``) has the same format; its pages
name their German original in ``available_languages["de"]`` and their language in
``path`` (``/<region>/en/…``). :func:`load_translations` reads such a dump and
:func:`attach_translations` adds each page to its German document as a Translation: one
document id, never a second document.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ingest.files import read_json
from ingest.headings import section_kind
from ingest.html_text import clean_inline, first_sentences, html_to_text, split_sections
from ingest.page_metadata import split_keywords
from knowledge.errors import SourceError
from knowledge.models import (
    Section,
    SectionKind,
    Service,
    SourceKind,
    Translation,
    make_doc_id,
    validate_language_code,
)

logger = logging.getLogger(__name__)

WHAT = "Integreat pages file"


def load_integreat(path: Path, *, tenant: str, by_headings: bool = True) -> list[Service]:
    """Load the Integreat pages with content as Services of ``tenant`` (``<tenant>/<page id>``).

    With ``by_headings`` each h1-h5 heading (and bold-only paragraph) starts a section;
    otherwise a page is one CONTENT section.
    """
    services: list[Service] = []
    skipped = 0
    pages = _pages(path)
    tree = _page_tree(pages)
    for where, page in pages:
        service = _service(page, tenant=tenant, by_headings=by_headings, where=where)
        if service is None:
            skipped += 1
        else:
            crumbs = _breadcrumb(page, tree)
            services.append(
                service.model_copy(update={"breadcrumb": crumbs}) if crumbs else service
            )
    logger.info(
        "Integreat %s: %d pages, %d without content skipped", path.name, len(services), skipped
    )
    return services


@dataclass(frozen=True)
class Translations:
    """The pages of one translated dump, by the native id of their German original."""

    pages_file: Path
    language: str
    pages: dict[str, Translation]
    unlinked: int  # pages with content that name no German original

    @property
    def total(self) -> int:
        """Pages with content in the dump."""
        return len(self.pages) + self.unlinked


def load_translations(path: Path, *, tenant: str, by_headings: bool = True) -> Translations:
    """Read a dump of translated pages (``<region>_en_pages.json``) for ``tenant``.

    Sections are split as for the German pages; the language is the one every page's
    ``path`` names (a dump mixing languages, or one in German, is refused).
    """
    pages = _pages(path)
    tree = _page_tree(pages)
    language = _dump_language(pages, path)
    if language == "de":
        raise SourceError(
            f"{path} holds German pages; give it as the main dump, not as a translation"
        )
    found: dict[str, Translation] = {}
    unlinked = 0
    for where, page in pages:
        service = _service(page, tenant=tenant, by_headings=by_headings, where=where)
        if service is None:
            continue
        original = _original_id(page, where)
        if original is None:
            unlinked += 1
            continue
        found[original] = Translation(
            language=language,
            title=service.title,
            summary=service.summary,
            sections=service.sections,
            url=service.url,
            updated=service.updated,
            breadcrumb=_breadcrumb(page, tree),
            keywords=service.keywords,
        )
    logger.info(
        "Integreat %s: %d %s pages linked to German ones, %d without a German original",
        path.name,
        len(found),
        language,
        unlinked,
    )
    return Translations(path, language, found, unlinked)


def attach_translations(
    services: list[Service], translations: list[Translations]
) -> tuple[list[Service], dict[str, int]]:
    """``services`` with their translations added, and per language how many translated
    pages joined a document (the rest name no German page among ``services``: their
    original has no content, or is gone)."""
    by_id: dict[str, list[Translation]] = {}
    joined: dict[str, int] = {}
    known = {service.native_id for service in services}
    for dump in translations:
        if dump.language in joined:
            raise SourceError(f"two translation dumps in {dump.language!r}; give one per language")
        joined[dump.language] = 0
        for native_id, translation in dump.pages.items():
            if native_id in known:
                by_id.setdefault(native_id, []).append(translation)
                joined[dump.language] += 1
    attached = [
        service.model_copy(update={"translations": by_id[service.native_id]})
        if service.native_id in by_id
        else service
        for service in services
    ]
    return attached, joined


def _dump_language(pages: list[tuple[str, Mapping[str, object]]], path: Path) -> str:
    """The one language the pages' paths (``/<region>/<language>/…``) name."""
    languages = set()
    for where, page in pages:
        parts = [part for part in str(page.get("path") or "").split("/") if part]
        if len(parts) < 2:
            raise SourceError(f"{where}: 'path' does not name a region and a language")
        languages.add(parts[1])
    if len(languages) != 1:
        raise SourceError(f"{path}: expected pages of one language, found {sorted(languages)}")
    language = languages.pop()
    try:
        return validate_language_code(language)
    except ValueError as exc:
        raise SourceError(f"{path}: {exc}") from exc


def _original_id(page: Mapping[str, object], where: str) -> str | None:
    languages = page.get("available_languages") or {}
    if not isinstance(languages, dict):
        raise SourceError(f"{where}: 'available_languages' is not an object")
    german = languages.get("de")
    if isinstance(german, dict) and german.get("id") is not None:
        return str(german["id"]).strip()
    return None


def translation_ids(path: Path, *, language: str = "en") -> dict[str, str]:
    """Map the ids of the ``language`` versions of pages to the German page ids.

    Questions machine-translated from English name the English page id
    (data/README.md); this table maps them to the German document.
    """
    mapping: dict[str, str] = {}
    for where, page in _pages(path):
        german_id = _page_id(page, where)
        languages = page.get("available_languages") or {}
        if not isinstance(languages, dict):
            raise SourceError(f"{where}: 'available_languages' is not an object")
        other = languages.get(language)
        if isinstance(other, dict) and other.get("id") is not None:
            mapping[str(other["id"])] = german_id
    return mapping


def _pages(path: Path) -> list[tuple[str, Mapping[str, object]]]:
    raw = read_json(path, what=WHAT)
    if not isinstance(raw, list):
        raise SourceError(
            f"{path} does not look like an Integreat page dump: expected a JSON list of pages, "
            f"got a {type(raw).__name__}"
        )
    pages: list[tuple[str, Mapping[str, object]]] = []
    for index, page in enumerate(raw):
        where = f"{path}: page [{index}]"
        if not isinstance(page, dict):
            raise SourceError(f"{where} is a {type(page).__name__}, expected an object")
        pages.append((where, page))
    return pages


def _page_tree(pages: list[tuple[str, Mapping[str, object]]]) -> dict[str, tuple[str, str]]:
    """path → (title, parent path) of every page, content or not.

    ``parent.id`` lives in another id space than the page ids of the dump (checked on
    both shipped dumps: no parent id is a page id), but ``parent.path`` is a page's path.
    """
    tree: dict[str, tuple[str, str]] = {}
    for _, page in pages:
        path, title = page.get("path"), page.get("title")
        if isinstance(path, str) and path and isinstance(title, str):
            tree[path] = (clean_inline(title), _parent_path(page))
    return tree


def _parent_path(page: Mapping[str, object]) -> str:
    parent = page.get("parent")
    path = parent.get("path") if isinstance(parent, dict) else None
    return path if isinstance(path, str) else ""


def _breadcrumb(page: Mapping[str, object], tree: dict[str, tuple[str, str]]) -> list[str]:
    """Titles of the page's ancestors, root first (a cycle or a missing parent ends it)."""
    titles: list[str] = []
    seen: set[str] = set()
    current = _parent_path(page)
    while current and current in tree and current not in seen:
        seen.add(current)
        title, current = tree[current]
        if title:
            titles.append(title)
    return titles[::-1]


def _page_id(page: Mapping[str, object], where: str) -> str:
    value = page.get("id")
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip():
        raise SourceError(f"{where} has no 'id'")
    return str(value).strip()


def _string(page: Mapping[str, object], key: str, where: str) -> str:
    value = page.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise SourceError(f"{where}: {key!r} is a {type(value).__name__}, expected a string")
    return value


def _service(
    page: Mapping[str, object], *, tenant: str, by_headings: bool, where: str
) -> Service | None:
    native_id = _page_id(page, where)
    where = f"{where} (page {native_id})"
    content = _string(page, "content", where)
    # The page's tag line ("Schlagworte: …") is search vocabulary, not answer text.
    sections, keywords = split_keywords(_sections(content, by_headings=by_headings))
    if not sections:
        return None
    title = clean_inline(_string(page, "title", where)) or native_id
    return Service(
        doc_id=make_doc_id(tenant, native_id),
        tenant=tenant,
        native_id=native_id,
        source=SourceKind.INTEGREAT,
        title=title,
        summary=first_sentences(sections[0].text),
        sections=sections,
        keywords=keywords,
        url=_string(page, "url", where),
        updated=_date(_string(page, "last_updated", where), where),
    )


def _sections(content: str, *, by_headings: bool) -> list[Section]:
    if not by_headings:
        text = html_to_text(content)
        if not text:
            return []
        return [Section(kind=SectionKind.CONTENT, title=SectionKind.CONTENT.value, text=text)]
    sections: list[Section] = []
    for part in split_sections(content):
        title = part.heading or SectionKind.CONTENT.value
        kind = section_kind(part.heading, default=SectionKind.CONTENT)
        sections.append(Section(kind=kind, title=title, text=part.text))
    return sections


def _date(raw: str, where: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw[:10])
    except ValueError as exc:
        raise SourceError(f"{where}: last_updated {raw!r} is not an ISO date") from exc
