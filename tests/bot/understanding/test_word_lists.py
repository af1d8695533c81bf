"""The known words of the catalogue languages (bot/understanding/word_lists.py), read from
wordfreq's lists inside its wheel into marisa tries."""

from __future__ import annotations

import wordfreq

from bot.understanding.word_lists import known_words


def test_german_words_are_known_as_written_and_with_folded_umlauts() -> None:
    german = known_words("de")
    assert german is not None
    assert "führerschein" in german
    assert "fuehrerschein" in german  # as normalize() spells it
    assert "strasse" in german
    assert "fuehrerscheinx" not in german
    assert 1 not in german  # not a word at all


def test_every_catalogue_language_has_its_own_list_and_the_same_words_as_wordfreq() -> None:
    for language, word in [
        ("ru", "паспорт"),
        ("uk", "паспорт"),
        ("tr", "pasaport"),
        ("pl", "paszport"),
        ("ro", "pașaport"),
        ("ar", "جواز"),
        ("fa", "گذرنامه"),
        ("fr", "passeport"),
        ("en", "passport"),
    ]:
        words = known_words(language)
        assert words is not None, language
        assert word in words, language
    turkish = known_words("tr")
    assert turkish is not None
    listed = {
        word for bucket in wordfreq.get_frequency_list("tr", wordlist="small") for word in bucket
    }
    assert set(turkish.forms.keys()) == listed


def test_a_language_without_a_list_has_none() -> None:
    assert known_words("xx") is None
