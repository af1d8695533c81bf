"""German compound splitting on real words with the real word list (wordfreq)."""

from __future__ import annotations

import pytest

from knowledge.compounds import CompoundSplitter
from knowledge.retrieval import Retriever
from knowledge.sparse import Bm25Encoder


@pytest.fixture(scope="module")
def bm25() -> Bm25Encoder:
    return Bm25Encoder()


@pytest.fixture(scope="module")
def splitter(bm25: Bm25Encoder) -> CompoundSplitter:
    return CompoundSplitter(is_stopword=bm25.is_stopword)


@pytest.mark.parametrize(
    ("word", "parts"),
    [
        ("Anwohnerparkausweis", ["anwohner", "park", "ausweis"]),
        ("Personalausweis", ["personal", "ausweis"]),
        ("Führungszeugnis", ["führung", "zeugnis"]),  # linking "s" after -ung
        ("Geburtsurkunde", ["geburt", "urkunde"]),
        ("Hundesteuer", ["hunde", "steuer"]),  # not "Hund-es-teuer"
        ("Gesundheitsamt", ["gesundheit", "amt"]),  # not "Gesundheit-samt"
        ("Führerschein", ["führer", "schein"]),  # "ein" is a stop word, never a part
        ("Kraftfahrzeugzulassung", ["kraft", "fahrzeug", "zulassung"]),
    ],
)
def test_compounds_split_into_known_words(
    splitter: CompoundSplitter, word: str, parts: list[str]
) -> None:
    assert splitter.parts(word) == parts


@pytest.mark.parametrize(
    "word", ["Ausweis", "Anmeldung", "Bescheinigung", "Apotheke", "Untersuchung", "Kita"]
)
def test_simple_words_stay_whole(splitter: CompoundSplitter, word: str) -> None:
    assert splitter.parts(word) == []
    assert splitter.expand(word) == word


def test_extra_tokens_are_parts_and_heads(splitter: CompoundSplitter) -> None:
    assert splitter.extra_tokens("Anwohnerparkausweis") == [
        "anwohner",
        "park",
        "ausweis",
        "parkausweis",
    ]
    # A part that is a compound itself adds its own parts: a Kinderreisepass is a Pass.
    assert "pass" in splitter.extra_tokens("Kinderreisepass")


def test_expand_appends_the_parts_as_a_line(splitter: CompoundSplitter) -> None:
    assert splitter.expand("Wo gibt es den Bewohnerparkausweis?") == (
        "Wo gibt es den Bewohnerparkausweis?\nbewohner park ausweis parkausweis"
    )


def test_the_query_meets_the_compound_in_a_document(bm25: Bm25Encoder) -> None:
    document = set(bm25.document("Anwohnerparkausweis beantragen")[0])
    query = set(bm25.query("Parkausweis für Anwohner")[0])
    assert query <= document
    plain = Bm25Encoder(decompound=False)
    assert not set(plain.query("Parkausweis für Anwohner")[0]) & set(
        plain.document("Anwohnerparkausweis beantragen")[0]
    )


def test_query_parts_count_only_with_a_weight(bm25: Bm25Encoder) -> None:
    # The citizen's own words weigh 1.0; the parts of a query compound only if asked for.
    assert bm25.query("Personalausweis") == bm25.query("personalausweis")
    assert len(bm25.query("Personalausweis")[0]) == 1
    weighted = Bm25Encoder(query_part_weight=0.5).query("Personalausweis")
    assert sorted(weighted[1]) == [0.5, 0.5, 1.0]  # personal, ausweis; personalausweis
    with pytest.raises(ValueError, match="query_part_weight must be between 0 and 1"):
        Bm25Encoder(query_part_weight=2.0)


def test_the_encoder_name_carries_the_splitter(bm25: Bm25Encoder) -> None:
    assert "decompound-v1(wordfreq-" in bm25.name
    assert "decompound" not in Bm25Encoder(decompound=False).name


def test_an_index_finds_a_service_by_a_compound_part(munich_retriever: Retriever) -> None:
    # "Zeugnis" occurs in the real Führungszeugnis service only inside compounds
    # ("Führungszeugnis", "Europäisches Führungszeugnis"); BM25 alone finds it by the part.
    hits = munich_retriever.search(
        "Welches Zeugnis brauche ich für die Arbeit mit Kindern?",
        tenant="muenchen",
        k=3,
        mode="bm25",
    )
    assert hits[0].doc_id == "muenchen/1063565"
