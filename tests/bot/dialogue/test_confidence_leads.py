"""The rank features of the confidence models (bot/dialogue/ranking.py, issue 13 item 4):
how far the best dense and fused scores lead their runner-up, measured on the question's
own ten best documents, so that they do not depend on the absolute cosine scale. With the
real re-ranker on real indexes of twelve Munich services (tests/conftest.py munich_index)
and of six (tests/bot/conftest.py twin_index)."""

from __future__ import annotations

import pytest

from bot.dialogue.ranking import RankingModel, Retrieved, ServiceRanker
from knowledge.retrieval import Retriever

QUESTION = "Ich brauche einen neuen Reisepass für eine Reise"


@pytest.fixture(scope="module")
def ranker(munich_retriever: Retriever) -> ServiceRanker:
    return ServiceRanker(munich_retriever, RankingModel.from_yaml())


@pytest.fixture(scope="module")
def small(twin_retriever: Retriever) -> ServiceRanker:
    return ServiceRanker(twin_retriever, RankingModel.from_yaml())


def _features(
    ranker: ServiceRanker, retrieved: Retrieved, language: str = "de"
) -> dict[str, float]:
    ranking = ranker.score(
        retrieved, query=QUESTION, tenant="muenchen", original=QUESTION, language=language
    )
    return ranking.confidence_features


def test_the_dense_lead_is_the_runner_up_gap_over_the_fall_to_the_tenth(
    ranker: ServiceRanker,
) -> None:
    retrieved = ranker.retrieve(QUESTION, tenant="muenchen")
    cosines = sorted(retrieved.dense.values(), reverse=True)
    assert len(cosines) >= 10  # twelve services
    spread = cosines[0] - cosines[9]
    features = _features(ranker, retrieved)
    assert features["dense_spread"] == pytest.approx(spread)
    assert features["dense_lead"] == pytest.approx((cosines[0] - cosines[1]) / spread)
    assert 0.0 < features["dense_lead"] <= 1.0
    assert 0.0 <= features["fused_lead"] <= 1.0


def test_the_leads_do_not_depend_on_the_cosine_scale(ranker: ServiceRanker) -> None:
    # Another embedding model or a query adapter that stretches and shifts every cosine
    # (here x -> 0.5 x + 0.4) changes the absolute features but not the leads.
    retrieved = ranker.retrieve(QUESTION, tenant="muenchen")
    stretched = retrieved.model_copy(
        update={
            "dense": {doc: 0.5 * c + 0.4 for doc, c in retrieved.dense.items()},
            "hits": [h.model_copy(update={"score": 3.0 * h.score + 1.0}) for h in retrieved.hits],
        }
    )
    before, after = _features(ranker, retrieved), _features(ranker, stretched)
    assert after["dense_top"] != pytest.approx(before["dense_top"])
    assert after["dense_lead"] == pytest.approx(before["dense_lead"])
    assert after["fused_lead"] == pytest.approx(before["fused_lead"])
    assert after["dense_spread"] == pytest.approx(0.5 * before["dense_spread"])


def test_a_list_of_fewer_than_ten_documents_gets_the_calibrated_defaults(
    small: ServiceRanker, twin_retriever: Retriever
) -> None:
    # The twin index holds six services: no tenth document to measure a lead against.
    # The leads are then the calibration questions' means (`lead_defaults`, written by
    # `govbot eval calibration --write`), so a small tenant's short list neither inflates
    # nor lowers the confidence.
    retrieved = small.retrieve(QUESTION, tenant="muenchen")
    assert len(retrieved.dense) < 10
    defaults = small.model.lead_defaults
    assert set(defaults) == {"dense_lead", "dense_spread", "fused_lead"}
    features = _features(small, retrieved)
    assert {name: features[name] for name in defaults} == defaults
    unfitted = ServiceRanker(twin_retriever, small.model.model_copy(update={"lead_defaults": {}}))
    bare = _features(unfitted, retrieved)
    assert (bare["dense_lead"], bare["dense_spread"], bare["fused_lead"]) == (0.0, 0.0, 0.0)
