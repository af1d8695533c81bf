"""Interactive API docs (Swagger UI at ``/docs``) served by GovBot itself.

FastAPI's default pages load their scripts from a CDN, which a city intranet or an
offline machine cannot reach; the assets come from the ``fastapi-offline`` package.
ReDoc is not offered: its page loads a logo from Redocly's CDN.
"""

from __future__ import annotations

from importlib.resources import files

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS_PREFIX = "/docs-assets"
ASSETS_DIR = files("fastapi_offline") / "static"
TITLE = "GovBot API"

router = APIRouter(include_in_schema=False)


@router.get("/docs")
def swagger_ui() -> HTMLResponse:
    """Swagger UI for ``/openapi.json``, with scripts and styles from this server."""
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title=TITLE,
        swagger_js_url=f"{ASSETS_PREFIX}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS_PREFIX}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS_PREFIX}/favicon.png",
    )


def install_api_docs(app: FastAPI) -> None:
    """Mount the local docs; the app must be built with ``docs_url=None, redoc_url=None``."""
    app.mount(ASSETS_PREFIX, StaticFiles(directory=str(ASSETS_DIR)), name="docs-assets")
    app.include_router(router)
