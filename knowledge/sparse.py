"""BM25 sparse vectors for German text, shared by both index backends.

Qdrant Edge's ``Bm25`` tokenises, removes German stopwords and applies the German
Snowball stemmer ("Personalausweise" and "Personalausweis" meet on one token).
Document vectors carry saturated, length-normalised term frequencies; the
inverse document frequency is applied by Qdrant at query time because both
backends create the sparse vector with ``Modifier.IDF`` (DESIGN.md section 4).

Compounds of the documents are split (knowledge/compounds.py): the parts and heads of a
compound are added as extra tokens, so "Parkausweis für Anwohner" meets
"Anwohnerparkausweis" (issue 12 item 3). Queries keep the citizen's words by default
(``query_part_weight=0``): splitting them too cost Integreat dev a question and gained
nothing on the Munich citizen set (docs/retrieval-tuning.md, E28). The encoder's
``name`` carries the splitter's identity; sync stores it with every service's hash, so a
change re-encodes the index.
"""

from __future__ import annotations

from qdrant_edge import (
    Bm25,
    Bm25Config,
    Language,
    SnowballLanguage,
    SnowballParams,
)

from knowledge.compounds import CompoundSplitter, splitter_identity

DENSE_VECTOR = "dense"
SPARSE_VECTOR = "bm25"

SparseVec = tuple[list[int], list[float]]


class Bm25Encoder:
    """Turns German text into BM25 sparse vectors (indices are token hashes)."""

    # avg_len ~ the real mean passage length in BM25 tokens (~30 after stop words and the
    # card passages); tuned on Integreat train/dev (docs/retrieval-tuning.md, E26).
    def __init__(
        self,
        *,
        k: float = 1.2,
        b: float = 0.75,
        avg_len: float = 30.0,
        decompound: bool = True,
        splitter: CompoundSplitter | None = None,
        query_part_weight: float = 0.0,
    ) -> None:
        if avg_len <= 0:
            raise ValueError(f"avg_len must be greater than 0. Currently, it is {avg_len}")
        if not 0.0 <= b <= 1.0:
            raise ValueError(f"b must be between 0 and 1. Currently, it is {b}")
        if not 0.0 <= query_part_weight <= 1.0:
            raise ValueError(
                f"query_part_weight must be between 0 and 1. Currently, it is {query_part_weight}"
            )
        self._query_part_weight = query_part_weight
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
        # Built on first use: the query path of the API never needs it with the default
        # query_part_weight (the word list costs ~1 s and ~100 MB to load).
        self._decompound = decompound
        self._splitter = splitter
        parameters = f"k={k:g},b={b:g},avg_len={avg_len:g}"
        if decompound:
            parameters += f",{splitter.name if splitter else splitter_identity()}"
        self.name = f"bm25-german-snowball({parameters})"

    def is_stopword(self, word: str) -> bool:
        """Whether the tokenizer drops ``word`` as a German stop word ("ein", "unter")."""
        return not self._model.embed_query(word).indices

    def document(self, text: str) -> SparseVec:
        """Sparse vector of a passage (term-frequency weights)."""
        vector = self._model.embed_document(self._expand(text))
        return list(vector.indices), list(vector.values)

    def query(self, text: str) -> SparseVec:
        """Sparse vector of a query (weight 1.0 per distinct token of the citizen's words,
        ``query_part_weight`` for a token only a compound's parts add; IDF comes from the
        index)."""
        vector = self._model.embed_query(text)
        weights = dict(zip(vector.indices, vector.values, strict=True))
        if self._decompound and self._query_part_weight > 0:
            parts = self._model.embed_query(self._compounds().expand(text))
            for index in parts.indices:
                weights.setdefault(index, self._query_part_weight)
        return list(weights), list(weights.values())

    def _expand(self, text: str) -> str:
        return self._compounds().expand(text) if self._decompound else text

    def _compounds(self) -> CompoundSplitter:
        if self._splitter is None:
            self._splitter = CompoundSplitter(is_stopword=self.is_stopword)
        return self._splitter
