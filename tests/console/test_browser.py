"""The handoff round trip in real headless Chromium (Debian's), plus screenshots of every page.

Everything is real: the API with the widget (uvicorn on loopback, Munich index, dialogue
engine), the console started with ``streamlit run`` in a child process on a free loopback
port, and the browser. A citizen's message in the widget escalates, an agent logs into
the console, claims the case and replies, and the reply appears in the citizen's widget.
Screenshots land in artifacts/screenshots/console-*.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.bot.conftest import STAFF_PASSWORD
from tests.console.conftest import ConsoleApi, running_console

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
VIEWPORT = {"width": 1440, "height": 1100}
REPLY = "Guten Tag, hier ist das Bürgerbüro. Ihren Termin vereinbaren wir gern telefonisch."
FOLLOW_UP = "Danke, morgen Vormittag passt mir gut."
REFRESH_TIMEOUT_MS = 20_000  # the console refreshes every 2 s in this test
POLL_TIMEOUT_MS = 30_000  # the widget polls every few seconds while a person holds the chat


@pytest.fixture(scope="module")
def console_url(console_api: ConsoleApi, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``streamlit run console/app.py`` on a free loopback port, pointed at the test API."""
    log = tmp_path_factory.mktemp("streamlit") / "streamlit.log"
    with running_console(console_api.url, log, refresh_seconds=2) as url:
        yield url


def _new_page(browser: Browser) -> Page:
    page = browser.new_context(viewport=VIEWPORT, locale="de-DE").new_page()  # type: ignore[arg-type]
    page.set_default_timeout(30_000)
    return page


def _settle(page: Page) -> None:
    """Wait until Streamlit finished the run: no status widget, no skeleton placeholders."""
    page.wait_for_timeout(300)
    page.wait_for_function(
        "() => !document.querySelector(\"[data-testid='stStatusWidget']\")"
        " && !document.querySelector(\"[data-testid='stSkeleton']\")",
        timeout=30_000,
    )
    page.wait_for_timeout(800)  # charts and tables paint after the run


def _screenshot(page: Page, name: str, *, height: int | None = None) -> None:
    """Save the page from its top (a taller viewport shows more of long pages)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    if height is not None:
        page.set_viewport_size({"width": VIEWPORT["width"], "height": height})
    page.evaluate(
        "() => { document.querySelector(\"[data-testid='stMain']\")?.scrollTo(0, 0);"
        " window.scrollTo(0, 0); }"
    )
    _settle(page)
    page.screenshot(path=str(SCREENSHOTS / f"console-{name}.png"))


def _screenshot_login(page: Page, console_url: str) -> None:
    page.goto(console_url)
    page.get_by_label("Benutzername").wait_for()
    _screenshot(page, "login")


def _login(page: Page, console_url: str, username: str) -> None:
    page.goto(console_url)
    page.get_by_label("Benutzername").fill(username)
    page.get_by_label("Passwort").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.get_by_role("heading", name="Angemeldet").or_(
        page.locator("[data-testid='stSidebar']")
    ).first.wait_for()


def _open_page(page: Page, title: str) -> None:
    page.locator("[data-testid='stSidebarNav']").get_by_text(title, exact=True).click()
    page.get_by_role("heading", name=title).first.wait_for()


def _ask(page: Page, text: str) -> None:
    box = page.locator(".govbot-input")
    box.fill(text)
    box.press("Enter")


def _select(page: Page, label: str, option_prefix: str) -> None:
    page.get_by_label(label).click()
    page.get_by_role("option").filter(has_text=option_prefix).first.click()


def test_handoff_round_trip_from_widget_to_console_and_back(
    browser: Browser, console_api: ConsoleApi, console_url: str
) -> None:
    # The agent is already looking at the inbox when the citizen asks for a person.
    agent = _new_page(browser)
    _screenshot_login(agent, console_url)
    _login(agent, console_url, "anna.agent")
    agent.get_by_role("heading", name="Handoff-Eingang").wait_for()

    citizen = _new_page(browser)
    citizen.goto(console_api.url + "/")
    citizen.locator(".govbot-launcher").click()
    citizen.locator(".govbot-notice").wait_for(state="visible")
    _ask(citizen, "Ich möchte bitte mit einer Mitarbeiterin sprechen.")
    reference = citizen.locator(".govbot-state .govbot-reference").inner_text(timeout=60_000)
    assert reference.startswith("GB-")

    # The inbox refreshes itself (every 2 s here): the new case appears without a reload.
    # (Streamlit's table draws on a canvas; its cells exist for screen readers only.)
    agent.locator("[role='gridcell']", has_text=reference).wait_for(
        state="attached", timeout=REFRESH_TIMEOUT_MS
    )
    _select(agent, "Vorgang öffnen", reference)
    agent.get_by_role("heading", name=f"Vorgang {reference}").wait_for()
    agent.get_by_role("button", name="Übernehmen").click()
    agent.get_by_label("Antwort an Bürger:in").fill(REPLY)
    agent.get_by_role("button", name="Senden").click()
    agent.get_by_text(REPLY).first.wait_for()

    agent_message = citizen.locator(".govbot-msg--agent .govbot-text")
    agent_message.wait_for(timeout=POLL_TIMEOUT_MS)
    assert agent_message.inner_text() == REPLY
    _screenshot(citizen, "widget-agent-reply")

    # The citizen answers; the open transcript refreshes itself too.
    _ask(citizen, FOLLOW_UP)
    agent.get_by_text(FOLLOW_UP).first.wait_for(timeout=REFRESH_TIMEOUT_MS)
    _screenshot(agent, "handoffs", height=1900)
    citizen.context.close()
    agent.context.close()


def test_the_agent_sees_the_citizens_language_and_what_the_bot_searched(
    browser: Browser, console_api: ConsoleApi, console_url: str
) -> None:
    """Issue 13 item 6: the original message, its language and the searched German query."""
    question = "How much does an identity card cost?"
    created = console_api.escalate(question, "Please call me back")
    agent = _new_page(browser)
    _login(agent, console_url, "anna.agent")
    agent.get_by_role("heading", name="Handoff-Eingang").wait_for()
    _select(agent, "Vorgang öffnen", created["reference"])
    agent.get_by_role("heading", name=f"Vorgang {created['reference']}").wait_for()
    agent.locator("p", has_text="Sprache der Bürger:in:").filter(
        has_text="Englisch (en)"
    ).first.wait_for()
    agent.get_by_text(question, exact=True).first.wait_for()  # the original, untranslated
    agent.get_by_text("Sprache: Englisch (en)", exact=False).first.wait_for()
    agent.get_by_text("Gesucht hat der Assistent nach:").first.wait_for()
    searched = agent.locator("[data-testid='stText']", has_text="Personalausweis").first
    searched.wait_for()
    assert question not in searched.inner_text()
    agent.get_by_role("button", name="Übernehmen").click()
    agent.get_by_label("Antwort an Bürger:in (Sprache der Bürger:in: Englisch (en))").wait_for()
    _screenshot(agent, "handoff-language", height=1500)
    agent.context.close()


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("Antworten prüfen", "review"),
        ("Wissensbasis", "knowledge"),
        ("Insights", "insights"),
        ("Evaluation", "evaluation"),
        ("Audit-Log", "audit"),
    ],
)
def test_every_page_renders_for_the_admin(
    browser: Browser, console_url: str, title: str, name: str
) -> None:
    page = _new_page(browser)
    _login(page, console_url, "ada.admin")
    _open_page(page, title)
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.locator("[data-testid='stAlertContentError']").count() == 0
    _screenshot(page, name)
    page.context.close()
