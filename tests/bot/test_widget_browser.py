"""The citizen widget in real headless Chromium (Debian's), against a real uvicorn + API.

Everything is real: the demo page and widget served by ``create_app``, the Munich index,
SQLite, the staff API. Playwright routing shapes only the network edge inside the browser:
a dropped connection, a 503 from an overloaded server, and axe-core served from the test's
own files. The 429 comes from the real rate limiter.
Screenshots land in artifacts/screenshots/ (gitignored) for people to look at.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, Route

from bot.main import create_app
from bot.services.security import hash_password
from bot.settings import Settings
from bot.storage import crud
from bot.storage.db import make_engine, migrate, session_factory
from bot.storage.models import ALL_TENANTS, StaffRole
from bot.texts.notice import ai_notice
from knowledge.retrieval import Retriever
from tests.bot.conftest import make_settings
from tests.conftest import live_server

pytestmark = pytest.mark.browser

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "artifacts" / "screenshots"
AXE_SCRIPT = REPO_ROOT / "tests" / "assets" / "axe.min.js"
AGENT = "agent.mueller"
AGENT_PASSWORD = "Bürgerbüro am Marienplatz 8"
QUESTION = "Was kostet ein Personalausweis?"
ANSWER_TIMEOUT_MS = 60_000
POLL_TIMEOUT_MS = 20_000  # the widget polls every 4 s while a person holds the chat


@dataclass
class WidgetServer:
    """A running API with the widget, and how to reach it."""

    url: str
    settings: Settings


@dataclass
class BrowserTab:
    """A page plus what went wrong in it: script errors and requests that left the server."""

    page: Page
    origin: str
    script_errors: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        """No JavaScript errors and nothing loaded from anywhere but our own server."""
        assert self.script_errors == []
        assert self.foreign_requests == []


def _add_agent(settings: Settings) -> None:
    """Create the agent account directly in the database, as `govbot users create` does."""
    engine = make_engine(settings.sqlalchemy_url)
    migrate(engine)
    with session_factory(engine)() as session:
        crud.create_staff_user(
            session,
            username=AGENT,
            password_hash=hash_password(AGENT_PASSWORD),
            role=StaffRole.AGENT,
            tenants=[ALL_TENANTS],
        )
        session.commit()
    engine.dispose()


def _serve(
    retriever: Retriever | None, data_dir: Path, db_dir: Path, *, rate_limit: str | None = None
) -> Iterator[WidgetServer]:
    settings = make_settings(data_dir, f"sqlite:///{db_dir / 'widget.sqlite3'}")
    if rate_limit is not None:
        settings.api.rate_limit = rate_limit
    _add_agent(settings)
    with live_server(create_app(settings, retriever=retriever)) as url:
        yield WidgetServer(url=url, settings=settings)


@pytest.fixture(scope="module")
def server(
    munich_index: Settings, munich_retriever: Retriever, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WidgetServer]:
    """The API with the widget over the real Munich index."""
    yield from _serve(munich_retriever, munich_index.data_dir, tmp_path_factory.mktemp("db"))


def _open_tab(browser: Browser, origin: str, *, width: int = 1280, height: int = 800) -> BrowserTab:
    context = browser.new_context(viewport={"width": width, "height": height}, locale="de-DE")
    page = context.new_page()
    tab = BrowserTab(page=page, origin=origin)
    page.on("pageerror", lambda error: tab.script_errors.append(str(error)))

    def on_console(message: ConsoleMessage) -> None:
        # Failed HTTP statuses are logged by Chromium itself; the error tests cause them.
        if message.type == "error" and "Failed to load resource" not in message.text:
            tab.script_errors.append(message.text)

    def on_request(request: Request) -> None:
        if not request.url.startswith((origin + "/", "data:")):
            tab.foreign_requests.append(request.url)

    page.on("console", on_console)
    page.on("request", on_request)
    page.set_default_timeout(10_000)
    return tab


@pytest.fixture
def tab(browser: Browser, server: WidgetServer) -> Iterator[BrowserTab]:
    """A fresh browser context (own sessionStorage) on the demo page, desktop size."""
    opened = _open_tab(browser, server.url)
    opened.page.goto(server.url + "/")
    yield opened
    opened.page.context.close()


def _screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def _tab_to(page: Page, selector: str, *, limit: int = 30) -> None:
    """Press Tab until ``selector`` has the focus (fails if it is not reachable)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} not reachable with Tab in {limit} presses")


