"""``govbot eval train-verdict``: fit the verdict-request classifier (bot/dialogue/verdict.py).

Training data, generic only (no tenant-specific examples, never a holdout half):

- positives: the verdict requests of the examples files (bot/dialogue/rules/
  verdict_examples.yaml, written by hand per phrasing class, and verdict_phrasings.yaml,
  rendered by eval/verdict_phrasings.py from every phrasing class about services drawn
  from the whole catalogue, in ten languages, in citizens' register) and the cases of the
  evaluation sets given as ``--pool`` whose only expected status is ``refused_decision``
  (their ``tune`` half only);
- negatives: the examples files' procedural and general questions, every other case of
  those tune halves (procedural questions, service questions, emergencies …), and the
  *calibration* half of every false-alarm pool (eval/pools.py ``case_half``: ordinary
  questions are no verdict requests). A case whose expected statuses allow a refusal
  and something else says nothing either way and is left out.

Every message is read once by the dialogue engine (``DialogueEngine.verdict_reading``:
the e5 query vector, the content words and the grammar's label), so training sees exactly
what the engine computes at run time.

The fit is the generic message classifier's (eval/classifier_training.py: ``C`` by
stratified cross-validation on log loss, thresholds from the out-of-fold probabilities, a
model file with the embedder's name and a hash of the data). This module says which rows
count for the thresholds:

- ``fire``: negatives the grammar left service questions, at most ``max_rate`` of every
  source's (1 in 1,000, as for false emergencies: for a source of fewer than 1,000
  messages, none). The grammar is strong in German and weak elsewhere, and how verdict-
  like an ordinary question may sound differs by language, so the threshold is chosen per
  reply language (``fire_by_language``) among that language's rows, never below
  ``FIRE_FLOOR``, for every language with at least ``MIN_NEGATIVES`` negatives; any other
  language gets the threshold chosen on all rows;
- ``veto``: positives the grammar labels decision.

Same data, same seed → the same file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from bot.dialogue.examples_file import read_examples
from bot.dialogue.verdict import (
    SHORT_WORDS,
    VerdictModel,
    VerdictReading,
    combine,
    extra_features,
)
from eval import classifier_training
from eval.classifier_training import CS, FOLDS, MAX_RATE, Progress, TrainingData
from eval.pools import case_half, load_pool

SEED = 12  # issue #12
RULES = Path(__file__).resolve().parents[1] / "bot" / "dialogue" / "rules"
DEFAULT_EXAMPLES = RULES / "verdict_examples.yaml"
# The shipped model was trained on the examples file alone: retrained with the phrasings
# too, it refused no more verdict requests on the tune halves (docs/policy.md, "Not
# adopted"); name the phrasings with --examples to train with them.
DEFAULT_SOURCES = (DEFAULT_EXAMPLES,)
REFUSED = "refused_decision"
FIRE_FLOOR = 0.9  # a language's own threshold is never lower (few negatives: no coin toss)
MIN_NEGATIVES = 30  # negatives a language needs for a threshold of its own

Read = Callable[[str, str], VerdictReading | None]  # (message, tenant) -> reading


class VerdictExamples(BaseModel):
    """The examples file: verdict requests and look-alike questions, per language."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int
    verdicts: dict[str, list[str]] = Field(default_factory=dict)  # language -> messages
    not_verdicts: dict[str, list[str]] = Field(default_factory=dict)

    @classmethod
    def from_yaml(cls, path: Path = DEFAULT_EXAMPLES) -> VerdictExamples:
        """Load the examples file (default: the shipped verdict_examples.yaml)."""
        return read_examples(cls, path, name="the verdict examples")


class TrainingCase(BaseModel):
    """One training message with its label and where it came from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str
    id: str
    tenant: str
    question: str
    language: str
    verdict: bool


class TrainingRow(BaseModel):
    """A training case as the engine read it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    case: TrainingCase
    reading: VerdictReading


def example_sources(paths: Sequence[Path] = DEFAULT_SOURCES) -> dict[str, VerdictExamples]:
    """The examples files by source name (the file's stem: each is its own source for the
    false-refusal bound of the fire threshold)."""
    return {path.stem: VerdictExamples.from_yaml(path) for path in paths}


def training_cases(
    pools: Sequence[Path],
    examples: VerdictExamples | Mapping[str, VerdictExamples],
    *,
    tenant: str = "muenchen",
) -> list[TrainingCase]:
    """The calibration halves of ``pools`` and the examples files (module docstring; one
    file alone is the source ``verdict_examples``); the examples are read as messages to
    ``tenant``."""
    cases: list[TrainingCase] = []
    for path in pools:
        for case in load_pool(path):
            if case_half(case) != "calibration":
                continue
            refused = REFUSED in case.expected_status
            if refused and case.expected_status != [REFUSED]:
                continue  # either answer is right: no label
            cases.append(
                TrainingCase(
                    source=path.name,
                    id=case.id,
                    tenant=case.tenant,
                    question=case.question,
                    language=case.language,
                    verdict=refused,
                )
            )
    files = {"verdict_examples": examples} if isinstance(examples, VerdictExamples) else examples
    for source, file in files.items():
        cases.extend(_example_cases(source, file, tenant=tenant))
    return cases


