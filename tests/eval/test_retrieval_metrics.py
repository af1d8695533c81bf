"""Retrieval metrics on small hand-checked rankings, and the question-file loader."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from eval.retrieval import (
    RetrievalQuestion,
    evaluate,
    load_questions,
    ndcg_at,
    recall_at,
    reciprocal_rank,
)
from knowledge.errors import SourceError


def test_recall_counts_the_share_of_expected_documents_in_the_top_k() -> None:
    ranked = ["t/x", "t/a", "t/y", "t/b"]
    assert recall_at(ranked, ["t/a"], 1) == 0.0
    assert recall_at(ranked, ["t/a"], 2) == 1.0
    assert recall_at(ranked, ["t/a", "t/b"], 2) == 0.5
    assert recall_at(ranked, ["t/a", "t/b"], 4) == 1.0
    assert recall_at(ranked, ["t/z"], 10) == 0.0


def test_reciprocal_rank_is_of_the_first_hit_within_ten() -> None:
    assert reciprocal_rank(["t/a", "t/b"], ["t/a"]) == 1.0
    assert reciprocal_rank(["t/x", "t/y", "t/a", "t/b"], ["t/b", "t/a"]) == pytest.approx(1 / 3)
    eleven = [f"t/{i}" for i in range(11)]
    assert reciprocal_rank(eleven, ["t/9"]) == pytest.approx(0.1)
    assert reciprocal_rank(eleven, ["t/10"]) == 0.0


def test_ndcg_with_binary_relevance() -> None:
    # one relevant document at rank 2: 1/log2(3) over an ideal of 1
    assert ndcg_at(["t/x", "t/a"], ["t/a"]) == pytest.approx(0.6309297535714575)
    # two relevant at ranks 1 and 3: (1 + 1/2) / (1 + 1/log2(3))
    assert ndcg_at(["t/a", "t/x", "t/b"], ["t/a", "t/b"]) == pytest.approx(0.9197207891481876)
    assert ndcg_at(["t/x"], ["t/a"]) == 0.0


def test_metric_functions_reject_undefined_inputs() -> None:
    with pytest.raises(ValueError, match=r"k must be at least 1\. Currently, it is 0"):
        recall_at(["t/a"], ["t/a"], 0)
    with pytest.raises(ValueError, match="without expected documents"):
        recall_at(["t/a"], [], 5)


RANKINGS = {
    "Personalausweis beantragen": ["t/1", "t/2", "t/3"],  # expected t/1 -> rank 1
    "Wohngeld": ["t/4", "t/5", "t/6", "t/7"],  # expected t/6 -> rank 3
    "Hundesteuer": ["t/8", "t/9"],  # expected t/99 -> missed
    "Müllabfuhr": ["u/1", "u/2"],  # other tenant, expected u/2 -> rank 2
}


def _search(question: str, tenant: str, k: int) -> Sequence[str]:
    """A fixed ranking per question: the collaborator under test is the metric code."""
    return RANKINGS[question][:k]


def _clock(step_ms: Sequence[float]) -> Iterator[float]:
    """Seconds: each search takes the next of ``step_ms`` milliseconds."""
    now = 0.0
    for ms in step_ms:
        yield now
        now += ms / 1000
        yield now


def test_evaluate_aggregates_overall_and_per_tenant() -> None:
    questions = [
        RetrievalQuestion(question="Personalausweis beantragen", tenant="t", expected=["t/1"]),
        RetrievalQuestion(question="Wohngeld", tenant="t", expected=["t/6"]),
        RetrievalQuestion(question="Hundesteuer", tenant="t", expected=["t/99"]),
        RetrievalQuestion(question="Müllabfuhr", tenant="u", expected=["u/2"], id="mu-1"),
        RetrievalQuestion(question="Wetter morgen", tenant="t", expected=[]),
    ]
    ticks = _clock([10.0, 20.0, 30.0, 40.0])
    seen: list[tuple[int, int]] = []
    report = evaluate(
        questions,
        _search,
        k=10,
        progress=lambda done, total: seen.append((done, total)),
        clock=lambda: next(ticks),
    )
    out = report.as_dict()
    assert out["n"] == 4
    assert out["skipped"] == 1
    assert out["recall@1"] == 0.25
    assert out["recall@5"] == 0.75
    assert out["recall@10"] == 0.75
    assert out["mrr@10"] == round((1 + 1 / 3 + 0 + 1 / 2) / 4, 4) == 0.4583
    expected_ndcg = (1 + 1 / math.log2(4) + 0 + 1 / math.log2(3)) / 4
    assert out["ndcg@10"] == round(expected_ndcg, 4)
    assert out["latency_ms_p50"] == 25.0
    assert out["latency_ms_p95"] == 38.5
    assert out["per_tenant"]["t"]["n"] == 3
    assert out["per_tenant"]["t"]["recall@5"] == round(2 / 3, 4)
    assert out["per_tenant"]["u"]["mrr@10"] == 0.5
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert [r.id for r in report.results] == ["line-1", "line-2", "line-3", "mu-1"]
    assert [r.first_hit for r in report.results] == [1, 3, None, 2]


def test_evaluate_adds_recall_at_a_custom_k() -> None:
    questions = [RetrievalQuestion(question="Wohngeld", tenant="t", expected=["t/6"])]
    out = evaluate(questions, _search, k=3).as_dict()
    assert out["recall@3"] == 1.0
    assert out["recall@1"] == 0.0


def test_load_questions_reads_jsonl_and_ignores_extra_keys(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    lines = [
        {"question": "Wo melde ich mich um?", "tenant": "muenchen", "expected": ["muenchen/1"]},
        {
            "id": "ig-dev-1",
            "question": "Was ist ein Praktikum?",
            "tenant": "lkaugsburg",
            "expected": ["lkaugsburg/5401081"],
            "answer_lines": ["Ein Praktikum ist eine befristete Tätigkeit."],
            "tags": {"kind": "service"},
        },
    ]
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n\n", encoding="utf-8")
    questions = load_questions(path)
    assert [(q.id, q.tenant, q.expected) for q in questions] == [
        ("", "muenchen", ["muenchen/1"]),
        ("ig-dev-1", "lkaugsburg", ["lkaugsburg/5401081"]),
    ]


def test_load_questions_names_every_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(
        '{"question": "ok", "tenant": "muenchen", "expected": []}\n'
        "{not json\n"
        '{"question": "x", "tenant": "Not A Slug", "expected": []}\n',
        encoding="utf-8",
    )
    with pytest.raises(SourceError) as caught:
        load_questions(path)
    message = str(caught.value)
    assert message.startswith(f"2 invalid line(s) in {path}")
    assert f"{path}:2: not valid JSON: Expecting property name enclosed in double quotes" in message
    assert f"{path}:3: tenant: Value error, tenant slug 'Not A Slug' is invalid" in message


def test_load_questions_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.jsonl"
    with pytest.raises(SourceError, match=f"question file {missing} does not exist"):
        load_questions(missing)


def test_evaluate_refuses_a_set_without_answerable_questions() -> None:
    questions = [RetrievalQuestion(question="Hallo", tenant="t", expected=[])]
    with pytest.raises(SourceError, match="none of the questions has expected documents"):
        evaluate(questions, _search)
