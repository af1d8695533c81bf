"""``govbot ingest web`` against a real HTTP server on loopback serving real pages.

The server is the standard library's (it answers If-Modified-Since with 304 and missing
files with 404); the pages are Munich service descriptions. Between runs one page changes
and one disappears. Nothing leaves the machine: a sitemap entry on another host is refused
before any request.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ingest.cli import app
from knowledge.models import Service
from knowledge.retrieval import open_retriever
from knowledge.settings import KnowledgeSettings
from tests.ingest.real_documents import munich_service

runner = CliRunner()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A web root served on 127.0.0.1 (an ephemeral port)."""
    root = tmp_path / "www"
    root.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root
    finally:
        server.shutdown()
        server.server_close()


def _rewrite(path: Path, text: str) -> None:
    """Change a served page so that its Last-Modified moves on: HTTP dates have whole
    seconds, so a page rewritten within the same second would rightly be answered 304."""
    path.write_text(text, encoding="utf-8")
    later = path.stat().st_mtime + 5
    os.utime(path, (later, later))


def _page(service: Service, *, note: str = "") -> str:
    sections = "".join(
        f"<h2>{section.title}</h2>"
        + "".join(f"<p>{line}</p>" for line in section.text.splitlines())
        for section in service.sections
    )
    return (
        f"<!DOCTYPE html><html lang=de><head><title>{service.title} – Stadt</title></head>"
        f"<body><nav>Startseite | Bürgerservice</nav><h1>{service.title}</h1>{note}{sections}"
        "<footer>Impressum</footer></body></html>"
    )


def _invoke(data_dir: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    result = runner.invoke(app, ["web", *args, "--json"], env={"GOVBOT_DATA_DIR": str(data_dir)})
    report = json.loads(result.stdout) if result.exit_code == 0 else {}
    return result.exit_code, report, result.stderr


def test_sitemap_sync_follows_changes_and_removals(site: tuple[str, Path], tmp_path: Path) -> None:
    base, root = site
    data_dir = tmp_path / "data"
    pages = {"perso.html": "1063441", "reisepass.html": "1063453", "wohnsitz.html": "1063475"}
    for name, service_id in pages.items():
        (root / name).write_text(_page(munich_service(service_id)), encoding="utf-8")
    (root / "intern").mkdir()
    (root / "intern" / "entwurf.html").write_text("<h1>Entwurf</h1><p>Intern</p>", encoding="utf-8")
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /intern/\n", encoding="utf-8")
    locs = [f"{base}/{name}" for name in pages] + [
        f"{base}/intern/entwurf.html",
        "https://www.example.org/fremd.html",
    ]
    sitemap = '<?xml version="1.0" encoding="UTF-8"?>'
    sitemap += '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    sitemap += "".join(f"<url><loc>{loc}</loc></url>" for loc in locs) + "</urlset>"
    (root / "sitemap.xml").write_text(sitemap, encoding="utf-8")
    old = time.time() - 3600
    for name in pages:
        os.utime(root / name, (old, old))

    code, report, err = _invoke(
        data_dir, "--tenant", "teststadt", "--sitemap", f"{base}/sitemap.xml"
    )
    assert code == 0, err
    assert (report["source"], report["added"]) == ("web", 3)
    assert f"Page {base}/intern/entwurf.html: disallowed by robots.txt" in err
    assert "Page https://www.example.org/fremd.html: host www.example.org is not configured" in err

    code, report, err = _invoke(
        data_dir, "--tenant", "teststadt", "--sitemap", f"{base}/sitemap.xml"
    )
    assert code == 0, err
    assert "Fetched 0, not modified 3, gone 1, errors 1" in err  # If-Modified-Since → 304
    assert (report["unchanged"], report["passages_embedded"]) == (3, 0)

    changed = _page(
        munich_service("1063441"), note="<p>Stand: 01.12.2026. Neue Gebühren ab Januar.</p>"
    )
    _rewrite(root / "perso.html", changed)
    (root / "wohnsitz.html").unlink()
    code, report, err = _invoke(
        data_dir, "--tenant", "teststadt", "--sitemap", f"{base}/sitemap.xml"
    )
    assert code == 0, err
    assert (report["updated"], report["deleted"], report["unchanged"]) == (1, 1, 1)
    assert f"Page {base}/wohnsitz.html: HTTP 404: the page is gone" in err

    with open_retriever(KnowledgeSettings(data_dir=data_dir)) as retriever:
        hits = retriever.search("Neue Gebühren Personalausweis", tenant="teststadt", k=2)
        services = {s.url: s for s in retriever.services("teststadt")}
    assert hits[0].url == f"{base}/perso.html"
    assert services[f"{base}/perso.html"].title == "Personalausweis"
    assert str(services[f"{base}/perso.html"].updated) == "2026-12-01"
    assert f"{base}/wohnsitz.html" not in services


def test_size_and_server_errors_keep_the_previous_version(
    site: tuple[str, Path], tmp_path: Path
) -> None:
    base, root = site
    data_dir = tmp_path / "data"
    (root / "perso.html").write_text(_page(munich_service("1063441")), encoding="utf-8")
    code, report, err = _invoke(data_dir, "--tenant", "teststadt", "--url", f"{base}/perso.html")
    assert code == 0 and report["added"] == 1, err

    _rewrite(root / "perso.html", _page(munich_service("1063441")) + " " * 5000)
    code, report, err = _invoke(
        data_dir, "--tenant", "teststadt", "--url", f"{base}/perso.html", "--max-bytes", "3000"
    )
    assert code == 0, err
    assert f"Page {base}/perso.html: larger than 3000 bytes (--max-bytes)" in err
    assert (report["unchanged"], report["deleted"]) == (1, 0)  # the last good version stays
