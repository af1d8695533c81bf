"""``govbot report usage``: the monthly usage report for the council as HTML or PDF."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from bot.services.freshness import as_markdown, freshness_list
from bot.services.knowledge_base import Catalogue
from bot.services.usage_report import build_report, render_html
from bot.services.usage_report_pdf import render_pdf
from bot.settings import Settings
from bot.storage.db import engine_from_settings, migrate, session_factory
from knowledge.errors import GovBotError
from knowledge.models import validate_tenant_slug
from knowledge.retrieval import open_retriever

report = typer.Typer(no_args_is_help=True, help="Reports for the council and the KI-Hub.")


class ReportFormat(StrEnum):
    """Output formats of the usage report."""

    html = "html"
    pdf = "pdf"


@report.command("usage")
def usage_command(
    tenant: Annotated[str, typer.Option("--tenant", help="Tenant slug, e.g. muenchen.")],
    month: Annotated[str, typer.Option("--month", help="Month as YYYY-MM, e.g. 2026-11.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write.")],
    output_format: Annotated[
        ReportFormat, typer.Option("--format", help="html or pdf.")
    ] = ReportFormat.html,
) -> None:
    """Write the month's usage report: volumes, outcomes, services, gaps, handoffs, feedback."""
    try:
        validate_tenant_slug(tenant)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--tenant") from exc
    settings = Settings()
    started = time.perf_counter()
    engine = engine_from_settings(settings)
    try:
        migrate(engine)
        with session_factory(engine)() as session:
            figures = build_report(
                session,
                tenant=tenant,
                month=month,
                min_confidence=settings.dialogue.min_confidence,
            )
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--month") from exc
    except GovBotError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(2) from None
    finally:
        engine.dispose()
    if output_format is ReportFormat.pdf:
        output.write_bytes(render_pdf(figures))
    else:
        output.write_text(render_html(figures), encoding="utf-8")
    typer.echo(
        f"Wrote {output} ({output_format.value}, {figures.conversations} conversations, "
        f"{figures.answers} answers) in {time.perf_counter() - started:.1f} s"
    )


@report.command("freshness")
def freshness_command(
    tenant: Annotated[str, typer.Option("--tenant", help="Tenant slug, e.g. muenchen.")],
    within_days: Annotated[
        int, typer.Option("--within-days", min=1, max=365, help="Expiring within N days.")
    ] = 14,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write; default: stdout.")
    ] = None,
) -> None:
    """The weekly list for editors: expired, soon expiring and outdated content (Markdown)."""
    settings = Settings()
    try:
        with open_retriever(settings) as retriever:
            entries = Catalogue(retriever).entries(tenant)
    except GovBotError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(2) from None
    found = freshness_list(
        entries,
        tenant=tenant,
        today=datetime.now(UTC).date(),
        stale_after_days=settings.knowledge_admin.stale_after_days,
        within_days=within_days,
    )
    text = as_markdown(found)
    if output is None:
        typer.echo(text)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(
            f"Wrote {output}: {len(found.expired)} expired, {len(found.expiring)} expiring, "
            f"{len(found.outdated)} outdated"
        )


def register(app: typer.Typer) -> None:
    """Add ``report`` to the ``govbot`` command."""
    app.add_typer(report, name="report")
