"""Fit the query adapter (knowledge/query_adapter.py) on training queries and indexed passages.

Model: ``q' = normalise(q + q @ R)``, ``R`` starts at zero (the adapter starts as the
identity). Loss, per query: softmax cross-entropy over every document of the query's
tenant, a document scored by its best passage's cosine to ``q'`` divided by a
temperature; the expected documents are the positives (their probabilities summed).
Every other document of the tenant is a negative, so no negative sampling is needed
(a tenant has a few hundred documents). Adam, small learning rate, a fixed number of
epochs and a fixed seed: the run is reproducible. The settings were chosen on
Integreat train and Munich data without dev (docs/retrieval-tuning.md, "Query adapter").
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import numpy.typing as npt

logger = logging.getLogger(__name__)

EpochReport = Callable[[int, float], None]
"""``(epoch, mean loss)`` after each epoch."""


@dataclass(frozen=True)
class AdapterTraining:
    """Hyper-parameters of one fit."""

    epochs: int = 20
    learning_rate: float = 1e-4
    temperature: float = 0.02
    batch_size: int = 64
    seed: int = 20261207

    def __post_init__(self) -> None:
        if self.epochs < 1:
            raise ValueError(f"epochs must be at least 1. Currently, it is {self.epochs}")
        if self.learning_rate <= 0 or self.temperature <= 0:
            raise ValueError(
                "learning_rate and temperature must be positive. Currently, they are "
                f"{self.learning_rate} and {self.temperature}"
            )
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be at least 1. Currently, it is {self.batch_size}")

    def as_dict(self) -> dict[str, float | int]:
        """The settings, for the adapter's metadata."""
        return asdict(self)


@dataclass(frozen=True)
class TenantPassages:
    """A tenant's passage vectors (L2-normalised rows) and the document of each row."""

    vectors: npt.NDArray[np.float32]
    doc_ids: Sequence[str]

    def document_codes(self) -> tuple[list[str], npt.NDArray[np.int64]]:
        """Sorted distinct documents and each row's index into them."""
        documents, codes = np.unique(np.asarray(self.doc_ids), return_inverse=True)
        return [str(d) for d in documents], codes.astype(np.int64)


@dataclass(frozen=True)
class TrainingQuery:
    """One query vector, its tenant and its expected documents."""

    tenant: str
    vector: npt.NDArray[np.float32]
    expected: tuple[str, ...]


def fit_residual(
    queries: Sequence[TrainingQuery],
    passages: Mapping[str, TenantPassages],
    config: AdapterTraining,
    *,
    on_epoch: EpochReport | None = None,
) -> npt.NDArray[np.float32]:
    """The residual matrix ``R`` that minimises the loss above (dim x dim, float32)."""
    import torch  # deferred: only training needs torch, the query path uses numpy

    torch.manual_seed(config.seed)
    generator = torch.Generator().manual_seed(config.seed)
    shuffler = random.Random(config.seed)
    groups = _tenant_batches(queries, passages)
    if not groups:
        raise ValueError("no training query has an expected document in the index")
    dim = next(iter(groups.values()))[0].shape[1]
    residual = torch.zeros(dim, dim, requires_grad=True)
    optimiser = torch.optim.Adam([residual], lr=config.learning_rate)
    tensors = {
        tenant: (torch.from_numpy(q), torch.from_numpy(m), torch.from_numpy(p), torch.from_numpy(c))
        for tenant, (q, m, p, c) in groups.items()
    }
    for epoch in range(1, config.epochs + 1):
        batches = [
            (tenant, rows)
            for tenant, (q, *_) in tensors.items()
            for rows in torch.randperm(len(q), generator=generator).split(config.batch_size)  # type: ignore[no-untyped-call]
        ]
        shuffler.shuffle(batches)
        total = 0.0
        for tenant, rows in batches:
            q, positives, vectors, codes = tensors[tenant]
            adapted = torch.nn.functional.normalize(q[rows] + q[rows] @ residual, dim=-1)
            scores = adapted @ vectors.T / config.temperature
            documents = positives.shape[1]
            best = torch.full((len(rows), documents), -1e9).scatter_reduce(
                1, codes.expand(len(rows), -1), scores, reduce="amax"
            )
            wanted = best.masked_fill(~positives[rows], -1e9)
            loss = (torch.logsumexp(best, 1) - torch.logsumexp(wanted, 1)).mean()
            optimiser.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            optimiser.step()
            total += float(loss.item()) * len(rows)
        mean = total / sum(len(q) for q, *_ in tensors.values())
        if on_epoch is not None:
            on_epoch(epoch, mean)
    return np.asarray(residual.detach().numpy(), dtype=np.float32)


def _tenant_batches(
    queries: Sequence[TrainingQuery], passages: Mapping[str, TenantPassages]
) -> dict[
    str,
    tuple[
        npt.NDArray[np.float32],
        npt.NDArray[np.bool_],
        npt.NDArray[np.float32],
        npt.NDArray[np.int64],
    ],
]:
    """Per tenant: query matrix, positive mask (query x document), passages, row codes."""
    groups: dict[str, list[TrainingQuery]] = {}
    for query in queries:
        groups.setdefault(query.tenant, []).append(query)
    out = {}
    for tenant, members in sorted(groups.items()):
        if tenant not in passages:
            logger.warning("tenant %s has training queries but no passages; skipped", tenant)
            continue
        documents, codes = passages[tenant].document_codes()
        index = {doc_id: n for n, doc_id in enumerate(documents)}
        kept = [q for q in members if any(d in index for d in q.expected)]
        if len(kept) < len(members):
            logger.warning(
                "%d training queries of tenant %s name no indexed document; skipped",
                len(members) - len(kept),
                tenant,
            )
        if not kept:
            continue
        mask = np.zeros((len(kept), len(documents)), dtype=np.bool_)
        for row, query in enumerate(kept):
            mask[row, [index[d] for d in query.expected if d in index]] = True
        matrix = np.stack([q.vector for q in kept]).astype(np.float32)
        out[tenant] = (matrix, mask, passages[tenant].vectors.astype(np.float32), codes)
    return out
