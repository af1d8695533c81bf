"""The understanding of a message: expansions, aspects and search texts (shipped files)."""

from __future__ import annotations

import pytest

from bot.understanding.context import Turn
from bot.understanding.expansion import QueryExpander
from bot.understanding.understanding import Understander


@pytest.fixture(scope="module")
def reader() -> Understander:
    """The shipped expansions, without spelling correction (that needs an index)."""
    return Understander(QueryExpander.from_yaml())


def expand(reader: Understander, message: str) -> str:
    return reader.understand(message, tenant="muenchen").search.text


def search_query(reader: Understander, message: str) -> tuple[str, str]:
    search = reader.understand(message, tenant="muenchen").search
    return search.text, search.own_words


def aspects(message: str, reader: Understander) -> tuple[str, ...]:
    return reader.understand(message, tenant="muenchen").aspects


def test_aspects(reader: Understander) -> None:
    assert aspects("Was kostet ein Personalausweis?", reader) == ("fees",)
    assert aspects("Welche Unterlagen brauche ich dafür?", reader) == ("documents",)
    assert "location" in aspects("Wo kann ich mein Auto abmelden?", reader)
    assert aspects("Personalausweis", reader) == ()


def test_expand_adds_official_terms(reader: Understander) -> None:
    assert expand(reader, "perso geklaut") == "perso geklaut (Personalausweis, Diebstahl)"
    assert expand(reader, "Was kostet ein Personalausweis?") == "Was kostet ein Personalausweis?"


@pytest.mark.parametrize(
    ("message", "term"),
    [
        ("How do I get a resident parking permit?", "Bewohnerparkausweis"),
        ("how much is a certificate of good conduct?", "Führungszeugnis"),
        ("I just moved to Munich. How do I register my address?", "Wohnsitzanmeldung"),
        ("How can I exchange my US driving licence?", "Umschreibung Führerschein"),
    ],
)
def test_english_is_searched_with_the_german_terms(
    reader: Understander, message: str, term: str
) -> None:
    query, own_words = search_query(reader, message)
    assert query.startswith(term) or f" {term}" in query
    assert own_words == ""  # the confidence judges the official terms, not English words


@pytest.mark.parametrize(
    ("message", "added", "not_added"),
    [
        ("PIN vom Ausweis vergessen, was nun?", "eID-Funktion PIN", "Fundsache"),
        ("Ich habe meinen Schirm im Bus vergessen", "Fundsache", "eID"),
        ("rotes 07 kennzeichen für oldtimer", "Rotes Kennzeichen", "Historisches"),
        ("Oldtimer Kennzeichen beantragen", "Historisches Kennzeichen", "Rotes"),
        ("Auskunft für unsere GmbH", "Juristische Person", "Fundsache"),
    ],
)
def test_synonyms_tell_similar_services_apart(
    reader: Understander, message: str, added: str, not_added: str
) -> None:
    expanded = expand(reader, message)
    assert added in expanded
    assert not_added not in expanded


def test_german_keeps_the_citizens_own_words(reader: Understander) -> None:
    query, own_words = search_query(reader, "perso geklaut")
    assert query == "perso geklaut (Personalausweis, Diebstahl)"
    assert own_words == ""  # both words are mapped everyday words
    assert search_query(reader, "Wohngeld beantragen") == (
        "Wohngeld beantragen",
        "wohngeld beantragen",
    )


@pytest.mark.parametrize(
    ("message", "language"),
    [
        ("Comment puis-je m'inscrire à un cours d'allemand près de chez moi ?", "fr"),
        ("Де я можу записатися на курс німецької мови?", "uk"),
        ("Wo kann ich mich für einen Deutschkurs anmelden?", "de"),
        # unsure: two words, and German terms added to an English question
        ("Kindergeld?", None),
        ("How do I get a resident parking permit?", None),
    ],
)
def test_a_search_knows_its_words_language_only_where_certain(
    reader: Understander, message: str, language: str | None
) -> None:
    """Hybrid search weighs BM25 by the searched words' language (knowledge/retrieval.py):
    only a decisive detection of a message searched as written names it."""
    assert reader.understand(message, tenant="muenchen").search.language == language


def test_a_followup_searched_with_the_earlier_question_has_no_words_language(
    reader: Understander,
) -> None:
    history = [
        Turn(role="citizen", text="Wo kann ich mich für einen Deutschkurs anmelden?"),
        Turn(role="bot", text="…", doc_ids=["muenchen/1"]),
    ]
    understanding = reader.understand(
        "Und wie viel kostet dort der Kurs für Erwachsene?", tenant="muenchen", history=history
    )
    assert understanding.followup == "combined"
    assert understanding.searches[0].language == "de"  # the message alone
    assert understanding.search.language is None  # with the earlier question added
