"""Each role sees exactly its pages; any other page shows "Keine Berechtigung" and no data."""

from __future__ import annotations

import pytest

from console.navigation import PAGES
from tests.console.conftest import ROLE_USER, console_as, errors, goto, titles

pytestmark = pytest.mark.usefixtures("console_env")

ALLOWED = {
    "agent": {"handoffs"},
    "editor": {"review", "knowledge", "documents"},
    "auditor": {"review", "insights", "evaluation", "audit"},
    "admin": {"handoffs", "review", "knowledge", "documents", "insights", "evaluation", "audit"},
}
TITLES = {page.key: page.title for page in PAGES}


@pytest.mark.parametrize("role", sorted(ALLOWED))
def test_role_sees_its_pages_and_is_refused_the_others(role: str) -> None:
    at = console_as(ROLE_USER[role])
    first = next(page.key for page in PAGES if page.key in ALLOWED[role])
    assert titles(at) == [TITLES[first]]

    for page in PAGES:
        goto(at, page.key)
        if page.key in ALLOWED[role]:
            assert titles(at) == [page.title], (role, page.key, errors(at))
            assert errors(at) == [] and not at.exception, (role, page.key)
        else:
            assert titles(at) == [], (role, page.key)
            assert len(errors(at)) == 1 and errors(at)[0].startswith(
                f"Keine Berechtigung: „{page.title}“ ist für die Rolle"
            )
            assert len(at.dataframe) == 0 and len(at.metric) == 0 and len(at.selectbox) == 0
