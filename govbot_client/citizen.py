"""The citizen API's JSON, one set of models for the API and its clients.

Requests (``…Create``) are what a client sends to ``/api/v1/conversations…``; responses
(``…Public``, ``…Posted``, ``…Created``) what it gets back; every error is an
``ErrorResponse``. bot/api serves exactly these models, govbot_client/client.py reads
them, so the two cannot drift apart (tests/govbot_client/test_schema.py compares them
with the OpenAPI schema the API publishes).

Responses ignore unknown fields: a client built against this release keeps working
against a newer API that adds fields. Requests refuse unknown fields.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from govbot_client.inputs import InputModel

ConversationStateName = Literal["bot", "waiting_for_agent", "with_agent", "closed"]
RoleName = Literal["citizen", "bot", "agent", "system"]


class _In(InputModel):
    """Request bodies: unknown fields refused, texts and numbers storable (inputs.py)."""


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


# --- errors ---------------------------------------------------------------------------


class ErrorBody(_Out):
    """What went wrong: a stable snake_case code, a message naming the value, details."""

    code: str
    message: str
    details: Any = None


class ErrorResponse(_Out):
    """The one error shape of every endpoint."""

    error: ErrorBody


# --- requests -------------------------------------------------------------------------


class ConversationCreate(_In):
    """Start a conversation for a municipality (tenant slug, e.g. ``muenchen``)."""

    tenant: str = Field(min_length=1, max_length=63, examples=["muenchen"])
    # Any language the server has a text catalogue for (de, en, tr, ar, uk, ru, pl, ro,
    # fa, fr in this release); the server answers an unsupported one with 422.
    language: str = Field(default="de", pattern=r"^[a-z]{2,3}$", examples=["de", "uk"])


class MessageCreate(_In):
    """A citizen's message (1..max_message_chars characters after trimming)."""

    text: str = Field(examples=["Was kostet ein Personalausweis?"])
    # The language the citizen chose (the widget's select) if it changed: from now on the
    # conversation's language. A message decisively in another language is still answered
    # in that one (the server's language identification).
    language: str | None = Field(default=None, pattern=r"^[a-z]{2,3}$")
    # A clarifying choice (issue 12 item 2): the doc id of one of the ``options`` of the
    # conversation's last answer; the bot then answers the question that led to the
    # choices from that service. Any other id is refused with 422. ``text`` is what the
    # citizen saw on the button (the option's title).
    choice: str | None = Field(
        default=None, min_length=3, max_length=200, examples=["muenchen/1063441"]
    )


class TranscriptLineCreate(_In):
    """One turn held outside GovBot (e.g. in a Rasa assistant) before the handoff."""

    role: Literal["citizen", "bot"]
    text: str = Field(min_length=1, max_length=2000)


class FeedbackCreate(_In):
    """Helpful or not, with an optional comment."""

    helpful: bool
    comment: str | None = Field(default=None, max_length=2000)


# --- responses ------------------------------------------------------------------------


class ConversationPublic(_Out):
    """A new conversation with the AI transparency notice (EU AI Act Art. 50)."""

    conversation_id: str
    tenant: str
    language: str
    state: ConversationStateName
    notice: str
    created_at: datetime


# CitationPublic, OfficePublic and OptionPublic repeat the fields of bot/answer.py's
# Citation, OfficeInfo and AnswerOption on purpose: HTTP schemas stay apart from the domain
# models (STYLE.md 7) and this package imports nothing of ours. A test in
# tests/govbot_client/test_schema.py keeps the fields in step.


class CitationPublic(_Out):
    """A source of an answer."""

    doc_id: str
    title: str
    section: str = ""
    url: str = ""
    updated: date | None = None
    curated: bool = False
    language: str = "de"  # of the cited text the answer shows (a translation's, or the source's)


class OfficePublic(_Out):
    """A responsible office."""

    name: str
    address: str = ""
    opening_hours: list[str] = Field(default_factory=list)
    phone: str = ""
    email: str = ""
    appointment_url: str = ""


class OptionPublic(_Out):
    """A clarifying choice: a service the citizen can pick to continue."""

    doc_id: str
    title: str
    summary: str = ""


class MorePublic(_Out):
    """A further section of the answer's service, behind "Mehr anzeigen" (issue 17): fetch
    it with ``GET /api/v1/conversations/{id}/more?doc_id=…&key=…``."""

    doc_id: str
    key: str
    title: str


class SectionPublic(_Out):
    """The text of one further section, fetched when the citizen asks for more."""

    doc_id: str
    key: str
    title: str
    text: str
    url: str = ""


class HandoffRef(_Out):
    """Reference and promised response time of an escalation."""

    reference: str
    expected_response: str


class AnswerPublic(_Out):
    """A bot answer as the citizen sees it."""

    status: str
    text: str
    citations: list[CitationPublic]
    offices: list[OfficePublic]
    options: list[OptionPublic] = Field(default_factory=list)
    more: list[MorePublic] = Field(default_factory=list)  # further sections, on request
    confidence: float
    handoff_offered: bool
    handoff: HandoffRef | None
    # Issue #16: which help comes first (danger = status emergency; urgent: 116 117 and
    # health information; social: help services and counselling) and its text block.
    help_grade: Literal["danger", "urgent", "social"] | None = None
    help_text: str | None = None
    # Issue 13: the language of ``text`` (the citizen's, detected per message), so that a
    # client's own labels (Rasa's buttons) can follow it.
    language: str = "de"


class MessagePublic(_Out):
    """One message of a conversation (answer set on bot messages)."""

    id: int
    seq: int
    role: RoleName
    text: str
    created_at: datetime
    answer: AnswerPublic | None = None


class MessagePosted(_Out):
    """The stored citizen message and the bot's answer (null while a person holds it)."""

    message: MessagePublic
    answer: AnswerPublic | None
    state: ConversationStateName


class MessagesPublic(_Out):
    """A conversation's messages after a sequence number."""

    conversation_id: str
    state: ConversationStateName
    messages: list[MessagePublic]


class HandoffCreated(_Out):
    """The escalation's reference and when to expect an answer."""

    reference: str
    expected_response: str
    state: ConversationStateName


class FeedbackCreated(_Out):
    """Id of the stored feedback."""

    id: int
