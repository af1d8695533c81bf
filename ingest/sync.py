"""Sync one tenant's services from one source into the index: a sync, not a reload.

Content hashes decide what is embedded (DESIGN.md section 4): the hash stored with a
service's passages covers its content and the chunker's identity (``chunking``), so
added and changed services, and all of them after a chunking change, are chunked and
embedded; unchanged ones are copied into the new version with their stored vectors,
services that disappeared from the source are left out, and other tenants (and other
sources of the same tenant) are copied as they are. The new version is built next to the
serving one and switched to only when complete, so a run that is killed or fails leaves
the previous index serving.
Each completed run is appended to ``runs.jsonl`` in the index directory.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ConfigDict

from knowledge.embedding import Embedder
from knowledge.errors import IndexNotFoundError, SearchIndexError, SourceError
from knowledge.index import EmbedderIdentity, IndexReader, IndexStore, IndexWriter, StoredPassage
from knowledge.models import Passage, Service, validate_tenant_slug
from knowledge.retrieval import check_embedder
from knowledge.settings import KnowledgeSettings
from knowledge.sparse import Bm25Encoder

logger = logging.getLogger(__name__)

Chunker = Callable[[Service], list[Passage]]
Progress = Callable[[int, int], None]
T = TypeVar("T")

_COPY_BATCH = 512


class SyncReport(BaseModel):
    """What one sync run did (printed by the CLI, kept in ``runs.jsonl``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tenant: str
    source: str
    added: int
    updated: int
    deleted: int
    unchanged: int
    passages_embedded: int
    passages_total: int
    duration_s: float
    embedder: str
    index_version: str
    started: datetime
    finished: datetime

    def summary(self) -> str:
        """One line for people."""
        rate = self.passages_embedded / self.duration_s if self.duration_s > 0 else 0.0
        return (
            f"{self.tenant}/{self.source}: {self.added} added, {self.updated} updated, "
            f"{self.deleted} deleted, {self.unchanged} unchanged; {self.passages_embedded} "
            f"passages embedded with {self.embedder} in {self.duration_s:.1f} s "
            f"({rate:.1f}/s); index version {self.index_version} "
            f"({self.passages_total} passages)"
        )


def runs_file(settings: KnowledgeSettings) -> Path:
    """Where completed sync runs are recorded."""
    return settings.index_dir / "runs.jsonl"


def list_runs(settings: KnowledgeSettings) -> list[SyncReport]:
    """Every recorded sync run, oldest first (a torn last line is skipped)."""
    path = runs_file(settings)
    if not path.is_file():
        return []
    runs: list[SyncReport] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            runs.append(SyncReport.model_validate_json(line))
        except ValueError:
            logger.warning("Skipping unreadable line %d of %s", number, path)
    return runs


def sync_tenant(
    services: Sequence[Service],
    *,
    tenant: str,
    source: str,
    store: IndexStore,
    embedder: Embedder,
    chunker: Chunker,
    progress: Progress | None = None,
    batch_size: int = 16,
    runs_path: Path | None = None,
    rebuild: bool = False,
    sparse: Bm25Encoder | None = None,
    chunking: str = "",
) -> SyncReport:
    """Make the index hold exactly ``services`` for (tenant, source); embed only what changed.

    ``chunking`` names the chunker (``ingest.chunking.chunking_identity``); services
    stored under another identity count as updated and are re-chunked. ``rebuild``
    re-chunks and re-embeds every service of this tenant and source; wrap the embedder in
    a CachingEmbedder to keep both cheap.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be greater than 0. Currently, it is {batch_size}")
    started, clock = datetime.now(UTC), time.perf_counter()
    _check_services(services, tenant=validate_tenant_slug(tenant), source=source)
    encoder = sparse or Bm25Encoder()
    try:
        writer = store.writer(EmbedderIdentity(name=embedder.name, dim=embedder.dim))
    except Exception as exc:
        _raise_if_disk_full(exc)
        raise
    try:
        reader = _current_reader(store)
        if reader is not None:
            check_embedder(reader.meta, embedder)
        old = {s.doc_id: s for s in reader.iter_services(tenant)} if reader else {}
        old_hashes = reader.service_hashes(tenant) if reader else {}
        chunked = _passage_hashes(reader, tenant) if reader else {}
        hashes = {s.doc_id: stored_hash(s, chunking) for s in services}
        added = {d for d in hashes if d not in old}
        updated = {
            s.doc_id
            for s in services
            if s.doc_id in old
            and (
                old_hashes.get(s.doc_id) != s.content_hash()
                or chunked.get(s.doc_id, hashes[s.doc_id]) != hashes[s.doc_id]
            )
        }
        new_or_changed = added | updated
        changed = [s for s in services if rebuild or s.doc_id in new_or_changed]
        changed_ids = {s.doc_id for s in changed}
        gone = {d for d, s in old.items() if str(s.source) == source and d not in hashes}
        if reader is not None:
            _copy_kept(reader, writer, drop=changed_ids | gone)
        embedded = _embed(changed, writer, embedder, encoder, chunker, hashes, batch_size, progress)
        writer.add([], changed)
        meta = writer.commit()
    except BaseException as exc:
        writer.abort()
        _raise_if_disk_full(exc)
        raise
    report = SyncReport(
        tenant=tenant,
        source=source,
        added=len(added),
        updated=len(updated),
        deleted=len(gone),
        unchanged=len(services) - len(added) - len(updated),
        passages_embedded=embedded,
        passages_total=meta.passages,
        duration_s=round(time.perf_counter() - clock, 3),
        embedder=embedder.name,
        index_version=meta.version,
        started=started,
        finished=datetime.now(UTC),
    )
    if runs_path is not None:
        _append_run(runs_path, report)
    logger.info(
        "Synced %s/%s: +%d ~%d -%d =%d, %d passages embedded, version %s",
        tenant,
        source,
        report.added,
        report.updated,
        report.deleted,
        report.unchanged,
        embedded,
        meta.version,
    )
    return report


def stored_hash(service: Service, chunking: str = "") -> str:
    """The hash sync stores with a service's passages: content plus chunker identity."""
    content = service.content_hash()
    if not chunking:
        return content
    return hashlib.sha256(f"{content}|{chunking}".encode()).hexdigest()


def _passage_hashes(reader: IndexReader, tenant: str) -> dict[str, str]:
    """doc_id → the hash stored with its passages (content plus the chunker that made them)."""
    found: dict[str, str] = {}
    for stored in reader.iter_stored(tenant):
        found.setdefault(stored.passage.doc_id, stored.service_hash)
    return found


def _raise_if_disk_full(exc: BaseException) -> None:
    """Turn "no space left on device" (errno 28, also in Qdrant Edge errors) into a clear error."""
    no_space = (isinstance(exc, OSError) and exc.errno == errno.ENOSPC) or (
        "No space left on device" in str(exc) or "os error 28" in str(exc)
    )
    if no_space:
        raise SearchIndexError(
            "Not enough disk space to build a new index version; "
            "the previous version still serves. Free disk space and run the ingest again."
        ) from exc


def _check_services(services: Sequence[Service], *, tenant: str, source: str) -> None:
    seen: set[str] = set()
    for service in services:
        if service.tenant != tenant:
            raise SourceError(
                f"Service {service.doc_id!r} belongs to tenant {service.tenant!r}, but this sync "
                f"is for tenant {tenant!r}; load the source with --tenant {tenant}"
            )
        if str(service.source) != source:
            raise SourceError(
                f"Service {service.doc_id!r} comes from source {str(service.source)!r}, but this "
                f"sync is for source {source!r}"
            )
        if service.doc_id in seen:
            raise SourceError(
                f"Document id {service.doc_id!r} occurs twice in the {source} source; "
                "document ids must be unique"
            )
        seen.add(service.doc_id)


def _current_reader(store: IndexStore) -> IndexReader | None:
    try:
        return store.reader()
    except IndexNotFoundError:
        return None


def _copy_kept(reader: IndexReader, writer: IndexWriter, *, drop: set[str]) -> None:
    """Copy every passage (with its vectors) and service not in ``drop`` into the new version."""
    kept = (p for p in reader.iter_stored() if p.passage.doc_id not in drop)
    for batch in _batched(kept, _COPY_BATCH):
        writer.add(batch, [])
    services = (s for s in reader.iter_services() if s.doc_id not in drop)
    for service_batch in _batched(services, _COPY_BATCH):
        writer.add([], service_batch)


def _embed(
    services: Sequence[Service],
    writer: IndexWriter,
    embedder: Embedder,
    encoder: Bm25Encoder,
    chunker: Chunker,
    hashes: dict[str, str],
    batch_size: int,
    progress: Progress | None,
) -> int:
    """Chunk and embed ``services`` in batches; returns the number of passages embedded."""
    passages = [passage for service in services for passage in chunker(service)]
    total, done = len(passages), 0
    if progress is not None:
        progress(0, total)
    for batch in _batched(passages, batch_size):
        texts = [p.embedding_text() for p in batch]
        vectors = embedder.embed_passages(texts)
        stored = []
        for passage, text, vector in zip(batch, texts, vectors, strict=True):
            indices, values = encoder.document(text)
            stored.append(
                StoredPassage(
                    passage=passage,
                    dense=vector.tolist(),
                    sparse_indices=indices,
                    sparse_values=values,
                    service_hash=hashes[passage.doc_id],
                )
            )
        writer.add(stored, [])
        done += len(batch)
        if progress is not None:
            progress(done, total)
    return total


def _batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _append_run(path: Path, report: SyncReport) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(report.model_dump(mode="json"), ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
