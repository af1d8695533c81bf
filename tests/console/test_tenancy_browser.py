"""An agent sees only their own town's inbox, in the real console in headless Chromium.

The API serves two towns from one real index (tests/conftest.py ``two_towns_index``) on a
real uvicorn; citizens of both towns ask for a person; the console runs with ``streamlit
run`` as `govbot console` starts it; each town's agent logs in and finds only their own
town's handoff (issue 14, item 10).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from playwright.sync_api import Browser

from bot.main import create_app
from bot.storage.models import StaffRole
from knowledge.retrieval import Retriever
from tests.bot.conftest import add_tenant_staff, make_settings
from tests.conftest import AUGSBURG, MUNICH, live_server
from tests.console.conftest import running_console
from tests.console.test_browser import _login, _new_page

pytestmark = pytest.mark.browser

AGENTS = {"anna": MUNICH, "bert": AUGSBURG}


@dataclass
class TwoTowns:
    """The running API and console, and each town's handoff reference."""

    api_url: str
    console_url: str
    references: dict[str, str]


def _ask_for_person(api_url: str, tenant: str) -> str:
    with httpx.Client(base_url=api_url, timeout=60) as client:
        conversation = client.post("/api/v1/conversations", json={"tenant": tenant}).json()
        handoff = client.post(
            f"/api/v1/conversations/{conversation['conversation_id']}/handoff",
            json={"reason": "Ich möchte mit jemandem sprechen."},
        )
        assert handoff.status_code == 201, handoff.text
        reference: str = handoff.json()["reference"]
        return reference


@pytest.fixture(scope="module")
def two_towns(
    two_towns_retriever: Retriever, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TwoTowns]:
    """API and console of an installation serving both towns, one handoff in each."""
    data = tmp_path_factory.mktemp("tenancy-console")
    settings = make_settings(data / "data")
    add_tenant_staff(settings, {name: (StaffRole.AGENT, [town]) for name, town in AGENTS.items()})
    with live_server(create_app(settings, retriever=two_towns_retriever)) as api_url:
        references = {tenant: _ask_for_person(api_url, tenant) for tenant in (MUNICH, AUGSBURG)}
        with running_console(api_url, data / "streamlit.log") as console_url:
            yield TwoTowns(api_url=api_url, console_url=console_url, references=references)


@pytest.mark.parametrize("username", sorted(AGENTS))
def test_an_agent_sees_only_their_towns_inbox(
    browser: Browser, two_towns: TwoTowns, username: str
) -> None:
    own = two_towns.references[AGENTS[username]]
    other = next(ref for tenant, ref in two_towns.references.items() if tenant != AGENTS[username])
    page = _new_page(browser)

    _login(page, two_towns.console_url, username)
    page.get_by_role("heading", name="Handoff-Eingang").wait_for()
    # (Streamlit's table draws on a canvas; its cells exist for screen readers only.)
    page.locator("[role='gridcell']", has_text=own).wait_for(state="attached")

    assert page.locator("[role='gridcell']", has_text=other).count() == 0
    assert other not in page.content()
    sidebar = page.locator("[data-testid='stSidebar']")
    assert f"Zuständig für: {AGENTS[username]}" in sidebar.inner_text()
    page.context.close()
