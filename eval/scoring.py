"""Scoring one evaluation case: the bot's answers to its messages → a CaseResult.

A CaseResult is self-contained (it keeps the expectations next to what happened), so
metrics, comparisons and reports can be computed from stored results alone. Citizen
text and answer text are stored redacted (bot/understanding/redaction.py), as in the answer log.

A stated gap (issue 17 item 3) is read from the answer text as the citizen reads it: the
text catalogue's sentence for that aspect (``answer.gap_<aspect>``, bot/texts/*.yaml) in
any of its languages, with any service title in it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import cache
from typing import TypedDict

from pydantic import BaseModel, ConfigDict, Field

from bot.answer import Answer, AnswerStatus
from bot.texts.catalogue import shipped_texts
from bot.understanding.redaction import redact
from eval.normalisation import missing_facts, normalise, unsupported_numbers
from eval.sets_schema import GAP_ASPECTS, Aspect, EvalCase
from knowledge.models import Service

MAX_TEXT_CHARS = 1200  # issue #3: short answers, sources listed separately
EARLY_CHARS = 300  # issue 17: the line that answers should be among the first 300 characters
# The text catalogue's key of the sentence that says a source lacks an aspect.
GAP_KEYS = {
    Aspect.FEE: "answer.gap_fees",
    Aspect.DOCUMENTS: "answer.gap_documents",
    Aspect.DEADLINE: "answer.gap_deadlines",
    Aspect.DURATION: "answer.gap_duration",
}
_TITLE = "\x00title\x00"  # stands for the service title while a catalogue text becomes a pattern


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TurnCheck(_Frozen):
    """What happened on an earlier turn of a multi-turn case (checked where it has expectations)."""

    index: int
    status: str
    status_ok: bool | None = None
    source_ok: bool | None = None
    facts_missing: list[str] = Field(default_factory=list)
    latency_ms: float = 0.0


class CaseResult(_Frozen):
    """The outcome of one case: expectations, what the bot did, and the checks."""

    case_id: str
    position: int
    tenant: str
    kind: str
    topic: str = ""
    language: str = "de"
    style: str | None = None
    split: str | None = None  # tune / holdout (tags.split)
    question: str  # final message, redacted
    turns: int = 1
    expected_status: list[str]
    status: str
    status_ok: bool
    expected_ids: list[str] = Field(default_factory=list)
    cited_ids: list[str] = Field(default_factory=list)
    candidate_ids: list[str] = Field(default_factory=list)
    option_ids: list[str] = Field(default_factory=list)  # clarifying choices offered
    retrieved_ids: list[str] | None = None  # plain retrieval for the final message, best first
    source_ok: bool | None = None  # None: the case names no source
    # Reached: an expected source cited or offered as a choice (issue 12 item 2).
    reached: bool | None = None
    # The worst outcome: answered with confidence, none of the expected sources cited.
    wrong_confident: bool | None = None
    # Acceptable outcome (issue 12 item 2): a service question (expected sources, an answer
    # expected) answered citing one of them or given choices containing one; any other
    # case: its status is right.
    outcome_ok: bool = False
    facts: list[str] = Field(default_factory=list)
    facts_missing: list[str] = Field(default_factory=list)
    facts_ok: bool | None = None
    answer_lines: int = 0
    answer_line_ok: bool | None = None
    answer_line_early: bool | None = None  # a line within the first EARLY_CHARS characters
    expected_help: list[str] = Field(default_factory=list)
    help_grade: str | None = None  # the answer's graded help, where the engine reports one
    help_ok: bool | None = None  # None: the case expects no grade or the engine reports none
    # Why the grade fired (issue 16): rule id, or similarity and nearest example.
    help_evidence: str | None = None
    # Why a verdict was refused or a grammar refusal overruled (issue 12 item 4): the rule,
    # the verdict-request classifier's probability and thresholds.
    verdict_evidence: str | None = None
    unsupported_numbers: list[str] = Field(default_factory=list)
    grounded: bool | None = None  # None: not an answer with citations
    expected_gap: str | None = None  # the aspect the source lacks (issue 17 item 3)
    gap_stated: bool | None = None  # None: the case expects no gap
    gaps_claimed: list[str] = Field(default_factory=list)  # aspects the answer says are missing
    text: str = ""  # answer text, redacted
    text_chars: int = 0
    answer_language: str | None = None  # the language the answer was written in
    # The language of the cited text the answer shows (a translation's or the German source's).
    content_language: str | None = None
    confidence: float = 0.0
    latency_ms: float = 0.0  # final message
    earlier_turns: list[TurnCheck] = Field(default_factory=list)
    policy_label: str | None = None
    matched_rule: str | None = None
    answer_mode: str = "extractive"  # "llm" when a generated text was shown (issue #6)
    llm_outcome: str | None = None  # LlmTrace.outcome: shown, grounding_failed, llm_unavailable …
    error: str | None = None

    @property
    def primary_status(self) -> str:
        """The status a case is counted under when its answer's status is not acceptable."""
        return self.status if self.status_ok else self.expected_status[0]


