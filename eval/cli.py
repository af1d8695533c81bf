"""``govbot eval …``: evaluation commands (plugged into ``govbot`` via an entry point).

A thin client of :mod:`eval.retrieval` and :mod:`eval.integreat`. Add a command
with ``@app.command("name")``; progress goes to stderr so that ``--json`` output
on stdout stays one parseable object. GovBotErrors are reported by the root
``govbot`` command (message on stderr, exit code 2).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from bot.settings import Settings
from eval import commands
from eval.integreat import convert_split, write_jsonl
from eval.retrieval import Progress as ProgressFn
from eval.retrieval import RetrievalReport, evaluate, load_questions
from knowledge.errors import ConfigurationError
from knowledge.retrieval import open_retriever

logger = logging.getLogger(__name__)

app = typer.Typer(
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Evaluate retrieval and answers on question sets; convert public QA datasets.",
)

_stderr = Console(stderr=True)
_WARM_UP_QUESTION = "Wie beantrage ich einen Personalausweis?"


class Mode(StrEnum):
    """Search modes (``hybrid`` fuses dense and BM25)."""

    hybrid = "hybrid"
    dense = "dense"
    bm25 = "bm25"


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        raise ConfigurationError(f"Invalid GOVBOT_* settings: {exc}") from exc


@contextmanager
def _progress_bar(label: str, *, enabled: bool = True) -> Iterator[ProgressFn]:
    """A rich progress bar on stderr, as a ``(done, total)`` callback."""
    if not enabled:
        yield lambda done, total: None
        return
    columns = (
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=_stderr, transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


@app.command("retrieval")
def retrieval(
    questions: Annotated[
        Path,
        typer.Option("--questions", help='JSONL file: {"question", "tenant", "expected": [ids]}.'),
    ],
    k: Annotated[int, typer.Option("--k", min=1, max=100, help="Documents retrieved.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    mode: Annotated[
        Mode | None, typer.Option("--mode", help="Search mode; default: GOVBOT_RETRIEVAL__MODE.")
    ] = None,
    results: Annotated[
        Path | None,
        typer.Option("--results", help="Also write each question's ranking to this JSONL file."),
    ] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar on stderr.")] = True,
) -> None:
    """Measure recall@1/5/10, MRR@10, nDCG@10 and search latency on a question file."""
    cases = load_questions(questions)
    settings = _settings()
    search_mode = mode.value if mode else settings.retrieval.mode
    with open_retriever(settings) as retriever:
        # The dialogue's reading of each question (issue 11): the text searched is the one
        # the bot searches (spelling corrected, expanded with official terms).
        from bot.assistant import build_understander  # deferred: keeps `govbot --help` fast

        understander = build_understander(settings, retriever)
        # One untimed query first: loading the model and opening the index are not search time.
        warm_tenant = next(iter(sorted({c.tenant for c in cases})))
        if warm_tenant in retriever.tenants():
            retriever.search(_WARM_UP_QUESTION, tenant=warm_tenant, k=k, mode=search_mode)

        def search(question: str, tenant: str, depth: int) -> Sequence[str]:
            text = understander.understand(question, tenant=tenant).search.text
            hits = retriever.search(text, tenant=tenant, k=depth, mode=search_mode)
            return [hit.doc_id for hit in hits]

        with _progress_bar(f"retrieval ({search_mode})", enabled=progress) as update:
            outcome = evaluate(cases, search, k=k, progress=update)
    if results is not None:
        _write_results(outcome, results)
    if as_json:
        payload = outcome.as_dict()
        payload["mode"] = search_mode
        typer.echo(json.dumps(payload, ensure_ascii=False))
    else:
        _print_table(outcome, search_mode)


@app.command("convert-integreat")
def convert_integreat(
    split: Annotated[Path, typer.Argument(help="Integreat split file, e.g. dev_de.json.")],
    out: Annotated[Path, typer.Option("--out", help="JSONL file to write.")],
    pages: Annotated[
        Path, typer.Option("--pages", help="Directory with <city>_de_pages.json dumps.")
    ] = Path("data/integreat"),
    include_unanswerable: Annotated[
        bool,
        typer.Option(
            "--include-unanswerable",
            help='Keep questions the page does not answer (with "expected": []).',
        ),
    ] = False,
) -> None:
    """Convert an Integreat QA split into a retrieval question file (JSONL)."""
    conversion = convert_split(split, pages_dir=pages, include_unanswerable=include_unanswerable)
    count = write_jsonl(conversion.questions, out)
    typer.echo(f"{out}: {count} questions. {conversion.summary()}")


def _write_results(outcome: RetrievalReport, path: Path) -> None:
    lines = [
        json.dumps({**r.model_dump(), "first_hit": r.first_hit}, ensure_ascii=False)
        for r in outcome.results
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def _print_table(outcome: RetrievalReport, mode: str) -> None:
    overall = outcome.overall.as_dict()
    columns = [key for key in overall if key != "n"]
    table = Table(title=f"Retrieval ({mode}), {outcome.overall.n} questions")
    table.add_column("tenant")
    table.add_column("n", justify="right")
    for column in columns:
        table.add_column(column, justify="right")
    rows = [("all", overall)] + [(t, m.as_dict()) for t, m in outcome.per_tenant.items()]
    for name, values in rows:
        table.add_row(name, str(values["n"]), *(f"{values[c]:.3f}" for c in columns))
    Console().print(table)
    if outcome.skipped:
        typer.echo(f"{outcome.skipped} question(s) without expected documents skipped")


# Stored evaluation runs: run, list, show, compare, report, gate (eval/commands.py).
commands.register(app)


# --- Answers of the dialogue engine for a JSONL file of questions (dialogue helper) ------------
@app.command("answers")
def answers(
    questions: Annotated[Path, typer.Option("--questions", help="JSONL: question, tenant.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Answer each question in a fresh conversation; cases in input order plus aggregates."""
    from eval.answers import load_questions, run_answers

    items = load_questions(questions)
    settings = _settings()
    with open_retriever(settings) as retriever:
        engine = commands.default_engine(settings, retriever)
        if engine is None:
            raise ConfigurationError("no dialogue engine is available; run `govbot ingest` first")
        with _progress_bar(f"answers ({len(items)} questions)", enabled=True) as bar:
            report = run_answers(engine, items, progress=bar)
    if as_json:
        typer.echo(json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2))
        return
    table = Table(title=f"{report.n} questions, status counts {report.status_counts}")
    for column in ("status", "doc_ids", "question"):
        table.add_column(column)
    for case in report.cases:
        table.add_row(case.status, ", ".join(case.doc_ids), case.question)
    Console().print(table)
    typer.echo(f"latency p50 {report.latency_ms_p50} ms, p95 {report.latency_ms_p95} ms")
