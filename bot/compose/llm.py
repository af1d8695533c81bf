"""Generated answers from an OpenAI-compatible LLM, checked before they are shown (issue #6).

``LlmClient`` talks to the endpoint (vLLM, Ollama, llama.cpp server, a hosted sovereign
model) through LangChain's ``ChatOpenAI`` with our own resilience around it: a timeout
per request, retries with exponential backoff (tenacity) on connection errors, timeouts,
429 and 5xx, and a circuit breaker (pybreaker) that stops asking a failing endpoint for
``breaker_reset_s`` seconds after ``breaker_fail_max`` failed requests in a row.

``LlmComposer`` is what the dialogue engine uses: it builds the grounded prompt
(bot/compose/prompting.py) from the chosen service, asks the model, runs the grounding check
(bot/compose/grounding.py) and returns the generated composition only when the check passes.
Otherwise — check failed, model down, breaker open — it returns the extractive
composition it was given, records why in an ``LlmTrace`` and logs it; the citizen is
told nothing about it (the answer is simply the extractive one).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

import httpx
import openai
import pybreaker
from langchain_core.messages import BaseMessage
from langchain_openai import ChatOpenAI
from pydantic import SecretStr
from tenacity import (
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from bot.answer import Citation, LlmTrace, Turn
from bot.compose.extractive import Composer, Composition, citation
from bot.compose.grounding import (
    GroundingResult,
    check_grounding,
    check_translation,
    strip_citations,
)
from bot.compose.prompting import (
    PROMPT_VERSION,
    TRANSLATION_VERSION,
    PromptPassage,
    build_messages,
    build_translation_messages,
    select_passages,
)
from bot.dialogue.policy import Policy
from bot.settings import LlmSettings
from bot.understanding.language_id import identify_language
from bot.understanding.redaction import redact
from bot.understanding.wording import Language
from knowledge.errors import ConfigurationError, LlmError
from knowledge.models import Service

__all__ = ["LlmClient", "LlmComposer"]

logger = logging.getLogger(__name__)
DRAFT_CHARS = 2000  # of the model's text kept in the trace for audits

# Worth another try: the endpoint may be restarting or overloaded. 4xx other than 429
# (bad request, authentication) will not get better by asking again.
_TRANSIENT = (openai.APIConnectionError, openai.RateLimitError, openai.InternalServerError)
_NO_ANSWER = "keine angabe"


class LlmClient:
    """A chat model behind a timeout, retries with backoff and a circuit breaker."""

    def __init__(
        self,
        settings: LlmSettings,
        *,
        backoff_s: float = 0.5,
        http_client: httpx.Client | None = None,
    ) -> None:
        """``http_client``: the transport to the endpoint (default: the OpenAI SDK's own;
        tests pass one with ``httpx.MockTransport``, the network edge)."""
        if not settings.base_url:
            raise ConfigurationError(
                "LLM mode needs GOVBOT_LLM_BASE_URL (an OpenAI-compatible endpoint such as "
                "http://127.0.0.1:8080/v1)"
            )
        self.model = settings.model or "default"
        self._settings = settings
        self._backoff_s = backoff_s
        api_key = settings.api_key or SecretStr("not-needed")  # local servers ignore it
        self._chat = ChatOpenAI(
            base_url=settings.base_url,
            model=self.model,
            api_key=api_key,
            timeout=settings.timeout_s,
            max_retries=0,  # retries are ours (tenacity), so the breaker sees one failure
            temperature=settings.temperature,
            max_completion_tokens=settings.max_tokens,
            # Many OpenAI-compatible servers (llama.cpp, older vLLM/TGI) read only the
            # older field and would otherwise generate until the context is full.
            extra_body={"max_tokens": settings.max_tokens},
            http_client=http_client,
        )
        self.breaker = pybreaker.CircuitBreaker(
            fail_max=settings.breaker_fail_max,
            reset_timeout=settings.breaker_reset_s,
            name="llm",
        )

    @property
    def settings(self) -> LlmSettings:
        """The settings the client was built with."""
        return self._settings

    def complete(self, messages: Sequence[BaseMessage]) -> str:
        """The model's reply text; LlmError when it fails or the breaker is open."""
        try:
            return str(self.breaker.call(self._with_retries, list(messages)))
        except pybreaker.CircuitBreakerError as exc:
            raise LlmError(
                f"LLM circuit breaker is open after {self._settings.breaker_fail_max} failures; "
                f"{self._settings.base_url} is not asked for {self._settings.breaker_reset_s} s"
            ) from exc
        except openai.OpenAIError as exc:
            raise LlmError(
                f"LLM request to {self._settings.base_url} failed: {type(exc).__name__}"
            ) from exc

    def _with_retries(self, messages: list[BaseMessage]) -> str:
        retrying = Retrying(
            retry=retry_if_exception_type(_TRANSIENT),
            stop=stop_after_attempt(self._settings.max_retries + 1),
            wait=wait_exponential(multiplier=self._backoff_s, max=4 * self._backoff_s),
            reraise=True,
        )
        for attempt in retrying:
            with attempt:
                reply = self._chat.invoke(messages)
                return reply.text
        raise AssertionError("unreachable: tenacity re-raises the last error")  # pragma: no cover


@dataclass(frozen=True)
class _Translation:
    """The model's translation of a checked German answer and why it may not be shown."""

    text: str
    reasons: list[str]


