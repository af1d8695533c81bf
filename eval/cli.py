"""``govbot eval …``: evaluation commands (plugged into ``govbot`` via an entry point).

A thin client of :mod:`eval.retrieval` and :mod:`eval.integreat`. Add a command
with ``@app.command("name")``; progress goes to stderr so that ``--json`` output
on stdout stays one parseable object. GovBotErrors are reported by the root
``govbot`` command (message on stderr, exit code 2).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

from bot.answer import HelpEvidence
from bot.dialogue.ranking import ISSUE_OPTIONS, MAX_OPTIONS
from bot.settings import Settings, settings_from_environment
from eval import commands
from eval.integreat import convert_split, write_jsonl
from eval.retrieval import (
    RetrievalReport,
    evaluate,
    load_questions,
    require_known_ids,
    searched_as_the_bot,
)
from eval.sets_schema import SETS_DIR
from knowledge.errors import ConfigurationError
from knowledge.progress import progress_reporter
from knowledge.retrieval import Retriever, open_retriever

if TYPE_CHECKING:
    from bot.dialogue.engine import DialogueEngine
    from bot.dialogue.message_classifier import ClassifierModel
    from bot.dialogue.ranking import RankingModel
    from eval.calibration import Example, Prediction
    from eval.false_alarms import PoolReport
    from eval.false_refusals import RefusalReport
    from eval.pools import PoolCase

logger = logging.getLogger(__name__)

app = typer.Typer(
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Evaluate retrieval and answers on question sets, count false alarms and refusals "
    "on pools, fit the message classifiers and the confidence model; convert public QA "
    "datasets.",
)

_stderr = Console(stderr=True)
_WARM_UP_QUESTION = "Wie beantrage ich einen Personalausweis?"
# The installed project: shipped pools, sets, rule files and data are found from any working
# directory (`govbot eval false-alarms` in /tmp runs the same pools as in the checkout).
PROJECT = Path(__file__).resolve().parents[1]
POOLS_DIR = PROJECT / "eval" / "pools"
RULES_DIR = PROJECT / "bot" / "dialogue" / "rules"
DATA_DIR = PROJECT / "data"


class Mode(StrEnum):
    """Search modes (``hybrid`` fuses dense and BM25)."""

    hybrid = "hybrid"
    dense = "dense"
    bm25 = "bm25"


def _settings() -> Settings:
    return settings_from_environment(Settings)


@app.command("retrieval")
def retrieval(
    questions: Annotated[
        Path,
        typer.Option("--questions", help='JSONL file: {"question", "tenant", "expected": [ids]}.'),
    ],
    k: Annotated[int, typer.Option("--k", min=1, max=100, help="Documents retrieved.")] = 10,
    as_json: commands.JsonFlag = False,
    mode: Annotated[
        Mode | None, typer.Option("--mode", help="Search mode; default: GOVBOT_RETRIEVAL__MODE.")
    ] = None,
    results: Annotated[
        Path | None,
        typer.Option("--results", help="Also write each question's ranking to this JSONL file."),
    ] = None,
    progress: commands.ProgressFlag = True,
) -> None:
    """Measure recall@1/5/10, MRR@10, nDCG@10 and search latency on a question file."""
    cases = load_questions(questions)
    settings = _settings()
    search_mode = mode.value if mode else settings.retrieval.mode
    with open_retriever(settings) as retriever:
        checked = [(c.id or f"line-{n}", c.tenant, c.expected) for n, c in enumerate(cases, 1)]
        for doc_id in require_known_ids(checked, retriever):
            logger.warning("expected id %s is not in the index (an alternative is)", doc_id)
        # The dialogue's reading of each question (issue 11): the text searched is the one
        # the bot searches (spelling corrected, expanded with official terms).
        from bot.assistant import build_understander  # deferred: keeps `govbot --help` fast

        understander = build_understander(settings, retriever)
        # One untimed query first: loading the model and opening the index are not search time.
        warm_tenant = next(iter(sorted({c.tenant for c in cases})))
        if warm_tenant in retriever.tenants():
            retriever.search(_WARM_UP_QUESTION, tenant=warm_tenant, k=k, mode=search_mode)

        search = searched_as_the_bot(retriever, understander, mode=search_mode)
        label = f"retrieval ({search_mode})"
        with progress_reporter(label, console=_stderr, enabled=progress) as update:
            outcome = evaluate(cases, search, k=k, progress=update)
    if results is not None:
        _write_results(outcome, results)
    if as_json:
        payload = outcome.as_dict()
        payload["mode"] = search_mode
        typer.echo(json.dumps(payload, ensure_ascii=False))
    else:
        _print_table(outcome, search_mode)


# What the shipped adapter was trained on (docs/retrieval-tuning.md, "Query adapter"):
# munich_services and the Munich catalogue's vocabulary. munich_citizens_tune stays out so
# that it measures the adapter on questions it never saw; the Integreat train questions did
# not carry over to dev pages or to a tenant left out, so they are not in the default.
_TRAINING_SETS = ("munich_services.jsonl",)


@app.command("train-adapter")
def train_adapter(
    questions: Annotated[
        list[Path] | None,
        typer.Option(
            "--questions",
            help="Training question file (repeatable); default: munich_services. Dev, "
            "holdout and test files and pools are refused.",
        ),
    ] = None,
    vocabulary_tenant: Annotated[
        list[str] | None,
        typer.Option(
            "--vocabulary-tenant",
            help="Tenant whose service keywords and LeiKa/OZG names become training queries "
            "(repeatable; default: muenchen).",
        ),
    ] = None,
    exclude_tenant: Annotated[
        list[str] | None,
        typer.Option("--exclude-tenant", help="Leave this tenant's questions out (repeatable)."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Adapter file; default: the one shipped for the embedder."),
    ] = None,
    query_cache: Annotated[
        Path | None,
        typer.Option("--query-cache", help="Keep query vectors in this .npz between runs."),
    ] = None,
    epochs: Annotated[
        int, typer.Option("--epochs", min=1, max=1000, help="Passes over the training queries.")
    ] = 20,
    seed: Annotated[
        int, typer.Option("--seed", help="Seed of the shuffling and the initial weights.")
    ] = 20261207,
    progress: commands.ProgressFlag = True,
) -> None:
    """Fit the query adapter on training data only and write it (docs/retrieval-tuning.md)."""
    from bot.assistant import build_understander  # deferred: keeps `govbot --help` fast
    from eval.adapter_data import QueryVectorCache
    from eval.adapter_run import AdapterSources, train_query_adapter
    from eval.adapter_training import AdapterTraining
    from knowledge.query_adapter import packaged_adapter_path

    settings = _settings()
    settings.retrieval.query_adapter = False  # training starts from the plain query vectors
    sources = AdapterSources(
        questions=questions or [SETS_DIR / name for name in _TRAINING_SETS],
        vocabulary_tenants=vocabulary_tenant if vocabulary_tenant is not None else ["muenchen"],
        exclude_tenants=exclude_tenant or [],
    )
    with open_retriever(settings) as retriever:
        understander = build_understander(settings, retriever)
        cache = QueryVectorCache(query_cache, model=retriever.embedder_name)
        with progress_reporter("adapter queries", console=_stderr, enabled=progress) as update:
            adapter = train_query_adapter(
                retriever,
                sources,
                AdapterTraining(epochs=epochs, seed=seed),
                search_text=lambda q, t: understander.understand(q, tenant=t).search.text,
                cache=cache,
                progress=update,
                on_epoch=lambda epoch, loss: _stderr.print(
                    f"epoch {epoch}/{epochs}: loss {loss:.4f}", highlight=False
                ),
            )
    target = out or packaged_adapter_path(adapter.embedder)
    adapter.save(target)
    counts = ", ".join(f"{k} {v}" for k, v in sorted(adapter.meta["examples"].items()))
    typer.echo(f"training examples: {counts}")
    typer.echo(
        f"query adapter written to {target} (training data {adapter.meta['training_hash'][:12]})"
    )


@app.command("fit-query-direction")
def fit_query_direction_command(
    questions: Annotated[
        list[Path] | None,
        typer.Option(
            "--questions",
            help="Training question file (repeatable); default: Integreat train in de, en, fr, "
            "uk and ar. Dev, holdout and test files and pools are refused.",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Direction file; default: the one shipped for the embedder."),
    ] = None,
) -> None:
    """Fit the common direction of questions that query centering removes
    (knowledge/query_centering.py; docs/retrieval-tuning.md, "Query centering")."""
    from bot.assistant import build_understander  # deferred: keeps `govbot --help` fast
    from eval.query_direction_fit import TRAINING_SETS, fit_query_direction
    from knowledge.query_centering import packaged_direction_path

    settings = _settings()
    paths = questions or [SETS_DIR / name for name in TRAINING_SETS]
    with open_retriever(settings) as retriever:
        understander = build_understander(settings, retriever)
        with _stderr.status(f"embedding the questions of {len(paths)} file(s)"):
            direction = fit_query_direction(
                retriever,
                paths,
                search_text=lambda q, t: understander.understand(q, tenant=t).search.text,
            )
    target = out or packaged_direction_path(direction.embedder)
    direction.save(target)
    typer.echo(
        f"query direction of {direction.meta['questions']} questions (mean length "
        f"{direction.meta['mean_length']}) written to {target}"
    )


@app.command("convert-integreat")
def convert_integreat(
    split: Annotated[Path, typer.Argument(help="Integreat split file, e.g. dev_de.json.")],
    out: Annotated[Path, typer.Option("--out", help="JSONL file to write.")],
    pages: Annotated[
        Path,
        typer.Option(
            "--pages",
            help="Directory with <city>_de_pages.json dumps.",
            show_default="the project's data/integreat",
        ),
    ] = DATA_DIR / "integreat",
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


# Short headers keep the table within 80 columns; the legend below names them in full.
_RETRIEVAL_HEADERS = {
    "recall@1": "r@1",
    "recall@5": "r@5",
    "recall@10": "r@10",
    "mrr@10": "mrr",
    "ndcg@10": "ndcg",
    "latency_ms_p50": "p50",
    "latency_ms_p95": "p95",
}


def _print_table(outcome: RetrievalReport, mode: str, console: Console | None = None) -> None:
    out = console or Console()
    overall = outcome.overall.as_dict()
    columns = [key for key in overall if key != "n"]
    table = Table(title=f"Retrieval ({mode}), {outcome.overall.n} questions", width=80)
    table.add_column("tenant", no_wrap=True, overflow="ellipsis", max_width=18)
    table.add_column("n", justify="right", no_wrap=True)
    for column in columns:
        table.add_column(_RETRIEVAL_HEADERS.get(column, column), justify="right", no_wrap=True)
    rows = [("all", overall)] + [(t, m.as_dict()) for t, m in outcome.per_tenant.items()]
    for name, values in rows:
        cells = [
            f"{values[c]:.0f}" if c.startswith("latency") else f"{values[c]:.3f}" for c in columns
        ]
        table.add_row(name, str(values["n"]), *cells)
    out.print(table)
    out.print("r@k: recall@k; mrr: MRR@10; ndcg: nDCG@10; p50/p95: search latency in ms", width=80)
    if outcome.skipped:
        typer.echo(f"{outcome.skipped} question(s) without expected documents skipped")


# Stored evaluation runs: run, list, show, compare, report, gate (eval/commands.py).
commands.register(app)


# --- Answers of the dialogue engine for a file of questions or cases -----------------------------
@app.command("answers")
def answers(
    questions: Annotated[
        str,
        typer.Option(
            "--questions",
            help="JSONL of questions or cases (fields as eval/sets/SCHEMA.md), or a set name.",
        ),
    ],
    as_json: commands.JsonFlag = False,
    split: commands.SplitOption = None,
    results: commands.ResultsOption = None,
    resume: commands.ResumeFlag = False,
    progress: commands.ProgressFlag = True,
) -> None:
    """Answer and score each case in a fresh conversation; per-case lines and a summary."""
    from eval.answers import load_cases, run_answers
    from eval.runner import Runner
    from eval.sets_schema import resolve_set_path

    if resume and results is None:
        raise ConfigurationError("--resume needs --results FILE: the cases to continue from")
    path = Path(questions) if Path(questions).is_file() else resolve_set_path(questions)
    cases = commands.only_split(load_cases(path), split)
    settings = _settings()
    with open_retriever(settings) as retriever:
        engine = commands.default_engine(settings, retriever)
        if engine is None:
            raise ConfigurationError("no dialogue engine is available; run `govbot ingest` first")
        runner = Runner(engine, settings=settings, retriever=retriever)
        label = f"answers ({len(cases.cases)} cases)"
        with progress_reporter(label, console=_stderr, enabled=progress) as update:
            report = run_answers(
                runner, cases, progress=update, results_path=results, resume=resume
            )
    if as_json:
        typer.echo(json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2))
        return
    out = Console()
    table = Table(title=f"{len(report.cases)} cases from {path.name}", width=80)
    table.add_column("case", no_wrap=True, overflow="ellipsis", max_width=26)
    for column in ("status", "ok", "cited/offered", "chars", "ms"):
        table.add_column(column, no_wrap=column != "cited/offered", overflow="fold")
    for case in report.cases:
        shown = [*case.doc_ids, *(f"?{doc_id}" for doc_id in case.options)]
        table.add_row(
            case.id,
            case.status,
            _mark(case.status_ok, case.reached, case.wrong_confident),
            " ".join(doc_id.split("/", 1)[-1] for doc_id in shown[:3]),
            str(case.chars),
            f"{case.latency_ms:.0f}",
        )
    out.print(table)
    out.print("ok: S status right, R expected service reached, W wrong service answered", width=80)
    commands.print_summary(report.results, out)


def _mark(status_ok: bool, reached: bool | None, wrong: bool | None) -> str:
    return (
        ("S" if status_ok else "-")
        + {True: "R", False: "-", None: ""}[reached]
        + ("W" if wrong else "")
    )


# --- False alarms of the emergency stage on pools of ordinary messages (issue #16) --------------
@app.command("build-pools")
def build_pools(
    out: Annotated[
        Path,
        typer.Option(
            "--out", help="Directory for the pool files.", show_default="the project's eval/pools"
        ),
    ] = POOLS_DIR,
    data: Annotated[
        Path,
        typer.Option(
            "--data",
            help="The data directory (muenchen/, ozg/, integreat/).",
            show_default="the project's data",
        ),
    ] = DATA_DIR,
) -> None:
    """Write the short-request pool and the Integreat question pool (eval/pools.py)."""
    from eval import pools

    topics = [
        ("muenchen", topic)
        for topic in pools.munich_topics(
            data / "muenchen" / "services_de.json", data / "ozg" / "leika_ozg.csv"
        )
    ]
    for region in ("lkaugsburg", "rems-murr-kreis"):
        titles = pools.page_titles(data / "integreat" / f"{region}_de_pages.json")
        topics.extend((region, title) for title in titles)
    written = {
        "short_requests.jsonl": pools.write_pool(
            pools.short_requests(topics), out / "short_requests.jsonl"
        ),
        "integreat_questions.jsonl": pools.write_pool(
            pools.integreat_questions(data / "integreat", ("de", "en", "fr", "uk", "ar")),
            out / "integreat_questions.jsonl",
        ),
        "statements.jsonl": pools.write_pool(_statements(data), out / "statements.jsonl"),
    }
    for name, count in written.items():
        typer.echo(f"{out / name}: {count} messages")


def _statements(data: Path) -> list[PoolCase]:
    """The statement pool of the catalogue in ``data`` (eval/statements.py)."""
    from eval import pools, statements

    services = data / "muenchen" / "services_de.json"
    names = [str(s["name"]) for s in json.loads(services.read_text(encoding="utf-8"))["data"]]
    pages = list(statements.munich_pages(services))
    topics = [("muenchen", "de", name) for name in names if name != "Testleistung"]
    for region in ("lkaugsburg", "rems-murr-kreis"):
        for language in ("de", "en"):
            dump = data / "integreat" / f"{region}_{language}_pages.json"
            pages.extend(statements.integreat_pages(dump, tenant=region, language=language))
            topics.extend((region, language, t) for t in pools.page_titles(dump))
    return statements.unique(
        [
            *statements.catalogue_statements(pages),
            *statements.situation_statements(topics),
            *statements.status_statements(statements.document_nouns(names), tenant="muenchen"),
        ]
    )


@app.command("calibrate-emergency")
def calibrate_emergency(
    pool: Annotated[
        list[Path],
        typer.Option("--pool", help="Pool or evaluation-set JSONL (repeat for several pools)."),
    ],
    max_rate: Annotated[
        float, typer.Option("--max-rate", help="Highest false-alarm rate allowed per pool half.")
    ] = 0.001,
    as_json: commands.JsonFlag = False,
) -> None:
    """Choose the semantic emergency check's threshold and margin on the pools' calibration
    halves; report false alarms and recall on the held-out halves
    (eval/emergency_calibration.py)."""
    from eval.emergency_calibration import calibrate, score_pool
    from eval.pools import load_pool

    settings = _settings()
    scored = []
    with _warm_engine(settings) as (engine, _):
        for path in pool:
            cases = load_pool(path)
            with progress_reporter(
                f"{path.name} ({len(cases)})", console=_stderr, enabled=not as_json
            ) as bar:
                scored.extend(
                    score_pool(
                        path.name,
                        cases,
                        lambda m, t: engine.emergency_scores(m, tenant=t),
                        progress=bar,
                    )
                )
    result = calibrate(scored, max_rate=max_rate)
    if as_json:
        typer.echo(json.dumps(result.model_dump(mode="json"), ensure_ascii=False, indent=2))
        return
    table = Table(title=f"Semantic emergency check: grid (false alarms <= {max_rate:g} per half)")
    pools = sorted({s.pool for s in scored if not s.emergency})
    for column in ("threshold", "margin", *pools, "recall cal.", "recall held-out", "ok"):
        table.add_column(column)
    for point in result.points:
        halves = [point.false_alarms.get(name) for name in pools]
        table.add_row(
            f"{point.threshold:.3f}",
            f"{point.margin:.3f}",
            *(
                f"{h['calibration'].hits}/{h['calibration'].n} | "
                f"{h['heldout'].hits}/{h['heldout'].n}"
                if h
                else "-"
                for h in halves
            ),
            f"{point.recall['calibration'].hits}/{point.recall['calibration'].n}",
            f"{point.recall['heldout'].hits}/{point.recall['heldout'].n}",
            "*" if point is result.chosen else ("yes" if point.within(max_rate) else ""),
        )
    Console().print(table)
    if result.chosen is None:
        typer.echo("No point keeps every calibration half within the limit.")
    else:
        typer.echo(
            f"Chosen: threshold {result.chosen.threshold:.3f}, margin {result.chosen.margin:.3f} "
            "(set them in bot/dialogue/rules/emergency_examples.yaml); pool cells: "
            "calibration | held-out false alarms."
        )


DANGER_POOLS = (
    POOLS_DIR / "short_requests.jsonl",
    POOLS_DIR / "integreat_questions.jsonl",
    POOLS_DIR / "statements.jsonl",
    SETS_DIR / "emergencies_multilingual.jsonl",
    SETS_DIR / "alarming_ordinary.jsonl",
    SETS_DIR / "munich_citizens.jsonl",
    SETS_DIR / "verdicts.jsonl",
)


Row = TypeVar("Row")
Progress = Callable[[int, int], None]


def _shown(path: Path) -> Path:
    """``path`` as a command line records it: relative to the project when inside it."""
    resolved = path.resolve()
    return resolved.relative_to(PROJECT) if resolved.is_relative_to(PROJECT) else path


@contextmanager
def _warm_engine(settings: Settings) -> Iterator[tuple[DialogueEngine, Retriever]]:
    """The dialogue engine over the configured index, warmed up, and its retriever; an empty
    index is a ConfigurationError."""
    from bot.assistant import build_engine

    with open_retriever(settings) as retriever:
        if not retriever.tenants():
            raise ConfigurationError("the index is empty; run `govbot ingest` first")
        engine = build_engine(settings, retriever)
        engine.warm_up()
        yield engine, retriever


def _read_without_classifiers(
    settings: Settings,
    count: int,
    read: Callable[[DialogueEngine, Progress], list[Row]],
) -> tuple[list[Row], str]:
    """The training messages read by an engine with both message classifiers off (neither
    plays a part in the other's reading, and a missing model file stops neither training),
    with the index's embedder name."""
    dialogue = settings.dialogue.model_copy(update={"danger_model": False, "verdict_model": False})
    with _warm_engine(settings.model_copy(update={"dialogue": dialogue})) as (engine, retriever):
        with progress_reporter(f"reading {count} messages", console=_stderr) as bar:
            rows = read(engine, bar)
        return rows, retriever.meta.embedder.name


@app.command("train-danger")
def train_danger(
    pool: Annotated[
        list[Path] | None,
        typer.Option(
            "--pool",
            help="Pool or evaluation-set JSONL; only its calibration/tune half is used "
            "(repeat; default: the shipped pools and sets).",
        ),
    ] = None,
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            help="Where to write the model file.",
            show_default="the project's bot/dialogue/rules/danger_model.json",
        ),
    ] = RULES_DIR / "danger_model.json",
    seed: Annotated[int, typer.Option("--seed", help="Seed of the cross-validation folds.")] = 16,
    max_rate: Annotated[
        float, typer.Option("--max-rate", help="Highest new false-alarm rate per source.")
    ] = 0.001,
    statements_path: Annotated[
        Path | None,
        typer.Option(
            "--examples",
            help="The classifier's own examples YAML (default: the shipped danger_examples.yaml).",
        ),
    ] = None,
) -> None:
    """Fit the present-danger classifier on the calibration halves and write its file
    (eval/danger_training.py)."""
    from bot.dialogue.emergency import DEFAULT_EXAMPLES, EmergencyExamples
    from eval.danger_training import (
        DEFAULT_STATEMENTS,
        DangerStatements,
        read_rows,
        train,
        training_cases,
    )

    settings = _settings()
    pools = pool or list(DANGER_POOLS)
    examples = EmergencyExamples.from_yaml(
        settings.dialogue.emergency_examples_path or DEFAULT_EXAMPLES
    )
    statements = DangerStatements.from_yaml(statements_path or DEFAULT_STATEMENTS)
    cases = training_cases(pools, examples, statements)
    rows, embedder = _read_without_classifiers(
        settings,
        len(cases),
        lambda engine, bar: read_rows(
            cases, lambda m, t: engine.danger_reading(m, tenant=t), progress=bar
        ),
    )
    argv = " ".join(f"--pool {_shown(p)}" for p in pools)
    model = train(
        rows,
        embedder=embedder,
        command=f"govbot eval train-danger {argv} --seed {seed} --max-rate {max_rate}",
        seed=seed,
        max_rate=max_rate,
        progress=lambda line: _stderr.print(line),
    )
    caught = ("emergencies recognised", "recognised")
    _write_classifier(model, out, caught=caught, false="false alarms")
    typer.echo(
        f"Where the net does not lean to danger: fire {model.fire_alone}; a net hit stands "
        f"from {model.net_floor}."
    )


