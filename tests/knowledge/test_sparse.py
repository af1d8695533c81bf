"""German BM25 sparse vectors: stemming, stopwords, weights."""

from __future__ import annotations

import pytest

from knowledge.sparse import Bm25Encoder


@pytest.fixture(scope="module")
def bm25() -> Bm25Encoder:
    return Bm25Encoder()


def test_inflected_forms_share_a_token(bm25: Bm25Encoder) -> None:
    assert bm25.query("Personalausweise")[0] == bm25.query("Personalausweis")[0]
    assert bm25.query("Gebühren")[0] == bm25.query("Gebühr")[0]
    assert bm25.query("HUNDESTEUER")[0] == bm25.query("hundesteuer")[0]


def test_german_stopwords_are_dropped(bm25: Bm25Encoder) -> None:
    assert bm25.query("Was ist das und wie ist es?") == ([], [])
    indices, _ = bm25.query("Was brauche ich für einen neuen Personalausweis?")
    assert len(indices) == 3  # brauch, neu, personalausweis


def test_query_weights_are_one_per_distinct_token(bm25: Bm25Encoder) -> None:
    indices, values = bm25.query("Hund Hund Katze")
    assert len(indices) == 2
    assert values == [1.0, 1.0]


def test_document_weights_grow_with_term_frequency(bm25: Bm25Encoder) -> None:
    indices, values = bm25.document("Hund Hund Hund Katze")
    weights = dict(zip(indices, values, strict=True))
    (hund,), (katze,) = bm25.query("Hund")[0], bm25.query("Katze")[0]
    assert weights[hund] > weights[katze] > 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"avg_len": 0.0}, "avg_len must be greater than 0. Currently, it is 0.0"),
        ({"b": 1.5}, "b must be between 0 and 1. Currently, it is 1.5"),
    ],
)
def test_invalid_parameters_are_refused(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Bm25Encoder(**kwargs)
