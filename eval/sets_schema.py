"""Schema of GovBot's evaluation sets (``eval/sets/*.jsonl``) and their loader.

One JSON object per line, documented in ``eval/sets/SCHEMA.md``. A case is either a
single ``question`` or a multi-turn conversation (``turns``: the citizen's messages;
the last one is evaluated against the case's top-level expectations, earlier turns
may carry their own). The loader validates every line, reports every bad line as
``file:line: field: problem`` and computes the SHA-256 of each file, so a stored
run names exactly the set content it was computed on.
"""

from __future__ import annotations

import hashlib
import json
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails

from bot.answer import AnswerStatus
from knowledge.errors import SourceError
from knowledge.models import validate_tenant_slug

SETS_DIR = Path(__file__).resolve().parent / "sets"
VERSION_FILE = "VERSION"
MAX_REPORTED_ERRORS = 20
_CASE_ID = r"^[a-z0-9][a-z0-9_.-]{0,80}$"


# The answer statuses a case may accept are the bot's own: one enum, not a copy to keep in step.
ExpectedStatus = AnswerStatus


class CaseKind(StrEnum):
    """What a case tests; the main slicing dimension of behaviour metrics."""

    SERVICE = "service"
    EMERGENCY = "emergency"
    DECISION = "decision"
    PERSON = "person"
    INJECTION = "injection"
    OUT_OF_SCOPE = "out_of_scope"
    SMALL_TALK = "small_talk"
    ABUSE = "abuse"
    MISSING_TOPIC = "missing_topic"
    FOLLOW_UP = "follow_up"
    PERSONAL_DATA = "personal_data"
    ORDINARY_ALARMING = "ordinary_alarming"  # an ordinary request with an alarming word
    URGENT = "urgent"  # urgent but not life-threatening health
    SOCIAL = "social"  # social urgency: no home, no food, violence in the past
    PROCEDURAL = "procedural"  # "Kann ich online …?": looks like a decision, is not one


class CaseStyle(StrEnum):
    """How the citizen wrote the question."""

    COLLOQUIAL = "colloquial"
    MISSPELLED = "misspelled"
    INDIRECT = "indirect"
    FORMAL = "formal"
    SHORT = "short"  # two to five words, as in real chat traffic
    STORY = "story"  # a situation told at length
    TRANSLITERATED = "transliterated"  # Latin script for ar/fa/uk/ru, or no diacritics
    THIRD_PERSON = "third_person"  # someone reports what happens to another person


class Aspect(StrEnum):
    """What a service question asks about (none: the service as a whole)."""

    FEE = "fee"
    DOCUMENTS = "documents"
    DEADLINE = "deadline"
    DURATION = "duration"
    WHERE = "where"
    WHO = "who"
    ONLINE = "online"


# Aspects that are one fact a source states or not; a case may expect the answer to say
# that its source lacks it (``EvalCase.expected_gap``).
GAP_ASPECTS = (Aspect.FEE, Aspect.DOCUMENTS, Aspect.DEADLINE, Aspect.DURATION)


class Split(StrEnum):
    """The half of a set a case belongs to: tune on one, report the other untouched."""

    TUNE = "tune"
    HOLDOUT = "holdout"


class HelpGrade(StrEnum):
    """The grade of help a case expects (``danger`` is exactly status ``emergency``)."""

    DANGER = "danger"
    URGENT = "urgent"
    SOCIAL = "social"
    NONE = "none"


LANGUAGES = ("de", "en", "tr", "ar", "uk", "ru", "pl", "ro", "fa", "fr")


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CaseTags(_Strict):
    """Slicing tags of a case."""

    kind: CaseKind
    topic: str = Field(default="", max_length=60)
    language: str = Field(default="de", pattern=rf"^({'|'.join(LANGUAGES)})$")
    style: CaseStyle | None = None
    aspect: Aspect | None = None
    split: Split | None = None


class CaseTurn(_Strict):
    """One citizen message of a multi-turn case, optionally with its own expectations."""

    text: str = Field(min_length=1, max_length=4000)
    expected: list[str] = Field(default_factory=list)
    expected_status: list[ExpectedStatus] = Field(default_factory=list)
    facts: list[str] = Field(default_factory=list)

    def has_expectations(self) -> bool:
        """True when the turn carries any expectation of its own."""
        return bool(self.expected or self.expected_status or self.facts)


