"""``govbot ask``: one question through the same dialogue pipeline the API uses."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console

from bot.answer import Answer
from bot.assistant import build_assistant
from bot.settings import Settings, settings_from_environment
from bot.storage.db import engine_from_settings, migrate, session_factory
from bot.texts.catalogue import shipped_texts
from knowledge.retrieval import open_retriever


def register(app: typer.Typer) -> None:
    """Add ``ask`` to the ``govbot`` app."""
    app.command("ask")(ask)


def ask(
    question: Annotated[str, typer.Argument(help="The citizen's message.")],
    tenant: Annotated[str, typer.Option("--tenant", help="Tenant slug, e.g. muenchen.")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the Answer object as JSON.")
    ] = False,
) -> None:
    """Answer QUESTION in a fresh conversation and print the Answer object."""
    settings = settings_from_environment(Settings)
    database = engine_from_settings(settings)
    try:
        migrate(database)  # as the API does at start: curated answers live in the database
        with open_retriever(settings) as retriever:
            assistant = build_assistant(
                settings, retriever=retriever, sessions=session_factory(database)
            )
            answer = assistant.respond(question, tenant=tenant)
    finally:
        database.dispose()
    if as_json:
        typer.echo(json.dumps(answer_json(answer), ensure_ascii=False, indent=2))
        return
    _print(answer)


def answer_json(answer: Answer) -> dict[str, object]:
    """The Answer as JSON, with the cited ``doc_ids`` spelled out."""
    return {**answer.model_dump(mode="json"), "doc_ids": answer.doc_ids}


def _print(answer: Answer) -> None:
    console = Console()
    console.print(f"[bold]{answer.status.value}[/bold] (confidence {answer.confidence:.2f})")
    console.print(answer.text, markup=False, highlight=False)
    texts, language = shipped_texts(), answer.language
    for citation in answer.citations:
        updated = f"{citation.updated:%d.%m.%Y}" if citation.updated else ""
        stand = texts.text("cli.stand", language, date=updated) if updated else ""
        line = texts.text(
            "cli.source",
            language,
            doc_id=citation.doc_id,
            title=citation.title,
            section=citation.section or "",
            stand=stand,
            url=citation.url or "",
        )
        console.print(line, markup=False, highlight=False)
    if answer.handoff_offered:
        console.print(texts.text("cli.offer", language))
