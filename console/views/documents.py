"""Dokumente und FAQ (editors): upload files, write FAQ entries, approve, delete.

An upload shows at once what was extracted (title, sections, the passages that will be
searched, the "Stand"); it goes live when a second editor approves it (four-eyes
principle, enforced by the API). Deleting takes a document offline at once.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from console.client import DocumentsClient
from console.context import PageContext, api_errors
from console.formatting import day, local_time
from govbot_client.documents import DocumentPublic as Document
from govbot_client.documents import VersionPublic as DocumentVersion

UPLOAD_TYPES = ["pdf", "docx", "html", "htm", "md", "markdown", "txt", "csv", "xlsx"]
STATUS_LABELS = {
    "pending": "wartet auf Freigabe",
    "live": "online",
    "superseded": "ersetzt",
    "rejected": "abgelehnt",
    "withdrawn": "zurückgezogen",
    "deleted": "gelöscht",
}


def render(ctx: PageContext) -> None:
    """The page."""
    st.title("Dokumente und FAQ")
    st.caption(
        "PDF, Word, HTML, Markdown, Text und FAQ-Tabellen (CSV/XLSX mit den Spalten Frage und "
        "Antwort). Neue Inhalte gehen erst online, wenn eine zweite Person sie freigibt."
    )
    documents = DocumentsClient(ctx.client)
    tenants = [t.tenant for t in ctx.client.knowledge().tenants] or ["muenchen"]
    tenant = st.selectbox("Mandant", tenants, key="documents.tenant")
    upload_tab, faq_tab, list_tab = st.tabs(["Hochladen", "FAQ-Eintrag schreiben", "Freigaben"])
    with upload_tab:
        _upload(documents, tenant)
    with faq_tab:
        _faq(documents, tenant)
    with list_tab:
        _list(ctx, documents, tenant)


def _upload(documents: DocumentsClient, tenant: str) -> None:
    file = st.file_uploader("Datei", type=UPLOAD_TYPES, key="documents.file")
    title = st.text_input("Titel (leer: aus der Datei)", key="documents.title")
    url = st.text_input("Quelle (URL)", key="documents.url")
    valid_until = st.date_input("Gültig bis", value=None, key="documents.valid_until")
    keywords = st.text_input("Stichwörter (mit Komma getrennt)", key="documents.keywords")
    if st.button("Hochladen und Vorschau", key="documents.upload", disabled=file is None):
        assert file is not None
        with api_errors():
            version = documents.upload(
                tenant=tenant,
                filename=file.name,
                data=file.getvalue(),
                title=title,
                url=url,
                valid_until=valid_until if isinstance(valid_until, date) else None,
                keywords=keywords,
            )
            st.success(
                f"Hochgeladen als Dokument {version.document_id}, Version {version.number}: "
                "wartet auf Freigabe durch eine zweite Person.",
                icon=":material/upload_file:",
            )
            _preview(version)


def _faq(documents: DocumentsClient, tenant: str) -> None:
    with st.form("documents.faq", clear_on_submit=False):
        question = st.text_input("Frage", key="documents.faq.question")
        variants = st.text_area(
            "Weitere Formulierungen (eine pro Zeile)", key="documents.faq.variants"
        )
        answer = st.text_area("Antwort", key="documents.faq.answer")
        url = st.text_input("Quelle (URL)", key="documents.faq.url")
        valid_until = st.date_input("Gültig bis", value=None, key="documents.faq.valid_until")
        submitted = st.form_submit_button("Zur Freigabe speichern", key="documents.faq.submit")
    if submitted:
        with api_errors():
            version = documents.write_faq(
                tenant=tenant,
                question=question,
                answer=answer,
                variants=[line for line in variants.splitlines() if line.strip()],
                url=url,
                valid_until=valid_until if isinstance(valid_until, date) else None,
            )
            st.success(
                f"FAQ-Eintrag gespeichert (Dokument {version.document_id}); wartet auf Freigabe.",
                icon=":material/quiz:",
            )
            _preview(version)


def _list(ctx: PageContext, documents: DocumentsClient, tenant: str) -> None:
    found = documents.documents(tenant)
    if not found:
        st.info("Noch keine Dokumente oder FAQ-Einträge für diesen Mandanten.")
        return
    pending = sum(len(d.pending_versions) for d in found)
    st.metric("Warten auf Freigabe", pending)
    for document in found:
        _document(ctx, documents, document)


def _document(ctx: PageContext, documents: DocumentsClient, document: Document) -> None:
    state = "online" if document.live_version else "noch nicht online"
    label = f"{document.title} · Dokument {document.id} · {state}"
    if document.pending_versions:
        label += f" · {len(document.pending_versions)} zur Freigabe"
    with st.expander(label, expanded=bool(document.pending_versions)):
        for version in document.versions:
            status = STATUS_LABELS.get(version.status, version.status)
            st.markdown(
                f"**Version {version.number}** ({status}) · {version.filename} · hochgeladen von "
                f"{version.author} am "
                f"{local_time(version.created_at, ctx.config.time_zone)}"
                + (f" · freigegeben von {version.approver}" if version.approver else "")
            )
            if version.status == "pending":
                _preview(version)
                cols = st.columns(2)
                key = f"documents.{document.id}.{version.number}"
                if cols[0].button("Freigeben", key=f"{key}.approve"):
                    with api_errors():
                        change = documents.approve(document.id, version.number)
                        note = change.index.note if change.index else ""
                        st.success(f"Version {version.number} ist freigegeben. {note}".strip())
                if cols[1].button("Ablehnen", key=f"{key}.reject"):
                    with api_errors():
                        documents.reject(document.id, version.number, "in der Konsole abgelehnt")
                        st.info(f"Version {version.number} ist abgelehnt.")
        if st.button("Dokument löschen", key=f"documents.{document.id}.delete"):
            with api_errors():
                documents.delete(document.id, "in der Konsole gelöscht")
                st.success("Gelöscht; der Index wird aktualisiert.")


def _preview(version: DocumentVersion) -> None:
    for warning in version.warnings:
        st.warning(warning, icon=":material/warning:")
    for entry in version.entries:
        st.markdown(f"**{entry.title}**")
        st.caption(
            f"Stand: {day(entry.updated)} · gültig bis: {day(entry.valid_until)} · "
            f"{len(entry.sections)} Abschnitte · {len(entry.passages)} Suchabschnitte"
            + (f" · Stichwörter: {', '.join(entry.keywords)}" if entry.keywords else "")
        )
        for section in entry.sections:
            st.markdown(f"*{section.title}*  \n{section.text[:600]}")
