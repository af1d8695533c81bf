"""Single sign-on through a real OpenID Connect provider on loopback (issue 14, item 11).

The provider is ``oidc-provider-mock`` (tests/oidc_provider.py): real discovery, JWKS, login
page and RS256 ID tokens. The API runs with its lifespan in a TestClient, whose cookie jar
plays the browser; the provider's login page is submitted over HTTP.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from fastapi.testclient import TestClient
from pydantic import SecretStr
from typer.testing import CliRunner

from bot.cli.app import app
from bot.errors import SsoRefusedError
from bot.main import create_app
from bot.services.security import create_access_token
from bot.services.sso import FLOW_COOKIE, SingleSignOn
from bot.settings import OidcSettings, Settings
from bot.storage.models import StaffRole
from knowledge.errors import ConfigurationError
from tests.bot.conftest import STAFF_PASSWORD, add_staff_users, make_settings
from tests.oidc_provider import Provider, query, running_provider

CONSOLE = "http://console.test"
CALLBACK = "http://testserver/api/v1/auth/sso/callback"
ROLE_MAP = {"govbot-agents": "agent", "govbot-editors": "editor", "govbot-admins": "admin"}


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running_provider() as running:
        yield running


def sso_settings(provider: Provider, data_dir: Path, database_url: str | None = None) -> Settings:
    oidc = OidcSettings(
        issuer=provider.issuer,
        client_id="govbot",
        client_secret=SecretStr("client-secret-from-env"),
        redirect_uri=CALLBACK,
        console_url=CONSOLE,
        role_map=ROLE_MAP,  # type: ignore[arg-type]
    )
    return make_settings(data_dir, database_url).model_copy(update={"oidc": oidc})


@pytest.fixture
def client(provider: Provider, tmp_path: Path, database_url: str) -> Iterator[TestClient]:
    settings = sso_settings(provider, tmp_path / "data", database_url)
    add_staff_users(settings, ("admin", StaffRole.ADMIN))  # the local break-glass admin
    provider.set_user(
        "id-anna",
        preferred_username="anna.sso",
        groups=["staff", "govbot-agents"],
        govbot_tenants=["muenchen"],
    )
    with TestClient(create_app(settings)) as client:
        yield client


def start_login(client: TestClient) -> str:
    """Open the API's login; the provider URL it sends the browser to."""
    response = client.get("/api/v1/auth/sso/login", follow_redirects=False)
    assert response.status_code == 303, response.text
    assert FLOW_COOKIE in response.cookies
    return response.headers["location"]


def callback(client: TestClient, provider_redirect: str) -> httpx.Response:
    """Follow the provider's redirect to the API's callback (as the browser would)."""
    assert provider_redirect.startswith(CALLBACK), provider_redirect
    path = urlsplit(provider_redirect)
    return client.get(f"{path.path}?{path.query}", follow_redirects=False)


def sign_in(client: TestClient, provider: Provider, sub: str = "id-anna") -> dict[str, object]:
    """A whole login: API → provider page → callback → ticket → access token."""
    back = callback(client, provider.log_in(start_login(client), sub))
    assert back.status_code == 303, back.text
    assert back.headers["location"].startswith(f"{CONSOLE}/?sso_ticket="), back.headers
    ticket = query(back.headers["location"])["sso_ticket"]
    redeemed = client.post("/api/v1/auth/sso/ticket", json={"ticket": ticket})
    assert redeemed.status_code == 200, redeemed.text
    body: dict[str, object] = redeemed.json()
    return body


def bearer(token: object) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def refusal(response: httpx.Response) -> tuple[int, str, str]:
    """Status, the reason the console is told, and the message of a refused login."""
    assert response.headers["location"].startswith(f"{CONSOLE}/?sso_error="), response.headers
    error = response.json()["error"]
    assert query(response.headers["location"])["sso_error"] == error["details"]["reason"]
    return response.status_code, error["details"]["reason"], error["message"]


