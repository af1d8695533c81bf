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

from pydantic import BaseModel, ConfigDict, Field, field_validator

TENANT_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


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

    @field_validator("tenant")
    @classmethod
    def _valid_tenant(cls, value: str) -> str:
        return validate_tenant_slug(value)

    @field_validator("url")
    @classmethod
    def _web_url(cls, value: str) -> str:
        return validate_web_url(value)

    def section(self, kind: SectionKind) -> Section | None:
        """Return the first section of ``kind``, if any."""
        return next((s for s in self.sections if s.kind == kind), None)

    def content_hash(self) -> str:
        """SHA-256 over everything that affects passages or answers (sync decides on it)."""
        # Fields added later are left out while unset, so existing hashes stay valid.
        payload = self.model_dump(mode="json", exclude=_unset_later_fields(self))
        blob = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")
        return hashlib.sha256(blob).hexdigest()


def _unset_later_fields(service: Service) -> set[str]:
    return {"valid_until"} if service.valid_until is None else set()


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
