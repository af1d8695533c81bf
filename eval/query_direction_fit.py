"""Fit the common direction of citizens' questions (knowledge/query_centering.py).

The direction is the unit mean of the query vectors of *training* questions only (a
file named dev, holdout or test, or a pool, is refused as for the query adapter). Each
question is embedded as the bot searches it: the understander's text, then the
retriever's plain query embedding.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from eval.adapter_data import check_training_file
from eval.retrieval import load_questions
from knowledge.query_centering import QueryDirection
from knowledge.retrieval import Retriever

SearchText = Callable[[str, str], str]
"""``(question, tenant) -> the text the bot searches``."""

# What the shipped direction was fitted on (docs/retrieval-tuning.md, "Query centering"):
# the Integreat train questions in the five languages of the dataset.
TRAINING_SETS = (
    "integreat_train.jsonl",
    "integreat_train_en.jsonl",
    "integreat_train_fr.jsonl",
    "integreat_train_uk.jsonl",
    "integreat_train_ar.jsonl",
)


def fit_query_direction(
    retriever: Retriever, paths: Sequence[Path], *, search_text: SearchText
) -> QueryDirection:
    """The unit mean query vector of every question in the training files ``paths``."""
    digest = hashlib.sha256()
    texts: list[str] = []
    for path in paths:
        check_training_file(path)
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
        for case in load_questions(path):
            if case.question is not None:
                texts.append(search_text(case.question, case.tenant))
    if not texts:
        raise ValueError("the training files hold no single questions to fit a direction on")
    vectors = retriever.embed_queries(texts)
    return QueryDirection.fit(
        vectors,
        embedder=retriever.embedder_name,
        meta={
            "questions_files": [path.name for path in paths],
            "training_hash": digest.hexdigest(),
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
        },
    )
