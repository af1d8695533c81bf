"""What editors see before a file goes live: the extracted document and its passages.

``govbot ingest files --preview --json`` prints ``PreviewReport``; the API's upload
endpoint runs that command and shows the report (the same JSON shape, declared again on
the bot's side because bot/ and ingest/ do not import each other).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from knowledge.models import Passage, Service


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SectionPreview(_Model):
    """One section as extracted."""

    title: str
    text: str


class PassagePreview(_Model):
    """One passage as it will be searched."""

    section: str
    text: str


class DocumentPreview(_Model):
    """One document (or FAQ entry) as it will be indexed."""

    doc_id: str
    title: str
    url: str
    updated: date | None
    valid_until: date | None
    keywords: list[str]
    sections: list[SectionPreview]
    passages: list[PassagePreview]


class PreviewReport(_Model):
    """Everything a run would index, with the extractors' warnings."""

    documents: list[DocumentPreview]
    warnings: list[str] = Field(default_factory=list)


def preview(
    services: Sequence[Service], chunker: Callable[[Service], list[Passage]], warnings: list[str]
) -> PreviewReport:
    """The preview of ``services`` chunked by ``chunker`` (the same one the sync uses)."""
    return PreviewReport(
        documents=[
            DocumentPreview(
                doc_id=service.doc_id,
                title=service.title,
                url=service.url,
                updated=service.updated,
                valid_until=service.valid_until,
                keywords=service.keywords,
                sections=[SectionPreview(title=s.title, text=s.text) for s in service.sections],
                passages=[PassagePreview(section=p.section, text=p.text) for p in chunker(service)],
            )
            for service in services
        ],
        warnings=warnings,
    )
