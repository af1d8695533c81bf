"""Staff API for stored evaluation runs: auditor role, list, detail, filtered case results."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from bot.main import create_app
from bot.settings import Settings
from bot.storage.db import make_engine, migrate, session_factory
from bot.storage.models import StaffRole
from eval.records import RunInfo, build_record, save_run
from eval.scoring import CaseResult
from tests.bot.conftest import STAFF_PASSWORD, add_staff, make_settings


def case_result(
    case_id: str, position: int, status: str, expected: str, **extra: object
) -> CaseResult:
    values: dict[str, object] = {
        "case_id": case_id,
        "position": position,
        "tenant": "muenchen",
        "kind": "emergency" if expected == "emergency" else "service",
        "question": f"Frage {case_id}",
        "expected_status": [expected],
        "status": status,
        "status_ok": status == expected,
        "text": f"Antwort {case_id}",
    }
    return CaseResult.model_validate(values | extra)


def store_run(settings: Settings, label: str) -> int:
    info = RunInfo(
        label=label,
        set_name="behaviour",
        set_version="1",
        set_sha256="ab" * 32,
        case_count=3,
        git_commit="0123456789abcdef",
        git_dirty=False,
        embedder="multilingual-e5-small (384)",
        index_version="v1",
        settings={"retrieval": {"mode": "hybrid"}},
        environment={"python": "3.11"},
        started_at=datetime(2026, 6, 8, 10, 0, tzinfo=UTC),
        finished_at=datetime(2026, 6, 8, 10, 1, tzinfo=UTC),
    )
    record = build_record(
        info,
        [
            case_result("a", 0, "answered", "answered", expected_ids=["muenchen/1"],
                        cited_ids=["muenchen/1"], source_ok=True),
            case_result("b", 1, "answered", "emergency"),
            case_result("c", 2, "emergency", "emergency"),
        ],
    )  # fmt: skip
    engine = make_engine(settings.sqlalchemy_url)
    migrate(engine)
    with session_factory(engine)() as session:
        run_id = save_run(session, record)
        session.commit()
    engine.dispose()
    return run_id


@pytest.fixture
def db_settings(tmp_path: object, database_url: str) -> Settings:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    return make_settings(tmp_path / "data", database_url)


@pytest.fixture
def client(db_settings: Settings) -> Iterator[TestClient]:
    add_staff(db_settings, "ute", StaffRole.AUDITOR)
    add_staff(db_settings, "anna", StaffRole.AGENT)
    with TestClient(create_app(db_settings)) as client:
        yield client


def token(client: TestClient, username: str) -> dict[str, str]:
    response = client.post(
        "/api/v1/auth/token", data={"username": username, "password": STAFF_PASSWORD}
    )
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_auditor_lists_runs_newest_first_and_reads_one(
    client: TestClient, db_settings: Settings
) -> None:
    first = store_run(db_settings, "baseline")
    second = store_run(db_settings, "after change")
    auditor = token(client, "ute")

    runs = client.get("/api/v1/staff/eval/runs", headers=auditor)
    assert runs.status_code == 200
    assert [(r["id"], r["label"]) for r in runs.json()] == [
        (second, "after change"),
        (first, "baseline"),
    ]
    assert runs.json()[0]["metrics"]["emergencies_missed"] == 1
    assert runs.json()[0]["metrics"]["status_accuracy"] == 0.6667

    detail = client.get(f"/api/v1/staff/eval/runs/{first}", headers=auditor).json()
    assert (detail["set_sha256"], detail["git_commit"], detail["index_version"]) == (
        "ab" * 32,
        "0123456789abcdef",
        "v1",
    )
    assert detail["details"]["confusion"] == {
        "answered": {"answered": 1},
        "emergency": {"answered": 1, "emergency": 1},
    }
    assert detail["settings"] == {"retrieval": {"mode": "hybrid"}}


def test_case_results_in_set_order_and_filtered(client: TestClient, db_settings: Settings) -> None:
    run_id = store_run(db_settings, "x")
    auditor = token(client, "ute")

    cases = client.get(f"/api/v1/staff/eval/runs/{run_id}/cases", headers=auditor).json()
    assert [c["case_id"] for c in cases] == ["a", "b", "c"]
    assert cases[0]["result"]["cited_ids"] == ["muenchen/1"]
    assert cases[0]["question"] == "Frage a"

    failed = client.get(f"/api/v1/staff/eval/runs/{run_id}/cases?failed=true", headers=auditor)
    assert [c["case_id"] for c in failed.json()] == ["b"]
    emergencies = client.get(
        f"/api/v1/staff/eval/runs/{run_id}/cases?kind=emergency", headers=auditor
    )
    assert [c["case_id"] for c in emergencies.json()] == ["b", "c"]


def test_other_roles_and_anonymous_are_refused_and_unknown_runs_are_404(client: TestClient) -> None:
    assert client.get("/api/v1/staff/eval/runs").status_code == 401
    refused = client.get("/api/v1/staff/eval/runs", headers=token(client, "anna"))
    assert refused.status_code == 403
    missing = client.get("/api/v1/staff/eval/runs/999/cases", headers=token(client, "ute"))
    assert missing.status_code == 404
    assert missing.json()["error"]["message"] == (
        "evaluation run 999 does not exist; list them with GET /api/v1/staff/eval/runs"
    )
