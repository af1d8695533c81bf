"""Section-aware chunking, on real services and on built ones."""

from __future__ import annotations

from itertools import pairwise

import pytest

from ingest.chunking import (
    card_text,
    chunk_service,
    chunk_services,
    chunking_identity,
    overview_text,
    word_count,
)
from ingest.dldb import load_dldb
from ingest.integreat import load_integreat
from ingest.ozg import enrich, load_catalogue
from knowledge.models import Link, Section, SectionKind, Service
from tests.factories import make_service
from tests.ingest.conftest import LKAUGSBURG_PAGES, MUNICH_SERVICES, OZG_CATALOGUE


@pytest.fixture(scope="module")
def munich() -> list[Service]:
    return enrich(load_dldb(MUNICH_SERVICES, tenant="muenchen"), load_catalogue(OZG_CATALOGUE))


def test_personalausweis_passages(munich: list[Service]) -> None:
    service = next(s for s in munich if s.native_id == "1063441")
    passages = chunk_service(service)
    assert [(p.passage_id, p.section) for p in passages] == [
        ("muenchen/1063441#0", "Überblick"),
        ("muenchen/1063441#1", "Beschreibung"),
        ("muenchen/1063441#2", "Gebühren"),
        ("muenchen/1063441#3", "Termindauer"),
    ]
    overview, _, fees, duration = passages
    assert overview.text.splitlines()[0] == "Personalausweis"  # the card starts with the title
    assert overview.text.splitlines()[2].startswith("Stichwörter: Pass, Perso, Ausweis,")
    assert "Leistung (OZG): Personalausweis" in overview.text
    assert "Vollmacht zur Abholung" in overview.text
    assert fees.embedding_text().startswith("Personalausweis — Gebühren\n- unter 24 Jahren: 27,60")
    assert duration.text == "Für den Termin sind etwa 15 Minuten eingeplant."
    assert all(p.title == "Personalausweis" and p.tenant == "muenchen" for p in passages)
    assert all(p.url == service.url and p.updated == service.updated for p in passages)


def test_the_card_names_the_catalogue_vocabulary_of_the_service(munich: list[Service]) -> None:
    # Issue 12 item 3: the LeiKa name, OZG-Leistung and Lebenslage of the service's LeiKa
    # key (data/ozg/leika_ozg.csv) make "Bewohnerparkausweis" searchable on its card.
    service = next(s for s in munich if s.native_id == "10483724")
    card = chunk_service(service)[0].text
    assert service.title == "Parkausweis für Härtefalle"
    assert "Leistung (LeiKa): Bewohnerparkausweis" in card.splitlines()
    assert "Leistung (OZG): Parkausweise und Zufahrtsberechtigungen" in card.splitlines()
    assert "Lebenslage (OZG): Kfz-Besitz" in card.splitlines()


def test_passages_never_mix_sections_and_respect_the_size(munich: list[Service]) -> None:
    for service in munich:
        # Two sections may share a title (e.g. "Beschreibung" before and after a heading).
        sources: dict[str, list[str]] = {"Überblick": [card_text(service)]}
        for section in service.sections:
            sources.setdefault(section.title, []).append(section.text)
        for passage in chunk_service(service, chunk_words=60, overlap_words=10):
            assert passage.doc_id == service.doc_id
            assert any(passage.text in text for text in sources[passage.section])
            assert word_count(passage.text) <= 60


def test_long_sections_are_split_with_overlap() -> None:
    sentences = [f"Satz {n} erklärt den Ablauf der Beantragung genau." for n in range(60)]
    service = make_service(
        sections=[Section(kind=SectionKind.PROCEDURE, title="Ablauf", text=" ".join(sentences))],
        keywords=[],
    )
    card, *passages = chunk_service(service, chunk_words=100, overlap_words=20)
    assert card.section == "Überblick"
    assert len(passages) == 6
    assert all(p.section == "Ablauf" for p in passages)
    assert all(80 <= word_count(p.text) <= 100 for p in passages)
    assert passages[0].text.startswith("Satz 0 erklärt")
    assert passages[-1].text.endswith("Satz 59 erklärt den Ablauf der Beantragung genau.")
    for previous, current in pairwise(passages):
        first_sentence = current.text.split(". ")[0] + "."
        assert first_sentence in previous.text  # sentence-aligned overlap of <= 20 words


def test_same_content_gives_the_same_passage_ids(munich: list[Service]) -> None:
    first = chunk_services(munich)
    again = chunk_services(munich)
    assert first == again
    assert len({p.passage_id for p in first}) == len(first)


