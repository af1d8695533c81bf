"""Hub scores per index version and tenant: computed once, kept in memory and on disk.

Computing a tenant's hub scores (knowledge/hubness.py) reads every dense vector of the
tenant and multiplies them: about 1.2-2.5 s for 1,000-2,000 passages on the 2-core
machine. Paid by the first citizen's query of each tenant after a start or a new index
version, that was a visible stall (session 5 note). So they are prepared ahead:

- ``govbot ingest`` prepares them right after it publishes a version
  (``prepare_after_sync``): the synced tenant's are computed, every other tenant's are
  carried over from the previous version, because a sync copies their passages and
  vectors unchanged (ingest/sync.py);
- the API's warm-up prepares every tenant's (``Retriever.prepare``), which reads the
  files the ingest wrote, or computes and writes them once.

On disk they are one ``hubs-<tenant>-<version>-k<k>.npz`` per tenant in the data
directory's ``cache`` folder (beside the emergency check's vectors); files of versions the
store no longer keeps are removed. A damaged or unwritable file costs a computation, never
an error.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from knowledge.array_files import read_arrays, write_arrays
from knowledge.hubness import hub_scores
from knowledge.index import IndexReader, IndexStore, StoredPassage

logger = logging.getLogger(__name__)

Compute = Callable[[Iterable[StoredPassage]], dict[str, float]]
_PREFIX = "hubs-"


class HubScoreCache:
    """Hub scores of the serving index version per tenant; ``directory`` keeps them on disk."""

    def __init__(
        self, *, k: int, directory: Path | None = None, compute: Compute | None = None
    ) -> None:
        if k < 1:
            raise ValueError(f"hub k must be at least 1. Currently, it is {k}")
        self._k = k
        self._directory = directory
        self._compute = compute or (lambda passages: hub_scores(passages, k=k))
        self._known: dict[tuple[str, str], dict[str, float]] = {}
        self._lock = threading.Lock()

    def get(self, reader: IndexReader, tenant: str) -> dict[str, float]:
        """Passage id -> hub score of ``tenant`` in ``reader``'s version: from memory, from
        disk, or computed (and written) now."""
        key = (reader.meta.version, tenant)
        with self._lock:
            known = self._known.get(key)
            if known is None:
                known = self._read(*key)
                if known is None:
                    known = self._computed(reader, tenant)
                # Older versions' scores are dropped: only the serving version is searched.
                self._known = {k: v for k, v in self._known.items() if k[0] == key[0]}
                self._known[key] = known
        return known

    def carry_over(self, tenant: str, *, source: str, target: str) -> bool:
        """Use the scores of ``tenant`` in version ``source`` for version ``target`` (its
        passages are the same); False when ``source`` has none on disk."""
        old, new = self.path(source, tenant), self.path(target, tenant)
        if old is None or new is None or not old.is_file():
            return False
        try:
            partial = new.with_suffix(".partial.npz")
            shutil.copyfile(old, partial)
            partial.replace(new)
        except OSError as exc:
            logger.warning("hub scores of tenant %s not carried over: %s", tenant, exc)
            return False
        return True

    def prune(self, versions: Iterable[str]) -> int:
        """Remove the files of versions not in ``versions``; how many were removed."""
        if self._directory is None or not self._directory.is_dir():
            return 0
        kept = tuple(f"-{version}-k" for version in versions)
        removed = 0
        for path in self._directory.glob(f"{_PREFIX}*.npz"):
            if not any(marker in path.name for marker in kept):
                path.unlink(missing_ok=True)
                removed += 1
        return removed

    def path(self, version: str, tenant: str) -> Path | None:
        """The file of ``tenant``'s scores in ``version`` (None without a directory)."""
        if self._directory is None:
            return None
        return self._directory / f"{_PREFIX}{tenant}-{version}-k{self._k}.npz"

    def _computed(self, reader: IndexReader, tenant: str) -> dict[str, float]:
        started = time.perf_counter()
        scores = self._compute(reader.iter_stored(tenant))
        logger.info(
            "hub scores of %d passages of tenant %s computed in %.1f s",
            len(scores),
            tenant,
            time.perf_counter() - started,
        )
        self._write(reader.meta.version, tenant, scores)
        return scores

    def _read(self, version: str, tenant: str) -> dict[str, float] | None:
        stored = read_arrays(self.path(version, tenant), ("ids", "scores"))
        if stored is None:
            return None
        return dict(zip(stored["ids"].tolist(), stored["scores"].tolist(), strict=True))

    def _write(self, version: str, tenant: str, scores: dict[str, float]) -> None:
        write_arrays(
            self.path(version, tenant),
            ids=np.asarray(list(scores), dtype=np.str_),
            scores=np.fromiter(scores.values(), dtype=np.float64),
        )


def prepare_after_sync(
    store: IndexStore, cache: HubScoreCache, *, previous: str | None, synced: str | None
) -> dict[str, str]:
    """Hub scores of every tenant of the version a sync just published: ``synced`` (the
    tenant whose passages changed; None: none did) computed, the others carried over from
    version ``previous``. Tenant -> "computed", "carried over" or "loaded"."""
    reader = store.reader()
    version = reader.meta.version
    how: dict[str, str] = {}
    for tenant in reader.meta.tenants:
        carried = (
            tenant != synced
            and previous is not None
            and previous != version
            and cache.carry_over(tenant, source=previous, target=version)
        )
        path = cache.path(version, tenant)
        on_disk = carried or (path is not None and path.is_file())
        cache.get(reader, tenant)
        how[tenant] = "carried over" if carried else "loaded" if on_disk else "computed"
    cache.prune(store.versions())
    return how
