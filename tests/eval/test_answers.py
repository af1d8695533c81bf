"""``govbot eval answers`` (eval/answers.py, eval/cli.py) with the real dialogue engine.

The engine answers over the session's real index of a dozen Munich services; cases are
scored by the same code as ``govbot eval run``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.assistant import build_engine, build_understander
from bot.dialogue.policy import Policy
from bot.settings import Settings
from eval.answers import load_cases, run_answers
from eval.cli import app
from eval.runner import Runner
from knowledge.errors import SourceError
from knowledge.retrieval import Retriever

CASES = [
    {
        "id": "perso-fee",
        "question": "Was kostet ein Personalausweis?",
        "tenant": "muenchen",
        "expected": ["muenchen/1063441"],
        "must_include": ["46 Euro"],
        "tags": {"kind": "service", "split": "tune"},
        "x": 1,
    },
    {
        "id": "fire",
        "question": "Es brennt in meiner Küche!",
        "tenant": "muenchen",
        "expected_status": ["emergency"],
        "expected_help": ["danger"],
        "tags": {"kind": "emergency", "split": "holdout"},
    },
    {"question": "Was kostet ein Reisepass?", "tenant": "atlantis"},
]


def write_lines(path: Path, lines: list[object]) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def answer_runner(munich_retriever: Retriever, munich_index: Settings) -> Runner:
    engine = build_engine(munich_index, munich_retriever, policy=Policy.from_yaml())
    return Runner(engine, settings=munich_index, retriever=munich_retriever)


def test_a_bare_questions_file_gets_defaults_and_set_fields_are_read(tmp_path: Path) -> None:
    loaded = load_cases(write_lines(tmp_path / "q.jsonl", CASES))
    first, second, third = loaded.cases
    assert first.facts == ["46 Euro"]  # must_include is an alias of facts
    assert first.expected_status == ["answered"]
    assert second.expected_help == ["danger"] and second.tags.split == "holdout"
    assert (third.id, third.tags.kind, third.expected_status) == ("line-3", "service", ["answered"])
    assert len(loaded.sha256) == 64


def test_bad_lines_are_named_with_file_and_line(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "q.jsonl",
        [{"question": "a", "tenant": "muenchen"}, {"q": 1}, [1], {"question": "b"}],
    )
    with pytest.raises(SourceError) as info:
        load_cases(path)
    message = str(info.value)
    assert message.startswith(f"3 invalid line(s) in {path}")
    assert f"{path}:3: expected a JSON object" in message
    assert f"{path}:4: tenant: Field required" in message


def test_cases_are_scored_and_written_as_they_go(tmp_path: Path, answer_runner: Runner) -> None:
    results = tmp_path / "results.jsonl"
    cases = load_cases(write_lines(tmp_path / "q.jsonl", CASES))
    report = run_answers(answer_runner, cases, results_path=results)
    perso, fire, unknown = report.cases
    assert (perso.status, perso.status_ok, perso.reached) == ("answered", True, True)
    assert perso.doc_ids[0] == "muenchen/1063441" and perso.options == []
    assert perso.facts_ok is True and perso.wrong_confident is False
    assert perso.chars > 0 and perso.latency_ms > 0 and perso.answer_language == "de"
    assert (fire.status, fire.status_ok, fire.reached) == ("emergency", True, None)
    assert unknown.status == "error" and "atlantis" in (unknown.error or "")
    assert report.summary["status_accuracy"] == 0.6667
    assert sorted(report.by_split) == ["-", "holdout", "tune"]
    assert report.by_kind["emergency"]["emergency_recall"] == 1.0
    written = [json.loads(line) for line in results.read_text(encoding="utf-8").splitlines()]
    assert [line["case_id"] for line in written] == ["perso-fee", "fire", "line-3"]
    dumped = report.model_dump(mode="json")
    assert "results" not in dumped
    assert {"doc_ids", "options", "reached", "wrong_confident"} <= set(dumped["cases"][0])


def test_resume_keeps_the_finished_cases_and_drops_a_cut_off_line(
    tmp_path: Path, answer_runner: Runner
) -> None:
    cases = load_cases(write_lines(tmp_path / "q.jsonl", CASES))
    results = tmp_path / "results.jsonl"
    run_answers(answer_runner, cases, results_path=results)
    first, second, _ = results.read_text(encoding="utf-8").splitlines()
    kept = json.loads(first) | {"text": "written before the interruption"}
    # The run was killed while writing the second case: half a line is left.
    results.write_text(json.dumps(kept) + "\n" + second[: len(second) // 2], encoding="utf-8")
    report = run_answers(answer_runner, cases, results_path=results, resume=True)
    assert [case.id for case in report.cases] == ["perso-fee", "fire", "line-3"]
    assert report.cases[0].text == "written before the interruption"  # not asked again
    assert report.cases[1].status == "emergency"
    lines = results.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["case_id"] for line in lines] == ["perso-fee", "fire", "line-3"]


def test_expected_ids_that_match_no_document_are_an_error(
    tmp_path: Path, answer_runner: Runner
) -> None:
    no_prefix = [{"question": "Perso", "tenant": "muenchen", "expected": ["1063441"]}]
    with pytest.raises(SourceError, match="expected doc id '1063441' must look like 'muenchen/"):
        load_cases(write_lines(tmp_path / "a.jsonl", no_prefix))
    unknown = [
        {"id": "gone", "question": "Perso", "tenant": "muenchen", "expected": ["muenchen/9"]}
    ]
    cases = load_cases(write_lines(tmp_path / "b.jsonl", unknown))
    with pytest.raises(SourceError) as info:
        run_answers(answer_runner, cases)
    message = str(info.value)
    assert "1 case(s) expect only documents that are not in the index: gone (muenchen/9)" in message
    assert "'<tenant>/<native id>'" in message


def test_cli_json_and_an_80_column_table(munich_index: Settings, tmp_path: Path) -> None:
    path = write_lines(tmp_path / "q.jsonl", CASES[:2])
    env = {"GOVBOT_ENV": "test", "GOVBOT_DATA_DIR": str(munich_index.data_dir), "COLUMNS": "80"}
    as_json = CliRunner().invoke(
        app, ["answers", "--questions", str(path), "--json", "--no-progress"], env=env
    )
    assert as_json.exit_code == 0, as_json.output
    payload = json.loads(as_json.stdout)
    assert [case["id"] for case in payload["cases"]] == ["perso-fee", "fire"]
    assert payload["cases"][0]["options"] == []
    assert payload["summary"]["service_reached"] == 1.0
    table = CliRunner().invoke(
        app, ["answers", "--questions", str(path), "--split", "tune", "--no-progress"], env=env
    )
    assert table.exit_code == 0, table.output
    assert "perso-fee" in table.stdout and "fire" not in table.stdout.split("by split")[0]
    assert max(len(line) for line in table.stdout.splitlines()) <= 80
    assert "reached" in table.stdout


def test_cli_resume_needs_a_results_file(munich_index: Settings, tmp_path: Path) -> None:
    path = write_lines(tmp_path / "q.jsonl", CASES[:1])
    env = {"GOVBOT_ENV": "test", "GOVBOT_DATA_DIR": str(munich_index.data_dir)}
    result = CliRunner().invoke(app, ["answers", "--questions", str(path), "--resume"], env=env)
    assert result.exit_code != 0
    assert "--resume needs --results FILE" in str(result.exception)


def test_the_retrieval_figures_search_as_the_dialogue_in_the_question_s_language(
    tmp_path: Path, answer_runner: Runner, munich_retriever: Retriever, munich_index: Settings
) -> None:
    # A French question: none of the Munich passages is written in French, so the
    # dialogue weighs BM25 at the unwritten-language weight (0), and so must the runner.
    # Its words "information" and "service" also occur in German pages: BM25 with the
    # German weight orders the documents otherwise.
    question = "Information sur le service de déclaration de domicile à Munich"
    line = {"question": question, "tenant": "muenchen", "expected": ["muenchen/1063441"]}
    (case,) = load_cases(write_lines(tmp_path / "fr.jsonl", [line])).cases
    searched = (
        build_understander(munich_index, munich_retriever)
        .understand(question, tenant="muenchen")
        .search
    )
    assert searched.language == "fr"
    assert munich_retriever.sparse_weight("muenchen", "fr") == 0.0
    dialogue = munich_retriever.search(searched.text, tenant="muenchen", k=10, language="fr")
    without_language = munich_retriever.search(question, tenant="muenchen", k=10)
    result = answer_runner.run_case(case, position=0)
    assert result.retrieved_ids == [hit.doc_id for hit in dialogue]
    assert result.retrieved_ids != [hit.doc_id for hit in without_language]
