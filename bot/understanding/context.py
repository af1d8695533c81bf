"""Follow-up questions: which earlier topic a short or anaphoric message refers to.

After an answer about the Personalausweis, "Und was kostet das?" or "Welche Unterlagen
brauche ich dafür?" name no service of their own. Such a message keeps the previous
answer's document (``keep_doc_id``) and is searched together with the previous
question. A short message that starts like a continuation ("Und für Kinder?") but names
something new is searched together with the previous question; the dialogue engine
prefers the message alone when that already names a service clearly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.understanding.lexicon import content_stems, words
from bot.understanding.wording import word_set

_CONTINUATIONS = word_set("und aber also auch oder and what how")
_ANAPHORA = word_set(
    "das dies dafuer dazu hierfuer hierzu damit davon dort dabei darauf darueber "
    "dasselbe denselben dieselbe it that there this"
)
_SHORT = 6
_COMBINABLE = 9


class Turn(BaseModel):
    """One earlier message of a conversation (citizen, bot, agent or system)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    role: Literal["citizen", "bot", "agent", "system"]
    text: str
    doc_ids: list[str] = Field(default_factory=list)


class Resolution(BaseModel):
    """How a message is searched, given the conversation so far."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    query: str
    keep_doc_id: str | None = None
    kind: Literal["none", "anaphoric", "combined"] = "none"
    message_query: str = ""


def resolve_followup(
    message: str, turns: Sequence[Turn], *, normalized: str | None = None
) -> Resolution:
    """Search query for ``message`` and the document to keep, if it is a follow-up
    (``normalized``: the message's normalised form, when the caller has it)."""
    previous = _previous_question(turns)
    if previous is None:
        return Resolution(query=message, message_query=message)
    read = message if normalized is None else normalized
    tokens = words(read)
    topical = content_stems(read, topical=True, numbers=False)
    continues = bool(tokens) and tokens[0] in _CONTINUATIONS
    refers = any(token in _ANAPHORA for token in tokens)
    combined = f"{previous} {message}"  # the earlier question comes first
    if not topical and (continues or refers or len(tokens) <= _SHORT):
        doc_ids = previous_doc_ids(turns)
        return Resolution(
            query=combined,
            keep_doc_id=doc_ids[0] if doc_ids else None,
            kind="anaphoric",
            message_query=message,
        )
    if (continues or refers) and len(tokens) <= _COMBINABLE:
        return Resolution(query=combined, kind="combined", message_query=message)
    return Resolution(query=message, message_query=message)


def _previous_question(turns: Sequence[Turn]) -> str | None:
    """The citizen's last earlier message that named a topic of its own."""
    for turn in reversed(turns):
        if turn.role == "citizen" and content_stems(turn.text, topical=True, numbers=False):
            return turn.text
    return None


def previous_doc_ids(turns: Sequence[Turn]) -> list[str]:
    """Documents cited by the bot's most recent answer that cited any."""
    for turn in reversed(turns):
        if turn.role == "bot" and turn.doc_ids:
            return list(turn.doc_ids)
    return []
