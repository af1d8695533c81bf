"""How the ``out_of_scope`` set was checked and how it is split (#12 item 5, #13 item 4).

The set holds questions a citizen could plausibly ask a city chatbot that the tenant's own
content does not answer: other authorities' matters, private-sector matters, small talk,
and topics next to a covered one. The procedure is documented in
``eval/sets/out_of_scope.md``; this module is the part of it that a machine does:

``python -m eval.out_of_scope_set check``
    for every case, searches the words named in its ``notes`` (after ``TERMS_NOTE``)
    in the tenant's own documents, loaded and chunked by ingest as the index holds them
    (the Munich catalogue; an Integreat region's German pages and their English
    translations), and prints how many documents contain each word, with the
    first titles, so that a reader can confirm that none of them answers the question.
``python -m eval.out_of_scope_set split``
    assigns every case of ``out_of_scope.jsonl`` to ``tune`` or ``holdout`` by the rule of
    ``eval.citizens_set.assign_splits`` (case groups by SHA-256 of the group name,
    alternating), stratified by tenant and language, and writes the two halves.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from eval.citizens_set import set_command
from eval.sets_schema import SETS_DIR, EvalCase, load_set
from ingest.chunking import chunk_services
from ingest.dldb import load_dldb
from ingest.integreat import attach_translations, load_integreat, load_translations
from ingest.ozg import enrich, load_catalogue
from knowledge.models import Service

SET_NAME = "out_of_scope"
DATA = Path(__file__).resolve().parents[1] / "data"
# The languages an Integreat region's pages are ingested in besides German (README).
TRANSLATIONS = ("en",)
# The notes of a case end with the words searched, separated by " | ", after this text.
TERMS_NOTE = "searched in the tenant's documents: "
_SHOWN = 3


def tenant_and_language(case: EvalCase) -> tuple[str, str]:
    """The stratum of an ``out_of_scope`` case: its tenant and language."""
    return case.tenant, case.tags.language


def searched_terms(case: EvalCase) -> list[str]:
    """The words the case's notes say were searched (none for pure small talk)."""
    _, found, rest = case.notes.partition(TERMS_NOTE)
    if not found:
        return []
    return [term.strip() for term in rest.split(" | ") if term.strip()]


def tenant_services(tenant: str, *, data: Path = DATA) -> list[Service]:
    """The tenant's documents as ``govbot ingest`` loads them from the shipped data: the
    Munich catalogue with its OZG enrichment (``ingest dldb``), an Integreat region's German
    pages with their English versions joined as translations (``ingest integreat
    --translation``)."""
    if tenant == "muenchen":
        services = load_dldb(data / "muenchen" / "services_de.json", tenant=tenant)
        return enrich(services, load_catalogue(data / "ozg" / "leika_ozg.csv"))
    pages = data / "integreat"
    services = load_integreat(pages / f"{tenant}_de_pages.json", tenant=tenant)
    dumps = [
        load_translations(pages / f"{tenant}_{language}_pages.json", tenant=tenant)
        for language in TRANSLATIONS
    ]
    joined, _ = attach_translations(services, dumps)
    return joined


def tenant_documents(tenant: str, *, data: Path = DATA) -> list[tuple[str, str, str]]:
    """``(doc id, title, plain text)`` of every document of ``tenant`` in each of its
    languages, the text being that of the document's passages in the index (card with
    breadcrumb, headings and keywords, then the sections; ingest/chunking.py)."""
    versions: dict[tuple[str, str], tuple[str, list[str]]] = {}
    for passage in chunk_services(tenant_services(tenant, data=data)):
        _, texts = versions.setdefault((passage.doc_id, passage.language), (passage.title, []))
        texts.append(passage.text)
    return [(doc_id, title, "\n".join(texts)) for (doc_id, _), (title, texts) in versions.items()]


def term_hits(term: str, documents: Sequence[tuple[str, str, str]]) -> list[str]:
    """Titles of the documents whose title or text contains ``term`` (any case)."""
    needle = term.casefold()
    return [
        title
        for _, title, text in documents
        if needle in title.casefold() or needle in text.casefold()
    ]


def _print_check() -> None:
    cases = load_set(SET_NAME, sets_dir=SETS_DIR).cases
    documents = {tenant: tenant_documents(tenant) for tenant in {c.tenant for c in cases}}
    for case in cases:
        terms = searched_terms(case)
        if not terms:
            print(f"{case.id}: no administrative topic, nothing to search for")
            continue
        for term in terms:
            titles = term_hits(term, documents[case.tenant])
            shown = "; ".join(titles[:_SHOWN]) + (" …" if len(titles) > _SHOWN else "")
            print(f"{case.id}: {term!r} in {len(titles)} documents{': ' if titles else ''}{shown}")


def main(argv: Sequence[str] | None = None) -> int:
    """``check`` or ``split`` (see the module docstring)."""
    return set_command(
        argv,
        module="eval.out_of_scope_set",
        set_name=SET_NAME,
        doc=__doc__,
        draw=_print_check,
        draw_name="check",
        stratum=tenant_and_language,
    )


if __name__ == "__main__":
    raise SystemExit(main())