def _write_classifier(
    model: ClassifierModel, out: Path, *, caught: tuple[str, str], false: str
) -> None:
    """Write a trained classifier's file and print its out-of-fold figures, with the grammar
    alone (``before_``) and with the classifier (``after_``): ``caught`` is the label of the
    positives it catches and their key in ``cross_validation``, ``false`` the label of the
    ordinary messages it wrongly catches."""
    out.write_text(model.model_dump_json(indent=1) + "\n", encoding="utf-8")
    figures = model.cross_validation
    label, key = caught
    typer.echo(
        f"Wrote {out}: C={model.training.c}, fire {model.fire}, veto {model.veto}; "
        f"{model.training.positives} positives, {model.training.negatives} negatives. "
        f"Out of fold: {label} {figures[f'before_{key}']} -> {figures[f'after_{key}']} of "
        f"{figures['positives']}, {false} {figures['before_false']} -> "
        f"{figures['after_false']} of {figures['negatives']}."
    )


VERDICT_POOLS = (
    POOLS_DIR / "short_requests.jsonl",
    POOLS_DIR / "integreat_questions.jsonl",
    SETS_DIR / "verdicts.jsonl",
    SETS_DIR / "munich_citizens.jsonl",
    SETS_DIR / "alarming_ordinary.jsonl",
    SETS_DIR / "emergencies_multilingual.jsonl",
)


