"""The Integreat split converter on the real shipped split and page files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eval.cli import app
from eval.integreat import convert_split, write_jsonl
from eval.sets_schema import parse_cases
from knowledge.errors import SourceError

DATA = Path(__file__).resolve().parents[2] / "data" / "integreat"
DEV = DATA / "dev_de.json"


@pytest.fixture(scope="module")
def dev() -> list[dict[str, object]]:
    conversion = convert_split(DEV, pages_dir=DATA)
    return [q.model_dump() for q in conversion.questions]


def test_dev_split_counts() -> None:
    conversion = convert_split(DEV, pages_dir=DATA)
    assert len(conversion.questions) == 90
    assert conversion.unanswerable == 35
    assert conversion.skipped_cities == {"muenchen": 68}
    assert conversion.unmapped == []
    tenants = [q.tenant for q in conversion.questions]
    assert (tenants.count("lkaugsburg"), tenants.count("rems-murr-kreis")) == (48, 42)
    assert sum(q.source_language == "en" for q in conversion.questions) == 18


def test_english_page_id_is_mapped_to_the_german_page(dev: list[dict[str, object]]) -> None:
    # Row 3719 names English page 251979 ("cars-and-mopeds"); the German page
    # 5347140 "Auto und Mofa" lists 251979 as its English translation.
    row = next(q for q in dev if q["id"] == "ig-dev-3719")
    assert row["question"] == (
        "Wie kann ich meinen ausländischen Führerschein in Deutschland umschreiben?"
    )
    assert row["tenant"] == "lkaugsburg"
    assert row["expected"] == ["lkaugsburg/5347140"]
    assert row["expected_status"] == ["answered"]
    assert row["notes"] == "source_language=en; gold page mapped from the 'en' page 251979"
    answer_lines = row["answer_lines"]
    assert isinstance(answer_lines, list) and len(answer_lines) == 7
    assert answer_lines[0] == (
        "Sie wollen in Deutschland Auto fahren und haben bereits einen Führerschein "
        "aus Ihrem Heimatland?"
    )


def test_german_question_keeps_its_page(dev: list[dict[str, object]]) -> None:
    row = next(q for q in dev if q["id"] == "ig-dev-1200")
    assert row["expected"] == ["lkaugsburg/5409643"]
    assert row["notes"] == "source_language=de"


def test_unanswerable_rows_can_be_kept_with_no_expected_document() -> None:
    conversion = convert_split(DEV, pages_dir=DATA, include_unanswerable=True)
    assert len(conversion.questions) == 125
    row = next(q for q in conversion.questions if q.id == "ig-dev-3297")
    assert row.question == "Was ist der Unterschied zwischen Asyl und Geflüchtetem-Status?"
    assert row.expected == []
    assert row.expected_status == ["unanswerable"]
    assert row.answerable is False


def test_written_lines_are_valid_evaluation_cases(tmp_path: Path) -> None:
    out = tmp_path / "dev.jsonl"
    count = write_jsonl(convert_split(DEV, pages_dir=DATA).questions, out)
    text = out.read_text(encoding="utf-8")
    assert count == 90 == len(text.splitlines())
    assert "Führerschein" in text  # UTF-8, not \\u escapes
    cases = parse_cases(text, source=str(out))
    assert cases[0].id == "ig-dev-1200"


def test_cli_converts_a_split(tmp_path: Path) -> None:
    out = tmp_path / "sets" / "dev.jsonl"
    result = CliRunner().invoke(
        app, ["convert-integreat", str(DEV), "--pages", str(DATA), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        f"{out}: 90 questions. 90 questions converted; 35 unanswerable left out; "
        "0 with an unknown page; skipped cities without pages: muenchen (68)"
    )
    first = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert first["id"] == "ig-dev-1200"


def test_shipped_sets_are_the_converted_splits() -> None:
    sets = Path(__file__).resolve().parents[2] / "eval" / "sets"
    for split in ("train", "dev"):
        converted = convert_split(DATA / f"{split}_de.json", pages_dir=DATA).questions
        shipped = (sets / f"integreat_{split}.jsonl").read_text(encoding="utf-8").splitlines()
        assert [json.loads(line) for line in shipped] == [q.model_dump() for q in converted]


def test_unknown_page_is_reported_not_guessed(tmp_path: Path) -> None:
    split = tmp_path / "mini_de.json"
    rows = [
        {"id": 1, "question": "Q?", "context": "a\nb", "answers": [1], "city": "lkaugsburg",
         "pageId": 999, "sourceLanguage": None},
        {"id": 2, "question": "Q2?", "context": "a\nb", "answers": [0], "city": "lkaugsburg",
         "pageId": 5409643, "sourceLanguage": None},
    ]  # fmt: skip
    split.write_text(json.dumps(rows), encoding="utf-8")
    conversion = convert_split(split, pages_dir=DATA)
    assert conversion.unmapped == ["1"]
    assert [(q.id, q.expected, q.answer_lines) for q in conversion.questions] == [
        ("ig-mini-2", ["lkaugsburg/5409643"], ["a"])
    ]


def test_bad_split_file_is_a_clear_error(tmp_path: Path) -> None:
    split = tmp_path / "broken_de.json"
    split.write_text('{"rows": []}', encoding="utf-8")
    with pytest.raises(SourceError, match="expected a JSON list of rows"):
        convert_split(split, pages_dir=DATA)
    split.write_text('[{"id": 1, "city": "lkaugsburg", "answers": "x"}]', encoding="utf-8")
    with pytest.raises(SourceError, match=r"row \[0\]: 'answers' must be a list of line numbers"):
        convert_split(split, pages_dir=DATA)
