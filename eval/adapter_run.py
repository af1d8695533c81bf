"""``govbot eval train-adapter``: embed the training queries, fit, write the adapter file.

Glue between the retriever (index passages, query embeddings), the dialogue's reading of
a question (the text the bot searches) and the fit of eval/adapter_training.py.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from eval.adapter_data import (
    Example,
    QueryVectorCache,
    question_examples,
    training_hash,
    vocabulary_examples,
)
from eval.adapter_training import (
    AdapterTraining,
    EpochReport,
    TenantPassages,
    TrainingQuery,
    fit_residual,
)
from knowledge.progress import ProgressCallback
from knowledge.query_adapter import QueryAdapter
from knowledge.retrieval import Retriever

logger = logging.getLogger(__name__)

SearchText = Callable[[str, str], str]
"""``(question, tenant) -> the text the bot searches`` (the understander's output)."""


@dataclass(frozen=True)
class AdapterSources:
    """What one training run reads."""

    questions: Sequence[Path]
    vocabulary_tenants: Sequence[str] = ("muenchen",)
    exclude_tenants: Sequence[str] = ()


def collect_examples(retriever: Retriever, sources: AdapterSources) -> list[Example]:
    """Training questions plus the vocabulary pairs of the chosen tenants."""
    examples = question_examples(sources.questions, exclude_tenants=sources.exclude_tenants)
    for tenant in sources.vocabulary_tenants:
        if tenant in sources.exclude_tenants:
            continue
        examples += vocabulary_examples(retriever.services(tenant))
    return examples


def train_query_adapter(
    retriever: Retriever,
    sources: AdapterSources,
    config: AdapterTraining,
    *,
    search_text: SearchText,
    cache: QueryVectorCache,
    progress: ProgressCallback | None = None,
    on_epoch: EpochReport | None = None,
) -> QueryAdapter:
    """Fit an adapter for the retriever's embedder on ``sources``; nothing is written."""
    examples = collect_examples(retriever, sources)
    if not examples:
        raise ValueError("no training examples: check --questions and --vocabulary-tenant")
    counts: dict[str, int] = {}
    for example in examples:
        counts[example.source] = counts.get(example.source, 0) + 1
    logger.info("training examples: %s", ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    texts = []
    for done, example in enumerate(examples, 1):
        texts.append(search_text(example.text, example.tenant))
        if progress is not None:
            progress(done, len(examples))
    vectors = cache.vectors(texts, retriever.embed_query)
    cache.save()
    queries = [TrainingQuery(e.tenant, vectors[n], e.expected) for n, e in enumerate(examples)]
    passages = {
        tenant: _tenant_passages(retriever, tenant)
        for tenant in sorted({e.tenant for e in examples})
    }
    residual = fit_residual(queries, passages, config, on_epoch=on_epoch)
    meta = {
        "training_hash": training_hash(examples, retriever.meta.version),
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "examples": counts,
        "exclude_tenants": list(sources.exclude_tenants),
        "training": config.as_dict(),
    }
    return QueryAdapter(
        residual=residual,
        embedder=retriever.embedder_name,
        dim=residual.shape[0],
        meta=meta,
        tenants=tuple(sorted(passages)),
    )


def _tenant_passages(retriever: Retriever, tenant: str) -> TenantPassages:
    stored = [p for p in retriever.stored_passages(tenant) if p.dense]
    vectors = np.asarray([p.dense for p in stored], dtype=np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    return TenantPassages(vectors=vectors, doc_ids=[p.passage.doc_id for p in stored])
