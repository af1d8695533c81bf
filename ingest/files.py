"""Reading source files with errors that name the file and what to do."""

from __future__ import annotations

import json
from pathlib import Path

from knowledge.errors import SourceError


def read_text(path: Path, *, what: str) -> str:
    """Read a UTF-8 text file, or raise SourceError naming ``path``."""
    if not path.exists():
        raise SourceError(f"{what} not found: {path} (check the path)")
    if not path.is_file():
        raise SourceError(f"{what} is not a file: {path}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"Cannot read {what} {path}: {exc.strerror}") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"{what} {path} is not valid UTF-8 (invalid byte at offset {exc.start}); "
            "save it as UTF-8"
        ) from exc


def read_json(path: Path, *, what: str) -> object:
    """Parse a JSON file, or raise SourceError naming the file, line and column."""
    text = read_text(path, what=what)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(
            f"{what} {path} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from exc


# Encrypted Office files (and old binary .doc/.xls) start with the OLE2 signature.
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def refuse_ole2(path: Path) -> None:
    """SourceError for a password-protected (or pre-2007 binary) Office file."""
    with open(path, "rb") as handle:
        head = handle.read(len(OLE2_SIGNATURE))
    if head == OLE2_SIGNATURE:
        raise SourceError(
            f"{path.name} is encrypted (password protected) or in the old binary Office format; "
            f"save it without a password as {path.suffix.lower()} and upload it again"
        )