def _ask(page: Page, text: str) -> None:
    box = page.locator(".govbot-input")
    box.fill(text)
    box.press("Enter")


def _open_widget(page: Page) -> None:
    page.locator(".govbot-launcher").click()
    page.locator(".govbot-notice").wait_for(state="visible")


def _conversation_id(page: Page) -> str:
    stored = page.evaluate("JSON.parse(sessionStorage.getItem('govbot:muenchen:de:same-origin'))")
    assert isinstance(stored, dict)
    return str(stored["id"])


@contextmanager
def _staff_client(server: WidgetServer) -> Iterator[httpx.Client]:
    """An HTTP client logged in as the agent through the real token endpoint."""
    with httpx.Client(base_url=server.url, timeout=30) as client:
        login = client.post(
            "/api/v1/auth/token", data={"username": AGENT, "password": AGENT_PASSWORD}
        )
        client.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        yield client


def _stored_language(server: WidgetServer, conversation_id: str) -> str:
    """The conversation's language as the API stored it (the real SQLite database)."""
    engine = make_engine(server.settings.sqlalchemy_url)
    try:
        with session_factory(engine)() as session:
            return crud.get_conversation(session, conversation_id).language
    finally:
        engine.dispose()


def _axe_violations(page: Page, origin: str) -> list[dict[str, object]]:
    """Run axe-core (vendored, MPL-2.0) in the page; serious and critical violations only.

    The page's CSP allows scripts from its own origin only, so axe is served under that
    origin by Playwright's router from the test's own copy (nothing is downloaded).
    """
    axe_url = origin + "/__test__/axe.min.js"
    page.route(axe_url, lambda route: route.fulfill(path=AXE_SCRIPT))
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=axe_url)
    results = page.evaluate(
        "() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map("
        "v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target)})))"
    )
    assert isinstance(results, list)
    return [v for v in results if v["impact"] in ("serious", "critical")]


# --------------------------------------------------------------------------- tests


def test_keyboard_only_question_gets_cited_answer_after_ai_notice(
    tab: BrowserTab, munich_retriever: Retriever
) -> None:
    page = tab.page
    _tab_to(page, ".govbot-launcher")
    page.keyboard.press("Enter")

    dialog = page.get_by_role("dialog", name="Digitaler Assistent")
    assert dialog.is_visible()
    page.locator(".govbot-notice").wait_for(state="visible")
    assert page.locator(".govbot-notice-text").text_content() == ai_notice("muenchen", "de")
    assert page.evaluate("document.activeElement.id") == page.get_by_label(
        "Ihre Frage"
    ).get_attribute("id")

    page.keyboard.type(QUESTION)
    page.keyboard.press("Enter")
    answer = page.locator(".govbot-answer").last
    answer.wait_for(timeout=ANSWER_TIMEOUT_MS)

    service = munich_retriever.get_service("muenchen/1063441")
    assert service is not None and service.updated is not None
    citation = answer.locator("a.govbot-citation").first
    assert citation.get_attribute("href") == service.url
    assert "Personalausweis" in (citation.text_content() or "")
    assert f"Stand: {service.updated:%d.%m.%Y}" in (answer.text_content() or "")
    log = page.get_by_role("log")
    assert log.get_attribute("aria-live") == "polite"
    assert QUESTION in (log.text_content() or "")
    _screenshot(page, "desktop-answer")

    page.keyboard.press("Escape")
    assert not dialog.is_visible()
    assert page.evaluate("document.activeElement.className") == "govbot-launcher"
    tab.assert_clean()


def test_reload_keeps_the_conversation(tab: BrowserTab) -> None:
    page = tab.page
    _open_widget(page)
    _ask(page, QUESTION)
    page.locator(".govbot-answer").wait_for(timeout=ANSWER_TIMEOUT_MS)
    before = _conversation_id(page)

    page.reload()

    # The panel was open, so it opens again with the same conversation and its history.
    page.locator(".govbot-answer").wait_for()
    assert _conversation_id(page) == before
    assert page.locator(".govbot-msg--citizen").all_text_contents() == [f"Sie{QUESTION}"]
    tab.assert_clean()


