"""Rasa custom actions that delegate to GovBot, and the rasa-sdk action server running them.

- ``action_govbot_answer`` sends the latest user message to GovBot (tenant from the slot
  ``govbot_tenant`` or the configuration) and utters the answer, its sources and, on the
  first turn, the AI notice. The first turn starts a GovBot conversation whose id goes into
  the slot ``govbot_conversation_id``, so one Rasa conversation is one GovBot conversation.
- ``action_govbot_handoff`` opens a GovBot escalation with the latest Rasa turns as
  transcript and tells the user the reference and when to expect a reply.

Language (issue 13 item 4): a conversation starts in the slot ``govbot_language`` if the
Rasa project sets it (e.g. from the channel's locale), else in ``GOVBOT_RASA__LANGUAGE``.
GovBot answers each message in the citizen's language; the actions' own texts (sources,
buttons, handoff confirmation) follow the answer's language from the same text catalogue,
and the slot keeps it for the next action.

If GovBot cannot be asked (down, timeout, 4xx/5xx, a body that is not the API's JSON), the
user gets a friendly message and a handoff offer, never a stack trace; the log names the
failure but never the citizen's text. See docs/rasa.md for the Rasa project side.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Iterable
from functools import partial
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import ActionExecutor, CollectingDispatcher

from bot.integrations import rasa_responses
from bot.integrations.rasa_responses import BotMessage
from bot.services.access_log import log_ref
from bot.settings import Settings
from bot.texts.catalogue import CatalogueLanguage, shipped_texts
from govbot_client.citizen import (
    ConversationPublic,
    HandoffCreated,
    MessagePosted,
    TranscriptLineCreate,
)
from govbot_client.client import AsyncGovBotClient, GovBotApiError

logger = logging.getLogger(__name__)

CONVERSATION_SLOT = "govbot_conversation_id"
TENANT_SLOT = "govbot_tenant"
LANGUAGE_SLOT = "govbot_language"
# The stored conversation is gone (404) or closed by the service desk (409): start anew.
RESTART_CODES = frozenset({"conversation_not_found", "conflict"})
TRANSCRIPT_LINE_CHARS = 1000

Event = dict[str, Any]


class RasaActionConfig(BaseModel):
    """What the actions need, resolved from ``Settings.rasa`` once at server start."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    api_url: str = Field(min_length=1)
    tenant: str = Field(min_length=1)
    language: CatalogueLanguage = "de"
    timeout_s: float = Field(default=10.0, gt=0)
    transcript_turns: int = Field(default=20, ge=0, le=50)

    @classmethod
    def from_settings(cls, settings: Settings) -> RasaActionConfig:
        """The configuration of ``settings.rasa`` (API URL and tenant defaults filled in)."""
        return cls(
            api_url=settings.rasa_api_url,
            tenant=settings.rasa.default_tenant or settings.default_tenant,
            language=settings.rasa.language,
            timeout_s=settings.rasa.timeout_s,
            transcript_turns=settings.rasa.transcript_turns,
        )


class _GovBotAction(Action, ABC):  # type: ignore[misc]  # rasa-sdk ships no type hints
    """Shared configuration of the GovBot actions.

    ``govbot rasa-actions`` passes the configuration in. When rasa-sdk instantiates the
    class itself (``rasa run actions --actions bot.integrations.rasa_actions``, or a
    project's own action package importing it), the GOVBOT_* environment is read once,
    on the first run, as ``govbot rasa-actions`` would.
    """

    def __init__(self, config: RasaActionConfig | None = None) -> None:
        self._config_value = config

    @abstractmethod
    def name(self) -> str:
        """The action name used in the Rasa domain."""

    @property
    def config(self) -> RasaActionConfig:
        """The configuration (built from the environment on first use if none was given)."""
        if self._config_value is None:
            self._config_value = RasaActionConfig.from_settings(Settings())
        return self._config_value

    def _api(self) -> AsyncGovBotClient:
        return AsyncGovBotClient(
            self.config.api_url,
            timeout_s=self.config.timeout_s,
            user_agent="govbot-rasa-actions",
            hint="check that `govbot serve` runs there and GOVBOT_RASA__GOVBOT_API_URL",
        )

    def _tenant(self, tracker: Tracker) -> str:
        slot = tracker.get_slot(TENANT_SLOT)
        return slot if isinstance(slot, str) and slot.strip() else self.config.tenant

    def _language(self, tracker: Tracker) -> str:
        """The slot ``govbot_language`` if it names a catalogue language, else the config's."""
        slot = _slot(tracker, LANGUAGE_SLOT)
        return slot if slot in shipped_texts().languages else self.config.language

    async def _start(self, api: AsyncGovBotClient, tracker: Tracker) -> ConversationPublic:
        return await api.start_conversation(
            tenant=self._tenant(tracker), language=self._language(tracker)
        )


