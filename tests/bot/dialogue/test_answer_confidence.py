"""The confidence an answer reports against the one that decided its status (NOTE8:
Integreat answers reported 0.40-0.50 with status ``answered``, under the answer threshold).

Traced in the ninth session: not a bug. The status is decided on the ranking's calibrated
confidence (``trace.settings["confidence"]``, against ``min_confidence``); when the source
does not state the aspect asked (fee, documents, deadline, duration), the answer says so
first and reports half that confidence (issue 17 item 3: the confidence says whether the
asked fact was found, not only the service). With the real engine over the real index of
twelve Munich services (tests/conftest.py munich_index)."""

from __future__ import annotations

import pytest

from bot.answer import AnswerStatus
from bot.dialogue.engine import DialogueEngine

GAP = "Welche Unterlagen brauche ich, um eine Fundsache abzuholen?"
STATED = "Was kostet ein Reisepass?"


def _ranking_confidence(answer_settings: dict[str, object]) -> float:
    value = answer_settings["confidence"]
    assert isinstance(value, float)
    return value


def test_an_answer_whose_source_lacks_the_asked_fact_reports_half_the_ranking_confidence(
    engine: DialogueEngine,
) -> None:
    answer = engine.respond(GAP, tenant="muenchen")
    assert answer.status is AnswerStatus.ANSWERED
    assert answer.text.startswith("Zu den nötigen Unterlagen steht in „Fundsache abholen“ nichts")
    decided_on = _ranking_confidence(dict(answer.trace.settings))
    threshold = answer.trace.settings["min_confidence"]
    assert isinstance(threshold, float)
    assert decided_on >= threshold  # the status was decided on the ranking's confidence
    assert answer.confidence == pytest.approx(decided_on / 2, abs=1e-4)
    assert answer.confidence < threshold  # what NOTE8 saw: reported below the threshold


def test_an_answer_that_states_the_asked_fact_reports_the_ranking_confidence(
    engine: DialogueEngine,
) -> None:
    answer = engine.respond(STATED, tenant="muenchen")
    assert answer.status is AnswerStatus.ANSWERED
    assert answer.confidence == pytest.approx(
        _ranking_confidence(dict(answer.trace.settings)), abs=1e-4
    )
