"""``govbot eval run | list | show | compare | report | gate``: stored evaluation runs.

Thin CLI over eval.runner, eval.records, eval.comparison, eval.report and eval.gate;
registered on the ``govbot eval`` app by eval/cli.py (``commands.register(app)``).
Runs go to the bot's database (``GOVBOT_DATABASE_URL``, default SQLite in the data dir).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from bot.assistant import build_assistant
from bot.services.conversations import AnswerEngine
from bot.settings import Settings, settings_from_environment
from bot.storage.db import engine_from_settings, migrate, session_factory
from eval.comparison import Comparison, compare_runs
from eval.gate import DEFAULT_TOLERANCE, gate
from eval.metrics import slices, summarize
from eval.records import RunRecord, list_runs, load_run, resolve_run_id, save_run
from eval.report import write_report
from eval.runner import Runner
from eval.scoring import CaseResult
from eval.sets_schema import EvalSet, load_set
from knowledge.errors import ConfigurationError
from knowledge.progress import progress_reporter
from knowledge.retrieval import Retriever, open_retriever

EngineFactory = Callable[[Settings, Retriever], AnswerEngine | None]
KEY_METRICS = (
    "status_accuracy",
    "source_cited",
    "facts_present",
    "answer_line_contained",
    "emergency_recall",
    "retrieval_recall@5",
    "latency_p95_ms",
)
LIST_METRICS = ("status_accuracy", "service_reached", "facts_present", "emergency_recall")
LIST_HEADERS = {
    "status_accuracy": "status",
    "service_reached": "reached",
    "facts_present": "facts",
    "emergency_recall": "emerg",
}
EXIT_GATE_FAILED = 1
_out = Console()
_err = Console(stderr=True)


def _settings() -> Settings:
    return settings_from_environment(Settings)


def default_engine(settings: Settings, retriever: Retriever) -> AnswerEngine | None:
    """The same dialogue engine the API builds (bot.assistant), without curated answers:
    an evaluation measures the bot's own answers."""
    return build_assistant(settings, retriever=retriever, warm_up=True).engine


@contextmanager
def database(settings: Settings) -> Iterator[Session]:
    """A session on the migrated bot database; commits on success."""
    engine = engine_from_settings(settings)
    try:
        migrate(engine)
        with session_factory(engine)() as session:
            yield session
            session.commit()
    finally:
        engine.dispose()


def execute_run(
    settings: Settings,
    set_name: str,
    *,
    label: str | None,
    show_progress: bool = True,
    engine_factory: EngineFactory = default_engine,
    answer_mode: str | None = None,
    split: str | None = None,
    results_path: Path | None = None,
    resume: bool = False,
) -> RunRecord:
    """Run a set through the dialogue engine, store it, return it with its id.

    ``answer_mode`` "extractive" switches a configured LLM off for this run; "llm" needs
    GOVBOT_LLM_BASE_URL (issue #6); None answers as configured.
    """
    settings = with_answer_mode(settings, answer_mode)
    eval_set = only_split(load_set(set_name), split)
    if resume and results_path is None:
        raise ConfigurationError("--resume needs --results FILE: the cases to continue from")
    with open_retriever(settings) as retriever:
        engine = engine_factory(settings, retriever)
        if engine is None:
            raise ConfigurationError(
                "no dialogue engine is available (bot.main.build_engine returned None); "
                "check that the index is built with `govbot ingest`"
            )
        runner = Runner(engine, settings=settings, retriever=retriever)
        with _progress(f"{eval_set.name} ({len(eval_set.cases)} cases)", show_progress) as bar:
            record = runner.run(
                eval_set, label=label, progress=bar, results_path=results_path, resume=resume
            )
    with database(settings) as session:
        run_id = save_run(session, record)
    return record.model_copy(update={"info": record.info.model_copy(update={"id": run_id})})


def only_split(eval_set: EvalSet, split: str | None) -> EvalSet:
    """The cases of one half (``tags.split``) of ``eval_set``; all cases for None."""
    if split is None:
        return eval_set
    cases = [case for case in eval_set.cases if case.tags.split and case.tags.split == split]
    if not cases:
        halves = sorted({case.tags.split.value for case in eval_set.cases if case.tags.split})
        raise ConfigurationError(
            f"set {eval_set.name!r} has no cases in split {split!r} "
            f"(its splits: {', '.join(halves) or 'none'})"
        )
    return eval_set.model_copy(update={"cases": cases})


