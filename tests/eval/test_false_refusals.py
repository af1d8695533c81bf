"""``govbot eval false-refusals`` on a small real pool, through the engine's own policy,
emergency and verdict stage (real embedder, real Munich index; issue 12 item 4)."""

from __future__ import annotations

import json

from eval.pools import case_half, load_pool
from tests.eval.conftest import EvalCli, PoolWriter

POOL = [
    {"id": "o1", "tenant": "muenchen", "question": "perso abholen"},
    {"id": "o2", "tenant": "muenchen", "question": "Wie lange dauert ein neuer Reisepass?"},
    # A planted false refusal: the set says answer it, the grammar refuses it.
    {"id": "o3", "tenant": "muenchen", "question": "Habe ich Anspruch auf einen Reisepass?",
     "expected_status": ["answered"]},
    {"id": "v1", "tenant": "muenchen", "question": "Steht mir ein Bewohnerparkausweis zu?",
     "expected_status": ["refused_decision"]},
    {"id": "x1", "tenant": "muenchen", "question": "Bekomme ich das?",
     "expected_status": ["refused_decision", "clarify"]},
]  # fmt: skip


def test_false_refusals_and_recognised_requests_are_counted_per_half(
    eval_cli: EvalCli, pool_file: PoolWriter
) -> None:
    pool = pool_file(POOL)
    result = eval_cli(["false-refusals", "--pool", str(pool), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)["pools"][0]
    # x1 allows both and is left out; o3 is refused, v1 recognised.
    assert report["false_refusals"]["all"]["n"] == 3
    assert report["false_refusals"]["all"]["hits"] == 1
    assert (report["recall"]["all"]["n"], report["recall"]["all"]["hits"]) == (1, 1)
    [refused] = report["refused"]
    assert refused["id"] == "o3" and refused["rule_id"].startswith("decision.")
    assert refused["probability"] is not None and report["missed"] == []
    halves = {c.id: case_half(c) for c in load_pool(pool)}
    ordinary = [i for i in ("o1", "o2", "o3") if halves[i] == "calibration"]
    calibration = report["false_refusals"].get("calibration", {"n": 0})
    assert calibration["n"] == len(ordinary)
    assert report["false_refusals"][f"{halves['o3']}/de"]["hits"] == 1


def test_the_table_lists_calibration_failures_and_only_counts_held_out_ones(
    eval_cli: EvalCli, pool_file: PoolWriter
) -> None:
    pool = pool_file(POOL)
    result = eval_cli(["false-refusals", "--pool", str(pool)])
    assert result.exit_code == 0, result.output
    assert "Refused as a verdict request" in result.stdout
    listed = "Habe ich Anspruch auf einen Reisepass?" in result.stdout
    half = next(case_half(c) for c in load_pool(pool) if c.id == "o3")
    assert listed is (half == "calibration")
    if half == "heldout":
        assert "1 held-out failures (not listed)" in result.stdout
    # The held-out half is one row of totals, never broken down by language.
    rows = [line.split("│") for line in result.stdout.splitlines() if "│" in line]
    heldout_rows = [row for row in rows if row[2].strip() == "heldout"]
    assert heldout_rows and all(row[3].strip() == "all" for row in heldout_rows)
