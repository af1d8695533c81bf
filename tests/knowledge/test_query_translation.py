"""QueryTranslator: lemmas, phrases, function words, the Arabic pivot, shared weights."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.query_translation import QueryTranslator, arabic_stem, lookup_key
from knowledge.sparse import Bm25Encoder
from tests.factories import write_dictd

FREEDICT = Path("/usr/share/dictd")


@pytest.fixture
def dictionaries(tmp_path: Path) -> Path:
    folder = tmp_path / "dictd"
    folder.mkdir()
    write_dictd(
        folder / "freedict-fra-deu",
        [
            ("passeport", "passeport <n, masc>\nReisepass, Pass\n"),
            ("titre de séjour", "titre de séjour <n, masc>\nAufenthaltstitel\n"),
            ("titre", "titre <n, masc>\n1. Titel\ngloss\n2. Überschrift\ngloss\n"),
            ("de", "de <prep>\nvon, aus\n"),
        ],
    )
    write_dictd(folder / "freedict-eng-deu", [("passport", "passport\nReisepass <masc>\n")])
    write_dictd(folder / "freedict-ara-eng", [("جواز", "جواز\n1. Passport\n2. Permit\n")])
    return folder


def test_words_are_found_by_their_lemma_and_phrases_before_words(dictionaries: Path) -> None:
    translator = QueryTranslator(dictionaries)

    found = translator.translate("Mes passeports et mon titre de séjour", "fr")

    assert found == [
        ("passeports", ["Reisepass", "Pass"]),
        ("titre de séjour", ["Aufenthaltstitel"]),
    ]


def test_function_words_are_not_translated_outside_a_phrase(dictionaries: Path) -> None:
    translator = QueryTranslator(dictionaries)

    assert translator.translate("le titre de la page", "fr") == [
        ("titre", ["Titel", "Überschrift"])
    ]


def test_arabic_goes_through_english_and_its_prefixes_are_stripped(dictionaries: Path) -> None:
    translator = QueryTranslator(dictionaries)

    assert arabic_stem("والجواز") == arabic_stem("جواز") == "جواز"
    assert translator.translate("أين أجدد الجواز؟", "ar") == [("الجواز", ["Reisepass"])]
    assert translator.languages() == {"fr", "en", "ar"}
    assert translator.translate("паспорт", "ru") == []


def test_the_senses_of_a_word_share_its_weight(dictionaries: Path) -> None:
    encoder = Bm25Encoder(decompound=False)
    translator = QueryTranslator(dictionaries)

    indices, values = translator.query("passeport", "fr", encode=encoder.query)

    weights = dict(zip(indices, values, strict=True))
    assert weights == {
        encoder.query("Reisepass")[0][0]: 0.5,
        encoder.query("Pass")[0][0]: 0.5,
    }


@pytest.mark.skipif(
    not (FREEDICT / "freedict-deu-rus.index").is_file(),
    reason="FreeDict's German-Russian dictionary is not installed (apt: dict-freedict-deu-rus)",
)
def test_russian_is_read_backwards_from_freedicts_german_russian_dictionary() -> None:
    translator = QueryTranslator(FREEDICT)

    senses = dict(translator.translate("Где получить справку о регистрации?", "ru"))

    assert "Eintragung" in senses["регистрации"]
    assert lookup_key("ru")("регистрации") == "регистрация"
