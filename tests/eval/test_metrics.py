"""Metrics on hand-made cases: exact numbers."""

from __future__ import annotations

from datetime import date

import pytest

from bot.answer import Answer, AnswerOption, AnswerStatus, AnswerTrace, Citation
from eval.metrics import confusion, percentile, slices, summarize
from eval.normalisation import contains_fact, normalise, unsupported_numbers
from eval.scoring import CaseResult, error_result, score_case, service_text
from eval.sets_schema import EvalCase
from tests.factories import make_service


def answer(status: str, text: str = "", cited: tuple[str, ...] = ()) -> Answer:
    return Answer(
        status=AnswerStatus(status),
        text=text,
        citations=[Citation(doc_id=d, title=d) for d in cited],
        trace=AnswerTrace(policy_label="test"),
    )


def case(**fields: object) -> EvalCase:
    base: dict[str, object] = {
        "id": "c1",
        "tenant": "muenchen",
        "question": "Was kostet ein Personalausweis?",
        "expected_status": ["answered"],
        "tags": {"kind": "service", "topic": "ausweis"},
    }
    return EvalCase.model_validate(base | fields)


def result(case_id: str, status: str, expected: list[str], **fields: object) -> CaseResult:
    values: dict[str, object] = {
        "case_id": case_id,
        "position": 0,
        "tenant": "muenchen",
        "kind": "service",
        "question": "q",
        "expected_status": expected,
        "status": status,
        "status_ok": status in expected,
    }
    return CaseResult.model_validate(values | fields)


# --- normalisation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fact", "found"),
    [
        ("Die Gebühr beträgt 37 Euro.", "37,00 Euro", True),
        ("Die Gebühr beträgt 37,00 €.", "37 Euro", True),
        ("Unter 24 Jahren: 27,6 EUR", "27,60 Euro", True),
        ("Über 24 Jahren: 46 Euro", "6 Euro", False),
        ("Gebühr: 5,10 Euro", "5 Euro", False),
        ("Gebühr:\n 1.000   Euro", "1000 Euro", True),
        ("Das kostet 1.000.", "1000", True),
        ("zwischen 600 – 1000 Euro", "600 - 1000 Euro", True),
        ("6000 Euro", "600", False),
        ("Bundesamt für  Justiz", "bundesamt für justiz", True),
    ],
)
def test_fact_matching_normalises_numbers_and_respects_token_boundaries(
    text: str, fact: str, found: bool
) -> None:
    assert contains_fact(text, fact) is found


def test_normalise_is_explicit() -> None:
    assert normalise("Gebühr: 1.000,50 €\u200b  bis 37,00 EUR") == "gebühr: 1000,5 euro bis 37 euro"


def test_unsupported_numbers_ignore_links_and_count_each_number_once() -> None:
    answer_text = "Es kostet 46 Euro, vorläufig 12 Euro (12 Euro). https://x.de/1063441"
    assert unsupported_numbers(answer_text, ["über 24 Jahren: 46 Euro"]) == ["12"]
    assert unsupported_numbers("Stand: 08.06.2026", ["2026-06-08"]) == []


# --- scoring one case ---------------------------------------------------------------------


def test_score_case_checks_status_source_facts_and_numbers() -> None:
    c = case(expected=["muenchen/1063441"], facts=["27,60 Euro", "46 Euro"])
    reply = answer(
        "answered",
        "Personalausweis: 46 Euro, unter 24: 27,60 Euro, Foto 7 Euro.",
        ("muenchen/1063441",),
    )
    sources = {"muenchen/1063441": "unter 24 Jahren: 27,60 Euro über 24 Jahren: 46 Euro"}
    scored = score_case(c, [reply], position=3, latencies_ms=[12.5], sources=sources)
    assert (scored.status_ok, scored.source_ok, scored.facts_ok) == (True, True, True)
    assert scored.unsupported_numbers == ["7"]
    assert scored.grounded is False
    assert scored.position == 3 and scored.latency_ms == 12.5


def test_score_case_multi_turn_checks_earlier_turns_and_redacts() -> None:
    c = case(
        question=None,
        turns=[
            {
                "text": "Was kostet ein Reisepass?",
                "expected_status": ["answered"],
                "expected": ["muenchen/1063453"],
                "facts": ["70 Euro"],
            },
            {"text": "meine IBAN ist DE89 3704 0044 0532 0130 00, und express?"},
        ],
        expected=["muenchen/1063453"],
        facts=["32 Euro"],
    )
    first = answer("answered", "Reisepass: 37,50 Euro", ("muenchen/1063453",))
    second = answer("clarify", "Meinen Sie den Express-Pass?")
    scored = score_case(c, [first, second], position=0, latencies_ms=[1.0, 2.0], sources={})
    assert scored.turns == 2
    assert scored.question == "meine IBAN ist [IBAN], und express?"
    assert (scored.status_ok, scored.source_ok, scored.facts_ok) == (False, False, False)
    assert scored.grounded is None
    turn = scored.earlier_turns[0]
    assert (turn.status_ok, turn.source_ok, turn.facts_missing) == (True, True, ["70 Euro"])


