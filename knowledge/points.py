"""How passages and services are laid out as Qdrant points, for both backends.

Every index version holds two kinds of points, told apart by the ``kind`` payload:

- ``passage``: named vectors ``dense`` and ``bm25``, payload = the Passage fields
  plus ``service_hash`` (so a sync can reuse the vectors of unchanged services).
- ``service``: no vectors, payload = ``doc_id``, ``tenant``, ``source``, ``hash`` and
  the full normalised Service as JSON (``service``). Searches never touch these
  points (they have no vectors), so the large JSON never slows a query down;
  ``get_service`` retrieves one by its point id.

Point ids are UUIDv5 of the passage id / document id: stable across versions.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from knowledge.index import EmbedderIdentity, IndexMeta, StoredPassage
from knowledge.models import Passage, Service

KIND_PASSAGE = "passage"
KIND_SERVICE = "service"

# The payload a search needs to build a hit (no vectors, no service JSON).
PASSAGE_FIELDS = [
    "passage_id",
    "doc_id",
    "tenant",
    "title",
    "section",
    "text",
    "url",
    "updated",
    "language",
]
# Keyword payload indexes created in every version.
INDEXED_FIELDS = ["tenant", "kind", "doc_id"]

_NAMESPACE = uuid.UUID("6f1c0a3e-8a48-4cd9-9a4e-5d0a8d7d0b3b")


def passage_point_id(passage_id: str) -> str:
    """Stable point id of a passage."""
    return str(uuid.uuid5(_NAMESPACE, "passage:" + passage_id))


def service_point_id(doc_id: str) -> str:
    """Stable point id of a service record."""
    return str(uuid.uuid5(_NAMESPACE, "service:" + doc_id))


def passage_payload(stored: StoredPassage) -> dict[str, Any]:
    """Payload of a passage point."""
    payload: dict[str, Any] = stored.passage.model_dump(mode="json")
    payload["kind"] = KIND_PASSAGE
    payload["service_hash"] = stored.service_hash
    return payload


def passage_from_payload(payload: dict[str, Any]) -> Passage:
    """Rebuild a Passage from a point payload (extra keys are ignored; a point written
    before passages had a language is German)."""
    return Passage.model_validate({key: payload[key] for key in PASSAGE_FIELDS if key in payload})


def service_payload(service: Service) -> dict[str, Any]:
    """Payload of a service record."""
    return {
        "kind": KIND_SERVICE,
        "doc_id": service.doc_id,
        "tenant": service.tenant,
        "source": str(service.source),
        "hash": service.content_hash(),
        "service": service.model_dump_json(),
    }


def service_from_payload(payload: dict[str, Any]) -> Service:
    """Rebuild the Service stored in a service record."""
    return Service.model_validate_json(payload["service"])


def stored_passage(
    payload: dict[str, Any], dense: Iterable[float], indices: list[int], values: list[float]
) -> StoredPassage:
    """A StoredPassage from a point's payload and vectors."""
    return StoredPassage(
        passage=passage_from_payload(payload),
        dense=[float(x) for x in dense],
        sparse_indices=[int(i) for i in indices],
        sparse_values=[float(v) for v in values],
        service_hash=str(payload.get("service_hash", "")),
    )


def new_version_name(existing: Iterable[str]) -> str:
    """A version name that sorts after every existing one (UTC timestamp)."""
    name = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
    latest = max(existing, default="")
    # A clock that went backwards must not make a new version sort before an old one.
    return name if name > latest else f"{latest}-1"


def superseded(committed: Iterable[str], version: str, *, keep: int) -> list[str]:
    """Versions older than ``version`` that publishing it drops: all but the ``keep - 1``
    newest of them (``keep`` counts ``version`` itself)."""
    older = sorted(v for v in committed if v < version)
    return older[: max(len(older) - (keep - 1), 0)]


class VersionTally:
    """Counts what a writer added, to fill the version's IndexMeta."""

    def __init__(self, version: str, embedder: EmbedderIdentity) -> None:
        self.version = version
        self.embedder = embedder
        self.passages = 0
        self.services = 0
        self.tenants: set[str] = set()

    def count(self, passages: list[StoredPassage], services: list[Service]) -> None:
        """Record one batch."""
        self.passages += len(passages)
        self.services += len(services)
        self.tenants.update(p.passage.tenant for p in passages)

    def meta(self) -> IndexMeta:
        """The IndexMeta of the finished version."""
        return IndexMeta(
            version=self.version,
            embedder=self.embedder,
            created=datetime.now(UTC),
            passages=self.passages,
            services=self.services,
            tenants=sorted(self.tenants),
        )