def service_text(service: Service) -> str:
    """Everything a cited service says, for checking numbers in an answer against it."""
    parts = [service.title, service.summary, service.url, service.appointment_url]
    parts.extend(f"{s.title}\n{s.text}" for s in service.sections)
    for office in service.offices:
        address = office.address.one_line() if office.address else ""
        parts.extend([office.name, address, office.phone, office.fax, office.email])
        parts.extend(office.opening_hours)
    parts.extend(link.title for link in [*service.online_services, *service.forms])
    if service.updated is not None:
        parts.append(service.updated.strftime("%d.%m.%Y"))
        parts.append(service.updated.isoformat())
    for translation in service.translations:  # an answer may show the page's own translation
        parts.extend([translation.title, translation.summary, translation.url])
        parts.extend(f"{s.title}\n{s.text}" for s in translation.sections)
        if translation.updated is not None:
            parts.append(translation.updated.strftime("%d.%m.%Y"))
    return "\n".join(part for part in parts if part)


def score_case(
    case: EvalCase,
    answers: Sequence[Answer],
    *,
    position: int,
    latencies_ms: Sequence[float],
    sources: Mapping[str, str],
    retrieved_ids: list[str] | None = None,
) -> CaseResult:
    """Score the answers to ``case.messages`` (one per message, in order).

    ``sources`` maps cited doc ids to their text (see :func:`service_text`); an id
    missing from it counts as a source without numbers.
    """
    if len(answers) != len(case.messages) or len(latencies_ms) != len(answers):
        raise ValueError(
            f"case {case.id!r} has {len(case.messages)} messages but {len(answers)} answers "
            f"and {len(latencies_ms)} latencies were given"
        )
    final = answers[-1]
    cited = final.doc_ids
    offered = final.option_ids
    expected = set(case.expected)
    status_ok = final.status.value in case.expected_status
    help_grade = _help_grade(final)
    facts_lost = missing_facts(final.text, case.facts)
    claimed = gaps_stated(final.text)
    grounded: bool | None = None
    unsupported: list[str] = []
    if final.status is AnswerStatus.ANSWERED and cited:
        unsupported = unsupported_numbers(final.text, [sources.get(i, "") for i in cited])
        grounded = not unsupported
    return CaseResult(
        **_case_fields(case, position=position),
        status=final.status.value,
        status_ok=status_ok,
        outcome_ok=(
            _reached_by_answer_or_choice(final, expected)
            if expected and "answered" in case.expected_status
            else status_ok
        ),
        cited_ids=cited,
        candidate_ids=list(final.candidate_doc_ids),
        option_ids=offered,
        retrieved_ids=retrieved_ids,
        source_ok=bool(set(cited) & expected) if expected else None,
        reached=bool((set(cited) | set(offered)) & expected) if expected else None,
        wrong_confident=(
            final.status is AnswerStatus.ANSWERED and not set(cited) & expected
            if expected
            else None
        ),
        facts=list(case.facts),
        facts_missing=facts_lost,
        facts_ok=not facts_lost if case.facts else None,
        answer_lines=len(case.answer_lines),
        answer_line_ok=_contains_a_line(final.text, case.answer_lines),
        answer_line_early=_contains_a_line(final.text[:EARLY_CHARS], case.answer_lines),
        expected_help=[grade.value for grade in case.expected_help],
        help_grade=help_grade,
        help_ok=_help_ok(case, help_grade),
        help_evidence=_help_evidence(final),
        verdict_evidence=_verdict_evidence(final),
        unsupported_numbers=unsupported,
        grounded=grounded,
        expected_gap=case.expected_gap.value if case.expected_gap else None,
        gap_stated=(case.expected_gap.value in claimed if case.expected_gap is not None else None),
        gaps_claimed=claimed,
        text=redact(final.text).text,
        text_chars=len(final.text),
        answer_language=final.language,
        content_language=final.citations[0].language if final.citations else None,
        confidence=final.confidence,
        latency_ms=round(latencies_ms[-1], 3),
        earlier_turns=_earlier_turns(case, answers, latencies_ms),
        policy_label=final.trace.policy_label,
        matched_rule=final.trace.matched_rule,
        answer_mode=final.trace.mode,
        llm_outcome=final.trace.llm.outcome if final.trace.llm else None,
    )


