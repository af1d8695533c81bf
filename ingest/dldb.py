"""Adapter for the DLDB service-database export (Munich's eappointment, Berlin's service portal).

Format: ``services_de.json`` = ``{"meta": {...}, "data": [service, ...]}`` where a
service has ``id``, ``name``, ``description`` (HTML), ``fees`` (HTML), ``leika``,
``links``, ``forms``, ``appointment.link``, ``locations`` (references into
``locations_de.json``), ``duration`` (planned appointment length in minutes) and
``meta`` (``url``, ``keywords``, ``lastupdate``). ``locations_de.json`` has the same
envelope; a location has name, organisation unit, address and contact.

What the shipped Munich export (2026-06-08) does and does not contain, checked by
inspection: descriptions have no h1-h6 headings, only bold paragraphs used as
headings; there are no separate requirements/documents/legal-basis fields; the
``links`` and ``forms`` lists are identical; no location carries opening hours
(so ``Office.opening_hours`` stays empty).

``public`` only says whether a service can be booked in the online appointment
system; the others (Urkundenbestellung, Niederlassungserlaubnis, Jagdschein, ...)
are real services, so every entry is loaded except test and internal entries: one named
as a test ("Testleistung") or whose description says it is no real service (10460108,
"Das ist eine Fake Dienstleistung um den E-Kiosk … zu versorgen": a ticket-kiosk
placeholder). An entry the office keeps off its public list but describes for citizens
(10429902, "Waffen- bzw. Munitionsabgabe") is a real service and stays. The export gives
every entry an appointment link, also those that cannot be booked: a service that is
not ``public`` gets no appointment link, for itself or its offices.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from urllib.parse import urlparse

from ingest.files import read_json
from ingest.headings import section_kind
from ingest.html_text import clean_inline, first_sentences, html_to_text, split_sections
from knowledge.errors import SourceError
from knowledge.models import (
    Address,
    Link,
    Office,
    Section,
    SectionKind,
    Service,
    SourceKind,
    make_doc_id,
)

logger = logging.getLogger(__name__)

# Entries the export marks neither as test nor as non-public, yet are tests (data/README.md).
TEST_ENTRY_NAMES = frozenset({"testleistung"})
# A description that calls its own entry a fake, dummy, test or placeholder service: the
# appointment system's ticket-kiosk and test entries, which share the export with real ones.
NOT_A_SERVICE = re.compile(
    r"\b(?:fake|dummy|test|platzhalter)[- ]?(?:dienstleistung|leistung)\b", re.IGNORECASE
)
# Links that start an online procedure rather than describe one.
ONLINE_SERVICE_MARKERS = ("buergerserviceportal.de", "buergerservice-portal.de", "/intelliform/")
# Links that are downloadable documents (forms, leaflets).
DOCUMENT_SUFFIXES = (".pdf", ".doc", ".docx", ".odt", ".rtf")
DOCUMENT_PATH_MARKERS = ("/dms/",)

JsonObject = Mapping[str, object]


def load_dldb(path: Path, *, tenant: str, locations_path: Path | None = None) -> list[Service]:
    """Load the services of a DLDB export (all but test and internal entries) as Services
    of ``tenant``.

    ``locations_path`` defaults to ``locations_de.json`` next to ``path``; if that
    default file is absent the services are loaded without offices (logged).
    """
    entries = _envelope(read_json(path, what="DLDB services file"), path)
    if locations_path is None:
        default = path.with_name("locations_de.json")
        offices = load_locations(default) if default.exists() else {}
        if not default.exists():
            logger.warning("no locations file at %s: services are loaded without offices", default)
    else:
        offices = load_locations(locations_path)
    services: list[Service] = []
    skipped = 0
    for index, entry in enumerate(entries):
        raw = _object(entry, f"{path}: data[{index}]")
        if is_test_entry(raw):
            skipped += 1
            continue
        services.append(
            _service(raw, tenant=tenant, offices=offices, where=f"{path}: data[{index}]")
        )
    bookable = sum(1 for s in services if s.appointment_url)
    logger.info(
        "DLDB %s: %d services (%d bookable online), %d test or internal entries skipped",
        path.name,
        len(services),
        bookable,
        skipped,
    )
    return services


def load_locations(path: Path) -> dict[str, Office]:
    """Load the public offices of a DLDB ``locations_de.json`` by location id."""
    entries = _envelope(read_json(path, what="DLDB locations file"), path)
    offices: dict[str, Office] = {}
    for index, entry in enumerate(entries):
        raw = _object(entry, f"{path}: data[{index}]")
        if raw.get("public") is False:
            continue
        office = _office(raw, where=f"{path}: data[{index}]")
        offices[office.id] = office
    return offices


def _envelope(raw: object, path: Path) -> list[object]:
    if not isinstance(raw, dict) or not isinstance(raw.get("data"), list):
        raise SourceError(
            f"{path} does not look like a DLDB export: expected an object with a 'data' list "
            '(`{"meta": {...}, "data": [...]}`)'
        )
    data: list[object] = raw["data"]
    return data


def _object(value: object, where: str) -> JsonObject:
    if not isinstance(value, dict):
        raise SourceError(f"{where} is a {type(value).__name__}, expected an object")
    return value


def _text(raw: JsonObject, key: str, where: str, *, required: bool = False) -> str:
    value = raw.get(key)
    if value is None or value is False:
        if required:
            raise SourceError(f"{where} has no {key!r}")
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise SourceError(f"{where}: {key!r} is a {type(value).__name__}, expected a string")
    text = str(value).strip()
    if required and not text:
        raise SourceError(f"{where} has an empty {key!r}")
    return text


def is_test_entry(raw: JsonObject) -> bool:
    """Whether a raw DLDB entry is a test or internal entry rather than a service for
    citizens: named as a test, or its description says it is no real service."""
    name = raw.get("name")
    if isinstance(name, str) and name.strip().lower() in TEST_ENTRY_NAMES:
        return True
    description = raw.get("description")
    return isinstance(description, str) and bool(NOT_A_SERVICE.search(html_to_text(description)))


def _service(raw: JsonObject, *, tenant: str, offices: Mapping[str, Office], where: str) -> Service:
    native_id = _text(raw, "id", where, required=True)
    where = f"{where} (service {native_id})"
    meta = _object(raw.get("meta") or {}, f"{where}: meta")
    sections = _sections(raw, where)
    described = [s for s in sections if s.kind not in (SectionKind.FEES, SectionKind.DURATION)]
    lead = next((s.text for s in described if s.kind is SectionKind.DESCRIPTION), "")
    lead = lead or (described[0].text if described else "")
    links = _links(raw.get("links"), where)
    appointment = _object(raw.get("appointment") or {}, f"{where}: appointment")
    bookable = raw.get("public") is True
    return Service(
        doc_id=make_doc_id(tenant, native_id),
        tenant=tenant,
        native_id=native_id,
        source=SourceKind.DLDB,
        title=clean_inline(_text(raw, "name", where, required=True)),
        summary=first_sentences(lead),
        sections=sections,
        offices=_service_offices(raw.get("locations"), offices, where, bookable=bookable),
        online_services=[link for link in links if _is_online_service(link.url)],
        forms=[link for link in links if _is_document(link.url)],
        links=[
            link
            for link in links
            if not _is_online_service(link.url) and not _is_document(link.url)
        ],
        appointment_url=_substitute(_text(appointment, "link", where), native_id)
        if bookable
        else "",
        keywords=_keywords(_text(meta, "keywords", where)),
        leika_keys=_leika_keys(_text(raw, "leika", where)),
        url=_substitute(_text(meta, "url", where), native_id),
        updated=_date(_text(meta, "lastupdate", where), where),
    )


def _sections(raw: JsonObject, where: str) -> list[Section]:
    sections: list[Section] = []
    for part in split_sections(_text(raw, "description", where)):
        if part.heading:
            kind = section_kind(part.heading, default=SectionKind.DESCRIPTION)
            sections.append(Section(kind=kind, title=part.heading, text=part.text))
        else:
            sections.append(
                Section(
                    kind=SectionKind.DESCRIPTION,
                    title=SectionKind.DESCRIPTION.value,
                    text=part.text,
                )
            )
    fees = html_to_text(_text(raw, "fees", where))
    if fees:
        sections.append(Section(kind=SectionKind.FEES, title=SectionKind.FEES.value, text=fees))
    duration = _text(raw, "duration", where)
    if duration.isdigit() and int(duration) > 0:
        # DLDB "duration" is the planned appointment length, not the processing time.
        text = f"Für den Termin sind etwa {int(duration)} Minuten eingeplant."
        sections.append(Section(kind=SectionKind.DURATION, title="Termindauer", text=text))
    return sections


def _office(raw: JsonObject, *, where: str) -> Office:
    location_id = _text(raw, "id", where, required=True)
    where = f"{where} (location {location_id})"
    address = _object(raw.get("address") or {}, f"{where}: address")
    contact = _object(raw.get("contact") or {}, f"{where}: contact")
    meta = _object(raw.get("meta") or {}, f"{where}: meta")
    page = _text(meta, "url", where).replace("{locationId}", location_id)
    return Office(
        id=location_id,
        name=_text(raw, "displayName", where) or _text(raw, "name", where, required=True),
        organization=_text(raw, "organizationUnit", where) or _text(raw, "organization", where),
        address=Address(
            street=_text(address, "street", where),
            house_number=_text(address, "house_number", where),
            postal_code=_text(address, "postal_code", where),
            city=_text(address, "city", where),
        )
        if address
        else None,
        phone=_text(contact, "phone", where),
        email=_text(contact, "email", where),
        fax=_text(contact, "fax", where),
        website=_text(contact, "webinfo", where) or page,
    )


def _service_offices(
    refs: object, offices: Mapping[str, Office], where: str, *, bookable: bool
) -> list[Office]:
    if refs is None:
        return []
    if not isinstance(refs, list):
        raise SourceError(f"{where}: 'locations' is a {type(refs).__name__}, expected a list")
    result: list[Office] = []
    for index, ref in enumerate(refs):
        ref_obj = _object(ref, f"{where}: locations[{index}]")
        location_id = _text(ref_obj, "location", where)
        office = offices.get(location_id)
        if office is None:
            logger.debug("%s: location %s unknown or not public", where, location_id)
            continue
        booking = _object(ref_obj.get("appointment") or {}, f"{where}: locations[{index}]")
        allowed = bookable and booking.get("allowed", True) is not False
        link = _text(booking, "link", where) if allowed else ""
        result.append(office.model_copy(update={"appointment_url": link}))
    return result


def _links(raw: object, where: str) -> list[Link]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise SourceError(f"{where}: 'links' is a {type(raw).__name__}, expected a list")
    links: list[Link] = []
    for index, item in enumerate(raw):
        obj = _object(item, f"{where}: links[{index}]")
        url = _text(obj, "link", where)
        if url:
            links.append(Link(title=clean_inline(_text(obj, "name", where)) or url, url=url))
    return links


def _is_online_service(url: str) -> bool:
    return any(marker in url for marker in ONLINE_SERVICE_MARKERS)


def _is_document(url: str) -> bool:
    path = urlparse(url).path.lower()
    return path.endswith(DOCUMENT_SUFFIXES) or any(m in path for m in DOCUMENT_PATH_MARKERS)


def _substitute(url: str, service_id: str) -> str:
    return url.replace("{serviceId}", service_id)


def _keywords(raw: str) -> list[str]:
    seen: dict[str, None] = {}
    for keyword in raw.split(","):
        cleaned = clean_inline(keyword)
        if cleaned and cleaned.lower() not in {k.lower() for k in seen}:
            seen[cleaned] = None
    return list(seen)


def _leika_keys(raw: str) -> list[str]:
    return [key for key in raw.replace(";", ",").replace(" ", ",").split(",") if key]


def _date(raw: str, where: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw[:10])
    except ValueError as exc:
        raise SourceError(f"{where}: meta.lastupdate {raw!r} is not an ISO date") from exc
