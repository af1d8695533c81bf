"""How GovBot's replies become Rasa bot messages (text plus buttons), in every language of
the text catalogue (``rasa.*`` keys of bot/texts/<language>.yaml; issue 13 item 4).

A ``BotMessage`` is what one ``dispatcher.utter_message(text=…, buttons=…)`` sends. Source
links are buttons of type ``web_url`` (channels that render links open the page) and are
also written into the text, so plain-text channels show them too. The handoff offer is a
button whose payload triggers the intent ``govbot_handoff`` (docs/rasa.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from bot.texts.catalogue import shipped_texts
from bot.understanding.wording import Language
from govbot_client.citizen import (
    AnswerPublic,
    CitationPublic,
    ConversationPublic,
    HandoffCreated,
    HandoffRef,
    MessagePublic,
)

HANDOFF_INTENT = "govbot_handoff"
EMERGENCY = "emergency"


def text(key: str, language: Language) -> str:
    """One of the integration's own texts (``rasa.<key>`` of the text catalogue)."""
    return shipped_texts().text(f"rasa.{key}", language)


class BotMessage(BaseModel):
    """One Rasa bot message: text and optional buttons (``title``, ``payload``, ``url``…)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str
    buttons: list[dict[str, str]] = Field(default_factory=list)


def handoff_button(language: Language, *, key: str = "handoff_button") -> dict[str, str]:
    """The button that triggers ``action_govbot_handoff`` through the ``govbot_handoff`` intent."""
    return {"title": text(key, language), "payload": f"/{HANDOFF_INTENT}"}


def unavailable(language: Language) -> list[BotMessage]:
    """GovBot could not be asked: a friendly message and the offer to talk to a person."""
    return [BotMessage(text=text("unavailable", language), buttons=[handoff_button(language)])]


def handoff_failed(language: Language) -> list[BotMessage]:
    """The escalation could not be opened: say so and offer to try again."""
    button = handoff_button(language, key="retry_handoff_button")
    return [BotMessage(text=text("handoff_failed", language), buttons=[button])]


def handoff_confirmation(handoff: HandoffRef | HandoffCreated, language: Language) -> BotMessage:
    """The reference and the promised response time."""
    line = text("handoff_done", language).format(
        reference=handoff.reference, expected=handoff.expected_response
    )
    return BotMessage(text=line)


def answer_messages(
    answer: AnswerPublic,
    *,
    started: ConversationPublic | None,
    language: Language,
) -> list[BotMessage]:
    """The answer, its sources and, on the first turn, the AI notice (EU AI Act Art. 50).

    Emergency answers come first and in full, before the notice, because they tell the
    citizen to call 112/110 now.
    """
    main = [_answer_message(answer, language)]
    if answer.handoff is not None and answer.handoff.reference not in answer.text:
        main.append(handoff_confirmation(answer.handoff, language))
    if answer.citations:
        main.append(_sources_message(answer.citations, language))
    notice = [BotMessage(text=started.notice)] if started is not None else []
    return main + notice if answer.status == EMERGENCY else notice + main


def relayed_messages(
    messages: Sequence[MessagePublic], *, current_seq: int, language: Language
) -> list[BotMessage]:
    """Service-desk replies written since the citizen's previous message, then a note."""
    earlier = [m.seq for m in messages if m.role == "citizen" and m.seq < current_seq]
    since = max(earlier, default=0)
    label = text("agent", language)
    relayed = [
        BotMessage(text=f"{label}: {m.text}")
        for m in messages
        if m.role == "agent" and since < m.seq < current_seq
    ]
    return [*relayed, BotMessage(text=text("with_service_team", language))]


def _answer_message(answer: AnswerPublic, language: Language) -> BotMessage:
    buttons = [handoff_button(language)] if answer.handoff_offered and not answer.handoff else []
    return BotMessage(text=answer.text, buttons=buttons)


def _sources_message(citations: Sequence[CitationPublic], language: Language) -> BotMessage:
    lines = [text("sources", language)]
    buttons: list[dict[str, str]] = []
    for citation in citations:
        title = _source_title(citation, language)
        lines.append(f"- {title}: {citation.url}" if citation.url else f"- {title}")
        if citation.url:
            # `payload` too: channels without link buttons (e.g. Rasa's console) print it.
            buttons.append(
                {"title": title, "type": "web_url", "url": citation.url, "payload": citation.url}
            )
    return BotMessage(text="\n".join(lines), buttons=buttons)


def _source_title(citation: CitationPublic, language: Language) -> str:
    if citation.updated is None:
        return citation.title
    return f"{citation.title} ({text('as_of', language)} {_date(citation.updated, language)})"


def _date(day: date, language: Language) -> str:
    return f"{day:%d.%m.%Y}" if language == "de" else day.isoformat()
