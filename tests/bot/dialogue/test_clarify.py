"""Clarifying choices (issue 12 item 2) with the shipped, calibrated ranking model on a
real index where two real Munich services fit one question equally well."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.answer import Answer, AnswerStatus, Turn
from bot.assistant import build_engine
from bot.dialogue.engine import DialogueEngine
from bot.dialogue.policy import Policy
from bot.dialogue.ranking import DEFAULT_MODEL, MAX_OPTIONS, RankingModel
from bot.settings import Settings
from knowledge.errors import ConfigurationError, InvalidQueryError
from knowledge.retrieval import Retriever
from tests.bot.conftest import TRAVEL

AMBIGUOUS = "Ich brauche neue Papiere für eine Reise"


@pytest.fixture(scope="module")
def engine(twin_retriever: Retriever, twin_index: Settings) -> DialogueEngine:
    return build_engine(twin_index, twin_retriever, policy=Policy.from_yaml())


def _turns(question: str, answer: Answer) -> list[Turn]:
    return [
        Turn(role="citizen", text=question),
        Turn(role="bot", text=answer.text, doc_ids=answer.doc_ids),
    ]


def test_two_equally_plausible_services_are_offered_as_choices(engine: DialogueEngine) -> None:
    answer = engine.respond(AMBIGUOUS, tenant="muenchen", history=[])
    assert answer.status is AnswerStatus.CLARIFY
    assert set(TRAVEL) <= set(answer.option_ids)
    assert 2 <= len(answer.options) <= 4
    assert answer.citations == []
    assert answer.text.startswith("Dazu passen mehrere Leistungen. Welche meinen Sie?")
    for option in answer.options:
        assert option.title and f"- {option.title}" in answer.text
        assert 0 < len(option.summary) <= 160 and "\n" not in option.summary


def test_a_choice_answers_the_original_question_from_that_service(
    engine: DialogueEngine,
) -> None:
    first = engine.respond(AMBIGUOUS, tenant="muenchen", history=[])
    chosen = next(o for o in first.options if o.doc_id == TRAVEL[1])
    answer = engine.respond(
        chosen.title, tenant="muenchen", history=_turns(AMBIGUOUS, first), choice=chosen.doc_id
    )
    assert answer.status is AnswerStatus.ANSWERED
    assert answer.doc_ids == [TRAVEL[1]]
    assert answer.trace.matched_rule == "clarify.choice"
    assert answer.trace.understanding is not None
    assert answer.trace.understanding.text == AMBIGUOUS  # the question, not the button
    follow_up = engine.respond(
        "Und was kostet das?",
        tenant="muenchen",
        history=[*_turns(AMBIGUOUS, first), *_turns(chosen.title, answer)],
    )
    assert follow_up.doc_ids == [TRAVEL[1]]


def test_a_clear_question_is_answered_without_choices(engine: DialogueEngine) -> None:
    answer = engine.respond("Was kostet ein Reisepass?", tenant="muenchen", history=[])
    assert answer.status is AnswerStatus.ANSWERED
    assert answer.doc_ids == ["muenchen/1063453"]
    assert answer.options == []


def test_nothing_plausible_is_not_found_without_choices(engine: DialogueEngine) -> None:
    answer = engine.respond("Wie beantrage ich Wohngeld?", tenant="muenchen", history=[])
    assert answer.status is AnswerStatus.UNANSWERABLE
    assert answer.options == []


def test_services_the_question_does_not_name_are_never_offered(
    twin_retriever: Retriever, twin_index: Settings
) -> None:
    """Issue 12 item 2: "I don't know" only when nothing plausible was found, and a topic
    the city lacks gets "not found", not choices of unrelated services: even a deployment
    that asks at a low reach offers none for a German question that names no choice."""
    asking = twin_index.model_copy(deep=True)
    asking.dialogue.clarify_confidence = 0.05
    engine = build_engine(asking, twin_retriever, policy=Policy.from_yaml())
    missing = engine.respond("Wie beantrage ich Wohngeld?", tenant="muenchen", history=[])
    assert (missing.status, missing.options) == (AnswerStatus.UNANSWERABLE, [])
    ambiguous = engine.respond(AMBIGUOUS, tenant="muenchen", history=[])
    assert ambiguous.status is AnswerStatus.CLARIFY  # the travel documents are named
    assert set(TRAVEL) <= set(ambiguous.option_ids)


def test_up_to_the_models_number_of_choices_is_offered(engine: DialogueEngine) -> None:
    """The shipped model offers up to four choices (chosen by cross-validation against
    three, docs/policy.md section 5), one per service."""
    assert RankingModel.from_yaml().options == 4
    answer = engine.respond(AMBIGUOUS, tenant="muenchen", history=[])
    assert 2 <= len(answer.options) <= 4
    assert len({o.doc_id for o in answer.options}) == len(answer.options)


def test_a_model_fitted_for_five_choices_offers_five(
    twin_retriever: Retriever, twin_index: Settings, tmp_path: Path
) -> None:
    """The number of choices is the model's (`govbot eval calibration --options 5`), up to
    MAX_OPTIONS; the twin index has six services with six titles, so five are offered and
    the fifth can be chosen."""
    five = RankingModel.from_yaml().model_copy(update={"options": MAX_OPTIONS})
    engine = build_engine(twin_index, twin_retriever, policy=Policy.from_yaml(), ranking=five)
    answer = engine.respond(AMBIGUOUS, tenant="muenchen", history=[])
    assert answer.status is AnswerStatus.CLARIFY
    assert len(answer.options) == MAX_OPTIONS == 5
    assert len({o.doc_id for o in answer.options}) == MAX_OPTIONS
    last = answer.options[-1]
    chosen = engine.respond(
        last.title, tenant="muenchen", history=_turns(AMBIGUOUS, answer), choice=last.doc_id
    )
    assert chosen.status is AnswerStatus.ANSWERED and chosen.doc_ids == [last.doc_id]
    too_many = tmp_path / "ranking.yaml"
    shipped = yaml.safe_load(DEFAULT_MODEL.read_text(encoding="utf-8"))
    too_many.write_text(yaml.safe_dump(shipped | {"options": MAX_OPTIONS + 1}), encoding="utf-8")
    with pytest.raises(ConfigurationError, match="options"):
        RankingModel.from_yaml(too_many)


def test_a_question_in_another_language_reaches_a_travel_document(
    engine: DialogueEngine,
) -> None:
    # Issue 13 item 4: no word of it occurs in the German pages; the language-neutral
    # features (dense similarity and margins) and the language term decide.
    question = "Мені потрібні нові документи для подорожі"
    answer = engine.respond(question, tenant="muenchen", history=[], language="uk")
    assert answer.language == "uk"
    assert answer.status in (AnswerStatus.ANSWERED, AnswerStatus.CLARIFY)
    assert set(TRAVEL) & {*answer.doc_ids, *answer.option_ids}
    if answer.status is AnswerStatus.CLARIFY:
        assert answer.text.startswith("Вашому питанню відповідають кілька послуг.")


def test_a_choice_of_another_tenant_is_refused(engine: DialogueEngine) -> None:
    with pytest.raises(InvalidQueryError, match="no service of tenant 'muenchen'"):
        engine.respond("Pass", tenant="muenchen", history=[], choice="lkaugsburg/1")


def test_a_structured_service_keeps_its_summary_under_a_choice(
    engine: DialogueEngine, twin_retriever: Retriever
) -> None:
    """Issue 17 item 2 changes the line of information pages only: a DLDB service's
    editors' summary says what it is (tests/bot/compose/test_short_answers.py has pages)."""
    answer = engine.respond(AMBIGUOUS, tenant="muenchen", history=[])
    for option in answer.options:
        service = twin_retriever.get_service(option.doc_id)
        assert service is not None
        assert " ".join(service.summary.split()).startswith(option.summary.removesuffix(" …"))
