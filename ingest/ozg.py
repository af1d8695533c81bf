"""The OZG implementation catalogue (LeiKa key → OZG-Leistung, Lebenslage, Themenfeld).

Two uses:
- enrichment: :func:`enrich` fills ``Service.ozg`` of a city's services from their LeiKa keys;
- a shared catalogue tenant: :func:`catalogue_services` turns every LeiKa entry into a
  lightweight Service (``ozg/<leika key>``) so the bot can name the right Leistung and
  Lebenslage when a city has no description of its own, and then route to a person.

File: ``leika_ozg.csv`` with the columns of :data:`COLUMNS` (data/README.md).
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ingest.files import read_text
from knowledge.errors import SourceError
from knowledge.models import OzgInfo, Section, SectionKind, Service, SourceKind, make_doc_id

logger = logging.getLogger(__name__)

COLUMNS = (
    "leika_key",
    "leika_name",
    "leika_type",
    "ozg_id",
    "ozg_leistung",
    "lebenslage",
    "themenfeld",
)
DEFAULT_TENANT = "ozg"
_LEIKA_KEY = re.compile(r"^\d{14}$")


@dataclass(frozen=True)
class KeyCoverage:
    """How many distinct LeiKa keys of some services the catalogue knows."""

    resolved: int
    total: int


def load_catalogue(path: Path) -> dict[str, OzgInfo]:
    """Load the catalogue as ``{leika_key: OzgInfo}``; rows without a LeiKa name are skipped."""
    reader = csv.DictReader(io.StringIO(read_text(path, what="OZG catalogue")))
    missing = [column for column in COLUMNS if column not in (reader.fieldnames or [])]
    if missing:
        raise SourceError(
            f"OZG catalogue {path} lacks the column(s) {', '.join(missing)}; "
            f"expected the header {','.join(COLUMNS)}"
        )
    catalogue: dict[str, OzgInfo] = {}
    skipped = 0
    for row in reader:
        line = reader.line_num
        key = (row.get("leika_key") or "").strip()
        if not _LEIKA_KEY.fullmatch(key):
            raise SourceError(
                f"OZG catalogue {path}, line {line}: LeiKa key {key!r} is not 14 digits"
            )
        name = (row.get("leika_name") or "").strip()
        if not name:
            skipped += 1
            continue
        catalogue[key] = OzgInfo(
            leika_key=key,
            leika_name=name,
            ozg_id=(row.get("ozg_id") or "").strip(),
            ozg_service=(row.get("ozg_leistung") or "").strip(),
            life_situation=(row.get("lebenslage") or "").strip(),
            topic=(row.get("themenfeld") or "").strip(),
        )
    logger.info(
        "OZG catalogue %s: %d entries, %d without a name skipped", path, len(catalogue), skipped
    )
    return catalogue


def enrich(services: Iterable[Service], catalogue: Mapping[str, OzgInfo]) -> list[Service]:
    """Return the services with ``ozg`` filled from their LeiKa keys (unknown keys are left out)."""
    enriched: list[Service] = []
    for service in services:
        infos = [catalogue[key] for key in service.leika_keys if key in catalogue]
        enriched.append(service.model_copy(update={"ozg": infos}) if infos else service)
    return enriched


def coverage(services: Iterable[Service], catalogue: Mapping[str, OzgInfo]) -> KeyCoverage:
    """Count the distinct LeiKa keys of ``services`` and how many of them the catalogue knows."""
    keys = {key for service in services for key in service.leika_keys}
    return KeyCoverage(resolved=sum(key in catalogue for key in keys), total=len(keys))


def catalogue_services(
    catalogue: Mapping[str, OzgInfo], *, tenant: str = DEFAULT_TENANT
) -> list[Service]:
    """The catalogue as lightweight Services of ``tenant`` (doc id ``<tenant>/<leika key>``)."""
    return [_catalogue_service(info, tenant=tenant) for info in catalogue.values()]


def _catalogue_service(info: OzgInfo, *, tenant: str) -> Service:
    lines = _catalogue_lines(info)
    return Service(
        doc_id=make_doc_id(tenant, info.leika_key),
        tenant=tenant,
        native_id=info.leika_key,
        source=SourceKind.OZG,
        title=info.leika_name,
        summary=" · ".join(lines),
        sections=[
            Section(kind=SectionKind.DESCRIPTION, title="OZG-Katalog", text="\n".join(lines))
        ],
        leika_keys=[info.leika_key],
        ozg=[info],
    )


def _catalogue_lines(info: OzgInfo) -> Sequence[str]:
    lines = [f"LeiKa-Leistung: {info.leika_name}"]
    if info.ozg_service:
        lines.append(f"OZG-Leistung: {info.ozg_service}")
    if info.life_situation:
        lines.append(f"Lebenslage: {info.life_situation}")
    if info.topic:
        lines.append(f"Themenfeld: {info.topic}")
    return lines
