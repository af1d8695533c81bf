"""Qdrant Edge index store: embedded, on disk, one shard directory per version.

Layout of ``index_dir``::

    CURRENT                  name of the version serving now (replaced atomically)
    write.lock               held by the one writer (an OS lock: freed if the process dies)
    versions/<version>/      shard/ (Qdrant Edge shard) and meta.json (written last)

A writer builds a brand-new shard, flushes it, writes ``meta.json`` and only then
replaces ``CURRENT`` (temp file, fsync, ``os.replace``). A killed or aborted build
leaves ``CURRENT`` untouched, so the previous version keeps serving (DESIGN.md
section 4); its half-built directory is removed by the next writer. Readers stat
``CURRENT`` at most once per ``refresh_interval_s`` and swap in a newly committed
version without a restart.
"""

from __future__ import annotations

import logging
import math
import os
import shutil
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from filelock import FileLock, Timeout
from qdrant_edge import (
    Distance,
    EdgeConfig,
    EdgeShard,
    EdgeSparseVectorParams,
    EdgeVectorParams,
    FieldCondition,
    Filter,
    IdfParams,
    KeywordIndexParams,
    MatchValue,
    Modifier,
    PayloadSelector,
    Point,
    Query,
    QueryBatchRequest,
    QueryRequest,
    ScrollRequest,
    SearchParams,
    SparseVector,
    UpdateOperation,
)

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
from knowledge.sparse import DENSE_VECTOR, SPARSE_VECTOR

if TYPE_CHECKING:
    from qdrant_edge import PointId  # defined in the type stubs only

logger = logging.getLogger(__name__)

# Headroom for a new version: segments, payload storage and the temporary copy.
MIN_FREE_BYTES = 64 * 2**20

_BATCH = 256


