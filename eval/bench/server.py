"""``govbot serve`` as a loopback subprocess, for benchmarks and fault tests.

The caller passes the full environment of the child (library code never reads
``os.environ``); :func:`bench_environment` adds what a benchmark needs on top.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import httpx

from knowledge.errors import GovBotError

# High enough that 16 simulated citizens on one loopback address never meet the limiter
# (the production default is 30/minute per client); the benchmark measures answering.
BENCH_RATE_LIMIT = "1000000/minute"
_SERVE = "from bot.cli.app import main; main()"


class ServerStartError(GovBotError):
    """The API subprocess did not become healthy."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bench_environment(base: Mapping[str, str], *, database_url: str) -> dict[str, str]:
    """``base`` plus a throwaway database and a rate limit the load cannot reach."""
    env = dict(base)
    env["GOVBOT_API__RATE_LIMIT"] = BENCH_RATE_LIMIT
    env["GOVBOT_DATABASE_URL"] = database_url
    return env


class ServedApi:
    """A running ``govbot serve`` child: its URL, process and log file."""

    def __init__(self, process: subprocess.Popen[bytes], url: str, log_path: Path) -> None:
        self.process = process
        self.url = url
        self.log_path = log_path

    @property
    def pid(self) -> int:
        """Process id of the server."""
        return self.process.pid

    def log_tail(self, chars: int = 2000) -> str:
        """The end of the server's output (for error messages)."""
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


def start_server(
    env: Mapping[str, str], *, log_path: Path, port: int | None = None, cwd: Path | None = None
) -> ServedApi:
    """Start ``govbot serve`` on 127.0.0.1 (a free port unless given); does not wait."""
    port = port or free_port()
    log = log_path.open("ab")
    try:
        process = subprocess.Popen(
            [sys.executable, "-c", _SERVE, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=dict(env),
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=cwd,
        )
    finally:
        log.close()
    return ServedApi(process, f"http://127.0.0.1:{port}", log_path)


def wait_healthy(api: ServedApi, *, timeout_s: float = 180.0, require_ok: bool = True) -> None:
    """Poll /health until it answers (200 when ``require_ok``), else ServerStartError."""
    deadline = time.monotonic() + timeout_s
    last = "no answer"
    while time.monotonic() < deadline:
        if api.process.poll() is not None:
            raise ServerStartError(
                f"govbot serve exited with code {api.process.returncode}; "
                f"its output ends with:\n{api.log_tail()}"
            )
        try:
            response = httpx.get(f"{api.url}/health", timeout=5)
        except httpx.HTTPError as exc:
            last = type(exc).__name__
        else:
            if response.status_code == 200 or not require_ok:
                return
            last = f"HTTP {response.status_code}: {response.text[:300]}"
        time.sleep(0.2)
    raise ServerStartError(
        f"govbot serve at {api.url} was not healthy after {timeout_s:.0f} s ({last}); "
        f"check GOVBOT_DATA_DIR holds an index (`govbot ingest demo`). Output:\n{api.log_tail()}"
    )


def stop_server(api: ServedApi, *, kill: bool = False) -> None:
    """SIGTERM (or SIGKILL when ``kill``) and reap the process."""
    if api.process.poll() is None:
        if kill:
            api.process.kill()
        else:
            api.process.terminate()
    try:
        api.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        api.process.kill()
        api.process.wait(timeout=10)


@contextlib.contextmanager
def served(
    env: Mapping[str, str], *, log_path: Path, timeout_s: float = 180.0
) -> Iterator[ServedApi]:
    """A healthy server for the duration of the block, stopped afterwards."""
    api = start_server(env, log_path=log_path)
    try:
        wait_healthy(api, timeout_s=timeout_s)
        yield api
    finally:
        stop_server(api)
