"""Citizen text is shown inert in the console (issue 14, finding 6).

The real console (Streamlit AppTest) against the real API with the real Munich index: a
handoff reason and a feedback comment with a Markdown link and a remote image appear as
plain text (``st.text``), never inside an element that renders Markdown.
"""

from __future__ import annotations

import httpx
import pytest

from console.formatting import source_link
from tests.console.conftest import ConsoleApi, console_as

pytestmark = pytest.mark.usefixtures("console_env")

BAIT = "[Formular hier](https://evil.example/login) ![x](https://evil.example/pixel.png)"


def _rendering(at) -> list[str]:  # type: ignore[no-untyped-def]
    """Everything shown through elements that render Markdown."""
    return [str(e.value) for kind in ("markdown", "caption") for e in getattr(at, kind)]


def test_a_handoff_reason_with_a_link_and_an_image_is_plain_text(console_api: ConsoleApi) -> None:
    created = console_api.escalate("Was kostet ein Reisepass?", f"Bitte prüfen: {BAIT}")
    at = console_as("anna.agent")
    at.selectbox(key="handoffs.pick").select(int(created["reference"].rsplit("-", 1)[1])).run()
    assert not at.exception, at.exception

    assert f"Bitte prüfen: {BAIT}" in [str(t.value) for t in at.text]
    assert not [shown for shown in _rendering(at) if "evil.example" in shown]


def test_a_feedback_comment_with_a_link_is_plain_text(console_api: ConsoleApi) -> None:
    asked = console_api.ask("Wie melde ich meinen Wohnsitz an?")
    answer_message = console_api.messages(asked["conversation_id"])[-1]
    with httpx.Client(base_url=console_api.url) as citizen:
        citizen.post(
            f"/api/v1/conversations/{asked['conversation_id']}/messages/"
            f"{answer_message['id']}/feedback",
            json={"helpful": False, "comment": BAIT},
        )
    with console_api.staff("erika.editor") as staff:
        rows = staff.get("/api/v1/staff/review/answers", params={"limit": 1000}).json()
    answer_id = next(r["id"] for r in rows if r["conversation_id"] == asked["conversation_id"])
    at = console_as("erika.editor", "review")
    at.selectbox(key="review.pick").select(answer_id).run()
    assert not at.exception, at.exception

    assert f"• nicht hilfreich: {BAIT}" in [str(t.value) for t in at.text]
    assert not [shown for shown in _rendering(at) if "evil.example" in shown]


def test_sources_link_only_to_web_addresses_and_escape_titles() -> None:
    assert source_link("Reisepass", "https://stadt.muenchen.de/a(b)") == (
        "[Reisepass](https://stadt.muenchen.de/a%28b%29)"
    )
    assert source_link("Klick", "javascript:alert(1)") == "Klick"
    assert source_link("![x](https://evil.example/p.png)", None) == (
        "\\!\\[x\\]\\(https\\://evil\\.example/p\\.png\\)"
    )
