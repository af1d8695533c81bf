"""The failure classes of eval/ranking_failures.py: the expected document's rank among the
candidates crossed with what the dialogue's thresholds did (eval/clarify_policy.outcome),
on out-of-fold predictions as eval/calibration.py writes them."""

from __future__ import annotations

from eval.calibration import Prediction
from eval.ranking_failures import failure_tables, rank_bucket


def _prediction(
    case: str,
    *,
    rank: int | None,
    confidence: float,
    reach: float,
    tenant: str = "lkaugsburg",
    language: str = "de",
    negative: bool = False,
    plausible: bool = True,
) -> Prediction:
    return Prediction(
        id=case,
        tenant=tenant,
        language=language,
        negative=negative,
        right=rank == 0,
        reached=rank is not None and rank < 4,
        confidence=confidence,
        reach=reach,
        plausible=plausible,
        rank=rank,
    )


def test_rank_buckets() -> None:
    assert [rank_bucket(r, candidates=10) for r in (0, 1, 3, 4, 9, 10, None)] == [
        "1",
        "2-4",
        "2-4",
        "5-10",
        "5-10",
        "later",
        "absent",
    ]
    assert rank_bucket(2, candidates=10, options=2) == "5-10"  # beyond the choices offered
    # The re-ranker's own candidate count draws the line to "later" (ranking.yaml).
    assert [rank_bucket(r, candidates=6) for r in (5, 6)] == ["5-10", "later"]


def test_each_question_counts_once_per_group_by_rank_and_outcome() -> None:
    predictions = [
        _prediction("right-answered", rank=0, confidence=0.9, reach=0.9),
        _prediction("right-clarified", rank=0, confidence=0.4, reach=0.7),
        _prediction("second-clarified", rank=1, confidence=0.3, reach=0.6),
        _prediction("second-wrong-answered", rank=1, confidence=0.8, reach=0.9),
        _prediction("absent-implausible", rank=None, confidence=0.2, reach=0.7, plausible=False),
        _prediction("munich", rank=0, confidence=0.7, reach=0.8, tenant="muenchen"),
        _prediction("english", rank=5, confidence=0.1, reach=0.6, language="en"),
        _prediction("out-of-catalogue", rank=None, confidence=0.9, reach=0.9, negative=True),
    ]
    tables = {
        t.group: t
        for t in failure_tables(predictions, answer_at=0.65, clarify_at=0.5, candidates=10)
    }
    assert set(tables) == {"muenchen", "muenchen de", "pages", "pages de", "pages en"}
    pages = tables["pages"]
    assert pages.n == 6  # the out-of-catalogue question has no expected document
    assert pages.count("1", "answered") == 1
    assert pages.count("1", "clarify") == 1
    assert pages.count("2-4", "clarify") == 1
    assert pages.count("2-4", "answered") == 1  # a wrong page answered: a ranking miss
    assert pages.count("absent", "not_found") == 1  # reach enough, but not plausible
    assert pages.count("5-10", "clarify") == 1
    assert tables["pages de"].n == 5 and tables["pages en"].n == 1
    assert tables["muenchen"].count("1", "answered") == 1
