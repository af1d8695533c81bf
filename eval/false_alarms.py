"""``govbot eval false-alarms``: how often ordinary messages are treated as present danger.

Each message of a pool (eval/pools.py) goes through the dialogue engine's own policy and
emergency stage (``DialogueEngine.triage``, the code ``respond`` runs first), without
retrieval, so several thousand messages take minutes, not hours. A *false alarm* is an
ordinary message graded ``danger`` (status ``emergency``: 112/110 first). ``urgent`` and
``social`` grades are counted too, but they are no alarm: the normal answer follows them.
Every false alarm is listed with its evidence (rule id or semantic similarity and the
nearest example), and the rate is given per pool half (eval/pools.half), so a threshold
tuned on the calibration half is judged on the held-out one. An evaluation set used as a
pool also has emergencies: their *recall* (graded ``danger``) is reported per language,
with every missed one. A set whose cases carry ``expected_help`` (SCHEMA.md) also gets a
grade table: per half, expected grade and language, how many got a right grade and what
they got instead (``GradeRow``), and every wrong grade is listed (``Misgraded``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from pydantic import BaseModel, ConfigDict, Field

from bot.answer import HelpEvidence, HelpGrade
from eval.pools import Half, PoolCase, case_half

Progress = Callable[[int, int], None]
Triage = Callable[[str, str], HelpEvidence | None]  # (message, tenant) → evidence or None


class FalseAlarm(BaseModel):
    """One ordinary message the engine treated as present danger."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    tenant: str
    question: str
    language: str
    half: Half
    evidence: HelpEvidence


class HalfFigures(BaseModel):
    """Size, false alarms and rate of one pool half (or the whole pool)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    n: int
    false_alarms: int
    rate: float
    grades: dict[str, int] = Field(default_factory=dict)


class Missed(BaseModel):
    """An emergency case that was not graded ``danger``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    question: str
    language: str
    grade: HelpGrade | None
    half: Half = "calibration"


class Recall(BaseModel):
    """Emergencies recognised (graded ``danger``) of those in the pool."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    n: int
    recognised: int


class GradeRow(BaseModel):
    """Cases of one half, expected grade and language: how many got a grade they allow."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    half: Half
    expected: str  # the first expected grade ("none" for an ordinary request)
    language: str
    n: int
    right: int
    got: dict[str, int]  # grade given -> cases


class Misgraded(BaseModel):
    """A set case whose grade is not one its ``expected_help`` allows."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    half: Half
    question: str
    language: str
    expected: list[str]
    evidence: HelpEvidence | None


class PoolReport(BaseModel):
    """The figures of one pool and every false alarm with its evidence."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    pool: str
    all: HalfFigures
    calibration: HalfFigures
    heldout: HalfFigures
    per_language: dict[str, HalfFigures]
    alarms: list[FalseAlarm]
    recall: Recall
    recall_per_language: dict[str, Recall] = Field(default_factory=dict)
    missed: list[Missed] = Field(default_factory=list)
    grade_rows: list[GradeRow] = Field(default_factory=list)
    misgraded: list[Misgraded] = Field(default_factory=list)


def _figures(grades: Sequence[HelpGrade | None]) -> HalfFigures:
    counts = Counter(g.value if g else "none" for g in grades)
    alarms = counts.get(HelpGrade.DANGER.value, 0)
    n = len(grades)
    return HalfFigures(
        n=n, false_alarms=alarms, rate=round(alarms / n, 5) if n else 0.0, grades=dict(counts)
    )


def _in_language(language: str) -> Callable[[PoolCase], bool]:
    return lambda case: case.language == language


def _grade(evidence: HelpEvidence | None) -> str:
    return evidence.grade.value if evidence else "none"


def grade_rows(graded: Sequence[tuple[PoolCase, HelpEvidence | None]]) -> list[GradeRow]:
    """The grade table of the cases that carry ``expected_help``, in sorted order."""
    cells: dict[tuple[Half, str, str], list[tuple[PoolCase, str]]] = {}
    for case, evidence in graded:
        if case.expected_help:
            key = (case_half(case), case.expected_help[0], case.language)
            cells.setdefault(key, []).append((case, _grade(evidence)))
    return [
        GradeRow(
            half=half,
            expected=expected,
            language=language,
            n=len(rows),
            right=sum(1 for case, got in rows if got in case.expected_help),
            got=dict(Counter(got for _, got in rows)),
        )
        for (half, expected, language), rows in sorted(cells.items())
    ]


def run_pool(
    name: str,
    cases: Sequence[PoolCase],
    triage: Triage,
    *,
    progress: Progress | None = None,
) -> PoolReport:
    """Triage every case of a pool and count the false alarms."""
    graded: list[tuple[PoolCase, HelpEvidence | None]] = []
    for done, case in enumerate(cases, 1):
        graded.append((case, triage(case.question, case.tenant)))
        if progress is not None:
            progress(done, len(cases))

    ordinary = [(c, e) for c, e in graded if not c.emergency]
    emergencies = [(c, e) for c, e in graded if c.emergency]

    def grades(keep: Callable[[PoolCase], bool]) -> list[HelpGrade | None]:
        return [e.grade if e else None for c, e in ordinary if keep(c)]

    def recall(keep: Callable[[PoolCase], bool]) -> Recall:
        chosen = [e for c, e in emergencies if keep(c)]
        hits = sum(1 for e in chosen if e is not None and e.grade is HelpGrade.DANGER)
        return Recall(n=len(chosen), recognised=hits)

    languages = sorted({c.language for c, _ in ordinary})
    return PoolReport(
        pool=name,
        all=_figures(grades(lambda c: True)),
        calibration=_figures(grades(lambda c: case_half(c) == "calibration")),
        heldout=_figures(grades(lambda c: case_half(c) == "heldout")),
        per_language={lang: _figures(grades(_in_language(lang))) for lang in languages},
        recall=recall(lambda c: True),
        recall_per_language={
            lang: recall(_in_language(lang))
            for lang in sorted({c.language for c, _ in emergencies})
        },
        missed=[
            Missed(
                id=c.id,
                question=c.question,
                language=c.language,
                grade=e.grade if e else None,
                half=case_half(c),
            )
            for c, e in emergencies
            if e is None or e.grade is not HelpGrade.DANGER
        ],
        grade_rows=grade_rows(graded),
        misgraded=[
            Misgraded(
                id=c.id,
                half=case_half(c),
                question=c.question,
                language=c.language,
                expected=c.expected_help,
                evidence=e,
            )
            for c, e in graded
            if c.expected_help and _grade(e) not in c.expected_help
        ],
        alarms=[
            FalseAlarm(
                id=c.id,
                tenant=c.tenant,
                question=c.question,
                language=c.language,
                half=case_half(c),
                evidence=e,
            )
            for c, e in ordinary
            if e is not None and e.grade is HelpGrade.DANGER
        ],
    )
