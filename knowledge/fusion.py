"""Reciprocal rank fusion of dense and BM25 result lists, in our own code.

Qdrant Edge's ``Fusion.Rrf`` orders equal scores non-deterministically (DESIGN.md
section 4: seen in 8 of 50 queries) and the two backends must rank identically for
the contract tests, so each backend returns the raw per-vector lists and this
module fuses them. Every ordering breaks ties by passage id (documents: by doc
id): results are reproducible run to run and backend to backend.

Fusion works on light ``(passage id, score)`` pairs; a backend fetches the full
payload only of the passages it returns, which keeps the query path short.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from knowledge.index import SearchMode

Ranked = list[tuple[str, float]]


def order(hits: Iterable[tuple[str, float]]) -> Ranked:
    """Best first; equal scores ordered by passage id."""
    return sorted(hits, key=lambda hit: (-hit[1], hit[0]))


def rrf(
    lists: Sequence[Iterable[tuple[str, float]]], *, weights: Sequence[float], k: int
) -> Ranked:
    """Weighted RRF: score = sum of weight / (k + rank) over the lists (rank from 1)."""
    if len(lists) != len(weights):
        raise ValueError(f"got {len(lists)} result lists but {len(weights)} weights")
    if k < 1:
        raise ValueError(f"rrf k must be at least 1. Currently, it is {k}")
    scores: dict[str, float] = {}
    for hits, weight in zip(lists, weights, strict=True):
        for rank, (key, _) in enumerate(order(hits), start=1):
            scores[key] = scores.get(key, 0.0) + weight / (k + rank)
    return order(scores.items())


def best_per_document(ranked: Ranked, doc_of: Mapping[str, str]) -> Ranked:
    """The best passage of each document, documents best first and ties by document id."""
    best: dict[str, tuple[str, float]] = {}
    for key, score in order(ranked):
        best.setdefault(doc_of[key], (key, score))
    return [best[doc] for doc in sorted(best, key=lambda doc: (-best[doc][1], doc))]


def fuse(
    *,
    dense: Iterable[tuple[str, float]],
    sparse: Iterable[tuple[str, float]],
    mode: SearchMode,
    weights: tuple[float, float],
    rrf_k: int,
) -> Ranked:
    """Combine the per-vector candidate lists as ``mode`` asks; raw scores for single modes."""
    if mode == "dense":
        return order(dense)
    if mode == "bm25":
        return order(sparse)
    return rrf([list(dense), list(sparse)], weights=weights, k=rrf_k)


def select(
    *,
    dense: Iterable[tuple[str, float]],
    sparse: Iterable[tuple[str, float]],
    doc_of: Mapping[str, str],
    mode: SearchMode,
    weights: tuple[float, float],
    rrf_k: int,
    limit: int,
    per_document: bool,
) -> Ranked:
    """What a reader's ``search`` returns, as (passage id, score) pairs."""
    ranked = fuse(dense=dense, sparse=sparse, mode=mode, weights=weights, rrf_k=rrf_k)
    if per_document:
        ranked = best_per_document(ranked, doc_of)
    return ranked[:limit]
