"""``govbot eval answers`` logic (eval/answers.py) with the real dialogue engine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.assistant import build_engine
from bot.dialogue.policy import Policy
from bot.settings import Settings
from eval.answers import load_questions, percentile, run_answers
from knowledge.errors import SourceError
from knowledge.retrieval import Retriever


def write_lines(path: Path, lines: list[object]) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


def test_cases_in_input_order_with_aggregates(
    tmp_path: Path, munich_retriever: Retriever, munich_index: Settings
) -> None:
    questions = load_questions(
        write_lines(
            tmp_path / "q.jsonl",
            [
                {"question": "Was kostet ein Personalausweis?", "tenant": "muenchen", "x": 1},
                {"question": "Es brennt!", "tenant": "muenchen"},
                {"question": "Was kostet ein Reisepass?", "tenant": "atlantis"},
            ],
        )
    )
    engine = build_engine(munich_index, munich_retriever, policy=Policy.from_yaml())
    report = run_answers(engine, questions)
    assert [c.status for c in report.cases] == ["answered", "emergency", "error"]
    assert report.cases[0].doc_ids == ["muenchen/1063441"]
    assert report.cases[2].text.startswith("UnknownTenantError: Unknown tenant 'atlantis'")
    assert report.status_counts == {"answered": 1, "emergency": 1, "error": 1}
    assert report.errors == 1
    assert 0 < report.latency_ms_p50 <= report.latency_ms_p95
    dumped = report.model_dump(mode="json")
    assert set(dumped["cases"][0]) == {"question", "status", "doc_ids", "text"}
    assert "latency_ms" not in dumped


def test_bad_line_is_named(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "q.jsonl", [{"question": "a", "tenant": "muenchen"}, {"q": 1}])
    with pytest.raises(SourceError, match=r"q\.jsonl:2: expected a JSON object"):
        load_questions(path)


def test_blank_lines_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text('\n{"question": "a", "tenant": "muenchen"}\n\n', encoding="utf-8")
    assert [q.question for q in load_questions(path)] == ["a"]


def test_percentile_nearest_rank() -> None:
    assert percentile([], 50) == 0.0
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert percentile([float(i) for i in range(1, 21)], 95) == 19.0
