"""``govbot ingest files`` end to end: real documents, the real embedder, a real index."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from typer.testing import CliRunner

from ingest.cli import app
from knowledge.retrieval import open_retriever
from knowledge.settings import KnowledgeSettings
from tests.ingest.real_documents import (
    integreat_faq_rows,
    munich_service,
    write_faq_csv,
    write_scanned_pdf,
    write_service_docx,
    write_service_pdf,
)

runner = CliRunner()


def invoke(data_dir: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["files", *args], env={"GOVBOT_DATA_DIR": str(data_dir)})
    return result.exit_code, result.stdout, result.stderr


def test_files_sync_embeds_only_what_changed_and_deletes_removed_files(tmp_path: Path) -> None:
    data_dir, docs = tmp_path / "data", tmp_path / "docs"
    docs.mkdir()
    perso = munich_service("1063441")
    pdf = write_service_pdf(docs / "personalausweis.pdf", perso, stand=date(2026, 6, 8))
    word = write_service_docx(
        docs / "wohnsitz.docx", munich_service("1063475"), stand=date(2026, 5, 1)
    )
    faq = write_faq_csv(docs / "faq.csv", integreat_faq_rows(2))

    code, out, err = invoke(
        data_dir,
        str(pdf),
        str(word),
        str(faq),
        "--tenant",
        "muenchen",
        "--valid-until",
        "2026-12-31",
        "--json",
    )
    assert code == 0, err
    report = json.loads(out)
    assert (report["source"], report["added"], report["deleted"]) == ("files", 4, 0)
    first_embedded = report["passages_embedded"]
    assert first_embedded == report["passages_total"] > 4

    code, out, err = invoke(
        data_dir, str(docs), "--tenant", "muenchen", "--valid-until", "2026-12-31", "--json"
    )
    assert code == 0, err  # the folder holds the same three files: nothing to embed
    report = json.loads(out)
    assert (report["unchanged"], report["passages_embedded"]) == (4, 0)

    word.unlink()
    write_service_pdf(pdf, perso, stand=date(2026, 7, 1))  # a new edition of the leaflet
    code, out, err = invoke(
        data_dir, str(docs), "--tenant", "muenchen", "--valid-until", "2026-12-31", "--json"
    )
    assert code == 0, err
    report = json.loads(out)
    assert (report["added"], report["updated"], report["deleted"], report["unchanged"]) == (
        0,
        1,
        1,
        2,
    )

    with open_retriever(KnowledgeSettings(data_dir=data_dir)) as retriever:
        hits = retriever.search("Was kostet der Personalausweis?", tenant="muenchen", k=3)
        service = retriever.get_service("muenchen/personalausweis-pdf")
    assert hits[0].doc_id == "muenchen/personalausweis-pdf"
    assert hits[0].updated == date(2026, 7, 1)
    assert service is not None and service.valid_until == date(2026, 12, 31)
    assert [s.title for s in service.sections][1:] == ["Beschreibung", "Gebühren", "Termindauer"]


def test_files_preview_changes_nothing_and_errors_are_one_line(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    pdf = write_service_pdf(
        tmp_path / "perso.pdf", munich_service("1063441"), stand=date(2026, 6, 8)
    )
    code, out, err = invoke(
        data_dir,
        str(pdf),
        "--tenant",
        "muenchen",
        "--title",
        "Merkblatt Personalausweis",
        "--preview",
        "--json",
    )
    assert code == 0, err
    (document,) = json.loads(out)["documents"]
    assert (document["doc_id"], document["title"], document["updated"]) == (
        "muenchen/perso-pdf",
        "Merkblatt Personalausweis",
        "2026-06-08",
    )
    assert [p["section"] for p in document["passages"]][:2] == ["Überblick", "Inhalt"]
    assert not (data_dir / "index").exists()

    scan = write_scanned_pdf(tmp_path / "scan.pdf", munich_service("1063441"))
    code, out, err = invoke(data_dir, str(pdf), str(scan), "--tenant", "muenchen")
    assert code == 2
    assert err == (
        "Error: scan.pdf has no text layer (its 1 page(s) are scanned images); run OCR on it "
        "(e.g. ocrmypdf) or upload the original document\n"
    )
    code, out, err = invoke(data_dir, str(pdf), str(scan), "--tenant", "muenchen", "--title", "X")
    assert (code, err) == (2, "Error: --title names one document, but 2 files were given\n")
    (tmp_path / "notes.rtf").write_text("{\\rtf1}", encoding="utf-8")
    code, out, err = invoke(data_dir, str(tmp_path / "notes.rtf"), "--tenant", "muenchen")
    assert code == 2 and err.startswith("Error: notes.rtf: files of type '.rtf' are not supported")
