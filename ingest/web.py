"""Web pages from a list of URLs or a sitemap → Services, politely and incrementally.

Rules (issue 15 item 4):
- only hosts that are configured are fetched (by default the hosts of the given URLs and
  sitemap; more with ``--allow-host``); a redirect to another host is refused;
- robots.txt of each host is respected for the user agent ``GovBot`` (RFC 9309); a host
  without robots.txt may be fetched;
- pages fetched before are asked for with ``If-Modified-Since``/``If-None-Match``
  (RFC 9110 section 13.1); on ``304 Not Modified`` the stored page is used unchanged, so
  the sync does not re-embed it;
- every response is limited in size (``--max-bytes``) and time (``--timeout-s``);
- a page answering 404 or 410, or newly disallowed by robots.txt, has disappeared and
  leaves the index; any other failure (timeout, 5xx, too large, not HTML) is a per-page
  error and the page's previous version stays, so a flaky server does not empty the index.

What was fetched is kept per tenant in ``<data dir>/web/<tenant>.json`` (validators and
the extracted page), written atomically after each run.
"""

from __future__ import annotations

import json
import logging
import os
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from hashlib import sha256
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from ingest.file_services import FileMetadata, document_service
from ingest.markup_text import html_document
from knowledge.errors import SourceError
from knowledge.models import Service, SourceKind

logger = logging.getLogger(__name__)

USER_AGENT = "GovBot/1 (municipal citizen assistant; respects robots.txt)"
ROBOTS_AGENT = "GovBot"
_SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
GONE = frozenset({404, 410})


@dataclass(frozen=True)
class WebLimits:
    """Per-response limits."""

    max_bytes: int = 2_000_000
    timeout_s: float = 15.0


@dataclass
class WebRun:
    """The pages a run yields and what went wrong per page."""

    services: list[Service] = field(default_factory=list)
    fetched: int = 0
    not_modified: int = 0
    gone: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


def load_web(
    urls: list[str],
    *,
    tenant: str,
    state_path: Path,
    sitemap: str | None = None,
    allowed_hosts: set[str] | None = None,
    limits: WebLimits | None = None,
    transport: httpx.BaseTransport | None = None,
) -> WebRun:
    """Fetch ``urls`` (and those of ``sitemap``) within the allowed hosts; see the module rules."""
    limits = limits or WebLimits()
    hosts = set(allowed_hosts or set()) | {
        _host(u) for u in [*urls, *([sitemap] if sitemap else [])]
    }
    state = _read_state(state_path)
    run = WebRun()
    with httpx.Client(
        headers={"User-Agent": USER_AGENT},
        timeout=limits.timeout_s,
        follow_redirects=True,
        transport=transport,
    ) as client:
        pages = list(dict.fromkeys(urls))
        if sitemap:
            pages.extend(u for u in _sitemap_urls(client, sitemap, limits) if u not in pages)
        if not pages:
            raise SourceError(
                "No pages to fetch: give URLs (--url/--urls) or a sitemap with <loc> entries"
            )
        robots: dict[str, RobotFileParser] = {}
        new_state: dict[str, dict[str, object]] = {}
        for url in pages:
            previous = state.get(url)
            outcome = _fetch_page(client, url, hosts, robots, previous, limits, tenant)
            if isinstance(outcome, _Gone):
                run.gone.append(url)
                run.errors[url] = outcome.reason
                continue
            if isinstance(outcome, str):
                run.errors[url] = outcome
                if previous is not None:  # keep the last good version
                    new_state[url] = previous
                    run.services.append(Service.model_validate(previous["service"]))
                continue
            if outcome is None:
                assert previous is not None
                run.not_modified += 1
                new_state[url] = previous
                run.services.append(Service.model_validate(previous["service"]))
                continue
            run.fetched += 1
            entry, service = outcome
            new_state[url] = entry
            run.services.append(service)
    _write_state(state_path, new_state)
    for url, error in run.errors.items():
        logger.warning("%s: %s", url, error)
    return run


@dataclass(frozen=True)
class _Gone:
    reason: str


