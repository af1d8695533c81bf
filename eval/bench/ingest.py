"""Ingest throughput (passages/s, embedding cache off) against raw embedding throughput.

Both sides embed the same passages with the same embedder in the same batch
size; the ingest side additionally chunks, writes a new Qdrant Edge index
version, switches to it and records the run (``ingest.sync.sync_tenant``).
"""

from __future__ import annotations

import tempfile
import time
from functools import partial
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from bot.settings import Settings
from ingest.chunking import chunk_service, chunk_services
from ingest.dldb import load_dldb
from ingest.sync import sync_tenant
from knowledge.embedding import Embedder
from knowledge.retrieval import open_store


class IngestBenchReport(BaseModel):
    """Passages per second of a full ingest and of embedding alone."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    services: int
    passages: int
    batch_size: int
    embed_s: float
    embed_passages_per_s: float
    ingest_s: float
    ingest_passages_per_s: float
    ingest_share_of_raw: float
    embedder: str


def benchmark_ingest(
    settings: Settings, embedder: Embedder, *, services_file: Path, tenant: str, limit: int
) -> IngestBenchReport:
    """Embed the first ``limit`` services' passages raw, then ingest them into a fresh index."""
    services = load_dldb(services_file, tenant=tenant)[:limit]
    words = settings.retrieval.chunk_words
    overlap = settings.retrieval.chunk_overlap_words
    passages = chunk_services(services, chunk_words=words, overlap_words=overlap)
    texts = [p.text for p in passages]
    batch = settings.embedding.batch_size
    embedder.embed_passages(texts[:2])  # warm-up: model load, first allocation
    started = time.perf_counter()
    for i in range(0, len(texts), batch):
        embedder.embed_passages(texts[i : i + batch])
    embed_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory(prefix="govbot-bench-ingest-") as tmp:
        fresh = settings.model_copy(update={"data_dir": Path(tmp)})
        store = open_store(fresh)
        try:
            started = time.perf_counter()
            report = sync_tenant(
                services,
                tenant=tenant,
                source="dldb",
                store=store,
                embedder=embedder,  # no CachingEmbedder: every passage is embedded
                chunker=partial(chunk_service, chunk_words=words, overlap_words=overlap),
                batch_size=batch,
            )
            ingest_s = time.perf_counter() - started
        finally:
            store.close()
    embedded = report.passages_embedded
    return IngestBenchReport(
        services=len(services),
        passages=embedded,
        batch_size=batch,
        embed_s=round(embed_s, 2),
        embed_passages_per_s=round(len(texts) / embed_s, 3),
        ingest_s=round(ingest_s, 2),
        ingest_passages_per_s=round(embedded / ingest_s, 3),
        ingest_share_of_raw=round((embedded / ingest_s) / (len(texts) / embed_s), 3),
        embedder=embedder.name,
    )