def audit_actions(client: TestClient, admin_headers: dict[str, str]) -> list[tuple[str, str]]:
    entries = client.get("/api/v1/staff/audit/entries", headers=admin_headers).json()["entries"]
    return [(entry["actor"], entry["action"]) for entry in entries]


def admin(client: TestClient) -> dict[str, str]:
    response = client.post(
        "/api/v1/auth/token", data={"username": "admin", "password": STAFF_PASSWORD}
    )
    return bearer(response.json()["access_token"])


# --- the way in -----------------------------------------------------------------------


def test_the_console_is_told_where_to_sign_in(client: TestClient) -> None:
    offer = client.get("/api/v1/auth/sso").json()

    assert offer == {
        "enabled": True,
        "login_url": "http://testserver/api/v1/auth/sso/login",
        "provider_name": "Anmeldedienst der Stadt",
    }


def test_login_uses_pkce_state_and_nonce_bound_to_the_browser(client: TestClient) -> None:
    response = client.get("/api/v1/auth/sso/login", follow_redirects=False)

    location = response.headers["location"]
    sso: SingleSignOn = client.app.state.sso  # type: ignore[attr-defined]
    assert location.startswith(sso.provider.metadata().authorization_endpoint + "?")
    sent = query(location)
    assert (sent["response_type"], sent["client_id"], sent["redirect_uri"]) == (
        "code",
        "govbot",
        CALLBACK,
    )
    assert sent["code_challenge_method"] == "S256"
    assert len(sent["state"]) >= 40 and len(sent["nonce"]) >= 40
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/api/v1/auth/sso" in cookie
    # The verifier travels only in the signed cookie; the provider sees its S256 hash.
    payload = response.cookies[FLOW_COOKIE].split(".")[1]
    flow = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert sent["code_challenge"] == create_s256_code_challenge(flow["verifier"])
    assert (flow["state"], flow["nonce"]) == (sent["state"], sent["nonce"])


def test_sign_in_creates_the_account_with_role_and_tenants(
    client: TestClient, provider: Provider
) -> None:
    token = sign_in(client, provider)

    assert (token["username"], token["role"], token["tenants"]) == (
        "anna.sso",
        "agent",
        ["muenchen"],
    )
    me = client.get("/api/v1/staff/me", headers=bearer(token["access_token"]))
    assert (me.status_code, me.json()["username"], me.json()["role"]) == (200, "anna.sso", "agent")
    actions = audit_actions(client, admin(client))
    assert ("anna.sso", "staff.created") in actions and ("anna.sso", "auth.login") in actions


def test_the_next_login_takes_role_and_tenants_from_the_directory(
    client: TestClient, provider: Provider
) -> None:
    first = sign_in(client, provider)
    provider.set_user(
        "id-anna",
        preferred_username="anna.sso",
        groups=["govbot-editors"],
        govbot_tenants=["muenchen", "lkaugsburg"],
    )

    second = sign_in(client, provider)

    assert (second["role"], second["tenants"]) == ("editor", ["lkaugsburg", "muenchen"])
    # The session of before names other tenants than the account now has: refused.
    assert client.get("/api/v1/staff/me", headers=bearer(first["access_token"])).status_code == 401
    assert client.get("/api/v1/staff/me", headers=bearer(second["access_token"])).status_code == 200


def test_a_ticket_works_once(client: TestClient, provider: Provider) -> None:
    back = callback(client, provider.log_in(start_login(client), "id-anna"))
    ticket = query(back.headers["location"])["sso_ticket"]

    first = client.post("/api/v1/auth/sso/ticket", json={"ticket": ticket})
    again = client.post("/api/v1/auth/sso/ticket", json={"ticket": ticket})
    forged = client.post("/api/v1/auth/sso/ticket", json={"ticket": ticket[:-4] + "AAAA"})

    assert first.status_code == 200
    assert (again.status_code, again.json()["error"]["message"]) == (
        401,
        "this sign-in ticket was already used",
    )
    assert forged.status_code == 401
    assert forged.json()["error"]["details"] == {"reason": "ticket_invalid"}


