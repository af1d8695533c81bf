"""The verdict-request classifier (bot/dialogue/verdict.py) with the shipped model file and
the real multilingual-e5-small embedder over the session's Munich index.

The messages below were written for this test and are in no training file (examples file,
tune halves, pools) and in no evaluation set.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answer import AnswerStatus
from bot.assistant import build_engine
from bot.dialogue.engine import DialogueEngine
from bot.dialogue.verdict import DEFAULT_MODEL, VerdictClassifier, VerdictModel, combine
from bot.settings import Settings
from knowledge.errors import ConfigurationError
from knowledge.retrieval import Retriever

# No rule of the grammar knows these wordings; the classifier reads them as verdict requests.
CLASSIFIER_ONLY = [
    ("pl", "Czy urząd zgodzi się na moją prośbę o kartę mieszkańca do parkowania?"),
    ("fr", "La ville va-t-elle m'accorder la carte de stationnement résident ?"),
    ("ro", "Primaria imi da cardul de parcare pentru rezidenti?"),
    ("en", "Will the city give me the resident parking card?"),
    ("ar", "هل ستعطيني البلدية بطاقة موقف السكان؟"),
    ("fa", "آیا شهرداری کارت پارک ساکنین رو به من میده؟"),
]
# Procedural questions: answered, never refused.
PROCEDURAL = [
    ("de", "Welche Nachweise muss ich für den Bewohnerparkausweis vorlegen?"),
    ("en", "Where do I apply for a residents' parking permit?"),
    ("tr", "Oturma izni için randevu nasıl alınır?"),
    ("fr", "Quels documents faut-il pour une carte de stationnement résident ?"),
]
# Procedural questions the classifier alone would refuse (p above the fire threshold):
# asking who helps with an objection asks about the procedure (questions.procedural).
HELD_BACK = [
    (
        "ru",
        "Жилищное управление отклонило мою заявку на субсидию. Кто поможет обжаловать это решение?",
    ),
    ("ro", "Primăria mi-a respins cererea de autorizație. Cine mă poate ajuta cu contestația?"),
]
# The grammar's entitlement rule refuses this question about a service's form; the
# classifier reads it as no verdict request (probability far below 0.5).
VETOED = "Habe ich Anspruch auf eine Kopie meiner Geburtsurkunde in englischer Sprache?"
VETOED_RULE = "decision.entitlement"


def test_the_shipped_model_names_its_embedder_and_training_data() -> None:
    model = VerdictModel.from_file()
    assert model.embedder == "multilingual-e5-small"
    assert model.dim == 384 and len(model.coef) == 385
    assert model.extra_features == ["log_content_words"]
    assert len(model.training.data_hash) == 64
    assert model.training.positives > 150 and model.training.negatives > 4000
    assert 0 < model.veto < model.fire <= 1
    assert all(model.veto < fire <= 1 for fire in model.fire_by_language.values())


def test_a_wrong_embedding_model_is_a_clear_error() -> None:
    classifier = VerdictClassifier(VerdictModel.from_file(), embedder=lambda: "all-MiniLM-L6-v2")
    with pytest.raises(ConfigurationError) as error:
        classifier.probability([0.0] * 384, content_words=2)
    assert str(error.value) == (
        "verdict model trained on 'multilingual-e5-small' embeddings but the index uses "
        "'all-MiniLM-L6-v2'; rebuild it with `govbot eval train-verdict` or set "
        "GOVBOT_DIALOGUE__VERDICT_MODEL=false"
    )


def test_a_damaged_model_file_is_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "verdict_model.json"
    broken.write_text(DEFAULT_MODEL.read_text(encoding="utf-8")[:200], encoding="utf-8")
    with pytest.raises(ConfigurationError, match="cannot load the verdict model"):
        VerdictModel.from_file(broken)


@pytest.mark.parametrize(
    ("probability", "rule", "open_", "verdict"),
    [
        (None, True, False, "rule"),
        (None, False, True, "none"),
        (0.5, True, False, "rule"),
        (0.01, True, False, "vetoed"),
        (0.99, False, True, "classifier"),
        (0.99, False, False, "none"),  # an emergency, a person asked for … keeps its label
        (0.5, False, True, "none"),
        (1.0, False, True, "never"),  # fire 1.0: never
        (0.01, True, False, "rule-if-short"),
        (0.99, False, True, "procedural"),  # who, where, how much …: never fires
        (0.01, True, False, "vetoed-procedural"),  # the grammar's refusal is judged as before
    ],
)
def test_combine(probability: float | None, rule: bool, open_: bool, verdict: str) -> None:
    short = verdict == "rule-if-short"
    fire = 1.0 if verdict == "never" else 0.9
    procedural = verdict.endswith("procedural")
    expected = {
        "rule-if-short": "rule",
        "never": "none",
        "procedural": "none",
        "vetoed-procedural": "vetoed",
    }.get(verdict, verdict)
    outcome = combine(
        probability,
        rule_decision=rule,
        service_question=open_,
        fire=fire,
        veto=0.05,
        short=short,
        procedural=procedural,
    )
    assert outcome == expected


def test_a_short_verdict_request_is_never_vetoed(engine: DialogueEngine) -> None:
    triage = engine.triage("Steht mir ein Bewohnerparkausweis zu?", tenant="muenchen")
    assert triage.decision.status is AnswerStatus.REFUSED_DECISION
    assert triage.verdict is not None and triage.verdict.verdict == "rule"


@pytest.mark.parametrize(("language", "message"), CLASSIFIER_ONLY)
def test_a_verdict_request_the_grammar_misses_is_refused_by_the_classifier(
    engine: DialogueEngine, language: str, message: str
) -> None:
    answer = engine.respond(message, tenant="muenchen")
    assert answer.status is AnswerStatus.REFUSED_DECISION, answer.trace.verdict
    assert answer.trace.matched_rule == "decision.classifier"
    check = answer.trace.verdict
    assert check is not None and check.verdict == "classifier"
    assert check.probability >= check.fire
    assert answer.handoff_offered  # the no-verdict answer offers a person
    assert answer.language == language


@pytest.mark.parametrize(("language", "message"), PROCEDURAL)
def test_a_procedural_question_is_not_refused(
    engine: DialogueEngine, language: str, message: str
) -> None:
    triage = engine.triage(message, tenant="muenchen")
    assert triage.decision.status is not AnswerStatus.REFUSED_DECISION, triage.verdict
    assert triage.verdict is not None and triage.verdict.verdict == "none"


@pytest.mark.parametrize(("language", "message"), HELD_BACK)
def test_a_procedural_question_form_holds_the_classifier_back(
    engine: DialogueEngine, language: str, message: str
) -> None:
    triage = engine.triage(message, tenant="muenchen")
    check = triage.verdict
    assert check is not None and check.probability >= check.fire, check  # it would fire
    assert check.verdict == "none"
    assert triage.decision.status is not AnswerStatus.REFUSED_DECISION
    assert triage.decision.language == language


def test_a_vetoed_refusal_is_answered_and_audited(
    munich_index: Settings, munich_retriever: Retriever, tmp_path: Path
) -> None:
    # A model file with a higher veto than the shipped one (the mechanism, not the value):
    # the grammar's entitlement rule fires on a question the classifier scores low.
    shipped = VerdictModel.from_file()
    strict = tmp_path / "verdict_model.json"
    strict.write_text(shipped.model_copy(update={"veto": 0.5}).model_dump_json(), "utf-8")
    settings = munich_index.model_copy(deep=True)
    settings.dialogue.verdict_model_path = strict
    engine = build_engine(settings, munich_retriever)
    answer = engine.respond(VETOED, tenant="muenchen")
    check = answer.trace.verdict
    assert check is not None and check.verdict == "vetoed", check
    assert check.rule_id == VETOED_RULE and check.probability < 0.5
    assert answer.status is not AnswerStatus.REFUSED_DECISION
    assert answer.trace.matched_rule == f"{VETOED_RULE}.vetoed"


def test_switched_off_the_grammar_decides_alone(
    munich_index: Settings, munich_retriever: Retriever
) -> None:
    settings = munich_index.model_copy(deep=True)
    settings.dialogue.verdict_model = False
    engine = build_engine(settings, munich_retriever)
    triage = engine.triage(CLASSIFIER_ONLY[0][1], tenant="muenchen")
    assert triage.verdict is None
    assert triage.decision.status is not AnswerStatus.REFUSED_DECISION


def test_an_emergency_is_never_turned_into_a_refusal(engine: DialogueEngine) -> None:
    triage = engine.triage(
        "Mein Vater ist umgekippt und atmet nicht, bekomme ich sofort Hilfe?", tenant="muenchen"
    )
    assert triage.decision.status is AnswerStatus.EMERGENCY
    assert triage.verdict is None