class EvalCase(_Strict):
    """One evaluation case: a question (or conversation) and what a right answer looks like."""

    id: str = Field(pattern=_CASE_ID)
    tenant: str
    question: str | None = Field(default=None, min_length=1, max_length=4000)
    turns: list[CaseTurn] | None = None
    expected: list[str] = Field(default_factory=list)  # doc ids, any one of them is right
    expected_status: list[ExpectedStatus] = Field(min_length=1)
    facts: list[str] = Field(default_factory=list)  # must appear in the answer text
    answer_lines: list[str] = Field(default_factory=list)  # annotated answer lines (Integreat)
    expected_help: list[HelpGrade] = Field(default_factory=list)  # any one of them is right
    # The asked aspect the source does not state: the answer must say so (issue 17 item 3).
    expected_gap: Aspect | None = None
    tags: CaseTags
    notes: str = ""

    @field_validator("tenant")
    @classmethod
    def _valid_tenant(cls, value: str) -> str:
        return validate_tenant_slug(value)

    @model_validator(mode="after")
    def _consistent(self) -> EvalCase:
        if (self.question is None) == (self.turns is None):
            raise ValueError("give exactly one of 'question' (one message) or 'turns' (2+)")
        if self.turns is not None:
            if len(self.turns) < 2:
                raise ValueError(f"'turns' needs at least 2 messages, got {len(self.turns)}")
            if self.turns[-1].has_expectations():
                raise ValueError(
                    "the last turn's expectations belong in the case's top-level "
                    "'expected', 'expected_status' and 'facts'"
                )
        ids = list(self.expected)
        for turn in self.turns or []:
            ids.extend(turn.expected)
        for doc_id in ids:
            if not doc_id.startswith(f"{self.tenant}/") or doc_id == f"{self.tenant}/":
                raise ValueError(
                    f"expected doc id {doc_id!r} must look like '{self.tenant}/<native id>'"
                )
        if any(not fact.strip() for fact in self.facts):
            raise ValueError("'facts' must not contain empty strings")
        if self.expected_help:
            danger = HelpGrade.DANGER in self.expected_help
            emergency = ExpectedStatus.EMERGENCY in self.expected_status
            if danger != emergency:
                raise ValueError(
                    "expected_help 'danger' goes with expected_status 'emergency' and only with it"
                )
        if self.expected_gap is not None:
            if self.expected_gap not in GAP_ASPECTS:
                allowed = ", ".join(aspect.value for aspect in GAP_ASPECTS)
                raise ValueError(f"expected_gap must be one of {allowed} (a fact a source states)")
            if self.facts:
                raise ValueError("a case with expected_gap names no facts: the source lacks them")
        return self

    @property
    def messages(self) -> list[str]:
        """The citizen's messages in order (one for a single question)."""
        if self.turns is not None:
            return [turn.text for turn in self.turns]
        assert self.question is not None  # guaranteed by _consistent
        return [self.question]

    @property
    def final_message(self) -> str:
        """The message whose answer is evaluated against the top-level expectations."""
        return self.messages[-1]


class EvalSet(_Strict):
    """A loaded evaluation set with the identity a run records."""

    name: str
    version: str
    sha256: str
    path: str
    cases: list[EvalCase]

    def case(self, case_id: str) -> EvalCase:
        """Return the case with ``case_id`` or raise KeyError naming it."""
        for case in self.cases:
            if case.id == case_id:
                return case
        raise KeyError(f"case {case_id!r} is not in set {self.name!r}")


def available_sets(sets_dir: Path = SETS_DIR) -> list[str]:
    """Names of the sets shipped in ``sets_dir`` (file names without ``.jsonl``)."""
    return sorted(path.stem for path in sets_dir.glob("*.jsonl"))


def sets_version(sets_dir: Path = SETS_DIR) -> str:
    """Version of the shipped sets (``eval/sets/VERSION``), ``"unversioned"`` if absent."""
    path = sets_dir / VERSION_FILE
    if not path.is_file():
        return "unversioned"
    return path.read_text(encoding="utf-8").strip() or "unversioned"


def resolve_set_path(name_or_path: str | Path, sets_dir: Path = SETS_DIR) -> Path:
    """Map a set name (``munich_services``) or a path to an existing JSONL file."""
    candidate = Path(name_or_path)
    if candidate.suffix == ".jsonl" and candidate.is_file():
        return candidate
    named = sets_dir / f"{name_or_path}.jsonl"
    if named.is_file():
        return named
    known = ", ".join(available_sets(sets_dir)) or "none"
    raise SourceError(
        f"evaluation set {str(name_or_path)!r} not found: give a path to a .jsonl file "
        f"or one of the shipped set names ({known})"
    )


def parse_cases(text: str, *, source: str) -> list[EvalCase]:
    """Validate every line of a JSONL document; raise SourceError listing ``source:line`` errors."""
    cases: list[EvalCase] = []
    errors: list[str] = []
    first_line: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            case = EvalCase.model_validate(json.loads(raw))
        except json.JSONDecodeError as exc:
            errors.append(f"{source}:{number}: not valid JSON: {exc.msg} (column {exc.colno})")
            continue
        except ValidationError as exc:
            errors.extend(f"{source}:{number}: {describe_error(err)}" for err in exc.errors())
            continue
        if case.id in first_line:
            errors.append(
                f"{source}:{number}: id {case.id!r} already used on line {first_line[case.id]}"
            )
            continue
        first_line[case.id] = number
        cases.append(case)
    if errors:
        shown = errors[:MAX_REPORTED_ERRORS]
        more = len(errors) - len(shown)
        suffix = f"\n… and {more} more" if more else ""
        raise SourceError(
            f"{len(errors)} invalid line(s) in evaluation set; fix them and reload "
            "(schema: eval/sets/SCHEMA.md):\n" + "\n".join(shown) + suffix
        )
    if not cases:
        raise SourceError(f"{source}: evaluation set has no cases")
    return cases


def load_set(name_or_path: str | Path, *, sets_dir: Path = SETS_DIR) -> EvalSet:
    """Load and validate a set by name or path, with its version and SHA-256."""
    path = resolve_set_path(name_or_path, sets_dir)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})") from exc
    cases = parse_cases(text, source=str(path))
    return EvalSet(
        name=path.stem,
        version=sets_version(path.parent),
        sha256=hashlib.sha256(data).hexdigest(),
        path=str(path),
        cases=cases,
    )


def describe_error(error: ErrorDetails) -> str:
    """Render one pydantic error as ``field.path: message``."""
    location = ".".join(str(part) for part in error["loc"]) or "(case)"
    return f"{location}: {error['msg']}"