def test_handoff_shows_reference_then_agent_reply_and_bot_resumes(
    tab: BrowserTab, server: WidgetServer
) -> None:
    page = tab.page
    _open_widget(page)
    _tab_to(page, ".govbot-actions .govbot-handoff")
    page.keyboard.press("Enter")

    state = page.locator(".govbot-state")
    state.wait_for(state="visible")
    assert "Eine Mitarbeiterin / ein Mitarbeiter übernimmt" in (state.text_content() or "")
    reference = page.locator(".govbot-state .govbot-reference").inner_text()
    assert re.fullmatch(r"GB-[\w-]+", reference), reference
    # The reference is in the conversation log once (the server's note or the widget's);
    # the state line can show before the sync that brings the note has finished.
    page.wait_for_function(
        "ref => document.querySelector('[role=log]').textContent.includes(ref)", arg=reference
    )
    log_text = page.get_by_role("log").inner_text()
    assert log_text.count(reference) == 1, log_text
    assert page.locator(".govbot-actions .govbot-handoff").is_hidden()
    _screenshot(page, "desktop-handoff-waiting")

    # A person in the service desk takes the case over the real staff API.
    xss = '<img src=x onerror="window.__govbotXss = 1">'
    with _staff_client(server) as staff:
        inbox = staff.get("/api/v1/staff/handoffs", params={"status": "open"}).json()
        mine = [h for h in inbox if h["conversation_id"] == _conversation_id(page)]
        assert [h["reference"] for h in mine] == [reference]
        handoff_id = mine[0]["id"]
        assert staff.post(f"/api/v1/staff/handoffs/{handoff_id}/claim").status_code == 200
        reply = f"Guten Tag, hier ist das Bürgerbüro. {xss}"
        posted = staff.post(f"/api/v1/staff/handoffs/{handoff_id}/reply", json={"text": reply})
        assert posted.status_code == 201

        agent_message = page.locator(".govbot-msg--agent")
        agent_message.wait_for(timeout=POLL_TIMEOUT_MS)
        assert (agent_message.locator(".govbot-text").text_content() or "") == reply
        assert page.evaluate("window.__govbotXss") is None
        assert page.locator(".govbot-log img").count() == 0
        page.wait_for_function(
            "document.querySelector('.govbot-state').textContent.includes('Sie schreiben jetzt')"
        )
        _screenshot(page, "desktop-with-agent")

        released = staff.post(f"/api/v1/staff/handoffs/{handoff_id}/release")
        assert released.status_code == 200

    page.locator(".govbot-actions .govbot-handoff").wait_for(
        state="visible", timeout=POLL_TIMEOUT_MS
    )
    assert page.locator(".govbot-state").is_hidden()
    tab.assert_clean()


def test_emergency_answer_is_marked_and_offers_phone_numbers(tab: BrowserTab) -> None:
    page = tab.page
    _open_widget(page)
    _ask(page, "Ich will nicht mehr leben.")

    answer = page.locator(".govbot-answer").last
    answer.wait_for(timeout=ANSWER_TIMEOUT_MS)
    assert answer.get_attribute("data-status") == "emergency"
    box = answer.locator(".govbot-emergency")
    assert box.is_visible()
    assert box.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))") == [
        "tel:112",
        "tel:110",
        "tel:08001110111",
    ]
    _screenshot(page, "desktop-emergency")
    tab.assert_clean()


def test_feedback_buttons_record_a_vote(tab: BrowserTab) -> None:
    page = tab.page
    _open_widget(page)
    _ask(page, QUESTION)
    answer = page.locator(".govbot-answer").last
    answer.wait_for(timeout=ANSWER_TIMEOUT_MS)

    answer.get_by_role("button", name="Hilfreich", exact=True).click()

    answer.get_by_text("Danke für Ihre Rückmeldung.").wait_for()
    pressed = answer.locator(".govbot-feedback-button[aria-pressed='true']")
    assert pressed.all_text_contents() == ["Hilfreich"]
    tab.assert_clean()


def test_320px_wide_screen_needs_no_horizontal_scrolling(
    browser: Browser, server: WidgetServer
) -> None:
    tab = _open_tab(browser, server.url, width=320, height=640)
    page = tab.page
    try:
        page.goto(server.url + "/")
        _screenshot(page, "narrow-page")
        _open_widget(page)
        _ask(page, QUESTION)
        page.locator(".govbot-answer").wait_for(timeout=ANSWER_TIMEOUT_MS)
        _screenshot(page, "narrow-answer")

        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        # Nothing in the panel sticks out to the right (it would be cut off, not scrollable).
        overflowing = page.evaluate(
            "() => Array.from(document.querySelectorAll('.govbot-panel *'))"
            ".filter(e => e.getClientRects().length && !e.closest('.govbot-sr-only'))"
            ".filter(e => e.getBoundingClientRect().right > 320.5)"
            ".map(e => e.className || e.tagName)"
        )
        assert overflowing == []
        panel = page.locator(".govbot-panel").bounding_box()
        assert panel is not None and panel["width"] == 320
        assert _axe_violations(page, tab.origin) == []

        # The panel covers the page, so Tab stays inside it until Escape closes it.
        for _ in range(25):
            page.keyboard.press("Tab")
            assert page.evaluate("document.activeElement.closest('.govbot-panel') !== null")
        page.keyboard.press("Escape")
        assert page.evaluate("document.activeElement.className") == "govbot-launcher"
    finally:
        page.context.close()
    tab.assert_clean()