class GovBotAnswerAction(_GovBotAction):
    """``action_govbot_answer``: GovBot answers the latest user message."""

    def name(self) -> str:
        """The action name used in the Rasa domain."""
        return "action_govbot_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[Event]:
        """Ask GovBot, utter its reply; SlotSet of the conversation id on the first turn
        and of the language when the answer's differs from the slot's."""
        language = self._language(tracker)
        question = str(tracker.latest_message.get("text") or "").strip()
        if not question or question.startswith("/"):  # "/intent" payloads are no question
            _utter(dispatcher, [BotMessage(text=rasa_responses.text("ask_for_text", language))])
            return []
        conversation_id = _slot(tracker, CONVERSATION_SLOT)
        started: ConversationPublic | None = None
        async with self._api() as api:
            try:
                if conversation_id is None:
                    started = await self._start(api, tracker)
                    conversation_id = started.conversation_id
                try:
                    reply = await api.post_message(conversation_id, question)
                except GovBotApiError as exc:
                    if started is not None or exc.code not in RESTART_CODES:
                        raise
                    logger.info(
                        "conversation %s is %s; starting a new one", conversation_id, exc.code
                    )
                    started = await self._start(api, tracker)
                    conversation_id = started.conversation_id
                    reply = await api.post_message(conversation_id, question)
            except GovBotApiError as exc:
                # Neither the question nor Rasa's sender id (a phone number on some channels).
                logger.warning(
                    "action_govbot_answer failed (conversation %s): %s", conversation_id, exc.code
                )
                _utter(dispatcher, rasa_responses.unavailable(language))
                return _conversation_events(started)
            messages = await self._reply_messages(api, conversation_id, reply, started, language)
        _utter(dispatcher, messages)
        answered = reply.answer.language if reply.answer is not None else language
        events = _conversation_events(started)
        if answered != language:
            events.append(SlotSet(LANGUAGE_SLOT, answered))
        return events

    async def _reply_messages(
        self,
        api: AsyncGovBotClient,
        conversation_id: str,
        reply: MessagePosted,
        started: ConversationPublic | None,
        language: str,
    ) -> list[BotMessage]:
        if reply.answer is not None:
            return rasa_responses.answer_messages(
                reply.answer, started=started, language=reply.answer.language
            )
        # A person holds the conversation (GovBot stays silent): relay their replies.
        try:
            history = await api.messages(conversation_id)
        except GovBotApiError:
            history = None
        return rasa_responses.relayed_messages(
            history.messages if history else [], current_seq=reply.message.seq, language=language
        )


