"""Staff belong to tenants (issue 14, item 10): two towns on one installation, over the real API.

Muenchen and Landkreis Augsburg share one real index (tests/conftest.py ``two_towns_index``)
and one database; each town has its own agent, editors and auditor. Every staff
endpoint shows a town's staff only their town's data, and an id of the other town answers
404 exactly like an id that does not exist (not 403: its existence stays hidden).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.main import create_app
from bot.settings import Settings
from bot.storage.db import make_engine, session_factory
from bot.storage.eval_models import EvalCaseResult, EvalRun
from bot.storage.models import ALL_TENANTS, StaffRole
from knowledge.retrieval import Retriever
from tests.bot.conftest import STAFF_PASSWORD, add_tenant_staff, make_settings
from tests.conftest import AUGSBURG, MUNICH

STAFF = "/api/v1/staff"

# name: (role, tenants)
ACCOUNTS: dict[str, tuple[StaffRole, list[str]]] = {
    "anna": (StaffRole.AGENT, [MUNICH]),
    "bert": (StaffRole.AGENT, [AUGSBURG]),
    "erika": (StaffRole.EDITOR, [MUNICH]),
    "emil": (StaffRole.EDITOR, [AUGSBURG]),
    "egon": (StaffRole.EDITOR, [AUGSBURG]),
    "ute": (StaffRole.AUDITOR, [MUNICH]),
    "kihub": (StaffRole.AUDITOR, [ALL_TENANTS]),
    "stadtadmin": (StaffRole.ADMIN, [MUNICH]),
    "root": (StaffRole.ADMIN, [ALL_TENANTS]),
}


def serve(settings: Settings, retriever: Retriever) -> Iterator[TestClient]:
    add_tenant_staff(settings, ACCOUNTS)
    with TestClient(create_app(settings, retriever=retriever)) as client:
        yield client


@pytest.fixture
def client(tmp_path: Path, two_towns_retriever: Retriever) -> Iterator[TestClient]:
    """The API on SQLite."""
    yield from serve(make_settings(tmp_path / "data"), two_towns_retriever)


@pytest.fixture
def any_db_client(
    database_url: str, tmp_path: Path, two_towns_retriever: Retriever
) -> Iterator[TestClient]:
    """The API on SQLite and (marker postgres) on PostgreSQL."""
    yield from serve(make_settings(tmp_path / "data", database_url), two_towns_retriever)


class Staff:
    """One logged-in staff member."""

    def __init__(self, client: TestClient, username: str) -> None:
        response = client.post(
            "/api/v1/auth/token", data={"username": username, "password": STAFF_PASSWORD}
        )
        assert response.status_code == 200, response.text
        self.client = client
        self.token = response.json()
        self.headers = {"Authorization": f"Bearer {self.token['access_token']}"}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"{STAFF}{path}", params=params, headers=self.headers)

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.post(f"{STAFF}{path}", json=body, headers=self.headers)

    def delete(self, path: str) -> Any:
        return self.client.delete(f"{STAFF}{path}", headers=self.headers)


def citizen_asks_for_person(client: TestClient, tenant: str, question: str) -> dict[str, Any]:
    """A citizen of ``tenant`` asks ``question`` and then for a person: the handoff ref."""
    conversation = client.post("/api/v1/conversations", json={"tenant": tenant}).json()
    cid = conversation["conversation_id"]
    answer = client.post(f"/api/v1/conversations/{cid}/messages", json={"text": question})
    assert answer.status_code == 200, answer.text
    handoff = client.post(f"/api/v1/conversations/{cid}/handoff", json={"reason": "Bitte Rückruf"})
    assert handoff.status_code == 201, handoff.text
    return {"conversation_id": cid, **handoff.json()}


def not_found(response: Any, kind: str, ident: object) -> bool:
    """True when ``response`` is the 404 of an unknown ``kind`` ``ident``."""
    error = response.json()["error"]
    return response.status_code == 404 and error["message"].startswith(
        f"{kind} {ident!r} does not exist"
    )


def test_login_and_me_carry_the_accounts_tenants(client: TestClient) -> None:
    anna, root = Staff(client, "anna"), Staff(client, "root")

    assert (anna.token["role"], anna.token["tenants"]) == ("agent", [MUNICH])
    assert anna.get("/me").json()["tenants"] == [MUNICH]
    assert root.get("/me").json()["tenants"] == ["*"]


def test_an_agent_sees_and_works_only_their_towns_handoffs(any_db_client: TestClient) -> None:
    client = any_db_client
    munich = citizen_asks_for_person(client, MUNICH, "Ich brauche einen neuen Personalausweis")
    augsburg = citizen_asks_for_person(client, AUGSBURG, "Wo kann ich mich beraten lassen?")
    anna, bert, root = Staff(client, "anna"), Staff(client, "bert"), Staff(client, "root")

    def inbox(staff: Staff, **params: Any) -> list[str]:
        response = staff.get("/handoffs", **params)
        assert response.status_code == 200, response.text
        return [h["reference"] for h in response.json()]

    assert inbox(anna) == [munich["reference"]]
    assert inbox(bert) == [augsburg["reference"]]
    assert inbox(anna, tenant=AUGSBURG) == []
    assert inbox(root) == [munich["reference"], augsburg["reference"]]

    foreign = bert.get("/handoffs").json()[0]
    for ident in (foreign["id"], foreign["reference"]):
        assert not_found(anna.get(f"/handoffs/{ident}"), "handoff", str(ident))
        assert not_found(anna.get(f"/handoffs/{ident}/answers"), "handoff", str(ident))
        assert not_found(anna.post(f"/handoffs/{ident}/claim"), "handoff", str(ident))
        assert not_found(
            anna.post(f"/handoffs/{ident}/reply", {"text": "Hallo"}), "handoff", str(ident)
        )
        assert not_found(anna.post(f"/handoffs/{ident}/release"), "handoff", str(ident))
        assert not_found(
            anna.post(f"/handoffs/{ident}/close", {"outcome": "x"}), "handoff", str(ident)
        )
    unknown = anna.get("/handoffs/999999")
    assert (
        unknown.json()["error"]["code"]
        == anna.get(f"/handoffs/{foreign['id']}").json()["error"]["code"]
    )

    # The other town's handoff is untouched; its own agent works it as usual.
    assert bert.get(f"/handoffs/{foreign['id']}").json()["status"] == "open"
    assert bert.post(f"/handoffs/{foreign['id']}/claim").status_code == 200
    own = anna.get("/handoffs").json()[0]["id"]
    assert anna.post(f"/handoffs/{own}/claim").json()["status"] == "claimed"
    assert anna.post(f"/handoffs/{own}/reply", {"text": "Ich helfe Ihnen."}).status_code == 201
    assert anna.post(f"/handoffs/{own}/close", {"outcome": "erledigt"}).status_code == 200


def ask(client: TestClient, tenant: str, question: str) -> None:
    conversation = client.post("/api/v1/conversations", json={"tenant": tenant}).json()
    cid = conversation["conversation_id"]
    response = client.post(f"/api/v1/conversations/{cid}/messages", json={"text": question})
    assert response.status_code == 200, response.text


def test_answer_log_review_and_corrections_stay_within_the_town(client: TestClient) -> None:
    ask(client, MUNICH, "Was kostet ein Reisepass?")
    ask(client, AUGSBURG, "Wo finde ich Hilfe im Landkreis?")
    erika, emil, egon = Staff(client, "erika"), Staff(client, "emil"), Staff(client, "egon")
    ute, kihub = Staff(client, "ute"), Staff(client, "kihub")

    def tenants_of(staff: Staff, path: str) -> set[str]:
        response = staff.get(path)
        assert response.status_code == 200, response.text
        return {row["tenant"] for row in response.json()}

    assert tenants_of(erika, "/review/answers") == {MUNICH}
    assert tenants_of(ute, "/review/answers") == {MUNICH}
    assert tenants_of(emil, "/review/answers") == {AUGSBURG}
    assert tenants_of(kihub, "/review/answers") == {MUNICH, AUGSBURG}
    assert tenants_of(erika, "/answers") == {MUNICH}  # the deprecated alias too

    foreign_answer = emil.get("/review/answers").json()[0]["id"]
    verdict = erika.post(f"/review/answers/{foreign_answer}/verdict", {"verdict": "wrong"})
    assert not_found(verdict, "answer", foreign_answer)
    body = {"answer_id": foreign_answer, "question": "Frage?", "text": "Eine Antwort dazu."}
    assert not_found(erika.post("/review/corrections", body), "answer", foreign_answer)
    by_tenant = {"tenant": AUGSBURG, "question": "Frage?", "text": "Eine Antwort dazu."}
    refused = erika.post("/review/corrections", by_tenant)
    assert refused.status_code == 404
    assert refused.json()["error"]["message"] == (
        "tenant 'lkaugsburg' is not one of the tenants of 'erika' (muenchen)"
    )

    created = emil.post("/review/corrections", by_tenant)
    assert created.status_code == 201, created.text
    correction = created.json()["id"]
    assert tenants_of(erika, "/review/corrections") == set()
    assert tenants_of(kihub, "/review/corrections") == {AUGSBURG}
    assert not_found(erika.get(f"/review/corrections/{correction}"), "correction", correction)
    for action, payload in (
        ("approve", None),
        ("reject", {"reason": "Passt nicht"}),
        ("withdraw", {"reason": "Passt nicht"}),
    ):
        response = erika.post(f"/review/corrections/{correction}/{action}", payload)
        assert not_found(response, "correction", correction), action
    approved = egon.post(f"/review/corrections/{correction}/approve")
    assert approved.json()["status"] == "approved"


def test_insights_usage_report_and_audit_cover_the_own_town_only(client: TestClient) -> None:
    ask(client, MUNICH, "Was kostet ein Reisepass?")
    ask(client, AUGSBURG, "Wo finde ich Hilfe im Landkreis?")
    ask(client, AUGSBURG, "Gibt es Sprachkurse?")
    citizen_asks_for_person(client, AUGSBURG, "Ich brauche Hilfe")
    ute, kihub, bert = Staff(client, "ute"), Staff(client, "kihub"), Staff(client, "bert")

    own = ute.get("/insights").json()
    everything = kihub.get("/insights").json()
    assert own["totals"]["conversations"] == 1
    assert everything["totals"]["conversations"] == 4
    assert own["totals"]["handoffs"] == 0
    assert ute.get("/insights", tenant=AUGSBURG).json()["totals"]["questions"] == 0
    assert {g["tenant"] for g in ute.get("/insights/gaps").json()} <= {MUNICH}

    month = own["until"][:7]
    report = ute.get("/reports/usage", tenant=AUGSBURG, month=month)
    assert report.status_code == 404
    assert ute.get("/reports/usage", tenant=MUNICH, month=month).status_code == 200

    entries = ute.get("/audit/entries", limit=1000).json()["entries"]
    assert entries and {e["action"] for e in entries} == {"conversation.started"}
    every = kihub.get("/audit/entries", limit=1000).json()["entries"]
    assert {"auth.login", "handoff.created"} <= {e["action"] for e in every}
    assert "bert" not in ute.get("/audit/vocabulary").json()["actors"]
    assert bert.token  # logged in: an installation-wide entry that ute does not see
    exported = ute.get("/audit/export.csv").text
    assert exported.count("conversation.started") == 1 and "lkaugsburg" not in exported


def test_documents_of_another_town_answer_404(client: TestClient) -> None:
    erika, emil = Staff(client, "erika"), Staff(client, "emil")
    faq = {"tenant": AUGSBURG, "question": "Wann hat das Amt offen?", "answer": "Montags 8-12 Uhr."}

    written = emil.post("/documents/faq", faq)
    assert written.status_code == 201, written.text
    document = written.json()["document_id"]
    assert erika.get("/documents").json() == []
    assert [d["id"] for d in emil.get("/documents").json()] == [document]
    assert not_found(erika.get(f"/documents/{document}"), "document", document)
    approve = erika.post(f"/documents/{document}/versions/1/approve")
    assert not_found(approve, "document", document)
    assert not_found(erika.delete(f"/documents/{document}"), "document", document)
    refused = erika.post("/documents/faq", faq)
    assert refused.status_code == 404
    assert refused.json()["error"]["code"] == "unknown_tenant"


def test_knowledge_base_lists_the_own_towns_services(client: TestClient) -> None:
    erika, root = Staff(client, "erika"), Staff(client, "root")

    overview = erika.get("/knowledge/overview").json()
    assert [t["tenant"] for t in overview["tenants"]] == [MUNICH]
    assert {r["tenant"] for r in erika.get("/knowledge/services").json()} == {MUNICH}
    assert erika.get("/knowledge/services", tenant=AUGSBURG).json() == []
    assert {t["tenant"] for t in root.get("/knowledge/overview").json()["tenants"]} == {
        MUNICH,
        AUGSBURG,
    }


def test_a_town_admin_cannot_erase_another_towns_conversation(client: TestClient) -> None:
    augsburg = citizen_asks_for_person(client, AUGSBURG, "Ich brauche Hilfe")
    town_admin, root = Staff(client, "stadtadmin"), Staff(client, "root")

    for ref in (augsburg["conversation_id"], augsburg["reference"]):
        assert not_found(town_admin.delete(f"/conversations/{ref}"), "conversation", ref)
    deleted = root.delete(f"/conversations/{augsburg['reference']}")
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["tenant"] == AUGSBURG


def _store_eval_run(settings: Settings) -> None:
    """A finished run with one case per town, stored as `govbot eval run` stores it."""
    engine = make_engine(settings.sqlalchemy_url)
    with session_factory(engine)() as session:
        run = EvalRun(
            set_name="two_towns", set_version="1", set_sha256="0" * 64, case_count=2,
            status="finished", settings={}, environment={}, metrics={"status_accuracy": 1.0},
            details={},
        )  # fmt: skip
        session.add(run)
        session.flush()
        for position, tenant in enumerate((MUNICH, AUGSBURG)):
            session.add(
                EvalCaseResult(
                    run_id=run.id,
                    position=position,
                    case_id=f"c-{tenant}",
                    tenant=tenant,
                    kind="service",
                    status="answered",
                    status_ok=True,
                    question_redacted="Frage",
                    result={},
                )
            )
        session.commit()
    engine.dispose()


def test_evaluation_runs_show_the_own_towns_cases(tmp_path: Path, client: TestClient) -> None:
    _store_eval_run(make_settings(tmp_path / "data"))
    ute, kihub = Staff(client, "ute"), Staff(client, "kihub")

    runs = ute.get("/eval/runs").json()
    assert [r["set_name"] for r in runs] == ["two_towns"]  # about the test set: every auditor
    cases = ute.get(f"/eval/runs/{runs[0]['id']}/cases").json()
    assert [c["case_id"] for c in cases] == ["c-muenchen"]
    every = kihub.get(f"/eval/runs/{runs[0]['id']}/cases").json()
    assert [c["case_id"] for c in every] == ["c-muenchen", "c-lkaugsburg"]