@app.command("train-verdict")
def train_verdict(
    pool: Annotated[
        list[Path] | None,
        typer.Option(
            "--pool",
            help="Pool or evaluation-set JSONL; only its calibration/tune half is used "
            "(repeat; default: the shipped pools and sets).",
        ),
    ] = None,
    examples_paths: Annotated[
        list[Path] | None,
        typer.Option(
            "--examples",
            help="Verdict examples YAML (repeat; default: the shipped verdict_examples.yaml; "
            "add bot/dialogue/rules/verdict_phrasings.yaml to train with the drawn phrasings).",
        ),
    ] = None,
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            help="Where to write the model file.",
            show_default="the project's bot/dialogue/rules/verdict_model.json",
        ),
    ] = RULES_DIR / "verdict_model.json",
    seed: Annotated[int, typer.Option("--seed", help="Seed of the cross-validation folds.")] = 12,
    max_rate: Annotated[
        float, typer.Option("--max-rate", help="Highest new false-refusal rate per source.")
    ] = 0.001,
) -> None:
    """Fit the verdict-request classifier on the calibration halves and the verdict
    examples and write its file (eval/verdict_training.py)."""
    from eval.verdict_training import example_sources, read_rows, train, training_cases

    settings = _settings()
    pools = pool or list(VERDICT_POOLS)
    examples = example_sources(examples_paths) if examples_paths else example_sources()
    cases = training_cases(pools, examples)
    rows, embedder = _read_without_classifiers(
        settings,
        len(cases),
        lambda engine, bar: read_rows(
            cases, lambda m, t: engine.verdict_reading(m, tenant=t), progress=bar
        ),
    )
    argv = " ".join(f"--pool {_shown(p)}" for p in pools)
    argv += "".join(f" --examples {_shown(path)}" for path in examples_paths or ())
    model = train(
        rows,
        embedder=embedder,
        command=f"govbot eval train-verdict {argv} --seed {seed} --max-rate {max_rate}",
        seed=seed,
        max_rate=max_rate,
        progress=lambda line: _stderr.print(line),
    )
    caught = ("verdict requests refused", "refused")
    _write_classifier(model, out, caught=caught, false="false refusals")


