"""Anmelden: through the city's identity provider (single sign-on) or with a local account.

When the API offers single sign-on (``GET /api/v1/auth/sso``), a button opens the provider's
login in the same tab; the provider sends the browser back through the API to the console
with ``?sso_ticket=…`` (or ``?sso_error=<reason>``), which ``accept_sso_return`` turns into
a session (or a German explanation). Local accounts (small installations, break-glass
admins) sign in with user name and password as before.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from html import escape
from typing import Any

import streamlit as st

from console import session
from console.client import ApiClient
from console.config import ConsoleConfig
from console.errors import ConsoleError
from govbot_client.sso import SsoConfigPublic

TICKET_PARAM = "sso_ticket"
ERROR_PARAM = "sso_error"

# The API's reasons for refusing a single sign-on (bot/services/sso.py, oidc.py), in German.
_TRY_AGAIN = "Bitte melden Sie sich erneut an."
_ASK_IT = "Bitte wenden Sie sich an die IT, wenn es wieder geschieht."
SSO_REFUSALS = {
    "provider_error": "Die Anmeldung beim Anmeldedienst wurde abgebrochen oder abgelehnt.",
    "flow_missing": "Die Anmeldung hat zu lange gedauert oder wurde in einem anderen "
    f"Browserfenster begonnen. {_TRY_AGAIN}",
    "state_mismatch": f"Die Antwort des Anmeldedienstes gehört nicht zu dieser Anmeldung. "
    f"{_TRY_AGAIN}",
    "nonce_mismatch": "Die Bestätigung des Anmeldedienstes gehört nicht zu dieser Anmeldung. "
    f"{_TRY_AGAIN} {_ASK_IT}",
    "id_token_invalid": f"Die Bestätigung des Anmeldedienstes ist ungültig. {_TRY_AGAIN} {_ASK_IT}",
    "token_exchange_failed": f"Der Anmeldedienst hat die Anmeldung nicht bestätigt. "
    f"{_TRY_AGAIN} {_ASK_IT}",
    "no_username": "Der Anmeldedienst hat keinen Benutzernamen übermittelt. "
    "Bitte wenden Sie sich an die IT.",
    "no_role": "Ihr Konto hat keine Rolle in GovBot (Service-Team, Redaktion, KI-Hub oder "
    "Administration). Bitte wenden Sie sich an die Administration.",
    "no_tenant": "Ihr Konto ist keiner Kommune zugeordnet. "
    "Bitte wenden Sie sich an die Administration.",
    "account_conflict": "In GovBot gibt es schon ein lokales Konto mit Ihrem Namen. "
    "Bitte wenden Sie sich an die Administration.",
    "account_deactivated": "Ihr GovBot-Konto ist deaktiviert. "
    "Bitte wenden Sie sich an die Administration.",
    "provider_unreachable": "Der Anmeldedienst ist gerade nicht erreichbar. "
    "Bitte versuchen Sie es in einigen Minuten erneut.",
    "provider_misconfigured": "Die Anmeldung über den Anmeldedienst ist falsch eingerichtet. "
    "Bitte wenden Sie sich an die IT.",
}
SSO_REFUSED_OTHER = f"Die Anmeldung über den Anmeldedienst ist fehlgeschlagen. {_TRY_AGAIN}"
_SSO_CONFIG_KEY = "login.sso"


def accept_sso_return(config: ConsoleConfig, state: MutableMapping[Any, Any]) -> None:
    """Turn ``?sso_ticket=`` into a session or ``?sso_error=`` into a notice; the query
    parameters are removed either way (a ticket works once and must not linger)."""
    ticket = st.query_params.get(TICKET_PARAM)
    error = st.query_params.get(ERROR_PARAM)
    if ticket is None and error is None:
        return
    st.query_params.clear()
    if error is not None:
        session.end(state, SSO_REFUSALS.get(error, SSO_REFUSED_OTHER))
        return
    try:
        with ApiClient(config.api_url, timeout_s=config.timeout_s) as client:
            login = client.redeem_sso_ticket(str(ticket))
    except ConsoleError as exc:
        session.end(state, str(exc))
        return
    session.start(state, login, login.username, logout_url=login.logout_url)


def _sso_config(config: ConsoleConfig) -> SsoConfigPublic | None:
    """The API's single sign-on offer (None when unreachable: the form says so on submit)."""
    cached = st.session_state.get(_SSO_CONFIG_KEY)
    if isinstance(cached, SsoConfigPublic):
        return cached
    try:
        with ApiClient(config.api_url, timeout_s=config.timeout_s) as client:
            offer = client.sso_config()
    except ConsoleError:
        return None
    st.session_state[_SSO_CONFIG_KEY] = offer
    return offer


def render(config: ConsoleConfig) -> None:
    """The login page; a successful login reruns the app with the role's pages."""
    st.title("GovBot – Service-Konsole")
    st.caption("Für Service-Team, Redaktion und KI-Hub. Bürgerinnen und Bürger nutzen den Chat.")
    notice = session.notice(st.session_state)
    if notice:
        st.warning(notice, icon=":material/lock:")
    sso = _sso_config(config)
    provider_logout = session.provider_logout(st.session_state)
    if provider_logout and sso is not None and sso.provider_name:
        _same_tab_link(f"Auch beim {sso.provider_name} abmelden", provider_logout, primary=False)
    if sso is not None and sso.enabled and sso.login_url:
        _same_tab_link(f"Anmelden mit {sso.provider_name}", sso.login_url, primary=True)
        st.caption("Lokales Konto (kleine Installationen, Notfall-Zugang der Administration):")
    _password_form(config)
    st.caption(f"API: {config.api_url}")


def _same_tab_link(label: str, url: str, *, primary: bool) -> None:
    """A button-like link that opens in this tab (``st.link_button`` always opens a new one,
    and the login must come back to the tab that started it)."""
    colours = "background:#ff4b4b;color:#fff" if primary else "border:1px solid #ccc;color:inherit"
    st.html(
        f'<a href="{escape(url)}" style="display:inline-block;padding:0.4rem 0.9rem;'
        f'border-radius:0.5rem;text-decoration:none;{colours}">{escape(label)}</a>'
    )


def _password_form(config: ConsoleConfig) -> None:
    with st.form("login", clear_on_submit=True):
        username = st.text_input("Benutzername", key="login.username", autocomplete="username")
        password = st.text_input(
            "Passwort", type="password", key="login.password", autocomplete="current-password"
        )
        submitted = st.form_submit_button("Anmelden", type="primary")
    if submitted:
        if not username.strip() or not password:
            st.error("Bitte Benutzername und Passwort eingeben.")
        else:
            try:
                with ApiClient(config.api_url, timeout_s=config.timeout_s) as client:
                    login = client.login(username.strip(), password)
            except ConsoleError as exc:
                st.error(str(exc), icon=":material/error:")
            else:
                session.start(st.session_state, login, username.strip())
                st.rerun()