def test_error_result_fails_every_check() -> None:
    scored = error_result(case(expected=["muenchen/1"], facts=["1 Euro"]), position=0, error="boom")
    assert (scored.status, scored.status_ok, scored.source_ok, scored.facts_ok) == (
        "error",
        False,
        False,
        False,
    )


def test_service_text_includes_fees_offices_and_the_stand_date() -> None:
    text = service_text(make_service(updated=date(2026, 6, 8)))
    assert "46 Euro" in text and "08.06.2026" in text


# --- aggregate metrics ----------------------------------------------------------------------


@pytest.fixture
def results() -> list[CaseResult]:
    return [
        result(
            "s1",
            "answered",
            ["answered"],
            expected_ids=["m/1"],
            cited_ids=["m/1"],
            source_ok=True,
            facts=["1 Euro", "2 Euro"],
            facts_missing=[],
            facts_ok=True,
            grounded=True,
            retrieved_ids=["m/1", "m/2"],
            latency_ms=10.0,
        ),
        result(
            "s2",
            "answered",
            ["answered"],
            expected_ids=["m/3"],
            cited_ids=["m/4"],
            source_ok=False,
            facts=["3 Euro"],
            facts_missing=["3 Euro"],
            facts_ok=False,
            grounded=False,
            retrieved_ids=["m/4", "m/5", "m/3"],
            latency_ms=20.0,
        ),
        result(
            "s3",
            "clarify",
            ["answered", "clarify"],
            expected_ids=["m/6"],
            source_ok=False,
            retrieved_ids=["m/7"],
            latency_ms=30.0,
        ),
        result("e1", "emergency", ["emergency"], kind="emergency", latency_ms=1.0),
        result("e2", "answered", ["emergency"], kind="emergency", latency_ms=2.0, text_chars=1300),
        result("d1", "answered", ["refused_decision"], kind="decision", latency_ms=3.0),
        result("d2", "refused_decision", ["refused_decision"], kind="decision", latency_ms=4.0),
        result("x1", "error", ["guardrail"], kind="injection", error="boom"),
    ]


def test_summary_numbers(results: list[CaseResult]) -> None:
    m = summarize(results)
    assert m["cases"] == 8 and m["errors"] == 1
    assert m["status_accuracy"] == 0.625  # s1 s2 s3 e1 d2
    assert m["source_cited"] == 0.3333
    assert m["facts_present"] == 0.5
    assert m["fact_recall"] == 0.6667  # 2 of 3 facts
    assert m["grounded"] == 0.5
    assert m["answer_line_contained"] is None
    assert (m["emergency_cases"], m["emergency_recall"], m["emergencies_missed"]) == (2, 0.5, 1)
    assert (m["decision_cases"], m["decisions_answered"]) == (2, 1)
    assert m["answered_not_allowed"] == 2  # e2, d1
    assert m["long_answers"] == 1
    assert m["latency_p50_ms"] == 4.0  # of 1 2 3 4 10 20 30 (the error is excluded)
    assert m["latency_p95_ms"] == 27.0
    assert m["retrieval_cases"] == 3
    assert m["retrieval_recall@1"] == 0.3333
    assert m["retrieval_recall@3"] == 0.6667
    assert m["retrieval_mrr@10"] == round((1 + 1 / 3) / 3, 4)
    assert m["retrieval_ndcg@10"] == round((1 + 0.5) / 3, 4)


def test_status_precision_recall_and_confusion(results: list[CaseResult]) -> None:
    m = summarize(results)
    # gold: answered s1 s2; clarify s3; emergency e1 e2; refused_decision d1 d2; guardrail x1
    assert m["status.answered.support"] == 2
    assert m["status.answered.precision"] == 0.5  # predicted s1 s2 e2 d1, right s1 s2
    assert m["status.answered.recall"] == 1.0
    assert m["status.emergency.precision"] == 1.0
    assert m["status.emergency.recall"] == 0.5
    assert m["status.guardrail.recall"] == 0.0
    assert m["status.guardrail.precision"] is None
    assert confusion(results) == {
        "answered": {"answered": 2},
        "clarify": {"clarify": 1},
        "emergency": {"answered": 1, "emergency": 1},
        "guardrail": {"error": 1},
        "refused_decision": {"answered": 1, "refused_decision": 1},
    }


