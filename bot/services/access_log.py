"""Conversation ids out of the logs: they are a conversation's only credential.

Whoever reads an access log line ``GET /api/v1/conversations/<id>/messages`` could read
and write that conversation (issue 14, finding 9). Paths are masked in uvicorn's access
log, and GovBot's own log lines name a conversation by ``log_ref``: a short hash that
groups the lines of one conversation without opening it. The single sign-on callback's
``code`` and ``state`` are masked too.
"""

from __future__ import annotations

import hashlib
import logging
import re

_CONVERSATION_PATH = re.compile(r"(/conversations/)([^/?#\s]+)")
# The single sign-on callback's authorization code and state (bot/api/routes/sso.py):
# short-lived, but credentials of a login all the same.
_SIGN_IN_QUERY = re.compile(r"([?&](?:code|state)=)[^&#\s]+")


def log_ref(conversation_id: str) -> str:
    """A pseudonym of ``conversation_id`` for log lines (8 hex digits of its SHA-256)."""
    return "c-" + hashlib.sha256(conversation_id.encode("utf-8")).hexdigest()[:8]


def mask_path(path: str) -> str:
    """``path`` with the conversation id replaced by its log_ref (and a sign-in's code and
    state by ``…``)."""
    path = _CONVERSATION_PATH.sub(lambda m: m.group(1) + log_ref(m.group(2)), path)
    return _SIGN_IN_QUERY.sub(lambda m: m.group(1) + "…", path)


class MaskConversationIds(logging.Filter):
    """Masks conversation ids in uvicorn's access log records (args: client, method, path, …)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], mask_path(args[2]), *args[3:])
        return True
