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
silently search the wrong neighbourhood.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from knowledge.errors import ConfigurationError

logger = logging.getLogger(__name__)

ADAPTER_DIR = Path(__file__).parent / "adapters"
_REQUIRED_META = ("embedder", "dim", "training_hash", "created")


def packaged_adapter_path(embedder_name: str) -> Path:
    """Where the adapter shipped for ``embedder_name`` lives (it may not exist)."""
    return ADAPTER_DIR / f"{embedder_name}.npz"


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
        if (self.embedder, self.dim) != (name, dim):
            raise ConfigurationError(
                f"Query adapter trained for {self.embedder!r} ({self.dim} dims) but the "
                f"embedder is {name!r} ({dim} dims); train one for it with `govbot eval "
                "train-adapter`, point GOVBOT_RETRIEVAL__QUERY_ADAPTER_PATH at it, or set "
                "GOVBOT_RETRIEVAL__QUERY_ADAPTER=false"
            )

    def save(self, path: Path) -> None:
        """Write the adapter as ``.npz`` (residual + JSON metadata)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = {
            **self.meta,
            "embedder": self.embedder,
            "dim": self.dim,
            "tenants": list(self.tenants),
        }
        with path.open("wb") as handle:
            np.savez_compressed(
                handle,
                residual=self.residual.astype(np.float32),
                meta=np.array(json.dumps(meta, ensure_ascii=False, sort_keys=True)),
            )


def load_query_adapter(path: Path) -> QueryAdapter:
    """Read and validate an adapter file; every defect is a ConfigurationError naming it."""
    try:
        with np.load(path, allow_pickle=False) as data:
            residual = np.asarray(data["residual"], dtype=np.float32)
            meta = json.loads(str(data["meta"]))
    except FileNotFoundError as exc:
        raise ConfigurationError(
            f"Query adapter file {path} does not exist; set GOVBOT_RETRIEVAL__QUERY_ADAPTER_PATH "
            "to a file written by `govbot eval train-adapter`, or GOVBOT_RETRIEVAL__QUERY_ADAPTER"
            "=false"
        ) from exc
    except (OSError, ValueError, KeyError) as exc:
        raise ConfigurationError(
            f"Query adapter file {path} is not a valid adapter (.npz with 'residual' and "
            f"'meta'): {exc}"
        ) from exc
    if not isinstance(meta, dict) or any(key not in meta for key in _REQUIRED_META):
        raise ConfigurationError(
            f"Query adapter file {path} lacks metadata; it needs {', '.join(_REQUIRED_META)}"
        )
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
    if path is None:
        path = packaged_adapter_path(embedder_name)
        if not path.exists():
            logger.info("no query adapter shipped for %s; queries are searched as embedded", path)
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
