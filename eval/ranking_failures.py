"""Where the right page stands and what the policy did with it (issues 12 and 17).

For each calibration question (out-of-fold predictions of eval/calibration.py) two
things are crossed: the position of the first expected document among the re-ranker's
candidates (``1``, ``2-4``: among the choices offered, ``5-10``: among the rest of the
re-ranker's hybrid candidates, ranking.yaml ``candidates``, 10 today; ``later``: among
the extra single-mode documents, ``absent``: not a candidate at all) and what the
dialogue's rule did (eval/clarify_policy.outcome: ``answered``, ``clarify``,
``not_found``). The table names the failure classes: a right page at rank 1 that was
clarified (confidence too low), a wrong page answered while the right one is at 2-4
(ranking), the right page not retrieved (retrieval). Out-of-catalogue questions have
no expected document and are left out. ``govbot eval calibration --classes`` prints it
per tenant kind and language; docs/policy.md section 5 keeps the counts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from eval.calibration import Prediction
from eval.clarify_policy import kind_of, outcome

RANK_BUCKETS = ("1", "2-4", "5-10", "later", "absent")
OUTCOMES = ("answered", "clarify", "not_found")


class FailureTable(BaseModel):
    """Counts of rank bucket × outcome for one group of questions."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    group: str
    n: int
    counts: dict[str, dict[str, int]]  # bucket -> outcome -> questions

    def count(self, bucket: str, did: str) -> int:
        """Questions whose expected document is in ``bucket`` and that got ``did``."""
        return self.counts.get(bucket, {}).get(did, 0)


def rank_bucket(rank: int | None, *, candidates: int, options: int = 4) -> str:
    """The bucket of a 0-based candidate position (None: not a candidate) among the
    re-ranker's ``candidates`` (its model's ``candidates``) of which ``options`` are offered."""
    if rank is None:
        return "absent"
    if rank == 0:
        return "1"
    if rank < options:
        return "2-4"
    return "5-10" if rank < candidates else "later"


def failure_tables(
    predictions: Sequence[Prediction],
    *,
    answer_at: float,
    clarify_at: float,
    candidates: int,
    options: int = 4,
) -> list[FailureTable]:
    """One table per tenant kind and per (tenant kind, language), service questions only;
    ``candidates`` and ``options`` as for ``rank_bucket``."""
    groups: dict[str, list[Prediction]] = {}
    for p in predictions:
        if p.negative:
            continue
        kind = kind_of(p.tenant)
        groups.setdefault(kind, []).append(p)
        groups.setdefault(f"{kind} {p.language}", []).append(p)
    tables: list[FailureTable] = []
    for group, members in sorted(groups.items()):
        counts: dict[str, Counter[str]] = {bucket: Counter() for bucket in RANK_BUCKETS}
        for p in members:
            bucket = rank_bucket(p.rank, candidates=candidates, options=options)
            counts[bucket][outcome(p, answer_at=answer_at, clarify_at=clarify_at)] += 1
        tables.append(
            FailureTable(
                group=group,
                n=len(members),
                counts={b: dict(c) for b, c in counts.items()},
            )
        )
    return tables
