"""Single sign-on in real headless Chromium (issue 14, item 11), end to end.

Everything is real: the OpenID Connect provider (``oidc-provider-mock`` on loopback, see
tests/oidc_provider.py), the API (uvicorn on loopback, SQLite), the console started with
``streamlit run`` and Debian's Chromium. An agent of Munich signs in through the
provider's login page, sees Munich's inbox and not another town's, a logout in a second
tab revokes the first tab's session, and the provider's logout returns to the console.
Screenshots land in artifacts/screenshots/console-sso-*.png.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from pydantic import SecretStr

from bot.cli.console import console_command
from bot.main import create_app
from bot.settings import OidcSettings, Settings
from bot.storage import crud
from bot.storage.db import make_engine, migrate, session_factory
from tests.bot.conftest import make_settings
from tests.conftest import bound_socket, live_server
from tests.console.test_browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, VIEWPORT, _free_port
from tests.oidc_provider import Provider, running_provider

pytestmark = pytest.mark.browser
expect.set_options(timeout=20_000)  # the console's first run and refreshes take a moment

PROVIDER_NAME = "Anmeldedienst der Stadt"
TOPICS = {"muenchen": "Anwohnerparken Schwabing", "lkaugsburg": "Müllabfuhr Gersthofen"}


@dataclass(frozen=True)
class Deployment:
    """Provider, API and console as a city runs them, and the handoffs waiting."""

    provider: Provider
    api_url: str
    console_url: str
    references: dict[str, str]  # tenant → reference of its waiting handoff


def _seed_handoffs(settings: Settings) -> dict[str, str]:
    """One waiting handoff per town, written as the citizens' widgets of each town do."""
    engine = make_engine(settings.sqlalchemy_url)
    migrate(engine)
    references: dict[str, str] = {}
    with session_factory(engine)() as session:
        for tenant, topic in TOPICS.items():
            conversation = crud.create_conversation(session, tenant=tenant, language="de")
            escalation = crud.create_escalation(
                session,
                conversation,
                source="citizen",
                reason_redacted=f"Bitte rufen Sie mich an ({topic}).",
                topic=topic,
                candidate_doc_ids=[],
                transcript=[],
                expected_response="innerhalb von zwei Werktagen",
                reference_prefix="GB",
            )
            references[tenant] = str(escalation.reference)
        session.commit()
    engine.dispose()
    return references


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """The provider, the API with single sign-on, and ``streamlit run`` of the console."""
    console_port = _free_port()
    console_url = f"http://127.0.0.1:{console_port}"
    sock = bound_socket()
    api_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with running_provider() as provider:
        provider.set_user(
            "id-bea",
            preferred_username="bea.muenchen",
            groups=["Verwaltung", "govbot-agents"],
            govbot_tenants=["muenchen"],
        )
        oidc = OidcSettings(
            issuer=provider.issuer,
            client_id="govbot-console",
            client_secret=SecretStr("secret-from-the-environment"),
            redirect_uri=f"{api_url}/api/v1/auth/sso/callback",
            console_url=console_url,
            role_map={"govbot-agents": "agent", "govbot-admins": "admin"},
        )
        data = tmp_path_factory.mktemp("sso-browser")
        settings = make_settings(data / "data", f"sqlite:///{data / 'govbot.sqlite3'}")
        settings = settings.model_copy(update={"oidc": oidc})
        references = _seed_handoffs(settings)
        with live_server(create_app(settings), sock=sock):
            log = data / "streamlit.log"
            env = {
                **os.environ,
                "GOVBOT_CONSOLE__API_URL": api_url,
                "GOVBOT_CONSOLE__REFRESH_SECONDS": "2",
            }
            command = console_command(Settings(env="test"), host="127.0.0.1", port=console_port)
            with open(log, "w", encoding="utf-8") as out:
                process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
            try:
                _wait_for_console(console_url, process, log)
                yield Deployment(provider, api_url, console_url, references)
            finally:
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()


def _wait_for_console(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/_stcore/health", timeout=2).text == "ok":
                return
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"streamlit did not start: {log.read_text(encoding='utf-8')}")
        time.sleep(0.3)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is missing: apt-get install -y chromium")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


