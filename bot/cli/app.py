"""The ``govbot`` command line: a thin client of the Python API.

Built-in commands live here as ``@app.command()`` functions. Command groups of
other packages (``govbot ingest``, ``govbot eval``) are plugged in through the
entry point group ``govbot.commands`` by ``main``, so ``bot/``
never imports ``ingest/`` or ``eval/`` (DESIGN.md section 2); a missing one is
skipped. A GovBotError anywhere becomes its message on stderr and exit code 2,
without a traceback (``main``). Logging is configured here and nowhere else.
"""

from __future__ import annotations

import json
import logging
import sys
from enum import StrEnum
from importlib.metadata import entry_points
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from pydantic_settings import SettingsError
from rich.console import Console
from rich.table import Table

from bot.cli import admin as cli_admin
from bot.cli import ask as cli_ask
from bot.cli import console as cli_console
from bot.cli import rasa as cli_rasa
from bot.cli import report as cli_report
from bot.cli import serve as cli_serve
from bot.settings import Settings, explain_settings_error, settings_from_environment
from knowledge.errors import GovBotError
from knowledge.models import SearchHit
from knowledge.retrieval import open_retriever

logger = logging.getLogger(__name__)

PLUGIN_GROUP = "govbot.commands"
EXIT_USER_ERROR = 2


def register_plugins(target: typer.Typer) -> list[str]:
    """Add the command groups of installed packages (entry points); returns their names."""
    names: list[str] = []
    present = {group.name for group in target.registered_groups}
    for entry in entry_points(group=PLUGIN_GROUP):
        if entry.name in present:
            continue
        try:
            plugin = entry.load()
        except (ImportError, AttributeError) as exc:
            logger.debug("Skipping govbot command %r: %s", entry.name, exc)
            continue
        if not isinstance(plugin, typer.Typer):
            logger.debug("Skipping govbot command %r: %r is not a Typer app", entry.name, plugin)
            continue
        target.add_typer(plugin, name=entry.name)
        names.append(entry.name)
    return names


app = typer.Typer(
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="GovBot: answers citizens' questions from the city's own service descriptions.",
)


class Mode(StrEnum):
    """Search modes offered on the command line."""

    hybrid = "hybrid"
    dense = "dense"
    bm25 = "bm25"


def _settings() -> Settings:
    """Build the one Settings object of this process from the environment."""
    return settings_from_environment(Settings)


@app.callback()
def _root(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log debug output.")] = False,
) -> None:
    level = logging.DEBUG if verbose else logging.WARNING
    logging.basicConfig(
        level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )


@app.command()
def search(
    question: Annotated[str, typer.Argument(help="The citizen's question, in German.")],
    tenant: Annotated[str, typer.Option("--tenant", help="Tenant slug, e.g. muenchen.")],
    k: Annotated[int, typer.Option("--k", "-k", min=1, max=100, help="Documents to show.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
    mode: Annotated[
        Mode | None, typer.Option("--mode", help="Search mode; default: GOVBOT_RETRIEVAL__MODE.")
    ] = None,
) -> None:
    """Search the knowledge base of one tenant: one line per document, best first."""
    settings = _settings()
    with open_retriever(settings) as retriever:
        hits = retriever.search(question, tenant=tenant, k=k, mode=mode.value if mode else None)
    if as_json:
        typer.echo(json.dumps([_hit_json(hit) for hit in hits], ensure_ascii=False, indent=2))
        return
    _print_table(hits, title=f"{tenant}: {question}")


def _hit_json(hit: SearchHit) -> dict[str, Any]:
    return {
        "doc_id": hit.doc_id,
        "title": hit.title,
        "score": hit.score,
        "section": hit.section,
        "url": hit.url,
    }


def _print_table(hits: list[SearchHit], *, title: str) -> None:
    console = Console()
    if not hits:
        console.print("No matching documents.")
        return
    table = Table(title=title, title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("score", justify="right")
    table.add_column("document", no_wrap=True)
    table.add_column("title")
    table.add_column("section")
    for rank, hit in enumerate(hits, start=1):
        table.add_row(str(rank), f"{hit.score:.4f}", hit.doc_id, hit.title, hit.section)
    console.print(table)


# --- Commands of the HTTP API helper: serve, users, purge (bot/cli/serve.py, bot/cli/admin.py) --
cli_serve.register(app)
cli_admin.register(app)
# --- Rasa action server (Rasa integration helper, bot/cli/rasa.py) --------------------------
cli_rasa.register(app)
# --- Staff console: console, up, demo-users (console helper, bot/cli/console.py) --------------
cli_console.register(app)
# --- One question through the dialogue pipeline (dialogue helper, bot/cli/ask.py) -------------
cli_ask.register(app)
# --- Usage report for the council (issue 15, bot/cli/report.py) -----------------------------
cli_report.register(app)


def main() -> None:
    """Console script entry point (``govbot``): GovBotError → message on stderr, exit code 2."""
    register_plugins(app)
    try:
        app()
    except GovBotError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        sys.exit(EXIT_USER_ERROR)
    except (ValidationError, SettingsError) as exc:  # Settings() built by a subcommand
        print(f"Error: {explain_settings_error(exc)}", file=sys.stderr)
        sys.exit(EXIT_USER_ERROR)