def with_answer_mode(settings: Settings, answer_mode: str | None) -> Settings:
    """``settings`` for an extractive or LLM run (see :func:`execute_run`)."""
    if answer_mode == "extractive":
        llm = settings.llm.model_copy(update={"base_url": None})
        return settings.model_copy(update={"llm": llm})
    if answer_mode == "llm" and not settings.llm.base_url:
        raise ConfigurationError(
            "--mode llm needs an OpenAI-compatible endpoint: set GOVBOT_LLM_BASE_URL "
            "(and GOVBOT_LLM_MODEL), e.g. http://127.0.0.1:8080/v1"
        )
    if answer_mode not in (None, "extractive", "llm"):
        raise ConfigurationError(f"unknown answer mode {answer_mode!r}; use extractive or llm")
    return settings


def register(app: typer.Typer) -> None:
    """Add the run commands to the ``govbot eval`` app."""
    app.command("run")(run)
    app.command("list")(list_command)
    app.command("show")(show)
    app.command("compare")(compare)
    app.command("report")(report)
    app.command("gate")(gate_command)


RunRef = Annotated[str, typer.Argument(help="Run id, 'latest' or 'latest:<set name>'.")]
# Options that several ``govbot eval`` commands share (eval/cli.py uses them too).
JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
ProgressFlag = Annotated[bool, typer.Option(help="Show progress on stderr.")]
SplitOption = Annotated[
    str | None, typer.Option("--split", help="Only the cases of this half: tune or holdout.")
]
ResultsOption = Annotated[
    Path | None,
    typer.Option("--results", help="Write each case result to this JSONL file as it goes."),
]
ResumeFlag = Annotated[
    bool, typer.Option("--resume", help="Keep the cases already in --results; run the rest.")
]


def run(
    set_name: Annotated[str, typer.Option("--set", help="Set name in eval/sets or a .jsonl path.")],
    label: Annotated[
        str | None, typer.Option("--label", help="Free text stored with the run.")
    ] = None,
    progress: ProgressFlag = True,
    as_json: JsonFlag = False,
    mode: Annotated[
        str | None,
        typer.Option(
            "--mode",
            help="Answer mode: extractive, or llm (needs GOVBOT_LLM_BASE_URL); "
            "default: as configured.",
        ),
    ] = None,
    split: SplitOption = None,
    results: ResultsOption = None,
    resume: ResumeFlag = False,
) -> None:
    """Run an evaluation set through the dialogue engine and store the run."""
    record = execute_run(
        _settings(),
        set_name,
        label=label if label or not split else f"split={split}",
        show_progress=progress,
        answer_mode=mode,
        split=split,
        results_path=results,
        resume=resume,
    )
    if as_json:
        typer.echo(json.dumps({"id": record.info.id, "metrics": record.metrics}))
        return
    _print_metrics(record)
    print_summary(record.cases)


def list_command(
    set_name: Annotated[str | None, typer.Option("--set", help="Only runs of this set.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many runs to list.")] = 30,
) -> None:
    """Stored runs, newest first, with their key metrics."""
    with database(_settings()) as session:
        runs = list_runs(session, set_name=set_name, limit=limit)
        table = Table(
            title="Evaluation runs",
            title_justify="left",
            box=box.SIMPLE_HEAD,
            pad_edge=False,
            collapse_padding=True,
        )
        table.add_column("id", justify="right", no_wrap=True)
        table.add_column("set", overflow="fold", min_width=8)
        table.add_column("label", overflow="fold", min_width=8)
        table.add_column("started", no_wrap=True)
        table.add_column("commit", no_wrap=True)
        for name in LIST_METRICS:
            table.add_column(LIST_HEADERS[name], justify="right", no_wrap=True)
        for row in runs:
            table.add_row(
                str(row.id),
                f"{row.set_name} {row.set_sha256[:6]}",
                row.label or "",
                row.started_at.strftime("%m-%d %H:%M"),
                (row.git_commit or "?")[:7] + ("+" if row.git_dirty else ""),
                *(_short(row.metrics.get(name)) for name in LIST_METRICS),
            )
    _out.print(table)


