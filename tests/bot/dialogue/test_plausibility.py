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


def test_in_every_language_choices_need_a_passage_as_close_as_calibrated(
    ranker: ServiceRanker, twin_retriever: Retriever
) -> None:
    # The floors are fitted by `govbot eval calibration` (eval/calibration.dense_floors);
    # here they are set around the question's own best cosine.
    question = "I need new papers for a journey abroad"
    unfloored = ServiceRanker(twin_retriever, ranker.model.model_copy(update={"dense_floors": {}}))
    plain = unfloored.rank(question, tenant="muenchen", language="en")
    assert plain.plausible  # without floors an English question is not judged
    top = plain.confidence_features["dense_top"]

    def ranked(floors: dict[str, float], language: str = "en") -> bool:
        model = ranker.model.model_copy(update={"dense_floors": floors})
        floored = ServiceRanker(twin_retriever, model)
        return floored.rank(question, tenant="muenchen", language=language).plausible

    assert ranked({"en": top, "default": 0.99})
    assert not ranked({"en": top + 0.001, "default": 0.0})
    assert not ranked({"default": top + 0.001}, language="tr")  # no floor of its own
    assert ranked({"default": top}, language="tr")
