"""Dokumente und FAQ against the real API: upload with preview, FAQ entry, four eyes, reject.

Nothing here is approved: an approval syncs the shared Munich index of the console tests
(the full approve → answer → delete path runs in tests/bot/test_api_documents.py).
Streamlit's AppTest cannot drive a file uploader, so the upload goes through the
console's own client (the call the upload button makes) and the page shows the result.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from console.client import ApiClient, DocumentsClient
from tests.bot.conftest import STAFF_PASSWORD
from tests.console.conftest import ConsoleApi, console_as, errors, shown_text
from tests.ingest.real_documents import munich_service, write_service_pdf

pytestmark = pytest.mark.usefixtures("console_env")


def test_upload_preview_then_the_second_editor_sees_it_and_the_author_cannot_approve(
    console_api: ConsoleApi, tmp_path: Path
) -> None:
    pdf = write_service_pdf(
        tmp_path / "fuehrungszeugnis.pdf", munich_service("1063565"), stand=date(2026, 3, 1)
    )
    with ApiClient(console_api.url) as anonymous:
        token = anonymous.login("erika.editor", STAFF_PASSWORD).access_token
    with ApiClient(console_api.url, token=token) as api:
        version = DocumentsClient(api).upload(
            tenant="muenchen", filename=pdf.name, data=pdf.read_bytes(), keywords="Zeugnis"
        )
    assert (version.status, version.entries[0].title) == ("pending", "Führungszeugnis")
    assert version.entries[0].updated == date(2026, 3, 1)

    at = console_as("emil.editor", "documents")
    text = shown_text(at)
    assert "Führungszeugnis" in text and "Stand: 01.03.2026" in text
    assert int(at.metric[0].value) >= 1
    assert at.button(key=f"documents.{version.document_id}.1.approve") is not None

    own = console_as("erika.editor", "documents")
    own.button(key=f"documents.{version.document_id}.1.approve").click().run()
    assert any("four-eyes principle" in message for message in errors(own)), errors(own)


def test_faq_entry_written_in_the_console_waits_for_approval_and_can_be_rejected(
    console_api: ConsoleApi,
) -> None:
    at = console_as("erika.editor", "documents")
    at.text_input(key="documents.faq.question").input("Wo parke ich beim Bürgerbüro Ruppertstraße?")
    at.text_area(key="documents.faq.variants").input("Parken Ruppertstraße\nParkplatz Bürgerbüro")
    at.text_area(key="documents.faq.answer").input(
        "Am Bürgerbüro gibt es keine Kundenparkplätze; nutzen Sie die U-Bahn (U3/U6 Poccistraße)."
    )
    at.button(key="documents.faq.submit").click().run()
    assert not at.exception, at.exception
    assert "FAQ-Eintrag gespeichert" in shown_text(at)

    with console_api.staff("erika.editor") as staff:
        faq = next(d for d in staff.get("/api/v1/staff/documents").json() if d["kind"] == "faq")
    (entry,) = faq["versions"][0]["entries"]
    assert entry["keywords"] == ["Parken Ruppertstraße", "Parkplatz Bürgerbüro"]

    reviewer = console_as("emil.editor", "documents")
    reviewer.button(key=f"documents.{faq['id']}.1.reject").click().run()
    assert not reviewer.exception
    with console_api.staff("emil.editor") as staff:
        after = staff.get(f"/api/v1/staff/documents/{faq['id']}").json()
    assert after["versions"][0]["status"] == "rejected"
