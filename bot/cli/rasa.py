"""``govbot rasa-actions``: serve GovBot's Rasa custom actions with rasa-sdk (issue #7)."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.integrations.rasa_actions import RasaActionConfig, run_action_server
from bot.settings import Settings


def rasa_actions(
    host: Annotated[
        str | None, typer.Option(help="Bind address (default GOVBOT_RASA__HOST, 127.0.0.1).")
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(min=1, max=65535, help="Port (default GOVBOT_RASA__PORT, 5055)."),
    ] = None,
) -> None:
    """Run the Rasa action server with action_govbot_answer and action_govbot_handoff."""
    settings = Settings()
    config = RasaActionConfig.from_settings(settings)
    bind_host = host or settings.rasa.host
    bind_port = port or settings.rasa.port
    typer.echo(
        f"GovBot Rasa actions on http://{bind_host}:{bind_port}/webhook "
        f"(GovBot API {config.api_url}, tenant {config.tenant})",
        err=True,
    )
    run_action_server(config, host=bind_host, port=bind_port)


def register(app: typer.Typer) -> None:
    """Add ``rasa-actions`` to the govbot command line."""
    app.command("rasa-actions")(rasa_actions)