class GovBotHandoffAction(_GovBotAction):
    """``action_govbot_handoff``: open a GovBot escalation with the Rasa transcript."""

    def name(self) -> str:
        """The action name used in the Rasa domain."""
        return "action_govbot_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[Event]:
        """Escalate, utter the reference and expected response; SlotSet on a new conversation."""
        language = self._language(tracker)
        transcript = rasa_transcript(tracker.events, turns=self.config.transcript_turns)
        conversation_id = _slot(tracker, CONVERSATION_SLOT)
        started: ConversationPublic | None = None
        async with self._api() as api:
            try:
                if conversation_id is None:
                    started = await self._start(api, tracker)
                    conversation_id = started.conversation_id
                try:
                    handoff = await self._escalate(api, conversation_id, transcript)
                except GovBotApiError as exc:
                    if started is not None or exc.code not in RESTART_CODES:
                        raise
                    started = await self._start(api, tracker)
                    conversation_id = started.conversation_id
                    handoff = await self._escalate(api, conversation_id, transcript)
            except GovBotApiError as exc:
                logger.warning(
                    "action_govbot_handoff failed (conversation %s): %s",
                    log_ref(conversation_id) if conversation_id else "-",
                    exc.code,
                )
                _utter(dispatcher, rasa_responses.handoff_failed(language))
                return _conversation_events(started)
        logger.info(
            "handoff %s opened for conversation %s", handoff.reference, log_ref(conversation_id)
        )
        _utter(dispatcher, [rasa_responses.handoff_confirmation(handoff, language)])
        return _conversation_events(started)

    async def _escalate(
        self, api: AsyncGovBotClient, conversation_id: str, transcript: list[TranscriptLineCreate]
    ) -> HandoffCreated:
        reason = rasa_responses.text("handoff_reason", self.config.language)
        return await api.request_handoff(conversation_id, reason=reason, transcript=transcript)


def rasa_transcript(events: Iterable[Event], *, turns: int) -> list[TranscriptLineCreate]:
    """The latest ``turns`` user and bot texts of a Rasa tracker, oldest first.

    Intent payloads such as ``/govbot_handoff`` (a button click) are no text and left out.
    """
    lines: list[TranscriptLineCreate] = []
    for event in events:
        kind, raw = event.get("event"), event.get("text")
        if kind not in ("user", "bot") or not isinstance(raw, str):
            continue
        line = raw.strip()
        if not line or (kind == "user" and line.startswith("/")):
            continue
        if len(line) > TRANSCRIPT_LINE_CHARS:
            line = line[: TRANSCRIPT_LINE_CHARS - 1] + "…"
        lines.append(TranscriptLineCreate(role="citizen" if kind == "user" else "bot", text=line))
    return lines[-turns:] if turns else []


def action_executor(config: RasaActionConfig) -> ActionExecutor:
    """A rasa-sdk executor with both GovBot actions registered."""
    executor = ActionExecutor()
    executor.register_action(GovBotAnswerAction(config))
    executor.register_action(GovBotHandoffAction(config))
    return executor


def run_action_server(config: RasaActionConfig, *, host: str, port: int) -> None:
    """Serve the actions with rasa-sdk's own Sanic action server (blocks until stopped).

    Same as ``rasa_sdk.endpoint.run`` but with the bind address from the settings (that
    function reads ``SANIC_HOST`` and defaults to all interfaces) and without CORS: only
    the Rasa server calls the action server.
    """
    from rasa_sdk.endpoint import create_app_for_serve
    from sanic import Sanic
    from sanic.worker.loader import AppLoader

    loader = AppLoader(factory=partial(create_app_for_serve, action_executor(config), ""))
    app = loader.load()
    app.prepare(host=host, port=port, workers=1, motd=False, access_log=False)
    logger.info(
        "GovBot Rasa actions on http://%s:%s/webhook (GovBot API %s)", host, port, config.api_url
    )
    Sanic.serve(primary=app, app_loader=loader)


def _slot(tracker: Tracker, name: str) -> str | None:
    value = tracker.get_slot(name)
    return value if isinstance(value, str) and value else None


def _conversation_events(started: ConversationPublic | None) -> list[Event]:
    if started is None:
        return []
    event: Event = SlotSet(CONVERSATION_SLOT, started.conversation_id)
    return [event]


def _utter(dispatcher: CollectingDispatcher, messages: Iterable[BotMessage]) -> None:
    for message in messages:
        if message.buttons:
            dispatcher.utter_message(text=message.text, buttons=message.buttons)
        else:
            dispatcher.utter_message(text=message.text)
