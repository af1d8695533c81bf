"""The knowledge base as editors see it: services per tenant with their Stand and freshness.

Listing every service scrolls the whole index, so the list is cached per index version;
a completed ingest switches the version and the next request reloads it. Completed
ingest runs are read from ``<data_dir>/index/runs.jsonl``, the run log that
``govbot ingest`` appends to (ingest/sync.py; bot/ cannot import ingest/, so the file's
JSON lines are the interface).
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from bot.settings import Settings
from knowledge.errors import SearchIndexError
from knowledge.index import IndexMeta
from knowledge.retrieval import Retriever

logger = logging.getLogger(__name__)

RUNS_FILE = "runs.jsonl"


@dataclass(frozen=True)
class CatalogueEntry:
    """What the console shows of one service."""

    doc_id: str
    tenant: str
    title: str
    source: str
    updated: date | None
    url: str

    def age_days(self, today: date) -> int | None:
        """Days since the Stand date (None without one)."""
        return (today - self.updated).days if self.updated else None

    def stale(self, today: date, *, after_days: int) -> bool:
        """Older than ``after_days`` or without a Stand date."""
        age = self.age_days(today)
        return age is None or age > after_days


class Catalogue:
    """Services of the serving index version, loaded once per version."""

    def __init__(self, retriever: Retriever | None) -> None:
        self._retriever = retriever
        self._lock = threading.Lock()
        self._version: str | None = None
        self._entries: list[CatalogueEntry] = []

    def meta(self) -> IndexMeta | None:
        """Metadata of the serving index version, None when there is none."""
        if self._retriever is None:
            return None
        try:
            return self._retriever.meta
        except SearchIndexError as exc:
            logger.warning("no index to list: %s", exc)
            return None

    def entries(self, tenant: str | None = None) -> list[CatalogueEntry]:
        """Services (of one tenant), by document id."""
        meta = self.meta()
        if meta is None or self._retriever is None:
            return []
        with self._lock:
            if self._version != meta.version:
                self._entries = [
                    CatalogueEntry(
                        doc_id=s.doc_id,
                        tenant=s.tenant,
                        title=s.title,
                        source=str(s.source),
                        updated=s.updated,
                        url=s.url,
                    )
                    for s in self._retriever.services()
                ]
                self._version = meta.version
                logger.info(
                    "catalogue loaded: %d services, index %s", len(self._entries), meta.version
                )
            entries = self._entries
        return [e for e in entries if tenant is None or e.tenant == tenant]


def runs_path(settings: Settings) -> Path:
    """Where ``govbot ingest`` records completed runs."""
    return settings.index_dir / RUNS_FILE


def read_runs(settings: Settings) -> list[dict[str, Any]]:
    """Completed ingest runs, newest first (unreadable lines are skipped)."""
    path = runs_path(settings)
    if not path.is_file():
        return []
    runs: list[dict[str, Any]] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            logger.warning("skipping unreadable line %d of %s", number, path)
            continue
        if isinstance(value, dict):
            runs.append(value)
    return runs[::-1]
