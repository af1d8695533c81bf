"""Fixtures of the index and retrieval tests: a tiny two-tenant corpus with real vectors."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from qdrant_client import QdrantClient

from knowledge.embedding import Embedder
from knowledge.index import EmbedderIdentity, IndexMeta, IndexStore, StoredPassage
from knowledge.index_client import ClientIndexStore
from knowledge.index_edge import EdgeIndexStore
from knowledge.models import Section, SectionKind, Service
from knowledge.sparse import Bm25Encoder
from tests.factories import make_passages, make_service


def _section(title: str, text: str) -> list[Section]:
    return [Section(kind=SectionKind.DESCRIPTION, title=title, text=text)]


def corpus_services() -> list[Service]:
    """Seven short services of two tenants; the two 'Hundesteuer' twins are identical."""
    twin = {
        "title": "Hundesteuer",
        "summary": "",
        "keywords": [],
        "sections": _section("Beschreibung", "Wer einen Hund hält, zahlt Hundesteuer."),
    }
    return [
        make_service(),  # muenchen/1063441 Personalausweis
        make_service(
            native_id="1063453",
            title="Reisepass",
            summary="",
            sections=_section(
                "Beschreibung", "Einen Reisepass brauchen Sie für Reisen außerhalb der EU."
            ),
        ),
        make_service(
            native_id="1063475",
            title="Wohnsitzanmeldung",
            summary="",
            sections=_section(
                "Beschreibung", "Wenn Sie nach München ziehen, melden Sie Ihre Wohnung an."
            ),
        ),
        make_service(native_id="7000001", **twin),
        make_service(native_id="7000002", **twin),
        make_service(
            tenant="lkaugsburg",
            native_id="5484709",
            title="Kindergeld",
            summary="",
            sections=_section("Inhalt", "Kindergeld beantragen Sie bei der Familienkasse."),
        ),
        make_service(
            tenant="lkaugsburg",
            native_id="5484800",
            title="Personalausweis im Landkreis",
            summary="",
            sections=_section("Inhalt", "Den Personalausweis beantragen Sie im Bürgerbüro."),
        ),
    ]


def embed_services(
    services: list[Service], embedder: Embedder, sparse: Bm25Encoder
) -> list[StoredPassage]:
    """Passages of ``services`` with real dense and BM25 vectors."""
    passages = [(s, p) for s in services for p in make_passages(s)]
    texts = [p.embedding_text() for _, p in passages]
    vectors = embedder.embed_passages(texts)
    stored = []
    for (service, passage), text, vector in zip(passages, texts, vectors, strict=True):
        indices, values = sparse.document(text)
        stored.append(
            StoredPassage(
                passage=passage,
                dense=vector.tolist(),
                sparse_indices=indices,
                sparse_values=values,
                service_hash=service.content_hash(),
            )
        )
    return stored


@dataclass(frozen=True)
class Corpus:
    """Services, their stored passages and the identity of the embedder that made them."""

    services: list[Service]
    stored: list[StoredPassage]
    identity: EmbedderIdentity

    def without(self, doc_id: str) -> tuple[list[Service], list[StoredPassage]]:
        """Services and passages of every other document."""
        return (
            [s for s in self.services if s.doc_id != doc_id],
            [p for p in self.stored if p.passage.doc_id != doc_id],
        )


@pytest.fixture(scope="session")
def corpus(embedder: Embedder) -> Corpus:
    """The tiny corpus, embedded once per session."""
    services = corpus_services()
    stored = embed_services(services, embedder, Bm25Encoder())
    return Corpus(services, stored, EmbedderIdentity(name=embedder.name, dim=embedder.dim))


def build_version(
    store: IndexStore,
    services: list[Service],
    stored: list[StoredPassage],
    identity: EmbedderIdentity,
) -> IndexMeta:
    """Write one complete version and commit it."""
    writer = store.writer(identity)
    writer.add(stored, services)
    return writer.commit()


StoreFactory = Callable[..., IndexStore]


@pytest.fixture(params=["edge", "client"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreFactory]:
    """Opens stores of one backend over the same storage (a second 'process' sees the first).

    Qdrant Edge lives in tmp_path; qdrant-client runs in its ``:memory:`` local mode, which
    speaks the same client API as a server (payload indexes are server-only, so off).
    """
    opened: list[IndexStore] = []
    client = QdrantClient(":memory:") if request.param == "client" else None

    def factory(*, keep_versions: int = 2, refresh_interval_s: float = 1.0) -> IndexStore:
        store: IndexStore
        if client is None:
            store = EdgeIndexStore(
                tmp_path / "index",
                keep_versions=keep_versions,
                refresh_interval_s=refresh_interval_s,
            )
        else:
            store = ClientIndexStore(
                client,
                keep_versions=keep_versions,
                payload_indexes=False,
                refresh_interval_s=refresh_interval_s,
            )
        opened.append(store)
        return store

    yield factory
    for store in opened:
        if isinstance(store, EdgeIndexStore):
            store.close()
    if client is not None:
        client.close()
