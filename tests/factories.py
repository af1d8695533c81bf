"""Builders for test data: ``make_<thing>(**overrides)`` returns a valid object."""

from __future__ import annotations

import gzip
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.dialogue.ranking import SearchBackend
from knowledge.embedding import Embedder, Vectors
from knowledge.index import IndexMeta, ScoredPassage, SearchMode
from knowledge.models import Passage, SearchHit, Section, SectionKind, Service, SourceKind

# --- Service builder (ingest helper) ---------------------------------------------------------


def make_service(**overrides: Any) -> Service:
    """A small valid Munich-style Service; ``doc_id`` follows ``tenant``/``native_id``."""
    tenant = overrides.pop("tenant", "muenchen")
    native_id = overrides.pop("native_id", "1063441")
    fields: dict[str, Any] = {
        "doc_id": f"{tenant}/{native_id}",
        "tenant": tenant,
        "native_id": native_id,
        "source": SourceKind.DLDB,
        "title": "Personalausweis",
        "summary": "Sie erhalten den Personalausweis im Scheckkartenformat mit Chip.",
        "sections": [
            Section(
                kind=SectionKind.DESCRIPTION,
                title="Beschreibung",
                text="Sie erhalten den Personalausweis im Scheckkartenformat mit Chip.\n"
                "Für den Besuch im Bürgerbüro brauchen Sie einen Termin.",
            ),
            Section(kind=SectionKind.FEES, title="Gebühren", text="- über 24 Jahren: 46 Euro"),
        ],
        "keywords": ["Perso", "Ausweis"],
        "url": f"https://stadt.muenchen.de/#/services/{native_id}",
    }
    fields.update(overrides)
    return Service(**fields)


# --- Passages: one per section, a trivial chunker for index tests (index helper) -------------


def make_passages(service: Service) -> list[Passage]:
    """One passage per non-empty section of ``service`` (summary first), ids ``<doc_id>#<n>``."""
    pieces = [("Überblick", service.summary)] if service.summary else []
    pieces += [(section.title, section.text) for section in service.sections if section.text]
    return [
        Passage(
            passage_id=f"{service.doc_id}#{number}",
            doc_id=service.doc_id,
            tenant=service.tenant,
            title=service.title,
            section=section,
            text=text,
            url=service.url,
            updated=service.updated,
        )
        for number, (section, text) in enumerate(pieces)
    ]


# --- An Embedder that records what it embeds (index helper) ----------------------------------


class CountingEmbedder:
    """Wraps a real Embedder and records every passage text it was asked to embed."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.passages: list[str] = []
        self.queries = 0

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def dim(self) -> int:
        return self.inner.dim

    def embed_query(self, text: str) -> Vectors:
        self.queries += 1
        return self.inner.embed_query(text)

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        self.queries += len(texts)
        return self.inner.embed_queries(texts)

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        self.passages.extend(texts)
        return self.inner.embed_passages(texts)


# --- A search backend that records what is searched (dialogue helper) ------------------------


class CountingSearch:
    """Wraps a real Retriever (any SearchBackend) and records every search it runs."""

    def __init__(self, inner: SearchBackend) -> None:
        self.inner = inner
        self.searches: list[tuple[str, str, str | None]] = []  # (query, tenant, mode)
        self.languages: list[str | None] = []  # the words language of each hybrid search

    @property
    def meta(self) -> IndexMeta:
        return self.inner.meta

    def search(
        self,
        query: str,
        *,
        tenant: str,
        k: int = 5,
        mode: SearchMode | None = None,
        language: str | None = None,
    ) -> list[SearchHit]:
        self.searches.append((query, tenant, mode))
        self.languages.append(language)
        return self.inner.search(query, tenant=tenant, k=k, mode=mode, language=language)

    def search_passages(
        self, query: str, *, tenant: str, k: int = 5, mode: SearchMode | None = None
    ) -> list[ScoredPassage]:
        self.searches.append((query, tenant, mode))
        return self.inner.search_passages(query, tenant=tenant, k=k, mode=mode)

    def get_service(self, doc_id: str) -> Service | None:
        return self.inner.get_service(doc_id)

    def tenants(self) -> list[str]:
        return self.inner.tenants()

    def versions(self) -> list[str]:
        return self.inner.versions()

    def services(self, tenant: str | None = None) -> list[Service]:
        return self.inner.services(tenant)

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)

    def embed_queries(self, texts: Sequence[str]) -> list[list[float]]:
        return self.inner.embed_queries(texts)


_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _b64(value: int) -> str:
    digits = ""
    while True:
        digits = _DIGITS[value % 64] + digits
        value //= 64
        if value == 0:
            return digits


def write_dictd(stem: Path, articles: list[tuple[str, str]]) -> Path:
    """A dictd dictionary (``stem.index``, ``stem.dict.dz``) holding ``(headword, entry)``."""
    body = b"00-database-info\nA test dictionary\n"
    lines = [f"00databaseinfo\t{_b64(0)}\t{_b64(len(body))}"]
    for word, text in articles:
        data = text.encode("utf-8")
        lines.append(f"{word}\t{_b64(len(body))}\t{_b64(len(data))}")
        body += data
    stem.with_name(stem.name + ".dict.dz").write_bytes(gzip.compress(body))
    stem.with_name(stem.name + ".index").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return stem
