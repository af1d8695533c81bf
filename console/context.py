"""What every page gets (client, login, configuration) and how pages report API errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import streamlit as st

from console import session
from console.client import ApiClient
from console.config import ConsoleConfig
from console.errors import ConsoleError, SessionExpired
from console.session import StaffSession


@dataclass(frozen=True)
class PageContext:
    """A page's collaborators for one script run."""

    client: ApiClient
    staff: StaffSession
    config: ConsoleConfig

    @property
    def can_edit(self) -> bool:
        """Editors and admins may write, approve and withdraw corrections and re-run ingests."""
        return self.staff.role in ("editor", "admin")


@contextmanager
def api_errors() -> Iterator[None]:
    """Show API errors as messages; a rejected token ends the session ("Sitzung abgelaufen")."""
    try:
        yield
    except SessionExpired:
        session.end(st.session_state, session.EXPIRED_NOTICE)
        st.rerun()
    except ConsoleError as exc:
        st.error(str(exc), icon=":material/error:")