# --- refusals -------------------------------------------------------------------------


def test_an_answer_with_another_state_is_refused(client: TestClient, provider: Provider) -> None:
    redirect = provider.log_in(start_login(client), "id-anna")
    state = query(redirect)["state"]

    response = callback(client, redirect.replace(state, "forged-" + state))

    assert refusal(response) == (
        303,
        "state_mismatch",
        "the provider's answer belongs to another login (state does not match)",
    )
    assert FLOW_COOKIE not in client.cookies  # the half-done login is gone


def test_an_answer_in_a_browser_that_started_no_login_is_refused(
    client: TestClient, provider: Provider
) -> None:
    redirect = provider.log_in(start_login(client), "id-anna")
    client.cookies.clear()

    status, reason, message = refusal(callback(client, redirect))

    assert (status, reason) == (303, "flow_missing")
    assert message.startswith("no login was started in this browser, or it took longer than 10")


def test_an_id_token_with_another_nonce_is_refused(client: TestClient, provider: Provider) -> None:
    authorization_url = start_login(client)
    nonce = query(authorization_url)["nonce"]
    # An ID token minted for another login (an injected or replayed token) carries its nonce.
    tampered = authorization_url.replace(nonce, "another-login-" + nonce)

    response = callback(client, provider.log_in(tampered, "id-anna"))

    assert refusal(response) == (
        303,
        "nonce_mismatch",
        "the ID token's nonce is not the one this login sent (a replayed or injected token)",
    )


def test_an_id_token_for_another_application_is_refused(
    client: TestClient, provider: Provider
) -> None:
    sso: SingleSignOn = client.app.state.sso  # type: ignore[attr-defined]
    foreign = provider.id_token("id-anna", client_id="other-app", nonce="n-1")

    with pytest.raises(SsoRefusedError) as refused:
        sso.provider.validate_id_token(foreign, nonce="n-1")

    assert refused.value.reason == "id_token_invalid"
    assert "aud=['other-app']; expected" in str(refused.value)
    assert "'govbot'" in str(refused.value)


def test_a_tampered_id_token_is_refused(client: TestClient, provider: Provider) -> None:
    sso: SingleSignOn = client.app.state.sso  # type: ignore[attr-defined]
    token = provider.id_token("id-anna", client_id="govbot", nonce="n-2")
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert sso.provider.validate_id_token(token, nonce="n-2")["groups"] == [
        "staff",
        "govbot-agents",
    ]
    claims["groups"] = ["govbot-admins"]
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()

    with pytest.raises(SsoRefusedError) as refused:
        sso.provider.validate_id_token(f"{header}.{forged}.{signature}", nonce="n-2")

    assert refused.value.reason == "id_token_invalid"
    assert str(refused.value).startswith("the ID token's signature does not verify")


def test_a_user_whose_groups_map_to_no_role_is_refused_and_audited(
    client: TestClient, provider: Provider
) -> None:
    provider.set_user(
        "id-gast", preferred_username="gast", groups=["staff", "guest"], govbot_tenants=["muenchen"]
    )

    response = callback(client, provider.log_in(start_login(client), "id-gast"))

    assert refusal(response) == (
        303,
        "no_role",
        "'gast' has no GovBot role: claim 'groups' holds ['staff', 'guest'], "
        "GOVBOT_OIDC__ROLE_MAP maps ['govbot-admins', 'govbot-agents', 'govbot-editors']",
    )
    assert ("gast", "auth.sso_refused") in audit_actions(client, admin(client))


def test_a_user_of_no_tenant_is_refused(client: TestClient, provider: Provider) -> None:
    provider.set_user("id-otto", preferred_username="otto", groups=["govbot-agents"])

    status, reason, message = refusal(
        callback(client, provider.log_in(start_login(client), "id-otto"))
    )

    assert (status, reason) == (303, "no_tenant")
    assert message.startswith("'otto' works for no tenant: claim 'govbot_tenants' holds []")