FALSE_ALARM_POOLS = (
    POOLS_DIR / "short_requests.jsonl",
    POOLS_DIR / "integreat_questions.jsonl",
    POOLS_DIR / "statements.jsonl",
)
# Ordinary requests and questions (false refusals) and the verdict requests beside their
# procedural look-alikes (recall and false refusals of the same run).
FALSE_REFUSAL_POOLS = (
    POOLS_DIR / "short_requests.jsonl",
    POOLS_DIR / "integreat_questions.jsonl",
    SETS_DIR / "verdicts.jsonl",
)


Report = TypeVar("Report", bound=BaseModel)


def _run_pools(
    pools: Sequence[Path],
    run: Callable[[DialogueEngine, str, list[PoolCase], Progress], Report],
    *,
    as_json: bool,
) -> list[Report]:
    """``run`` on each pool with one warmed-up engine, a progress bar per pool; with
    ``as_json`` the reports are printed as one JSON object ``{"pools": [...]}``."""
    from eval.pools import load_pool

    reports = []
    with _warm_engine(_settings()) as (engine, _):
        for path in pools:
            cases = load_pool(path)
            label = f"{path.name} ({len(cases)})"
            with progress_reporter(label, console=_stderr, enabled=not as_json) as bar:
                reports.append(run(engine, path.name, cases, bar))
    if as_json:
        payload = {"pools": [r.model_dump(mode="json") for r in reports]}
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    return reports


