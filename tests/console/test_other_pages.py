"""Wissensbasis, Insights, Evaluation and Audit-Log pages against the real API."""

from __future__ import annotations

import time

import pytest

from tests.conftest import MUNICH_INDEX_SERVICE_IDS
from tests.console.conftest import BROKEN_SOURCE, ConsoleApi, console_as, frames, shown_text

pytestmark = pytest.mark.usefixtures("console_env")


# --- Wissensbasis ---------------------------------------------------------------------------


def test_knowledge_lists_services_with_stand_and_stale_flags(console_api: ConsoleApi) -> None:
    at = console_as("erika.editor", "knowledge")

    assert at.metric[0].value == str(len(MUNICH_INDEX_SERVICE_IDS))
    [services] = frames(at, "Dokument")
    assert sorted(services["Dokument"]) == sorted(f"muenchen/{n}" for n in MUNICH_INDEX_SERVICE_IDS)
    assert all(stand.count(".") == 2 or stand == "–" for stand in services["Stand"])
    stale = int(at.metric[1].value)
    at.checkbox(key="knowledge.only_stale").check().run()
    assert len(frames(at, "Dokument")[0]) == stale
    assert "als veraltet gilt ein Stand älter als 365 Tage" in shown_text(at)


def test_knowledge_rerun_records_a_failed_job_with_its_error(console_api: ConsoleApi) -> None:
    at = console_as("erika.editor", "knowledge")
    key = f"knowledge.rerun.{BROKEN_SOURCE.tenant}.{BROKEN_SOURCE.name}"
    at.button(key=key).click().run()
    assert not at.exception

    with console_api.staff("erika.editor") as staff:
        deadline = time.monotonic() + 120
        while (job := staff.get("/api/v1/staff/knowledge/jobs").json()[0])["status"] == "running":
            assert time.monotonic() < deadline, job
            time.sleep(0.5)
    assert job["status"] == "failed" and job["exit_code"] == 2
    assert "does/not/exist/services_de.json" in job["error"]
    with console_api.staff("alex.auditor") as auditor:
        actions = [
            e["action"]
            for e in auditor.get(
                "/api/v1/staff/audit/entries", params={"target_id": job["id"], "action": "ingest"}
            ).json()["entries"]
        ]
    assert actions == ["ingest.failed", "ingest.started"]

    at.run()
    [jobs] = frames(at, "Auftrag")
    assert list(jobs[jobs["Auftrag"] == job["id"]]["Status"]) == ["fehlgeschlagen"]
    assert "Fehler:" in shown_text(at)


# --- Insights -------------------------------------------------------------------------------


def test_insights_show_the_api_aggregates_and_no_staff_names(console_api: ConsoleApi) -> None:
    at = console_as("alex.auditor", "insights")
    with console_api.staff("alex.auditor") as staff:
        data = staff.get("/api/v1/staff/insights", params={"days": 30}).json()

    shown = {m.label: m.value for m in at.metric}
    assert shown["Fragen"] == str(data["totals"]["questions"])
    assert shown["Gespräche"] == str(data["totals"]["conversations"])
    assert shown["Übergaben"] == str(data["totals"]["handoffs"])
    assert len(at.get("vega_lite_chart")) >= 3
    text = shown_text(at)
    for username in ("anna.agent", "bernd.agent", "erika.editor", "emil.editor"):
        assert username not in text
    assert "keine Auswertungen über einzelne Mitarbeitende" in text


# --- Evaluation -----------------------------------------------------------------------------


def test_evaluation_history_drill_down_compare_and_downloads(console_api: ConsoleApi) -> None:
    at = console_as("alex.auditor", "evaluation")

    [history] = frames(at, "Label")
    assert list(history["Label"]) == ["Lauf 2", "Lauf 1"]
    assert len(at.get("vega_lite_chart")) >= 1
    cases = frames(at, "Bestanden")[0]  # newest run, failed cases only
    assert list(cases["Fall"]) == ["c2"]
    at.selectbox(key="eval.case").select("c2").run()
    shown = shown_text(at)  # the question is shown as inert text under its label (issue 14)
    assert "**Frage:**\n" in shown and "\nFrage c2\n" in shown
    downloads = [d.proto.label for d in at.get("download_button")]
    assert downloads == ["Bericht (HTML)", "Daten (JSON)", "Fälle (CSV)"]

    [changed] = frames(at, "nachher")
    assert list(changed["Fall"]) == ["c2"]
    assert list(changed["nachher"]) == ["unanswerable (fehlgeschlagen)"]
    [comparison] = frames(at, "Δ")
    accuracy = comparison[comparison["Metrik"] == "status_accuracy"].iloc[0]
    assert accuracy[""] == "schlechter" and accuracy["Δ"] == pytest.approx(-0.5)
    latency = comparison[comparison["Metrik"] == "latency_p95_ms"].iloc[0]
    assert latency[""] == "besser"


# --- Audit-Log ------------------------------------------------------------------------------


def test_audit_filter_and_csv_export_is_itself_audited(console_api: ConsoleApi) -> None:
    at = console_as("alex.auditor", "audit")
    at.selectbox(key="audit.action").select("auth").run()

    [table] = frames(at, "Aktion")
    # The "auth" group: logins, and the logouts earlier console tests of the session made.
    assert "auth.login" in set(table["Aktion"])
    assert set(table["Aktion"]) <= {"auth.login", "auth.logout"}
    at.button(key="audit.prepare").click().run()
    assert not at.exception
    assert [d.proto.label for d in at.get("download_button")] == ["CSV herunterladen"]

    with console_api.staff("alex.auditor") as staff:
        exports = staff.get("/api/v1/staff/audit/entries", params={"action": "audit"}).json()
        csv_text = staff.get("/api/v1/staff/audit/export.csv", params={"action": "auth"}).text
    assert exports["entries"][0]["actor"] == "alex.auditor"
    assert exports["entries"][0]["details"]["filters"]["action"] == "auth"
    assert csv_text.startswith("\ufeffid,at,actor,action,target_type,target_id,details")
    rows = csv_text.strip().splitlines()[1:]
    assert rows and all(",auth.login," in row or ",auth.logout," in row for row in rows)
