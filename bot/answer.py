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

from pydantic import BaseModel, ConfigDict, Field

from bot.texts.catalogue import CatalogueLanguage
from bot.understanding.context import Turn as Turn  # re-exported: turns come with answers
from bot.understanding.understanding import Understanding

# The trace is part of the API's JSON (the staff answer log), so its model lives with the
# API's shared models (govbot_client/trace.py), generic in what the understanding of the
# message is: here the typed Understanding, for clients its JSON.
from govbot_client.trace import (
    TRACE_VERSION,
    DangerCheck,
    HelpEvidence,
    HelpGrade,
    LlmTrace,
    TraceHit,
    VerdictCheck,
)
from govbot_client.trace import AnswerTrace as StoredTrace

AnswerTrace = StoredTrace[Understanding]

__all__ = [
    "TRACE_VERSION",
    "Answer",
    "AnswerStatus",
    "AnswerTrace",
    "Citation",
    "DangerCheck",
    "HandoffInfo",
    "HelpEvidence",
    "HelpGrade",
    "LlmTrace",
    "OfficeInfo",
    "TraceHit",
    "Turn",
    "VerdictCheck",
]


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
    language: str = "de"  # of the cited text the answer shows (a translation's, or the source's)


class OfficeInfo(_Frozen):
    """A responsible office shown with an answer."""

    name: str
    address: str = ""
    opening_hours: list[str] = Field(default_factory=list)
    phone: str = ""
    email: str = ""
    appointment_url: str = ""


class AnswerOption(_Frozen):
    """One clarifying choice offered with an answer (issue 12 item 2): a service to pick."""

    doc_id: str
    title: str
    summary: str = ""  # one line


class MoreSection(_Frozen):
    """A further section of the answer's service, offered behind "Mehr anzeigen" (issue 17).

    ``key`` is the section's position in the service; ``GET
    /api/v1/conversations/{id}/more?doc_id=…&key=…`` returns its text.
    """

    doc_id: str
    key: str
    title: str


class HandoffInfo(_Frozen):
    """Reference and expected response time of an escalation (filled by the API layer)."""

    reference: str
    expected_response: str


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
    options: list[AnswerOption] = Field(default_factory=list)  # clarifying choices, best first
    more: list[MoreSection] = Field(default_factory=list)  # further sections, not pasted
    language: CatalogueLanguage = "de"
    help_grade: HelpGrade | None = None
    # The help block the text starts with (urgent/social grades), for clients that show it apart.
    help_text: str | None = None
    trace: AnswerTrace

    @property
    def doc_ids(self) -> list[str]:
        """Ids of the cited documents, in citation order, without duplicates."""
        return list(dict.fromkeys(c.doc_id for c in self.citations))

    @property
    def option_ids(self) -> list[str]:
        """Ids of the offered choices, in order, without duplicates."""
        return list(dict.fromkeys(o.doc_id for o in self.options))
