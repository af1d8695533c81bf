"""Which pages exist and which roles see them (the API enforces the same roles again)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from console.context import PageContext
from console.views import audit, documents, evaluation, handoffs, insights, knowledge, review


@dataclass(frozen=True)
class PageSpec:
    """A page: its URL path, German title, icon, roles and render function."""

    key: str
    title: str
    icon: str
    roles: frozenset[str]
    render: Callable[[PageContext], None]


PAGES: tuple[PageSpec, ...] = (
    PageSpec(
        "handoffs",
        "Handoff-Eingang",
        ":material/inbox:",
        frozenset({"agent", "admin"}),
        handoffs.render,
    ),
    PageSpec(
        "review",
        "Antworten prüfen",
        ":material/fact_check:",
        frozenset({"editor", "auditor", "admin"}),
        review.render,
    ),
    PageSpec(
        "knowledge",
        "Wissensbasis",
        ":material/library_books:",
        frozenset({"editor", "admin"}),
        knowledge.render,
    ),
    PageSpec(
        "documents",
        "Dokumente und FAQ",
        ":material/upload_file:",
        frozenset({"editor", "admin"}),
        documents.render,
    ),
    PageSpec(
        "insights",
        "Insights",
        ":material/monitoring:",
        frozenset({"auditor", "admin"}),
        insights.render,
    ),
    PageSpec(
        "evaluation",
        "Evaluation",
        ":material/science:",
        frozenset({"auditor", "admin"}),
        evaluation.render,
    ),
    PageSpec(
        "audit",
        "Audit-Log",
        ":material/receipt_long:",
        frozenset({"auditor", "admin"}),
        audit.render,
    ),
)


def pages_for(role: str) -> list[PageSpec]:
    """The pages ``role`` may open, in menu order."""
    return [page for page in PAGES if role in page.roles]