class LlmComposer:
    """Generated answers that pass the grounding check, the extractive answer otherwise."""

    def __init__(self, client: LlmClient, *, policy: Policy, composer: Composer) -> None:
        self._client = client
        self._policy = policy
        self._composer = composer
        self._min_support = client.settings.min_support

    @classmethod
    def from_settings(
        cls, settings: LlmSettings, *, policy: Policy, composer: Composer
    ) -> LlmComposer:
        """A composer talking to the endpoint of ``settings``."""
        return cls(LlmClient(settings), policy=policy, composer=composer)

    @property
    def client(self) -> LlmClient:
        """The client (its breaker state is useful to operators and tests)."""
        return self._client

    def compose(
        self,
        service: Service,
        question: str,
        *,
        fallback: Composition,
        history: Sequence[Turn] = (),
        language: Language = "de",
    ) -> tuple[Composition, LlmTrace]:
        """The generated composition if it is grounded, else ``fallback``; and what happened."""
        version = PROMPT_VERSION if language == "de" else f"{PROMPT_VERSION}+{TRANSLATION_VERSION}"
        trace = LlmTrace(model=self._client.model, prompt_version=version, outcome="skipped")
        passages = select_passages(service, question, policy=self._policy)
        clock = time.perf_counter()
        try:
            text = self._client.complete(build_messages(question, passages, history=history))
        except LlmError as exc:
            logger.warning("LLM unavailable, extractive answer served: %s", exc)
            return fallback, trace.model_copy(
                update={"outcome": "llm_unavailable", "reasons": [str(exc)]}
            )
        latency = round((time.perf_counter() - clock) * 1000, 1)
        numbered = {p.number: f"{p.title} – {p.section}: {p.text}" for p in passages}
        result = check_grounding(text, numbered, min_support=self._min_support)
        update: dict[str, object] = {
            "draft": redact(text).text[:DRAFT_CHARS],
            "latency_ms": latency,
            "grounding_ok": result.ok,
            "reasons": result.reasons,
            "cited_passages": [f"{service.doc_id}#{p.section}" for p in _cited(passages, result)],
        }
        if _NO_ANSWER in strip_citations(text).lower():
            logger.info("LLM found no answer in %s; extractive answer served", service.doc_id)
            return fallback, trace.model_copy(update={**update, "outcome": "no_answer"})
        if not result.ok:
            logger.info(
                "grounding_failed for %s (%d reasons): %s",
                service.doc_id,
                len(result.reasons),
                "; ".join(result.reasons[:5]),
            )
            return fallback, trace.model_copy(update={**update, "outcome": "grounding_failed"})
        body = _body(text)
        if language != "de":
            # The prompt and the grounding check are German: the checked German answer is
            # translated and must keep its facts, else the framed German excerpt is shown.
            translation = self._translated(service, body, language)
            if translation.reasons:
                logger.info("translation refused for %s into %s", service.doc_id, language)
                draft = redact(f"{update['draft']}\n\n{translation.text}").text[:DRAFT_CHARS]
                refused = {"outcome": "grounding_failed", "grounding_ok": False}
                refused |= {"reasons": translation.reasons, "draft": draft}
                return fallback, trace.model_copy(update={**update, **refused})
            body = translation.text
            update["latency_ms"] = round((time.perf_counter() - clock) * 1000, 1)
        return self._composition(service, body, result, passages, fallback, language), (
            trace.model_copy(update={**update, "outcome": "shown"})
        )

    def _translated(self, service: Service, german: str, language: Language) -> _Translation:
        """``german`` translated into ``language``, with the reasons to refuse it (a lost
        number, phone number, link or name; another language; the model unavailable)."""
        name = self._policy.texts.text("widget.language_name", language)
        messages = build_translation_messages(german, language=language, language_name=name)
        try:
            text = _body(self._client.complete(messages))
        except LlmError as exc:
            return _Translation(text="", reasons=[f"translation: {exc}"])
        check = check_translation(german, text, names=_names(service))
        reasons = [f"translation: {reason}" for reason in check.reasons]
        written = identify_language(text).language if text else language
        if written != language:
            reasons.append(f"translation: written in {written!r}, not {language!r}")
        return _Translation(text=text, reasons=reasons)

    def _composition(
        self,
        service: Service,
        body: str,
        result: GroundingResult,
        passages: Sequence[PromptPassage],
        fallback: Composition,
        language: Language,
    ) -> Composition:
        footer = self._composer.footer(service, language, link=True)
        citations: list[Citation] = list(
            dict.fromkeys(citation(service, p.section) for p in _cited(passages, result))
        )
        return Composition(
            text=self._composer.fit([body], footer),
            citations=citations or fallback.citations,
            offices=fallback.offices,
        )


def _body(text: str) -> str:
    """The model's text without citation markers, line by line."""
    return "\n".join(strip_citations(line) for line in text.strip().splitlines())


def _names(service: Service) -> list[str]:
    """Names a translation must keep: the offices and their streets."""
    names = [office.name for office in service.offices]
    names += [office.address.street for office in service.offices if office.address]
    return [name for name in names if name]


def _cited(passages: Sequence[PromptPassage], result: GroundingResult) -> list[PromptPassage]:
    numbers = set(result.cited)
    return [p for p in passages if p.number in numbers]
