"""The card feature of the re-ranker and the confidence model (bot/dialogue/ranking.py,
eighth session): each document's card (title, breadcrumb, headings, keywords) is kept
apart from its text passages, and ``card_gap`` says how far the card of a candidate is
from the card closest to the question. With the real re-ranker on the real index of
twelve Munich services (tests/conftest.py munich_index)."""

from __future__ import annotations

import pytest

from bot.dialogue.ranking import CARD_SECTION, RankingModel, ServiceRanker
from knowledge.retrieval import Retriever

QUESTION = "Was kostet ein Reisepass?"


@pytest.fixture(scope="module")
def ranker(munich_retriever: Retriever) -> ServiceRanker:
    return ServiceRanker(munich_retriever, RankingModel.from_yaml())


def test_the_card_cosines_are_those_of_the_cards_alone(
    ranker: ServiceRanker, munich_retriever: Retriever
) -> None:
    retrieved = ranker.retrieve(QUESTION, tenant="muenchen")
    passages = munich_retriever.search_passages(QUESTION, tenant="muenchen", mode="dense")
    cards: dict[str, float] = {}
    for scored in passages:
        if scored.passage.section == CARD_SECTION:
            doc = scored.passage.doc_id
            cards[doc] = max(cards.get(doc, scored.score), scored.score)
    assert cards, "every service has a card"
    assert retrieved.card == pytest.approx(cards)
    # A document's best passage is its card or closer.
    assert all(retrieved.dense[doc] >= cosine for doc, cosine in retrieved.card.items())


def test_card_gap_is_zero_for_the_closest_card_and_negative_for_the_others(
    ranker: ServiceRanker,
) -> None:
    retrieved = ranker.retrieve(QUESTION, tenant="muenchen")
    ranking = ranker.score(retrieved, query=QUESTION, tenant="muenchen", original=QUESTION)
    top_card = max(retrieved.card.values())
    closest = max(retrieved.card, key=lambda doc: retrieved.card[doc])
    for candidate in ranking.candidates:
        doc = candidate.hit.doc_id
        expected = retrieved.card.get(doc, min(retrieved.card.values())) - top_card
        assert candidate.features["card_gap"] == pytest.approx(expected)
        assert candidate.features["card_gap"] <= 0.0
    assert ranking.best is not None
    assert ranking.best.hit.doc_id == closest  # the passport service's card is closest
    assert ranking.confidence_features["card_gap"] == 0.0


def test_the_confidence_rises_with_the_card_of_the_best_candidate(ranker: ServiceRanker) -> None:
    # The fitted model (ranking.yaml) weighs card_gap: when another document's card is
    # closer to the question than the best candidate's, the confidence falls.
    assert ranker.model.confidence_weights["card_gap"] > 0.0
    retrieved = ranker.retrieve(QUESTION, tenant="muenchen")
    best = max(retrieved.card, key=lambda doc: retrieved.card[doc])
    others = {doc: c for doc, c in retrieved.card.items() if doc != best}
    # Put another card 0.05 ahead of the best candidate's: only card_gap changes.
    rival = max(others, key=lambda doc: others[doc])
    ahead = {**retrieved.card, rival: retrieved.card[best] + 0.05}
    kwargs = {"query": QUESTION, "tenant": "muenchen", "original": QUESTION}
    before = ranker.score(retrieved, **kwargs)
    after = ranker.score(retrieved.model_copy(update={"card": ahead}), **kwargs)
    assert after.best is not None and after.best.hit.doc_id == before.best.hit.doc_id
    assert after.confidence_features["card_gap"] == pytest.approx(-0.05)
    assert after.confidence < before.confidence


def test_rows_without_card_cosines_read_as_no_card_evidence(ranker: ServiceRanker) -> None:
    # Calibration rows retrieved before the card was kept apart have no ``card``: every
    # candidate's card_gap is 0, the other features are unchanged.
    retrieved = ranker.retrieve(QUESTION, tenant="muenchen").model_copy(update={"card": {}})
    ranking = ranker.score(retrieved, query=QUESTION, tenant="muenchen", original=QUESTION)
    assert all(c.features["card_gap"] == 0.0 for c in ranking.candidates)
