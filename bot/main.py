"""The ASGI application: ``create_app(settings)`` builds it, the lifespan opens what it needs.

No import-time singletons (STYLE.md point 6): ``app_factory`` (used by ``govbot serve`` via
``uvicorn --factory bot.main:app_factory``) builds Settings once and passes it down.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from bot.api.errors import install_error_handlers
from bot.api.middleware import (
    BodyLimitMiddleware,
    MetricsMiddleware,
    RateLimitMiddleware,
    SecurityHeadersMiddleware,
)
from bot.api.routes import (
    audit,
    auth,
    conversations,
    deprecated,
    documents,
    erasure,
    eval_runs,
    handoff_answers,
    health,
    insights,
    knowledge_admin,
    reports,
    review,
    sso,
    staff,
    widget,
)
from bot.api.routes.api_docs import install_api_docs
from bot.api.validation import storable_parameters
from bot.assistant import build_assistant
from bot.services.conversations import AnswerEngine, ConversationService
from bot.services.curated import with_curated_answers
from bot.services.handoff import check_expected_responses
from bot.services.metrics import Metrics
from bot.services.ratelimit import EngineBudget, RateLimiter, open_storage
from bot.services.signing_key import with_signing_key
from bot.services.sso import SingleSignOn
from bot.settings import Settings
from bot.storage.db import engine_from_settings, migrate, session_factory
from knowledge.errors import SearchIndexError
from knowledge.retrieval import Retriever, open_retriever

logger = logging.getLogger(__name__)


def create_app(
    settings: Settings,
    *,
    retriever: Retriever | None = None,
    engine: AnswerEngine | None = None,
) -> FastAPI:
    """The GovBot API; the lifespan migrates the database and opens what was not passed."""
    configured = settings

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        check_expected_responses(configured.handoff)
        settings = with_signing_key(configured)
        db_engine = engine_from_settings(settings)
        migrate(db_engine)
        own_retriever = retriever is None and engine is None
        active_retriever = _open_retriever(settings) if own_retriever else retriever

        def known_tenants() -> list[str]:
            if active_retriever is None:
                return [settings.default_tenant]
            try:
                return active_retriever.tenants()
            except SearchIndexError:
                return [settings.default_tenant]

        app.state.settings = settings
        app.state.db_engine = db_engine
        app.state.sessions = session_factory(db_engine)
        active_engine: AnswerEngine | None = None
        if engine is not None:
            active_engine = with_curated_answers(
                engine,
                settings=settings.curated,
                sessions=app.state.sessions,
                retriever=active_retriever,
            )
        elif active_retriever is not None:
            active_engine = build_assistant(
                settings, retriever=active_retriever, sessions=app.state.sessions, warm_up=True
            ).engine
        app.state.retriever = active_retriever
        # Staff single sign-on (issue 14, item 11); None: local accounts only.
        app.state.sso = SingleSignOn(settings, storage=storage) if settings.oidc.enabled else None
        app.state.known_tenants = known_tenants

        def index_ready() -> bool:
            if active_retriever is None:  # an engine passed in brings its own index
                return True
            try:
                active_retriever.meta  # noqa: B018 - raises while no index is built
            except SearchIndexError:
                return False
            return True

        app.state.conversations = ConversationService(
            settings=settings,
            engine=active_engine,
            known_tenants=known_tenants,
            index_ready=index_ready,
            budget=budget,
        )
        logger.info(
            "GovBot API ready (database %s, engine %s)",
            db_engine.url.get_backend_name(),
            "loaded" if active_engine is not None else "missing",
        )
        try:
            yield
        finally:
            if own_retriever and active_retriever is not None:
                active_retriever.close()
            db_engine.dispose()

    app = FastAPI(
        title="GovBot API",
        version="1",
        summary="Assistive citizen chat for municipal services: cited answers, human handoff.",
        lifespan=lifespan,
        dependencies=[Depends(storable_parameters)],
        docs_url=None,  # served by install_api_docs without a CDN
        redoc_url=None,  # likewise
    )
    metrics = Metrics()
    # One counter storage (memory, or Redis shared by all replicas) for every limit.
    storage = open_storage(settings.api)
    budget = EngineBudget(settings.api, storage=storage)
    app.state.metrics = metrics
    install_error_handlers(app)
    install_api_docs(app)

    # Routers carry their full /api/v1/... prefix so that the route template seen by the
    # metrics middleware is the public path.
    for module in (conversations, auth, sso, staff, eval_runs, health, widget):
        app.include_router(module.router)
    # Staff console (issue #5).
    for module in (
        review,
        knowledge_admin,
        insights,
        audit,
        handoff_answers,
        erasure,
        deprecated,
    ):
        app.include_router(module.router)
    # Editors' own content (issue 15).
    app.include_router(documents.router)
    app.include_router(reports.router)

    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.api.max_body_bytes,
        # File uploads may be as large as the documents limit (plus the multipart envelope).
        larger_bodies={documents.router.prefix: settings.documents.max_file_bytes + 65_536},
    )
    limiter = RateLimiter(settings.api, storage=storage)
    app.state.limiter = limiter
    app.add_middleware(RateLimitMiddleware, limiter=limiter, metrics=metrics)
    if settings.api.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.api.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", "Authorization"],
            max_age=600,
        )
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    return app


def _open_retriever(settings: Settings) -> Retriever | None:
    try:
        return open_retriever(settings)
    except SearchIndexError as exc:
        logger.warning("index not available, the bot cannot answer yet: %s", exc)
        return None


def app_factory() -> FastAPI:
    """Entry point for uvicorn (``--factory``): reads the environment once."""
    return create_app(Settings())
