"""Hub scores of passages: how close a passage sits to everything else of its tenant.

In a shared multilingual embedding space a few generic pages ("So kann ich helfen",
"Wo finde ich Hilfe?") are near neighbours of very many queries, above all of
queries in another language than the page (hubness; Radovanović et al. 2010). CSLS
(Conneau et al. 2018, "Word translation without parallel data") corrects a cosine by
the mean similarity of the target to its k nearest neighbours:
``csls(q, p) = 2 cos(q, p) - r(q) - r(p)``. ``r(q)`` is the same for every passage of
one query and does not change the order, so the retriever only subtracts
``weight * r(p)`` from each dense cosine (knowledge/retrieval.py).

``r(p)`` is computed from the tenant's own vectors, with no list of pages and no
queries: the mean cosine of ``p`` to its ``k`` most similar passages of *other*
documents (a document's own passages and translations would count its length and
languages, not its genericness). It needs every dense vector of the tenant, so the
retriever computes it once per index version and tenant and keeps it in memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from knowledge.index import ScoredPassage, StoredPassage

_BLOCK = 512  # rows per matrix product: 512 x 30,000 float32 similarities = 60 MB


def hub_scores(passages: Iterable[StoredPassage], *, k: int) -> dict[str, float]:
    """Passage id -> mean of its ``k`` highest cosines to passages of other documents.

    A passage with fewer than ``k`` passages of other documents averages those it has;
    one with none (a tenant of one document) gets 0.0.
    """
    if k < 1:
        raise ValueError(f"hub k must be at least 1. Currently, it is {k}")
    stored = [p for p in passages if p.dense]
    if not stored:
        return {}
    ids = [p.passage.passage_id for p in stored]
    _, doc_codes = np.unique([p.passage.doc_id for p in stored], return_inverse=True)
    vectors = np.asarray([p.dense for p in stored], dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors /= np.where(norms == 0, 1.0, norms)
    scores = np.zeros(len(stored), dtype=np.float64)
    for start in range(0, len(stored), _BLOCK):
        block = slice(start, start + _BLOCK)
        similarity = vectors[block] @ vectors.T
        same_document = doc_codes[block, None] == doc_codes[None, :]
        similarity[same_document] = -np.inf
        others = (~same_document).sum(axis=1)
        take = min(k, similarity.shape[1])
        top = -np.partition(-similarity, take - 1, axis=1)[:, :take]
        top = np.where(np.isfinite(top), top, 0.0)
        counted = np.minimum(others, take)
        scores[block] = np.where(counted > 0, top.sum(axis=1) / np.maximum(counted, 1), 0.0)
    return {passage_id: float(score) for passage_id, score in zip(ids, scores, strict=True)}


def discount(
    hits: Sequence[ScoredPassage], hubs: Mapping[str, float], *, weight: float
) -> list[ScoredPassage]:
    """Each hit's score minus ``weight`` times its passage's hub score (0.0 when unknown)."""
    return [
        ScoredPassage(
            passage=hit.passage,
            score=hit.score - weight * hubs.get(hit.passage.passage_id, 0.0),
        )
        for hit in hits
    ]
