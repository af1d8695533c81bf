"""The citizen web widget and its demo page (issue #3 part 8): static files, no build step.

``/widget.js`` is what a city website embeds (with the widget texts of the catalogue,
bot/texts/<language>.yaml, written in); ``/widget.css`` is loaded by the script;
``/`` is a demo page of a fictional city site with the widget; ``/demo.css`` styles it.
"""

from __future__ import annotations

import hashlib
import json
from importlib.resources import files
from importlib.resources.abc import Traversable

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bot.texts.catalogue import shipped_texts

router = APIRouter(tags=["widget"], include_in_schema=False)

STATIC: Traversable = files("bot") / "static"

# Revalidate every time: a city must see a fixed widget at once, and ETags keep it cheap.
CACHE_CONTROL = "no-cache"


# Where widget.js expects the catalogue's widget texts (bot/texts/<language>.yaml).
TEXTS_PLACEHOLDER = b"/*GOVBOT_TEXTS*/ {}"


def widget_texts() -> bytes:
    """The widget's texts of every catalogue language, as a JavaScript object literal."""
    texts = shipped_texts()
    catalogue = {language: texts.section("widget", language) for language in texts.languages}
    return json.dumps(catalogue, ensure_ascii=True, sort_keys=True).encode("ascii")


def _static(request: Request, name: str, media_type: str, *, body: bytes | None = None) -> Response:
    body = (STATIC / name).read_bytes() if body is None else body
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"Cache-Control": CACHE_CONTROL, "ETag": etag}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(content=body, media_type=media_type, headers=headers)


@router.get("/widget.js")
def widget_script(request: Request) -> Response:
    """The embeddable widget (vanilla JavaScript)."""
    script = (STATIC / "widget" / "widget.js").read_bytes()
    if TEXTS_PLACEHOLDER not in script:
        raise RuntimeError("widget.js lacks the texts placeholder /*GOVBOT_TEXTS*/ {}")
    body = script.replace(TEXTS_PLACEHOLDER, widget_texts(), 1)
    return _static(request, "widget/widget.js", "text/javascript; charset=utf-8", body=body)


@router.get("/widget.css")
def widget_stylesheet(request: Request) -> Response:
    """The widget's stylesheet, loaded by ``widget.js`` from next to itself."""
    return _static(request, "widget/widget.css", "text/css; charset=utf-8")


@router.get("/demo.css")
def demo_stylesheet(request: Request) -> Response:
    """Styles of the demo page."""
    return _static(request, "demo.css", "text/css; charset=utf-8")


@router.get("/")
def demo_page(request: Request) -> Response:
    """Demo page of a fictional city website with the widget embedded."""
    return _static(request, "index.html", "text/html; charset=utf-8")
