"""The widget's static files and demo page as served by the API (no browser needed)."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from bot.main import create_app
from tests.bot.conftest import make_settings


def _client(tmp_path: Path) -> TestClient:
    # No index is needed to serve static files: the app starts without one.
    return TestClient(create_app(make_settings(tmp_path)))


def test_widget_files_are_served_with_types_and_etags(tmp_path: Path) -> None:
    with _client(tmp_path) as client:
        script = client.get("/widget.js")
        stylesheet = client.get("/widget.css")
        cached = client.get("/widget.js", headers={"If-None-Match": script.headers["etag"]})

    assert script.status_code == 200
    assert script.headers["content-type"] == "text/javascript; charset=utf-8"
    assert stylesheet.headers["content-type"] == "text/css; charset=utf-8"
    assert cached.status_code == 304
    assert cached.content == b""


def test_demo_page_embeds_the_widget_and_names_the_data_source(tmp_path: Path) -> None:
    with _client(tmp_path) as client:
        page = client.get("/")

    assert page.status_code == 200
    html = page.text
    assert '<html lang="de">' in html
    assert "Landeshauptstadt München – Bürgerservice" in html
    assert "Leistungsbeschreibungen: Landeshauptstadt München" in html
    assert 'src="/widget.js" data-govbot-api="" data-tenant="muenchen" data-lang="de"' in html
    assert "script-src 'self'" in page.headers["content-security-policy"]


def test_nothing_is_loaded_from_another_origin(tmp_path: Path) -> None:
    with _client(tmp_path) as client:
        html = client.get("/").text
        script = client.get("/widget.js").text
        stylesheet = client.get("/widget.css").text

    # Links (<a href>) may point anywhere; resources must come from the API's own origin.
    assert re.findall(r'(?:src|<link[^>]*href)="(https?:)?//', html) == []
    assert "url(" not in stylesheet
    assert "@import" not in stylesheet
    assert "innerHTML" not in script.replace("innerHTML is never used", "")
    assert "insertAdjacentHTML" not in script
    assert "document.write" not in script