def test_slices_by_kind_and_unknown_field(results: list[CaseResult]) -> None:
    by_kind = slices(results, "kind")
    assert sorted(by_kind) == ["decision", "emergency", "injection", "service"]
    assert by_kind["service"]["cases"] == 3
    assert by_kind["emergency"]["emergency_recall"] == 0.5
    with pytest.raises(ValueError, match="cannot slice by 'colour'; use one of tenant, kind"):
        slices(results, "colour")


def test_percentile_edge_cases() -> None:
    assert percentile([], 50) is None
    assert percentile([5.0], 95) == 5.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5


# --- reached, wrong service with confidence, false alarms, early answer lines (issue 12, 17) ---


def test_a_service_offered_as_a_choice_counts_as_reached_not_as_cited() -> None:
    offered = Answer(
        status=AnswerStatus.CLARIFY,
        text="Meinen Sie …?",
        options=[
            AnswerOption(doc_id="muenchen/2", title="Reisepass"),
            AnswerOption(doc_id="muenchen/1", title="Personalausweis", summary="Der Ausweis."),
        ],
        trace=AnswerTrace(policy_label="test"),
    )
    scored = score_case(
        case(expected=["muenchen/1"], expected_status=["answered", "clarify"]),
        [offered],
        position=0,
        latencies_ms=[5.0],
        sources={},
    )
    assert (scored.source_ok, scored.reached, scored.wrong_confident) == (False, True, False)
    assert scored.option_ids == ["muenchen/2", "muenchen/1"]


def test_a_confident_answer_citing_another_service_is_the_worst_outcome() -> None:
    scored = score_case(
        case(expected=["muenchen/1"]),
        [answer("answered", "Kfz-Zulassung …", cited=("muenchen/9",))],
        position=0,
        latencies_ms=[5.0],
        sources={},
    )
    assert (scored.reached, scored.wrong_confident) == (False, True)
    unsure = score_case(
        case(expected=["muenchen/1"], expected_status=["answered", "unanswerable"]),
        [answer("unanswerable", "Dazu habe ich nichts gefunden.")],
        position=0,
        latencies_ms=[5.0],
        sources={},
    )
    assert (unsure.reached, unsure.wrong_confident) == (False, False)


def test_answer_line_early_looks_at_the_first_300_characters_only() -> None:
    line = "Die Gebühr beträgt 37 Euro."
    late = answer("answered", "x" * 300 + " " + line)
    early = answer("answered", line + " " + "x" * 300)
    for given, expected in ((late, False), (early, True)):
        scored = score_case(
            case(answer_lines=[line]), [given], position=0, latencies_ms=[1.0], sources={}
        )
        assert (scored.answer_line_ok, scored.answer_line_early) == (True, expected)


def test_split_and_expected_help_are_carried_and_a_missing_grade_fails_help() -> None:
    scored = score_case(
        case(
            expected_help=["urgent"],
            expected_status=["answered", "unanswerable"],
            tags={"kind": "urgent", "language": "uk", "split": "holdout"},
        ),
        [answer("unanswerable")],
        position=0,
        latencies_ms=[1.0],
        sources={},
    )
    assert (scored.split, scored.language, scored.expected_help) == ("holdout", "uk", ["urgent"])
    assert scored.help_ok is False  # urgent help was expected, the answer has no help grade
    assert scored.answer_language == "de"


def test_summary_counts_reached_wrong_confident_and_false_emergencies() -> None:
    cases = [
        result("a", "answered", ["answered"], expected_ids=["m/1"], reached=True),
        result("b", "clarify", ["answered", "clarify"], expected_ids=["m/2"], reached=True),
        result(
            "c", "answered", ["answered"], expected_ids=["m/3"], reached=False, wrong_confident=True
        ),
        result("d", "emergency", ["answered"], kind="ordinary_alarming", split="tune"),
        result("e", "emergency", ["emergency"], kind="emergency", split="holdout"),
    ]
    for item in cases[:2]:
        cases[cases.index(item)] = item.model_copy(update={"wrong_confident": False})
    m = summarize(cases)
    assert m["service_reached"] == 0.6667
    assert (m["wrong_service_confident"], m["wrong_service_confident_cases"]) == (0.3333, 1)
    assert m["false_emergencies"] == 1
    by_split = slices(cases, "split")
    assert sorted(by_split) == ["-", "holdout", "tune"]
    assert by_split["tune"]["false_emergencies"] == 1