@app.command("false-alarms")
def false_alarms(
    pool: Annotated[
        list[Path] | None,
        typer.Option(
            "--pool",
            help="Pool or evaluation-set JSONL (repeat for several pools; default: the "
            "shipped pools short_requests, integreat_questions and statements).",
        ),
    ] = None,
    as_json: commands.JsonFlag = False,
) -> None:
    """Count ordinary messages the dialogue's policy and emergency stage grades as danger."""
    from eval.false_alarms import run_pool

    def run(engine: DialogueEngine, name: str, cases: list[PoolCase], bar: Progress) -> PoolReport:
        def triage(message: str, tenant: str) -> HelpEvidence | None:
            return engine.triage(message, tenant=tenant).help

        return run_pool(name, cases, triage, progress=bar)

    reports = _run_pools(pool or list(FALSE_ALARM_POOLS), run, as_json=as_json)
    if as_json:
        return
    table = Table(title="False emergencies (grade danger) on ordinary messages")
    for column in ("pool", "n", "false", "rate", "calibration", "held-out", "grades", "recall"):
        table.add_column(column)
    for report in reports:
        table.add_row(
            report.pool,
            str(report.all.n),
            str(report.all.false_alarms),
            f"{report.all.rate:.4f}",
            f"{report.calibration.false_alarms}/{report.calibration.n}",
            f"{report.heldout.false_alarms}/{report.heldout.n}",
            ", ".join(f"{k} {v}" for k, v in sorted(report.all.grades.items())),
            f"{report.recall.recognised}/{report.recall.n}" if report.recall.n else "-",
        )
    Console().print(table)
    _print_grade_tables(reports)
    for report in reports:
        # Held-out failures are counted, never listed (tuning must not read them, #16).
        for alarm in report.alarms:
            if alarm.half == "heldout":
                continue
            evidence = alarm.evidence
            why = evidence.rule_id or ""
            if evidence.similarity is not None:
                why += f" {evidence.similarity:.3f} ~ {evidence.nearest!r}"
            if evidence.probability is not None:
                why += f" p={evidence.probability:.3f}"
            typer.echo(f"{report.pool} [{alarm.half}] {alarm.question!r}: {why}")
        for missed in report.missed:
            if missed.half == "heldout":
                continue
            grade = missed.grade.value if missed.grade else "none"
            typer.echo(f"{report.pool} missed ({missed.language}, {grade}) {missed.question!r}")
        hidden = sum(1 for a in report.alarms if a.half == "heldout")
        hidden_missed = sum(1 for m in report.missed if m.half == "heldout")
        if hidden or hidden_missed:
            typer.echo(
                f"{report.pool}: {hidden} held-out false alarms and {hidden_missed} held-out "
                "missed emergencies (not listed)"
            )


