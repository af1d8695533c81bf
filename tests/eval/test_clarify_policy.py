"""The answer / clarify trade-off (eval/clarify_policy.py) on hand-made out-of-fold
predictions: each policy's outcomes, the choice within the limits, and the cross-validated
choice measured on the fold left out."""

from __future__ import annotations

import pytest

from eval.calibration import Prediction
from eval.clarify_policy import Limits, choose, cross_validated, evaluate, outcome, trade_off


def prediction(
    name: str,
    confidence: float,
    reach: float,
    *,
    right: bool = False,
    reached: bool = False,
    negative: bool = False,
    plausible: bool = True,
    tenant: str = "muenchen",
) -> Prediction:
    return Prediction(
        id=name,
        tenant=tenant,
        language="de",
        negative=negative,
        right=right,
        reached=reached,
        confidence=confidence,
        reach=reach,
        plausible=plausible,
    )


PREDICTIONS = [
    prediction("sure", 0.9, 0.95, right=True, reached=True),
    prediction("tie", 0.6, 0.9, right=False, reached=True),  # runner-up is the right one
    prediction("lost", 0.3, 0.4, reached=True),
    prediction("missing", 0.2, 0.6, negative=True),
    prediction("unnamed", 0.2, 0.7, negative=True, plausible=False),
    prediction("page", 0.55, 0.8, right=True, reached=True, tenant="lkaugsburg"),
]


def test_outcome_answers_offers_or_says_not_found() -> None:
    sure, tie, lost, missing, unnamed, _ = PREDICTIONS
    assert outcome(sure, answer_at=0.5, clarify_at=0.5) == "answered"
    assert outcome(tie, answer_at=0.5, clarify_at=0.5) == "answered"
    assert outcome(tie, answer_at=0.7, clarify_at=0.5) == "clarify"
    assert outcome(lost, answer_at=0.7, clarify_at=0.5) == "not_found"
    assert outcome(missing, answer_at=0.7, clarify_at=0.5) == "clarify"
    # Nothing the question names among the choices: "not found" whatever the reach.
    assert outcome(unnamed, answer_at=0.7, clarify_at=0.1) == "not_found"


def test_evaluate_counts_reached_wrong_choices_and_not_found_per_tenant_kind() -> None:
    loose, strict = (
        {r.kind: r for r in evaluate(PREDICTIONS, options=3, answer_at=a, clarify_at=0.5)}
        for a in (0.5, 0.7)
    )
    assert (loose["muenchen"].services, loose["muenchen"].negatives) == (3, 2)
    # 0.5: "tie" is answered with the wrong service.
    assert (loose["muenchen"].reached, loose["muenchen"].wrong) == (0.333, 0.333)
    # 0.7: "tie" gets choices containing the right one.
    assert (strict["muenchen"].reached, strict["muenchen"].wrong) == (0.667, 0.0)
    assert strict["muenchen"].clarify == 0.4  # "tie" and "missing" of five questions
    assert strict["muenchen"].not_found == 0.5  # "unnamed" yes, "missing" no
    assert (strict["pages"].reached, strict["pages"].not_found) == (1.0, None)


def test_choose_prefers_reach_within_the_limits() -> None:
    rows = trade_off({3: PREDICTIONS})
    chosen = choose(rows, Limits(max_wrong=0.0, max_clarify=1.0, min_not_found=0.5))
    # Ask on "tie" (answer threshold above 0.6) and on "lost" (clarify threshold 0.4 at most).
    assert (chosen.wrong, chosen.reached, chosen.not_found) == (0.0, 1.0, 0.5)
    assert chosen.answer_at > 0.6 and chosen.clarify_at <= 0.4
    # Nothing within the limits: the fewest wrong answers.
    fallback = choose(rows, Limits(max_wrong=0.0, max_clarify=0.0, min_not_found=1.0))
    assert fallback.wrong == 0.0
    with pytest.raises(ValueError, match="no predictions of tenant kind 'nowhere'"):
        choose(rows, Limits(), kind="nowhere")


def test_cross_validated_choice_is_measured_on_the_fold_left_out() -> None:
    many = [prediction(f"q{i}", 0.6, 0.9, right=i % 3 == 0, reached=True) for i in range(40)] + [
        prediction(f"n{i}", 0.2, 0.3, negative=True) for i in range(10)
    ]
    rows = cross_validated({3: many, 4: many}, Limits(max_wrong=0.1, max_clarify=1.0))
    assert 1 <= len(rows) <= 5
    assert sum(r.services for r in rows) == 40
    assert sum(r.negatives for r in rows) == 10
    # Answering at 0.6 would be wrong in two of three cases: every fold chose to ask.
    assert all(r.answer_at > 0.6 and r.wrong == 0.0 and r.reached == 1.0 for r in rows)


def test_choose_keeps_wrong_page_answers_within_their_limit() -> None:
    # Munich alone would answer at 0.5 (nothing wrong there), but at that threshold two
    # of the four page questions are answered with a wrong page.
    munich = [prediction(f"m{i}", 0.55, 0.9, right=True, reached=True) for i in range(4)]
    pages = [
        prediction(f"p{i}", 0.55 if i < 2 else 0.9, 0.9, right=i >= 2, reached=True, tenant="lk")
        for i in range(4)
    ]
    rows = trade_off({3: munich + pages})
    free = choose(rows, Limits(max_wrong=0.0, max_clarify=1.0, max_wrong_pages=1.0))
    assert free.answer_at <= 0.55 and free.reached == 1.0
    kept = choose(rows, Limits(max_wrong=0.0, max_clarify=1.0, max_wrong_pages=0.0))
    assert kept.answer_at > 0.55  # Munich's questions are asked back instead
    page_row = evaluate(
        munich + pages, options=3, answer_at=kept.answer_at, clarify_at=kept.clarify_at
    )
    assert {r.kind: r.wrong for r in page_row}["pages"] == 0.0


def test_choose_keeps_out_of_catalogue_page_questions_not_found() -> None:
    # Munich's choices reach most at a low clarify threshold, but the region's
    # out-of-catalogue questions (a joke, the dog tax) would then get unrelated pages.
    munich = [prediction(f"m{i}", 0.2, 0.45, reached=True) for i in range(4)]
    pages = [prediction(f"p{i}", 0.2, 0.45, negative=True, tenant="lk") for i in range(4)]
    rows = trade_off({3: munich + pages})
    free = choose(rows, Limits(max_clarify=1.0, min_not_found=0.0, min_not_found_pages=0.0))
    assert free.clarify_at <= 0.45 and free.reached == 1.0
    kept = choose(rows, Limits(max_clarify=1.0, min_not_found=0.0, min_not_found_pages=0.5))
    assert kept.clarify_at > 0.45 and kept.reached == 0.0
    by_kind = {
        r.kind: r
        for r in evaluate(
            munich + pages, options=3, answer_at=kept.answer_at, clarify_at=kept.clarify_at
        )
    }
    assert by_kind["pages"].not_found == 1.0
