"""Floors on retrieval signals (eval/plausibility_floors.py): the signals of a ranking,
the floors fitted per group, and the cross-validated trade counted only on questions that
got choices, on folds the floors were not fitted on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.dialogue.ranking import Candidate, Ranking, Retrieved
from eval.plausibility_floors import (
    MIN_GROUP,
    FloorCase,
    below,
    fit_floors,
    floor_case,
    group_of,
    signals_of,
    trade,
)
from knowledge.models import SearchHit
from tests.eval.conftest import EvalCli


def _ranking(doc_ids: list[str], *, confidence: float, reach: float) -> Ranking:
    candidates = [
        Candidate(
            hit=SearchHit(
                doc_id=doc,
                tenant="t",
                title=doc,
                score=1.0,
                section="Überblick",
                url="",
                passage_id=f"{doc}#0",
                text="",
            ),
            features={},
            score=1.0 - i / 10,
        )
        for i, doc in enumerate(doc_ids)
    ]
    return Ranking(
        query="q",
        tenant="t",
        candidates=candidates,
        confidence=confidence,
        confidence_features={},
        timings_ms={},
        reach=reach,
        options=2,
    )


def _retrieved() -> Retrieved:
    dense = {f"d{i}": 0.90 - i / 100 for i in range(12)}
    card = {"d0": 0.80, "d1": 0.85, "d2": 0.88}
    return Retrieved(hits=[], dense=dense, bm25={}, card=card)


def test_signals_of_reads_the_choices_and_the_spreads() -> None:
    ranking = _ranking(["d1", "d0", "d2"], confidence=0.3, reach=0.6)

    signals = signals_of(_retrieved(), ranking)

    assert signals["dense_top"] == pytest.approx(0.90)
    assert signals["card_top"] == pytest.approx(0.88)  # d2, not among the two choices
    assert signals["choices_card"] == pytest.approx(0.85)
    assert signals["best_card"] == pytest.approx(0.85)
    assert signals["dense_spread"] == pytest.approx(0.09)  # first minus tenth
    assert signals["card_spread"] == 0.0  # three cards: no tenth to measure against


def test_floor_case_follows_the_thresholds_and_the_gate() -> None:
    unsure = _ranking(["d1", "d0"], confidence=0.3, reach=0.6)
    sure = _ranking(["d1", "d0"], confidence=0.9, reach=0.9)
    common = {"language": "en", "retrieved": _retrieved(), "page": True}

    offered = floor_case(
        "a", expected=["d0"], ranking=unsure, answer_at=0.69, clarify_at=0.5, **common
    )
    answered = floor_case("b", expected=[], ranking=sure, answer_at=0.69, clarify_at=0.5, **common)

    assert offered.clarify and offered.reached and not offered.negative
    assert offered.group == "d0"
    assert not answered.clarify and answered.negative and answered.group == "b"


def _case(
    i: int, value: float, *, negative: bool = False, clarify: bool = False, language: str = "de"
) -> FloorCase:
    return FloorCase(
        id=f"c{i}",
        group=f"c{i}",
        language=language,
        page=i % 2 == 0,
        negative=negative,
        reached=not negative,
        clarify=clarify,
        signals=dict.fromkeys(
            ("dense_top", "card_top", "choices_card", "best_card", "dense_spread", "card_spread"),
            value,
        ),
    )


def test_fit_floors_takes_the_lowest_reached_value_of_groups_large_enough() -> None:
    german = [_case(i, 0.80 + i / 1000) for i in range(MIN_GROUP)]
    french = [_case(100 + i, 0.70, language="fr") for i in range(MIN_GROUP - 1)]
    negatives = [_case(200, 0.10, negative=True)]

    floors = fit_floors([*german, *french, *negatives], "card_top", by_kind=False)

    assert floors == {"de": pytest.approx(0.80)}  # French has too few; negatives never count
    assert group_of(french[0], by_kind=False) == "fr"
    assert group_of(_case(1, 0.0, language="tr"), by_kind=True) == "default/service"
    assert below(_case(300, 0.79), {"card_top": floors}, by_kind=False)
    assert not below(_case(300, 0.79, language="fr"), {"card_top": floors}, by_kind=False)


def test_trade_counts_on_folds_left_out_only_questions_that_got_choices() -> None:
    # 50 reached questions between 0.80 and 0.90; the lowest one gets choices and is
    # lost whenever the floors were fitted without it (it sits alone in its fold).
    reached = [_case(i, 0.80 + i / 500, clarify=i == 0) for i in range(50)]
    negatives = [
        _case(100, 0.70, negative=True, clarify=True),  # under every floor: cut
        _case(101, 0.95, negative=True, clarify=True),  # above: kept
        _case(102, 0.10, negative=True, clarify=False),  # "not found" already
    ]

    result = trade([*reached, *negatives], ["card_top"], folds=5)

    assert result.clarified_negatives == 2
    assert result.negatives_cut == 1
    assert result.clarified_reached == 1
    assert result.reached_lost == 1
    assert result.unreached_cut == 0


def test_trade_refuses_an_unknown_signal() -> None:
    with pytest.raises(ValueError, match="unknown signals"):
        trade([_case(0, 0.5)], ["cosine"], folds=2)


def test_command_measures_floors_on_kept_calibration_rows(
    eval_cli: EvalCli, tmp_path: Path
) -> None:
    questions = [
        ("Reisepass beantragen", ["muenchen/1063453"], "service"),
        ("Was kostet ein Personalausweis?", ["muenchen/1063441"], "service"),
        ("Führungszeugnis beantragen", ["muenchen/1063565"], "service"),
        ("Auto abmelden", ["muenchen/1064305"], "service"),
        ("Wohngeld beantragen", [], "missing_topic"),
        ("Hundesteuer zahlen", [], "missing_topic"),
    ]
    cases = [
        {"id": f"q{i}", "tenant": "muenchen", "question": q, "expected": e, "tags": {"kind": k}}
        | ({} if e else {"expected_status": ["unanswerable"]})
        for i, (q, e, k) in enumerate(questions)
    ]
    path = tmp_path / "tiny.jsonl"
    path.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cases), "utf-8")
    rows = tmp_path / "rows.json"
    calibrate = ["calibration", "--questions", str(path), "--retrieved", str(rows)]
    kept = eval_cli([*calibrate, "--folds", "2", "--no-progress", "--json"])
    assert kept.exit_code == 0, kept.output

    floors = ["plausibility-floors", "--retrieved", str(rows)]
    result = eval_cli([*floors, "--signal", "card_top", "--folds", "2", "--json"])

    assert result.exit_code == 0, result.output
    trades = json.loads(result.stdout)
    assert [(t["signals"], t["by_kind"]) for t in trades] == [
        (["card_top"], False),
        (["card_top"], True),
    ]
    # Six questions: no group reaches MIN_GROUP, so no floor and nothing cut.
    assert all(t["negatives_cut"] == 0 and t["reached_lost"] == 0 for t in trades)
    assert eval_cli([*floors, "--signal", "x"]).exit_code != 0
