"""How the ``out_of_scope`` set was checked and how it is split (#12 item 5, #13 item 4).

The set holds questions a citizen could plausibly ask a city chatbot that the tenant's own
content does not answer: other authorities' matters, private-sector matters, small talk,
and topics next to a covered one. The procedure is documented in
``eval/sets/out_of_scope.md``; this module is the part of it that a machine does:

``python -m eval.out_of_scope_set check``
    for every case, searches the words named in its ``notes`` (after ``TERMS_NOTE``)
    in the tenant's own documents (the Munich catalogue; the German and English pages
    of an Integreat region) and prints how many documents contain each word, with the
    first titles, so that a reader can confirm that none of them answers the question.
``python -m eval.out_of_scope_set split``
    assigns every case of ``out_of_scope.jsonl`` to ``tune`` or ``holdout`` by the rule of
    ``eval.citizens_set.assign_splits`` (case groups by SHA-256 of the group name,
    alternating), stratified by tenant and language, and writes the two halves.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from eval.citizens_set import CATALOGUE, description_text, set_command
from eval.sets_schema import SETS_DIR, EvalCase, load_set

SET_NAME = "out_of_scope"
INTEGREAT = Path(__file__).resolve().parents[1] / "data" / "integreat"
INTEGREAT_LANGUAGES = ("de", "en")
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


def tenant_documents(
    tenant: str, *, catalogue: Path = CATALOGUE, integreat: Path = INTEGREAT
) -> list[tuple[str, str, str]]:
    """``(doc id, title, plain text)`` of every source document of ``tenant``."""
    if tenant == "muenchen":
        entries = json.loads(catalogue.read_text(encoding="utf-8"))["data"]
        return [
            (
                f"muenchen/{entry['id']}",
                str(entry["name"]),
                description_text(
                    " ".join(
                        str(part or "")
                        for part in (
                            entry.get("description"),
                            entry.get("fees"),
                            (entry.get("meta") or {}).get("keywords"),
                        )
                    )
                ),
            )
            for entry in entries
        ]
    documents: list[tuple[str, str, str]] = []
    for language in INTEGREAT_LANGUAGES:
        path = integreat / f"{tenant}_{language}_pages.json"
        for page in json.loads(path.read_text(encoding="utf-8")):
            text = description_text(str(page.get("content") or ""))
            documents.append((f"{tenant}/{page['id']}", str(page["title"]), text))
    return documents


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