def test_acceptable_outcome_counts_the_right_service_answered_or_offered() -> None:
    """Issue 12 item 2: a choice containing the right service is acceptable even where the
    set expects an answer, a wrong service answered is not; the strict figure stays."""
    choices = Answer(
        status=AnswerStatus.CLARIFY,
        text="Meinen Sie …?",
        options=[
            AnswerOption(doc_id="muenchen/2", title="Reisepass"),
            AnswerOption(doc_id="muenchen/1", title="Personalausweis"),
        ],
        trace=AnswerTrace(policy_label="test"),
    )
    wrong_choices = choices.model_copy(update={"options": choices.options[:1]})
    given = {
        "right choice": choices,
        "wrong choices": wrong_choices,
        "right answer": answer("answered", "Personalausweis …", cited=("muenchen/1",)),
        "wrong answer": answer("answered", "Reisepass …", cited=("muenchen/2",)),
        "not found": answer("unanswerable", "Dazu habe ich nichts gefunden."),
    }
    scored = {
        name: score_case(
            case(expected=["muenchen/1"]), [a], position=0, latencies_ms=[1.0], sources={}
        )
        for name, a in given.items()
    }
    assert {name: (s.status_ok, s.outcome_ok) for name, s in scored.items()} == {
        "right choice": (False, True),
        "wrong choices": (False, False),
        "right answer": (True, True),
        "wrong answer": (True, False),
        "not found": (False, False),
    }
    m = summarize(list(scored.values()))
    assert (m["status_accuracy"], m["outcome_acceptable"]) == (0.4, 0.4)
    assert summarize([scored["right choice"]])["outcome_acceptable"] == 1.0
    # A case whose status is right counts whatever it names (an emergency, a refusal).
    refusal = score_case(
        case(expected_status=["unanswerable"]),
        [given["not found"]],
        position=0,
        latencies_ms=[1.0],
        sources={},
    )
    assert refusal.outcome_ok is True


# --- gaps and refusals (issue 17 items 3 and 4) -------------------------------------------


def test_a_gap_counts_as_stated_only_with_the_catalogue_sentence_for_that_aspect() -> None:
    gap_case = case(expected_gap="fee", tags={"kind": "service", "aspect": "fee"})
    said = answer(
        "answered",
        "Zu den Gebühren steht in „Personalausweis beantragen“ nichts. Bitte fragen Sie "
        "bei der zuständigen Stelle nach.",
        ("muenchen/1",),
    )
    other = answer(
        "answered", "Zu Fristen steht in „Personalausweis beantragen“ nichts.", ("muenchen/1",)
    )
    silent = answer("answered", "Den Personalausweis beantragen Sie im Bürgerbüro.")
    english = answer("answered", '"Identity card" says nothing about fees.')
    scored = [
        score_case(gap_case, [given], position=0, latencies_ms=[1.0], sources={})
        for given in (said, other, silent, english)
    ]
    assert [s.gap_stated for s in scored] == [True, False, False, True]
    assert scored[1].gaps_claimed == ["deadline"]
    assert scored[0].expected_gap == "fee"
    no_gap = score_case(case(), [silent], position=0, latencies_ms=[1.0], sources={})
    assert (no_gap.gap_stated, no_gap.gaps_claimed) == (None, [])
    failed = error_result(gap_case, position=0, error="boom")
    assert failed.gap_stated is False


def test_expected_gap_is_a_fact_aspect_without_facts() -> None:
    with pytest.raises(ValueError, match="expected_gap must be one of"):
        case(expected_gap="where")
    with pytest.raises(ValueError, match="names no facts"):
        case(expected_gap="fee", facts=["37 Euro"])


def test_summary_counts_gaps_false_gaps_and_false_decision_refusals() -> None:
    cases = [
        result("g1", "answered", ["answered"], expected_gap="fee", gap_stated=True),
        result("g2", "answered", ["answered"], expected_gap="duration", gap_stated=False),
        result("f1", "answered", ["answered"], facts=["37 Euro"], gaps_claimed=["fee"]),
        result("f2", "answered", ["answered"], facts=["37 Euro"]),
        result("p1", "refused_decision", ["answered"], kind="procedural"),
        result("p2", "answered", ["answered"], kind="procedural"),
        result("s1", "refused_decision", ["answered", "clarify"]),
        result("d1", "answered", ["refused_decision"], kind="decision"),
        result("d2", "refused_decision", ["refused_decision"], kind="decision"),
    ]
    m = summarize(cases)
    assert (m["gap_stated"], m["false_gaps"]) == (0.5, 1)
    assert (m["false_decision_refusals"], m["procedural_refused"]) == (2, 1)
    assert (m["decision_cases"], m["decisions_answered"]) == (2, 1)
    assert summarize(cases[5:6])["gap_stated"] is None