def test_short_sections_are_kept_and_empty_ones_dropped() -> None:
    service = make_service(
        keywords=[],
        sections=[
            Section(kind=SectionKind.FEES, title="Gebühren", text="8 Euro"),
            Section(kind=SectionKind.NOTES, title="Hinweise", text="  "),
        ],
    )
    assert [(p.section, p.text) for p in chunk_service(service)] == [
        ("Überblick", "Personalausweis"),
        ("Gebühren", "8 Euro"),
    ]


def test_overview_only_when_it_adds_something() -> None:
    plain = make_service(keywords=[])
    assert overview_text(plain) == ""
    with_links = make_service(
        keywords=[], forms=[Link(title="Vollmacht", url="https://x.de/v.pdf")]
    )
    assert overview_text(with_links) == (
        "Sie erhalten den Personalausweis im Scheckkartenformat mit Chip.\n"
        "Formulare und Online-Dienste: Vollmacht"
    )
    summary_only = make_service(sections=[], keywords=[])
    assert [p.section for p in chunk_service(summary_only)] == ["Überblick"]


def test_every_integreat_page_starts_with_its_card() -> None:
    pages = load_integreat(LKAUGSBURG_PAGES, tenant="lkaugsburg")
    passages = chunk_services(pages)
    cards = [p for p in passages if p.section == "Überblick"]
    assert [p.doc_id for p in cards] == [s.doc_id for s in pages]
    assert all(p.passage_id.endswith("#0") for p in cards)
    card = next(p for p in cards if p.doc_id == "lkaugsburg/5401081")
    assert card.text.splitlines() == [
        "Beruf und Karriere > Praktikum > Wichtige Informationen zum Praktikum",
        "Was ist ein Praktikum?",
        "Was sind Vorteile eines Praktikums?",
        "Für wen ist ein Praktikum sinnvoll?",
        "Pflichtpraktikum",
        "Freiwilliges Praktikum",
        "Bezahlung",
        "Zehn Tipps für Praktikanten und Praktikantinnen",
        # The page's tag line ("Stichwörter: …") is its keywords (ingest/page_metadata.py),
        # so the card carries the summary and those keywords like a DLDB card (issue 17).
        "Ein Praktikum ist eine befristete Tätigkeit. Das heißt: Praktikanten arbeiten für "
        "eine begrenzte Zeit in einem Betrieb oder Unternehmen. Ein Praktikum kann in fast "
        "jedem Beruf gemacht werden.",
        "Stichwörter: Praktikum, Praktika, praktische Berufserfahrung, Berufserfahrung "
        "sammeln, berufliche Orientierung, Einstieg in das Arbeitsleben, Pflichtpraktikum, "
        "Schülerpraktikum, Praktikum im Studium, freiwiliiges Praktikum, Bezahlung im Praktikum",
    ]
    assert card.embedding_text().startswith(
        "Wichtige Informationen zum Praktikum — Überblick\nBeruf und Karriere > Praktikum > "
    )


@pytest.mark.parametrize(
    ("chunk_words", "overlap_words", "message"),
    [
        (0, 0, "chunk_words must be greater than 0. Currently, it is 0"),
        (100, -1, "overlap_words must be 0 or more. Currently, it is -1"),
        (50, 50, "overlap_words (50) must be smaller than chunk_words (50)"),
    ],
)
def test_invalid_sizes_are_refused(chunk_words: int, overlap_words: int, message: str) -> None:
    with pytest.raises(ValueError) as info:
        chunk_service(make_service(), chunk_words=chunk_words, overlap_words=overlap_words)
    assert str(info.value) == message


def test_merged_sections_make_page_chunks_and_the_card_keeps_the_headings() -> None:
    pages = load_integreat(LKAUGSBURG_PAGES, tenant="lkaugsburg")
    page = next(s for s in pages if len(s.sections) >= 3)
    card, *body = chunk_service(page, merge_sections=True)
    headings = [s.title for s in page.sections if s.title != "Inhalt"]
    assert card.section == "Überblick"
    assert all(h in card.text for h in headings)
    assert {p.section for p in body} == {"Inhalt"}
    assert all(word_count(p.text) <= 250 for p in body)
    assert headings[0] in body[0].text
    assert len(body) < len(chunk_service(page)) - 1
    assert chunking_identity(merge_sections=True) == "chunks-v3:250/30:pages"
    assert chunking_identity(chunk_words=100, overlap_words=10) == "chunks-v3:100/10:sections"
