"""Single sign-on in real headless Chromium (issue 14, item 11), end to end.

Everything is real: the OpenID Connect provider (``oidc-provider-mock`` on loopback, see
tests/oidc_provider.py), the API (uvicorn on loopback, SQLite), the console started with
``streamlit run`` and Debian's Chromium. An agent of Munich signs in through the
provider's login page, sees Munich's inbox and not Augsburg's (a citizen of each town asked
for a person), a logout in a second
tab revokes the first tab's session, and the provider's logout returns to the console.
Screenshots land in artifacts/screenshots/console-sso-*.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from pydantic import SecretStr

from bot.main import create_app
from bot.settings import OidcSettings
from knowledge.retrieval import Retriever
from tests.bot.conftest import make_settings
from tests.conftest import AUGSBURG, MUNICH, bound_socket, live_server
from tests.console.conftest import running_console
from tests.console.test_browser import SCREENSHOTS, VIEWPORT
from tests.console.test_tenancy_browser import _ask_for_person
from tests.oidc_provider import Provider, running_provider

pytestmark = pytest.mark.browser

expect.set_options(timeout=20_000)  # the console's first run and refreshes take a moment

PROVIDER_NAME = "Anmeldedienst der Stadt"


@dataclass(frozen=True)
class Deployment:
    """Provider, API and console as a city runs them, and the handoffs waiting."""

    provider: Provider
    api_url: str
    console_url: str
    references: dict[str, str]  # tenant → reference of its waiting handoff


@pytest.fixture(scope="module")
def deployment(
    two_towns_retriever: Retriever, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    """The provider, the API (both towns) with single sign-on, and the console; a citizen of
    each town has asked for a person."""
    data = tmp_path_factory.mktemp("sso-browser")
    sock = bound_socket()  # the API's address must be known before its settings
    api_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with (
        running_provider() as provider,
        running_console(api_url, data / "streamlit.log", refresh_seconds=2) as console_url,
    ):
        provider.set_user(
            "id-bea",
            preferred_username="bea.muenchen",
            groups=["Verwaltung", "govbot-agents"],
            govbot_tenants=[MUNICH],
        )
        oidc = OidcSettings(
            issuer=provider.issuer,
            client_id="govbot-console",
            client_secret=SecretStr("secret-from-the-environment"),
            redirect_uri=f"{api_url}/api/v1/auth/sso/callback",
            console_url=console_url,
            role_map={"govbot-agents": "agent", "govbot-admins": "admin"},
        )
        settings = make_settings(data / "data").model_copy(update={"oidc": oidc})
        app = create_app(settings, retriever=two_towns_retriever)
        with live_server(app, sock=sock):
            references = {town: _ask_for_person(api_url, town) for town in (MUNICH, AUGSBURG)}
            yield Deployment(provider, api_url, console_url, references)


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
    page.locator("[role='gridcell']", has_text=deployment.references[MUNICH]).wait_for(
        state="attached"
    )
    _shot(page, "inbox")
    assert deployment.references[AUGSBURG] not in page.content()

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
    expect(first.get_by_label("Benutzername")).to_be_visible()
    first.locator("[role='gridcell']", has_text=deployment.references[MUNICH]).wait_for(
        state="detached"
    )

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