def _example_cases(source: str, examples: VerdictExamples, *, tenant: str) -> list[TrainingCase]:
    cases: list[TrainingCase] = []
    for prefix, groups, verdict in (
        ("verdict", examples.verdicts, True),
        ("other", examples.not_verdicts, False),
    ):
        for language, texts in groups.items():
            cases.extend(
                TrainingCase(
                    source=source,
                    id=f"{prefix}-{language}-{number}",
                    tenant=tenant,
                    question=text,
                    language=language,
                    verdict=verdict,
                )
                for number, text in enumerate(texts)
            )
    return cases


def read_rows(
    cases: Sequence[TrainingCase], read: Read, *, progress: Progress | None = None
) -> list[TrainingRow]:
    """Read every case once (``read``: the engine's ``verdict_reading``); cases the engine
    cannot read (a follow-up) are left out."""
    read_ones = classifier_training.read_cases(cases, read, progress=progress)
    return [TrainingRow(case=case, reading=reading) for case, reading in read_ones]


def training_data(rows: Sequence[TrainingRow]) -> TrainingData:
    """The rows as the generic trainer sees them: embedding and ``EXTRA_FEATURES``, label,
    source, and the fire and veto masks (module docstring)."""
    readings = [r.reading for r in rows]
    return TrainingData(
        features=np.asarray(
            [[*r.vector, *extra_features(content_words=r.content_words)] for r in readings],
            dtype=np.float64,
        ),
        labels=np.asarray([int(r.case.verdict) for r in rows], dtype=np.int64),
        sources=[r.case.source for r in rows],
        messages=[r.case.question for r in rows],
        fire_candidates=np.asarray([r.service_question for r in readings], dtype=np.bool_),
        veto_guarded=np.asarray([r.rule_decision for r in readings], dtype=np.bool_),
        dim=len(readings[0].vector) if readings else 0,
    )


def language_fires(
    rows: Sequence[TrainingRow],
    p: npt.NDArray[np.float64],
    *,
    max_rate: float = MAX_RATE,
) -> dict[str, float]:
    """The fire threshold of every reply language with enough negatives (docstring)."""
    data = training_data(rows)
    languages = np.asarray([r.reading.language for r in rows])
    fires: dict[str, float] = {}
    for language in sorted(set(languages.tolist())):
        chosen = languages == language
        if int((chosen & (data.labels == 0)).sum()) < MIN_NEGATIVES:
            continue
        fire = classifier_training.choose_fire(data, p, max_rate=max_rate, rows=chosen)
        fires[language] = max(fire, FIRE_FLOOR)
    return fires


def outcomes(
    rows: Sequence[TrainingRow],
    p: npt.NDArray[np.float64],
    *,
    fire: float,
    veto: float,
    fires: dict[str, float] | None = None,
) -> dict[str, float | int]:
    """Refusals of the rows with the grammar alone and with the classifier: verdict
    requests refused and other messages wrongly refused."""
    figures: dict[str, float | int] = {"positives": 0, "negatives": 0}
    for key in ("before_refused", "after_refused", "before_false", "after_false"):
        figures[key] = 0
    for row, probability in zip(rows, p, strict=True):
        r = row.reading
        threshold = (fires or {}).get(r.language, fire)
        verdict = combine(
            float(probability),
            rule_decision=r.rule_decision,
            service_question=r.service_question,
            fire=threshold,
            veto=veto,
            short=r.content_words <= SHORT_WORDS,
        )
        after = verdict in ("rule", "classifier")
        kind = "refused" if row.case.verdict else "false"
        figures["positives" if row.case.verdict else "negatives"] += 1
        figures[f"before_{kind}"] += int(r.rule_decision)
        figures[f"after_{kind}"] += int(after)
    return figures


def train(
    rows: Sequence[TrainingRow],
    *,
    embedder: str,
    command: str,
    seed: int = SEED,
    folds: int = FOLDS,
    cs: Sequence[float] = CS,
    max_rate: float = MAX_RATE,
    progress: Callable[[str], None] | None = None,
) -> VerdictModel:
    """Choose ``C`` and the thresholds by cross-validation and fit the model (docstring)."""
    if not rows:
        raise ValueError("no training rows; give at least one pool")
    fires: dict[str, float] = {}

    def extras(p: npt.NDArray[np.float64], fire: float, veto: float) -> dict[str, object]:
        fires.update(language_fires(rows, p, max_rate=max_rate))
        return {"fire_by_language": fires}

    return classifier_training.train(
        training_data(rows),
        VerdictModel,
        embedder=embedder,
        command=command,
        seed=seed,
        figures=lambda p, fire, veto: outcomes(rows, p, fire=fire, veto=veto, fires=fires),
        extras=extras,
        folds=folds,
        cs=cs,
        max_rate=max_rate,
        progress=progress,
    )
