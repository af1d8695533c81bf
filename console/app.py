"""The staff console's entry point: ``streamlit run console/app.py`` (or ``govbot console``).

Without a valid login only the login page exists (password or single sign-on, whose
return with ``?sso_ticket=`` is accepted first thing); after login the navigation offers the
pages of the staff member's role (console/navigation.py). ``st.session_state["console.goto"]``
switches to a page by key (used after login and by tests); a page outside the role shows
"Keine Berechtigung" and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

import streamlit as st

from console import session
from console.client import ApiClient
from console.config import ConsoleConfig
from console.context import PageContext, api_errors
from console.errors import ConsoleError
from console.navigation import PAGES, PageSpec, pages_for
from console.session import StaffSession
from console.views import login

GOTO_KEY = "console.goto"
CLIENT_KEY = "console.client"


def _client(config: ConsoleConfig, staff: StaffSession) -> ApiClient:
    """This browser session's API client; it outlives a script run because the page's
    auto-refreshing fragments rerun on their own and use it later."""
    cached = st.session_state.get(CLIENT_KEY)
    if isinstance(cached, tuple) and cached[0] == (config.api_url, staff.token):
        client: ApiClient = cached[1]
        return client
    if isinstance(cached, tuple):
        cached[1].close()
    client = ApiClient(config.api_url, token=staff.token, timeout_s=config.timeout_s)
    st.session_state[CLIENT_KEY] = ((config.api_url, staff.token), client)
    return client


def _page_runner(spec: PageSpec, config: ConsoleConfig, staff: StaffSession) -> Callable[[], None]:
    def run() -> None:
        client = _client(config, staff)
        with api_errors():
            spec.render(PageContext(client=client, staff=staff, config=config))

    run.__name__ = f"page_{spec.key}"
    return run


def _sidebar(staff: StaffSession, config: ConsoleConfig) -> None:
    with st.sidebar:
        st.markdown(f"**{staff.username}**  \n{staff.role_label}")
        st.caption(f"Zuständig für: {staff.tenants_label}")
        until = staff.expires_at.astimezone(ZoneInfo(config.time_zone)).strftime("%H:%M")
        st.caption(f"Sitzung gültig bis {until} Uhr")
        if st.button("Abmelden", key="console.logout", icon=":material/logout:"):
            provider_logout = _revoke(config, staff)
            session.end(
                st.session_state, session.LOGGED_OUT_NOTICE, provider_logout_url=provider_logout
            )
            st.rerun()
        st.caption(f"API: {config.api_url}")


def _revoke(config: ConsoleConfig, staff: StaffSession) -> str | None:
    """End the session at the API too (the token stops working); the provider's logout
    page for a single sign-on. An API that cannot be reached does not keep anybody in."""
    try:
        return _client(config, staff).logout().logout_url or staff.logout_url
    except ConsoleError:
        return staff.logout_url


def _login_page(config: ConsoleConfig) -> None:
    def show() -> None:
        login.render(config)

    show.__name__ = "page_login"
    st.navigation(
        [st.Page(show, title="Anmelden", icon=":material/key:", url_path="login", default=True)]
    ).run()


def main() -> None:
    """One run of the console script."""
    st.set_page_config(
        page_title="GovBot Service-Konsole", page_icon=":material/account_balance:", layout="wide"
    )
    config = ConsoleConfig()
    login.accept_sso_return(config, st.session_state)
    staff = session.current(st.session_state)
    if staff is None:
        _login_page(config)
        return
    specs = pages_for(staff.role)
    if not specs:
        st.error(
            f"Keine Berechtigung: Die Rolle {staff.role_label} hat keine Seiten.",
            icon=":material/block:",
        )
        return
    pages = {
        spec.key: st.Page(
            _page_runner(spec, config, staff),
            title=spec.title,
            icon=spec.icon,
            url_path=spec.key,
            default=index == 0,
        )
        for index, spec in enumerate(specs)
    }
    navigation = st.navigation(list(pages.values()))
    _sidebar(staff, config)
    goto = st.session_state.pop(GOTO_KEY, None)
    if goto is not None and goto not in pages:
        known = {spec.key: spec.title for spec in PAGES}
        st.error(
            f"Keine Berechtigung: „{known.get(str(goto), goto)}“ ist für die Rolle "
            f"{staff.role_label} nicht freigegeben.",
            icon=":material/block:",
        )
        return
    if goto is not None:
        st.switch_page(pages[goto])
    navigation.run()


if __name__ == "__main__":
    main()
