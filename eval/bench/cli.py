"""``govbot bench …``: performance benchmarks (plugged into ``govbot`` via an entry point).

A thin client of :mod:`eval.bench.runs` and :mod:`eval.bench.ingest`; ``--json``
prints one JSON object on stdout, progress and notes go to stderr. The entry
point reads the environment once and passes it down (the served API is a child
process that gets the same environment plus the benchmark's rate limit).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from pydantic import BaseModel

from bot.settings import Settings, settings_from_environment
from eval.bench.ingest import benchmark_ingest
from eval.bench.runs import benchmark_chat, benchmark_memory
from knowledge.embedding import build_embedder

app = typer.Typer(
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Benchmarks: chat load against the served API, ingest throughput, memory.",
)
REPOSITORY_DATA = Path(__file__).resolve().parents[2] / "data"


def _settings() -> Settings:
    return settings_from_environment(Settings)


def _emit(report: BaseModel, *, as_json: bool, lines: list[str]) -> None:
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
    else:
        typer.echo("\n".join(lines))


@app.command("chat")
def chat_command(
    concurrency: Annotated[int, typer.Option(min=1, max=512, help="Simulated citizens.")] = 16,
    duration: Annotated[float, typer.Option(min=1, help="Seconds of load.")] = 30,
    max_requests: Annotated[
        int | None, typer.Option(min=1, help="Stop after this many requests.")
    ] = None,
    url: Annotated[
        str | None, typer.Option(help="A running API; default: start `govbot serve` on loopback.")
    ] = None,
    single: Annotated[
        int, typer.Option(min=0, help="Messages of one citizen alone before the load (0: skip).")
    ] = 30,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """Simulated citizens against the API; p50/p95/p99, errors, ratio to the retrieval floor."""
    settings = _settings()
    typer.echo("measuring the floor, then serving the API and loading it …", err=True)
    report = benchmark_chat(
        settings,
        dict(os.environ),
        concurrency=concurrency,
        duration_s=duration,
        max_requests=max_requests,
        url=url,
        single_messages=single,
    )
    load, floor = report.load, report.floor
    lines = [
        f"load: {load.requests} requests ({load.messages} messages) in {load.duration_s} s, "
        f"{load.throughput_rps} req/s, errors {load.errors} ({load.error_rate:.2%}) "
        f"{load.statuses}",
        f"message latency at {concurrency}: p50 {load.message_latency.p50_ms} ms, "
        f"p95 {load.message_latency.p95_ms} ms, p99 {load.message_latency.p99_ms} ms",
        f"floor at {concurrency}: p50 {floor.concurrent.p50_ms} ms, "
        f"p95 {floor.concurrent.p95_ms} ms; alone: p50 {floor.sequential.p50_ms} ms, "
        f"p95 {floor.sequential.p95_ms} ms",
        f"p95 ratio (same concurrency): {report.p95_ratio}; one at a time: "
        f"{report.p95_ratio_single}",
    ]
    _emit(report, as_json=as_json, lines=lines)


@app.command("ingest")
def ingest_command(
    services: Annotated[int, typer.Option(min=1, help="First N Munich services.")] = 15,
    data: Annotated[Path, typer.Option(help="Data folder with muenchen/.")] = REPOSITORY_DATA,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """Ingest throughput (embedding cache off) against raw embedding of the same passages."""
    settings = _settings()
    embedder = build_embedder(settings.embedding)
    report = benchmark_ingest(
        settings,
        embedder,
        services_file=data / "muenchen" / "services_de.json",
        tenant="muenchen",
        limit=services,
    )
    lines = [
        f"{report.passages} passages of {report.services} services ({report.embedder})",
        f"raw embedding: {report.embed_passages_per_s} passages/s ({report.embed_s} s)",
        f"ingest: {report.ingest_passages_per_s} passages/s ({report.ingest_s} s) = "
        f"{report.ingest_share_of_raw:.0%} of raw",
    ]
    _emit(report, as_json=as_json, lines=lines)


@app.command("memory")
def memory_command(
    messages: Annotated[int, typer.Option(min=0, help="Messages sent before reading.")] = 30,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """Peak RSS of the API process serving the configured index."""
    report = benchmark_memory(_settings(), dict(os.environ), messages=messages)
    lines = [
        f"API with {report.data_dir}: RSS ready {report.rss_ready_mib} MiB, after "
        f"{report.messages} messages {report.rss_after_mib} MiB, peak {report.peak_rss_mib} MiB"
    ]
    _emit(report, as_json=as_json, lines=lines)
