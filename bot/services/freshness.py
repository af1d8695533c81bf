"""The weekly freshness list for editors (issue 15 item 5): what is expired, expires soon
or has not been updated for ``knowledge_admin.stale_after_days``.

``govbot report freshness`` prints it as Markdown (run it weekly from cron or a systemd
timer and mail the output to the editors); the console's Wissensbasis page shows the
same flags per service.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bot.services.knowledge_base import CatalogueEntry


@dataclass(frozen=True)
class FreshnessList:
    """The entries an editor should look at, by reason."""

    tenant: str
    today: date
    expired: list[CatalogueEntry]
    expiring: list[CatalogueEntry]
    outdated: list[CatalogueEntry]
    stale_after_days: int
    within_days: int


def freshness_list(
    entries: list[CatalogueEntry],
    *,
    tenant: str,
    today: date,
    stale_after_days: int,
    within_days: int = 14,
) -> FreshnessList:
    """Sort ``entries`` of ``tenant`` into expired, expiring within ``within_days``, outdated."""
    mine = [e for e in entries if e.tenant == tenant]
    soon = today + timedelta(days=within_days)
    expired = [e for e in mine if e.expired(today)]
    expiring = [e for e in mine if e.valid_until is not None and today <= e.valid_until <= soon]
    flagged = {e.doc_id for e in expired}
    outdated = [
        e for e in mine if e.doc_id not in flagged and e.stale(today, after_days=stale_after_days)
    ]
    return FreshnessList(
        tenant=tenant,
        today=today,
        expired=sorted(expired, key=lambda e: (e.valid_until or today, e.doc_id)),
        expiring=sorted(expiring, key=lambda e: (e.valid_until or today, e.doc_id)),
        outdated=sorted(outdated, key=lambda e: (e.updated or date.min, e.doc_id)),
        stale_after_days=stale_after_days,
        within_days=within_days,
    )


def as_markdown(found: FreshnessList) -> str:
    """The list as Markdown for a mail to the editors."""
    lines = [
        f"# Aktualität der Inhalte – {found.tenant}, Woche ab {found.today:%d.%m.%Y}",
        "",
    ]
    sections = (
        ("Abgelaufen („Gültig bis“ überschritten)", found.expired, "gültig bis"),
        (f"Läuft in den nächsten {found.within_days} Tagen ab", found.expiring, "gültig bis"),
        (
            f"Seit mehr als {found.stale_after_days} Tagen nicht aktualisiert",
            found.outdated,
            "Stand",
        ),
    )
    for heading, entries, label in sections:
        lines.append(f"## {heading} ({len(entries)})")
        for entry in entries:
            when = entry.valid_until if label == "gültig bis" else entry.updated
            shown = f"{when:%d.%m.%Y}" if when else "ohne Datum"
            lines.append(f"- {entry.title} ({entry.doc_id}, {label}: {shown}) {entry.url}".rstrip())
        if not entries:
            lines.append("- keine")
        lines.append("")
    return "\n".join(lines)
