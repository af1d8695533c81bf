"""Handoff-Eingang: inbox, redacted transcript before claim, claim, reply, hand back, close."""

from __future__ import annotations

import pytest

from tests.console.conftest import ConsoleApi, console_as, shown_text

pytestmark = pytest.mark.usefixtures("console_env")

PHONE = "0171 2345678"


def _open(at, reference: str):  # type: ignore[no-untyped-def]
    pick = at.selectbox(key="handoffs.pick")
    ids = [i for i in pick.options]
    labelled = [o for o in ids if o.startswith(reference)]
    assert labelled, (reference, ids)
    handoff_id = int(reference.rsplit("-", 1)[1])
    pick.select(handoff_id).run()
    assert not at.exception, at.exception
    return at


def test_inbox_lists_the_escalation_with_topic_and_waiting_time(console_api: ConsoleApi) -> None:
    created = console_api.escalate("Was kostet ein Reisepass?", "Ich brauche Hilfe")
    at = console_as("anna.agent")

    table = at.dataframe[0].value
    row = table[table["Vorgang"] == created["reference"]]
    assert len(row) == 1
    assert row.iloc[0]["Status"] == "offen"
    assert row.iloc[0]["Wartezeit"].endswith(("s", "min"))
    assert row.iloc[0]["Auslöser"] == "Bürger:in"

    # The open case shows, under the bot's answer, the sources it cited.
    _open(at, created["reference"])
    with console_api.staff("anna.agent") as staff:
        answers = staff.get(f"/api/v1/staff/handoffs/{created['reference']}/answers").json()
        assert staff.get("/api/v1/staff/handoffs/GB-1999-000000/answers").status_code == 404
    [answer] = answers
    assert "muenchen/1063453" in [c["doc_id"] for c in answer["citations"]]
    assert "Quellen: [Reisepass](" in shown_text(at)


def test_claim_reply_and_close_round_trip(console_api: ConsoleApi) -> None:
    created = console_api.escalate(
        f"Wie melde ich meinen Wohnsitz an? Rückruf bitte unter {PHONE}", "Bitte Rückruf"
    )
    at = _open(console_as("anna.agent"), created["reference"])

    assert at.subheader[0].value == f"Vorgang {created['reference']}"
    before = shown_text(at)
    assert PHONE not in before  # redacted until the agent holds the case
    assert "Personenbezogene Daten sind geschwärzt" in before

    at.button(key="handoffs.claim").click().run()
    assert not at.exception
    assert at.metric[0].value == "übernommen"
    assert PHONE in shown_text(at)  # the assignee sees the original

    at.text_area(key="handoffs.reply").input("Guten Tag, wir rufen Sie heute zurück.")
    at.button(key="FormSubmitter:handoffs.reply_form-Senden").click().run()
    assert not at.exception
    citizen_view = console_api.messages(created["conversation_id"])
    assert [m["text"] for m in citizen_view if m["role"] == "agent"] == [
        "Guten Tag, wir rufen Sie heute zurück."
    ]

    at.selectbox(key="handoffs.outcome").select("Rückruf vereinbart")
    at.text_input(key="handoffs.note").input("heute 15 Uhr")
    at.button(key="FormSubmitter:handoffs.close_form-Abschließen").click().run()
    assert not at.exception
    with console_api.staff("anna.agent") as staff:
        handoff = staff.get(f"/api/v1/staff/handoffs/{created['reference']}").json()
    assert handoff["status"] == "closed"
    assert handoff["outcome"] == "Rückruf vereinbart: heute 15 Uhr"
    assert at.session_state["handoffs.pick"] is None  # the closed case left the view


def test_hand_back_to_the_bot(console_api: ConsoleApi) -> None:
    created = console_api.escalate("Was kostet ein Führungszeugnis?", "Rückfrage")
    at = _open(console_as("anna.agent"), created["reference"])
    at.button(key="handoffs.claim").click().run()
    at.button(key="handoffs.release").click().run()

    assert not at.exception
    state = console_api.messages(created["conversation_id"])
    assert "zurückgegeben" in state[-1]["text"]
    with console_api.staff("anna.agent") as staff:
        handoff = staff.get(f"/api/v1/staff/handoffs/{created['reference']}").json()
    assert (handoff["status"], handoff["outcome"]) == ("closed", "handed_back_to_bot")


def test_a_colleagues_case_is_shown_but_cannot_be_answered(console_api: ConsoleApi) -> None:
    created = console_api.escalate("Was kostet ein Personalausweis?", "Bitte Hilfe")
    with console_api.staff("bernd.agent") as staff:
        assert staff.post(f"/api/v1/staff/handoffs/{created['reference']}/claim").is_success
    at = _open(console_as("anna.agent"), created["reference"])

    assert "In Bearbeitung von bernd.agent." in shown_text(at)
    assert len(at.text_area) == 0
    assert not [b for b in at.button if b.key in ("handoffs.claim", "handoffs.release")]
