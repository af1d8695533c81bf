"""Choose the semantic emergency check's threshold (bot/dialogue/rules/emergency_examples.yaml).

Usage (needs a built index for its embedder, e.g. after `govbot ingest demo`):

    GOVBOT_DATA_DIR=govbot-data python scripts/calibrate_emergency.py SET.jsonl [SET.jsonl …]

Cases whose expected status includes "emergency" are positives, all others negatives
(single-turn cases only). For each threshold and margin of a small grid it prints what the
whole policy would do: emergencies missed by rules *and* check, and non-emergencies the
check would wrongly turn into emergencies (only service and out-of-scope questions can be
turned: bot/emergency_check.applies). Pick the highest threshold that misses nothing.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bot.dialogue.emergency import (
    EmergencyExamples,
    EmergencyMatch,
    SemanticEmergencyCheck,
    applies,
    is_emergency,
)
from bot.dialogue.policy import Policy, PolicyLabel
from bot.settings import Settings
from bot.understanding.expansion import QueryExpander
from bot.understanding.understanding import Understander
from knowledge.retrieval import open_retriever

THRESHOLDS = (0.84, 0.85, 0.86, 0.87, 0.88)
MARGINS = (0.0, 0.005, 0.01, 0.015, 0.02)


def _cases(paths: list[Path]) -> tuple[list[str], list[str]]:
    positives: list[str] = []
    negatives: list[str] = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            case = json.loads(line) if line.strip() else None
            if not case or "question" not in case:
                continue
            emergency = "emergency" in case.get("expected_status", [])
            (positives if emergency else negatives).append(case["question"])
    return positives, negatives


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sets", nargs="+", type=Path)
    args = parser.parse_args()
    positives, negatives = _cases(args.sets)
    retriever = open_retriever(Settings())
    policy = Policy.from_yaml()
    examples = EmergencyExamples.from_yaml()
    check = SemanticEmergencyCheck(examples, retriever.embed_query)
    # The dialogue's reading of each message (issue 11). The label depends on the normalised
    # text, language and personal data only, not on a tenant's spelling vocabulary.
    understander = Understander(QueryExpander.from_yaml())
    labels = {
        q: policy.decide(understander.understand(q, tenant=""), tenant="").label
        for q in positives + negatives
    }
    matches: dict[str, EmergencyMatch] = {q: check.match(q) for q in positives + negatives}
    print(f"{len(positives)} emergencies, {len(negatives)} other messages")
    for threshold in THRESHOLDS:
        for margin in MARGINS:

            def fires(q: str, t: float = threshold, m: float = margin) -> bool:
                match = matches[q]
                hit = is_emergency(match.similarity, match.other_similarity, threshold=t, margin=m)
                return hit and applies(labels[q], q)

            missed = [
                q for q in positives if labels[q] is not PolicyLabel.EMERGENCY and not fires(q)
            ]
            alarms = [q for q in negatives if labels[q] is not PolicyLabel.EMERGENCY and fires(q)]
            print(f"threshold {threshold:.3f} margin {margin:.3f}: missed {len(missed)}, "
                  f"false alarms {len(alarms)}")  # fmt: skip
    retriever.close()


if __name__ == "__main__":
    main()
