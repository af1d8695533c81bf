"""GovBot's one settings object: the knowledge settings plus the bot's own sections.

Every entry point (CLI, ASGI app factory, console, Rasa actions) builds ``Settings()`` once
and passes it, or the section a component needs, down. The variable names are those of
before the split (issue 11): nested sections with a double underscore, e.g.
``GOVBOT_API__JWT_SECRET``; a few frequently used values have flat aliases documented in
the README (``GOVBOT_QDRANT_URL``, ``GOVBOT_DATABASE_URL``, ``GOVBOT_LLM_BASE_URL`` …).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    Field,
    SecretStr,
    ValidationError,
    model_validator,
)
from pydantic_settings import SettingsError

from knowledge.errors import ConfigurationError
from knowledge.settings import (
    EmbeddingSettings,
    IndexSettings,
    KnowledgeSettings,
    RetrievalSettings,
)

__all__ = [
    "MIN_JWT_SECRET_CHARS",
    "PUBLISHED_JWT_SECRETS",
    "ApiSettings",
    "ConsoleSettings",
    "CuratedSettings",
    "DatabaseSettings",
    "DialogueSettings",
    "EmbeddingSettings",
    "HandoffSettings",
    "IndexSettings",
    "IngestSourceSettings",
    "KnowledgeAdminSettings",
    "LlmSettings",
    "RasaSettings",
    "RetrievalSettings",
    "Settings",
    "explain_settings_error",
]

# Published in earlier versions as the default signing secret: refused everywhere, since
# anybody could mint admin tokens with it (issue 14, finding 2).
PUBLISHED_JWT_SECRETS = frozenset({"dev-only-insecure-secret-change-me"})
MIN_JWT_SECRET_CHARS = 32


class DatabaseSettings(BaseModel):
    """Relational storage for conversations, handoffs, feedback, runs."""

    url: str | None = None  # None → SQLite file in the data directory
    echo: bool = False
    # Days after which citizens' original messages are anonymised by `govbot purge`
    # (None: only when an operator runs it with --older-than).
    retention_days: int | None = Field(default=None, ge=1)


class HandoffSettings(BaseModel):
    """Escalations to the service desk: reference numbers and the promised response time."""

    reference_prefix: str = Field(default="GB", pattern=r"^[A-Z]{1,6}$")
    # The promised response time; unset → the text catalogue's handoff.expected_response.
    expected_response: str | None = None
    expected_response_en: str | None = None


class DialogueSettings(BaseModel):
    """Dialogue policy and extractive answers (issue #3; threshold calibrated in docs/policy.md)."""

    rules_path: Path | None = None  # None → the shipped bot/dialogue/rules/policy_de.yaml
    # None → the shipped bot/understanding/expansions_de.yaml (synonyms, aspects, verbs)
    expansions_path: Path | None = None
    # Answer with the best service from this calibrated probability that it is right;
    # below it, offer the plausible services as choices when the probability that the
    # right one is among them reaches clarify_confidence; else "not found" (docs/policy.md).
    min_confidence: float = Field(default=0.5, ge=0, le=1)
    clarify_confidence: float = Field(default=0.5, ge=0, le=1)
    max_answer_chars: int = Field(default=1200, ge=200, le=20_000)
    catalogue_tenant: str | None = "ozg"  # shared OZG catalogue consulted when a city lacks a topic
    history_turns: int = Field(default=6, ge=0, le=50)
    k: int = Field(default=5, ge=1, le=50)
    # Semantic safety net behind the emergency rules (bot/dialogue/emergency.py); the
    # examples file defaults to the shipped bot/dialogue/rules/emergency_examples.yaml.
    semantic_emergency_check: bool = True
    emergency_examples_path: Path | None = None


class LlmSettings(BaseModel):
    """Optional OpenAI-compatible chat model for generated (grounded) answers."""

    base_url: str | None = None
    model: str | None = None
    api_key: SecretStr | None = None
    timeout_s: float = Field(default=20.0, gt=0)
    max_retries: int = Field(default=2, ge=0, le=10)
    temperature: float = Field(default=0.0, ge=0, le=2)
    max_tokens: int = Field(default=300, ge=16, le=4096)
    # Circuit breaker (issue #6): after this many failed requests in a row the LLM is not
    # asked for ``breaker_reset_s`` seconds; answers are extractive meanwhile.
    breaker_fail_max: int = Field(default=3, ge=1, le=100)
    breaker_reset_s: float = Field(default=30.0, gt=0)
    # Grounding check: share of a sentence's content words found in its cited passages.
    min_support: float = Field(default=0.75, gt=0, le=1)


class ApiSettings(BaseModel):
    """HTTP edge: limits, CORS, authentication."""

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    cors_origins: list[str] = Field(default_factory=list)
    max_body_bytes: int = Field(default=64_000, ge=1024)
    max_message_chars: int = Field(default=2000, ge=10)
    rate_limit: str = "30/minute"  # citizens' POSTs per client address
    read_rate_limit: str = "300/minute"  # citizens' GETs (the widget polls) per address
    login_rate_limit: str = "10/minute"  # staff login attempts per user name
    login_address_rate_limit: str = "60/minute"  # staff login attempts per address
    # Seconds of answering (the one engine per process) one client may use (issue 14,
    # finding 5): a client sending costly messages waits, the others are answered.
    engine_time_limit: str = "20/minute"
    # `limits` storage URI; "memory://" counts per worker process (e.g. "redis://host:6379").
    rate_limit_storage: str = "memory://"
    # None: a random secret kept in <data_dir>/jwt-secret (mode 0600), made on first start
    # (bot/services/signing_key.py); production requires it to be set explicitly.
    jwt_secret: SecretStr | None = None
    token_ttl_minutes: int = Field(default=60, ge=1, le=24 * 60)
    # Reverse proxies (addresses or CIDR networks) whose X-Forwarded-For is believed; the
    # client is the right-most hop that is none of them (bot/services/client_address.py).
    trusted_proxies: list[str] = Field(default_factory=list)
    # Kept for configurations from before trusted_proxies: true needs trusted_proxies.
    trust_proxy_headers: bool = False

    @model_validator(mode="after")
    def _proxies_named(self) -> ApiSettings:
        if self.trust_proxy_headers and not self.trusted_proxies:
            raise ConfigurationError(
                "GOVBOT_API__TRUST_PROXY_HEADERS=true trusts X-Forwarded-For from anybody; "
                "name the proxies instead: GOVBOT_API__TRUSTED_PROXIES='[\"172.28.0.10\"]'"
            )
        return self


class ConsoleSettings(BaseModel):
    """The Streamlit staff console (issue #5): where it listens and which API it talks to."""

    host: str = "127.0.0.1"
    port: int = Field(default=8501, ge=1, le=65535)
    api_url: str | None = None  # None → http://<api.host>:<api.port>
    refresh_seconds: int = Field(default=10, ge=2, le=600)


class IngestSourceSettings(BaseModel):
    """A source the staff console may re-ingest: ``govbot ingest <args…>`` for one tenant."""

    tenant: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")
    args: list[str] = Field(min_length=1)  # e.g. ["dldb", "data/muenchen/services_de.json", ...]
    description: str = ""


def _demo_sources() -> list[IngestSourceSettings]:
    return [
        IngestSourceSettings(
            tenant="muenchen",
            name="dldb",
            args=["dldb", "data/muenchen/services_de.json", "--tenant", "muenchen"],
            description="Dienstleistungsdatenbank München (DLDB-Export, CC BY 4.0)",
        )
    ]


class KnowledgeAdminSettings(BaseModel):
    """Knowledge-base administration from the console: freshness and re-runnable sources."""

    stale_after_days: int = Field(default=365, ge=1)
    sources: list[IngestSourceSettings] = Field(default_factory=_demo_sources)
    ingest_timeout_s: int = Field(default=3600, ge=10)


class CuratedSettings(BaseModel):
    """Curated answers: approved corrections served for the same and similar questions."""

    enabled: bool = True
    # Cosine similarity of the two questions' query embeddings (calibration: bot/curated.py).
    min_similarity: float = Field(default=0.95, ge=0, le=1)


class RasaSettings(BaseModel):
    """The Rasa action server (issue #7): which GovBot API it calls and where it listens."""

    govbot_api_url: str | None = None  # None → http://<api.host>:<api.port>
    default_tenant: str | None = None  # None → default_tenant; a slot `govbot_tenant` wins
    language: Literal["de", "en"] = "de"
    timeout_s: float = Field(default=10.0, gt=0, le=120)
    host: str = "127.0.0.1"
    port: int = Field(default=5055, ge=1, le=65535)  # Rasa's usual action server port
    transcript_turns: int = Field(default=20, ge=0, le=50)  # sent along with a handoff


class Settings(KnowledgeSettings):
    """All of GovBot's configuration (prefix ``GOVBOT_``): the knowledge settings plus the
    bot's own sections."""

    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    llm: LlmSettings = Field(default_factory=LlmSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    handoff: HandoffSettings = Field(default_factory=HandoffSettings)
    dialogue: DialogueSettings = Field(default_factory=DialogueSettings)
    console: ConsoleSettings = Field(default_factory=ConsoleSettings)
    knowledge_admin: KnowledgeAdminSettings = Field(default_factory=KnowledgeAdminSettings)
    curated: CuratedSettings = Field(default_factory=CuratedSettings)
    rasa: RasaSettings = Field(default_factory=RasaSettings)

    # Flat aliases for the variables operators set most (documented in the README).
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("GOVBOT_DATABASE_URL", "database_url")
    )
    llm_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("GOVBOT_LLM_BASE_URL", "llm_base_url")
    )
    llm_model: str | None = Field(
        default=None, validation_alias=AliasChoices("GOVBOT_LLM_MODEL", "llm_model")
    )
    llm_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("GOVBOT_LLM_API_KEY", "llm_api_key")
    )

    @model_validator(mode="after")
    def _apply_aliases(self) -> Settings:
        if self.database_url:
            self.database.url = self.database_url
        if self.llm_base_url:
            self.llm.base_url = self.llm_base_url
        if self.llm_model:
            self.llm.model = self.llm_model
        if self.llm_api_key:
            self.llm.api_key = self.llm_api_key
        return self

    @model_validator(mode="after")
    def _refuse_unsafe_secrets(self) -> Settings:
        secret = self.api.jwt_secret.get_secret_value() if self.api.jwt_secret else None
        if secret in PUBLISHED_JWT_SECRETS:
            raise ConfigurationError(
                "GOVBOT_API__JWT_SECRET is the secret published in GovBot's repository; "
                "unset it (a random one is kept in the data directory) or set your own "
                "(e.g. `openssl rand -hex 32`)"
            )
        if self.env == "production" and (secret is None or len(secret) < MIN_JWT_SECRET_CHARS):
            raise ConfigurationError(
                f"GOVBOT_API__JWT_SECRET must be set to a random value of at least "
                f"{MIN_JWT_SECRET_CHARS} characters when GOVBOT_ENV=production "
                "(e.g. `openssl rand -hex 32`)"
            )
        return self

    @property
    def console_api_url(self) -> str:
        """The API base URL the staff console talks to."""
        if self.console.api_url:
            return self.console.api_url.rstrip("/")
        return f"http://{self.api.host}:{self.api.port}"

    @property
    def rasa_api_url(self) -> str:
        """The GovBot API base URL the Rasa action server talks to."""
        if self.rasa.govbot_api_url:
            return self.rasa.govbot_api_url.rstrip("/")
        return f"http://{self.api.host}:{self.api.port}"

    @property
    def sqlalchemy_url(self) -> str:
        """Database URL; defaults to a SQLite file in the data directory."""
        if self.database.url:
            return self.database.url
        return f"sqlite:///{(self.data_dir / 'govbot.sqlite3').resolve()}"


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