def test_the_local_admin_is_never_taken_over(client: TestClient, provider: Provider) -> None:
    provider.set_user(
        "id-mallory",
        preferred_username="admin",
        groups=["govbot-agents"],
        govbot_tenants=["muenchen"],
    )

    response = callback(client, provider.log_in(start_login(client), "id-mallory"))

    status, reason, message = refusal(response)
    assert (status, reason) == (303, "account_conflict")
    assert message.startswith("a local account named 'admin' exists already")
    assert (
        client.post(
            "/api/v1/auth/token", data={"username": "admin", "password": STAFF_PASSWORD}
        ).json()["role"]
        == "admin"
    )


def test_a_denied_login_at_the_provider_is_explained(
    client: TestClient, provider: Provider
) -> None:
    response = callback(client, provider.deny(start_login(client)))

    status, reason, message = refusal(response)
    assert (status, reason) == (303, "provider_error")
    assert message.startswith("the provider ended the login with error 'access_denied'")


def test_an_account_of_the_provider_has_no_password(client: TestClient, provider: Provider) -> None:
    sign_in(client, provider)

    response = client.post("/api/v1/auth/token", data={"username": "anna.sso", "password": "!sso"})

    assert response.status_code == 401
    assert response.json()["error"]["message"] == "incorrect username or password"


# --- the end of a session -------------------------------------------------------------


def test_logout_revokes_the_session_and_offers_the_provider_logout(
    client: TestClient, provider: Provider
) -> None:
    token = sign_in(client, provider)
    assert str(token["logout_url"]).startswith(f"{provider.issuer}/oauth2/end_session?")

    ended = client.post("/api/v1/auth/logout", headers=bearer(token["access_token"]))

    assert ended.status_code == 200
    assert ended.json()["revoked"] is True
    assert query(ended.json()["logout_url"]) == {
        "client_id": "govbot",
        "post_logout_redirect_uri": CONSOLE,
    }
    after = client.get("/api/v1/staff/me", headers=bearer(token["access_token"]))
    assert after.status_code == 401
    assert ("anna.sso", "auth.logout") in audit_actions(client, admin(client))


def test_a_deactivated_account_loses_its_session_and_cannot_sign_in_again(
    client: TestClient, provider: Provider
) -> None:
    token = sign_in(client, provider)
    settings: Settings = client.app.state.settings  # type: ignore[attr-defined]
    env = {
        "GOVBOT_DATA_DIR": str(settings.data_dir),
        "GOVBOT_DATABASE_URL": settings.database.url or "",
    }
    deactivated = CliRunner().invoke(app, ["users", "deactivate", "anna.sso"], env=env)
    assert deactivated.exit_code == 0, deactivated.output

    assert client.get("/api/v1/staff/me", headers=bearer(token["access_token"])).status_code == 401
    status, reason, message = refusal(
        callback(client, provider.log_in(start_login(client), "id-anna"))
    )
    assert (status, reason) == (303, "account_deactivated")
    assert message == (
        "'anna.sso' is deactivated in GovBot; an admin reactivates it with "
        "`govbot users activate anna.sso`"
    )


def test_an_expired_session_is_refused(client: TestClient, provider: Provider) -> None:
    token = sign_in(client, provider)
    settings: Settings = client.app.state.settings  # type: ignore[attr-defined]
    claims = json.loads(base64.urlsafe_b64decode(str(token["access_token"]).split(".")[1] + "=="))
    expired, _ = create_access_token(
        "anna.sso",
        role=StaffRole.AGENT,
        tenants=claims["tenants"],
        api=settings.api,
        version=claims["ver"],
        now=datetime.now(UTC) - timedelta(minutes=settings.api.token_ttl_minutes + 1),
    )

    response = client.get("/api/v1/staff/me", headers=bearer(expired))

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_expired"


# --- configuration ----------------------------------------------------------------------


def _oidc(**overrides: object) -> dict[str, object]:
    return {
        "issuer": "https://login.stadt.example/realms/verwaltung",
        "client_id": "govbot",
        "client_secret": "from-env",
        "role_map": {"govbot-agents": "agent"},
        **overrides,
    }


