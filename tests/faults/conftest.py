"""Fault tests: a real ``govbot serve`` subprocess that can be killed with SIGKILL.

The child gets an explicit environment: the host's variables without any GOVBOT_*
(so nothing of the developer's configuration leaks in) plus the test's settings.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.settings import Settings
from eval.bench.server import ServedApi, start_server, stop_server, wait_healthy


def child_environment(data_dir: Path, database_url: str, **extra: str) -> dict[str, str]:
    """Environment of a served API over ``data_dir`` and ``database_url`` (rate limit off)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVBOT_")}
    env.update(
        GOVBOT_ENV="test",
        GOVBOT_DATA_DIR=str(data_dir),
        GOVBOT_DATABASE_URL=database_url,
        GOVBOT_API__RATE_LIMIT="100000/minute",
        GOVBOT_LOG_LEVEL="WARNING",
        **extra,
    )
    return env


ServerFactory = Callable[[dict[str, str]], ServedApi]


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[ServerFactory]:
    """Start healthy ``govbot serve`` children; all still running are stopped at the end."""
    started: list[ServedApi] = []

    def start(env: dict[str, str]) -> ServedApi:
        api = start_server(env, log_path=tmp_path / f"serve-{len(started)}.log")
        started.append(api)
        wait_healthy(api, timeout_s=240)
        return api

    yield start
    for api in started:
        stop_server(api, kill=True)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite file of the test (the index's data directory is shared read-only)."""
    return f"sqlite:///{tmp_path / 'govbot.sqlite3'}"


def settings_for(data_dir: Path, database_url: str) -> Settings:
    """In-process settings naming the same database as the child (to add staff users)."""
    return Settings(env="test", data_dir=data_dir, database_url=database_url)


def in_flight(method: str, url: str, **kwargs: Any) -> threading.Thread:
    """Send a request on a thread whose connection the test is about to cut by SIGKILL."""

    def send() -> None:
        # The server dies mid-request: exactly what the test provokes.
        with contextlib.suppress(httpx.HTTPError):
            httpx.request(method, url, timeout=60, **kwargs)

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    return thread
