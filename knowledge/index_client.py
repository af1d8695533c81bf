"""qdrant-client index store: a Qdrant server or cluster, or local mode in tests.

Each version is its own collection ``<collection>_<version>``; the collection alias
``<collection>`` points at the version serving now and is switched in one alias
request at commit (atomic on a server; qdrant-client's local mode supports
aliases too, checked in the contract tests). The version's IndexMeta (embedder
identity, counts, tenants) is written into the collection's metadata at commit,
so a half-built collection has none and is never served; the next writer
deletes it.

The write lock is a file lock (``lock_path``) and therefore only keeps ingests on
one machine apart; without a lock path (``:memory:`` tests) it is per process.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from filelock import BaseFileLock, FileLock, Timeout
from qdrant_client import QdrantClient
from qdrant_client import models as qm
from qdrant_client.http.exceptions import ResponseHandlingException

from knowledge.errors import IndexNotFoundError, SearchIndexError
from knowledge.index import EmbedderIdentity, IndexMeta, StoredPassage
from knowledge.models import Service
from knowledge.point_reader import HIT_FIELDS, Payload, PointReader
from knowledge.points import (
    INDEXED_FIELDS,
    VersionTally,
    new_version_name,
    passage_payload,
    passage_point_id,
    service_payload,
    service_point_id,
    superseded,
)
from knowledge.settings import KnowledgeSettings
from knowledge.sparse import DENSE_VECTOR, SPARSE_VECTOR

logger = logging.getLogger(__name__)

_BATCH = 256
_META_KEY = "govbot_meta"


def _filter(**match: str) -> qm.Filter:
    return qm.Filter(
        must=[qm.FieldCondition(key=k, match=qm.MatchValue(value=v)) for k, v in match.items()]
    )


@contextmanager
def reachable(what: str) -> Iterator[None]:
    """Turn "Qdrant server not reachable" (refused, timed out) into SearchIndexError (→ 503)."""
    try:
        yield
    except ResponseHandlingException as exc:
        raise SearchIndexError(
            f"The Qdrant server is not reachable while {what} ({exc}); check that it is "
            "running and that GOVBOT_QDRANT_URL points at it"
        ) from exc


class _ProcessLock:
    """Stand-in for a file lock when there is no directory (``:memory:``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def acquire(self) -> None:
        if not self._lock.acquire(blocking=False):
            raise Timeout("in-process index lock")

    def release(self) -> None:
        self._lock.release()


class ClientIndexReader(PointReader):
    """One committed version (collection) read through qdrant-client."""

    def __init__(self, client: QdrantClient, collection: str, meta: IndexMeta) -> None:
        super().__init__(meta)
        self._client = client
        self._collection = collection

    def _nearest(
        self,
        *,
        dense: list[float] | None,
        sparse: tuple[list[int], list[float]] | None,
        tenant: str,
        candidates: int,
    ) -> dict[str, list[tuple[Payload, float]]]:
        where = _filter(tenant=tenant)
        requests: dict[str, qm.QueryRequest] = {}
        if dense is not None:
            requests["dense"] = qm.QueryRequest(
                query=dense, using=DENSE_VECTOR, filter=where, limit=candidates,
                with_payload=HIT_FIELDS,
            )  # fmt: skip
        if sparse is not None:
            vector = qm.SparseVector(indices=sparse[0], values=sparse[1])
            # IDF over the tenant's own passages (needs a server that supports IDF corpora).
            params = qm.SearchParams(idf=qm.IdfCorpusParams(corpus=where))
            requests["sparse"] = qm.QueryRequest(
                query=vector, using=SPARSE_VECTOR, filter=where, limit=candidates,
                with_payload=HIT_FIELDS, params=params,
            )  # fmt: skip
        with reachable(f"searching {self._collection}"):
            responses = self._client.query_batch_points(self._collection, list(requests.values()))
        return {
            name: [(point.payload or {}, point.score) for point in response.points]
            for name, response in zip(requests, responses, strict=True)
        }

    def _retrieve(self, ids: Sequence[str], fields: list[str] | None) -> list[Payload]:
        with reachable(f"reading points of {self._collection}"):
            records = self._client.retrieve(
                self._collection, ids, with_payload=fields or True, with_vectors=False
            )
        return [r.payload for r in records if r.payload]

    def _scroll(
        self, kind: str, tenant: str | None, fields: list[str] | None, *, vectors: bool
    ) -> Iterator[tuple[Payload, Any]]:
        where = _filter(kind=kind, tenant=tenant) if tenant else _filter(kind=kind)
        offset: Any = None
        while True:
            records, offset = self._client.scroll(
                self._collection,
                scroll_filter=where,
                limit=_BATCH,
                offset=offset,
                with_payload=fields or True,
                with_vectors=vectors,
            )
            for record in records:
                yield record.payload or {}, record.vector or {}
            if offset is None:
                return

    def close(self) -> None:
        """Nothing to release: the client is owned by the store."""


class ClientIndexWriter:
    """A new version collection being filled; invisible until ``commit`` moves the alias."""

    def __init__(
        self,
        store: ClientIndexStore,
        version: str,
        embedder: EmbedderIdentity,
        lock: BaseFileLock | _ProcessLock,
    ) -> None:
        self._store = store
        self._client = store.client
        self._lock = lock
        self._tally = VersionTally(version, embedder)
        self.collection = store.collection_of(version)
        self._open = True
        store.create_version_collection(self.collection, embedder.dim)

    @property
    def version(self) -> str:
        """Name of the version being built."""
        return self._tally.version

    def add(self, passages: Iterable[StoredPassage], services: Iterable[Service]) -> None:
        """Add passages (with vectors) and the services they belong to."""
        self._require_open()
        passages, services = list(passages), list(services)
        points = [
            qm.PointStruct(
                id=passage_point_id(p.passage.passage_id),
                vector={
                    DENSE_VECTOR: p.dense,
                    SPARSE_VECTOR: qm.SparseVector(
                        indices=p.sparse_indices, values=p.sparse_values
                    ),
                },
                payload=passage_payload(p),
            )
            for p in passages
        ]
        points += [
            qm.PointStruct(id=service_point_id(s.doc_id), vector={}, payload=service_payload(s))
            for s in services
        ]
        for start in range(0, len(points), _BATCH):
            self._client.upsert(self.collection, points[start : start + _BATCH], wait=True)
        self._tally.count(passages, services)

    def commit(self) -> IndexMeta:
        """Write the meta into the collection, then move the alias to it."""
        self._require_open()
        meta = self._tally.meta()
        self._client.update_collection(
            self.collection, metadata={_META_KEY: meta.model_dump(mode="json")}
        )
        self._store.publish(meta.version)
        self._open = False
        self._lock.release()
        logger.info("Committed index version %s (%d passages)", meta.version, meta.passages)
        return meta

    def abort(self) -> None:
        """Discard the version being built (no-op after commit)."""
        if not self._open:
            return
        self._open = False
        self._client.delete_collection(self.collection)
        self._lock.release()
        logger.info("Aborted index version %s", self.version)

    def _require_open(self) -> None:
        if not self._open:
            raise SearchIndexError(f"Index version {self.version} is already committed or aborted")


class ClientIndexStore:
    """All versions of the index as collections behind one alias."""

    def __init__(
        self,
        client: QdrantClient,
        *,
        collection: str = "govbot",
        keep_versions: int = 2,
        replication_factor: int = 1,
        shard_number: int = 1,
        payload_indexes: bool = True,
        lock_path: Path | None = None,
        refresh_interval_s: float = 1.0,
    ) -> None:
        if keep_versions < 1:
            raise ValueError(f"keep_versions must be at least 1. Currently, it is {keep_versions}")
        self.client = client
        self.alias = collection
        self._keep = keep_versions
        self._replication = replication_factor
        self._shards = shard_number
        # Local mode warns that payload indexes have no effect (and warnings are errors in tests).
        self._payload_indexes = payload_indexes
        self._lock_path = lock_path
        self._process_lock = _ProcessLock()
        self._refresh_s = refresh_interval_s
        self._mutex = threading.Lock()
        self._reader: ClientIndexReader | None = None
        self._checked_at = -math.inf

    @classmethod
    def from_settings(cls, settings: KnowledgeSettings) -> ClientIndexStore:
        """A server store when ``index.qdrant_url`` is set, else local mode under the data dir."""
        index = settings.index
        settings.index_dir.mkdir(parents=True, exist_ok=True)
        if index.qdrant_url:
            key = index.qdrant_api_key.get_secret_value() if index.qdrant_api_key else None
            client = QdrantClient(url=index.qdrant_url, api_key=key)
        else:
            client = QdrantClient(path=str(settings.index_dir / "qdrant-local"))
        return cls(
            client,
            collection=index.collection,
            keep_versions=index.keep_versions,
            replication_factor=index.replication_factor,
            shard_number=index.shard_number,
            payload_indexes=bool(index.qdrant_url),
            lock_path=settings.index_dir / "write.lock",
        )

    def collection_of(self, version: str) -> str:
        """Collection name of a version."""
        return f"{self.alias}_{version}"

    def reader(self) -> ClientIndexReader:
        """Reader of the version serving now (alias re-checked at most every refresh interval)."""
        with self._mutex:
            now = time.monotonic()
            if self._reader is None or now - self._checked_at >= self._refresh_s:
                self._checked_at = now
                version = self.current_version()
                if version is None:
                    raise IndexNotFoundError(
                        f"No index behind the Qdrant alias {self.alias!r}: nothing has been "
                        "ingested yet; run `govbot ingest dldb PATH --tenant SLUG` first"
                    )
                if self._reader is None or self._reader.meta.version != version:
                    self._reader = ClientIndexReader(
                        self.client, self.collection_of(version), self._meta_of(version)
                    )
                    logger.info("Serving index version %s", version)
            return self._reader

    def writer(self, embedder: EmbedderIdentity) -> ClientIndexWriter:
        """Start building a new version; SearchIndexError if another writer holds the lock."""
        lock: BaseFileLock | _ProcessLock = self._process_lock
        if self._lock_path is not None:
            self._lock_path.parent.mkdir(parents=True, exist_ok=True)
            lock = FileLock(str(self._lock_path), timeout=0, thread_local=False)
        try:
            lock.acquire()
        except Timeout as exc:
            where = self._lock_path or "this process"
            raise SearchIndexError(
                f"Another ingest is writing the Qdrant index {self.alias!r} (lock: {where}); "
                "wait for it to finish, then run the command again"
            ) from exc
        try:
            self._remove_leftovers()
            version = new_version_name(self._version_names())
            return ClientIndexWriter(self, version, embedder, lock)
        except BaseException:
            lock.release()
            raise

    def current_version(self) -> str | None:
        """Version the alias points at, or None."""
        with reachable("reading the collection aliases"):
            aliases = self.client.get_aliases().aliases
        for alias in aliases:
            if alias.alias_name == self.alias:
                return alias.collection_name.removeprefix(self.alias + "_")
        return None

    def versions(self) -> list[str]:
        """Committed versions kept in the store, oldest first."""
        return [v for v in self._version_names() if self._is_committed(v)]

    def create_version_collection(self, name: str, dim: int) -> None:
        """Create an empty version collection (writer only)."""
        self.client.create_collection(
            name,
            vectors_config={DENSE_VECTOR: qm.VectorParams(size=dim, distance=qm.Distance.COSINE)},
            sparse_vectors_config={SPARSE_VECTOR: qm.SparseVectorParams(modifier=qm.Modifier.IDF)},
            replication_factor=self._replication,
            shard_number=self._shards,
        )
        if self._payload_indexes:
            for field in INDEXED_FIELDS:
                schema = qm.KeywordIndexParams(
                    type=qm.KeywordIndexType.KEYWORD, is_tenant=field == "tenant"
                )
                self.client.create_payload_index(name, field, field_schema=schema)

    def publish(self, version: str) -> None:
        """Move the alias to ``version``, drop versions beyond ``keep_versions`` (writer only)."""
        operations: list[Any] = []
        if self.current_version() is not None:
            delete = qm.DeleteAlias(alias_name=self.alias)
            operations.append(qm.DeleteAliasOperation(delete_alias=delete))
        create = qm.CreateAlias(collection_name=self.collection_of(version), alias_name=self.alias)
        operations.append(qm.CreateAliasOperation(create_alias=create))
        self.client.update_collection_aliases(change_aliases_operations=operations)
        for old in superseded(self.versions(), version, keep=self._keep):
            self.client.delete_collection(self.collection_of(old))
            logger.info("Deleted old index version %s", old)
        with self._mutex:
            self._checked_at = -math.inf

    def close(self) -> None:
        """Close the client."""
        with self._mutex:
            self._reader = None
        self.client.close()

    def __enter__(self) -> ClientIndexStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _version_names(self) -> list[str]:
        prefix = self.alias + "_"
        names = (c.name for c in self.client.get_collections().collections)
        return sorted(n.removeprefix(prefix) for n in names if n.startswith(prefix))

    def _meta_of(self, version: str) -> IndexMeta:
        metadata = self.client.get_collection(self.collection_of(version)).config.metadata or {}
        if _META_KEY not in metadata:
            raise SearchIndexError(
                f"Qdrant collection {self.collection_of(version)!r} has no GovBot metadata, so "
                "it was never committed; run `govbot ingest` again"
            )
        return IndexMeta.model_validate(metadata[_META_KEY])

    def _is_committed(self, version: str) -> bool:
        metadata = self.client.get_collection(self.collection_of(version)).config.metadata or {}
        return _META_KEY in metadata

    def _remove_leftovers(self) -> None:
        """Delete half-built version collections of killed writers (caller holds the lock)."""
        current = self.current_version()
        for version in self._version_names():
            unfinished = not self._is_committed(version) or (current and version > current)
            if version != current and unfinished:
                self.client.delete_collection(self.collection_of(version))
                logger.info("Removed unfinished index version %s", version)
