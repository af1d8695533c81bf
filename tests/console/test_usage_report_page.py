"""Insights: the monthly report for the council, built by the real API and offered as a file."""

from __future__ import annotations

from datetime import date

import pytest

from tests.console.conftest import console_as

pytestmark = pytest.mark.usefixtures("console_env")


def test_auditor_builds_the_months_pdf_report() -> None:
    at = console_as("alex.auditor", "insights")
    at.selectbox(key="insights.report.tenant").select("muenchen")
    at.button(key="insights.report.build").click().run()
    assert not at.exception, at.exception
    name, content, mime = at.session_state["insights.report.file"]
    assert name == f"govbot-nutzung-muenchen-{date.today():%Y-%m}.pdf"
    assert mime == "application/pdf" and content.startswith(b"%PDF-")
