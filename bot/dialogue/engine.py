"""The dialogue engine: one citizen message (plus history) in, one Answer out.

Order of work for every message (DESIGN.md section 5):
1. policy (bot/dialogue/policy.py) — emergency, injection, abuse, person, personal case, decision,
   greeting, out of scope, vague; labels without retrieval are answered from the rules
   file at once;
2. retrieval query — a follow-up ("Und was kostet das?") is resolved against the
   previous answer's documents or combined with the previous question;
3. ranking and calibrated confidence (bot/dialogue/ranking.py);
4. extractive composition (bot/compose/extractive.py) when the best service is probably
   right; ``clarify`` with two to five services as choices when one of them probably is
   (issue 12 item 2; a choice comes back as ``respond(…, choice=doc_id)`` and is answered
   for the original question); else ``unanswerable`` with an offer of a person (never a
   guess), naming the Leistung from the shared OZG catalogue when the city has no
   description of its own.

The engine is pure: no database, no HTTP. The API layer creates escalations for
``handoff`` answers and fills ``Answer.handoff``.
"""

from __future__ import annotations

import logging
import textwrap
import time
from collections.abc import Sequence

from bot.answer import (
    Answer,
    AnswerOption,
    AnswerStatus,
    AnswerTrace,
    Citation,
    DangerCheck,
    HelpEvidence,
    HelpGrade,
    TraceHit,
    Turn,
    VerdictCheck,
)
from bot.compose.excerpts import split_sentences
from bot.compose.extractive import Composer, Composition
from bot.compose.lead import answer_line
from bot.compose.llm import LlmComposer
from bot.dialogue.danger import DangerClassifier, DangerReading, combine
from bot.dialogue.emergency import (
    MAX_CHARS,
    OVERRULABLE,
    SHORT_STEMS,
    CounterBank,
    EmergencyMatch,
    MessageWords,
    SemanticEmergencyCheck,
    Triage,
    applies,
)
from bot.dialogue.policy import Language, Policy, PolicyDecision, PolicyLabel
from bot.dialogue.ranking import Ranking, SearchBackend, ServiceRanker
from bot.dialogue.verdict import SHORT_WORDS, VerdictClassifier, VerdictReading
from bot.dialogue.verdict import combine as combine_verdict
from bot.settings import Settings
from bot.texts.notice import city_name
from bot.understanding import romanised
from bot.understanding.context import previous_doc_ids
from bot.understanding.language_id import language_of_words
from bot.understanding.lexicon import content_stems
from bot.understanding.understanding import Search, Understander, Understanding
from knowledge.errors import InvalidQueryError, SearchIndexError
from knowledge.models import Service, SourceKind
from knowledge.query_bounds import shorten

__all__ = ["DialogueEngine", "Turn"]

logger = logging.getLogger(__name__)
# Understood and ranked once per tenant at start (DialogueEngine.warm_up); any service
# question loads the same models and per-tenant vocabularies.
_WARM_UP_QUESTION = "Welche Unterlagen brauche ich für den Antrag?"

_NO_RETRIEVAL_CONFIDENCE = 1.0
# Confidence is in the answer, not only in the service: an answer whose source does not
# state the asked aspect (fee, documents, deadline, duration) gets half of it (issue 17).
_ASPECT_MISSING_FACTOR = 0.5
_CATALOGUE_CACHE = 256  # catalogue look-ups kept per engine (hint and topic share one search)
_OFFER_STATUSES = {
    AnswerStatus.HANDOFF,
    AnswerStatus.UNANSWERABLE,
    AnswerStatus.REFUSED_DECISION,
}
_HELP_FIRST = {PolicyLabel.URGENT_HELP, PolicyLabel.SOCIAL_HELP}
_SUMMARY_CHARS = 160  # one line under a clarifying choice
_CHOICE_RULE = "clarify.choice"
_CLASSIFIER_RULE = "emergency.classifier"
_VERDICT_RULE = "decision.classifier"
# The labels the verdict-request classifier judges: it vetoes a decision, fires on a
# service question; every other label (emergency, a person, a personal case …) stands.
_VERDICT_LABELS = {PolicyLabel.DECISION, PolicyLabel.SERVICE_QUESTION}


