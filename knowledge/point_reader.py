"""The read side both Qdrant backends share: what a search, a service look-up and a scroll
make of points, whichever engine holds them.

A backend (``index_edge.EdgeIndexReader``, ``index_client.ClientIndexReader``) says only
how to ask its engine: ``_nearest`` (one batch of dense and BM25 nearest-neighbour
queries), ``_retrieve`` (points by id) and ``_scroll`` (every point of a kind). Fusion,
the reproducible order and the mapping back to passages and services live here once, so
the two backends cannot drift apart (they pass the same contract tests,
tests/knowledge/test_index_contract.py).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from typing import Any

from knowledge.fusion import select
from knowledge.index import IndexMeta, ScoredPassage, SearchMode, StoredPassage
from knowledge.models import Service
from knowledge.points import (
    KIND_PASSAGE,
    KIND_SERVICE,
    PASSAGE_FIELDS,
    passage_from_payload,
    passage_point_id,
    service_from_payload,
    service_point_id,
    stored_passage,
)
from knowledge.sparse import DENSE_VECTOR, SPARSE_VECTOR

Payload = dict[str, Any]
# What a search needs of each hit: the passage and document ids (no text, no vectors).
HIT_FIELDS = ["passage_id", "doc_id"]


class PointReader(ABC):
    """One committed index version, read through the backend's three queries."""

    def __init__(self, meta: IndexMeta) -> None:
        self._meta = meta

    @property
    def meta(self) -> IndexMeta:
        return self._meta

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
        """Passages of ``tenant`` best first; ties broken by passage id (reproducible)."""
        use_dense = dense if mode in ("hybrid", "dense") else None
        use_sparse = sparse if mode in ("hybrid", "bm25") and sparse and sparse[0] else None
        lists: dict[str, list[tuple[str, float]]] = {"dense": [], "sparse": []}
        doc_of: dict[str, str] = {}
        if use_dense is not None or use_sparse is not None:
            found = self._nearest(
                dense=use_dense, sparse=use_sparse, tenant=tenant, candidates=candidates
            )
            for name, hits in found.items():
                for payload, score in hits:
                    doc_of[payload["passage_id"]] = payload["doc_id"]
                    lists[name].append((payload["passage_id"], score))
        chosen = select(
            dense=lists["dense"],
            sparse=lists["sparse"],
            doc_of=doc_of,
            mode=mode,
            weights=weights,
            rrf_k=rrf_k,
            limit=limit,
            per_document=per_document,
        )
        return self._passages(chosen)

    def _passages(self, chosen: list[tuple[str, float]]) -> list[ScoredPassage]:
        """Full passages of the chosen ids (payload fetched only for what is returned)."""
        if not chosen:
            return []
        records = self._retrieve([passage_point_id(key) for key, _ in chosen], PASSAGE_FIELDS)
        passages = {str(payload["passage_id"]): payload for payload in records}
        return [
            ScoredPassage(passage=passage_from_payload(passages[key]), score=score)
            for key, score in chosen
        ]

    def get_service(self, doc_id: str) -> Service | None:
        """The full normalised Service for ``doc_id`` or None."""
        records = self._retrieve([service_point_id(doc_id)], None)
        return service_from_payload(records[0]) if records else None

    def service_hashes(self, tenant: str) -> dict[str, str]:
        """doc_id → content hash of every service of ``tenant``."""
        records = self._scroll(KIND_SERVICE, tenant, ["doc_id", "hash"], vectors=False)
        return {str(payload["doc_id"]): str(payload["hash"]) for payload, _ in records if payload}

    def iter_stored(self, tenant: str | None = None) -> Iterator[StoredPassage]:
        """Every stored passage (optionally of one tenant) with its vectors."""
        for payload, vectors in self._scroll(KIND_PASSAGE, tenant, None, vectors=True):
            sparse = vectors.get(SPARSE_VECTOR)
            yield stored_passage(
                payload,
                vectors.get(DENSE_VECTOR, []),
                list(sparse.indices) if sparse is not None else [],
                list(sparse.values) if sparse is not None else [],
            )

    def iter_services(self, tenant: str | None = None) -> Iterator[Service]:
        """Every stored Service (optionally of one tenant)."""
        for payload, _ in self._scroll(KIND_SERVICE, tenant, None, vectors=False):
            yield service_from_payload(payload)

    @abstractmethod
    def _nearest(
        self,
        *,
        dense: list[float] | None,
        sparse: tuple[list[int], list[float]] | None,
        tenant: str,
        candidates: int,
    ) -> dict[str, list[tuple[Payload, float]]]:
        """The ``candidates`` nearest passages of ``tenant`` by each given vector ("dense",
        "sparse"; BM25 with IDF over the tenant's own passages), with their HIT_FIELDS."""

    @abstractmethod
    def _retrieve(self, ids: Sequence[str], fields: list[str] | None) -> list[Payload]:
        """Payloads (``fields`` of them, None: all) of the points with these ids that exist."""

    @abstractmethod
    def _scroll(
        self, kind: str, tenant: str | None, fields: list[str] | None, *, vectors: bool
    ) -> Iterator[tuple[Payload, Any]]:
        """Payload and named vectors ({} without ``vectors``) of every point of ``kind``
        (optionally of one tenant)."""

    @abstractmethod
    def close(self) -> None:
        """Release what the reader holds."""
