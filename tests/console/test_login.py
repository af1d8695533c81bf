"""Login, logout, session expiry and unreachable API, in Streamlit's AppTest against the API."""

from __future__ import annotations

import socket
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from console.session import STATE_KEY, StaffSession
from tests.console.conftest import (
    ConsoleApi,
    console_as,
    errors,
    login,
    open_console,
    shown_text,
    titles,
)

pytestmark = pytest.mark.usefixtures("console_env")


def test_without_login_only_the_login_form_is_shown(console_api: ConsoleApi) -> None:
    at = open_console()

    assert titles(at) == ["GovBot – Service-Konsole"]
    assert [w.label for w in at.text_input] == ["Benutzername", "Passwort"]
    assert len(at.dataframe) == 0 and len(at.metric) == 0
    assert f"API: {console_api.url}" in shown_text(at)


def test_asking_for_a_page_without_login_shows_no_data() -> None:
    at = open_console()
    at.session_state["console.goto"] = "audit"
    at.run()

    assert titles(at) == ["GovBot – Service-Konsole"]
    assert len(at.dataframe) == 0 and len(at.metric) == 0


def test_wrong_password_is_refused_with_a_german_message() -> None:
    at = login(open_console(), "anna.agent", "falsches passwort")

    assert errors(at) == ["Benutzername oder Passwort falsch."]
    assert titles(at) == ["GovBot – Service-Konsole"]


def test_agent_lands_in_the_handoff_inbox_and_sees_name_and_role() -> None:
    at = console_as("anna.agent")

    assert titles(at) == ["Handoff-Eingang"]
    sidebar = "\n".join(str(m.value) for m in at.sidebar.markdown)
    assert "anna.agent" in sidebar and "Service-Team" in sidebar


def test_logout_returns_to_the_login_and_forgets_the_token() -> None:
    at = console_as("erika.editor")
    at.button(key="console.logout").click().run()

    assert titles(at) == ["GovBot – Service-Konsole"]
    assert "Sie wurden abgemeldet." in shown_text(at)
    assert STATE_KEY not in at.session_state


def test_expired_token_sends_back_to_login_with_sitzung_abgelaufen() -> None:
    at = console_as("alex.auditor", "audit")
    staff = at.session_state[STATE_KEY]
    assert isinstance(staff, StaffSession)
    at.session_state[STATE_KEY] = replace(
        staff, expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    at.run()

    assert titles(at) == ["GovBot – Service-Konsole"]
    assert "Sitzung abgelaufen. Bitte melden Sie sich erneut an." in shown_text(at)
    assert len(at.dataframe) == 0


def test_token_rejected_by_the_api_sends_back_to_login() -> None:
    at = console_as("alex.auditor", "audit")
    staff = at.session_state[STATE_KEY]
    at.session_state[STATE_KEY] = replace(staff, token=staff.token[:-4] + "AAAA")
    at.run()

    assert titles(at) == ["GovBot – Service-Konsole"]
    assert "Sitzung abgelaufen. Bitte melden Sie sich erneut an." in shown_text(at)
    assert len(at.dataframe) == 0


def test_unreachable_api_is_named_with_its_url(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    monkeypatch.setenv("GOVBOT_CONSOLE__API_URL", dead)
    at = login(open_console(), "anna.agent")

    assert errors(at) == [f"API nicht erreichbar unter {dead}"]
    assert titles(at) == ["GovBot – Service-Konsole"]
