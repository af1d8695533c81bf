"""One way to build the assistant: the API, ``govbot ask``, ``govbot eval``, the benchmarks
and the calibration scripts all call ``build_assistant`` (issue 11).

The collaborators (retriever, policy, ranking model, query expander, LLM composer, curated
answers) are built here from Settings, or passed in by a caller that already has them (a
test with its own rules, the API with its database sessions); the dialogue engine only
receives them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from bot.answer import Answer, Turn
from bot.compose.extractive import Composer
from bot.compose.llm import LlmComposer
from bot.dialogue.danger import DEFAULT_MODEL, DangerClassifier, DangerModel
from bot.dialogue.emergency import DEFAULT_EXAMPLES, EmergencyExamples, SemanticEmergencyCheck
from bot.dialogue.engine import DialogueEngine
from bot.dialogue.policy import Policy
from bot.dialogue.ranking import RankingModel, SearchBackend, ServiceRanker
from bot.dialogue.verdict import VerdictClassifier, VerdictModel
from bot.services.conversations import AnswerEngine
from bot.services.curated import CuratedAnswers, CuratedEngine
from bot.settings import Settings
from bot.understanding.expansion import QueryExpander
from bot.understanding.spelling import SpellingCorrector
from bot.understanding.understanding import Understander, Understanding
from bot.understanding.wording import Language
from knowledge.retrieval import Retriever

__all__ = ["Assistant", "build_assistant", "build_engine", "build_understander"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Assistant:
    """The dialogue engine, wrapped with curated answers when a database is given."""

    dialogue: DialogueEngine
    engine: AnswerEngine

    def understand(
        self, message: str, *, tenant: str, history: Sequence[Turn] = ()
    ) -> Understanding:
        """How the assistant reads ``message`` (what it will search), without answering."""
        return self.dialogue.understander.understand(message, tenant=tenant, history=history)

    def respond(
        self,
        message: str,
        *,
        tenant: str,
        history: Sequence[Turn] = (),
        language: Language | None = None,
        choice: str | None = None,
    ) -> Answer:
        """The answer the API would give to ``message``, curated answers included."""
        return self.engine.respond(
            message, tenant=tenant, history=history, language=language, choice=choice
        )


def build_understander(
    settings: Settings, retriever: SearchBackend, *, expander: QueryExpander | None = None
) -> Understander:
    """What reads every message: expansions from settings (or the shipped file) and
    spelling correction against the tenant's indexed words."""
    path = settings.dialogue.expansions_path
    chosen = expander or (QueryExpander.from_yaml(path) if path else QueryExpander.from_yaml())
    return Understander(
        chosen,
        spelling=SpellingCorrector(retriever.services),
        index_version=lambda: retriever.meta.version,
    )


def build_engine(
    settings: Settings,
    retriever: SearchBackend,
    *,
    policy: Policy | None = None,
    ranking: RankingModel | None = None,
    understander: Understander | None = None,
    llm: LlmComposer | None = None,
) -> DialogueEngine:
    """The dialogue engine over ``retriever`` with the configured (or shipped) rules."""
    dialogue = settings.dialogue
    if policy is None:
        policy = (
            Policy.from_yaml(dialogue.rules_path) if dialogue.rules_path else Policy.from_yaml()
        )
    composer = Composer(
        policy.texts,
        max_chars=dialogue.max_answer_chars,
        context=dialogue.answer_context,
        context_chars=dialogue.answer_context_chars,
    )
    if llm is None and settings.llm.base_url:  # LLM mode only with an endpoint (issue #6)
        llm = LlmComposer.from_settings(settings.llm, policy=policy, composer=composer)
    emergency_check = None
    if dialogue.semantic_emergency_check:
        examples = EmergencyExamples.from_yaml(dialogue.emergency_examples_path or DEFAULT_EXAMPLES)
        emergency_check = SemanticEmergencyCheck(
            examples,
            retriever.embed_query,
            embed_many=retriever.embed_queries,
            model=lambda: retriever.meta.embedder.name,
            cache_dir=settings.data_dir / "cache",
        )
    danger = None
    if dialogue.danger_model:
        danger = DangerClassifier(
            DangerModel.from_file(dialogue.danger_model_path or DEFAULT_MODEL),
            embedder=lambda: retriever.meta.embedder.name,
        )
    verdict = None
    if dialogue.verdict_model:
        verdict = VerdictClassifier(
            VerdictModel.from_file(dialogue.verdict_model_path),
            embedder=lambda: retriever.meta.embedder.name,
        )
    return DialogueEngine(
        retriever,
        policy=policy,
        understander=understander or build_understander(settings, retriever),
        ranker=ServiceRanker(retriever, ranking or RankingModel.from_yaml()),
        composer=composer,
        settings=settings,
        emergency_check=emergency_check,
        danger=danger,
        verdict=verdict,
        llm=llm,
    )


def build_assistant(
    settings: Settings,
    *,
    retriever: Retriever,
    sessions: sessionmaker[Session] | None = None,
    engine: DialogueEngine | None = None,
    warm_up: bool = False,
) -> Assistant:
    """The assistant over ``retriever``; with database ``sessions`` (and curated answers
    enabled) approved corrections replace the engine's answers, as in the API. ``warm_up``
    prepares the hub scores and embeds the emergency examples now, not in the first
    citizen's request."""
    dialogue = engine or build_engine(settings, retriever)
    if warm_up:
        retriever.prepare()
        dialogue.warm_up()
    answers: AnswerEngine = dialogue
    if sessions is not None and settings.curated.enabled:
        curated = CuratedAnswers(sessions, settings=settings.curated, retriever=retriever)
        answers = CuratedEngine(dialogue, curated)
    return Assistant(dialogue=dialogue, engine=answers)
