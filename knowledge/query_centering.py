"""The common direction of citizens' questions, partly removed from the query vector.

Every e5 query vector shares one large component: the mean of many questions points
in nearly the same direction as each of them (cosine about 0.9 for the Integreat
questions in five languages). That component says "this is a question", not what it
asks, and it favours the passages that lie along it: generic pages, and pages in
another language than the question's. Removing the dominant common direction of
embeddings is "all-but-the-top" post-processing (Mu and Viswanath 2018, ICLR:
"All-but-the-Top: Simple and Effective Postprocessing for Word Representations");
here it is done on the query side only, so the index stays as it is:

    q' = normalise(q - weight * (q . u) u)

with ``u`` the unit mean of the query vectors of training questions. Unlike the
learned query adapter (knowledge/query_adapter.py, 384 x 384 numbers) it fits one
direction, which carried over to the Integreat dev split and to Munich, a tenant it
was not fitted on (docs/retrieval-tuning.md, "Query centering").

The file (``knowledge/adapters/<embedder name>.query-direction.npz``) holds ``direction``
(dim, float32, unit length) and ``meta`` (JSON: embedder name and dimension, the
question files it was fitted on, their hash, the number of questions, the date); it is
written by ``govbot eval fit-query-direction``. A file for another embedder is a
ConfigurationError: its direction means nothing in another space. The file is read,
written and checked against the embedder by knowledge/vector_files.py, as the query
adapter's is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from knowledge.errors import ConfigurationError
from knowledge.vector_files import VectorFileKind

DIRECTION_FILE = VectorFileKind(
    title="Query direction",
    array="direction",
    suffix=".query-direction.npz",
    required_meta=("embedder", "dim", "questions", "training_hash", "created"),
    fitted="fitted",
    make="fit",
    command="govbot eval fit-query-direction",
    path_variable="GOVBOT_RETRIEVAL__QUERY_DIRECTION_PATH",
    off_setting="GOVBOT_RETRIEVAL__QUERY_CENTERING=0",
)


def packaged_direction_path(embedder_name: str) -> Path:
    """Where the query direction shipped for ``embedder_name`` lives (it may not exist)."""
    return DIRECTION_FILE.packaged_path(embedder_name)


@dataclass(frozen=True)
class QueryDirection:
    """The unit mean direction of training questions for one embedder."""

    direction: npt.NDArray[np.float32]
    embedder: str
    dim: int
    meta: dict[str, Any]

    def __post_init__(self) -> None:
        if self.direction.shape != (self.dim,):
            raise ConfigurationError(
                f"Query direction for {self.embedder!r} has shape {self.direction.shape}; "
                f"expected ({self.dim},)"
            )
        norm = float(np.linalg.norm(self.direction)) if self.dim else 0.0
        if not np.all(np.isfinite(self.direction)) or abs(norm - 1.0) > 1e-3:
            raise ConfigurationError(
                f"Query direction for {self.embedder!r} is not a finite unit vector (length "
                f"{norm:.4f}); fit it again with `govbot eval fit-query-direction`"
            )

    @classmethod
    def fit(
        cls, vectors: Sequence[Sequence[float]], *, embedder: str, meta: dict[str, Any]
    ) -> QueryDirection:
        """The unit mean of the query ``vectors`` (at least one, all of one dimension)."""
        matrix = np.asarray(vectors, dtype=np.float64)
        if matrix.ndim != 2 or matrix.shape[0] == 0:
            raise ValueError("fitting a query direction needs at least one query vector")
        mean = matrix.mean(axis=0)
        norm = float(np.linalg.norm(mean))
        if norm == 0.0:
            raise ValueError("the query vectors cancel out; there is no common direction")
        return cls(
            direction=(mean / norm).astype(np.float32),
            embedder=embedder,
            dim=int(matrix.shape[1]),
            meta={**meta, "questions": int(matrix.shape[0]), "mean_length": round(norm, 4)},
        )

    def apply(self, vector: Sequence[float], *, weight: float) -> list[float]:
        """``normalise(q - weight * (q . u) u)``: the query with part of the common
        direction removed, L2-normalised (``q`` itself when nothing would be left)."""
        query = np.asarray(vector, dtype=np.float32)
        if query.shape != (self.dim,):
            raise ConfigurationError(
                f"Query direction for {self.embedder!r} expects {self.dim}-dimensional "
                f"vectors; got shape {query.shape}"
            )
        centred = query - weight * float(query @ self.direction) * self.direction
        norm = float(np.linalg.norm(centred))
        if norm < 1e-6:
            return [float(x) for x in query]
        return [float(x) for x in centred / norm]

    def check_embedder(self, name: str, dim: int) -> None:
        """Raise ConfigurationError unless the direction was fitted for this embedder."""
        DIRECTION_FILE.check_embedder((self.embedder, self.dim), name=name, dim=dim)

    def save(self, path: Path) -> None:
        """Write the direction as ``.npz`` (direction + JSON metadata)."""
        meta = {**self.meta, "embedder": self.embedder, "dim": self.dim}
        DIRECTION_FILE.write(path, self.direction, meta)


def load_query_direction(path: Path) -> QueryDirection:
    """Read and validate a direction file; every defect is a ConfigurationError naming it."""
    direction, meta = DIRECTION_FILE.read(path)
    return QueryDirection(
        direction=direction, embedder=str(meta["embedder"]), dim=int(meta["dim"]), meta=meta
    )


def resolve_query_direction(
    *, weight: float, path: Path | None, embedder_name: str, embedder_dim: int
) -> QueryDirection | None:
    """The direction the settings ask for, checked against the embedder, or None.

    ``weight`` 0 turns centering off. An explicit ``path`` must fit the embedder; without
    one, the packaged file of the embedder is used when it exists, and an embedder with
    none shipped searches uncentred.
    """
    if weight <= 0:
        return None
    path = DIRECTION_FILE.locate(path, embedder_name)
    if path is None:
        return None
    direction = load_query_direction(path)
    direction.check_embedder(embedder_name, embedder_dim)
    return direction
