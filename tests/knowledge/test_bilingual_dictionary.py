"""The dictd reader on dictionaries written here in the dictd format, and on FreeDict's."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.bilingual_dictionary import BilingualDictionary, entries, headword, translations
from knowledge.query_translation import lookup_key
from tests.factories import write_dictd

FREEDICT = Path("/usr/share/dictd")


def lower(text: str) -> str:
    return " ".join(text.lower().split())


def test_entries_are_read_through_the_index_without_the_database_header(tmp_path: Path) -> None:
    stem = write_dictd(
        tmp_path / "freedict-fra-deu",
        [
            ("passeport", "passeport /pas.pɔʁ/ <n, masc>\nReisepass, Pass\n"),
            ("vélo", "vélo\nFahrrad\n"),
        ],
    )

    assert list(entries(stem)) == [
        "passeport /pas.pɔʁ/ <n, masc>\nReisepass, Pass\n",
        "vélo\nFahrrad\n",
    ]


def test_numbered_senses_are_the_translations_and_their_glosses_are_not() -> None:
    entry = (
        "demander /də.mɑ̃.de/ <v>\n1. Hand\n(Vieilli) Demander en mariage\n2. fragen, bitten\n"
        "Chercher à savoir, à connaître en questionnant\n"
    )

    assert headword(entry) == "demander"
    assert translations(entry) == ["Hand", "fragen", "bitten"]


def test_an_unnumbered_entry_gives_its_first_line_without_marks_notes_or_placeholders() -> None:
    entry = (
        "passport /pˈaspɔːt/\nReisepass <masc>, Pass <masc> [adm.]\n"
        '      "have a child added"  - ein Kind eintragen lassen\n see: {passports}\n'
    )
    apply = "apply for /ɐplˈaɪ/ <v>\netw. beantragen; sich bewerben <v, refl>\n"

    assert translations(entry) == ["Reisepass", "Pass"]
    assert translations(apply) == ["beantragen", "sich bewerben"]


def test_a_dictionary_into_german_finds_phrases_before_their_words(tmp_path: Path) -> None:
    stem = write_dictd(
        tmp_path / "freedict-fra-deu",
        [
            ("carte", "carte <n>\nKarte\n"),
            ("carte d'identité", "carte d'identité <n>\nPersonalausweis, Ausweis\n"),
            ("perdu", "perdu\nverloren\n"),
        ],
    )
    dictionary = BilingualDictionary.forward(stem, key=lower)

    found = dictionary.translate(["j", "ai", "perdu", "ma", "carte", "d'identité"])

    assert found == [("perdu", ["verloren"]), ("carte d'identité", ["Personalausweis", "Ausweis"])]


def test_a_dictionary_from_german_is_read_backwards_and_merges_after_the_forward_one(
    tmp_path: Path,
) -> None:
    backward = write_dictd(
        tmp_path / "freedict-deu-rus",
        [
            (
                "wohnung",
                "Wohnung /ˈvoːnʊŋ/ <n, fem>\nквартира, жильё\nein Raum oder mehrere Räume\n",
            ),
            ("apartment", "Apartment <n>\nквартира\nkleine Wohnung\n"),
        ],
    )
    forward = write_dictd(tmp_path / "freedict-rus-deu", [("квартира", "квартира\nAppartement\n")])

    merged = BilingualDictionary.forward(forward, key=lower).merged(
        BilingualDictionary.backward(backward, key=lower)
    )

    assert merged.lookup("Квартира") == ["Appartement", "Wohnung", "Apartment"]
    assert merged.lookup("жильё") == ["Wohnung"]
    assert merged.lookup("дом") == []


@pytest.mark.skipif(
    not (FREEDICT / "freedict-fra-deu.index").is_file(),
    reason="FreeDict's French-German dictionary is not installed (apt: dict-freedict-fra-deu)",
)
def test_freedicts_french_german_dictionary_translates_an_administrative_phrase() -> None:
    dictionary = BilingualDictionary.forward(FREEDICT / "freedict-fra-deu", key=lookup_key("fr"))

    assert "Personalausweis" in dictionary.lookup("carte d'identité")
    assert "Reisepass" in dictionary.lookup("passeport")