class DialogueEngine:
    """Answers citizen messages with the policy, the retriever and the extractive composer."""

    def __init__(
        self,
        retriever: SearchBackend,
        *,
        policy: Policy,
        understander: Understander,
        ranker: ServiceRanker,
        composer: Composer,
        settings: Settings,
        emergency_check: SemanticEmergencyCheck | None = None,
        danger: DangerClassifier | None = None,
        verdict: VerdictClassifier | None = None,
        llm: LlmComposer | None = None,
    ) -> None:
        self._retriever = retriever
        self._policy = policy
        self._understander = understander
        self._ranker = ranker
        self._composer = composer
        self._settings = settings
        self._dialogue = settings.dialogue
        self._emergency_check = emergency_check
        self._danger = danger
        self._verdict = verdict
        self._llm = llm  # LLM mode only when an endpoint is configured (issue #6)
        self._catalogue_cache: dict[tuple[str, str], list[Service]] = {}
        self._counter_version: str | None = None  # index version whose counter files are pruned

    @property
    def understander(self) -> Understander:
        """What reads each message (eval and calibration search what it produces)."""
        return self._understander

    def warm_up(self) -> None:
        """Load now what the first citizen's request would otherwise wait for: the emergency
        examples and each tenant's counter-examples, the word lists of the readings of
        romanised messages (bot/understanding/romanised.py), and, by understanding and
        ranking one service question per tenant, the language models, the spelling
        dictionaries and the ranking vocabulary (together about 8 s on a loaded machine;
        nothing is composed, so no LLM is called). A missing index is no error here (the
        first request says so)."""
        try:
            # The catalogue tenant holds routing entries, no answers.
            tenants = [t for t in self._retriever.tenants() if t != self._dialogue.catalogue_tenant]
            if self._emergency_check is not None:
                self._emergency_check.match("Warm-up")
                for tenant in tenants:
                    self._counter_bank(tenant)
            romanised.warm_up()
            for tenant in tenants:
                understood = self._understander.understand(_WARM_UP_QUESTION, tenant=tenant)
                self._rank(self._understander.searched(understood, tenant=tenant), tenant)
        except (SearchIndexError, InvalidQueryError) as exc:
            logger.warning("not warmed up at start: %s", exc)

    def respond(
        self,
        message: str,
        *,
        tenant: str,
        history: Sequence[Turn] = (),
        language: Language | None = None,
        choice: str | None = None,
    ) -> Answer:
        """The bot's answer to ``message`` in a conversation with ``tenant``; ``choice``:
        the doc id of a clarifying option the citizen picked (the caller checks that it
        was offered), answered for the question that led to the choices."""
        clock = time.perf_counter()
        turns = _earlier_turns(message, history, self._dialogue.history_turns)
        if choice is not None:
            return self._chosen(choice, message, tenant=tenant, turns=turns, language=language)
        understanding = self._understander.understand(
            message, tenant=tenant, history=turns, language=language, search=False
        )
        timings = {"understanding": _ms(clock)}
        triage = self._triage(understanding, message, turns, tenant=tenant, language=language)
        timings["policy"] = _ms(clock)
        answer = self._answer_for(triage.decision, understanding, turns, tenant, timings, clock)
        trace = answer.trace.model_copy(
            update={"help": triage.help, "danger": triage.danger, "verdict": triage.verdict}
        )
        return answer.model_copy(
            update={"help_grade": triage.help.grade if triage.help else None, "trace": trace}
        )

    def triage(
        self,
        message: str,
        *,
        tenant: str,
        history: Sequence[Turn] = (),
        language: Language | None = None,
    ) -> Triage:
        """The understanding, policy and emergency stage alone (what ``respond`` runs
        first): the label and the help grade with its evidence, without retrieval
        (``govbot eval false-alarms``)."""
        turns = _earlier_turns(message, history, self._dialogue.history_turns)
        understanding = self._understander.understand(
            message, tenant=tenant, history=turns, language=language, search=False
        )
        return self._triage(understanding, message, turns, tenant=tenant, language=language)

    def emergency_scores(
        self, message: str, *, tenant: str
    ) -> tuple[PolicyDecision, EmergencyMatch | None]:
        """The rules' decision on a single message and, where the semantic check applies to
        it, the check's raw similarities, whatever its threshold (for calibrating the
        threshold and margin on pools: ``govbot eval calibrate-emergency``)."""
        understanding = self._understander.understand(message, tenant=tenant, search=False)
        decision = self._policy.decide(understanding, tenant=tenant)
        if understanding.followup != "none":
            return decision, None
        return decision, self._semantic_match(decision, understanding, tenant)

    def _triage(
        self,
        understanding: Understanding,
        message: str,
        turns: Sequence[Turn],
        *,
        tenant: str,
        language: Language | None,
    ) -> Triage:
        confirming = self._confirms_offer(understanding.normalized, turns)
        if confirming:
            # In the language the yes belongs to ("oui" in a conversation without a choice).
            reply = understanding.language
            reply = reply if reply in confirming else confirming[0]
            return Triage.by_rule(
                self._policy.rule_decision("handoff.bare", tenant=tenant, language=reply)
            )
        decision = self._small_talk_language(
            self._policy.decide(understanding, tenant=tenant), understanding, tenant
        )
        # A follow-up ("und wenn ich ihn verloren hab?") is judged by the rules alone.
        if understanding.followup != "none":
            return Triage.by_rule(decision)
        return self._judged(self._graded(decision, understanding, tenant), understanding, tenant)

    def _small_talk_language(
        self, decision: PolicyDecision, understanding: Understanding, tenant: str
    ) -> PolicyDecision:
        """Small talk answered in the language its words belong to ("selam", "Kim
        jesteś?") when neither the detector nor the conversation chose one, instead of
        the German default (issue 13 item 2)."""
        if decision.label is not PolicyLabel.GREETING or understanding.language_source != "default":
            return decision
        language = language_of_words(understanding.normalized, self._policy.texts.languages)
        if language is None or language == decision.language:
            return decision
        worded = self._policy.classify(understanding.text, tenant=tenant, language=language)
        return worded if worded.label is PolicyLabel.GREETING else decision

    def _confirms_offer(self, normalized: str, turns: Sequence[Turn]) -> tuple[Language, ...]:
        """The languages of a short yes ("ja", "oui", "так" … from the catalogue) right
        after the bot offered to connect the citizen with a person; empty for any other."""
        reply = self._policy.replies.reply(normalized)
        if reply is None or reply[0] != "confirm" or not turns or turns[-1].role != "bot":
            return ()
        return reply[1] if self._policy.replies.offers_person(turns[-1].text) else ()

    def _answer_for(
        self,
        decision: PolicyDecision,
        understanding: Understanding,
        turns: Sequence[Turn],
        tenant: str,
        timings: dict[str, float],
        clock: float,
    ) -> Answer:
        covered = self._covered(decision, understanding, tenant)
        if covered is not None:
            decision, understanding, ranking = covered  # ranked once, not again
        elif not decision.retrieve:
            return self._rule_answer(decision, turns, timings, understanding)
        else:
            understanding = self._understander.searched(understanding, tenant=tenant)
            try:
                ranking = self._rank(understanding, tenant)
            except (SearchIndexError, InvalidQueryError) as exc:
                logger.warning("retrieval failed for tenant %s: %s", tenant, type(exc).__name__)
                return self._error_answer(decision, timings, understanding)
        timings.update(ranking.timings_ms)
        service, confidence = self._choose(ranking, understanding, turns)
        compose_clock = time.perf_counter()
        answer = self._retrieval_answer(
            decision, understanding, service, confidence, ranking, tenant, turns=turns
        )
        timings["compose"] = _ms(compose_clock)
        timings["total"] = _ms(clock)
        trace = self._trace(decision, ranking, timings, understanding)
        llm = {
            "mode": answer.trace.mode,
            "grounding": answer.trace.grounding,
            "llm": answer.trace.llm,
        }
        if decision.label in _HELP_FIRST and decision.response:
            # Issue #16: the help block first, then the normal answer (retrieval ran).
            text = f"{decision.response}\n\n{answer.text}"
            answer = answer.model_copy(update={"text": text, "help_text": decision.response})
        return answer.model_copy(update={"trace": trace.model_copy(update=llm)})

    def _covered(
        self, decision: PolicyDecision, understanding: Understanding, tenant: str
    ) -> tuple[PolicyDecision, Understanding, Ranking] | None:
        """A service question instead of ``decision`` when its label stands only if the
        tenant's knowledge base has nothing on the message and retrieval finds a service
        it would answer with confidence, every topical word of the message occurring in
        the tenant's content (issue 12 item 5), with the search and ranking that found it
        (the answer is composed from them); else None."""
        if decision.retrieve or not self._policy.unless_covered(decision):
            return None
        searched = self._understander.searched(understanding, tenant=tenant)
        try:
            ranking = self._rank(searched, tenant)
        except (SearchIndexError, InvalidQueryError):
            return None  # no index: the rule stands
        best = ranking.best  # the ranking alone: a kept follow-up service is no evidence
        if best is None or ranking.confidence < self._dialogue.min_confidence:
            return None
        if ranking.confidence_features.get("unknown", 0.0) > 0.0:
            # A topical word the tenant's content never uses ("Schweinsbraten") means the
            # content does not cover the message, however close a page may look.
            return None
        service = self._retriever.get_service(best.hit.doc_id)
        if service is None or service.source is SourceKind.OZG:
            return None
        return self._policy.covered(decision), searched, ranking

    def danger_reading(self, message: str, *, tenant: str) -> DangerReading | None:
        """What the present-danger classifier reads of a single message, with the
        grammar's and the net's verdicts (training data: eval/danger_training.py); None
        where nothing could be embedded (no index) or the message is a follow-up."""
        understanding = self._understander.understand(message, tenant=tenant, search=False)
        if understanding.followup != "none":
            return None
        decision = self._policy.decide(understanding, tenant=tenant)
        reading, _ = self._reading(decision, understanding, tenant)
        return reading

    def verdict_reading(self, message: str, *, tenant: str) -> VerdictReading | None:
        """What the verdict-request classifier reads of a single message, with the
        grammar's label (training data: eval/verdict_training.py); None where nothing could
        be embedded (no index) or the message is a follow-up."""
        understanding = self._understander.understand(message, tenant=tenant, search=False)
        if understanding.followup != "none":
            return None
        decision = self._policy.decide(understanding, tenant=tenant)
        return self._verdict_read(decision, understanding)

    def _verdict_read(
        self, decision: PolicyDecision, understanding: Understanding
    ) -> VerdictReading | None:
        try:
            vector = self._retriever.embed_query(understanding.text[:MAX_CHARS])
        except (SearchIndexError, InvalidQueryError):
            return None  # no index yet: the rules alone decide
        return VerdictReading(
            label=decision.label.value,
            rule_id=decision.rule_id,
            language=understanding.language,
            rule_decision=decision.label is PolicyLabel.DECISION,
            service_question=decision.label is PolicyLabel.SERVICE_QUESTION,
            content_words=len(
                content_stems(
                    understanding.normalized, topical=True, numbers=False, normalized=True
                )
            ),
            vector=vector,
        )

    def _judged(self, triage: Triage, understanding: Understanding, tenant: str) -> Triage:
        """A verdict request or not: the grammar's decision label and the verdict-request
        classifier combined (bot/dialogue/verdict.py ``combine``). A message with a help
        grade keeps it: help comes before the refusal of a verdict."""
        classifier = self._verdict
        decision = triage.decision
        if classifier is None or triage.help is not None or decision.label not in _VERDICT_LABELS:
            return triage
        reading = self._verdict_read(decision, understanding)
        if reading is None:
            return triage
        model = classifier.model
        probability = classifier.probability(reading.vector, content_words=reading.content_words)
        verdict = combine_verdict(
            probability,
            rule_decision=reading.rule_decision,
            service_question=reading.service_question,
            fire=model.fire_for(reading.language),
            veto=model.veto,
            short=reading.content_words <= SHORT_WORDS,
            procedural=self._policy.procedural_question(understanding.normalized),
        )
        check = VerdictCheck(
            probability=round(probability, 4),
            fire=model.fire_for(reading.language),
            veto=model.veto,
            verdict=verdict,
            rule_id=decision.rule_id,
        )
        if verdict == "classifier":
            logger.info("verdict classifier fired (probability %.3f)", probability)
            decision = self._policy.verdict_request(
                tenant=tenant, language=decision.language, rule_id=_VERDICT_RULE
            )
        elif verdict == "vetoed":
            logger.info(
                "verdict classifier overruled %s (probability %.3f)", decision.rule_id, probability
            )
            decision = self._policy.overruled(decision)
        return triage.model_copy(update={"decision": decision, "verdict": check})

    def _reading(
        self, decision: PolicyDecision, understanding: Understanding, tenant: str
    ) -> tuple[DangerReading | None, EmergencyMatch | None]:
        words = self._words(understanding)
        match = self._semantic_match(decision, understanding, tenant, words=words)
        # A rule that matched the message's Arabic-script reading (Arabic or Farsi typed in
        # Latin letters, policy.py) is judged on that reading: the model reads Arabic
        # script, not Arabizi.
        in_script = self._policy.script_reading(decision, understanding.normalized)
        if in_script is not None:
            words = MessageWords.read(in_script, past_event=self._policy.past_event)
        try:
            vector = self._retriever.embed_query((in_script or understanding.text)[:MAX_CHARS])
        except (SearchIndexError, InvalidQueryError):
            return None, match  # no index yet: the rules alone decide
        reading = DangerReading(
            label=decision.label.value,
            rule_id=decision.rule_id,
            rule_danger=decision.label is PolicyLabel.EMERGENCY,
            overrulable=decision.label in OVERRULABLE,
            net_danger=match is not None and match.emergency,
            leans=_leans_to_danger(match),
            past=words.past,
            content_words=len(words.stems),
            vector=vector,
        )
        return reading, match

    def _graded(
        self, decision: PolicyDecision, understanding: Understanding, tenant: str
    ) -> Triage:
        """Present danger or not: the grammar's decision, the semantic net and the
        present-danger classifier combined (bot/dialogue/danger.py ``combine``)."""
        classifier = self._danger
        rule_danger = decision.label is PolicyLabel.EMERGENCY
        if classifier is None or not (rule_danger or decision.label in OVERRULABLE):
            match = self._semantic_match(decision, understanding, tenant)
            if match is not None and match.emergency:
                return self._net_triage(decision, match, None, tenant)
            return Triage.by_rule(decision)
        reading, match = self._reading(decision, understanding, tenant)
        if reading is None:
            return Triage.by_rule(decision)
        model = classifier.model
        probability = classifier.probability(
            reading.vector, past=reading.past, content_words=reading.content_words
        )
        verdict = combine(
            probability,
            rule_danger=reading.rule_danger,
            net_danger=reading.net_danger,
            # The classifier fires at ``fire`` where the net judged the message (a short
            # one only with a danger cue: issue 16 item 2) and found it nearer an emergency
            # example than any counter-example, elsewhere only at ``fire_alone``; it never
            # vetoes a short one.
            overrulable=reading.overrulable,
            leans=reading.leans,
            fire=model.fire,
            fire_alone=model.fire_alone,
            net=model.net,
            veto=model.veto,
            short=reading.content_words <= SHORT_STEMS,
        )
        strongest = None
        if verdict == "vetoed":
            # An emergency told beside a service question ("Was kostet ein Reisepass? Ach
            # egal, bei mir brennt es gerade.") is judged by its own sentence too: the grade
            # stands if one sentence alone does not fall under the veto.
            strongest = self._strongest_sentence(understanding, classifier)
            if strongest is not None and strongest >= model.veto:
                verdict = "rule"
        check = DangerCheck(
            probability=round(probability, 4),
            fire=model.fire_for(leans=reading.leans),
            veto=model.veto,
            net=model.net_floor,
            verdict=verdict,
            rule_id=decision.rule_id,
            sentence_probability=None if strongest is None else round(strongest, 4),
        )
        if verdict == "net" and match is not None:
            return self._net_triage(decision, match, check, tenant)
        if verdict == "classifier":
            logger.info("danger classifier fired (probability %.3f)", probability)
            emergency = self._policy.emergency(
                tenant=tenant, language=decision.language, rule_id=_CLASSIFIER_RULE
            )
            evidence = HelpEvidence(
                grade=HelpGrade.DANGER,
                source="classifier",
                rule_id=_CLASSIFIER_RULE,
                probability=check.probability,
                language=decision.language,
            )
            return Triage(decision=emergency, help=evidence, danger=check)
        if verdict == "vetoed":
            logger.info(
                "danger classifier overruled %s (probability %.3f)", decision.rule_id, probability
            )
            return Triage(decision=self._policy.overruled(decision), danger=check)
        return Triage.by_rule(decision, danger=check)

    def _net_triage(
        self,
        decision: PolicyDecision,
        match: EmergencyMatch,
        check: DangerCheck | None,
        tenant: str,
    ) -> Triage:
        """Present danger because the message reads like one of the example emergencies
        more than like any counter-example, the tenant's own service titles included."""
        logger.info("semantic emergency check fired (similarity %.3f)", match.similarity)
        emergency = self._policy.emergency(
            tenant=tenant, language=decision.language, rule_id="emergency.semantic"
        )
        evidence = HelpEvidence(
            grade=HelpGrade.DANGER,
            source="semantic",
            rule_id="emergency.semantic",
            similarity=match.similarity,
            nearest=match.nearest,
            counter_similarity=match.other_similarity,
            counter_nearest=match.other_nearest,
            probability=check.probability if check else None,
            language=decision.language,
        )
        return Triage(decision=emergency, help=evidence, danger=check)

    def _strongest_sentence(
        self, understanding: Understanding, classifier: DangerClassifier
    ) -> float | None:
        """The highest present-danger probability of one sentence of the message alone, or
        None for a message of one sentence (its probability is the message's)."""
        sentences = split_sentences(understanding.text[:MAX_CHARS])
        if len(sentences) < 2:
            return None
        try:
            vectors = self._retriever.embed_queries(sentences)
        except (SearchIndexError, InvalidQueryError):
            return None
        probabilities = []
        for sentence, vector in zip(sentences, vectors, strict=True):
            words = MessageWords.read(
                self._understander.normalize(sentence), past_event=self._policy.past_event
            )
            probabilities.append(
                classifier.probability(vector, past=words.past, content_words=len(words.stems))
            )
        return max(probabilities)

    def _words(self, understanding: Understanding) -> MessageWords:
        """The content stems and tense cue of a message, read once per triage."""
        return MessageWords.read(understanding.normalized, past_event=self._policy.past_event)

    def _semantic_match(
        self,
        decision: PolicyDecision,
        understanding: Understanding,
        tenant: str,
        *,
        words: MessageWords | None = None,
    ) -> EmergencyMatch | None:
        """The semantic check's match, or None where it does not apply (emergency.applies);
        eligibility reads the message's words (``words``, else read here), the check
        embeds its text."""
        check = self._emergency_check
        if check is None:
            return None
        if words is None:
            words = self._words(understanding)
        if not applies(decision.label, words, cues=check.danger_cues()):
            return None
        try:
            return check.match(understanding.text, counter=self._counter_bank(tenant))
        except (SearchIndexError, InvalidQueryError):
            return None  # no index yet: the rules alone decide

    def _counter_bank(self, tenant: str) -> CounterBank | None:
        """The tenant's service titles as counter-examples, embedded once per index version."""
        if self._emergency_check is None or tenant not in self._retriever.tenants():
            return None
        version = self._retriever.meta.version
        if version != self._counter_version:  # a new index version: old files go
            self._counter_version = version
            self._emergency_check.prune(self._retriever.versions())
        return self._emergency_check.counter_bank(
            f"{tenant}-{version}", lambda: [s.title for s in self._retriever.services(tenant)]
        )

    # --- rule answers ------------------------------------------------------------------

    def _rule_answer(
        self,
        decision: PolicyDecision,
        turns: Sequence[Turn],
        timings: dict[str, float],
        understanding: Understanding,
    ) -> Answer:
        candidates = previous_doc_ids(turns)
        topic = None
        text = decision.response or ""
        if decision.status is AnswerStatus.HANDOFF and candidates:
            service = self._retriever.get_service(candidates[0])
            if service is not None:
                topic = service.title
                note = self._policy.message("handoff_topic", decision.language, title=topic)
                text = f"{text}\n\n{note}"
        return Answer(
            status=decision.status,
            text=text,
            confidence=_NO_RETRIEVAL_CONFIDENCE,
            handoff_offered=decision.status in _OFFER_STATUSES,
            topic=topic,
            candidate_doc_ids=candidates,
            language=decision.language,
            trace=self._rule_trace(decision.label.value, decision.rule_id, timings, understanding),
        )

    def _error_answer(
        self, decision: PolicyDecision, timings: dict[str, float], understanding: Understanding
    ) -> Answer:
        return Answer(
            status=AnswerStatus.ERROR,
            text=self._policy.message("error", decision.language),
            handoff_offered=True,
            language=decision.language,
            trace=self._rule_trace(decision.label.value, decision.rule_id, timings, understanding),
        )

    # --- retrieval answers -------------------------------------------------------------

    def _rank(self, understanding: Understanding, tenant: str) -> Ranking:
        """Rank for the understood message; a combined follow-up that names a service
        itself ("Und was kostet ein Reisepass?") is searched on its own."""
        alone = understanding.alone
        if alone is not None:
            ranking = self._ranked(alone, tenant, language=understanding.language)
            best = ranking.best
            if (
                best is not None
                and best.features["named"] >= 0.5
                and ranking.confidence >= self._dialogue.min_confidence
            ):
                return ranking
        return self._ranked(understanding.search, tenant, language=understanding.language)

    def _ranked(self, search: Search, tenant: str, *, language: Language = "de") -> Ranking:
        """Rank for one search of the understanding (spelling corrected and expanded); a
        long message, a follow-up to one and the added terms stay within the retrieval
        limit (issue 14, finding 9)."""
        return self._ranker.rank(
            self._bounded(search.text),
            tenant=tenant,
            original=self._bounded(search.own_words),
            language=language,
            words_language=search.language,
        )

    def _bounded(self, text: str) -> str:
        retrieval = self._settings.retrieval
        return shorten(
            text, max_chars=retrieval.max_query_chars, max_word_chars=retrieval.max_word_chars
        )

    def _choose(
        self, ranking: Ranking, understanding: Understanding, turns: Sequence[Turn] = ()
    ) -> tuple[Service | None, float]:
        """The service to answer from and the confidence in it."""
        if understanding.keep_doc_id:
            kept = self._retriever.get_service(understanding.keep_doc_id)
            if kept is not None:
                return kept, max(ranking.confidence, self._dialogue.min_confidence)
        best = ranking.best
        if best is None:
            return None, 0.0
        confidence = ranking.confidence
        if (
            understanding.followup != "none"
            and best.hit.doc_id in previous_doc_ids(turns)[:1]
            and ranking.reach >= self._dialogue.clarify_confidence
        ):
            # A follow-up whose best match is the service just answered stays with it: the
            # citizen asked about it a turn ago, there is nothing to choose between (the
            # answer threshold was calibrated on first questions).
            confidence = max(confidence, self._dialogue.min_confidence)
        return self._retriever.get_service(best.hit.doc_id), confidence

    def _retrieval_answer(
        self,
        decision: PolicyDecision,
        understanding: Understanding,
        service: Service | None,
        confidence: float,
        ranking: Ranking,
        tenant: str,
        *,
        turns: Sequence[Turn] = (),
    ) -> Answer:
        lang = decision.language
        message = understanding.text
        confident = (
            service is not None
            and confidence >= self._dialogue.min_confidence
            and service.source is not SourceKind.OZG
        )
        candidates = [c.hit.doc_id for c in ranking.candidates[:3]]
        if decision.status is AnswerStatus.EMERGENCY:
            return self._emergency_with_help(decision, message, service if confident else None)
        if decision.label is PolicyLabel.DECISION:
            return self._decision_answer(
                decision, message, service if confident else None, confidence, ranking, tenant
            )
        if confident and service is not None:
            aspects = understanding.aspects
            composition = self._composer.answer(
                service,
                message,
                aspects=aspects,
                language=lang,
                also=self._runner_up(ranking, service),
                evidence=_evidence(ranking, service),
            )
            answer = self._answer(
                AnswerStatus.ANSWERED, composition, confidence, decision, service, candidates
            )
            return (
                self._generated(answer, service, message, composition, turns)
                if self._llm
                else answer
            )
        plausible = ranking.reach >= self._dialogue.clarify_confidence and ranking.plausible
        options = self._options(ranking, message, understanding.aspects, lang) if plausible else []
        if len(options) >= 2:
            return self._clarify_answer(decision, options, ranking, tenant)
        text = self._unanswerable_text(ranking, tenant, lang)
        return Answer(
            status=AnswerStatus.UNANSWERABLE,
            text=text,
            confidence=round(confidence, 4),
            handoff_offered=True,
            topic=self._catalogue_topic(ranking.query, tenant),
            candidate_doc_ids=candidates,
            language=lang,
            trace=AnswerTrace(policy_label=decision.label.value),
        )

    # --- clarifying choices (issue 12 item 2) --------------------------------------------

    def _options(
        self,
        ranking: Ranking,
        question: str = "",
        aspects: Sequence[str] = (),
        language: Language | None = None,
    ) -> list[AnswerOption]:
        """The plausible services as choices, best first (one per title; never an entry of
        the shared catalogue, which is no answer). With ``question``, each choice's line is
        the sentence of that page that best answers it (issue 17 item 2), else the page's
        first line; title and line in ``language`` where the source has that version (an
        English question chooses between the English pages' titles, issue 13 item 2)."""
        options: list[AnswerOption] = []
        titles: set[str] = set()
        for candidate in ranking.choices:
            service = self._retriever.get_service(candidate.hit.doc_id)
            if service is None or service.source is SourceKind.OZG or service.title in titles:
                continue
            titles.add(service.title)
            shown = service.in_language(language) if language else service
            line = question and answer_line(
                shown, question, aspects, limit=_SUMMARY_CHARS, evidence=candidate.hit.text
            )
            options.append(
                AnswerOption(
                    doc_id=service.doc_id, title=shown.title, summary=line or _one_line(shown)
                )
            )
        return options

    def _clarify_answer(
        self,
        decision: PolicyDecision,
        options: list[AnswerOption],
        ranking: Ranking,
        tenant: str,
    ) -> Answer:
        lang = decision.language
        lines = "\n".join(f"- {option.title}" for option in options)
        text = "\n\n".join(
            [
                self._policy.message("clarify", lang),
                lines,
                self._policy.message("clarify_none", lang),
            ]
        )
        return Answer(
            status=AnswerStatus.CLARIFY,
            text=text,
            confidence=round(ranking.confidence, 4),
            handoff_offered=True,
            topic=options[0].title,
            candidate_doc_ids=[option.doc_id for option in options],
            options=options,
            language=lang,
            trace=AnswerTrace(policy_label=decision.label.value),
        )

    def _chosen(
        self,
        choice: str,
        message: str,
        *,
        tenant: str,
        turns: Sequence[Turn],
        language: Language | None,
    ) -> Answer:
        """The answer from the service the citizen picked, for the question that led to
        the choices (the citizen's message before the bot's clarifying answer)."""
        clock = time.perf_counter()
        service = self._retriever.get_service(choice)
        if service is None or service.tenant != tenant or service.source is SourceKind.OZG:
            raise InvalidQueryError(
                f"choice {choice!r} is no service of tenant {tenant!r}; pick one of the options"
            )
        question, earlier = _clarified_question(turns, fallback=message)
        understanding = self._understander.understand(
            question, tenant=tenant, history=earlier, language=language, search=False
        )
        lang = understanding.language
        composition = self._composer.answer(
            service, question, aspects=understanding.aspects, language=lang
        )
        answer = Answer(
            status=AnswerStatus.ANSWERED,
            text=composition.text,
            citations=composition.citations,
            offices=composition.offices,
            confidence=_NO_RETRIEVAL_CONFIDENCE,  # the citizen named the service
            topic=service.title,
            candidate_doc_ids=[service.doc_id],
            language=lang,
            trace=self._rule_trace(
                PolicyLabel.SERVICE_QUESTION.value,
                _CHOICE_RULE,
                {"total": _ms(clock)},
                understanding,
            ),
        )
        if self._llm:
            return self._generated(answer, service, question, composition, turns)
        return answer

    def _runner_up(self, ranking: Ranking, chosen: Service) -> Service | None:
        """The best other candidate (page answers quote the part of the question only it
        answers, or offer it behind "Mehr anzeigen")."""
        if chosen.source is SourceKind.DLDB:
            return None
        other = next((c for c in ranking.candidates if c.hit.doc_id != chosen.doc_id), None)
        return self._retriever.get_service(other.hit.doc_id) if other else None

    def _emergency_with_help(
        self, decision: PolicyDecision, message: str, service: Service | None
    ) -> Answer:
        """Emergency numbers first; then, if the knowledge base has it, where to get help."""
        numbers = decision.response or ""
        citations: list[Citation] = []
        text = numbers
        if service is not None:
            composer = Composer(
                self._policy.texts,
                max_chars=max(200, self._dialogue.max_answer_chars - len(numbers) - 2),
            )
            help_text = composer.answer(service, message, aspects=[], language=decision.language)
            text = f"{numbers}\n\n{help_text.text}"
            citations = help_text.citations
        return Answer(
            status=AnswerStatus.EMERGENCY,
            text=text,
            citations=citations,
            confidence=_NO_RETRIEVAL_CONFIDENCE,
            language=decision.language,
            trace=AnswerTrace(policy_label=decision.label.value),
        )

    def _decision_answer(
        self,
        decision: PolicyDecision,
        message: str,
        service: Service | None,
        confidence: float,
        ranking: Ranking,
        tenant: str,
    ) -> Answer:
        lang = decision.language
        parts = [decision.response or ""]
        citations: list[Citation] = []
        options: list[AnswerOption] = []
        floor = self._dialogue.decision_choices_confidence
        if service is None and ranking.plausible and ranking.reach >= floor:
            # No single service for sure, but two or more plausible ones: offer them, so the
            # refusal still leads to the criteria (issue 12 item 4: the service information),
            # each with its best line for the question in the reply language, as a
            # clarifying answer's choices.
            options = self._options(ranking, message, (), lang)
            options = options if len(options) >= 2 else []
        if service is not None:
            parts.append(self._composer.criteria_answer(service, message, language=lang))
            composition = self._composer.answer(service, message, aspects=[], language=lang)
            citations = composition.citations
        elif options:
            parts.append(self._policy.message("decision_options", lang))
            parts.append("\n".join(f"- {option.title}" for option in options))
        else:
            parts.append(self._policy.message("criteria_missing", lang, of_city=_of(tenant, lang)))
            hint = self._catalogue_hint(ranking.query, tenant, lang)
            if hint:
                parts.append(hint)
        parts.append(self._policy.message("decision_offer", lang))
        footer = self._composer.footer(service, lang, link=False) if service else ""
        text = self._composer.fit(parts, footer)
        return Answer(
            status=AnswerStatus.REFUSED_DECISION,
            text=text,
            citations=citations,
            confidence=round(confidence, 4),
            handoff_offered=True,
            topic=service.title if service else self._catalogue_topic(ranking.query, tenant),
            candidate_doc_ids=[c.hit.doc_id for c in ranking.candidates[:3]],
            options=options,
            language=lang,
            trace=AnswerTrace(policy_label=decision.label.value),
        )

    def _answer(
        self,
        status: AnswerStatus,
        composition: Composition,
        confidence: float,
        decision: PolicyDecision,
        service: Service,
        candidates: list[str],
    ) -> Answer:
        if not composition.aspect_found:
            # The service was found, the asked fact was not (issue 17 item 3).
            confidence *= _ASPECT_MISSING_FACTOR
        return Answer(
            status=status,
            text=composition.text,
            citations=composition.citations,
            offices=composition.offices,
            more=composition.more,
            confidence=round(confidence, 4),
            handoff_offered=False,
            topic=service.title,
            candidate_doc_ids=list(dict.fromkeys([service.doc_id, *candidates])),
            language=decision.language,
            trace=AnswerTrace(policy_label=decision.label.value),
        )

    def _generated(
        self,
        answer: Answer,
        service: Service,
        message: str,
        extractive: Composition,
        turns: Sequence[Turn],
    ) -> Answer:
        """``answer`` with the LLM's grounded text, or unchanged (trace says why; issue #6)."""
        assert self._llm is not None
        composition, llm = self._llm.compose(
            service, message, fallback=extractive, history=turns, language=answer.language
        )
        shown = llm.outcome == "shown"
        grounding = (
            None if llm.grounding_ok is None else ("ok" if llm.grounding_ok else "grounding_failed")
        )
        trace = answer.trace.model_copy(
            update={"mode": "llm" if shown else "extractive", "grounding": grounding, "llm": llm}
        )
        update = {"text": composition.text, "citations": composition.citations, "trace": trace}
        return answer.model_copy(update=update)

    def _unanswerable_text(self, ranking: Ranking, tenant: str, lang: Language) -> str:
        parts = [self._policy.message("unanswerable", lang, of_city=_of(tenant, lang))]
        hint = self._catalogue_hint(ranking.query, tenant, lang)
        if hint:
            parts.append(hint)
        parts.append(self._policy.message("offer_person", lang))
        return "\n\n".join(parts)

    # --- OZG catalogue -----------------------------------------------------------------

    def _catalogue_entries(self, query: str, tenant: str) -> list[Service]:
        """Catalogue entries (shared OZG tenant) whose names contain the question's topic.

        Also used when the conversation's tenant is the catalogue itself: its lightweight
        entries are never an answer, only the name of the Leistung to route by.
        """
        catalogue = self._dialogue.catalogue_tenant
        if not catalogue or catalogue not in self._retriever.tenants():
            return []
        key = (self._retriever.meta.version, query)
        if key not in self._catalogue_cache:
            if len(self._catalogue_cache) >= _CATALOGUE_CACHE:
                self._catalogue_cache.clear()
            ranking = self._ranked(
                self._understander.search_for(query, tenant=catalogue), catalogue
            )
            entries: list[Service] = []
            for candidate in ranking.candidates[:3]:
                if candidate.features["own_named"] < 0.5 and candidate.features["named"] < 0.5:
                    continue
                service = self._retriever.get_service(candidate.hit.doc_id)
                if service is not None:
                    entries.append(service)
            self._catalogue_cache[key] = entries[:2]
        return self._catalogue_cache[key]

    def _catalogue_hint(self, query: str, tenant: str, lang: Language) -> str:
        entries = self._catalogue_entries(query, tenant)
        if not entries:
            return ""
        names = "; ".join(self._catalogue_name(entry, lang) for entry in entries)
        return self._policy.message("catalogue_hint", lang, names=names, of_city=_of(tenant, lang))

    def _catalogue_name(self, entry: Service, lang: Language) -> str:
        """The catalogue's (German) name of the Leistung, its life situation named in ``lang``."""
        info = entry.ozg[0] if entry.ozg else None
        name = f"„{entry.title}“"
        if info and info.life_situation:
            situation = self._policy.message("life_situation", lang, name=info.life_situation)
            name += f" ({situation})"
        return name

    def _catalogue_topic(self, query: str, tenant: str) -> str | None:
        entries = self._catalogue_entries(query, tenant)
        return entries[0].title if entries else None

    # --- trace -------------------------------------------------------------------------

    def _trace(
        self,
        decision: PolicyDecision,
        ranking: Ranking,
        timings: dict[str, float],
        understanding: Understanding,
    ) -> AnswerTrace:
        meta = self._retriever.meta
        return AnswerTrace(
            policy_label=decision.label.value,
            matched_rule=decision.rule_id,
            retrieval_query=ranking.query,
            hits=[
                TraceHit(doc_id=c.hit.doc_id, passage_id=c.hit.passage_id, score=c.score)
                for c in ranking.candidates
            ],
            index_version=meta.version,
            embedder=meta.embedder.name,
            settings={
                **self._settings_snapshot(),
                "confidence": round(ranking.confidence, 4),
                "followup": understanding.followup,
            },
            timings_ms=timings,
            understanding=understanding,
        )

    def _rule_trace(
        self,
        label: str,
        rule_id: str | None,
        timings: dict[str, float],
        understanding: Understanding,
    ) -> AnswerTrace:
        """The trace of an answer that no ranking chose (a rule's, an error, a choice)."""
        return AnswerTrace(
            policy_label=label,
            matched_rule=rule_id,
            settings=self._settings_snapshot(),
            timings_ms=timings,
            understanding=understanding,
        )

    def _settings_snapshot(self) -> dict[str, float | int | str | bool | None]:
        retrieval = self._settings.retrieval
        return {
            "min_confidence": self._dialogue.min_confidence,
            "max_answer_chars": self._dialogue.max_answer_chars,
            "answer_context": self._dialogue.answer_context,
            "answer_context_chars": self._dialogue.answer_context_chars,
            "line_scoring": "lexical",
            "retrieval_mode": retrieval.mode,
            "rrf_k": retrieval.rrf_k,
            "dense_weight": retrieval.dense_weight,
            "sparse_weight": retrieval.sparse_weight,
            "rules_version": self._policy.spec.version,
        }


