"""LLM mode for a citizen writing French (issue 13 item 3): the model's checked German
answer is translated by the model, and the translation is shown only if it keeps every
number, phone number, link and name; otherwise the framed German excerpt is.

The endpoint is the network edge, so it is scripted with ``httpx.MockTransport`` (what a
model might reply, faithful or not); the prompt, the grounding check, the translation
check and the composer are the real ones on a real Munich service. The real model runs in
tests/bot/compose/test_llm_mode.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from bot.answer import LlmTrace
from bot.compose.extractive import Composer, Composition
from bot.compose.llm import LlmClient, LlmComposer
from bot.compose.prompting import select_passages
from bot.dialogue.policy import Policy
from bot.settings import LlmSettings
from bot.texts.catalogue import shipped_texts
from knowledge.models import Service

QUESTION = "Combien coûte une carte d'identité ?"
FAITHFUL = (
    "La carte d'identité coûte 46 euros si vous avez plus de 24 ans. "
    "Avant 24 ans, elle coûte 27,60 euros."
)

GERMAN_ONLY = shipped_texts().text("answer.german_only", "fr", title="")[:20]


@pytest.fixture(scope="module")
def policy() -> Policy:
    return Policy.from_yaml()


@pytest.fixture(scope="module")
def german(personalausweis: Service, policy: Policy) -> str:
    """A German answer that passes the grounding check, citing the fee passage."""
    passages = select_passages(personalausweis, QUESTION, policy=policy)
    fees = next(p.number for p in passages if "27,60 Euro" in p.text)
    return (
        f"Der Personalausweis kostet 46 Euro, wenn Sie über 24 Jahre alt sind [{fees}]. "
        f"Unter 24 Jahren kostet er 27,60 Euro [{fees}]."
    )


def scripted(german: str, translation: str, asked: list[str]) -> httpx.MockTransport:
    """An OpenAI-compatible endpoint that answers in German, then translates."""

    def reply(request: httpx.Request) -> httpx.Response:
        system = json.loads(request.content)["messages"][0]["content"]
        asked.append(system)
        content = translation if "übersetzt" in system else german
        return httpx.Response(
            200,
            json={
                "id": "scripted",
                "object": "chat.completion",
                "created": 0,
                "model": "scripted",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            },
        )

    return httpx.MockTransport(reply)


ComposeFn = Callable[[str], tuple[Composition, Composition, LlmTrace, list[str]]]


@pytest.fixture
def compose(personalausweis: Service, policy: Policy, german: str) -> ComposeFn:
    def run(translation: str) -> tuple[Composition, Composition, LlmTrace, list[str]]:
        asked: list[str] = []
        client = LlmClient(
            LlmSettings(base_url="http://llm.invalid/v1", model="scripted", max_retries=0),
            http_client=httpx.Client(transport=scripted(german, translation, asked)),
        )
        composer = Composer(policy.texts)
        llm = LlmComposer(client, policy=policy, composer=composer)
        fallback = composer.answer(personalausweis, QUESTION, aspects=["fees"], language="fr")
        shown, trace = llm.compose(personalausweis, QUESTION, fallback=fallback, language="fr")
        return shown, fallback, trace, asked

    return run


def test_a_faithful_translation_is_shown_in_the_citizens_language(compose: ComposeFn) -> None:
    shown, fallback, trace, asked = compose(FAITHFUL)
    assert len(asked) == 2 and "Français" in asked[1]  # answered in German, then translated
    assert trace.outcome == "shown", trace.reasons
    assert shown.text.startswith(FAITHFUL)
    assert GERMAN_ONLY not in shown.text
    assert shown.citations  # the German passages it was grounded on
    assert trace.prompt_version.endswith("+translate-2026-1")
    assert shown.text != fallback.text


@pytest.mark.parametrize(
    ("translation", "reason"),
    [
        (FAITHFUL.replace("27,60", "27,50"), "translation: translation lost the numbers ['27,6']"),
        (FAITHFUL.replace("46 euros", "quarante-six euros"), "translation: translation lost"),
        (
            "Der Personalausweis kostet 46 Euro, wenn Sie über 24 Jahre alt sind. Unter 24 "
            "Jahren kostet er 27,60 Euro.",
            "translation: written in 'de', not 'fr'",
        ),
    ],
)
def test_a_translation_that_loses_a_fact_shows_the_framed_german_excerpt(
    compose: ComposeFn, translation: str, reason: str
) -> None:
    shown, fallback, trace, _ = compose(translation)
    assert trace.outcome == "grounding_failed"
    assert any(r.startswith(reason) for r in trace.reasons), trace.reasons
    assert shown == fallback
    assert GERMAN_ONLY in shown.text  # "Cette information n'existe qu'en allemand …"
    assert translation not in shown.text
