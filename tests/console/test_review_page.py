"""Antworten prüfen: filters, verdicts, corrections with four-eyes approval, curated answers."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.console.conftest import ConsoleApi, console_as, shown_text

pytestmark = pytest.mark.usefixtures("console_env")

CURATED_TITLE = "Redaktionell geprüfte Antwort"


def _pick(at: AppTest, answer_id: int) -> AppTest:
    at.selectbox(key="review.pick").select(answer_id).run()
    assert not at.exception, at.exception
    return at


def _answer_id(api: ConsoleApi, conversation_id: str) -> int:
    with api.staff("alex.auditor") as staff:
        rows = staff.get("/api/v1/staff/review/answers", params={"limit": 1000}).json()
    return next(r["id"] for r in rows if r["conversation_id"] == conversation_id)


def test_feedback_filter_shows_exactly_the_api_rows(console_api: ConsoleApi) -> None:
    at = console_as("alex.auditor", "review")
    at.selectbox(key="review.feedback").select("unhelpful").run()

    table = at.dataframe[0].value
    with console_api.staff("alex.auditor") as staff:
        expected = staff.get(
            "/api/v1/staff/review/answers", params={"feedback": "unhelpful"}
        ).json()
    assert list(table["Nr."]) == [row["id"] for row in expected]
    assert {"Was kostet ein Führungszeugnis?", "Wann hat das Freibad geöffnet?"} <= set(
        table["Frage"]
    )
    assert all(cell.endswith("✗ 1") for cell in table["Feedback ✓/✗"])


def test_editor_marks_an_answer_wrong_the_auditor_only_reads(console_api: ConsoleApi) -> None:
    asked = console_api.ask("Was kostet ein Bewohnerparkausweis?")
    answer_id = _answer_id(console_api, asked["conversation_id"])
    auditor = _pick(console_as("alex.auditor", "review"), answer_id)
    # Auditors read only (issue 14, finding 8): no verdict buttons, no correction form.
    assert auditor.subheader[0].value == f"Antwort #{answer_id}"
    assert "Korrektur schreiben" not in shown_text(auditor)
    assert not [b for b in auditor.button if str(b.key).startswith("review.")]

    at = _pick(console_as("erika.editor", "review"), answer_id)
    at.text_input(key=f"review.note.{answer_id}").input("Gebühr veraltet")
    at.button(key=f"review.wrong.{answer_id}").click().run()
    assert not at.exception

    auditor.selectbox(key="review.review").select("wrong").run()
    table = auditor.dataframe[0].value
    row = table[table["Nr."] == answer_id]
    assert list(row["Prüfung"]) == ["falsch"]
    with console_api.staff("alex.auditor") as staff:
        audit = staff.get(
            "/api/v1/staff/audit/entries", params={"action": "review", "target_id": answer_id}
        ).json()
    assert [(e["actor"], e["action"]) for e in audit["entries"]] == [
        ("erika.editor", "review.marked_wrong")
    ]


def test_correction_needs_a_second_editor_then_is_served_until_withdrawn(
    console_api: ConsoleApi,
) -> None:
    question = "Was kostet ein Reisepass?"
    asked = console_api.ask(question)
    answer_id = _answer_id(console_api, asked["conversation_id"])
    curated_text = "Ein Reisepass kostet 70 Euro, für Personen unter 24 Jahren 37,50 Euro."

    # The first editor writes the correction from the logged answer.
    erika = _pick(console_as("erika.editor", "review"), answer_id)
    erika.text_area(key=f"review.ct.{answer_id}").input(curated_text)
    erika.button(
        key=f"FormSubmitter:review.correction_form.{answer_id}-Korrektur einreichen"
    ).click().run()
    assert not erika.exception
    [done] = [s.value for s in erika.success]
    correction_id = int(done.split("#")[1].split()[0])

    # Her own correction cannot be approved by her.
    erika.radio(key="review.correction_filter").set_value("pending").run()
    assert f"review.approve.{correction_id}" not in [b.key for b in erika.button]
    assert "Ihre eigene Korrektur" in shown_text(erika)
    assert console_api.ask(question)["answer"]["text"] != curated_text

    # The second editor approves it; the bot serves it for the same and a similar question.
    emil = console_as("emil.editor", "review")
    emil.button(key=f"review.approve.{correction_id}").click().run()
    assert not emil.exception
    for asked_again in (question, "Wie viel kostet ein Reisepass?"):
        answer = console_api.ask(asked_again)["answer"]
        assert answer["text"] == curated_text, asked_again
        assert answer["status"] == "answered"
        assert answer["citations"][0]["title"] == CURATED_TITLE
        assert answer["citations"][0]["curated"] is True
        assert "muenchen/1063453" in [c["doc_id"] for c in answer["citations"][1:]]
    other = console_api.ask("Wie melde ich meinen Wohnsitz an?")["answer"]
    assert not any(c["curated"] for c in other["citations"])

    # Withdrawn, it is no longer served.
    emil.radio(key="review.correction_filter").set_value("approved").run()
    emil.text_input(key=f"review.reason.{correction_id}").input("Gebühren geändert")
    emil.button(key=f"review.withdraw.{correction_id}").click().run()
    assert not emil.exception
    again = console_api.ask(question)["answer"]
    assert again["text"] != curated_text
    assert not any(c["curated"] for c in again["citations"])


def test_auditor_sees_corrections_without_actions(console_api: ConsoleApi) -> None:
    with console_api.staff("erika.editor") as staff:
        created = staff.post(
            "/api/v1/staff/review/corrections",
            json={
                "tenant": "muenchen",
                "question": "Wo finde ich das Fundbüro?",
                "text": "Das Fundbüro ist in der Oettingenstraße 20.",
            },
        ).json()
    at = console_as("alex.auditor", "review")
    at.radio(key="review.correction_filter").set_value("pending").run()

    assert f"**Korrektur #{created['id']}** · muenchen · wartet auf Freigabe" in shown_text(at)
    assert not [b for b in at.button if str(b.key).startswith("review.")]