@app.command("false-refusals")
def false_refusals(
    pool: Annotated[
        list[Path] | None,
        typer.Option(
            "--pool",
            help="Pool or evaluation-set JSONL (repeat for several pools; default: the "
            "shipped pools short_requests and integreat_questions, and the verdicts set).",
        ),
    ] = None,
    as_json: commands.JsonFlag = False,
) -> None:
    """Count ordinary messages the dialogue refuses as a request for a verdict
    (``refused_decision``), and the verdict requests of evaluation sets it recognises."""
    from eval.false_refusals import run_pool

    def run(
        engine: DialogueEngine, name: str, cases: list[PoolCase], bar: Progress
    ) -> RefusalReport:
        return run_pool(name, cases, lambda m, t: engine.triage(m, tenant=t), progress=bar)

    reports = _run_pools(pool or list(FALSE_REFUSAL_POOLS), run, as_json=as_json)
    if as_json:
        return
    table = Table(
        title="Refused as a verdict request (refused_decision): with the classifier "
        "(the grammar alone) / n"
    )
    for column in ("pool", "half", "language", "false refusals", "verdicts recognised"):
        table.add_column(column)
    # "a (b)": a with the classifier, b by the grammar alone (bot/dialogue/verdict.py).
    for report in reports:
        keys = sorted(set(report.false_refusals) | set(report.recall), key=_half_key)
        for key in keys:
            half, _, language = key.partition("/")
            if half == "heldout" and language:
                # The held-out half is shown as one total: per language it would say where
                # to look, and tuning must not read it (the JSON keeps every row).
                continue
            wrong, right = report.false_refusals.get(key), report.recall.get(key)
            table.add_row(
                report.pool,
                half,
                language or "all",
                f"{wrong.hits} ({wrong.grammar_alone})/{wrong.n}" if wrong else "-",
                f"{right.hits} ({right.grammar_alone})/{right.n}" if right else "-",
            )
    Console().print(table)
    for report in reports:
        # Held-out failures are counted, never listed (tuning must not read them).
        for kind, entries in (("refused", report.refused), ("missed", report.missed)):
            for entry in entries:
                if entry.half == "heldout":
                    continue
                p = f" p={entry.probability:.3f}" if entry.probability is not None else ""
                typer.echo(
                    f"{report.pool} {kind} ({entry.language}) {entry.question!r}: "
                    f"{entry.rule_id}{p}"
                )
        hidden = sum(1 for e in report.refused + report.missed if e.half == "heldout")
        if hidden:
            typer.echo(f"{report.pool}: {hidden} held-out failures (not listed)")


def _half_key(key: str) -> tuple[int, str]:
    """Table order: all, then the calibration half and its languages, then held-out."""
    order = {"all": 0, "calibration": 1, "heldout": 2}
    return order.get(key.partition("/")[0], 3), key


def _print_grade_tables(reports: Sequence[PoolReport]) -> None:
    """Per half, expected grade and language of the sets with ``expected_help``; the wrong
    grades of calibration (tune) cases are listed, held-out ones only counted (#16)."""
    for report in reports:
        if not report.grade_rows:
            continue
        table = Table(title=f"{report.pool}: help grades (right / n; what was given)")
        for column in ("half", "expected", "language", "right", "given"):
            table.add_column(column)
        for row in report.grade_rows:
            given = ", ".join(f"{k} {v}" for k, v in sorted(row.got.items()))
            table.add_row(row.half, row.expected, row.language, f"{row.right}/{row.n}", given)
        Console().print(table)
        heldout = 0
        for case in report.misgraded:
            if case.half == "heldout":
                heldout += 1
                continue
            evidence = case.evidence
            got, why = (evidence.grade.value, evidence.rule_id or "") if evidence else ("none", "")
            if evidence is not None and evidence.similarity is not None:
                why += f" {evidence.similarity:.3f} ~ {evidence.nearest!r}"
            expected = "/".join(case.expected)
            typer.echo(f"{report.pool} graded {got}, expected {expected}: {case.question!r} {why}")
        if heldout:
            typer.echo(f"{report.pool}: {heldout} held-out cases graded wrong (not listed)")


