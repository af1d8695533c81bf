"""The language of Russian, Ukrainian, Arabic and Farsi typed in Latin letters (real word
lists, real language identifier, the shipped expansions)."""

from __future__ import annotations

import pytest

from bot.understanding.expansion import QueryExpander
from bot.understanding.language_id import identify_language
from bot.understanding.romanised import romanised_language
from bot.understanding.understanding import Understander
from bot.understanding.wording import normalize


def language_of(message: str) -> str | None:
    return romanised_language(normalize(message), identify_language(message))


@pytest.mark.parametrize(
    ("message", "language"),
    [
        ("Moia dytyna zahubylasia v parku", "uk"),
        ("Ia bolshe ne mogu, khochu pokonchit s soboi", "ru"),  # lingua: Polish, decisive
        ("ana mahtaj mosa3ada fi el baladiya", "ar"),
        ("man mikham gozarname begiram vali nemidunam koja beram", "fa"),
    ],
)
def test_a_romanised_message_is_in_its_language(message: str, language: str) -> None:
    assert language_of(message) == language


@pytest.mark.parametrize(
    "message",
    [
        "ich will mich ummelden bitte schnell",
        "unterhaltvsorschuss verlängern bitte",  # misspelt German: unknown words, no reading
        "Where can I renew my passport quickly",
        "Yeni kimlik kartı için randevu almak istiyorum",
        "Gdzie mogę wyrobić nowy paszport",
        "Dónde puedo renovar mi pasaporte rápidamente",  # not a catalogue language
        "ana bade jadded el jawaz taba3i",  # chat digits: Arabic or nothing, and too few read
        "frage zu atuo",  # too few words to tell
    ],
)
def test_other_messages_have_no_romanised_language(message: str) -> None:
    assert language_of(message) is None


@pytest.fixture(scope="module")
def reader() -> Understander:
    return Understander(QueryExpander.from_yaml())


def test_a_romanised_message_is_answered_in_its_language(reader: Understander) -> None:
    understood = reader.understand("Moia dytyna zahubylasia v parku", tenant="muenchen")
    assert (understood.language, understood.language_source) == ("uk", "detected")
    assert understood.detected_language == "uk"


def test_a_romanised_message_overrides_the_conversation_language(reader: Understander) -> None:
    # as a decisive guess does: conversations start in German (the API's default)
    understood = reader.understand(
        "Moia dytyna zahubylasia v parku", tenant="muenchen", language="de"
    )
    assert (understood.language, understood.language_source) == ("uk", "detected")


def test_a_single_romanised_word_does_not_override_it(reader: Understander) -> None:
    understood = reader.understand("zdravstvujte", tenant="muenchen", language="de")
    assert understood.detected_language == "ru"
    assert (understood.language, understood.language_source) == ("de", "conversation")


def test_russian_or_ukrainian_in_latin_letters_is_searched_in_cyrillic(
    reader: Understander,
) -> None:
    understood = reader.understand("de ja mozhu otrymaty novyj pasport", tenant="lkaugsburg")
    assert understood.reading == "де я можу отримати новий паспорт"
    assert understood.search.text.startswith("де я можу отримати новий паспорт")


def test_other_messages_are_searched_as_written(reader: Understander) -> None:
    for message in ("Wo beantrage ich einen Reisepass?", "man mikham gozarname begiram vali"):
        understood = reader.understand(message, tenant="muenchen")
        assert understood.reading is None
        assert understood.search.text.startswith(message.split()[0])
