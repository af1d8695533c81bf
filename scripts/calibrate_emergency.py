"""Choose the semantic emergency check's threshold and margin (rules/emergency_examples.yaml).

Usage (needs a built index for its embedder, e.g. after `govbot ingest demo`):

    GOVBOT_DATA_DIR=govbot-data python scripts/calibrate_emergency.py [--pool FILE …]

A thin wrapper of `govbot eval calibrate-emergency` (eval/emergency_calibration.py) with the shipped
pools and sets when no ``--pool`` is given: the false-alarm pools of issue #16 and the
evaluation sets with emergencies, each split into a calibration and a held-out half (a set
keeps its own tune/holdout split). The threshold and margin are chosen on the calibration
halves only (false alarms <= 1 in 1,000 on every pool's half, then the best recall); the
held-out figures are the ones to report.

The present-danger classifier that overrules or backs the rules and the net
(bot/dialogue/danger.py) is rebuilt by `govbot eval train-danger` on the same pools and sets.
"""

from __future__ import annotations

import sys

from eval.cli import app

DEFAULT_POOLS = (
    "eval/pools/short_requests.jsonl",
    "eval/pools/integreat_questions.jsonl",
    "eval/sets/munich_citizens.jsonl",
    "eval/sets/emergencies_multilingual.jsonl",
    "eval/sets/source_gaps.jsonl",
)


def main() -> None:
    args = sys.argv[1:] or [arg for pool in DEFAULT_POOLS for arg in ("--pool", pool)]
    app(["calibrate-emergency", *args])


if __name__ == "__main__":
    main()