def _sign_in(page: Page, deployment: Deployment, sub: str) -> None:
    """From the console's login page through the provider's page back into the console."""
    page.goto(deployment.console_url)
    page.get_by_role("link", name=f"Anmelden mit {PROVIDER_NAME}").click()
    page.wait_for_url(f"{deployment.provider.issuer}/oauth2/authorize?*")
    page.get_by_placeholder("sub").fill(sub)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{deployment.console_url}/**")


def _shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(800)
    page.screenshot(path=str(SCREENSHOTS / f"console-sso-{name}.png"))


def test_an_agent_signs_in_through_the_provider_sees_her_town_and_signs_out(
    deployment: Deployment, browser: Browser
) -> None:
    context = browser.new_context(viewport=VIEWPORT, locale="de-DE")  # type: ignore[arg-type]
    first, second = context.new_page(), context.new_page()
    for page in (first, second):
        page.set_default_timeout(30_000)

    page = first
    page.goto(deployment.console_url)
    page.get_by_role("link", name=f"Anmelden mit {PROVIDER_NAME}").wait_for()
    expect(page.get_by_label("Benutzername")).to_be_visible()  # local accounts remain
    _shot(page, "login")
    _sign_in(page, deployment, "id-bea")

    expect(page.get_by_role("heading", name="Handoff-Eingang")).to_be_visible()
    expect(page.get_by_test_id("stSidebar")).to_contain_text("bea.muenchen")
    expect(page.get_by_test_id("stSidebar")).to_contain_text("Service-Team")
    assert "sso_ticket" not in page.url  # the one-time ticket does not linger
    # The inbox table (a canvas grid) keeps its cells in an accessible shadow table.
    page.locator("[role='gridcell']", has_text=deployment.references["muenchen"]).wait_for(
        state="attached"
    )
    _shot(page, "inbox")
    assert deployment.references["lkaugsburg"] not in page.content()

    # A second tab of the same person signs in and out: the logout revokes every session
    # of the account, so the first tab's next refresh is refused.
    _sign_in(second, deployment, "id-bea")
    expect(second.get_by_role("heading", name="Handoff-Eingang")).to_be_visible()
    second.get_by_role("button", name="Abmelden").click()
    expect(second.get_by_text("Sie wurden abgemeldet.")).to_be_visible()
    provider_logout = second.get_by_role("link", name=f"Auch beim {PROVIDER_NAME} abmelden")
    back_to_console = httpx.QueryParams(
        client_id="govbot-console", post_logout_redirect_uri=deployment.console_url
    )
    expect(provider_logout).to_have_attribute(
        "href", f"{deployment.provider.issuer}/oauth2/end_session?{back_to_console}"
    )
    _shot(second, "logged-out")

    expect(first.get_by_text("Sitzung abgelaufen. Bitte melden Sie sich erneut an.")).to_be_visible(
        timeout=20_000
    )
    assert deployment.references["muenchen"] not in first.content()

    # Ending the provider's session too brings the browser back to the console's login.
    provider_logout.click()
    second.wait_for_url(f"{deployment.provider.issuer}/oauth2/end_session?*")
    second.get_by_role("button", name="End session").click()
    second.wait_for_url(f"{deployment.console_url}/**")
    expect(second.get_by_role("link", name=f"Anmelden mit {PROVIDER_NAME}")).to_be_visible()
    context.close()


def test_a_user_without_a_govbot_role_is_told_why(deployment: Deployment, browser: Browser) -> None:
    deployment.provider.set_user(
        "id-gast", preferred_username="gast", groups=["Verwaltung"], govbot_tenants=["muenchen"]
    )
    page = browser.new_page(viewport=VIEWPORT, locale="de-DE")  # type: ignore[arg-type]
    page.set_default_timeout(30_000)

    _sign_in(page, deployment, "id-gast")

    expect(page.get_by_text("Ihr Konto hat keine Rolle in GovBot")).to_be_visible()
    expect(page.get_by_label("Benutzername")).to_be_visible()
    assert "sso_error" not in page.url
    _shot(page, "no-role")
    page.close()
