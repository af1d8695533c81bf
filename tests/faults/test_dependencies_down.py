"""Database or index unavailable → 503 with Retry-After, and recovery without a restart.

- PostgreSQL stopped: the API talks to PostgreSQL through a TCP relay on loopback that
  the test closes (every connection cut, nothing listening) and opens again — what the
  API sees when the database server stops and comes back (marker ``postgres``).
- SQLite locked by another process: tests/bot/test_api_operations.py
  ``test_locked_database_is_503_with_retry_after``.
- Qdrant Edge index: the version pointer corrupted (names a version that is not there),
  then repaired; and the index directory removed while serving (the open version keeps
  serving).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from qdrant_client import QdrantClient
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.main import create_app
from bot.settings import Settings
from bot.storage.db import make_engine
from knowledge.embedding import Embedder
from knowledge.errors import SearchIndexError
from knowledge.index import EmbedderIdentity, IndexMeta
from knowledge.index_client import ClientIndexReader
from knowledge.retrieval import open_retriever
from tests.bot.conftest import POSTGRES_ENV, make_settings

REFRESH_S = 1.0  # EdgeIndexStore re-reads its version pointer at most this often


class Relay:
    """A TCP relay 127.0.0.1:port → target that can be closed and reopened on the same port."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = 0
        self._listener: socket.socket | None = None
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def open(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def close(self) -> None:
        """Stop listening and cut every relayed connection."""
        with self._lock:
            if self._listener is not None:
                # shutdown wakes the accept() blocked on another thread; close alone does not.
                with contextlib.suppress(OSError):
                    self._listener.shutdown(socket.SHUT_RDWR)
                self._listener.close()
                self._listener = None
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            with self._lock:
                self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)


@pytest.fixture
def postgres_schema_url() -> Iterator[str]:
    """A private schema in the PostgreSQL of CI (``GOVBOT_TEST_POSTGRES_URL``)."""
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"{POSTGRES_ENV} is not set (.ci/run sets it)")
    schema = f"f_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.mark.postgres
def test_postgres_stopped_is_503_with_retry_after_and_recovers(
    postgres_schema_url: str, tmp_path: Path
) -> None:
    real = make_url(postgres_schema_url)
    relay = Relay((real.host or "127.0.0.1", real.port or 5432))
    relay.open()
    url = real.set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)
    settings = make_settings(tmp_path / "data", url)
    try:
        with TestClient(create_app(settings)) as client:
            created = client.post("/api/v1/conversations", json={"tenant": "muenchen"})
            assert created.status_code == 201
            relay.close()
            down = client.post("/api/v1/conversations", json={"tenant": "muenchen"})
            health = client.get("/health")
            relay.open()
            up = client.post("/api/v1/conversations", json={"tenant": "muenchen"})
            listed = client.get(
                f"/api/v1/conversations/{created.json()['conversation_id']}/messages"
            )
    finally:
        relay.close()

    assert down.status_code == 503
    assert down.headers["retry-after"] == "5"
    assert down.json()["error"]["code"] == "database_unavailable"
    assert (health.status_code, health.json()["database"]) == (503, "unavailable")
    assert health.headers["retry-after"] == "30"
    assert (up.status_code, listed.status_code) == (201, 200)


def _copy_index(source: Settings, tmp_path: Path) -> Settings:
    settings = make_settings(tmp_path / "data")
    shutil.copytree(source.index_dir, settings.index_dir)
    return settings


