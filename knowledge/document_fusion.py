"""Document-level fusion of dense and BM25 candidates (the default hybrid ranking).

Why not passage-level RRF: on the Integreat train/dev questions (314, both tenants)
RRF of the two passage lists followed by "best passage per document" reached
recall@5 0.86 / MRR@10 0.78, barely above dense alone; ranks throw away how far
ahead the best candidate is, and a page with one strong passage is outvoted by
pages with many mediocre ones. Fusing *documents* on normalised *scores* reached
0.92 / 0.81 with the same index (docs/retrieval-tuning.md).

Three signals per document, each the best score of its passages among the
candidates the index returned:
- ``dense``: cosine of the query with the document's text passages,
- ``sparse``: BM25 of the query with any of its passages,
- ``card``: cosine of the query with the document's card, the one passage per
  document in section ``card_section`` ("Überblick": breadcrumb, title, headings,
  keywords), which says what the whole page is about.

Each signal is z-normalised over the documents it found (mean 0, standard
deviation 1), so that cosine and BM25 scales meet; a document a signal did not
find gets that signal's lowest value. The fused value is the weighted sum; the
score reported is its logistic ``1 / (1 + e^-x)``, which keeps the order and
gives callers (the bot's re-ranker takes each score relative to the best one) a
positive score in (0, 1). Ties are broken by document id, so evaluations are
reproducible.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from knowledge.index import ScoredPassage


@dataclass(frozen=True)
class FusionWeights:
    """Weights of the three document signals (any non-negative numbers)."""

    dense: float
    sparse: float
    card: float

    def __post_init__(self) -> None:
        for name in ("dense", "sparse", "card"):
            value = getattr(self, name)
            if value < 0 or math.isnan(value):
                raise ValueError(
                    f"fusion weight {name} must be 0 or more. Currently, it is {value}"
                )


def best_per_document(hits: Iterable[ScoredPassage]) -> dict[str, ScoredPassage]:
    """The highest-scoring passage of each document (ties by passage id)."""
    best: dict[str, ScoredPassage] = {}
    for hit in sorted(hits, key=lambda h: (-h.score, h.passage.passage_id)):
        best.setdefault(hit.passage.doc_id, hit)
    return best


def z_scores(scores: dict[str, float]) -> dict[str, float]:
    """``(x - mean) / std`` over the values; all 0.0 when they do not vary."""
    if not scores:
        return {}
    values = list(scores.values())
    mean = sum(values) / len(values)
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
    if std == 0:
        return dict.fromkeys(scores, 0.0)
    return {key: (value - mean) / std for key, value in scores.items()}


def fuse_documents(
    dense: Sequence[ScoredPassage],
    sparse: Sequence[ScoredPassage],
    *,
    weights: FusionWeights,
    card_section: str,
) -> list[ScoredPassage]:
    """One passage per document with its fused score, best first, ties by document id.

    The passage kept for a document is its best text passage (dense first, then
    BM25); the card stands in only for a document found through its card alone.
    """
    cards = [h for h in dense if h.passage.section == card_section]
    texts = [h for h in dense if h.passage.section != card_section]
    signals = [
        (weights.dense, best_per_document(texts)),
        (weights.sparse, best_per_document(sparse)),
        (weights.card, best_per_document(cards)),
    ]
    normalised: list[tuple[float, dict[str, float], float]] = []
    for weight, best in signals:
        values = z_scores({doc_id: hit.score for doc_id, hit in best.items()})
        if values:
            normalised.append((weight, values, min(values.values())))
    representative: dict[str, ScoredPassage] = {}
    for _, best in signals:
        for doc_id, hit in best.items():
            representative.setdefault(doc_id, hit)
    fused: list[ScoredPassage] = []
    for doc_id, hit in representative.items():
        score = 0.0
        for weight, values, floor in normalised:
            score += weight * values.get(doc_id, floor)
        fused.append(ScoredPassage(passage=hit.passage, score=_logistic(score)))
    return sorted(fused, key=lambda h: (-h.score, h.passage.doc_id))


def _logistic(value: float) -> float:
    """``1 / (1 + e^-x)``, clamped so that extreme weights cannot overflow."""
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, value))))
