"""``govbot eval false-alarms`` on a small real pool, through the engine's own policy and
emergency stage (real embedder, real Munich index), and the pool builder (issue #16)."""

from __future__ import annotations

import json
import random
from pathlib import Path

from eval.pools import half, load_pool, perturb, short_requests
from tests.eval.conftest import EvalCli, PoolWriter

POOL = [
    {"id": "p1", "tenant": "muenchen", "question": "perso abholen"},
    {"id": "p2", "tenant": "muenchen", "question": "ich will mich anmelden"},
    {"id": "p3", "tenant": "muenchen", "question": "wohnung gesucht"},
    {"id": "p4", "tenant": "muenchen", "question": "ich bin krank"},
    {"id": "p5", "tenant": "muenchen", "question": "Es brennt!", "expected_status": ["answered"]},
    {
        "id": "e1",
        "tenant": "muenchen",
        "question": "Er atmet nicht mehr",
        "expected_status": ["emergency"],
    },
    {
        "id": "x1",
        "tenant": "muenchen",
        "question": "Du Idiot",
        "expected_status": ["guardrail", "emergency"],
    },
]


def test_false_alarms_are_counted_listed_and_split_into_halves(
    eval_cli: EvalCli, pool_file: PoolWriter
) -> None:
    result = eval_cli(["false-alarms", "--pool", str(pool_file(POOL)), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)["pools"][0]
    # x1 allows both and is neither ordinary nor an emergency; p5 is a planted false alarm.
    assert report["all"]["n"] == 5 and report["all"]["false_alarms"] == 1
    assert report["all"]["rate"] == 0.2
    assert report["all"]["grades"] == {"none": 3, "urgent": 1, "danger": 1}
    assert report["calibration"]["n"] + report["heldout"]["n"] == 5
    [alarm] = report["alarms"]
    assert (alarm["id"], alarm["evidence"]["rule_id"]) == ("p5", "emergency.fire")
    assert report["recall"] == {"n": 1, "recognised": 1} and report["missed"] == []


def test_the_short_request_pool_is_deterministic_and_lower_case() -> None:
    topics = [("muenchen", "Personalausweis (Erstausstellung)"), ("muenchen", "Gewerbe anmelden")]
    first = short_requests(topics)
    assert first == short_requests(topics)
    assert all(c.question == c.question.lower() and "(" not in c.question for c in first)
    assert len(first) == 7  # three frames per topic, a verb frame for the verb phrase
    assert short_requests([("muenchen", "Notrufnummern")]) == []  # help topics are left out


def test_a_typo_changes_one_word_and_halves_are_stable(tmp_path: Path) -> None:
    words = ["personalausweis", "beantragen"]
    typo = perturb(" ".join(words), random.Random(3)).split()
    assert len(typo) == 2 and sum(a != b for a, b in zip(words, typo, strict=True)) == 1
    assert half("short-muenchen-abc") == half("short-muenchen-abc")
    path = tmp_path / "set.jsonl"
    path.write_text(json.dumps({"question": "Hallo", "tenant": "muenchen"}) + "\n", "utf-8")
    [case] = load_pool(path)
    assert (case.id, case.emergency) == ("set-1", False)


GRADED = [
    {
        "id": "g1",
        "tenant": "muenchen",
        "question": "ich bin krank",
        "expected_status": ["answered"],
        "expected_help": ["urgent"],
        "tags": {"kind": "urgent", "split": "tune"},
    },
    {
        "id": "g2",
        "tenant": "muenchen",
        "question": "perso abholen",
        "expected_status": ["answered"],
        "expected_help": ["social"],  # planted: an ordinary request expected as social
        "tags": {"kind": "social", "split": "tune"},
    },
    {
        "id": "g3",
        "tenant": "muenchen",
        "question": "wohnung gesucht",
        "expected_status": ["answered"],
        "expected_help": ["urgent"],  # planted, in the holdout half: counted, not listed
        "tags": {"kind": "urgent", "split": "holdout"},
    },
    {
        "id": "g4",
        "tenant": "muenchen",
        "question": "Er atmet nicht mehr",
        "expected_status": ["emergency"],
        "expected_help": ["danger"],
        "tags": {"kind": "emergency", "split": "tune"},
    },
]


def test_a_set_with_help_grades_gets_a_grade_table_and_only_tune_failures_listed(
    eval_cli: EvalCli, pool_file: PoolWriter
) -> None:
    pool = pool_file(GRADED)
    result = eval_cli(["false-alarms", "--pool", str(pool), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)["pools"][0]
    rows = {
        (r["half"], r["expected"]): (r["right"], r["n"], r["got"]) for r in report["grade_rows"]
    }
    assert rows == {
        ("calibration", "danger"): (1, 1, {"danger": 1}),
        ("calibration", "social"): (0, 1, {"none": 1}),
        ("calibration", "urgent"): (1, 1, {"urgent": 1}),
        ("heldout", "urgent"): (0, 1, {"none": 1}),
    }
    assert [(m["id"], m["half"]) for m in report["misgraded"]] == [
        ("g2", "calibration"),
        ("g3", "heldout"),
    ]
    text = eval_cli(["false-alarms", "--pool", str(pool)])
    assert text.exit_code == 0, text.output
    assert "graded none, expected social: 'perso abholen'" in text.stdout
    assert "wohnung gesucht" not in text.stdout
    assert "1 held-out cases graded wrong (not listed)" in text.stdout
