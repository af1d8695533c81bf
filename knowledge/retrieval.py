"""Hybrid retrieval: a citizen's question in, the best documents of one tenant out.

The query path is short on purpose (DESIGN.md section 4: ~10 ms to embed the
query, well under 2 ms to search): validate, embed the query once, let the index
return fused passages, and aggregate them to documents (best passage per
document; ties broken by document id so that evaluations are reproducible).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from typing import get_args

from knowledge.document_fusion import FusionWeights, fuse_documents
from knowledge.embedding import Embedder, build_embedder
from knowledge.errors import (
    EmbedderMismatchError,
    InvalidQueryError,
    SearchIndexError,
    UnknownTenantError,
)
from knowledge.hub_cache import HubScoreCache
from knowledge.hubness import discount
from knowledge.index import (
    EmbedderIdentity,
    IndexMeta,
    IndexReader,
    IndexStore,
    ScoredPassage,
    StoredPassage,
)
from knowledge.index import SearchMode as SearchMode
from knowledge.index_edge import EdgeIndexStore
from knowledge.models import CARD_SECTION, SearchHit, Service
from knowledge.query_adapter import QueryAdapter, resolve_query_adapter
from knowledge.query_bounds import shorten
from knowledge.query_centering import QueryDirection, resolve_query_direction
from knowledge.query_translation import QueryTranslator
from knowledge.settings import KnowledgeSettings, RetrievalSettings
from knowledge.sparse import Bm25Encoder

logger = logging.getLogger(__name__)

_MODES: tuple[str, ...] = get_args(SearchMode)
# The dialogue's ranker searches one question in several modes (hybrid, then dense and BM25
# probes); without the query memo every message paid for two query embeddings (issue #8
# profile). In memory only, keyed by a hash of the text, RetrievalSettings.query_memo_size
# entries.


def check_embedder(meta: IndexMeta, embedder: Embedder) -> None:
    """Raise EmbedderMismatchError unless ``embedder`` built the index described by ``meta``."""
    wanted = EmbedderIdentity(name=embedder.name, dim=embedder.dim)
    if meta.embedder != wanted:
        raise EmbedderMismatchError(
            f"Index built with {meta.embedder.name!r} ({meta.embedder.dim} dims) but settings "
            f"ask for {wanted.name!r} ({wanted.dim} dims); re-run `govbot ingest` into a new "
            "GOVBOT_DATA_DIR or change GOVBOT_EMBEDDING__BACKEND / GOVBOT_EMBEDDING__MODEL back"
        )


def aggregate_documents(passages: Sequence[ScoredPassage], k: int) -> list[SearchHit]:
    """One hit per document (its best passage), best first, ties by document id."""
    best: dict[str, ScoredPassage] = {}
    for scored in sorted(passages, key=lambda s: (-s.score, s.passage.passage_id)):
        best.setdefault(scored.passage.doc_id, scored)
    ranked = sorted(best.values(), key=lambda s: (-s.score, s.passage.doc_id))[:k]
    return [
        SearchHit(
            doc_id=s.passage.doc_id,
            tenant=s.passage.tenant,
            title=s.passage.title,
            score=s.score,
            section=s.passage.section,
            url=s.passage.url,
            passage_id=s.passage.passage_id,
            text=s.passage.text,
            updated=s.passage.updated,
            language=s.passage.language,
        )
        for s in ranked
    ]


class Retriever:
    """Searches one index store with one embedder, scoped to a tenant per query."""

    def __init__(
        self,
        store: IndexStore,
        embedder: Embedder,
        settings: RetrievalSettings,
        *,
        sparse: Bm25Encoder | None = None,
        query_memo_size: int | None = None,
        adapter: QueryAdapter | None = None,
        hubs: HubScoreCache | None = None,
        direction: QueryDirection | None = None,
        translator: QueryTranslator | None = None,
    ) -> None:
        if query_memo_size is None:
            query_memo_size = settings.query_memo_size
        if query_memo_size < 0:
            raise ValueError(f"query_memo_size must be 0 or more; got {query_memo_size}")
        self._memo_size = query_memo_size
        if adapter is not None:
            adapter.check_embedder(embedder.name, embedder.dim)
        self._adapter = adapter
        if direction is not None:
            direction.check_embedder(embedder.name, embedder.dim)
        self._direction = direction
        self._translator = translator
        self._store = store
        self._embedder = embedder
        self._settings = settings
        self._sparse = sparse or Bm25Encoder()
        self._verified: str | None = None
        self._memo: OrderedDict[str, list[float]] = OrderedDict()
        self._memo_lock = threading.Lock()
        self._languages: dict[tuple[str, str], frozenset[str]] = {}
        self._languages_lock = threading.Lock()
        self._hubs = hubs or HubScoreCache(k=settings.hub_k)
        try:
            present = store.current_version() is not None
        except SearchIndexError as exc:
            # A Qdrant server down at start: answer 503 until it is back (no restart needed).
            logger.warning("index not reachable at start; retrying on every query: %s", exc)
            present = False
        if present:
            self._reader()  # fail fast on an embedder mismatch

    @property
    def meta(self) -> IndexMeta:
        """Metadata of the index version serving now."""
        return self._reader().meta

    @property
    def settings(self) -> RetrievalSettings:
        """The retrieval settings in use."""
        return self._settings

    def tenants(self) -> list[str]:
        """Tenants that have passages in the index."""
        return list(self._reader().meta.tenants)

    def versions(self) -> list[str]:
        """Index versions the store keeps, oldest first (the serving one among them)."""
        return self._store.versions()

    @property
    def embedder_name(self) -> str:
        """Identity of the embedder that embeds queries (and built the index)."""
        return self._embedder.name

    def stored_passages(self, tenant: str) -> Iterator[StoredPassage]:
        """Every passage of ``tenant`` with its vectors (e.g. to train a query adapter)."""
        return self._reader().iter_stored(tenant)

    def get_service(self, doc_id: str) -> Service | None:
        """The full normalised Service for ``doc_id``, or None if the index has no such document."""
        return self._reader().get_service(doc_id)

    def services(self, tenant: str | None = None) -> list[Service]:
        """Every Service of the serving index version (optionally of one tenant), by doc id."""
        return sorted(self._reader().iter_services(tenant), key=lambda s: s.doc_id)

    def embed_query(self, text: str) -> list[float]:
        """The query embedding of ``text`` (L2-normalised) with the index's embedder; long
        texts and words are shortened first (knowledge/query_bounds.py)."""
        text, key = self._bounded(text)
        with self._memo_lock:
            vector = self._memo.get(key)
            if vector is not None:
                self._memo.move_to_end(key)
                return list(vector)
        vector = [float(x) for x in self._embedder.embed_query(text).tolist()]
        self._remember({key: vector})
        return list(vector)

    def embed_queries(self, texts: Sequence[str]) -> list[list[float]]:
        """``embed_query`` of each of ``texts``, those not in the memo embedded in one call
        (the emergency examples and a tenant's service titles at start)."""
        bounded = [self._bounded(text) for text in texts]
        with self._memo_lock:
            found = {key: self._memo[key] for _, key in bounded if key in self._memo}
        missing = {key: text for text, key in bounded if key not in found}
        if missing:
            vectors = self._embedder.embed_queries(list(missing.values()))
            fresh = {
                key: [float(x) for x in vector.tolist()]
                for key, vector in zip(missing, vectors, strict=True)
            }
            self._remember(fresh)
            found.update(fresh)
        return [list(found[key]) for _, key in bounded]

    def _bounded(self, text: str) -> tuple[str, str]:
        """``text`` shortened for the embedder (knowledge/query_bounds.py), and its memo key."""
        text = shorten(
            text,
            max_chars=self._settings.max_embed_chars,
            max_word_chars=self._settings.max_word_chars,
        )
        return text, hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()

    def _remember(self, vectors: dict[str, list[float]]) -> None:
        if self._memo_size == 0:
            return
        with self._memo_lock:
            for key, vector in vectors.items():
                self._memo[key] = vector
                self._memo.move_to_end(key)
            while len(self._memo) > self._memo_size:
                self._memo.popitem(last=False)

    @property
    def adapter(self) -> QueryAdapter | None:
        """The query adapter applied before passage search, if any."""
        return self._adapter

    def passage_query_vector(self, text: str, *, tenant: str) -> list[float]:
        """The dense vector that passage search in ``tenant`` uses for ``text``: the query
        embedding, mapped by the query adapter when it applies to the tenant
        (knowledge/query_adapter.py), then with ``query_centering`` of the common direction
        of questions removed (knowledge/query_centering.py)."""
        vector = self.embed_query(text)
        if self._adapter is not None and self._adapter.applies_to(tenant):
            vector = self._adapter.apply(vector)
        weight = self._settings.query_centering
        if self._direction is not None and weight > 0:
            vector = self._direction.apply(vector, weight=weight)
        return vector

    def search(
        self,
        query: str,
        *,
        tenant: str,
        k: int = 5,
        mode: SearchMode | None = None,
        language: str | None = None,
    ) -> list[SearchHit]:
        """Best ``k`` documents of ``tenant`` for ``query``, one hit per document, best first.

        ``language`` is the language of the query's words when it is known (None: unknown
        or mixed); hybrid search weighs BM25 by it (:meth:`sparse_weight`)."""
        passages = self.search_passages(
            query, tenant=tenant, mode=mode, k=k, per_document=True, language=language
        )
        return aggregate_documents(passages, k)

    def tenant_languages(self, tenant: str) -> frozenset[str]:
        """The languages the passages of ``tenant`` are written in (its documents' own and
        their translations'), per index version; empty for a tenant the index lacks."""
        reader = self._reader()
        key = (reader.meta.version, tenant)
        with self._languages_lock:
            known = self._languages.get(key)
        if known is not None:
            return known
        languages: set[str] = set()
        for service in reader.iter_services(tenant):
            languages.add(service.language)
            languages.update(t.language for t in service.translations)
        found = frozenset(languages)
        with self._languages_lock:
            self._languages = {k: v for k, v in self._languages.items() if k[0] == key[0]}
            self._languages[key] = found
        return found

    def sparse_weight(self, tenant: str, language: str | None) -> float:
        """The BM25 weight of hybrid search for a query in ``language``: ``sparse_weight``,
        unless the language is known and none of the tenant's passages is written in it
        (``unwritten_language_sparse_weight``: its words meet the pages only by accident)."""
        settings = self._settings
        if language is None or language in self.tenant_languages(tenant):
            return settings.sparse_weight
        return settings.unwritten_language_sparse_weight

    def translated_query(
        self, text: str, *, tenant: str, language: str | None
    ) -> tuple[list[int], list[float]] | None:
        """The German BM25 query of ``text`` when hybrid search translates it: its language
        is known, the tenant does not write it, and a dictionary for it is installed
        (knowledge/query_translation.py); else None."""
        if (
            self._translator is None
            or language is None
            or self._settings.translated_sparse_weight == 0
            or language in self.tenant_languages(tenant)
        ):
            return None
        query = self._translator.query(text, language, encode=self._sparse.query)
        return query if query[0] else None

    def search_passages(
        self,
        query: str,
        *,
        tenant: str,
        k: int = 5,
        mode: SearchMode | None = None,
        per_document: bool = False,
        language: str | None = None,
    ) -> list[ScoredPassage]:
        """The fused candidate passages behind ``search`` (for evaluation and tracing).

        ``per_document`` returns only the best passage of each of the best ``k`` documents;
        the index then reads the payload of those passages only (the fast path of ``search``).
        ``language``: as for ``search``.
        """
        text = self._validate(query, k=k)
        mode = mode or self._settings.mode
        if mode not in _MODES:
            raise InvalidQueryError(f"Search mode {mode!r} is unknown; use one of {_MODES}")
        reader = self._reader()
        if tenant not in reader.meta.tenants:
            known = ", ".join(reader.meta.tenants) or "none"
            raise UnknownTenantError(
                f"Unknown tenant {tenant[:80]!r}: the index has no passages for it "
                f"(known tenants: {known}); ingest it first, e.g. "
                f"`govbot ingest folder DIR --tenant {tenant[:80]}`"
            )
        # The query adapter and centering reorder hybrid search only; the dense probe keeps
        # the plain vector, whose cosines the dialogue's confidence model was fitted on (an adapted
        # probe made the fitted model say "not found" to most Munich questions,
        # docs/retrieval-tuning.md "Query adapter").
        dense = (
            self.passage_query_vector(text, tenant=tenant)
            if mode == "hybrid"
            else self.embed_query(text)
            if mode == "dense"
            else None
        )
        sparse = self._sparse.query(text) if mode != "dense" else None
        candidates = max(self._settings.candidates, k)
        # Single modes ignore the weights; only hybrid search weighs BM25 by the language.
        sparse_weight = (
            self.sparse_weight(tenant, language)
            if mode == "hybrid"
            else self._settings.sparse_weight
        )
        translated = (
            self.translated_query(text, tenant=tenant, language=language)
            if mode == "hybrid"
            else None
        )
        if translated is not None:
            sparse, sparse_weight = translated, self._settings.translated_sparse_weight
        if mode == "hybrid" and self._settings.fusion == "documents":
            return self._fuse_documents(
                reader, dense=dense, sparse=sparse, tenant=tenant, sparse_weight=sparse_weight
            )
        return reader.search(
            dense=dense,
            sparse=sparse,
            tenant=tenant,
            limit=k if per_document else candidates,
            mode=mode,
            candidates=candidates,
            weights=(self._settings.dense_weight, sparse_weight),
            rrf_k=self._settings.rrf_k,
            per_document=per_document,
        )

    def _fuse_documents(
        self,
        reader: IndexReader,
        *,
        dense: list[float] | None,
        sparse: tuple[list[int], list[float]] | None,
        tenant: str,
        sparse_weight: float,
    ) -> list[ScoredPassage]:
        """Document-level score fusion of the raw dense and BM25 candidate lists (BM25
        weighted by ``sparse_weight``)."""
        settings = self._settings
        lists: dict[SearchMode, list[ScoredPassage]] = {}
        for mode in ("dense", "bm25"):
            lists[mode] = reader.search(
                dense=dense,
                sparse=sparse,
                tenant=tenant,
                limit=settings.candidates,
                mode=mode,
                candidates=settings.candidates,
                weights=(settings.dense_weight, settings.sparse_weight),
                rrf_k=settings.rrf_k,
            )
        if settings.hub_weight > 0:
            hubs = self._hubs.get(reader, tenant)
            lists["dense"] = discount(lists["dense"], hubs, weight=settings.hub_weight)
        weights = FusionWeights(
            dense=settings.dense_weight, sparse=sparse_weight, card=settings.card_weight
        )
        return fuse_documents(
            lists["dense"], lists["bm25"], weights=weights, card_section=CARD_SECTION
        )

    def prepare(self) -> None:
        """Compute now what the first query of each tenant would otherwise wait for: the
        hub scores of the serving version (knowledge/hub_cache.py) and the languages of
        its passages; no index is no error here (the first query says so)."""
        try:
            reader = self._reader()
            for tenant in reader.meta.tenants:
                self.tenant_languages(tenant)
            if self._translator is not None and self._settings.translated_sparse_weight > 0:
                for language in sorted(self._translator.languages()):
                    self._translator.dictionary(language)
                if self._settings.hub_weight > 0:
                    self._hubs.get(reader, tenant)
        except SearchIndexError as exc:
            logger.warning("hub scores and languages not prepared at start: %s", exc)

    def close(self) -> None:
        """Close the store."""
        self._store.close()

    def __enter__(self) -> Retriever:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _reader(self) -> IndexReader:
        reader = self._store.reader()
        if reader.meta.version != self._verified:
            check_embedder(reader.meta, self._embedder)
            self._verified = reader.meta.version
        return reader

    def _validate(self, query: str, *, k: int) -> str:
        limit = self._settings.max_query_chars
        if len(query) > limit:
            raise InvalidQueryError(
                f"Query is {len(query):,} characters long; the limit is {limit:,} "
                "(GOVBOT_RETRIEVAL__MAX_QUERY_CHARS); ask a shorter question"
            )
        text = query.strip()
        if not text:
            raise InvalidQueryError(
                "Query is empty; ask a question such as 'Wie beantrage ich einen Personalausweis?'"
            )
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InvalidQueryError(f"Query is not valid text: {exc.reason}") from exc
        if k < 1:
            raise InvalidQueryError(f"k must be at least 1; got {k}")
        return text


def open_store(settings: KnowledgeSettings) -> IndexStore:
    """The index store that ``settings`` asks for (Qdrant Edge on disk by default)."""
    if settings.index.backend == "client":
        # Imported here: qdrant-client takes seconds to import, the Edge default never needs it.
        from knowledge.index_client import ClientIndexStore

        return ClientIndexStore.from_settings(settings)
    return EdgeIndexStore(settings.index_dir, keep_versions=settings.index.keep_versions)


def open_retriever(settings: KnowledgeSettings, embedder: Embedder | None = None) -> Retriever:
    """A Retriever over the configured store with the configured (or given) embedder."""
    embedder = embedder or build_embedder(settings.embedding)
    adapter = resolve_query_adapter(
        enabled=settings.retrieval.query_adapter,
        path=settings.retrieval.query_adapter_path,
        embedder_name=embedder.name,
        embedder_dim=embedder.dim,
    )
    direction = resolve_query_direction(
        weight=settings.retrieval.query_centering,
        path=settings.retrieval.query_direction_path,
        embedder_name=embedder.name,
        embedder_dim=embedder.dim,
    )
    store = open_store(settings)
    hubs = HubScoreCache(k=settings.retrieval.hub_k, directory=settings.data_dir / "cache")
    translator = (
        QueryTranslator(settings.retrieval.dictionary_dir)
        if settings.retrieval.translated_sparse_weight > 0
        else None
    )
    try:
        return Retriever(
            store,
            embedder,
            settings.retrieval,
            adapter=adapter,
            hubs=hubs,
            direction=direction,
            translator=translator,
        )
    except BaseException:
        store.close()
        raise
