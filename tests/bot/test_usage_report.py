"""The usage report for the council, from real conversations through the API.

Citizens ask real questions over the Munich index (answered, not found, a handoff that
an agent claims and closes, feedback, English); the report is written by
``govbot report usage`` as HTML and PDF and downloaded through the API. The PDF is
checked the way a reader sees it: its pages rendered to images with pdftoppm and its
text read with pdftotext (poppler-utils).
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from bot.cli.app import app as govbot
from bot.main import create_app
from bot.settings import Settings
from bot.storage.models import StaffRole
from knowledge.retrieval import Retriever
from tests.bot.conftest import STAFF_PASSWORD, add_staff, make_settings

MONTH = datetime.now(UTC).strftime("%Y-%m")
NEEDS_POPPLER = pytest.mark.skipif(
    shutil.which("pdftoppm") is None, reason="poppler-utils not installed (.ci/run installs it)"
)


def _auth(client: TestClient, username: str) -> dict[str, str]:
    token = client.post(
        "/api/v1/auth/token", data={"username": username, "password": STAFF_PASSWORD}
    ).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def _conversation(client: TestClient, *questions: str, language: str = "de") -> str:
    conversation = client.post(
        "/api/v1/conversations", json={"tenant": "muenchen", "language": language}
    ).json()["conversation_id"]
    for question in questions:
        posted = client.post(
            f"/api/v1/conversations/{conversation}/messages", json={"text": question}
        )
        assert posted.status_code == 200, posted.text
    return str(conversation)


@pytest.fixture
def report_settings(
    tmp_path: Path, munich_index: Settings, munich_retriever: Retriever
) -> Settings:
    """A month of real use: answers, a question nobody answers, a handoff, feedback."""
    settings = make_settings(munich_index.data_dir, f"sqlite:///{tmp_path / 'db.sqlite3'}")
    add_staff(settings, ("anna", StaffRole.AGENT), ("alex", StaffRole.AUDITOR))
    with TestClient(create_app(settings, retriever=munich_retriever)) as client:
        first = _conversation(client, "Was kostet ein Personalausweis?")
        answer_id = client.get(f"/api/v1/conversations/{first}/messages").json()["messages"][-1]
        client.post(
            f"/api/v1/conversations/{first}/messages/{answer_id['id']}/feedback",
            json={"helpful": False, "comment": "Bitte auch die Öffnungszeiten nennen."},
        )
        _conversation(client, "Wie viel kostet der Personalausweis für Kinder?")
        _conversation(client, "Wann hat das Freibad geöffnet?")
        _conversation(client, "Wann hat das Freibad geöffnet?")
        _conversation(client, "How do I register my address?", language="en")
        handed = _conversation(client, "Ich brauche einen neuen Reisepass")
        created = client.post(
            f"/api/v1/conversations/{handed}/handoff", json={"reason": "Termin dringend"}
        )
        assert created.status_code in (200, 201), created.text
        agent = _auth(client, "anna")
        (handoff,) = client.get("/api/v1/staff/handoffs", headers=agent).json()
        client.post(f"/api/v1/staff/handoffs/{handoff['id']}/claim", headers=agent)
        client.post(
            f"/api/v1/staff/handoffs/{handoff['id']}/close",
            headers=agent,
            json={"outcome": "Termin vereinbart"},
        )
    return settings


def _govbot(settings: Settings, *args: str) -> str:
    env = {
        "GOVBOT_DATA_DIR": str(settings.data_dir),
        "GOVBOT_DATABASE_URL": str(settings.database.url),
    }
    result = CliRunner().invoke(govbot, list(args), env=env)
    assert result.exit_code == 0, result.stdout + result.stderr
    return result.stdout


def test_html_report_has_every_part_and_no_staff_names(
    report_settings: Settings, tmp_path: Path
) -> None:
    out = tmp_path / "bericht.html"
    printed = _govbot(
        report_settings,
        "report",
        "usage",
        "--tenant",
        "muenchen",
        "--month",
        MONTH,
        "--format",
        "html",
        "--output",
        str(out),
    )
    assert printed.startswith(f"Wrote {out} (html, 6 conversations, 6 answers)")
    html = out.read_text(encoding="utf-8")
    for part in (
        "Gespräche und Nachrichten pro Woche",
        "Wie der Assistent geantwortet hat",
        "Meistgefragte Leistungen",
        "Häufigste unbeantwortete Fragen nach Thema",
        "Übergaben an Mitarbeitende",
        "Rückmeldungen der Bürgerinnen und Bürger",
        "Sprachen",
    ):
        assert part in html
    assert "Personalausweis" in html  # the most asked service
    assert "Wann hat das Freibad geöffnet? (2)" in html  # the editors' to-do list
    assert "Bitte auch die Öffnungszeiten nennen." in html
    assert '<td>Englisch</td><td class="n">1</td>' in html
    assert "anna" not in html  # no figures per employee


@NEEDS_POPPLER
def test_pdf_report_renders_and_reads_back(report_settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "bericht.pdf"
    _govbot(
        report_settings,
        "report",
        "usage",
        "--tenant",
        "muenchen",
        "--month",
        MONTH,
        "--format",
        "pdf",
        "--output",
        str(out),
    )
    assert out.read_bytes().startswith(b"%PDF-")
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(out), str(tmp_path / "seite")], check=True)
    pages = sorted(tmp_path.glob("seite*.png"))
    assert pages and all(page.stat().st_size > 2000 for page in pages)
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "Nutzungsbericht GovBot – muenchen" in text
    assert "Häufigste unbeantwortete Fragen nach Thema" in text
    assert "Wann hat das Freibad geöffnet? (2)" in text
    assert "Übergaben: 1, davon übernommen 1, abgeschlossen 1" in text
    assert "Englisch: 1 Gespräche" in text
    assert "anna" not in text


def test_report_download_through_the_api(
    report_settings: Settings, munich_retriever: Retriever
) -> None:
    with TestClient(create_app(report_settings, retriever=munich_retriever)) as client:
        auditor = _auth(client, "alex")
        pdf = client.get(
            "/api/v1/staff/reports/usage",
            headers=auditor,
            params={"tenant": "muenchen", "month": MONTH, "format": "pdf"},
        )
        assert pdf.status_code == 200
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.headers["content-disposition"] == (
            f'attachment; filename="govbot-nutzung-muenchen-{MONTH}.pdf"'
        )
        assert (
            client.get(
                "/api/v1/staff/reports/usage",
                headers=_auth(client, "anna"),
                params={"tenant": "muenchen", "month": MONTH},
            ).status_code
            == 403
        )
        bad = client.get(
            "/api/v1/staff/reports/usage",
            headers=auditor,
            params={"tenant": "muenchen", "month": "2026-13"},
        )
        assert bad.status_code == 422