# --- Calibrated confidence: answer / clarify / not found (issues 12 item 3, 13 item 4) -----------
@app.command("calibration")
def calibration(
    questions: Annotated[
        list[str],
        typer.Option(
            "--questions",
            help="JSONL set (name or path) to calibrate on; repeat. Never a holdout half.",
        ),
    ],
    retrieved: Annotated[
        Path,
        typer.Option("--retrieved", help="JSON file keeping the retrieval of every question."),
    ] = Path("artifacts/calibration_rows.json"),
    refresh: Annotated[
        bool, typer.Option("--refresh", help="Retrieve again even if --retrieved exists.")
    ] = False,
    split: Annotated[
        str, typer.Option("--split", help="Half of split-tagged sets to use.")
    ] = "tune",
    folds: Annotated[
        int,
        typer.Option(
            "--folds", min=2, max=20, help="Cross-validation folds (out-of-fold figures)."
        ),
    ] = 5,
    options: Annotated[
        int | None,
        typer.Option(
            "--options",
            min=2,
            max=MAX_OPTIONS,
            help="Choices the reach model is about (default: the model's).",
        ),
    ] = None,
    policy: Annotated[
        bool,
        typer.Option(
            "--policy",
            help="Also print the answer/clarify trade-off for 2 to 4 choices (to 5 with "
            "--options 5) and the thresholds "
            "chosen by cross-validation (eval/clarify_policy.py).",
        ),
    ] = False,
    write: Annotated[
        Path | None,
        typer.Option("--write", help="Write the fitted model into this ranking YAML."),
    ] = None,
    classes: Annotated[
        bool,
        typer.Option(
            "--classes",
            help="Also print where the expected document stands among the candidates against "
            "what the dialogue's thresholds did (eval/ranking_failures.py).",
        ),
    ] = False,
    language_offsets: Annotated[
        str | None,
        typer.Option(
            "--language-offsets",
            help="Comma-separated languages (e.g. tr,ru,pl,ro,fa): keep the shipped models and "
            "fit only one term per named language on its own questions "
            "(eval/language_offsets.py); --write adds them.",
        ),
    ] = None,
    as_json: commands.JsonFlag = False,
    progress: commands.ProgressFlag = True,
) -> None:
    """Fit the confidence model with cross-validation; print the reliability table."""
    from bot.assistant import build_understander
    from bot.dialogue.ranking import RankingModel, ServiceRanker

    offset_languages = _offset_languages(language_offsets) if language_offsets else None
    from eval.answers import load_cases
    from eval.calibration import (
        calibrate,
        calibrated_languages,
        collect,
        examples,
        load_rows,
        save_rows,
        write_model,
    )
    from eval.sets_schema import resolve_set_path

    settings = _settings()
    with open_retriever(settings) as retriever:
        ranker = ServiceRanker(retriever, RankingModel.from_yaml())
        if refresh or not retrieved.is_file():
            rows = []
            for name in questions:
                path = Path(name) if Path(name).is_file() else resolve_set_path(name)
                loaded = load_cases(path)
                if any(case.tags.split for case in loaded.cases):
                    loaded = commands.only_split(loaded, split)
                understander = build_understander(settings, retriever)
                label = f"retrieving {path.name}"
                with progress_reporter(label, console=_stderr, enabled=progress) as update:
                    rows += collect(
                        loaded.cases, understander=understander, ranker=ranker, progress=update
                    )
            save_rows(rows, retrieved)
        else:
            rows = load_rows(retrieved)
        data = examples(rows, ranker)
    if offset_languages is not None:
        _calibrate_offsets(data, ranker.model, offset_languages, write=write, as_json=as_json)
        return
    languages = calibrated_languages(data)
    choices = options if options is not None else ranker.model.options
    result = calibrate(data, folds=folds, languages=languages, options=choices)
    if write is not None:
        write_model(result, write)
    if as_json:
        typer.echo(json.dumps(result.model_dump(mode="json"), ensure_ascii=False, indent=2))
    else:
        _print_calibration(result, Console())
    if policy:
        by_options = {
            k: result.predictions
            if k == choices
            else calibrate(data, folds=folds, languages=languages, options=k).predictions
            # two to four choices (issue 12 item 2); five only when --options 5 asks for it
            for k in range(2, max(ISSUE_OPTIONS, choices) + 1)
        }
        _print_policy(by_options, Console(stderr=as_json))
    if classes:
        dialogue = settings.dialogue
        _print_failure_classes(
            result.predictions,
            answer_at=dialogue.min_confidence,
            clarify_at=dialogue.clarify_confidence,
            candidates=ranker.model.candidates,
            options=choices,
            out=Console(stderr=as_json),
        )


@app.command("plausibility-floors")
def plausibility_floors(
    retrieved: Annotated[
        Path,
        typer.Option(
            "--retrieved",
            help="Calibration rows kept by `govbot eval calibration --retrieved` (tune only).",
        ),
    ] = Path("artifacts/calibration_rows.json"),
    signals: Annotated[
        list[str] | None,
        typer.Option(
            "--signal",
            help="Signal(s) floored together; repeat. Default: each alone, then all together.",
        ),
    ] = None,
    folds: Annotated[
        int, typer.Option("--folds", min=2, max=20, help="Folds, grouped by expected document.")
    ] = 5,
    as_json: commands.JsonFlag = False,
) -> None:
    """Would floors on retrieval signals take unrelated choices away, and at what cost?

    Cross-validated: floors fitted on the other folds, counted on the fold left out
    (eval/plausibility_floors.py; docs/policy.md section 5, twelfth session)."""
    from bot.dialogue.ranking import RankingModel, ServiceRanker
    from eval.calibration import load_rows, ranked
    from eval.plausibility_floors import SIGNALS, floor_case, trade

    settings = _settings()
    dialogue = settings.dialogue
    cases = []
    with open_retriever(settings) as retriever:
        ranker = ServiceRanker(retriever, RankingModel.from_yaml())
        for row, ranking in ranked(load_rows(retrieved), ranker):
            cases.append(
                floor_case(
                    row.id,
                    expected=row.expected,
                    language=row.language,
                    retrieved=row.retrieved,
                    ranking=ranking,
                    page=ranking.confidence_features.get("page", 0.0) == 1.0,
                    answer_at=dialogue.min_confidence,
                    clarify_at=dialogue.clarify_confidence,
                )
            )
    chosen = [list(signals)] if signals else [[s] for s in SIGNALS] + [list(SIGNALS)]
    try:
        trades = [
            trade(cases, group, by_kind=by_kind, folds=folds)
            for by_kind in (False, True)
            for group in chosen
        ]
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    if as_json:
        typer.echo(json.dumps([t.model_dump(mode="json") for t in trades], indent=2))
        return
    table = Table(title=f"Floors, out of fold ({len(cases)} questions)")
    for column in ("signals", "groups", "negatives cut", "reached lost", "unreached cut"):
        table.add_column(column, justify="left" if column == "signals" else "right")
    for t in trades:
        table.add_row(
            "all six" if set(t.signals) == set(SIGNALS) else "+".join(t.signals),
            "lang/kind" if t.by_kind else "lang",
            f"{t.negatives_cut} of {t.clarified_negatives}",
            f"{t.reached_lost} of {t.clarified_reached}",
            str(t.unreached_cut),
        )
    Console().print(table)