def show(ref: RunRef, as_json: JsonFlag = False) -> None:
    """A run's identity, metrics and the cases that failed a check."""
    with database(_settings()) as session:
        record = load_run(session, resolve_run_id(session, ref))
    if as_json:
        typer.echo(record.model_dump_json())
        return
    info = record.info
    dirty = " (dirty)" if info.git_dirty else ""
    finished = info.finished_at.isoformat() if info.finished_at else "—"
    _out.print(f"Run {info.id} {info.label or ''}")
    _out.print(f"  set {info.set_name} v{info.set_version} sha256 {info.set_sha256}")
    _out.print(f"  commit {info.git_commit}{dirty}; embedder {info.embedder}")
    _out.print(f"  index {info.index_version}; {info.started_at.isoformat()} → {finished}")
    _print_metrics(record)
    failed = [
        c for c in record.cases if not c.status_ok or c.source_ok is False or c.facts_ok is False
    ]
    table = Table(title=f"Cases with a failed check ({len(failed)})")
    for column in ("case", "expected", "status", "cited", "missing facts"):
        table.add_column(column)
    for case in failed:
        table.add_row(
            case.case_id,
            "/".join(case.expected_status)
            + (f" {case.expected_ids[:2]}" if case.expected_ids else ""),
            case.status,
            ", ".join(case.cited_ids[:2]),
            "; ".join(case.facts_missing),
        )
    _out.print(table)


def compare(
    run_a: RunRef,
    run_b: RunRef,
    tolerance: Annotated[
        float,
        typer.Option(
            min=0, max=1, help="A metric counts as worse or better only beyond this difference."
        ),
    ] = 0.0,
    as_json: JsonFlag = False,
) -> None:
    """Per-metric deltas (B − A) and the cases whose outcome changed."""
    with database(_settings()) as session:
        a = load_run(session, resolve_run_id(session, run_a))
        b = load_run(session, resolve_run_id(session, run_b))
    comparison = compare_runs(a, b, tolerance=tolerance)
    if as_json:
        typer.echo(comparison.model_dump_json())
        return
    _print_comparison(comparison)


def report(
    ref: RunRef,
    out: Annotated[Path, typer.Option("--out", help="Directory for index.html.")],
) -> None:
    """Write a self-contained HTML report of a run (inline SVG charts, no external files)."""
    with database(_settings()) as session:
        record = load_run(session, resolve_run_id(session, ref))
    path = write_report(record, out)
    typer.echo(str(path))


def gate_command(
    baseline: Annotated[str, typer.Option("--baseline", help="Run id of the accepted baseline.")],
    current: Annotated[
        str | None,
        typer.Option("--run", help="Run to check; default: run the baseline's set now."),
    ] = None,
    tolerance: Annotated[
        float,
        typer.Option(
            min=0,
            max=0.99,
            help="How far a gated rate may drop below the baseline's (0.02: 2 percentage "
            "points); counts such as errors may never rise.",
        ),
    ] = DEFAULT_TOLERANCE,
    allow_set_change: Annotated[bool, typer.Option(help="Compare runs on different sets.")] = False,
    progress: ProgressFlag = True,
) -> None:
    """Exit 1 when a metric drops beyond the tolerance or any emergency is missed."""
    settings = _settings()
    with database(settings) as session:
        base = load_run(session, resolve_run_id(session, baseline))
        checked = load_run(session, resolve_run_id(session, current)) if current else None
    if checked is None:
        checked = execute_run(
            settings,
            _set_source(base),
            label=f"gate vs run {base.info.id}",
            show_progress=progress,
        )
    verdict = gate(checked, base, tolerance=tolerance, allow_set_change=allow_set_change)
    for delta in verdict.checked:
        _out.print(f"  {delta.name}: {_fmt(delta.a)} → {_fmt(delta.b)}")
    if verdict.passed:
        _out.print(f"gate passed: run {checked.info.id} against baseline {base.info.id}")
        return
    for failure in verdict.failures:
        _err.print(f"[red]FAIL[/red] {failure}")
    raise typer.Exit(EXIT_GATE_FAILED)


def _set_source(record: RunRecord) -> str:
    """Where to load a run's set again: its file if it still exists, else its name."""
    path = record.info.environment.get("set_path")
    return str(path) if isinstance(path, str) and Path(path).is_file() else record.info.set_name


@contextmanager
def _progress(label: str, enabled: bool) -> Iterator[Callable[[int, int], None]]:
    with progress_reporter(label, console=_err, enabled=enabled) as report:
        yield report


