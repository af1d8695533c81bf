"""The weekly freshness list: expired, expiring and outdated entries, as Markdown."""

from __future__ import annotations

from datetime import date

from bot.services.freshness import as_markdown, freshness_list
from bot.services.knowledge_base import CatalogueEntry

TODAY = date(2026, 12, 7)


def _entry(doc_id: str, *, updated: date | None, valid_until: date | None = None) -> CatalogueEntry:
    return CatalogueEntry(
        doc_id=f"teststadt/{doc_id}",
        tenant="teststadt",
        title=doc_id.replace("-", " ").title(),
        source="upload",
        updated=updated,
        url="",
        valid_until=valid_until,
    )


def test_freshness_list_sorts_entries_by_reason() -> None:
    entries = [
        _entry("gebuehren-2026", updated=date(2026, 1, 2), valid_until=date(2026, 12, 1)),
        _entry("hundesteuer", updated=date(2026, 11, 1), valid_until=date(2026, 12, 20)),
        _entry("merkblatt-alt", updated=date(2024, 5, 1)),
        _entry("ohne-datum", updated=None),
        _entry("aktuell", updated=date(2026, 11, 30), valid_until=date(2027, 6, 30)),
    ]
    found = freshness_list(entries, tenant="teststadt", today=TODAY, stale_after_days=365)
    assert [e.doc_id for e in found.expired] == ["teststadt/gebuehren-2026"]
    assert [e.doc_id for e in found.expiring] == ["teststadt/hundesteuer"]
    assert [e.doc_id for e in found.outdated] == ["teststadt/ohne-datum", "teststadt/merkblatt-alt"]
    text = as_markdown(found)
    assert "## Abgelaufen („Gültig bis“ überschritten) (1)" in text
    assert "- Gebuehren 2026 (teststadt/gebuehren-2026, gültig bis: 01.12.2026)" in text
    assert "- Ohne Datum (teststadt/ohne-datum, Stand: ohne Datum)" in text
