"""Tag lines of a page become keywords and leave the text (issue 17 item 1)."""

from __future__ import annotations

import pytest

from ingest.page_metadata import split_keywords
from knowledge.models import Section, SectionKind


def section(text: str, title: str = "Inhalt") -> Section:
    return Section(kind=SectionKind.CONTENT, title=title, text=text)


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("Schlagworte: Deutschkurs, Deutsch lernen", ["Deutschkurs", "Deutsch lernen"]),
        ("Stichworte: Verhütung, kein Baby", ["Verhütung", "kein Baby"]),
        ("Suchbegriffe: kein Geld, Hartz IV, ALG 2,", ["kein Geld", "Hartz IV", "ALG 2"]),
        ("Keywords :decision, appeal", ["decision", "appeal"]),
        ("Search terms: learn German; no German", ["learn German", "no German"]),
        ("Schlagwörter: Wohnung", ["Wohnung"]),
    ],
)  # fmt: skip
def test_a_tag_line_becomes_keywords_and_leaves_the_text(line: str, words: list[str]) -> None:
    sections, keywords = split_keywords([section(f"Der Kurs ist kostenlos.\n{line}")])
    assert keywords == words
    assert [s.text for s in sections] == ["Der Kurs ist kostenlos."]


def test_a_label_inside_a_sentence_is_text() -> None:
    text = (
        "Genaue Informationen findest Du hier: www.mimi-bestellportal.de, Suchbegriff „Impfungen“\n"
        "- www.bmfsfj.de (Suchbegriff: „Die Rechte der Kinder“)\n"
        "Montag: 8 bis 12 Uhr"
    )
    sections, keywords = split_keywords([section(text)])
    assert keywords == []
    assert sections == [section(text)]


def test_a_section_of_tags_only_is_dropped_and_words_are_kept_once() -> None:
    sections, keywords = split_keywords(
        [
            section("Melden Sie sich an.\nSchlagworte: Anmeldung, Wohnung"),
            section("Schlagworte: anmeldung, Umzug", title="Weitere Infos"),
        ]
    )
    assert [s.title for s in sections] == ["Inhalt"]
    assert keywords == ["Anmeldung", "Wohnung", "Umzug"]
