"""The plausibility gate of the clarifying choices (bot/dialogue/ranking.py, issue 12):
a German question gets choices only if it names one of them, with the real re-ranker on
a real index of six Munich services (tests/bot/conftest.py twin_index)."""

from __future__ import annotations

import pytest

from bot.dialogue.ranking import RankingModel, ServiceRanker
from knowledge.retrieval import Retriever

REISEPASS = "muenchen/1063453"


@pytest.fixture(scope="module")
def ranker(twin_retriever: Retriever) -> ServiceRanker:
    return ServiceRanker(twin_retriever, RankingModel.from_yaml())


def test_a_compound_names_a_choice_by_its_parts(ranker: ServiceRanker) -> None:
    # "Kinderreisepass" is no word of any title or keyword, but its head is ("Reisepass"):
    # the compound splitter of knowledge/compounds.py finds it.
    ranking = ranker.rank("Wie lange gilt ein Kinderreisepass?", tenant="muenchen")
    assert REISEPASS in [c.hit.doc_id for c in ranking.choices]
    assert all(c.features["named"] == 0.0 for c in ranking.choices)  # whole words: none
    assert ranking.plausible


def test_a_topic_no_choice_names_is_not_plausible(ranker: ServiceRanker) -> None:
    # "Wohngeld" splits into "wohn" and "geld": neither names a travel document, a
    # marriage, a certificate of conduct or a vehicle.
    assert not ranker.rank("Wie beantrage ich Wohngeld?", tenant="muenchen").plausible
