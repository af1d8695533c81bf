"""``govbot eval false-refusals``: how often ordinary messages get the no-verdict answer.

The sibling of ``govbot eval false-alarms`` (eval/false_alarms.py) for decisions (issue 12
item 4, issue 17 item 4): each message of a pool (eval/pools.py) goes through the dialogue
engine's own policy, emergency and verdict stage (``DialogueEngine.triage``, the code
``respond`` runs first), without retrieval. A *false refusal* is an ordinary message
given the status ``refused_decision``. The count is given per pool half (eval/pools.half)
and language, so thresholds chosen on the calibration half are judged on the held-out
one; every refusal keeps the rule that decided it (a grammar rule or
``decision.classifier``) and the classifier's probability. An evaluation set used as a
pool also has verdict requests (``expected_status == ["refused_decision"]``): their
*recall* is reported instead, per language.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pydantic import BaseModel, ConfigDict, Field

from bot.answer import AnswerStatus
from bot.dialogue.emergency import Triage
from eval.pools import Half, PoolCase, case_half

Progress = Callable[[int, int], None]
Judge = Callable[[str, str], Triage]  # (message, tenant) → the engine's triage
REFUSED = AnswerStatus.REFUSED_DECISION.value


class Refusal(BaseModel):
    """One message that got the no-verdict answer (or one verdict request that did not)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    question: str
    language: str
    half: Half
    rule_id: str | None
    probability: float | None  # the verdict classifier's, where it judged the message


class Count(BaseModel):
    """``hits`` of ``n``: false refusals of ordinary messages, or recognised requests;
    ``fired``: refusals the verdict classifier added, ``vetoed``: grammar refusals it
    overruled (the grammar alone refused ``hits - fired + vetoed``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    n: int = 0
    hits: int = 0
    fired: int = 0
    vetoed: int = 0

    def add(self, hit: bool, mechanism: str | None) -> Count:
        """This count with one more message (``mechanism``: the classifier's verdict)."""
        return Count(
            n=self.n + 1,
            hits=self.hits + int(hit),
            fired=self.fired + int(mechanism == "classifier"),
            vetoed=self.vetoed + int(mechanism == "vetoed"),
        )

    @property
    def grammar_alone(self) -> int:
        """Refusals (or recognised requests) of the grammar without the classifier."""
        return self.hits - self.fired + self.vetoed


class RefusalReport(BaseModel):
    """The figures of one pool: false refusals of its ordinary messages and recall of its
    verdict requests, per half and per (half, language)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    pool: str
    false_refusals: dict[str, Count] = Field(default_factory=dict)  # "half" or "half/lang"
    recall: dict[str, Count] = Field(default_factory=dict)
    refused: list[Refusal] = Field(default_factory=list)  # ordinary messages refused
    missed: list[Refusal] = Field(default_factory=list)  # verdict requests not refused


def is_verdict_request(case: PoolCase) -> bool | None:
    """True for a set's verdict request, False for an ordinary message, None where the set
    allows a refusal and something else (no label)."""
    if REFUSED not in case.expected_status:
        return False
    return True if case.expected_status == [REFUSED] else None


def run_pool(
    name: str, cases: Sequence[PoolCase], judge: Judge, *, progress: Progress | None = None
) -> RefusalReport:
    """Judge every case of one pool and count the refusals (module docstring)."""
    report = RefusalReport(pool=name)
    for done, case in enumerate(cases, 1):
        wanted = is_verdict_request(case)
        if wanted is not None:
            triage = judge(case.question, case.tenant)
            decision = triage.decision
            refused = decision.status.value == REFUSED
            half = case_half(case)
            table = report.recall if wanted else report.false_refusals
            mechanism = triage.verdict.verdict if triage.verdict else None
            for key in ("all", half, f"{half}/{case.language}"):
                table[key] = table.get(key, Count()).add(refused, mechanism)
            if refused != wanted:
                entry = Refusal(
                    id=case.id,
                    question=case.question,
                    language=case.language,
                    half=half,
                    rule_id=decision.rule_id,
                    probability=triage.verdict.probability if triage.verdict else None,
                )
                (report.missed if wanted else report.refused).append(entry)
        if progress is not None:
            progress(done, len(cases))
    return report
