"""The index interface that both Qdrant backends implement.

A *store* holds versions of one logical index. Readers open the current version;
a writer builds a new version next to it and switches atomically when it is
complete (build then switch, DESIGN.md section 4), so a crash mid-ingest leaves
the previous version serving.

Backends:
- ``knowledge.index_edge.EdgeIndexStore``: Qdrant Edge, embedded, on disk (default).
- ``knowledge.index_client.ClientIndexStore``: qdrant-client against a Qdrant
  server/cluster (``GOVBOT_QDRANT_URL``) or its ``:memory:`` mode in tests.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from knowledge.models import Passage, Service

SearchMode = Literal["hybrid", "dense", "bm25"]


class EmbedderIdentity(BaseModel):
    """Which embedder produced an index's dense vectors."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    dim: int


class IndexMeta(BaseModel):
    """Metadata stored with every index version."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str
    embedder: EmbedderIdentity
    created: datetime
    passages: int = 0
    services: int = 0
    tenants: list[str] = Field(default_factory=list)


class StoredPassage(BaseModel):
    """A passage with its vectors, as kept in the index (vectors are reused on sync)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    passage: Passage
    dense: list[float]
    sparse_indices: list[int]
    sparse_values: list[float]
    service_hash: str


class ScoredPassage(BaseModel):
    """A passage returned by a search with its fused score."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    passage: Passage
    score: float


class IndexReader(Protocol):
    """Read side of one index version."""

    @property
    def meta(self) -> IndexMeta: ...

    def search(
        self,
        *,
        dense: list[float] | None,
        sparse: tuple[list[int], list[float]] | None,
        tenant: str,
        limit: int,
        mode: SearchMode,
        candidates: int,
        weights: tuple[float, float],
        rrf_k: int,
        per_document: bool = False,
    ) -> list[ScoredPassage]:
        """Passages of ``tenant`` best first; ties broken by passage id (reproducible).

        With ``per_document`` only the best passage of each document is returned
        (documents best first, ties by document id), at most ``limit`` of them.
        """
        ...

    def get_service(self, doc_id: str) -> Service | None:
        """The full normalised Service for ``doc_id`` or None."""
        ...

    def service_hashes(self, tenant: str) -> dict[str, str]:
        """doc_id → content hash of every service of ``tenant``."""
        ...

    def iter_stored(self, tenant: str | None = None) -> Iterator[StoredPassage]:
        """Every stored passage (optionally of one tenant) with its vectors."""
        ...

    def iter_services(self, tenant: str | None = None) -> Iterator[Service]:
        """Every stored Service (optionally of one tenant)."""
        ...

    def close(self) -> None: ...


class IndexWriter(Protocol):
    """A new index version being built; invisible to readers until ``commit``."""

    def add(self, passages: Iterable[StoredPassage], services: Iterable[Service]) -> None:
        """Add passages (with vectors) and the services they belong to."""
        ...

    def commit(self) -> IndexMeta:
        """Make this version the current one, atomically."""
        ...

    def abort(self) -> None:
        """Discard the version being built."""
        ...


class IndexStore(Protocol):
    """All versions of one logical index: hands out the current reader and new writers."""

    def reader(self) -> IndexReader:
        """Reader of the version serving now (swapped when a newer one was committed).

        Raises IndexNotFoundError when nothing has been committed yet.
        """
        ...

    def writer(self, embedder: EmbedderIdentity) -> IndexWriter:
        """Start a new version; raises SearchIndexError while another writer holds the lock."""
        ...

    def current_version(self) -> str | None:
        """Version serving now, or None for an empty store."""
        ...

    def versions(self) -> list[str]:
        """Committed versions kept in the store, oldest first."""
        ...

    def close(self) -> None: ...

    def __enter__(self) -> IndexStore: ...

    def __exit__(self, *exc_info: object) -> None: ...
