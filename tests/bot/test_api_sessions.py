"""Sessions and roles (issue 14, finding 8) through the real API and the real command line.

Real app (TestClient with lifespan), real SQLite shared with `govbot` commands run by
typer's runner, real Munich index and dialogue engine where a conversation is needed.
Auditors' read-only review is pinned in tests/bot/test_api_review.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from typer.testing import CliRunner

from bot.cli.app import app
from bot.main import create_app
from bot.settings import Settings
from bot.storage.models import StaffRole
from knowledge.retrieval import Retriever
from tests.bot.conftest import STAFF_PASSWORD, add_staff_users, make_settings
from tests.bot.test_api_handoff import Citizen, login

NEW_PASSWORD = "ein ganz neues Passwort"


def _env(settings: Settings) -> dict[str, str]:
    return {"GOVBOT_DATA_DIR": str(settings.data_dir), "GOVBOT_DATABASE_URL": ""}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    settings = make_settings(tmp_path / "data")
    add_staff_users(settings, ("anna", StaffRole.AGENT), ("ben", StaffRole.AGENT))
    return settings


@pytest.fixture
def client(settings: Settings, munich_retriever: Retriever) -> Iterator[TestClient]:
    with TestClient(create_app(settings, retriever=munich_retriever)) as client:
        yield client


def test_a_password_change_signs_out_every_session(client: TestClient, settings: Settings) -> None:
    old_session = login(client, "anna")
    assert client.get("/api/v1/staff/me", headers=old_session).status_code == 200

    changed = CliRunner().invoke(
        app, ["users", "set-password", "anna", "--password-stdin"],
        input=NEW_PASSWORD + "\n", env=_env(settings),
    )  # fmt: skip
    assert changed.exit_code == 0, changed.output

    refused = client.get("/api/v1/staff/me", headers=old_session)
    assert refused.status_code == 401
    assert refused.json()["error"]["message"] == (
        "access token was issued before the password changed; log in again"
    )
    form = {"username": "anna", "password": NEW_PASSWORD}
    fresh = client.post("/api/v1/auth/token", data=form).json()["access_token"]
    me = client.get("/api/v1/staff/me", headers={"Authorization": f"Bearer {fresh}"})
    assert me.status_code == 200


def test_a_former_assignee_sees_later_messages_redacted(client: TestClient) -> None:
    citizen = Citizen(client)
    reference = citizen.ask_for_person("Bitte um Rückruf")["reference"]
    anna = login(client, "anna")
    client.post(f"/api/v1/staff/handoffs/{reference}/claim", headers=anna)
    citizen.say("Meine Nummer ist 0171 2345678.")
    assert (
        client.post(f"/api/v1/staff/handoffs/{reference}/release", headers=anna).status_code == 200
    )
    citizen.say(
        "Noch eine Frage, schreiben Sie an max.mustermann@example.org: was kostet ein Reisepass?"
    )

    detail = client.get(f"/api/v1/staff/handoffs/{reference}", headers=anna).json()

    texts = [m["text"] for m in detail["transcript"] if m["role"] == "citizen"]
    assert "Meine Nummer ist 0171 2345678." in texts  # while she held it
    later = [t for t in texts if "Noch eine Frage" in t]
    assert later == ["Noch eine Frage, schreiben Sie an [E-MAIL]: was kostet ein Reisepass?"]


def test_a_second_handoff_request_keeps_its_reason(client: TestClient) -> None:
    citizen = Citizen(client)
    first = citizen.ask_for_person("Ich brauche einen Termin.")
    again = client.post(
        f"/api/v1/conversations/{citizen.id}/handoff",
        json={"reason": "Dringend, bitte unter 0171 2345678 anrufen."},
    )

    assert again.status_code == 200 and again.json()["reference"] == first["reference"]
    detail = client.get(
        f"/api/v1/staff/handoffs/{first['reference']}", headers=login(client, "ben")
    ).json()
    assert detail["reason"] == "Ich brauche einen Termin.\nDringend, bitte unter [TELEFON] anrufen."


def test_demo_accounts_made_in_dev_are_refused_in_production(tmp_path: Path) -> None:
    dev = make_settings(tmp_path / "data")
    made = CliRunner().invoke(app, ["demo-users"], env=_env(dev))
    assert made.exit_code == 0, made.output
    password = next(
        line.split("password ")[1] for line in made.output.splitlines() if " agent " in line
    )
    add_staff_users(dev, ("echt", StaffRole.AGENT))  # a real account beside them

    with TestClient(create_app(dev)) as client:  # the demo works in dev
        token = client.post(
            "/api/v1/auth/token", data={"username": "agent", "password": password}
        ).json()["access_token"]
    production = dev.model_copy(
        update={
            "env": "production",
            "api": dev.api.model_copy(update={"jwt_secret": SecretStr("p" * 40)}),
        }
    )
    with TestClient(create_app(production)) as client:
        refused = client.post(
            "/api/v1/auth/token", data={"username": "agent", "password": password}
        )
        real = client.post(
            "/api/v1/auth/token", data={"username": "echt", "password": STAFF_PASSWORD}
        )

    assert token
    assert refused.status_code == 401
    assert refused.json()["error"]["message"] == (
        "'agent' is a demo account and GOVBOT_ENV=production refuses it; "
        "create real accounts with `govbot users create`"
    )
    assert real.status_code == 200
