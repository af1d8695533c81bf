"""``govbot eval answers``: answer a file of questions or cases and score every one.

The input is JSON Lines with the fields of the evaluation sets (eval/sets/SCHEMA.md):
``question`` and ``tenant``, and where known ``id``, ``expected``, ``expected_status``,
``facts`` (or its alias ``must_include``), ``answer_lines``, ``expected_help``,
``expected_gap`` and
``tags`` (``kind``, ``language``, ``split`` …); any shipped set file is such an input.
Other keys are ignored. Defaults for a bare questions file: ``id`` ``line-<n>``,
``expected_status`` ``["answered"]`` (a question is expected to be answered), ``tags``
``{"kind": "service"}``.

Every case is answered in a fresh conversation by the same engine and scored by the
same code as ``govbot eval run`` (eval/runner.py, eval/scoring.py): status right,
acceptable outcome (a service question answered with the right service or offered it
among clarifying choices; any other case: status right), service reached (cited, or
offered as a clarifying choice), wrong service answered with confidence, facts present,
an answer line within the first 300 characters, the gap stated where the source lacks
the asked aspect, answer length and latency. With
``results_path`` each case result is appended to a JSON Lines file as soon as it is
scored; ``resume`` continues an interrupted run from that file.
Nothing is stored in the database (that is ``govbot eval run``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from eval.metrics import Metrics, slices, summarize
from eval.runner import Runner
from eval.scoring import CaseResult
from eval.sets_schema import EvalCase, EvalSet, describe_error
from knowledge.errors import SourceError

Progress = Callable[[int, int], None]
MAX_REPORTED_ERRORS = 20
DEFAULTS: dict[str, object] = {"expected_status": ["answered"], "tags": {"kind": "service"}}
_CASE_FIELDS = frozenset(EvalCase.model_fields)


class AnsweredCase(BaseModel):
    """One case as ``govbot eval answers --json`` reports it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    question: str  # redacted
    kind: str
    language: str
    split: str | None
    expected: list[str]
    expected_status: list[str]
    status: str
    status_ok: bool
    outcome_ok: bool  # service question: right service answered or offered; else status right
    doc_ids: list[str]
    options: list[str]
    reached: bool | None
    wrong_confident: bool | None
    facts_missing: list[str]
    facts_ok: bool | None
    answer_line_ok: bool | None
    answer_line_early: bool | None
    help_grade: str | None
    expected_gap: str | None  # the aspect the source lacks; gap_stated: the answer says so
    gap_stated: bool | None
    answer_language: str | None
    content_language: str | None  # of the cited text shown (a translation's or the source's)
    chars: int
    latency_ms: float
    confidence: float
    text: str  # redacted
    error: str | None

    @classmethod
    def of(cls, result: CaseResult) -> AnsweredCase:
        """The report view of a scored case."""
        return cls(
            id=result.case_id,
            question=result.question,
            kind=result.kind,
            language=result.language,
            split=result.split,
            expected=result.expected_ids,
            expected_status=result.expected_status,
            status=result.status,
            status_ok=result.status_ok,
            outcome_ok=result.outcome_ok,
            doc_ids=result.cited_ids,
            options=result.option_ids,
            reached=result.reached,
            wrong_confident=result.wrong_confident,
            facts_missing=result.facts_missing,
            facts_ok=result.facts_ok,
            answer_line_ok=result.answer_line_ok,
            answer_line_early=result.answer_line_early,
            help_grade=result.help_grade,
            expected_gap=result.expected_gap,
            gap_stated=result.gap_stated,
            answer_language=result.answer_language,
            content_language=result.content_language,
            chars=result.text_chars,
            latency_ms=result.latency_ms,
            confidence=result.confidence,
            text=result.text,
            error=result.error,
        )


class AnswersReport(BaseModel):
    """All cases in input order, the summary, and the summary per split, kind and language."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str
    sha256: str
    cases: list[AnsweredCase]
    summary: Metrics
    by_split: dict[str, Metrics]
    by_kind: dict[str, Metrics]
    by_language: dict[str, Metrics]
    results: list[CaseResult] = Field(default_factory=list, exclude=True)


def load_cases(path: Path) -> EvalSet:
    """Read a JSONL file of questions or cases; SourceError names every bad line."""
    try:
        data = path.read_bytes()
        text = data.decode("utf-8")
    except FileNotFoundError as exc:
        raise SourceError(f"questions file {path} does not exist; check the path") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"cannot read questions file {path}: {exc}") from exc
    cases: list[EvalCase] = []
    errors: list[str] = []
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            if not isinstance(raw, dict):
                raise ValueError("expected a JSON object")
            case = EvalCase.model_validate(_with_defaults(raw, number))
        except json.JSONDecodeError as exc:
            errors.append(f"{path}:{number}: not valid JSON: {exc.msg} (column {exc.colno})")
            continue
        except ValidationError as exc:
            errors.extend(f"{path}:{number}: {describe_error(err)}" for err in exc.errors())
            continue
        except ValueError as exc:
            errors.append(f"{path}:{number}: {exc}")
            continue
        if case.id in seen:
            errors.append(f"{path}:{number}: id {case.id!r} is used twice")
            continue
        seen.add(case.id)
        cases.append(case)
    if errors:
        shown = "\n".join(errors[:MAX_REPORTED_ERRORS])
        more = len(errors) - MAX_REPORTED_ERRORS
        raise SourceError(
            f"{len(errors)} invalid line(s) in {path}; each line needs at least "
            f'{{"question", "tenant"}} (fields: eval/sets/SCHEMA.md):\n{shown}'
            + (f"\n… and {more} more" if more > 0 else "")
        )
    if not cases:
        raise SourceError(f"questions file {path} has no questions")
    return EvalSet(
        name=path.stem,
        version="file",
        sha256=hashlib.sha256(data).hexdigest(),
        path=str(path),
        cases=cases,
    )


def run_answers(
    runner: Runner,
    cases: EvalSet,
    *,
    progress: Progress | None = None,
    results_path: Path | None = None,
    resume: bool = False,
) -> AnswersReport:
    """Answer and score every case (see the module docstring)."""
    record = runner.run(cases, progress=progress, results_path=results_path, resume=resume)
    results = record.cases
    return AnswersReport(
        source=cases.path,
        sha256=cases.sha256,
        cases=[AnsweredCase.of(result) for result in results],
        summary=summarize(results),
        by_split=slices(results, "split") if any(r.split for r in results) else {},
        by_kind=slices(results, "kind"),
        by_language=slices(results, "language"),
        results=results,
    )


def _with_defaults(raw: dict[str, object], number: int) -> dict[str, object]:
    case: dict[str, object] = {key: value for key, value in raw.items() if key in _CASE_FIELDS}
    if "must_include" in raw and "facts" not in raw:
        case["facts"] = raw["must_include"]
    case.setdefault("id", f"line-{number}")
    for key, value in DEFAULTS.items():
        case.setdefault(key, value)
    tags = case["tags"]
    if isinstance(tags, dict) and "kind" not in tags:
        case["tags"] = {**tags, "kind": "service"}
    return case
