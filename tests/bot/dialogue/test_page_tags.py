"""An Integreat page's tags are body words to the confidence model (issue 17 item 1)."""

from __future__ import annotations

from bot.dialogue.ranking import RankingModel, ServiceRanker
from knowledge.retrieval import Retriever

WELCOME = (
    "lkaugsburg/5484720"  # "Herzlich Willkommen", tags: Willkommen, …, Neubürger, Orientierung
)


def test_a_pages_tags_cover_the_question_but_do_not_name_its_topic(
    two_towns_retriever: Retriever,
) -> None:
    """The model (ranking.yaml) was fitted while the tags were page text: they count as
    covered words, and only the title names the topic, as then."""
    page = two_towns_retriever.get_service(WELCOME)
    assert page is not None and "Neubürger" in page.keywords
    ranker = ServiceRanker(two_towns_retriever, RankingModel.from_yaml())
    ranking = ranker.rank("Orientierung für Neubürger", tenant="lkaugsburg")
    welcome = next(c for c in ranking.candidates if c.hit.doc_id == WELCOME)
    assert welcome.features["named"] == 0.0
    assert welcome.features["covered"] == 1.0