SUMMARY_COLUMNS = (
    ("n", "cases"),
    ("stat", "status_accuracy"),
    ("acc", "outcome_acceptable"),
    ("reach", "service_reached"),
    ("wrong", "wrong_service_confident_cases"),
    ("facts", "facts_present"),
    ("emerg", "emergency_recall"),
    ("false", "false_emergencies"),
    ("dec", "decisions_answered"),
    ("lang", "answer_in_question_language"),
    ("p95", "latency_p95_ms"),
)


def print_summary(cases: Sequence[CaseResult], console: Console = _out) -> None:
    """Key figures overall and per split, kind and language, in tables of 80 columns."""
    for field in ("split", "kind", "language"):
        groups = slices(cases, field)
        if field == "split" and set(groups) == {"-"}:
            continue
        table = Table(
            title=f"by {field}",
            title_justify="left",
            box=box.SIMPLE_HEAD,
            pad_edge=False,
            collapse_padding=True,
        )
        table.add_column(field, no_wrap=True, overflow="ellipsis", width=13)
        for header, _ in SUMMARY_COLUMNS:
            table.add_column(header, justify="right", no_wrap=True, width=5)
        rows = [("all", summarize(cases)), *groups.items()]
        for name, metrics in rows:
            table.add_row(name, *(_short(metrics.get(key)) for _, key in SUMMARY_COLUMNS))
        console.print(table)
    console.print(
        "stat: status right; acc: acceptable outcome (a service question's answer or "
        "choices contain the expected service; others: status right); reach: expected "
        "service cited or offered; wrong: answered citing none of the expected services; "
        "facts: fact asked for present; emerg: emergencies recognised; false: false "
        "emergencies; dec: decision requests answered as such; lang: answered in the "
        "question's language; p95: latency in ms; false gaps: a fact expected, the answer "
        "says the source lacks one",
        width=80,
    )
    for line in answer_lines(summarize(cases)):
        console.print(line, width=80, highlight=False)


def answer_lines(metrics: Mapping[str, float | int | None]) -> list[str]:
    """What the answers read like and where they refuse (issue 17), within 80 columns;
    a figure without cases to measure it on is left out."""
    lines: list[str] = []
    reading = (
        ("line anywhere", "answer_line_contained"),
        ("in first 300 chars", "answer_line_early"),
        ("median length", "answer_chars_median"),
    )
    shown = [
        f"{label} {_short(metrics[key])}" for label, key in reading if metrics.get(key) is not None
    ]
    if shown:
        lines.append("answers: " + "; ".join(shown))
    if metrics.get("gap_stated") is not None or metrics.get("facts_present") is not None:
        lines.append(
            f"gaps: said where the source lacks the aspect {_short(metrics.get('gap_stated'))}; "
            f"false gaps {metrics.get('false_gaps', 0)}"
        )
    lines.append(
        f"decisions: missed {metrics.get('decisions_answered', 0)} of "
        f"{metrics.get('decision_cases', 0)}; false refusals "
        f"{metrics.get('false_decision_refusals', 0)} "
        f"(of procedural questions {metrics.get('procedural_refused', 0)})"
    )
    return lines


def _short(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.0f}" if value >= 10 else f"{value:.2f}"
    return str(value)


def _print_metrics(record: RunRecord) -> None:
    table = Table(title=f"Run {record.info.id}: {record.info.set_name}")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name, value in record.metrics.items():
        if not name.startswith("status."):
            table.add_row(name, _fmt(value))
    _out.print(table)


def _print_comparison(comparison: Comparison) -> None:
    for warning in comparison.warnings:
        _err.print(f"[yellow]warning:[/yellow] {warning}")
    table = Table(title=f"Run {comparison.run_a} → run {comparison.run_b}")
    for column in ("metric", "A", "B", "Δ"):
        table.add_column(column, justify="right" if column != "metric" else "left")
    for delta in comparison.deltas:
        if delta.delta:
            mark = " ▲" if delta.better else (" ▼" if delta.worse else "")
            table.add_row(delta.name, _fmt(delta.a), _fmt(delta.b), f"{delta.delta:+.4f}{mark}")
    _out.print(table)
    cases = Table(title=f"Changed cases ({len(comparison.changed)})")
    for column in ("case", "status A → B", "fixed", "broken"):
        cases.add_column(column)
    for change in comparison.changed:
        cases.add_row(
            change.case_id,
            f"{change.status_a} → {change.status_b}",
            ", ".join(change.fixed),
            ", ".join(change.broken),
        )
    _out.print(cases)


def _fmt(value: object) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".") if value else "0"
    return str(value)