def _fetch_page(
    client: httpx.Client,
    url: str,
    hosts: set[str],
    robots: dict[str, RobotFileParser],
    previous: dict[str, object] | None,
    limits: WebLimits,
    tenant: str,
) -> tuple[dict[str, object], Service] | str | _Gone | None:
    """The fetched page, an error text, _Gone, or None for "not modified"."""
    if _host(url) not in hosts:
        return f"host {_host(url)} is not configured (allowed: {', '.join(sorted(hosts))})"
    if not _robots(client, url, robots, limits).can_fetch(ROBOTS_AGENT, url):
        return _Gone("disallowed by robots.txt")
    headers = {}
    if previous is not None:
        if previous.get("last_modified"):
            headers["If-Modified-Since"] = str(previous["last_modified"])
        if previous.get("etag"):
            headers["If-None-Match"] = str(previous["etag"])
    try:
        status, response_headers, body, final_url = _get(client, url, headers, limits)
    except _TooLarge:
        return f"larger than {limits.max_bytes} bytes (--max-bytes)"
    except httpx.TimeoutException:
        return f"no response within {limits.timeout_s:.0f} s (--timeout-s)"
    except httpx.HTTPError as exc:
        return f"cannot fetch: {type(exc).__name__}: {exc}"
    if _host(final_url) not in hosts:
        return f"redirected to {final_url}, a host that is not configured"
    if status == 304 and previous is not None:
        return None
    if status in GONE:
        return _Gone(f"HTTP {status}: the page is gone")
    if status >= 400:
        return f"HTTP {status}"
    if "html" not in response_headers.get("content-type", "text/html"):
        return f"not an HTML page ({response_headers.get('content-type')})"
    document = html_document(body.decode(_charset(response_headers), errors="replace"))
    if not document.sections:
        return "the page has no text"
    modified = _http_date(response_headers.get("last-modified"))
    service = document_service(
        document,
        tenant=tenant,
        source=SourceKind.WEB,
        native_id="web-" + sha256(url.encode()).hexdigest()[:16],
        meta=FileMetadata(url=url),
        fallback_title=url,
        fallback_date=modified or datetime.now(UTC).date(),
    )
    entry: dict[str, object] = {
        "last_modified": response_headers.get("last-modified"),
        "etag": response_headers.get("etag"),
        "fetched": datetime.now(UTC).isoformat(),
        "service": service.model_dump(mode="json"),
    }
    return entry, service


class _TooLarge(Exception):
    pass


def _get(
    client: httpx.Client, url: str, headers: dict[str, str], limits: WebLimits
) -> tuple[int, httpx.Headers, bytes, str]:
    with client.stream("GET", url, headers=headers) as response:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limits.max_bytes:
            raise _TooLarge
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limits.max_bytes:
                raise _TooLarge
            chunks.append(chunk)
        return response.status_code, response.headers, b"".join(chunks), str(response.url)


def _robots(
    client: httpx.Client, url: str, cache: dict[str, RobotFileParser], limits: WebLimits
) -> RobotFileParser:
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    if origin not in cache:
        parser = RobotFileParser(origin + "/robots.txt")
        try:
            status, _, body, _ = _get(client, origin + "/robots.txt", {}, limits)
        except (httpx.HTTPError, _TooLarge):
            status, body = 500, b""
        if status >= 500:  # RFC 9309 2.3.1.4: unreachable → assume complete disallow
            parser.parse(["User-agent: *", "Disallow: /"])
        elif status >= 400:  # RFC 9309 2.3.1.3: no robots.txt → everything may be fetched
            parser.parse([])
        else:
            parser.parse(body.decode("utf-8", errors="replace").splitlines())
        cache[origin] = parser
    return cache[origin]


def _sitemap_urls(client: httpx.Client, sitemap: str, limits: WebLimits) -> list[str]:
    try:
        status, _, body, _ = _get(client, sitemap, {}, limits)
    except (httpx.HTTPError, _TooLarge) as exc:
        raise SourceError(f"Cannot fetch the sitemap {sitemap}: {exc or 'too large'}") from exc
    if status >= 400:
        raise SourceError(f"Cannot fetch the sitemap {sitemap}: HTTP {status}")
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise SourceError(f"The sitemap {sitemap} is not valid XML: {exc}") from exc
    return [
        urljoin(sitemap, (loc.text or "").strip())
        for loc in root.iter(f"{_SITEMAP_NS}loc")
        if loc.text
    ]


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower() + (
        f":{urlsplit(url).port}" if urlsplit(url).port else ""
    )


def _charset(headers: httpx.Headers) -> str:
    content_type = headers.get("content-type", "")
    for part in content_type.split(";"):
        if part.strip().lower().startswith("charset="):
            return part.split("=", 1)[1].strip().strip('"') or "utf-8"
    return "utf-8"


def _http_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).date()
    except (TypeError, ValueError):
        return None


def _read_state(path: Path) -> dict[str, dict[str, object]]:
    if not path.is_file():
        return {}
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        logger.warning("unreadable web state %s; fetching every page again", path)
        return {}
    return value if isinstance(value, dict) else {}


def _write_state(path: Path, state: dict[str, dict[str, object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    partial.write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")
    os.replace(partial, path)
