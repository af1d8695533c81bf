"""Domain model of GovBot's knowledge base, and its glossary.

Glossary (German term in the sources → name in the code):
    Leistung / Verwaltungsleistung      → Service
    Leistungsbeschreibung               → the sections of a Service
    Zuständige Stelle / Standort        → Office
    Öffnungszeiten                      → Office.opening_hours
    Gebühren                            → section "Gebühren" (SectionKind.FEES)
    Erforderliche Unterlagen            → section "Unterlagen" (SectionKind.DOCUMENTS)
    LeiKa-Schlüssel                     → Service.leika_keys
    OZG-Leistung / Lebenslage / Themenfeld → OzgInfo
    Kommune / Landkreis (a deployment's customer) → Tenant
    Textabschnitt für die Suche         → Passage
    Sprachfassung (Übersetzung einer Seite) → Translation

A Service is written in ``Service.language`` (German for every shipped source); its
``translations`` are the same document in other languages as the source publishes them
(an Integreat page's English version): one document id, passages tagged with their
``language``, and ``Service.in_language`` gives the version a citizen is shown.

Document ids are ``"<tenant>/<native id>"`` (``muenchen/1063441``); they are
stable across ingests because evaluation sets and citations refer to them.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from enum import StrEnum
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

TENANT_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
LANGUAGE_CODE = re.compile(r"^[a-z]{2}$")


def validate_web_url(url: str) -> str:
    """Return ``url`` if it is empty or an http(s) address, else raise ValueError naming it.

    A service's URL becomes the link of every citation: ``javascript:`` or ``data:`` there
    would run in the widget and the console (issue 14, finding 6).
    """
    if not url:
        return url
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ValueError(f"URL {url[:80]!r} is not an http(s) address; use https://…")
    return url


def validate_tenant_slug(slug: str) -> str:
    """Return ``slug`` if it is a valid tenant slug, else raise ValueError naming it."""
    if not TENANT_SLUG.fullmatch(slug):
        raise ValueError(
            f"tenant slug {slug!r} is invalid: use 1-63 lowercase letters, digits or '-', "
            "starting with a letter or digit (e.g. 'muenchen')"
        )
    return slug


def validate_language_code(code: str) -> str:
    """Return ``code`` if it is an ISO 639-1 code (``de``, ``en``), else raise ValueError."""
    if not LANGUAGE_CODE.fullmatch(code):
        raise ValueError(
            f"language {code!r} is not a two-letter ISO 639-1 code (e.g. 'de', 'en', 'uk')"
        )
    return code


def make_doc_id(tenant: str, native_id: str) -> str:
    """Build the stable document id ``"<tenant>/<native id>"``."""
    return f"{validate_tenant_slug(tenant)}/{native_id}"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SourceKind(StrEnum):
    """Where a Service came from."""

    DLDB = "dldb"
    INTEGREAT = "integreat"
    FOLDER = "folder"
    OZG = "ozg"
    FILES = "files"  # PDF, Word, HTML, Markdown, text files and FAQ tables (govbot ingest files)
    UPLOAD = "upload"  # documents uploaded and approved in the staff console
    WEB = "web"  # web pages from a URL list or sitemap (govbot ingest web)


class SectionKind(StrEnum):
    """Normalised section of a service description (Leistungsbeschreibung)."""

    SUMMARY = "Überblick"
    DESCRIPTION = "Beschreibung"
    REQUIREMENTS = "Voraussetzungen"
    DOCUMENTS = "Unterlagen"
    FEES = "Gebühren"
    DEADLINES = "Fristen"
    PROCEDURE = "Ablauf"
    DURATION = "Bearbeitungsdauer"
    LEGAL_BASIS = "Rechtsgrundlage"
    FORMS = "Formulare"
    CONTACT = "Kontakt"
    NOTES = "Hinweise"
    CONTENT = "Inhalt"


# The section of a document's card (title, breadcrumb, headings, keywords: ingest/chunking.py
# ``card_text``), which document fusion and the re-ranker's ``card_gap`` score apart.
CARD_SECTION = SectionKind.SUMMARY.value


class Section(_Frozen):
    """One titled section of a Service, as clean text."""

    kind: SectionKind
    title: str
    text: str


class Address(_Frozen):
    """Postal address of an office."""

    street: str = ""
    house_number: str = ""
    postal_code: str = ""
    city: str = ""

    def one_line(self) -> str:
        """Render as ``Straße 1, 80331 München``."""
        street = f"{self.street} {self.house_number}".strip()
        place = f"{self.postal_code} {self.city}".strip()
        return ", ".join(part for part in (street, place) if part)


class Office(_Frozen):
    """A responsible office (Zuständige Stelle) where a service is offered."""

    id: str
    name: str
    organization: str = ""
    address: Address | None = None
    phone: str = ""
    email: str = ""
    fax: str = ""
    website: str = ""
    opening_hours: list[str] = Field(default_factory=list)
    appointment_url: str = ""


class Link(_Frozen):
    """A titled hyperlink (online service, form, further information)."""

    title: str
    url: str


class OzgInfo(_Frozen):
    """OZG implementation catalogue entry for a LeiKa key."""

    leika_key: str
    leika_name: str = ""
    ozg_id: str = ""
    ozg_service: str = ""
    life_situation: str = ""
    topic: str = ""


class Translation(_Frozen):
    """The same document in another language, as its source publishes it (never machine-made)."""

    language: str
    title: str
    summary: str = ""
    sections: list[Section] = Field(default_factory=list)
    url: str = ""
    updated: date | None = None
    breadcrumb: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)  # the page's tags in this language

    @field_validator("language")
    @classmethod
    def _language_code(cls, value: str) -> str:
        return validate_language_code(value)

    @field_validator("url")
    @classmethod
    def _web_url(cls, value: str) -> str:
        return validate_web_url(value)


class Service(_Frozen):
    """A municipal service (Leistung) or an information page mapped onto the same model."""

    doc_id: str
    tenant: str
    native_id: str
    source: SourceKind
    title: str
    summary: str = ""
    sections: list[Section] = Field(default_factory=list)
    offices: list[Office] = Field(default_factory=list)
    online_services: list[Link] = Field(default_factory=list)
    forms: list[Link] = Field(default_factory=list)
    links: list[Link] = Field(default_factory=list)  # further information
    appointment_url: str = ""
    keywords: list[str] = Field(default_factory=list)
    leika_keys: list[str] = Field(default_factory=list)
    ozg: list[OzgInfo] = Field(default_factory=list)
    url: str = ""
    updated: date | None = None
    language: str = "de"
    # Titles of the parent pages, root first (Integreat's page tree): part of the
    # service's card passage, which tells search what the page is about.
    breadcrumb: list[str] = Field(default_factory=list)
    # Date after which the content must not be relied on (a fee schedule for one year);
    # flagged in the console, set by editors for files and FAQ entries.
    valid_until: date | None = None
    # The document in other languages (one entry per language, never ``language`` itself).
    translations: list[Translation] = Field(default_factory=list)

    @field_validator("tenant")
    @classmethod
    def _valid_tenant(cls, value: str) -> str:
        return validate_tenant_slug(value)

    @field_validator("url")
    @classmethod
    def _web_url(cls, value: str) -> str:
        return validate_web_url(value)

    @field_validator("translations")
    @classmethod
    def _one_per_language(cls, value: list[Translation]) -> list[Translation]:
        languages = [t.language for t in value]
        if len(set(languages)) != len(languages):
            raise ValueError(f"translations name a language twice: {languages}")
        return value

    @model_validator(mode="after")
    def _not_own_language(self) -> Service:
        if any(t.language == self.language for t in self.translations):
            raise ValueError(
                f"{self.doc_id}: a translation into {self.language!r}, the document's own language"
            )
        return self

    def section(self, kind: SectionKind) -> Section | None:
        """Return the first section of ``kind``, if any."""
        return next((s for s in self.sections if s.kind == kind), None)

    @property
    def languages(self) -> list[str]:
        """The document's own language, then those of its translations."""
        return [self.language, *(t.language for t in self.translations)]

    def in_language(self, language: str) -> Service:
        """The document as shown in ``language``: its translation's title, text, link and
        date when the source has one, else the document itself (in its own language)."""
        translation = next((t for t in self.translations if t.language == language), None)
        if translation is None:
            return self
        return self.model_copy(
            update={
                "language": translation.language,
                "title": translation.title,
                "summary": translation.summary,
                "sections": translation.sections,
                "url": translation.url,
                "updated": translation.updated,
                "breadcrumb": translation.breadcrumb,
                "keywords": translation.keywords,
                "translations": [],
            }
        )

    def content_hash(self) -> str:
        """SHA-256 over everything that affects passages or answers (sync decides on it)."""
        # Fields added later are left out while unset, so existing hashes stay valid.
        payload = self.model_dump(mode="json", exclude=_unset_later_fields(self))
        for dumped, translation in zip(
            payload.get("translations", []), self.translations, strict=True
        ):
            if not translation.keywords:
                del dumped["keywords"]  # added later: hashes without tags stay as they were
        blob = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")
        return hashlib.sha256(blob).hexdigest()


def _unset_later_fields(service: Service) -> set[str]:
    unset = {"valid_until"} if service.valid_until is None else set()
    return unset | ({"translations"} if not service.translations else set())


class Passage(_Frozen):
    """A searchable chunk of exactly one Service section."""

    passage_id: str  # "<doc_id>#<index>", stable for a given service content
    doc_id: str
    tenant: str
    title: str
    section: str
    text: str
    url: str = ""
    updated: date | None = None
    language: str = "de"  # of the text: the document's own or one of its translations

    def embedding_text(self) -> str:
        """Text that is embedded and BM25-indexed: title and section travel with the chunk."""
        return f"{self.title} — {self.section}\n{self.text}"


class Tenant(_Frozen):
    """A municipality (or shared catalogue) served by one GovBot deployment."""

    slug: str
    name: str
    kind: str = "city"

    @field_validator("slug")
    @classmethod
    def _valid_slug(cls, value: str) -> str:
        return validate_tenant_slug(value)


class SearchHit(_Frozen):
    """One document in a search result, best passage first."""

    doc_id: str
    tenant: str
    title: str
    score: float
    section: str
    url: str
    passage_id: str
    text: str
    updated: date | None = None
    language: str = "de"  # of the passage's text
