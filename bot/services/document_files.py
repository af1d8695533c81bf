"""Uploaded files on disk, their preview, and the manifest that puts live ones in the index.

bot/ does not parse files (ingest/ does, and the two do not import each other), so the
preview is ``govbot ingest files --manifest <one file> --preview --json`` run in a child
process with this API's settings, and going live is an ingest job running
``govbot ingest files --manifest <all live files> --source upload`` (bot/services/ingest_jobs.py):
a sync, so unchanged documents are not re-embedded and deleted ones leave the index.

Layout: ``<data dir>/uploads/<tenant>/<document id>/v<n>-<file name>``, one manifest per
tenant at ``<data dir>/uploads/<tenant>/manifest.json``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from bot.services.ingest_jobs import GOVBOT_COMMAND, settings_environment
from bot.settings import IngestSourceSettings, Settings
from knowledge.errors import SourceError

# What `govbot ingest files` reads (ingest/documents.py); checked here before storing.
UPLOAD_SUFFIXES = frozenset(
    {".pdf", ".docx", ".html", ".htm", ".md", ".markdown", ".txt", ".csv", ".xlsx"}
)
UPLOADS_SOURCE = "uploads"
PREVIEW_TIMEOUT_S = 120
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class StoredFile:
    """A file written under the uploads folder."""

    relative_path: str  # relative to the data directory
    size_bytes: int
    sha256: str


@dataclass(frozen=True)
class ManifestItem:
    """One live file with what editors set for it."""

    path: str  # relative to the data directory
    native_id: str
    title: str
    url: str
    valid_until: date | None
    keywords: list[str]


def uploads_dir(settings: Settings, tenant: str) -> Path:
    """The tenant's uploads folder."""
    return settings.data_dir / "uploads" / tenant


def check_upload(filename: str, size: int, settings: Settings) -> str:
    """The file name made safe, or SourceError for a wrong type or an oversized file."""
    suffix = Path(filename).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        kinds = ", ".join(sorted(UPLOAD_SUFFIXES))
        raise SourceError(
            f"{filename}: files of type {suffix or '(none)'!r} are not supported; use {kinds}"
        )
    limit = settings.documents.max_file_bytes
    if size > limit:
        raise SourceError(
            f"{filename} is {size / 1_000_000:.1f} MB and over the limit of "
            f"{limit / 1_000_000:.1f} MB; split it or ask the operator to raise "
            "GOVBOT_DOCUMENTS__MAX_FILE_BYTES"
        )
    if size == 0:
        raise SourceError(f"{filename} is empty (0 bytes)")
    stem = _UNSAFE.sub("-", Path(filename).stem).strip("-.")[:80] or "datei"
    return f"{stem}{suffix}"


def store_file(
    settings: Settings, *, tenant: str, document_id: int, number: int, filename: str, data: bytes
) -> StoredFile:
    """Write an upload's bytes durably (temporary name, fsync, rename)."""
    folder = uploads_dir(settings, tenant) / str(document_id)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"v{number}-{filename}"
    partial = target.with_name(target.name + ".part")
    with open(partial, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, target)
    return StoredFile(
        relative_path=target.relative_to(settings.data_dir).as_posix(),
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def preview(settings: Settings, *, tenant: str, item: ManifestItem) -> dict[str, Any]:
    """What ``item`` would put in the index (``PreviewReport`` JSON), or SourceError."""
    folder = settings.data_dir / Path(item.path).parent
    manifest = folder / f"preview-{Path(item.path).stem}.json"
    _write_json(manifest, _manifest([item], base=folder, settings=settings))
    out = _run(
        settings,
        [
            "files",
            "--manifest",
            str(manifest),
            "--tenant",
            tenant,
            "--source",
            "upload",
            "--preview",
            "--json",
        ],
    )
    report: dict[str, Any] = json.loads(out)
    return report


def write_manifest(settings: Settings, *, tenant: str, items: list[ManifestItem]) -> Path:
    """The tenant's manifest of live files (replaced atomically)."""
    folder = uploads_dir(settings, tenant)
    path = folder / "manifest.json"
    _write_json(path, _manifest(items, base=folder, settings=settings))
    return path


def sync_source(settings: Settings, *, tenant: str, manifest: Path) -> IngestSourceSettings:
    """The ingest job that makes the index hold exactly the manifest's files."""
    return IngestSourceSettings(
        tenant=tenant,
        name=UPLOADS_SOURCE,
        args=[
            "files",
            "--manifest",
            str(manifest.resolve()),
            "--tenant",
            tenant,
            "--source",
            "upload",
        ],
        description="Dokumente und FAQ aus der Redaktionskonsole",
    )


def _manifest(items: list[ManifestItem], *, base: Path, settings: Settings) -> dict[str, Any]:
    return {
        "files": [
            {
                "path": os.path.relpath(settings.data_dir / item.path, base),
                "id": item.native_id,
                "title": item.title,
                "url": item.url,
                "valid_until": item.valid_until.isoformat() if item.valid_until else None,
                "keywords": item.keywords,
            }
            for item in items
        ]
    }


def _write_json(path: Path, value: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    partial.write_text(json.dumps(value, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(partial, path)


def _run(settings: Settings, args: list[str]) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVBOT_")}
    env |= settings_environment(settings)
    env["GOVBOT_DOCUMENTS__MAX_FILE_BYTES"] = str(settings.documents.max_file_bytes)
    try:
        done = subprocess.run(
            [*GOVBOT_COMMAND, "ingest", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=PREVIEW_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise SourceError(
            f"reading the file took longer than {PREVIEW_TIMEOUT_S} s; split it into smaller files"
        ) from exc
    errors = [line for line in done.stderr.splitlines() if line.startswith("Error: ")]
    if done.returncode == 2 and errors:  # a user error: one line that says what to do
        raise SourceError(errors[-1].removeprefix("Error: "))
    if done.returncode != 0:
        raise SourceError(
            f"the file could not be read (exit code {done.returncode}): "
            f"{done.stderr.strip()[-500:]}"
        )
    return done.stdout
