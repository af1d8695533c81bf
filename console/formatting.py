"""How the console writes times, durations, statuses, numbers (German) and links.

Citizen text (messages, handoff reasons, feedback comments) is never given to
``st.markdown``: views show it with ``st.text``, which renders nothing (issue 14,
finding 6: links and remote images in a reason rendered for agents).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError

STATUS_LABELS = {
    "answered": "beantwortet",
    "clarify": "Rückfrage",
    "unanswerable": "nicht beantwortbar",
    "handoff": "Übergabe",
    "refused_decision": "Entscheidung abgelehnt",
    "emergency": "Notfall",
    "guardrail": "Schutzregel",
    "error": "Fehler",
}
HANDOFF_STATUS_LABELS = {"open": "offen", "claimed": "übernommen", "closed": "abgeschlossen"}
CORRECTION_STATUS_LABELS = {
    "pending": "wartet auf Freigabe",
    "approved": "freigegeben (wird ausgespielt)",
    "rejected": "abgelehnt",
    "withdrawn": "zurückgezogen",
}
JOB_STATUS_LABELS = {"running": "läuft", "finished": "fertig", "failed": "fehlgeschlagen"}
VERDICT_LABELS = {"correct": "korrekt", "wrong": "falsch", None: "ungeprüft"}
ROLE_SPEAKERS = {
    "citizen": "Bürger:in",
    "bot": "Assistent",
    "agent": "Service-Team",
    "system": "System",
}


def local_time(value: datetime | None, zone: str = "Europe/Berlin") -> str:
    """``23.11.2026 14:05`` in local time, or an en dash."""
    if value is None:
        return "–"
    return value.astimezone(ZoneInfo(zone)).strftime("%d.%m.%Y %H:%M")


def day(value: date | None) -> str:
    """``23.11.2026`` or an en dash."""
    return value.strftime("%d.%m.%Y") if value else "–"


def duration(seconds: int | float) -> str:
    """``45 s``, ``12 min``, ``3 h 05 min``, ``2 T 4 h``."""
    total = int(seconds)
    if total < 60:
        return f"{total} s"
    minutes = total // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} T {hours} h"


def percent(value: float | int | None) -> str:
    """``12,5 %`` or an en dash."""
    if value is None:
        return "–"
    return f"{value * 100:.1f} %".replace(".", ",")


_GERMAN = Locale("de")


def language_label(code: str | None) -> str:
    """``Englisch (en)``: the German name of a language code (CLDR via Babel), else the code."""
    if not code:
        return "–"
    try:
        name = _GERMAN.languages.get(code.split("-")[0])
    except (ValueError, UnknownLocaleError):
        name = None
    return f"{name} ({code})" if name else code


def status_label(status: str | None) -> str:
    """An answer status in German."""
    return STATUS_LABELS.get(status or "", status or "–")


def source_link(title: str, url: str | None) -> str:
    """A Markdown link to a source when its URL is http(s); otherwise the title as text.

    Titles are escaped so that a title cannot add links, images or formatting of its own
    (issue 14, finding 6); other schemes (``javascript:``, ``data:``) never become links.
    """
    shown = escape_markdown(title)
    if url and urlsplit(url).scheme in ("http", "https"):
        target = url.replace("(", "%28").replace(")", "%29").replace(" ", "%20")
        return f"[{shown}]({target})"
    return shown


def escape_markdown(text: str) -> str:
    """``text`` as literal characters inside ``st.markdown`` (Markdown, HTML, math, emoji)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:&])")