def _of(tenant: str, lang: Language) -> str:
    return city_name(tenant, lang)


def _one_line(service: Service) -> str:
    """The first sentence of the service's summary (or text), at most one short line."""
    text = service.summary or next((s.text for s in service.sections if s.text.strip()), "")
    line = " ".join(text.split())
    end = line.find(". ")
    line = line[: end + 1] if 0 < end < _SUMMARY_CHARS else line
    return textwrap.shorten(line, width=_SUMMARY_CHARS, placeholder=" …")


def _clarified_question(turns: Sequence[Turn], *, fallback: str) -> tuple[str, list[Turn]]:
    """The citizen's message that the last bot turn answered with choices, and the turns
    before it (``fallback`` when the history has none)."""
    seen_bot = False
    for index in range(len(turns) - 1, -1, -1):
        turn = turns[index]
        if turn.role == "bot":
            seen_bot = True
        elif turn.role == "citizen" and seen_bot:
            return turn.text, list(turns[:index])
    return fallback, list(turns)


def _earlier_turns(message: str, history: Sequence[Turn], limit: int) -> list[Turn]:
    """The last ``limit`` turns before ``message`` (the API may include the message itself)."""
    turns = list(history)
    if turns and turns[-1].role == "citizen" and turns[-1].text.strip() == message.strip():
        turns = turns[:-1]
    return turns[-limit:] if limit else []


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 2)


def _evidence(ranking: Ranking, service: Service) -> str:
    """The passage of ``service`` the retrieval scored best for the question, if any."""
    hit = next((c.hit for c in ranking.candidates if c.hit.doc_id == service.doc_id), None)
    return hit.text if hit is not None else ""


def _leans_to_danger(match: EmergencyMatch | None) -> bool:
    """Whether the net judged the message (emergency.applies) and found an emergency
    example nearer than every counter-example, whatever its threshold: where the present-
    danger classifier fires at ``fire``; elsewhere it needs ``fire_alone`` (docs/policy.md:
    vague statements unlike any training message can score high)."""
    return match is not None and match.similarity > match.other_similarity
