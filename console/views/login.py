"""Anmelden: username and password against the API's OAuth2 password flow."""

from __future__ import annotations

import streamlit as st

from console import session
from console.client import ApiClient
from console.config import ConsoleConfig
from console.errors import ConsoleError


def render(config: ConsoleConfig) -> None:
    """The login form; a successful login reruns the app with the role's pages."""
    st.title("GovBot – Service-Konsole")
    st.caption("Für Service-Team, Redaktion und KI-Hub. Bürgerinnen und Bürger nutzen den Chat.")
    notice = session.notice(st.session_state)
    if notice:
        st.warning(notice, icon=":material/lock:")
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
    st.caption(f"API: {config.api_url}")