def _offset_languages(codes: str) -> list[str]:
    from eval.sets_schema import LANGUAGES

    languages = [code.strip() for code in codes.split(",") if code.strip()]
    if not languages or any(code not in LANGUAGES or code == "de" for code in languages):
        others = ", ".join(code for code in LANGUAGES if code != "de")
        raise typer.BadParameter(
            f"--language-offsets takes languages among {others} (German is the model's "
            f"base); got {codes!r}"
        )
    return languages


def _calibrate_offsets(
    data: Sequence[Example],
    model: RankingModel,
    languages: Sequence[str],
    *,
    write: Path | None,
    as_json: bool,
) -> None:
    from eval.language_offsets import fit_offsets, write_offsets

    offsets = fit_offsets(data, model, languages)
    missing = sorted(set(languages) - {offset.language for offset in offsets})
    if missing:
        raise typer.BadParameter(
            f"no calibration question read as {', '.join(missing)}; add a set with questions "
            "in that language (e.g. --questions munich_languages_tune)"
        )
    if write is not None:
        write_offsets(offsets, write)
    if as_json:
        typer.echo(json.dumps([o.model_dump(mode="json") for o in offsets], indent=2))
        return
    table = Table(title="Language offsets on the frozen model", width=80)
    for column in ("language", "n", "negatives", "right", "reached", "confidence", "reach"):
        table.add_column(column, justify="left" if column == "language" else "right")
    for o in offsets:
        table.add_row(
            o.language,
            str(o.n),
            str(o.negatives),
            str(o.right),
            str(o.reached),
            f"{o.confidence:+.4f}",
            f"{o.reach:+.4f}",
        )
    Console().print(table)


def _print_failure_classes(
    predictions: Sequence[Prediction],
    *,
    answer_at: float,
    clarify_at: float,
    candidates: int,
    options: int,
    out: Console,
) -> None:
    from eval.ranking_failures import OUTCOMES, RANK_BUCKETS, failure_tables

    tables = failure_tables(
        predictions,
        answer_at=answer_at,
        clarify_at=clarify_at,
        candidates=candidates,
        options=options,
    )
    table = Table(
        title=f"Expected document's rank × outcome at {answer_at} / {clarify_at} (out-of-fold)",
        width=80,
    )
    table.add_column("group")
    table.add_column("n", justify="right")
    for bucket in RANK_BUCKETS:
        table.add_column(bucket, justify="right")
    for t in tables:
        cells = ["/".join(str(t.count(bucket, did)) for did in OUTCOMES) for bucket in RANK_BUCKETS]
        table.add_row(t.group, str(t.n), *cells)
    out.print(table)
    out.print("cells: answered/clarify/not found; rank of the first expected document")


def _print_policy(by_options: dict[int, list[Prediction]], out: Console) -> None:
    from eval.clarify_policy import Limits, choose, cross_validated, trade_off

    rows = trade_off(by_options)
    columns = ("k", "answer", "clarify", "kind", "reached", "wrong", "choices", "not found")
    table = Table(title="Answer / clarify trade-off (out-of-fold)", width=80)
    for column in columns:
        table.add_column(column, justify="right")
    for r in rows:
        table.add_row(
            str(r.options),
            f"{r.answer_at:.2f}",
            f"{r.clarify_at:.2f}",
            r.kind,
            f"{r.reached:.3f}",
            f"{r.wrong:.3f}",
            f"{r.clarify:.3f}",
            "-" if r.not_found is None else f"{r.not_found:.3f}",
        )
    out.print(table)
    limits = Limits()
    chosen = choose(rows, limits)
    out.print(f"limits {limits.model_dump()}; chosen on all rows: {chosen.model_dump()}")
    folds = cross_validated(by_options, limits)
    for r in folds:
        out.print(
            f"  fold choice k={r.options} {r.answer_at}/{r.clarify_at} on the fold left out: "
            f"reached {r.reached}, wrong {r.wrong}, choices {r.clarify}, not found {r.not_found}"
        )
    services = sum(r.services for r in folds) or 1
    negatives = sum(r.negatives for r in folds) or 1
    asked = sum(r.services + r.negatives for r in folds) or 1
    out.print(
        "cross-validated choice, pooled over the folds left out: "
        f"reached {sum(r.reached * r.services for r in folds) / services:.3f}, "
        f"wrong {sum(r.wrong * r.services for r in folds) / services:.3f}, "
        f"choices {sum(r.clarify * (r.services + r.negatives) for r in folds) / asked:.3f}, "
        f"not found {sum((r.not_found or 0.0) * r.negatives for r in folds) / negatives:.3f}"
    )


def _print_calibration(result: object, out: Console) -> None:
    from eval.calibration import Calibration

    assert isinstance(result, Calibration)
    out.print(f"{result.n} questions; languages with their own term: {result.languages}")
    for name, bins in (("confidence", result.confidence_table), ("reach", result.reach_table)):
        table = Table(title=f"Reliability of {name} (out-of-fold)", width=80)
        for column in ("bin", "n", "predicted", "observed"):
            table.add_column(column, justify="right")
        for b in bins:
            table.add_row(
                f"{b.low:.1f}-{b.high:.1f}", str(b.n), f"{b.predicted:.3f}", f"{b.observed:.3f}"
            )
        out.print(table)
    for name, rows in (
        ("confidence", result.confidence_thresholds),
        ("reach", result.reach_thresholds),
    ):
        table = Table(title=f"Thresholds for {name} (out-of-fold)", width=80)
        for column in ("threshold", "kept", "right", "precision", "right below"):
            table.add_column(column, justify="right")
        for r in rows:
            precision = r.right / r.kept if r.kept else 0.0
            table.add_row(
                f"{r.threshold:.1f}", str(r.kept), str(r.right), f"{precision:.3f}", str(r.missed)
            )
        out.print(table)
    for code, bins in result.confidence_by_language.items():
        cells = ", ".join(
            f"{b.low:.1f}-{b.high:.1f}: {b.n} {b.predicted:.2f}/{b.observed:.2f}" for b in bins
        )
        out.print(f"confidence {code}: {cells}")
    out.print(f"Brier score (out-of-fold): {result.brier}")
    out.print(f"plausibility floors of the best dense cosine: {result.dense_floors}")