def test_corrupted_index_pointer_is_503_with_retry_after_and_recovers(
    munich_index: Settings, embedder: Embedder, tmp_path: Path
) -> None:
    settings = _copy_index(munich_index, tmp_path)
    pointer = settings.index_dir / "CURRENT"
    good = pointer.read_text()
    with (
        open_retriever(settings, embedder=embedder) as retriever,
        TestClient(create_app(settings, retriever=retriever)) as client,
    ):
        conversation = client.post("/api/v1/conversations", json={"tenant": "muenchen"}).json()
        path = f"/api/v1/conversations/{conversation['conversation_id']}/messages"
        assert client.post(path, json={"text": "Was kostet ein Reisepass?"}).status_code == 200
        pointer.write_text("20990101-000000-000000")  # a version that does not exist
        time.sleep(REFRESH_S + 0.1)
        down = client.post(path, json={"text": "Was kostet ein Personalausweis?"})
        pointer.write_text(good)
        time.sleep(REFRESH_S + 0.1)
        up = client.post(path, json={"text": "Was kostet ein Personalausweis?"})

    assert down.status_code == 503
    assert down.headers["retry-after"] == "30"
    assert down.json()["error"]["code"] == "index_unavailable"
    assert up.status_code == 200
    assert up.json()["answer"]["status"] == "answered"


def test_index_directory_removed_while_serving_keeps_the_open_version(
    munich_index: Settings, embedder: Embedder, tmp_path: Path
) -> None:
    settings = _copy_index(munich_index, tmp_path)
    with (
        open_retriever(settings, embedder=embedder) as retriever,
        TestClient(create_app(settings, retriever=retriever)) as client,
    ):
        conversation = client.post("/api/v1/conversations", json={"tenant": "muenchen"}).json()
        path = f"/api/v1/conversations/{conversation['conversation_id']}/messages"
        shutil.rmtree(settings.index_dir)
        time.sleep(REFRESH_S + 0.1)
        answered = client.post(path, json={"text": "Was kostet ein Reisepass?"})

    assert answered.status_code == 200
    assert answered.json()["answer"]["status"] == "answered"


# qdrant-client checks the server version on a thread and warns when it cannot.
@pytest.mark.filterwarnings("ignore:Failed to obtain server version")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_qdrant_server_unreachable_is_503_with_retry_after(
    embedder: Embedder, tmp_path: Path
) -> None:
    """qdrant-client backend at a closed loopback port: the API starts and answers 503.

    Recovery when the server comes back goes through the same per-query alias check
    (``ClientIndexStore.reader``); it is not tested here, as no Qdrant server runs in CI.
    """
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = make_settings(tmp_path / "data").model_copy(
        update={"index": make_settings(tmp_path).index.model_copy(
            update={"backend": "client", "qdrant_url": f"http://127.0.0.1:{port}"}
        )}
    )  # fmt: skip
    with (
        open_retriever(settings, embedder=embedder) as retriever,
        TestClient(create_app(settings, retriever=retriever)) as client,
    ):
        conversation = client.post("/api/v1/conversations", json={"tenant": "muenchen"})
        health = client.get("/health")
        message = client.post(
            f"/api/v1/conversations/{conversation.json()['conversation_id']}/messages",
            json={"text": "Was kostet ein Reisepass?"},
        )

    assert (health.status_code, health.headers["retry-after"]) == (503, "30")
    assert conversation.status_code == 201  # the known tenant falls back to the default
    assert message.status_code == 503
    assert message.headers["retry-after"] == "30"
    assert message.json()["error"]["code"] == "index_unavailable"


def test_every_read_of_an_unreachable_qdrant_server_is_a_search_index_error() -> None:
    """A search and a service look-up (knowledge/point_reader.py) both say the server is
    not reachable and where to look (SearchIndexError, 503 at the API)."""
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    meta = IndexMeta(
        version="v1", embedder=EmbedderIdentity(name="e5", dim=2), created=datetime.now(UTC)
    )
    # No version check: it runs on a thread that would outlive the test.
    client = QdrantClient(url=f"http://127.0.0.1:{port}", timeout=2, check_compatibility=False)
    reader = ClientIndexReader(client, "govbot_v1", meta)
    try:
        with pytest.raises(SearchIndexError, match="GOVBOT_QDRANT_URL"):
            reader.get_service("muenchen/1")
        with pytest.raises(SearchIndexError, match="not reachable while searching govbot_v1"):
            reader.search(
                dense=[1.0, 0.0], sparse=None, tenant="muenchen", limit=3, mode="dense",
                candidates=10, weights=(1.0, 1.0), rrf_k=60,
            )  # fmt: skip
    finally:
        client.close()
