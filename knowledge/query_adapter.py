"""A learned linear map applied to the query vector before passage search.

The embedder is fixed (multilingual-e5-small, the only one installable here), and
citizens do not write the way the pages are written: colloquial German, or a
question in French about a German page. A query adapter (Chroma, "Embedding
adapters", 2024; a learned query transformation) moves the *query* vector towards
the passages that answer questions like it: ``q' = normalise(q + q @ R)``, with the
residual ``R`` learned from training questions (``govbot eval train-adapter``,
eval/adapter_training.py). The retriever applies it to hybrid search; the dense-only
probe keeps the plain vector (knowledge/retrieval.py). Passage vectors stay as indexed,
so the adapter needs no re-ingest, and it costs one 384 x 384 matrix product per query.

The adapter file (``knowledge/adapters/<embedder name>.npz``) holds ``residual``
(dim x dim, float32) and ``meta`` (JSON: embedder name and dimension, the tenants it
maps, training-data hash, date, training settings). It maps only the queries of the
tenants it was fitted on: trained without a tenant, it did not help that tenant. A
file for another embedder or dimension is a ConfigurationError: its vectors would
silently search the wrong neighbourhood. The file is read, written and checked against
the embedder by knowledge/vector_files.py, as the query direction's is.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from knowledge.errors import ConfigurationError
from knowledge.vector_files import VectorFileKind

logger = logging.getLogger(__name__)

ADAPTER_FILE = VectorFileKind(
    title="Query adapter",
    array="residual",
    suffix=".npz",
    required_meta=("embedder", "dim", "training_hash", "created"),
    fitted="trained",
    make="train",
    command="govbot eval train-adapter",
    path_variable="GOVBOT_RETRIEVAL__QUERY_ADAPTER_PATH",
    off_setting="GOVBOT_RETRIEVAL__QUERY_ADAPTER=false",
)


def packaged_adapter_path(embedder_name: str) -> Path:
    """Where the adapter shipped for ``embedder_name`` lives (it may not exist)."""
    return ADAPTER_FILE.packaged_path(embedder_name)


@dataclass(frozen=True)
class QueryAdapter:
    """The residual matrix of a query adapter and what it was trained for."""

    residual: npt.NDArray[np.float32]
    embedder: str
    dim: int
    meta: dict[str, Any]
    # Tenants whose content the adapter was fitted on; it maps only their queries (empty:
    # every tenant). A tenant left out of training gained nothing (docs/retrieval-tuning.md).
    tenants: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.residual.shape != (self.dim, self.dim):
            raise ConfigurationError(
                f"Query adapter for {self.embedder!r} has a residual of shape "
                f"{self.residual.shape}; expected ({self.dim}, {self.dim})"
            )
        if not np.all(np.isfinite(self.residual)):
            raise ConfigurationError(
                f"Query adapter for {self.embedder!r} holds NaN or infinite values; retrain it "
                "with `govbot eval train-adapter`"
            )

    def apply(self, vector: Sequence[float]) -> list[float]:
        """``normalise(q + q @ residual)``: the adapted, L2-normalised query vector."""
        query = np.asarray(vector, dtype=np.float32)
        if query.shape != (self.dim,):
            raise ConfigurationError(
                f"Query adapter for {self.embedder!r} expects {self.dim}-dimensional vectors; "
                f"got shape {query.shape}"
            )
        adapted = query + query @ self.residual
        norm = float(np.linalg.norm(adapted))
        if norm == 0.0:
            return [float(x) for x in query]
        return [float(x) for x in adapted / norm]

    def applies_to(self, tenant: str) -> bool:
        """Whether queries of ``tenant`` are mapped by this adapter."""
        return not self.tenants or tenant in self.tenants

    def check_embedder(self, name: str, dim: int) -> None:
        """Raise ConfigurationError unless the adapter was trained for this embedder."""
        ADAPTER_FILE.check_embedder((self.embedder, self.dim), name=name, dim=dim)

    def save(self, path: Path) -> None:
        """Write the adapter as ``.npz`` (residual + JSON metadata)."""
        meta = {**self.meta, "embedder": self.embedder, "dim": self.dim}
        ADAPTER_FILE.write(path, self.residual, meta | {"tenants": list(self.tenants)})


def load_query_adapter(path: Path) -> QueryAdapter:
    """Read and validate an adapter file; every defect is a ConfigurationError naming it."""
    residual, meta = ADAPTER_FILE.read(path)
    return QueryAdapter(
        residual=residual,
        embedder=str(meta["embedder"]),
        dim=int(meta["dim"]),
        meta=meta,
        tenants=tuple(str(t) for t in meta.get("tenants", [])),
    )


def resolve_query_adapter(
    *, enabled: bool, path: Path | None, embedder_name: str, embedder_dim: int
) -> QueryAdapter | None:
    """The adapter the settings ask for, checked against the embedder, or None.

    An explicit ``path`` must fit the embedder. Without one, the packaged adapter of the
    embedder is used when it exists; an embedder with none shipped searches unadapted.
    """
    if not enabled:
        return None
    path = ADAPTER_FILE.locate(path, embedder_name)
    if path is None:
        return None
    adapter = load_query_adapter(path)
    adapter.check_embedder(embedder_name, embedder_dim)
    logger.info(
        "query adapter %s for %s (trained %s, data %s)",
        path.name,
        ", ".join(adapter.tenants) or "every tenant",
        adapter.meta.get("created"),
        str(adapter.meta.get("training_hash"))[:12],
    )
    return adapter
