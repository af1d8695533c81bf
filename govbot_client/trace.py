"""The answer trace: what the KI-Hub needs to replay and audit one answer.

Written by the dialogue (bot/), stored as JSON in the answer log, served by the staff
API and read by the console and the evaluation, all as these models. It lives here,
in the package of the API's shared models, because the console may not import bot/.

``AnswerTrace.version`` is the shape the JSON was written in. A stored trace of an
older version is upgraded step by step when read; rows stored before the trace was
versioned carry none and are version 1. Versions: 1 (release 88e79c0, unversioned),
2 (adds ``understanding``), 3 (adds ``help``, the evidence of the help grade, issue 16).

``AnswerTrace`` is generic in the *understanding* of the message (issue 11): bot/
reads and writes it as its typed ``Understanding`` (``AnswerTrace[Understanding]``,
bot/answer.py), whose model belongs to bot/; clients such as the console read its
JSON (``AnswerTrace[dict[str, Any]]``, the staff API's answer log).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

# The shape of AnswerTrace as stored in the answer log (answers.trace). Raise it with a
# change of shape and add a step to _TRACE_UPGRADES that turns the previous version's
# JSON into the new one, so rows written by older releases still load (issue 11, item 5).
TRACE_VERSION: Literal[3] = 3
UnderstandingT = TypeVar("UnderstandingT")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TraceHit(_Frozen):
    """One retrieval hit as recorded in the trace."""

    doc_id: str
    passage_id: str
    score: float


class LlmTrace(_Frozen):
    """What happened in LLM mode (issue #6): model, prompt, grounding and the outcome.

    ``outcome``: ``shown`` (the generated text was served), ``grounding_failed`` (the
    check refused it, or its translation into the citizen's language lost a number, phone
    number, link or name; the extractive answer was served), ``llm_unavailable`` (timeout,
    error or open circuit breaker), ``no_answer`` (the model said the passages do not
    answer), ``skipped`` (not asked).
    """

    model: str
    prompt_version: str
    outcome: Literal["shown", "grounding_failed", "llm_unavailable", "no_answer", "skipped"]
    grounding_ok: bool | None = None
    reasons: list[str] = Field(default_factory=list)
    cited_passages: list[str] = Field(default_factory=list)
    latency_ms: float | None = None
    # What the model wrote (redacted, at most DRAFT_CHARS), also when it was not shown: the
    # KI-Hub audits refused drafts in the answer log. Never sent to the citizen.
    draft: str | None = None


class HelpGrade(StrEnum):
    """Which help comes first (issue #16): ``danger`` = present danger to life or health
    (status ``emergency``, 112/110 first and alone); ``urgent`` = ill, infection, a doctor
    needed now (116 117 and health information, then the normal answer); ``social`` = no
    home, no money for food, violence in the past, a crisis without acute danger (help
    services and counselling lines, then the service answer)."""

    DANGER = "danger"
    URGENT = "urgent"
    SOCIAL = "social"


class HelpEvidence(_Frozen):
    """Why a help grade fired: the rule, the semantic check's nearest example, or the
    present-danger classifier's probability (``probability``: its reading of the message
    whichever mechanism fired, issue 16)."""

    grade: HelpGrade
    source: Literal["rule", "semantic", "classifier"]
    rule_id: str | None = None
    similarity: float | None = None
    nearest: str | None = None
    counter_similarity: float | None = None
    counter_nearest: str | None = None
    probability: float | None = None
    language: str = "de"


class DangerCheck(_Frozen):
    """The present-danger classifier's reading of one message (bot/dialogue/danger.py):
    its probability, the thresholds it was judged by, and which mechanism decided
    (``vetoed``: the grammar said danger, the classifier overruled it as no present danger)."""

    probability: float
    fire: float  # the fire threshold that applied (the net leaning to danger or not)
    veto: float
    verdict: Literal["rule", "net", "classifier", "vetoed", "none"]
    rule_id: str | None = None  # the grammar's rule (the overruled one for ``vetoed``)
    # Where the whole message's probability would overrule the grammar's danger grade and
    # the message has several sentences: the highest probability of one sentence alone
    # (an emergency told after a service question: the question must not dilute it).
    sentence_probability: float | None = None
    net: float | None = None  # the probability a hit of the semantic net needs to stand


class VerdictCheck(_Frozen):
    """The verdict-request classifier's reading of one message (bot/dialogue/verdict.py):
    its probability, the thresholds it was judged by, and which mechanism decided
    (``classifier``: it turned a service question into a verdict request; ``vetoed``: the
    grammar said decision, the classifier overruled it as a procedural question)."""

    probability: float
    fire: float
    veto: float
    verdict: Literal["rule", "classifier", "vetoed", "none"]
    rule_id: str | None = None  # the grammar's rule (the overruled one for ``vetoed``)


class AnswerTrace(_Frozen, Generic[UnderstandingT]):
    """Everything needed to replay and audit an answer; stored as JSON in the answer log.

    ``version`` is the shape the JSON was written in; rows from before versioning carry
    none and are version 1. Reading a stored trace upgrades it step by step.
    """

    version: Literal[3] = TRACE_VERSION
    policy_label: str
    matched_rule: str | None = None
    retrieval_query: str | None = None
    hits: list[TraceHit] = Field(default_factory=list)
    index_version: str | None = None
    embedder: str | None = None
    settings: dict[str, float | int | str | bool | None] = Field(default_factory=dict)
    mode: Literal["extractive", "llm"] = "extractive"
    timings_ms: dict[str, float] = Field(default_factory=dict)
    grounding: str | None = None
    llm: LlmTrace | None = None
    understanding: UnderstandingT | None = None  # what was read from the message (issue 11)
    help: HelpEvidence | None = None  # which help grade fired, on what evidence (issue 16)
    danger: DangerCheck | None = None  # the present-danger classifier's reading (issue 16)
    verdict: VerdictCheck | None = None  # the verdict-request classifier's reading (issue 12)

    @model_validator(mode="before")
    @classmethod
    def _upgrade(cls, data: Any) -> Any:
        """Bring JSON written by an older release to the current shape."""
        if not isinstance(data, dict):
            return data
        version = data.get("version", 1)
        if not isinstance(version, int) or not 1 <= version <= TRACE_VERSION:
            raise ValueError(
                f"answer trace version {version!r} is unknown; this release reads versions"
                f" 1 to {TRACE_VERSION} (a newer release wrote it?)"
            )
        for step in range(version, TRACE_VERSION):
            data = _TRACE_UPGRADES[step](data)
        return {**data, "version": TRACE_VERSION}


# version -> the function that turns a trace of that version into the next one.
_TRACE_UPGRADES: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {
    1: lambda trace: {"understanding": None, **trace},  # version 2 added the understanding
    2: lambda trace: {"help": None, **trace},  # version 3 added the help grade's evidence
}
# A trace built in code without ``version`` passes through the steps too, so a step only
# adds what is missing and never overwrites a key that is there.
