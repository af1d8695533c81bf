"""Clarifying choices in the widget (issue 12 item 2), in Debian's headless Chromium
against a real uvicorn, the real engine and a real index where two marriage services fit
one question: real buttons in a labelled group, reachable and usable with the keyboard,
a choice continues with that service, and axe-core finds nothing serious."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from bot.main import create_app
from bot.settings import Settings
from knowledge.retrieval import Retriever
from tests.bot.conftest import ASKING_MIN_CONFIDENCE, TRAVEL, make_settings
from tests.bot.test_widget_browser import (
    ANSWER_TIMEOUT_MS,
    BrowserTab,
    WidgetServer,
    _ask,
    _axe_violations,
    _open_tab,
    _open_widget,
    _screenshot,
    _tab_to,
)
from tests.conftest import live_server

pytestmark = pytest.mark.browser

AMBIGUOUS = "Ich brauche neue Papiere für eine Reise"


@pytest.fixture(scope="module")
def server(
    twin_index: Settings, twin_retriever: Retriever, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WidgetServer]:
    database = tmp_path_factory.mktemp("db") / "widget.sqlite3"
    settings = make_settings(twin_index.data_dir, f"sqlite:///{database}")
    settings.dialogue.min_confidence = ASKING_MIN_CONFIDENCE
    with live_server(create_app(settings, retriever=twin_retriever)) as url:
        yield WidgetServer(url=url, settings=settings)


@pytest.fixture
def tab(browser: Browser, server: WidgetServer) -> Iterator[BrowserTab]:
    opened = _open_tab(browser, server.url)
    opened.page.goto(server.url + "/")
    yield opened
    opened.page.context.close()


def test_choices_are_buttons_and_a_keyboard_choice_continues(tab: BrowserTab) -> None:
    page = tab.page
    _open_widget(page)
    _ask(page, AMBIGUOUS)
    answer = page.locator(".govbot-answer").last
    answer.wait_for(timeout=ANSWER_TIMEOUT_MS)
    assert answer.get_attribute("data-status") == "clarify"

    group = page.get_by_role("group", name="Passende Leistungen: bitte eine auswählen")
    buttons = group.get_by_role("button")
    assert 2 <= buttons.count() <= 4
    doc_ids = [buttons.nth(i).get_attribute("data-doc-id") for i in range(buttons.count())]
    assert set(TRAVEL) <= set(doc_ids)
    # The list in the text is replaced by the buttons, not shown twice.
    assert "- Reisepass" not in (answer.text_content() or "")
    assert _axe_violations(page, tab.origin) == []
    _screenshot(page, "clarify-options")

    target = f'.govbot-option[data-doc-id="{TRAVEL[1]}"]'
    title = page.locator(target).locator(".govbot-option-title").text_content() or ""
    _tab_to(page, target, limit=60)
    page.keyboard.press("Enter")
    answered = page.locator('.govbot-answer[data-status="answered"]').last
    answered.wait_for(timeout=ANSWER_TIMEOUT_MS)
    assert title in (page.get_by_role("log").text_content() or "")  # the choice as a message
    citation = answered.locator("a.govbot-citation").first
    assert "Reisepass" in (citation.text_content() or "")
    # The earlier choices are spent: the API takes only the last answer's.
    assert page.locator(target).get_attribute("aria-disabled") == "true"
    tab.assert_clean()
