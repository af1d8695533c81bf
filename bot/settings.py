"""GovBot's one settings object: the knowledge settings plus the bot's own sections.

Every entry point (CLI, ASGI app factory, console, Rasa actions) builds ``Settings()`` once
and passes it, or the section a component needs, down. The variable names are those of
before the split (issue 11): nested sections with a double underscore, e.g.
``GOVBOT_API__JWT_SECRET``; a few frequently used values have flat aliases documented in
the README (``GOVBOT_QDRANT_URL``, ``GOVBOT_DATABASE_URL``, ``GOVBOT_LLM_BASE_URL`` …).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import (
    AliasChoices,
    BaseModel,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)

from knowledge.errors import ConfigurationError
from knowledge.settings import (
    EmbeddingSettings,
    IndexSettings,
    KnowledgeSettings,
    RetrievalSettings,
    explain_settings_error,
    settings_from_environment,
)

__all__ = [
    "MIN_JWT_SECRET_CHARS",
    "PUBLISHED_JWT_SECRETS",
    "SSO_CALLBACK_PATH",
    "SSO_LOGIN_PATH",
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
    "OidcSettings",
    "RasaSettings",
    "RetrievalSettings",
    "Settings",
    "explain_settings_error",
    "settings_from_environment",
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
    # The promised response time per language (GOVBOT_HANDOFF__EXPECTED_RESPONSES__TR=…);
    # unset → the text catalogue's handoff.expected_response in every language. Once the
    # operator promises a time, every catalogue language needs its text (checked at start,
    # bot/services/handoff.py): a Turkish conversation must not be promised it in German.
    expected_responses: dict[str, str] = Field(default_factory=dict)
    # Shorthands for expected_responses["de"] and ["en"] (older deployments set these).
    expected_response: str | None = None
    expected_response_en: str | None = None

    @field_validator("expected_responses")
    @classmethod
    def _promises(cls, value: dict[str, str]) -> dict[str, str]:
        for language, text in value.items():
            if not re.fullmatch(r"[a-z]{2}", language) or not text.strip() or len(text) > 200:
                raise ValueError(
                    f"GOVBOT_HANDOFF__EXPECTED_RESPONSES: {language!r} needs a two-letter "
                    "language code and a text of 1 to 200 characters"
                )
        return value

    def promised(self) -> dict[str, str]:
        """The operator's response-time text by language (empty: the catalogue's)."""
        shorthand = {"de": self.expected_response, "en": self.expected_response_en}
        return {**{k: v for k, v in shorthand.items() if v}, **self.expected_responses}


class DialogueSettings(BaseModel):
    """Dialogue policy and extractive answers (issue #3; threshold calibrated in docs/policy.md)."""

    rules_path: Path | None = None  # None → the shipped bot/dialogue/rules/policy_de.yaml
    # None → the shipped bot/understanding/expansions_de.yaml (synonyms, aspects, verbs)
    expansions_path: Path | None = None
    # Answer with the best service from this calibrated probability that it is right;
    # below it, offer the plausible services as choices when the probability that the
    # right one is among them reaches clarify_confidence; else "not found". Chosen by
    # cross-validation on the calibration data (eval/clarify_policy.py, docs/policy.md 5).
    min_confidence: float = Field(default=0.69, ge=0, le=1)
    clarify_confidence: float = Field(default=0.5, ge=0, le=1)
    # A verdict request is refused whatever the ranking; the services it may concern are
    # offered with the refusal (issue 12 item 4: "plus the service information") from this
    # probability that the right one is among them: the refusal is the answer, the choices
    # an offer beside it, so a lower bar than clarify_confidence (docs/policy.md, "Reach
    # on decision requests").
    decision_choices_confidence: float = Field(default=0.25, ge=0, le=1)
    max_answer_chars: int = Field(default=1200, ge=200, le=20_000)
    # Issue 17: information-page answers start with the sentences that answer; with
    # ``answer_context`` at most ``answer_context_chars`` of the lines around the
    # question's best match follow them (200, chosen on Integreat train: median under
    # 500 characters), without it the answer is the lead alone; the rest of the page is
    # behind "Mehr anzeigen". Figures in docs/policy.md ("Short by default").
    answer_context: bool = True
    answer_context_chars: int = Field(default=200, ge=0, le=20_000)
    catalogue_tenant: str | None = "ozg"  # shared OZG catalogue consulted when a city lacks a topic
    history_turns: int = Field(default=6, ge=0, le=50)
    k: int = Field(default=5, ge=1, le=50)
    # Semantic safety net behind the emergency rules (bot/dialogue/emergency.py); the
    # examples file defaults to the shipped bot/dialogue/rules/emergency_examples.yaml.
    semantic_emergency_check: bool = True
    emergency_examples_path: Path | None = None
    # Calibrated present-danger classifier combined with the grammar and the net
    # (bot/dialogue/danger.py); the model file defaults to the shipped
    # bot/dialogue/rules/danger_model.json (rebuilt by `govbot eval train-danger`).
    danger_model: bool = True
    danger_model_path: Path | None = None
    # Calibrated verdict-request classifier combined with the decision grammar
    # (bot/dialogue/verdict.py); the model file defaults to the shipped
    # bot/dialogue/rules/verdict_model.json (rebuilt by `govbot eval train-verdict`).
    verdict_model: bool = True
    verdict_model_path: Path | None = None


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
    # Seconds an idle keep-alive connection stays open. Longer than the idle expiry of the
    # clients and proxies in front (httpx 5 s, nginx upstream 60 s): a server that closes
    # first races the client's next request on that connection, which then fails without
    # an answer (seen once under `govbot bench chat` with two workers, issue 14 item 12).
    keep_alive_s: int = Field(default=75, ge=1, le=3600)
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


# Where the API receives the provider's answer (bot/api/routes/sso.py) and starts a login.
SSO_CALLBACK_PATH = "/api/v1/auth/sso/callback"
SSO_LOGIN_PATH = "/api/v1/auth/sso/login"
StaffRoleName = Literal["agent", "editor", "auditor", "admin"]
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


class OidcSettings(BaseModel):
    """Single sign-on for staff with the city's OpenID Connect provider (issue 14, item 11).

    Off while ``issuer`` is unset. The flow and the claim mapping are described in
    docs/security.md; docs/deployment.md has the values for Keycloak and ADFS.
    """

    issuer: str | None = None  # e.g. https://login.stadt.de/realms/verwaltung
    client_id: str | None = None
    client_secret: SecretStr | None = None  # from the environment only; None: public client
    token_auth_method: Literal["client_secret_basic", "client_secret_post", "none"] = (
        "client_secret_basic"
    )
    scopes: list[str] = Field(default_factory=lambda: ["openid", "profile", "email"])
    # Where the provider sends the browser back: the API's public URL + CALLBACK_PATH.
    # None → http://<api.host>:<api.port>/api/v1/auth/sso/callback (a laptop).
    redirect_uri: str | None = None
    # The console the browser returns to after login and logout; None → http://<console.host>:<port>
    console_url: str | None = None
    username_claim: str = "preferred_username"  # ADFS: "upn"
    # A claim name, or a dotted path into nested claims (Keycloak: "realm_access.roles").
    roles_claim: str = "groups"
    # IdP value → GovBot role; the first entry (in this order) the user has decides.
    role_map: dict[str, StaffRoleName] = Field(default_factory=dict)
    tenants_claim: str = "govbot_tenants"
    # IdP value → tenant id ("*": every tenant); empty: the claim's values are tenant ids.
    tenant_map: dict[str, str] = Field(default_factory=dict)
    # Tenants of a user whose token names none (a single-town installation: its tenant).
    default_tenants: list[str] = Field(default_factory=list)
    provider_name: str = Field(default="Anmeldedienst der Stadt", min_length=1, max_length=80)
    timeout_s: float = Field(default=10.0, gt=0, le=120)
    clock_skew_s: int = Field(default=60, ge=0, le=600)
    login_minutes: int = Field(default=10, ge=1, le=60)  # time allowed at the provider's page
    # Production refuses http:// URLs; this allows them for a provider on loopback (tests).
    allow_http_loopback: bool = False

    @property
    def enabled(self) -> bool:
        """True when single sign-on is configured."""
        return self.issuer is not None

    @field_validator("issuer", "client_id", "redirect_uri", "console_url", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # `GOVBOT_OIDC__ISSUER=` (e.g. passed through by compose) means "not configured".
        return None if value == "" else value

    @model_validator(mode="after")
    def _complete(self) -> OidcSettings:
        if self.issuer is None:
            return self
        if not self.client_id:
            raise ConfigurationError(
                "GOVBOT_OIDC__ISSUER is set but GOVBOT_OIDC__CLIENT_ID is not; set the client "
                "id registered for GovBot at the provider"
            )
        if not self.role_map:
            raise ConfigurationError(
                "GOVBOT_OIDC__ROLE_MAP is empty: nobody could sign in; map the provider's "
                "group or role values to GovBot roles, e.g. "
                'GOVBOT_OIDC__ROLE_MAP=\'{"govbot-agents": "agent", "govbot-admins": "admin"}\''
            )
        if "openid" not in self.scopes:
            raise ConfigurationError(
                f"GOVBOT_OIDC__SCOPES={self.scopes!r} lacks 'openid'; without it the provider "
                "issues no ID token"
            )
        if self.redirect_uri is not None and not self.redirect_uri.endswith(SSO_CALLBACK_PATH):
            raise ConfigurationError(
                f"GOVBOT_OIDC__REDIRECT_URI={self.redirect_uri!r} must be the API's public URL "
                f"followed by {SSO_CALLBACK_PATH}, e.g. https://govbot.stadt.de{SSO_CALLBACK_PATH}"
            )
        if self.token_auth_method != "none" and self.client_secret is None:
            raise ConfigurationError(
                f"GOVBOT_OIDC__TOKEN_AUTH_METHOD={self.token_auth_method} needs "
                "GOVBOT_OIDC__CLIENT_SECRET (from the environment); for a public client set "
                "GOVBOT_OIDC__TOKEN_AUTH_METHOD=none"
            )
        return self

    def check_transport(self, *, production: bool) -> None:
        """Refuse URLs that are not https in production (loopback only when allowed)."""
        for variable, url in (
            ("GOVBOT_OIDC__ISSUER", self.issuer),
            ("GOVBOT_OIDC__REDIRECT_URI", self.redirect_uri),
            ("GOVBOT_OIDC__CONSOLE_URL", self.console_url),
        ):
            if url is None:
                continue
            parts = urlsplit(url)
            if parts.scheme not in ("https", "http") or not parts.hostname:
                raise ConfigurationError(f"{variable}={url!r} is not an http(s) URL")
            if parts.scheme == "https" or not production:
                continue
            if not (self.allow_http_loopback and parts.hostname in LOOPBACK_HOSTS):
                raise ConfigurationError(
                    f"{variable}={url!r} is not https; GOVBOT_ENV=production signs staff in "
                    "over https only (GOVBOT_OIDC__ALLOW_HTTP_LOOPBACK=true permits "
                    "http://localhost for tests)"
                )


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
    # The conversation's language and that of the actions' own texts: any language of the
    # text catalogue (bot/texts/<language>.yaml; checked when the action server starts);
    # a slot `govbot_language` wins.
    language: str = Field(default="de", pattern=r"^[a-z]{2,3}$")
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
    oidc: OidcSettings = Field(default_factory=OidcSettings)

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

    @model_validator(mode="after")
    def _refuse_insecure_sign_on(self) -> Settings:
        if self.oidc.enabled:
            self.oidc.check_transport(production=self.env == "production")
        return self

    @property
    def console_api_url(self) -> str:
        """The API base URL the staff console talks to."""
        if self.console.api_url:
            return self.console.api_url.rstrip("/")
        return f"http://{self.api.host}:{self.api.port}"

    @property
    def sso_redirect_uri(self) -> str:
        """Where the identity provider sends the browser back to (the API's callback)."""
        if self.oidc.redirect_uri:
            return self.oidc.redirect_uri
        return f"http://{self.api.host}:{self.api.port}{SSO_CALLBACK_PATH}"

    @property
    def sso_login_url(self) -> str:
        """The browser's entry to single sign-on (the API's public URL + SSO_LOGIN_PATH)."""
        return self.sso_redirect_uri.removesuffix(SSO_CALLBACK_PATH) + SSO_LOGIN_PATH

    @property
    def sso_console_url(self) -> str:
        """The console the browser returns to after signing in or out."""
        if self.oidc.console_url:
            return self.oidc.console_url.rstrip("/")
        return f"http://{self.console.host}:{self.console.port}"

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
