"""govbot_client's HTTP clients against the real API served by uvicorn on loopback."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.main import create_app
from govbot_client.citizen import TranscriptLineCreate
from govbot_client.client import AsyncGovBotClient, GovBotApiError, GovBotClient
from govbot_client.staff import HealthPublic
from knowledge.retrieval import Retriever
from tests.bot.conftest import make_settings
from tests.conftest import live_server


def test_a_citizen_conversation_through_the_async_client(
    tmp_path: Path, munich_retriever: Retriever
) -> None:
    async def talk(url: str) -> None:
        async with AsyncGovBotClient(url, timeout_s=60) as api:
            started = await api.start_conversation(tenant="muenchen")
            assert started.state == "bot" and started.notice
            posted = await api.post_message(started.conversation_id, "Was kostet ein Reisepass?")
            assert posted.answer is not None and posted.answer.status == "answered"
            assert posted.answer.citations[0].doc_id.startswith("muenchen/")
            handoff = await api.request_handoff(
                started.conversation_id,
                reason="Rückfrage",
                transcript=[TranscriptLineCreate(role="citizen", text="Hallo")],
            )
            assert handoff.state == "waiting_for_agent" and handoff.reference
            history = await api.messages(started.conversation_id)
            assert [m.role for m in history.messages][:3] == ["citizen", "bot", "system"]
            with pytest.raises(GovBotApiError) as caught:
                await api.start_conversation(tenant="atlantis")
            assert (caught.value.status, caught.value.code) == (404, "unknown_tenant")
            assert "atlantis" in caught.value.api_message

    app = create_app(make_settings(tmp_path / "data"), retriever=munich_retriever)
    with live_server(app) as url:
        asyncio.run(talk(url))
        sync = GovBotClient(url)
        try:
            health = sync.health()
        finally:
            sync.close()
    assert isinstance(health, HealthPublic)
    assert health.tenants == ["muenchen"]


def test_no_server_is_unreachable_and_a_bad_timeout_is_refused() -> None:
    async def call() -> None:
        async with AsyncGovBotClient("http://127.0.0.1:9", timeout_s=2) as api:
            await api.start_conversation(tenant="muenchen")

    with pytest.raises(GovBotApiError, match="failed: unreachable") as caught:
        asyncio.run(call())
    assert caught.value.status is None
    with pytest.raises(ValueError, match=r"timeout_s must be greater than 0\. Currently it is 0"):
        GovBotClient("http://127.0.0.1:9", timeout_s=0)