class _CaseFields(TypedDict):
    """What a CaseResult says about its case, whatever the bot did."""

    case_id: str
    position: int
    tenant: str
    kind: str
    topic: str
    language: str
    style: str | None
    split: str | None
    question: str
    turns: int
    expected_status: list[str]
    expected_ids: list[str]


def _case_fields(case: EvalCase, *, position: int) -> _CaseFields:
    """The case's own fields of its result (the final message redacted)."""
    return _CaseFields(
        case_id=case.id,
        position=position,
        tenant=case.tenant,
        kind=case.tags.kind.value,
        topic=case.tags.topic,
        language=case.tags.language,
        style=case.tags.style.value if case.tags.style else None,
        split=case.tags.split.value if case.tags.split else None,
        question=redact(case.final_message).text,
        turns=len(case.messages),
        expected_status=[s.value for s in case.expected_status],
        expected_ids=list(case.expected),
    )


def _reached_by_answer_or_choice(final: Answer, expected: set[str]) -> bool:
    """An answer citing an expected source, or a choice offering one (issue 12 item 2)."""
    if final.status is AnswerStatus.ANSWERED:
        return bool(set(final.doc_ids) & expected)
    if final.status is AnswerStatus.CLARIFY:
        return bool(set(final.option_ids) & expected)
    return False


def error_result(case: EvalCase, *, position: int, error: str) -> CaseResult:
    """A case whose pipeline raised: status ``error``, every check failed."""
    return CaseResult(
        **_case_fields(case, position=position),
        status=AnswerStatus.ERROR.value,
        status_ok=AnswerStatus.ERROR.value in case.expected_status,
        outcome_ok=AnswerStatus.ERROR.value in case.expected_status,
        source_ok=False if case.expected else None,
        reached=False if case.expected else None,
        facts=list(case.facts),
        facts_missing=list(case.facts),
        facts_ok=False if case.facts else None,
        answer_lines=len(case.answer_lines),
        answer_line_ok=False if case.answer_lines else None,
        answer_line_early=False if case.answer_lines else None,
        expected_help=[grade.value for grade in case.expected_help],
        expected_gap=case.expected_gap.value if case.expected_gap else None,
        gap_stated=False if case.expected_gap is not None else None,
        error=error,
    )


