"""The present-danger classifier (bot/dialogue/danger.py) with the shipped model file and the
real multilingual-e5-small embedder over the session's Munich index.

The messages below were written for this test and are in no training file (examples file,
tune halves, pools): present emergencies in several languages, and short everyday
requests that contain an alarming word.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.answer import AnswerStatus, HelpGrade
from bot.assistant import build_engine
from bot.dialogue.danger import DEFAULT_MODEL, DangerClassifier, DangerModel, combine
from bot.dialogue.engine import DialogueEngine
from bot.settings import Settings
from knowledge.errors import ConfigurationError
from knowledge.retrieval import Retriever

PRESENT_DANGER = [
    ("de", "Meine Oma ist in der Küche umgekippt und reagiert nicht mehr"),
    ("en", "My husband collapsed in the kitchen and is not breathing"),
    ("fr", "Ma fille a avalé des médicaments et ne se réveille plus"),
    ("uk", "Мій син впав з балкона і не рухається"),
    ("ar", "زوجي سقط على الأرض ولا يتنفس"),
    ("tr", "Annem nefes alamıyor, dudakları morardı"),
    # Short: the grammar's grade stands whatever the model says (it scores short text low).
    ("de", "Ich brauche sofort einen Notarzt"),
]
# No rule of the grammar knows this wording; the classifier reads it as present danger.
CLASSIFIER_ONLY = "Ein Kind ist in den Weiher gefallen und taucht nicht mehr auf"
ORDINARY_ALARMING = [
    "waffenbesitzkarte verlängern",
    "sterbeurkunde beantragen",
    "feuerwerk anmelden silvester",
    "unfallbericht polizei kopie",
    "perso gestohlen was tun",
    "brandschutz auflagen gaststätte",
]


def test_the_shipped_model_names_its_embedder_and_training_data() -> None:
    model = DangerModel.from_file()
    assert model.embedder == "multilingual-e5-small"
    assert model.dim == 384 and len(model.coef) == 386
    assert len(model.training.data_hash) == 64
    assert model.training.positives > 100 and model.training.negatives > 4000
    assert 0 < model.veto < model.fire < 1


def test_a_wrong_embedding_model_is_a_clear_error() -> None:
    classifier = DangerClassifier(DangerModel.from_file(), embedder=lambda: "all-MiniLM-L6-v2")
    with pytest.raises(ConfigurationError) as error:
        classifier.probability([0.0] * 384, past=False, content_words=2)
    assert str(error.value) == (
        "danger model trained on 'multilingual-e5-small' embeddings but the index uses "
        "'all-MiniLM-L6-v2'; rebuild it with `govbot eval train-danger` or set "
        "GOVBOT_DIALOGUE__DANGER_MODEL=false"
    )


def test_a_damaged_model_file_is_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "danger_model.json"
    broken.write_text(DEFAULT_MODEL.read_text(encoding="utf-8")[:200], encoding="utf-8")
    with pytest.raises(ConfigurationError, match="cannot load the danger model"):
        DangerModel.from_file(broken)


@pytest.mark.parametrize(("language", "message"), PRESENT_DANGER)
def test_a_present_emergency_is_danger_in_every_language(
    engine: DialogueEngine, language: str, message: str
) -> None:
    triage = engine.triage(message, tenant="muenchen")
    assert triage.help is not None and triage.help.grade is HelpGrade.DANGER, triage
    assert triage.danger is not None and triage.danger.verdict in ("rule", "net", "classifier")


def test_a_vague_short_sentence_is_no_danger(engine: DialogueEngine) -> None:
    # Models before the statement pool scored this vague sentence 0.998; the net's
    # eligibility rule kept it out, and ``fire_alone`` now keeps such sentences out.
    triage = engine.triage("Dazu habe ich nichts gefunden.", tenant="muenchen")
    assert triage.help is None or triage.help.grade is not HelpGrade.DANGER, triage


@pytest.mark.parametrize("message", ORDINARY_ALARMING)
def test_an_ordinary_short_request_with_an_alarming_word_is_not(
    engine: DialogueEngine, message: str
) -> None:
    triage = engine.triage(message, tenant="muenchen")
    assert triage.help is None or triage.help.grade is not HelpGrade.DANGER, triage
    assert triage.danger is not None and triage.danger.probability < triage.danger.fire


def test_the_evidence_names_the_classifier_and_its_probability(engine: DialogueEngine) -> None:
    answer = engine.respond(CLASSIFIER_ONLY, tenant="muenchen")
    assert answer.status is AnswerStatus.EMERGENCY
    assert answer.trace.matched_rule == "emergency.classifier"
    help_, danger = answer.trace.help, answer.trace.danger
    assert danger is not None and danger.verdict == "classifier"
    assert help_ is not None and help_.source == "classifier"
    assert help_.probability == danger.probability and danger.probability >= danger.fire
    assert "112" in answer.text


def test_where_the_net_does_not_lean_to_danger_the_classifier_needs_fire_alone(
    engine: DialogueEngine,
) -> None:
    # Three content words and no danger cue of the net's examples: the net does not judge it.
    model = DangerModel.from_file()
    triage = engine.triage("the sofa is in flames", tenant="muenchen")
    danger = triage.danger
    assert danger is not None and danger.verdict == "classifier", danger
    assert danger.fire == model.fire_alone > model.fire and danger.probability >= danger.fire
    assert triage.help is not None and triage.help.grade is HelpGrade.DANGER


def test_a_net_hit_stands_only_at_the_nets_own_threshold(
    munich_index: Settings, munich_retriever: Retriever, tmp_path: Path
) -> None:
    message = "flat full of smoke"  # the net fires on it; the shipped model lets it stand
    shipped = build_engine(munich_index, munich_retriever).triage(message, tenant="muenchen")
    assert shipped.danger is not None and shipped.danger.verdict == "net", shipped.danger
    assert shipped.danger.net == DangerModel.from_file().net
    # A model file whose net threshold lies above that probability (the mechanism, not the
    # value): the hit no longer stands.
    model = DangerModel.from_file()
    strict = tmp_path / "danger_model.json"
    strict.write_text(model.model_copy(update={"net": model.fire}).model_dump_json(), "utf-8")
    settings = munich_index.model_copy(deep=True)
    settings.dialogue.danger_model_path = strict
    triage = build_engine(settings, munich_retriever).triage(message, tenant="muenchen")
    assert triage.danger is not None and triage.danger.verdict == "none", triage.danger
    assert triage.danger.net == model.fire > triage.danger.probability
    assert triage.help is None or triage.help.grade is not HelpGrade.DANGER


def test_switched_off_the_grammar_and_the_net_decide_alone(
    munich_index: Settings, munich_retriever: Retriever
) -> None:
    settings = munich_index.model_copy(deep=True)
    settings.dialogue.danger_model = False
    engine = build_engine(settings, munich_retriever)
    triage = engine.triage(CLASSIFIER_ONLY, tenant="muenchen")
    assert triage.danger is None
    assert triage.help is None or triage.help.source != "classifier"


@pytest.mark.parametrize(
    ("probability", "rule", "net", "overrulable", "verdict"),
    [
        (None, True, False, False, "rule"),
        (0.01, True, False, False, "rule-if-short"),
        (None, False, True, True, "net"),
        (0.5, True, False, False, "rule"),
        (0.01, True, False, False, "vetoed"),
        (0.99, False, False, True, "classifier"),
        (0.99, False, False, False, "none"),  # a handoff or decision label keeps its answer
        (0.5, False, True, True, "net"),
        (0.01, False, True, True, "none"),  # the net alone, vetoed
        (0.5, False, False, True, "none"),
    ],
)
def test_combine(
    probability: float | None, rule: bool, net: bool, overrulable: bool, verdict: str
) -> None:
    short = verdict == "rule-if-short"
    expected = "rule" if short else verdict
    assert (
        combine(
            probability,
            rule_danger=rule,
            net_danger=net,
            overrulable=overrulable,
            fire=0.9,
            veto=0.05,
            short=short,
        )
        == expected
    )


@pytest.mark.parametrize(
    ("probability", "net", "leans", "verdict"),
    [
        (0.95, False, True, "classifier"),  # the net leans to danger: ``fire``
        (0.95, False, False, "none"),  # it does not: ``fire_alone``
        (0.995, False, False, "classifier"),
        (0.2, True, True, "none"),  # a net hit below its own threshold
        (0.4, True, True, "net"),
    ],
)
def test_combine_with_the_thresholds_of_the_eighth_session(
    probability: float, net: bool, leans: bool, verdict: str
) -> None:
    outcome = combine(
        probability,
        rule_danger=False,
        net_danger=net,
        overrulable=True,
        leans=leans,
        fire=0.9,
        fire_alone=0.99,
        net=0.3,
        veto=0.05,
    )
    assert outcome == verdict


def test_a_model_file_without_the_new_thresholds_reads_as_before(tmp_path: Path) -> None:
    shipped = json.loads(DEFAULT_MODEL.read_text("utf-8"))
    old = {k: v for k, v in shipped.items() if k not in ("fire_alone", "net")}
    path = tmp_path / "danger_model.json"
    path.write_text(json.dumps(old), "utf-8")
    model = DangerModel.from_file(path)
    assert model.fire_alone == 1.0 and model.net is None and model.net_floor == model.veto
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({**old, "fire_alone": old["fire"] / 2}), "utf-8")
    with pytest.raises(ConfigurationError, match="fire_alone"):
        DangerModel.from_file(broken)


def test_a_vetoed_danger_grade_is_answered_and_audited(
    munich_index: Settings, munich_retriever: Retriever, tmp_path: Path
) -> None:
    # A model file with a higher veto than the shipped one (the mechanism, not the value):
    # the grammar's medical rule fires on a study question the classifier scores low.
    # (Suicide named in a study is a topic of the grammar itself now: social.suicide_topic.)
    shipped = DangerModel.from_file()
    strict = tmp_path / "danger_model.json"
    strict.write_text(shipped.model_copy(update={"veto": 0.5}).model_dump_json(), "utf-8")
    settings = munich_index.model_copy(deep=True)
    settings.dialogue.danger_model_path = strict
    engine = build_engine(settings, munich_retriever)
    answer = engine.respond(
        "Für meine Hausarbeit im Fach Soziologie suche ich Zahlen, wie oft Menschen in Bayern"
        " bewusstlos aufgefunden werden",
        tenant="muenchen",
    )
    danger = answer.trace.danger
    assert danger is not None and danger.verdict == "vetoed", danger
    assert danger.rule_id == "emergency.medical" and danger.probability < 0.5
    assert danger.sentence_probability is None  # one sentence: nothing else to read
    assert answer.status is not AnswerStatus.EMERGENCY and answer.help_grade is None
    assert answer.trace.matched_rule == "emergency.medical.vetoed"


def test_an_emergency_told_after_a_service_question_is_judged_by_its_own_sentence(
    engine: DialogueEngine,
) -> None:
    # The whole message reads like a passport question (the shipped model scores it below
    # its veto); the fire sentence alone does not, so the grammar's fire grade stands.
    answer = engine.respond(
        "Was kostet ein Reisepass? Ach egal, bei mir im Haus brennt es gerade und der Flur "
        "ist voller Rauch.",
        tenant="muenchen",
    )
    danger = answer.trace.danger
    assert danger is not None and danger.rule_id == "emergency.fire", danger
    assert danger.sentence_probability is not None
    assert danger.sentence_probability >= danger.veto and danger.verdict == "rule"
    assert answer.status is AnswerStatus.EMERGENCY


@pytest.mark.parametrize(
    "message",
    ["mamanam too hamoom oftade va nafas nemikeshe", "el matbakh fiha 7ariq kbir w dokhan"],
)
def test_a_latin_typed_arabic_or_farsi_emergency_is_graded_on_its_arabic_script_reading(
    engine: DialogueEngine, message: str
) -> None:
    # The model cannot read Arabizi or Finglish (it scores the Latin text near 0 and would
    # veto the grammar); the grammar's hit on the Arabic-script reading is graded on that
    # reading, which the model reads.
    triage = engine.triage(message, tenant="muenchen")
    assert (triage.decision.rule_id or "").endswith(".arabic_script"), triage
    assert triage.help is not None and triage.help.grade is HelpGrade.DANGER, triage
    assert triage.danger is not None and triage.danger.verdict == "rule", triage.danger
