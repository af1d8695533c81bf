"""The Answer object: what the bot returns for every citizen message.

Glossary: a *Citation* names the source (document id, service title, section, URL,
"Stand" date) an answer is taken from; *OfficeInfo* is a responsible office
(Zuständige Stelle) shown with the answer; *AnswerTrace* is what the KI-Hub needs to
replay an answer (policy decision, retrieval hits, index version, settings, timings).
A *Turn* is one earlier message of the conversation, as the dialogue engine sees it.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.texts.catalogue import CatalogueLanguage
from bot.understanding.context import Turn as Turn  # re-exported: turns come with answers
from bot.understanding.understanding import Understanding


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AnswerStatus(StrEnum):
    """How the bot handled a message (issue #3, part 2)."""

    ANSWERED = "answered"
    CLARIFY = "clarify"
    UNANSWERABLE = "unanswerable"
    HANDOFF = "handoff"
    REFUSED_DECISION = "refused_decision"
    EMERGENCY = "emergency"
    GUARDRAIL = "guardrail"
    ERROR = "error"


class Citation(_Frozen):
    """One source an answer is taken from."""

    doc_id: str
    title: str
    section: str = ""
    url: str = ""
    updated: date | None = None
    curated: bool = False


class OfficeInfo(_Frozen):
    """A responsible office shown with an answer."""

    name: str
    address: str = ""
    opening_hours: list[str] = Field(default_factory=list)
    phone: str = ""
    email: str = ""
    appointment_url: str = ""


class HandoffInfo(_Frozen):
    """Reference and expected response time of an escalation (filled by the API layer)."""

    reference: str
    expected_response: str


class TraceHit(_Frozen):
    """One retrieval hit as recorded in the trace."""

    doc_id: str
    passage_id: str
    score: float


class LlmTrace(_Frozen):
    """What happened in LLM mode (issue #6): model, prompt, grounding and the outcome.

    ``outcome``: ``shown`` (the generated text was served), ``grounding_failed`` (the
    check refused it, the extractive answer was served), ``llm_unavailable`` (timeout,
    error or open circuit breaker), ``no_answer`` (the model said the passages do not
    answer), ``skipped`` (not a language the prompt supports).
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


class AnswerTrace(_Frozen):
    """Everything needed to replay and audit an answer."""

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
    understanding: Understanding | None = None  # what was read from the message (issue 11)


class Answer(_Frozen):
    """The bot's reply to one citizen message."""

    status: AnswerStatus
    text: str
    citations: list[Citation] = Field(default_factory=list)
    offices: list[OfficeInfo] = Field(default_factory=list)
    confidence: float = Field(default=0.0, ge=0.0, le=1.0)
    handoff_offered: bool = False
    handoff: HandoffInfo | None = None
    topic: str | None = None
    candidate_doc_ids: list[str] = Field(default_factory=list)
    language: CatalogueLanguage = "de"
    trace: AnswerTrace

    @property
    def doc_ids(self) -> list[str]:
        """Ids of the cited documents, in citation order, without duplicates."""
        return list(dict.fromkeys(c.doc_id for c in self.citations))
