"""The console's API client against the real API: typed results and German errors."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

import pytest

from console.client import ApiClient
from console.errors import ApiError, ApiUnreachable, Forbidden, LoginFailed, SessionExpired
from console.session import (
    EXPIRED_NOTICE,
    STATE_KEY,
    current,
    end,
    notice,
    start,
    token_expiry,
)
from govbot_client.staff import HandoffSummary
from tests.bot.conftest import STAFF_PASSWORD
from tests.console.conftest import ConsoleApi


def _logged_in(api: ConsoleApi, username: str) -> ApiClient:
    login = ApiClient(api.url).login(username, STAFF_PASSWORD)
    return ApiClient(api.url, token=login.access_token)


def test_unreachable_api_names_the_url() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with ApiClient(url) as client, pytest.raises(ApiUnreachable) as caught:
        client.me()
    assert str(caught.value) == f"API nicht erreichbar unter {url}"


def test_wrong_password_is_a_login_failure_not_an_expired_session(
    console_api: ConsoleApi,
) -> None:
    with ApiClient(console_api.url) as client, pytest.raises(LoginFailed) as caught:
        client.login("anna.agent", "falsch")
    assert str(caught.value) == "Benutzername oder Passwort falsch."


def test_rejected_token_is_an_expired_session(console_api: ConsoleApi) -> None:
    client = ApiClient(console_api.url, token="not-a-token")
    with client, pytest.raises(SessionExpired) as caught:
        client.me()
    assert str(caught.value) == "Sitzung abgelaufen. Bitte melden Sie sich erneut an."


def test_wrong_role_is_forbidden_with_the_apis_reason(console_api: ConsoleApi) -> None:
    with _logged_in(console_api, "anna.agent") as client, pytest.raises(Forbidden) as caught:
        client.audit()
    assert str(caught.value) == (
        "Keine Berechtigung: role 'agent' of 'anna.agent' may not do this; "
        "needs one of admin, auditor"
    )


def test_other_errors_carry_status_code_and_message(console_api: ConsoleApi) -> None:
    with _logged_in(console_api, "anna.agent") as client, pytest.raises(ApiError) as caught:
        client.handoff(999_999)
    assert (caught.value.status, caught.value.code) == (404, "handoff_not_found")
    assert str(caught.value).startswith("Nicht gefunden: handoff '999999' does not exist")


def test_results_are_typed(console_api: ConsoleApi) -> None:
    console_api.escalate("Was kostet ein Personalausweis?", "Rückfrage")
    with _logged_in(console_api, "anna.agent") as client:
        handoffs = client.handoffs(status="open")
        me = client.me()
    assert handoffs and all(isinstance(h, HandoffSummary) for h in handoffs)
    assert (me.username, me.role) == ("anna.agent", "agent")


def test_session_ends_at_the_tokens_exp(console_api: ConsoleApi) -> None:
    login = ApiClient(console_api.url).login("erika.editor", STAFF_PASSWORD)
    expiry = token_expiry(login.access_token)
    assert expiry is not None
    expected = datetime.now(UTC) + timedelta(seconds=login.expires_in)
    assert abs((expiry - expected).total_seconds()) < 5

    state: dict[str, object] = {"review.pick": 3}
    staff = start(state, login, "erika.editor")
    assert current(state) == staff
    assert current(state, now=expiry + timedelta(seconds=1)) is None
    assert STATE_KEY not in state and "review.pick" not in state
    assert notice(state) == EXPIRED_NOTICE
    assert notice(state) is None  # shown once


def test_logout_forgets_everything_of_the_pages() -> None:
    state: dict[str, object] = {"audit.export": ("x", b"csv"), "other": 1, STATE_KEY: "s"}
    end(state, "Sie wurden abgemeldet.")
    assert state == {"other": 1, "console.notice": "Sie wurden abgemeldet."}


@pytest.mark.parametrize("token", ["", "a.b", "a.!!!.c", "a.eyJ4IjogMX0.c"])
def test_token_without_readable_exp_has_no_expiry(token: str) -> None:
    assert token_expiry(token) is None