def test_axe_finds_no_serious_accessibility_violations(tab: BrowserTab) -> None:
    page = tab.page
    assert _axe_violations(page, tab.origin) == []  # the demo page, widget closed

    _open_widget(page)
    _ask(page, QUESTION)
    page.locator(".govbot-answer").wait_for(timeout=ANSWER_TIMEOUT_MS)
    for summary in page.locator(".govbot-answer summary").all():
        summary.click()  # opening hours, further offices
    assert _axe_violations(page, tab.origin) == []  # open, with an answer

    page.locator(".govbot-actions .govbot-handoff").click()
    page.locator(".govbot-state").wait_for(state="visible")
    assert _axe_violations(page, tab.origin) == []  # waiting for a person
    tab.assert_clean()


def test_more_button_shows_a_further_section_accessibly(tab: BrowserTab) -> None:
    """Issue 17: "Mehr anzeigen" fetches a further section of the answer's service; the
    button says whether its region is open (aria-expanded, aria-controls), by keyboard."""
    page = tab.page
    _open_widget(page)
    _ask(page, QUESTION)
    answer = page.locator(".govbot-answer").last
    answer.wait_for(timeout=ANSWER_TIMEOUT_MS)
    button = answer.locator(".govbot-more-button").first
    assert (button.text_content() or "").startswith("Mehr anzeigen: ")
    assert button.get_attribute("aria-expanded") == "false"
    region = page.locator("#" + (button.get_attribute("aria-controls") or "missing"))
    assert region.is_hidden()
    shown_before = answer.locator(".govbot-text").first.text_content() or ""
    button.focus()
    page.keyboard.press("Enter")
    region.locator(".govbot-text").wait_for(timeout=ANSWER_TIMEOUT_MS)
    assert button.get_attribute("aria-expanded") == "true"
    text = region.text_content() or ""
    assert text and text not in shown_before
    assert _axe_violations(page, tab.origin) == []  # open section
    page.keyboard.press("Enter")
    assert region.is_hidden() and button.get_attribute("aria-expanded") == "false"
    tab.assert_clean()


def test_dropped_connection_shows_friendly_error_and_retry_works(tab: BrowserTab) -> None:
    page = tab.page
    _open_widget(page)

    # The network edge: drop the next message request as a broken connection would.
    def drop(route: Route) -> None:
        route.abort("connectionreset")

    page.route("**/api/v1/conversations/*/messages", drop)
    _ask(page, QUESTION)
    error = page.get_by_role("alert")
    error.get_by_text("Die Verbindung zum Assistenten ist gerade gestört").wait_for()
    assert error.get_by_role("button", name="Erneut versuchen").is_visible()
    assert error.get_by_role("button", name="Mit einem Menschen sprechen").is_visible()
    assert error.get_by_role("link", name="115").get_attribute("href") == "tel:115"
    assert page.locator(".govbot-msg--failed").count() == 1
    _screenshot(page, "desktop-network-error")

    page.unroute("**/api/v1/conversations/*/messages", drop)
    error.get_by_role("button", name="Erneut versuchen").click()
    page.locator(".govbot-answer").wait_for(timeout=ANSWER_TIMEOUT_MS)
    assert page.locator(".govbot-msg--failed").count() == 0
    assert page.locator(".govbot-msg--citizen").count() == 1
    assert (error.text_content() or "") == ""
    tab.assert_clean()


@pytest.fixture
def strict_server(
    munich_index: Settings, munich_retriever: Retriever, tmp_path: Path
) -> Iterator[WidgetServer]:
    """The API with a rate limit of three requests a minute per client."""
    yield from _serve(
        munich_retriever, munich_index.data_dir, tmp_path, rate_limit="2/minute"
    )  # only writes count


