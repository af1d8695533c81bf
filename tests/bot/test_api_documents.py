"""Editors' uploads through the API: preview, four eyes, versions, deletion, citizens' answers.

Real throughout: real documents (Munich service texts as PDF, a real FAQ table), the
API starting ``govbot ingest files`` in child processes for the preview and the sync,
the real embedder and index, and a citizen's question answered from the upload.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.main import create_app
from bot.settings import IngestSourceSettings, KnowledgeAdminSettings, Settings
from bot.storage.models import StaffRole
from ingest.chunking import chunk_service
from ingest.file_services import file_services
from ingest.sync import sync_tenant
from knowledge.embedding import Embedder
from knowledge.retrieval import open_store
from tests.bot.conftest import STAFF_PASSWORD, add_staff, make_settings
from tests.ingest.real_documents import (
    munich_service,
    write_scanned_pdf,
    write_service_docx,
    write_service_pdf,
)

DOCUMENTS = "/api/v1/staff/documents"
TENANT = "teststadt"


def _auth(client: TestClient, username: str) -> dict[str, str]:
    token = client.post(
        "/api/v1/auth/token", data={"username": username, "password": STAFF_PASSWORD}
    ).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def _settings(tmp_path: Path, embedder: Embedder) -> Settings:
    """A tenant with one document already indexed (so the API starts with an index)."""
    source = IngestSourceSettings(tenant=TENANT, name="dateien", args=["files", "--tenant", TENANT])
    settings = make_settings(tmp_path / "data", f"sqlite:///{tmp_path / 'db.sqlite3'}").model_copy(
        update={"knowledge_admin": KnowledgeAdminSettings(sources=[source])}
    )
    word = write_service_docx(
        tmp_path / "wohnsitz.docx", munich_service("1063475"), stand=date(2026, 5, 1)
    )
    services = file_services(word, tenant=TENANT, max_bytes=10**7).services
    store = open_store(settings)
    try:
        sync_tenant(
            services,
            tenant=TENANT,
            source="files",
            store=store,
            embedder=embedder,
            chunker=chunk_service,
        )
    finally:
        store.close()
    return settings


def _ask(client: TestClient, question: str) -> dict[str, Any]:
    conversation = client.post("/api/v1/conversations", json={"tenant": TENANT}).json()
    reply = client.post(
        f"/api/v1/conversations/{conversation['conversation_id']}/messages",
        json={"text": question},
    )
    assert reply.status_code == 200, reply.text
    answer: dict[str, Any] = reply.json()["answer"]
    return answer


def _upload(client: TestClient, headers: dict[str, str], path: Path, **form: str) -> Any:
    with open(path, "rb") as handle:
        return client.post(
            DOCUMENTS,
            headers=headers,
            data={"tenant": TENANT, **form},
            files={"file": (path.name, handle, "application/octet-stream")},
        )


@pytest.mark.slow
def test_upload_preview_four_eyes_answer_replace_and_delete(
    tmp_path: Path, embedder: Embedder
) -> None:
    settings = _settings(tmp_path, embedder)
    add_staff(settings, ("erika", StaffRole.EDITOR), ("jonas", StaffRole.EDITOR))
    add_staff(settings, ("alex", StaffRole.AUDITOR))
    perso = munich_service("1063441")
    pdf = write_service_pdf(tmp_path / "Merkblatt Perso.pdf", perso, stand=date(2026, 6, 8))
    app = create_app(settings)
    with TestClient(app) as client:
        erika, jonas = _auth(client, "erika"), _auth(client, "jonas")
        assert _upload(client, _auth(client, "alex"), pdf).status_code == 403

        uploaded = _upload(client, erika, pdf, valid_until="2030-12-31", keywords="Perso, Ausweis")
        assert uploaded.status_code == 201, uploaded.text
        version = uploaded.json()
        assert (version["number"], version["status"], version["author"]) == (1, "pending", "erika")
        (entry,) = version["entries"]
        assert (entry["title"], entry["updated"], entry["valid_until"]) == (
            "Personalausweis",
            "2026-06-08",
            "2030-12-31",
        )
        assert [s["title"] for s in entry["sections"]][1:] == [
            "Beschreibung",
            "Gebühren",
            "Termindauer",
        ]
        assert entry["passages"][0]["section"] == "Überblick"
        document_id = version["document_id"]
        doc_url = f"{DOCUMENTS}/{document_id}"

        edited = client.patch(
            f"{doc_url}/versions/1", headers=erika, json={"title": "Personalausweis – Merkblatt"}
        )
        assert edited.json()["entries"][0]["title"] == "Personalausweis – Merkblatt"

        own = client.post(f"{doc_url}/versions/1/approve", headers=erika)
        assert own.status_code == 403
        assert "four-eyes principle" in own.json()["error"]["message"]
        before = _ask(client, "Was kostet ein Personalausweis?")
        assert all(c["doc_id"] != f"{TENANT}/upload-{document_id}" for c in before["citations"])

        approved = client.post(f"{doc_url}/versions/1/approve", headers=jonas)
        assert approved.status_code == 200, approved.text
        change = approved.json()
        assert (change["version"]["status"], change["version"]["approver"]) == ("live", "jonas")
        job = change["index"]["job"]
        app.state.ingest_jobs.wait(job["id"], timeout_s=300)
        jobs = client.get("/api/v1/staff/knowledge/jobs", headers=erika).json()
        finished = next(j for j in jobs if j["id"] == job["id"])
        assert finished["status"] == "finished", finished["error"]
        assert (finished["report"]["source"], finished["report"]["added"]) == ("upload", 1)

        rows = client.get(
            "/api/v1/staff/knowledge/services", headers=erika, params={"tenant": TENANT}
        ).json()
        row = next(r for r in rows if r["doc_id"] == f"{TENANT}/upload-{document_id}")
        assert (row["valid_until"], row["expired"], row["source"]) == (
            "2030-12-31",
            False,
            "upload",
        )

        answer = _ask(client, "Was kostet ein Personalausweis?")
        assert answer["status"] == "answered", answer
        cited = answer["citations"][0]
        assert cited["doc_id"] == f"{TENANT}/upload-{document_id}"
        assert (cited["title"], cited["section"], cited["updated"]) == (
            "Personalausweis – Merkblatt",
            "Gebühren",
            "2026-06-08",
        )
        assert "27,60 Euro" in answer["text"] and "Stand: 08.06.2026" in answer["text"]

        # A new edition replaces the live version once approved; only it is re-indexed.
        write_service_pdf(pdf, perso, stand=date(2026, 7, 1))
        with open(pdf, "rb") as handle:
            replaced = client.post(
                f"{doc_url}/versions",
                headers=jonas,
                data={"title": "Personalausweis – Merkblatt"},
                files={"file": (pdf.name, handle, "application/pdf")},
            )
        assert replaced.json()["number"] == 2
        change = client.post(f"{doc_url}/versions/2/approve", headers=erika).json()
        app.state.ingest_jobs.wait(change["index"]["job"]["id"], timeout_s=300)
        document = client.get(doc_url, headers=erika).json()
        assert [(v["number"], v["status"]) for v in document["versions"]] == [
            (2, "live"),
            (1, "superseded"),
        ]
        jobs = client.get("/api/v1/staff/knowledge/jobs", headers=erika).json()
        report = next(j for j in jobs if j["id"] == change["index"]["job"]["id"])["report"]
        assert (report["updated"], report["unchanged"]) == (1, 0)
        assert _ask(client, "Was kostet ein Personalausweis?")["citations"][0]["updated"] == (
            "2026-07-01"
        )

        deleted = client.delete(doc_url, headers=erika, params={"reason": "veraltet"})
        assert deleted.status_code == 200, deleted.text
        app.state.ingest_jobs.wait(deleted.json()["index"]["job"]["id"], timeout_s=300)
        after = _ask(client, "Was kostet ein Personalausweis?")
        assert all(c["doc_id"] != f"{TENANT}/upload-{document_id}" for c in after["citations"])

        audit = client.get(
            "/api/v1/staff/audit/entries",
            headers=_auth(client, "alex"),
            params={"target_type": "document", "target_id": document_id},
        ).json()
        actions = [entry["action"] for entry in audit["entries"]]
        for action in (
            "document.uploaded",
            "document.edited",
            "document.approved",
            "document.deleted",
        ):
            assert action in actions


def test_unreadable_uploads_get_one_line_errors(tmp_path: Path, embedder: Embedder) -> None:
    settings = _settings(tmp_path, embedder)
    add_staff(settings, ("erika", StaffRole.EDITOR))
    scan = write_scanned_pdf(tmp_path / "scan.pdf", munich_service("1063441"))
    (tmp_path / "notiz.rtf").write_text("{\\rtf1}", encoding="utf-8")
    with TestClient(create_app(settings)) as client:
        erika = _auth(client, "erika")
        refused = _upload(client, erika, scan)
        assert refused.status_code == 422
        assert refused.json()["error"]["code"] == "unreadable_file"
        assert refused.json()["error"]["message"] == (
            "scan.pdf has no text layer (its 1 page(s) are scanned images); run OCR on it "
            "(e.g. ocrmypdf) or upload the original document"
        )
        wrong = _upload(client, erika, tmp_path / "notiz.rtf")
        assert wrong.status_code == 422
        assert wrong.json()["error"]["message"].startswith(
            "notiz.rtf: files of type '.rtf' are not supported"
        )
        assert client.get(DOCUMENTS, headers=erika).json() == []  # nothing half-stored
        unknown = client.post(
            f"{DOCUMENTS}/faq",
            headers=erika,
            json={"tenant": "nirgendwo", "question": "Wie?", "answer": "So."},
        )
        assert unknown.status_code == 404