def _write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` so that readers see the old or the new file, never half."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _filter(**match: str) -> Filter:
    return Filter(must=[FieldCondition(key, match=MatchValue(v)) for key, v in match.items()])


class EdgeIndexReader(PointReader):
    """One committed version, opened read-only."""

    def __init__(self, directory: Path) -> None:
        try:
            meta = IndexMeta.model_validate_json((directory / "meta.json").read_text())
        except FileNotFoundError as exc:
            raise SearchIndexError(
                f"Index version {directory} has no meta.json, so it was never committed; "
                "run `govbot ingest` again"
            ) from exc
        super().__init__(meta)
        self._shard = EdgeShard.load(str(directory / "shard"))

    def _nearest(
        self,
        *,
        dense: list[float] | None,
        sparse: tuple[list[int], list[float]] | None,
        tenant: str,
        candidates: int,
    ) -> dict[str, list[tuple[Payload, float]]]:
        where = _filter(tenant=tenant)
        light = PayloadSelector.Include(HIT_FIELDS)
        requests: dict[str, QueryRequest] = {}
        if dense is not None:
            query = Query.Nearest(dense, using=DENSE_VECTOR)
            requests["dense"] = QueryRequest(
                limit=candidates, query=query, filter=where, with_payload=light
            )
        if sparse is not None:
            query = Query.Nearest(SparseVector(*sparse), using=SPARSE_VECTOR)
            # IDF over the tenant's own passages: one tenant's ranking never depends on another's.
            params = SearchParams(idf=IdfParams(corpus=where))
            requests["sparse"] = QueryRequest(
                limit=candidates, query=query, filter=where, with_payload=light, params=params
            )
        batches = self._shard.query_batch(QueryBatchRequest(list(requests.values())))
        return {
            name: [(point.payload or {}, point.score) for point in points]
            for name, points in zip(requests, batches, strict=True)
        }

    def _retrieve(self, ids: Sequence[str], fields: list[str] | None) -> list[Payload]:
        point_ids: list[PointId] = list(ids)
        selector = PayloadSelector.Include(fields) if fields is not None else True
        return [r.payload for r in self._shard.retrieve(point_ids, selector, False) if r.payload]

    def _scroll(
        self, kind: str, tenant: str | None, fields: list[str] | None, *, vectors: bool
    ) -> Iterator[tuple[Payload, Any]]:
        where = _filter(kind=kind, tenant=tenant) if tenant else _filter(kind=kind)
        payload = PayloadSelector.Include(fields) if fields is not None else True
        offset: Any = None
        while True:
            request = ScrollRequest(
                offset=offset, limit=_BATCH, filter=where, with_payload=payload, with_vector=vectors
            )
            records, offset = self._shard.scroll(request)
            for record in records:
                yield record.payload or {}, record.vector or {}
            if offset is None:
                return

    def close(self) -> None:
        self._shard.close()


class EdgeIndexWriter:
    """A new version being built in its own directory; invisible until ``commit``."""

    def __init__(
        self, store: EdgeIndexStore, version: str, embedder: EmbedderIdentity, lock: FileLock
    ) -> None:
        self._store = store
        self._lock = lock
        self._tally = VersionTally(version, embedder)
        self.directory = store.versions_dir / version
        config = EdgeConfig(
            vectors={DENSE_VECTOR: EdgeVectorParams(size=embedder.dim, distance=Distance.Cosine)},
            sparse_vectors={SPARSE_VECTOR: EdgeSparseVectorParams(modifier=Modifier.Idf)},
            # No WAL: a half-built version is thrown away, and commit flushes.
            wal_enabled=False,
        )
        self._shard: EdgeShard | None = EdgeShard.create(str(self.directory / "shard"), config)
        for field in INDEXED_FIELDS:
            params = KeywordIndexParams(is_tenant=field == "tenant")
            self._shard.update(UpdateOperation.create_field_index(field, params))

    @property
    def version(self) -> str:
        """Name of the version being built."""
        return self._tally.version

    def add(self, passages: Iterable[StoredPassage], services: Iterable[Service]) -> None:
        """Add passages (with vectors) and the services they belong to."""
        shard = self._require_open()
        passages, services = list(passages), list(services)
        points = [
            Point(
                passage_point_id(p.passage.passage_id),
                {
                    DENSE_VECTOR: p.dense,
                    SPARSE_VECTOR: SparseVector(p.sparse_indices, p.sparse_values),
                },
                passage_payload(p),
            )
            for p in passages
        ]
        points += [Point(service_point_id(s.doc_id), {}, service_payload(s)) for s in services]
        for start in range(0, len(points), _BATCH):
            shard.update(UpdateOperation.upsert_points(points[start : start + _BATCH]))
        self._tally.count(passages, services)

    def commit(self) -> IndexMeta:
        """Flush, write meta.json, then switch CURRENT to this version."""
        shard = self._require_open()
        shard.flush()
        shard.close()
        self._shard = None
        meta = self._tally.meta()
        _write_atomic(self.directory / "meta.json", meta.model_dump_json(indent=2))
        self._store.publish(meta.version)
        self._lock.release()
        logger.info("Committed index version %s (%d passages)", meta.version, meta.passages)
        return meta

    def abort(self) -> None:
        """Discard the version being built (no-op after commit)."""
        if self._shard is None:
            return
        self._shard.close()
        self._shard = None
        shutil.rmtree(self.directory, ignore_errors=True)
        self._lock.release()
        logger.info("Aborted index version %s", self._tally.version)

    def _require_open(self) -> EdgeShard:
        if self._shard is None:
            raise SearchIndexError(f"Index version {self.version} is already committed or aborted")
        return self._shard


class EdgeIndexStore:
    """All versions of the embedded index under ``index_dir``."""

    def __init__(
        self, index_dir: Path, *, keep_versions: int = 2, refresh_interval_s: float = 1.0
    ) -> None:
        if keep_versions < 1:
            raise ValueError(f"keep_versions must be at least 1. Currently, it is {keep_versions}")
        self.index_dir = index_dir
        self.versions_dir = index_dir / "versions"
        self._pointer = index_dir / "CURRENT"
        self._keep = keep_versions
        self._refresh_s = refresh_interval_s
        self._mutex = threading.Lock()
        self._reader: EdgeIndexReader | None = None
        self._stamp: tuple[int, int] | None = None
        self._checked_at = -math.inf
        self._retired: list[EdgeIndexReader] = []

    def reader(self) -> EdgeIndexReader:
        """Reader of the version serving now (swapped when a newer one was committed)."""
        with self._mutex:
            now = time.monotonic()
            if self._reader is None or now - self._checked_at >= self._refresh_s:
                self._checked_at = now
                self._refresh()
            assert self._reader is not None
            return self._reader

    def writer(self, embedder: EmbedderIdentity) -> EdgeIndexWriter:
        """Start building a new version; SearchIndexError if another writer holds the lock."""
        self.versions_dir.mkdir(parents=True, exist_ok=True)
        lock_path = self.index_dir / "write.lock"
        lock = FileLock(str(lock_path), timeout=0, thread_local=False)
        try:
            lock.acquire()
        except Timeout as exc:
            raise SearchIndexError(
                f"Another ingest is writing the index in {self.index_dir} (lock file {lock_path} "
                "is held); wait for it to finish, then run the command again"
            ) from exc
        try:
            self._remove_leftovers()
            self._check_free_space()
            version = new_version_name(p.name for p in self.versions_dir.iterdir())
            return EdgeIndexWriter(self, version, embedder, lock)
        except BaseException:
            lock.release()
            raise

    def _check_free_space(self) -> None:
        """Refuse to start a version that would not fit on the disk.

        Qdrant Edge writes through memory maps; running out of space there ends the
        process with SIGBUS instead of an error, so check before building (the old
        version keeps serving either way).
        """
        current = self.current_version()
        used = 0
        if current is not None:
            used = sum(
                f.stat().st_blocks * 512
                for f in (self.versions_dir / current).rglob("*")
                if f.is_file()
            )
        needed = 2 * used + MIN_FREE_BYTES
        free = shutil.disk_usage(self.versions_dir).free
        if free < needed:
            raise SearchIndexError(
                f"Not enough disk space in {self.versions_dir}: {free // 2**20} MiB free, about "
                f"{needed // 2**20} MiB needed to build a new index version; the current version "
                "still serves. Free disk space, then run the ingest again."
            )

    def current_version(self) -> str | None:
        """Version serving now, or None for an empty store."""
        try:
            return self._pointer.read_text(encoding="utf-8").strip() or None
        except FileNotFoundError:
            return None

    def versions(self) -> list[str]:
        """Committed versions kept in the store, oldest first."""
        if not self.versions_dir.is_dir():
            return []
        return sorted(p.name for p in self.versions_dir.iterdir() if (p / "meta.json").is_file())

    def publish(self, version: str) -> None:
        """Switch CURRENT to ``version``, drop versions beyond ``keep_versions`` (writer only)."""
        _write_atomic(self._pointer, version + "\n")
        for old in superseded(self.versions(), version, keep=self._keep):
            shutil.rmtree(self.versions_dir / old, ignore_errors=True)
            logger.info("Deleted old index version %s", old)
        with self._mutex:
            self._checked_at = -math.inf  # this process sees its own commit at once

    def close(self) -> None:
        """Close every open reader."""
        with self._mutex:
            for reader in [*self._retired, *([self._reader] if self._reader else [])]:
                reader.close()
            self._retired.clear()
            self._reader = None
            self._stamp = None

    def __enter__(self) -> EdgeIndexStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _refresh(self) -> None:
        try:
            stat = os.stat(self._pointer)
        except FileNotFoundError:
            if self._reader is None:
                raise IndexNotFoundError(
                    f"No index in {self.index_dir}: nothing has been ingested yet; run "
                    "`govbot ingest dldb PATH --tenant SLUG` (or another source) first"
                ) from None
            return
        stamp = (stat.st_ino, stat.st_mtime_ns)
        if stamp == self._stamp and self._reader is not None:
            return
        version = self.current_version()
        if version is None:
            raise IndexNotFoundError(f"The index pointer {self._pointer} is empty; ingest again")
        if self._reader is None or self._reader.meta.version != version:
            reader = EdgeIndexReader(self.versions_dir / version)
            # A search on another thread may still hold the old reader: close it one swap later.
            for old in self._retired:
                old.close()
            self._retired = [self._reader] if self._reader else []
            self._reader = reader
            logger.info("Serving index version %s", version)
        self._stamp = stamp

    def _remove_leftovers(self) -> None:
        """Delete half-built versions of killed writers (caller holds the write lock)."""
        current = self.current_version()
        for path in self.versions_dir.iterdir():
            committed = (path / "meta.json").is_file()
            if path.name != current and (not committed or (current and path.name > current)):
                shutil.rmtree(path, ignore_errors=True)
                logger.info("Removed unfinished index version %s", path.name)