PRODUCTION = {"env": "production", "api": {"jwt_secret": "p" * 40}}


@pytest.mark.parametrize(
    ("oidc", "message"),
    [
        (
            {"issuer": "http://login.stadt.example/realms/verwaltung"},
            "GOVBOT_OIDC__ISSUER='http://login.stadt.example/realms/verwaltung' is not https; "
            "GOVBOT_ENV=production signs staff in over https only "
            "(GOVBOT_OIDC__ALLOW_HTTP_LOOPBACK=true permits http://localhost for tests)",
        ),
        (
            {"issuer": "http://localhost:9000", "allow_http_loopback": False},
            "GOVBOT_OIDC__ISSUER='http://localhost:9000' is not https",
        ),
        (
            {"redirect_uri": "http://govbot.stadt.example/api/v1/auth/sso/callback"},
            "GOVBOT_OIDC__REDIRECT_URI='http://govbot.stadt.example/api/v1/auth/sso/callback' "
            "is not https",
        ),
        (
            {"role_map": {}},
            "GOVBOT_OIDC__ROLE_MAP is empty: nobody could sign in",
        ),
        (
            {"client_secret": None},
            "GOVBOT_OIDC__TOKEN_AUTH_METHOD=client_secret_basic needs GOVBOT_OIDC__CLIENT_SECRET",
        ),
        (
            {"redirect_uri": "https://govbot.stadt.example/login"},
            "GOVBOT_OIDC__REDIRECT_URI='https://govbot.stadt.example/login' must be the API's "
            "public URL followed by /api/v1/auth/sso/callback",
        ),
    ],
)
def test_production_refuses_an_unsafe_sign_on_configuration(
    oidc: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigurationError) as refused:
        Settings(**PRODUCTION, oidc=_oidc(**oidc))  # type: ignore[arg-type]

    assert message in str(refused.value)


def test_production_allows_http_only_for_a_provider_on_loopback_when_asked() -> None:
    allowed = Settings(
        **PRODUCTION,  # type: ignore[arg-type]
        oidc=_oidc(issuer="http://localhost:9000", allow_http_loopback=True),
    )
    assert allowed.oidc.enabled
    with pytest.raises(ConfigurationError, match="is not https"):
        Settings(
            **PRODUCTION,  # type: ignore[arg-type]
            oidc=_oidc(issuer="http://idp.stadt.example", allow_http_loopback=True),
        )


def test_without_a_provider_the_api_says_how_to_sign_in(tmp_path: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path / "data"))) as client:
        offer = client.get("/api/v1/auth/sso")
        login = client.get("/api/v1/auth/sso/login", follow_redirects=False)

    assert offer.json() == {"enabled": False, "login_url": None, "provider_name": None}
    assert login.status_code == 404
    assert login.json()["error"]["message"] == (
        "single sign-on is not configured on this server (GOVBOT_OIDC__ISSUER is unset); "
        "sign in with user name and password at POST /api/v1/auth/token"
    )


def test_the_command_line_shows_provider_accounts_and_keeps_their_password_out(
    client: TestClient, provider: Provider
) -> None:
    sign_in(client, provider)
    settings: Settings = client.app.state.settings  # type: ignore[attr-defined]
    env = {
        "GOVBOT_DATA_DIR": str(settings.data_dir),
        "GOVBOT_DATABASE_URL": settings.database.url or "",
    }

    listed = CliRunner().invoke(app, ["users", "list", "--json"], env=env)
    refused = CliRunner().invoke(
        app, ["users", "set-password", "anna.sso", "--password-stdin"],
        input="ein langes neues Passwort\n", env=env,
    )  # fmt: skip

    sign_ins = {user["username"]: user["sign_in"] for user in json.loads(listed.output)}
    assert sign_ins == {"admin": "password", "anna.sso": "sso"}
    assert refused.exit_code != 0
    assert "'anna.sso' signs in through the identity provider (single sign-on)" in str(
        refused.exception
    )
