"""Disk full during an ingest: a clear error, and the previous index keeps serving (issue #8).

The data directory lives on a small tmpfs mounted for this test (needs root, as in CI
and on the development machines); after a first sync the rest of the filesystem is
filled with a ballast file, so the next sync finds no space for a new index version.
Known limit, not hidden: Qdrant Edge cannot *open* a shard on a completely full disk
(its memory maps end the process with SIGBUS), so the serving reader is opened before
the disk fills, as in a running API.
"""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.settings import RetrievalSettings
from ingest.chunking import chunk_service
from ingest.sync import sync_tenant
from knowledge.embedding import Embedder
from knowledge.errors import GovBotError
from knowledge.index_edge import EdgeIndexStore
from knowledge.models import Section, SectionKind, Service
from knowledge.retrieval import Retriever
from tests.factories import make_service

TMPFS_SIZE = "256m"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (CI and the dev machines run as root)")
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={TMPFS_SIZE}", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def _services(fee_text: str) -> list[Service]:
    fees = Section(kind=SectionKind.FEES, title="Gebühren", text=fee_text)
    return [
        make_service(sections=[fees]),
        make_service(native_id="1063453", title="Reisepass", summary="Reisepass beantragen."),
    ]


def _fill(directory: Path) -> None:
    """Write ballast until the filesystem reports ENOSPC."""
    chunk = b"\0" * (1024 * 1024)
    with (directory / "ballast.bin").open("wb") as ballast:
        try:
            while True:
                ballast.write(chunk)
                ballast.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC


def test_ingest_on_a_full_disk_fails_clearly_and_the_old_index_serves(
    small_disk: Path, embedder: Embedder
) -> None:
    index_dir = small_disk / "index"
    with EdgeIndexStore(index_dir) as store:
        first = sync_tenant(
            _services("Die Gebühr beträgt 37,00 Euro."),
            tenant="muenchen",
            source="dldb",
            store=store,
            embedder=embedder,
            chunker=chunk_service,
        )
        # The API has its reader open before the disk fills up, as a running service does.
        retriever = Retriever(store, embedder, RetrievalSettings())
        _fill(small_disk)
        try:
            with pytest.raises(GovBotError) as raised:
                sync_tenant(
                    _services("Die Gebühr beträgt 22,80 Euro für Personen unter 24 Jahren."),
                    tenant="muenchen",
                    source="dldb",
                    store=store,
                    embedder=embedder,
                    chunker=chunk_service,
                    rebuild=True,
                )
            message = str(raised.value)
            assert "Not enough disk space" in message, message
            assert "the current version still serves" in message, message

            assert store.current_version() == first.index_version
            hits = retriever.search("Was kostet der Personalausweis?", tenant="muenchen", k=2)
            assert hits[0].doc_id == "muenchen/1063441"
            service = retriever.get_service("muenchen/1063441")
            assert service is not None
            assert "37,00 Euro" in service.sections[0].text
        finally:
            retriever.close()

    # After freeing space the next ingest completes.
    (small_disk / "ballast.bin").unlink()
    with EdgeIndexStore(index_dir) as store:
        second = sync_tenant(
            _services("Die Gebühr beträgt 22,80 Euro für Personen unter 24 Jahren."),
            tenant="muenchen",
            source="dldb",
            store=store,
            embedder=embedder,
            chunker=chunk_service,
        )
        assert second.updated == 1
        assert second.index_version != first.index_version
