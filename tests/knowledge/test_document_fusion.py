"""Document-level score fusion on small hand-checked candidate lists."""

from __future__ import annotations

import math

import pytest

from knowledge.document_fusion import FusionWeights, fuse_documents, z_scores
from knowledge.index import ScoredPassage
from knowledge.models import Passage

CARD = "Überblick"


def hit(passage_id: str, score: float, section: str = "Inhalt") -> ScoredPassage:
    doc_id = passage_id.split("#")[0]
    passage = Passage(
        passage_id=passage_id,
        doc_id=doc_id,
        tenant="t",
        title=doc_id,
        section=section,
        text=f"text of {passage_id}",
    )
    return ScoredPassage(passage=passage, score=score)


def logistic(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def test_z_scores() -> None:
    assert z_scores({"a": 1.0, "b": 3.0}) == {"a": -1.0, "b": 1.0}
    assert z_scores({"a": 2.0, "b": 2.0}) == {"a": 0.0, "b": 0.0}
    assert z_scores({}) == {}


def test_signals_are_normalised_per_document_and_weighted() -> None:
    dense = [
        hit("t/a#1", 0.90),
        hit("t/a#2", 0.80),  # second passage of a: only the best one counts
        hit("t/b#1", 0.70),
        hit("t/a#0", 0.75, CARD),
        hit("t/b#0", 0.85, CARD),
    ]
    sparse = [hit("t/b#1", 8.0), hit("t/c#1", 4.0)]
    weights = FusionWeights(dense=0.5, sparse=0.2, card=0.3)
    fused = fuse_documents(dense, sparse, weights=weights, card_section=CARD)
    # dense text: a 0.9, b 0.7 -> z a +1, b -1 (c missing -> -1)
    # sparse:     b 8,   c 4   -> z b +1, c -1 (a missing -> -1)
    # card:       a 0.75, b 0.85 -> z a -1, b +1 (c missing -> -1)
    expected = {
        "t/a": 0.5 * 1 + 0.2 * -1 + 0.3 * -1,  # 0.0
        "t/b": 0.5 * -1 + 0.2 * 1 + 0.3 * 1,  # 0.0
        "t/c": 0.5 * -1 + 0.2 * -1 + 0.3 * -1,  # -1.0
    }
    assert [h.passage.doc_id for h in fused] == ["t/a", "t/b", "t/c"]  # a/b tie: by doc id
    for h in fused:
        assert h.score == pytest.approx(logistic(expected[h.passage.doc_id]))
    # the passage shown for a document is its best text passage, never the card
    assert [h.passage.passage_id for h in fused] == ["t/a#1", "t/b#1", "t/c#1"]


def test_a_document_found_only_through_its_card_is_kept() -> None:
    dense = [hit("t/a#1", 0.9), hit("t/b#1", 0.8), hit("t/d#0", 0.95, CARD)]
    fused = fuse_documents(
        dense, [], weights=FusionWeights(dense=0.0, sparse=0.0, card=1.0), card_section=CARD
    )
    assert [h.passage.passage_id for h in fused] == ["t/a#1", "t/b#1", "t/d#0"]
    assert {h.score for h in fused} == {0.5}  # one card: z = 0 for everyone


def test_weights_must_not_be_negative() -> None:
    with pytest.raises(ValueError, match="fusion weight card must be 0 or more"):
        FusionWeights(dense=1.0, sparse=0.2, card=-0.1)
