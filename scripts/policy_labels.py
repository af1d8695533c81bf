"""Write the policy's label for every message of pools and evaluation sets.

Usage:

    python scripts/policy_labels.py OUT.jsonl FILE.jsonl [FILE.jsonl ...]

Each message (a pool's or a set's ``question``, a conversation's last turn read alone) is
labelled by the shipped rules (``Policy.classify``: the normalised message, its detected
language); one line per message: file, id, language, label, rule id. Two runs, before and
after a rules change, compared line by line show every message whose label changed
(docs/policy.md, "Small talk and off-topic requests in ten languages"). The dialogue's
later stages (the emergency and verdict classifiers, ``unless_covered``) act on the label
alone, so a message whose label did not change is triaged and answered as before; only
the changed ones need the engine. ``unless_covered`` is not applied here: an
``out_of_scope`` label counts even where the tenant's content would answer the message.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bot.dialogue.policy import Policy
from eval.pools import messages


def main(out: Path, files: list[Path]) -> None:
    """Label every message of ``files`` and write the labels to ``out``."""
    policy = Policy.from_yaml()
    with out.open("w", encoding="utf-8") as sink:
        for path in files:
            for case_id, tenant, language, text in messages(path):
                decision = policy.classify(text, tenant=tenant)
                row = {
                    "file": path.name,
                    "id": case_id,
                    "language": language,
                    "label": decision.label.value,
                    "rule": decision.rule_id,
                }
                sink.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]), [Path(name) for name in sys.argv[2:]])
