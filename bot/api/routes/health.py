"""Operations: /health for load balancers and /metrics for Prometheus."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST

from bot.api.deps import MetricsDep
from bot.api.schemas import HealthPublic, IndexHealth
from bot.storage.db import ping
from knowledge.errors import SearchIndexError

router = APIRouter(tags=["operations"])


@router.get("/health", response_model=HealthPublic)
def health(request: Request) -> JSONResponse:
    """200 when database and index are ready, 503 (with Retry-After) when either is not."""
    database_ok = ping(request.app.state.db_engine)
    retriever = request.app.state.retriever
    index = None
    index_ok = True
    if retriever is not None:
        try:
            meta = retriever.meta
        except SearchIndexError:
            index_ok = False
        else:
            index = IndexHealth(
                version=meta.version, embedder=meta.embedder.name, tenants=list(meta.tenants)
            )
    ready = database_ok and index_ok and request.app.state.conversations.ready
    body = HealthPublic(
        status="ok" if ready else "degraded",
        database="ok" if database_ok else "unavailable",
        index=index,
    )
    headers = None if ready else {"Retry-After": "30"}
    return JSONResponse(
        body.model_dump(mode="json"), status_code=200 if ready else 503, headers=headers
    )


@router.get("/metrics", include_in_schema=False)
def metrics(metrics: MetricsDep) -> Response:
    """Prometheus text exposition."""
    return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)
