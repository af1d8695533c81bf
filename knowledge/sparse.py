"""BM25 sparse vectors for German text, shared by both index backends.

Qdrant Edge's ``Bm25`` tokenises, removes German stopwords and applies the German
Snowball stemmer ("Personalausweise" and "Personalausweis" meet on one token).
Document vectors carry saturated, length-normalised term frequencies; the
inverse document frequency is applied by Qdrant at query time because both
backends create the sparse vector with ``Modifier.IDF`` (DESIGN.md section 4).
"""

from __future__ import annotations

from qdrant_edge import (
    Bm25,
    Bm25Config,
    Language,
    SnowballLanguage,
    SnowballParams,
)

DENSE_VECTOR = "dense"
SPARSE_VECTOR = "bm25"

SparseVec = tuple[list[int], list[float]]


class Bm25Encoder:
    """Turns German text into BM25 sparse vectors (indices are token hashes)."""

    # avg_len ~ the real mean passage length in BM25 tokens (~30 after stop words and the
    # card passages); tuned on Integreat train/dev (docs/retrieval-tuning.md, E26).
    def __init__(self, *, k: float = 1.2, b: float = 0.75, avg_len: float = 30.0) -> None:
        if avg_len <= 0:
            raise ValueError(f"avg_len must be greater than 0. Currently, it is {avg_len}")
        if not 0.0 <= b <= 1.0:
            raise ValueError(f"b must be between 0 and 1. Currently, it is {b}")
        self._model = Bm25(
            Bm25Config(
                k=k,
                b=b,
                avg_len=avg_len,
                language="german",
                stopwords=Language.German,
                stemmer=SnowballParams(SnowballLanguage.German),
            )
        )
        self.name = f"bm25-german-snowball(k={k:g},b={b:g},avg_len={avg_len:g})"

    def document(self, text: str) -> SparseVec:
        """Sparse vector of a passage (term-frequency weights)."""
        vector = self._model.embed_document(text)
        return list(vector.indices), list(vector.values)

    def query(self, text: str) -> SparseVec:
        """Sparse vector of a query (weight 1.0 per distinct token; IDF comes from the index)."""
        vector = self._model.embed_query(text)
        return list(vector.indices), list(vector.values)