def gaps_stated(text: str) -> list[str]:
    """The aspects (of GAP_ASPECTS) that ``text`` says its source does not state."""
    return [aspect.value for aspect in GAP_ASPECTS if _gap_pattern(aspect).search(text)]


@cache
def _gap_pattern(aspect: Aspect) -> re.Pattern[str]:
    """The catalogue's gap sentences for ``aspect`` in every language, any title."""
    texts = shipped_texts()
    sentences = {
        re.escape(texts.text(GAP_KEYS[aspect], language, title=_TITLE)).replace(
            re.escape(_TITLE), ".+?"
        )
        for language in texts.languages
    }
    return re.compile("|".join(sorted(sentences)))


def _help_grade(answer: Answer) -> str | None:
    """The answer's graded help (issue 16), where the engine reports one; ``none`` for null."""
    if "help_grade" not in type(answer).model_fields:
        return None
    grade = getattr(answer, "help_grade", None)
    return str(getattr(grade, "value", grade)) if grade is not None else "none"


def _help_evidence(answer: Answer) -> str | None:
    """The evidence of the answer's help grade as one line, or the matched rule of an
    emergency answer from an engine that reports no grade."""
    evidence = answer.trace.help
    danger = answer.trace.danger
    if evidence is None and danger is not None and danger.verdict == "vetoed":
        return f"{danger.rule_id} overruled: classifier p={danger.probability:.3f} < {danger.veto}"
    if evidence is None:
        return answer.trace.matched_rule if answer.status is AnswerStatus.EMERGENCY else None
    line = f"{evidence.rule_id or evidence.source} ({evidence.language})"
    if evidence.similarity is not None:
        line += f": {evidence.similarity:.3f} ~ „{evidence.nearest}“"
        if evidence.counter_similarity is not None:
            line += f", counter {evidence.counter_similarity:.3f} ~ „{evidence.counter_nearest}“"
    if danger is not None:  # the present-danger classifier's reading (bot/dialogue/danger.py)
        line += f"; classifier p={danger.probability:.3f} ({danger.verdict})"
    return line


def _verdict_evidence(answer: Answer) -> str | None:
    """The verdict-request classifier's reading as one line (bot/dialogue/verdict.py), for
    a refusal or a grammar refusal it overruled; None for an engine without one."""
    check = getattr(answer.trace, "verdict", None)
    refused = answer.status is AnswerStatus.REFUSED_DECISION
    if check is None:
        return answer.trace.matched_rule if refused else None
    if check.verdict == "vetoed":
        return f"{check.rule_id} overruled: classifier p={check.probability:.3f} < {check.veto}"
    if check.verdict == "classifier":
        return f"classifier p={check.probability:.3f} >= {check.fire}"
    if not refused:
        return None
    return f"{check.rule_id}; classifier p={check.probability:.3f} ({check.verdict})"


def _help_ok(case: EvalCase, help_grade: str | None) -> bool | None:
    if not case.expected_help or help_grade is None:
        return None
    return help_grade in {grade.value for grade in case.expected_help}


def _contains_a_line(text: str, lines: Sequence[str]) -> bool | None:
    if not lines:
        return None
    haystack = normalise(text)
    return any(normalise(line) in haystack for line in lines if line.strip())


def _earlier_turns(
    case: EvalCase, answers: Sequence[Answer], latencies_ms: Sequence[float]
) -> list[TurnCheck]:
    checks: list[TurnCheck] = []
    for index, turn in enumerate(case.turns[:-1] if case.turns else []):
        answer = answers[index]
        checks.append(
            TurnCheck(
                index=index,
                status=answer.status.value,
                status_ok=(
                    answer.status.value in turn.expected_status if turn.expected_status else None
                ),
                source_ok=(
                    bool(set(answer.doc_ids) & set(turn.expected)) if turn.expected else None
                ),
                facts_missing=missing_facts(answer.text, turn.facts),
                latency_ms=round(latencies_ms[index], 3),
            )
        )
    return checks