def test_rate_limit_shows_wait_hint_and_no_server_text(
    browser: Browser, strict_server: WidgetServer
) -> None:
    tab = _open_tab(browser, strict_server.url)
    page = tab.page
    try:
        page.goto(strict_server.url + "/")
        _open_widget(page)  # write 1: start the conversation
        _ask(page, QUESTION)  # write 2: post it (reading the log is not counted)
        page.locator(".govbot-answer").wait_for(timeout=ANSWER_TIMEOUT_MS)
        _ask(page, "Und was kostet ein Reisepass?")  # write 3: over the limit

        error = page.get_by_role("alert")
        error.get_by_text("Sie haben in kurzer Zeit sehr viele Nachrichten gesendet").wait_for()
        text = error.text_content() or ""
        assert re.search(r"in etwa \d+ Sekunden erneut", text)
        assert "rate_limited" not in text and "too many requests" not in text
        assert page.locator(".govbot-input").input_value() == "Und was kostet ein Reisepass?"
        _screenshot(page, "desktop-rate-limited")
    finally:
        page.context.close()
    tab.assert_clean()


def test_server_error_offers_a_person_who_can_be_reached(tab: BrowserTab) -> None:
    page = tab.page
    _open_widget(page)

    # The network edge: the next question meets an overloaded server (a 503 with the API's
    # error shape and a technical message that must not reach the citizen).
    technical = "the answering index is not loaded; build it with `govbot ingest`"

    def overloaded(route: Route) -> None:
        body = {"error": {"code": "service_unavailable", "message": technical}}
        route.fulfill(status=503, json=body)

    page.route("**/api/v1/conversations/*/messages", overloaded)
    _ask(page, QUESTION)

    error = page.get_by_role("alert")
    error.get_by_text("Der Assistent ist gerade nicht erreichbar").wait_for()
    assert technical not in (error.text_content() or "")
    assert "service_unavailable" not in (error.text_content() or "")
    error.get_by_role("button", name="Mit einem Menschen sprechen").click()

    # The handoff itself goes to the real server.
    page.locator(".govbot-state").wait_for(state="visible")
    assert re.fullmatch(r"GB-[\w-]+", page.locator(".govbot-state .govbot-reference").inner_text())
    assert (error.text_content() or "") == ""
    assert page.evaluate("document.activeElement.className") == "govbot-input"
    tab.assert_clean()


def test_api_docs_render_offline_from_our_own_server(
    browser: Browser, server: WidgetServer
) -> None:
    """Swagger UI at /docs works on a machine without internet: no CDN request at all."""
    docs = _open_tab(browser, server.url)
    try:
        docs.page.goto(server.url + "/docs")
        docs.page.locator(".swagger-ui .info .title").wait_for(state="visible")
        assert "GovBot API" in docs.page.locator(".swagger-ui .info .title").inner_text()
        docs.page.locator(".opblock-summary-path").first.wait_for()
        paths = docs.page.locator(".opblock-summary-path").all_inner_texts()
        assert any(path.startswith("/api/v1/conversations") for path in paths)
        docs.assert_clean()
    finally:
        docs.page.context.close()


def test_citizen_chooses_arabic_and_gets_a_right_to_left_widget_and_answers(
    tab: BrowserTab, server: WidgetServer
) -> None:
    page = tab.page
    _open_widget(page)
    conversation = _conversation_id(page)
    select = page.get_by_label("Sprache")
    assert select.evaluate("s => Array.from(s.options).map(o => o.value)") == [
        "ar", "de", "en", "fa", "fr", "pl", "ro", "ru", "tr", "uk"
    ]  # fmt: skip
    select.select_option("ar")

    root = page.locator(".govbot")
    assert (root.get_attribute("dir"), root.get_attribute("lang")) == ("rtl", "ar")
    assert page.get_by_role("dialog", name="المساعد الرقمي").is_visible()
    assert page.locator(".govbot-handoff").last.text_content() == "التحدث مع إنسان"
    assert page.evaluate("document.activeElement.className") == "govbot-language"

    _ask(page, "أحتاج إلى مساعدة")
    answer = page.locator(".govbot-answer").last
    answer.wait_for(timeout=ANSWER_TIMEOUT_MS)
    assert re.search("[\u0600-\u06ff]{3}", answer.text_content() or "")
    assert _conversation_id(page) == conversation  # the same conversation goes on
    assert _stored_language(server, conversation) == "ar"  # sent with the message
    assert _axe_violations(page, tab.origin) == []

    page.reload()  # the choice is kept for the tab
    page.locator(".govbot-answer").wait_for()
    assert page.locator(".govbot").get_attribute("dir") == "rtl"
    _screenshot(page, "widget-arabic-rtl")
    tab.assert_clean()
