"""Graded help (issue #16) with the real policy, the real embedder and a real Munich index:
present danger gets the numbers first and alone, illness gets 116 117 and the normal
answer, social urgency gets the counselling lines and the service answer, and short
everyday requests are ordinary."""

from __future__ import annotations

import pytest

from bot.answer import AnswerStatus, HelpGrade
from bot.assistant import build_engine
from bot.dialogue.engine import DialogueEngine
from bot.dialogue.policy import Policy, PolicyLabel
from bot.settings import Settings
from knowledge.retrieval import Retriever

SUICIDE_LINE = "0800 111 0 111"


@pytest.fixture(scope="module")
def engine(munich_index: Settings, munich_retriever: Retriever) -> DialogueEngine:
    return build_engine(munich_index, munich_retriever, policy=Policy.from_yaml())


@pytest.mark.parametrize(
    ("message", "grade", "rule"),
    [
        ("Es brennt in meiner Küche!", HelpGrade.DANGER, "emergency.fire"),
        ("Mein Mann schlägt mich gerade", HelpGrade.DANGER, "emergency.violence"),
        ("Ich will mich umbringen", HelpGrade.DANGER, "emergency.suicide"),
        ("Мій чоловік не дихає", HelpGrade.DANGER, "emergency.languages"),
        ("ich bin krank", HelpGrade.URGENT, "urgent.illness"),
        ("mein kind ist krank", HelpGrade.URGENT, "urgent.illness"),
        ("positiv getestet, wie lange Quarantäne?", HelpGrade.URGENT, "urgent.infection"),
        ("Kinderarzt am Wochenende", HelpGrade.URGENT, "urgent.doctor"),
        ("Ich bin obdachlos", HelpGrade.SOCIAL, "social.homeless"),
        ("kein geld für essen", HelpGrade.SOCIAL, "social.no_money"),
        (
            "Mein Mann hat mich letztes Jahr geschlagen, wo finde ich Beratung?",
            HelpGrade.SOCIAL,
            "emergency.violence.past",
        ),
    ],
)
def test_grades_and_their_evidence(
    engine: DialogueEngine, message: str, grade: HelpGrade, rule: str
) -> None:
    triage = engine.triage(message, tenant="muenchen")
    assert triage.help is not None
    assert (triage.help.grade, triage.help.source, triage.help.rule_id) == (grade, "rule", rule)


@pytest.mark.parametrize(
    "message",
    [
        "ich will mich anmelden",
        "Perso abholen",
        "wohnung gesucht",
        "Ausweis abgelaufen",
        "Ich möchte mich ummelden",
        "Wir suchen eine Wohnung",
        "Ich möchte Kirchenaustritt erklären",
        "fürungszeugnis beantragen",
        "auskunftssperre stalking",
    ],
)
def test_short_everyday_requests_are_ordinary(engine: DialogueEngine, message: str) -> None:
    assert engine.triage(message, tenant="muenchen").help is None


def test_danger_is_the_numbers_first_and_alone(engine: DialogueEngine) -> None:
    answer = engine.respond("Es brennt in meiner Küche!", tenant="muenchen")
    assert (answer.status, answer.help_grade) == (AnswerStatus.EMERGENCY, HelpGrade.DANGER)
    assert answer.text.index("112") < 120 and not answer.citations
    assert answer.trace.help is not None and answer.trace.help.rule_id == "emergency.fire"


def test_urgent_is_116117_then_the_normal_answer_without_the_suicide_line(
    engine: DialogueEngine,
) -> None:
    answer = engine.respond(
        "Mein Kind ist krank, brauche ich einen neuen Kinderreisepass?", tenant="muenchen"
    )
    assert answer.status is not AnswerStatus.EMERGENCY
    assert answer.help_grade is HelpGrade.URGENT
    assert answer.help_text is not None and answer.text.startswith(answer.help_text)
    assert "116 117" in answer.help_text and SUICIDE_LINE not in answer.text
    assert answer.trace.policy_label == PolicyLabel.URGENT_HELP.value


def test_a_past_fire_gets_the_service_answer_not_the_emergency_numbers(
    engine: DialogueEngine,
) -> None:
    answer = engine.respond(
        "Nach dem Brand letzte Woche ist mein Personalausweis verloren, wie beantrage ich "
        "einen neuen Personalausweis?",
        tenant="muenchen",
    )
    assert answer.status is not AnswerStatus.EMERGENCY
    assert answer.help_grade is HelpGrade.SOCIAL and answer.help_text
    assert "112" not in answer.help_text
    assert answer.trace.help is not None
    assert answer.trace.help.rule_id == "emergency.fire.past"
    assert {"muenchen/1076889", "muenchen/1063441"} & set(answer.candidate_doc_ids)


def test_decision_requests_keep_refused_decision_in_a_crisis(engine: DialogueEngine) -> None:
    answer = engine.respond(
        "Habe ich Anspruch auf Wohngeld, wenn ich krank bin?", tenant="muenchen"
    )
    assert answer.status is AnswerStatus.REFUSED_DECISION


def test_semantic_danger_names_its_evidence(
    munich_index: Settings, munich_retriever: Retriever
) -> None:
    # The net's own evidence: without the present-danger classifier, which would fire
    # first on this message (its evidence: tests/bot/dialogue/test_danger.py).
    settings = munich_index.model_copy(deep=True)
    settings.dialogue.danger_model = False
    engine = build_engine(settings, munich_retriever, policy=Policy.from_yaml())
    triage = engine.triage("Jemand liegt regungslos vor unserer Haustür", tenant="muenchen")
    assert triage.help is not None and triage.help.source == "semantic"
    assert triage.help.similarity is not None and triage.help.nearest
    assert triage.help.counter_similarity is not None
