"""End to end in Debian's Chromium: an editor uploads a PDF in the console, a second editor
approves it, a citizen's question in the widget is answered from it with the document cited,
and deleting it makes the answer disappear.

Everything is real and private to this test: its own index (one real Munich service as a
Word file, so the API starts with an index), the API with the widget on loopback, the
console started with ``streamlit run``, the ingest jobs the API starts, the browser.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page

from bot.main import create_app
from bot.storage.models import StaffRole
from ingest.file_services import file_services
from knowledge.embedding import Embedder
from tests.bot.conftest import STAFF_PASSWORD, add_staff, make_settings
from tests.conftest import build_index, live_server
from tests.console.conftest import running_console
from tests.console.test_browser import _login, _new_page, _open_page
from tests.ingest.real_documents import munich_service, write_service_docx, write_service_pdf

pytestmark = pytest.mark.browser
TITLE = "Personalausweis – Merkblatt"
QUESTION = "Was kostet ein Personalausweis?"


@pytest.fixture
def site(tmp_path: Path, embedder: Embedder) -> Iterator[tuple[str, str]]:
    """(API URL, console URL) over a private index of tenant muenchen."""
    settings = make_settings(tmp_path / "data", f"sqlite:///{tmp_path / 'db.sqlite3'}")
    word = write_service_docx(
        tmp_path / "wohnsitz.docx", munich_service("1063475"), stand=date(2026, 5, 1)
    )
    services = file_services(word, tenant="muenchen", max_bytes=10**7).services
    build_index(settings, embedder, [("muenchen", "files", services)])
    add_staff(settings, ("erika", StaffRole.EDITOR), ("jonas", StaffRole.EDITOR))
    log = tmp_path / "streamlit.log"
    with (
        live_server(create_app(settings)) as api_url,
        running_console(api_url, log, refresh_seconds=30) as url,
    ):
        yield api_url, url


def _wait_for_jobs(api_url: str) -> None:
    with httpx.Client(base_url=api_url, timeout=60) as client:
        token = client.post(
            "/api/v1/auth/token", data={"username": "jonas", "password": STAFF_PASSWORD}
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        deadline = time.monotonic() + 300
        while True:
            jobs = client.get("/api/v1/staff/knowledge/jobs", headers=headers).json()
            if jobs and all(job["status"] != "running" for job in jobs):
                assert jobs[0]["status"] == "finished", jobs[0]
                return
            assert time.monotonic() < deadline, jobs
            time.sleep(1)


def _citations(browser: Browser, api_url: str) -> str:
    citizen = _new_page(browser)
    citizen.goto(api_url + "/")
    citizen.locator(".govbot-launcher").click()
    citizen.locator(".govbot-notice").wait_for(state="visible")
    box = citizen.locator(".govbot-input")
    box.fill(QUESTION)
    box.press("Enter")
    citizen.locator(".govbot-answer").last.wait_for(timeout=60_000)
    text = " ".join(citizen.locator(".govbot-citation").all_inner_texts())
    citizen.context.close()
    return text


def _documents_page(page: Page, console_url: str, username: str) -> None:
    _login(page, console_url, username)
    _open_page(page, "Dokumente und FAQ")


def test_upload_approve_answer_delete_in_the_browser(
    browser: Browser, site: tuple[str, str], tmp_path: Path
) -> None:
    api_url, console_url = site
    pdf = write_service_pdf(
        tmp_path / "merkblatt.pdf", munich_service("1063441"), stand=date(2026, 6, 8)
    )

    editor = _new_page(browser)
    _documents_page(editor, console_url, "erika")
    editor.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(pdf))
    editor.get_by_label("Titel (leer: aus der Datei)").fill(TITLE)
    editor.get_by_role("button", name="Hochladen und Vorschau").click()
    editor.get_by_text("wartet auf Freigabe durch eine zweite Person", exact=False).wait_for(
        timeout=120_000
    )

    reviewer = _new_page(browser)
    _documents_page(reviewer, console_url, "jonas")
    reviewer.get_by_role("tab", name="Freigaben").click()
    reviewer.get_by_role("button", name="Freigeben").click()
    reviewer.get_by_text("ist freigegeben", exact=False).wait_for(timeout=60_000)
    _wait_for_jobs(api_url)

    assert TITLE in _citations(browser, api_url)

    _documents_page(editor, console_url, "erika")  # a fresh session shows the live document
    editor.get_by_role("tab", name="Freigaben").click()
    editor.get_by_text(TITLE, exact=False).first.click()  # open the document's expander
    editor.get_by_role("button", name="Dokument löschen").click()
    editor.get_by_text("Gelöscht", exact=False).wait_for(timeout=60_000)
    _wait_for_jobs(api_url)

    assert TITLE not in _citations(browser, api_url)
