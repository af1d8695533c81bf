"""The Cyrillic reading of Russian or Ukrainian typed in Latin letters: every romanisation
read backwards, each word read as a known Russian or Ukrainian word (real word lists)."""

from __future__ import annotations

import pytest

from bot.understanding.cyrillic import cyrillic_reading, romanised_cyrillic
from bot.understanding.wording import normalize


def test_a_latin_message_is_read_in_cyrillic() -> None:
    assert cyrillic_reading(normalize("Muzh b'yet menya, pomogite")) == "муж бьет меня, помогите"


@pytest.mark.parametrize(
    ("latin", "cyrillic"),
    [
        # Ukrainian national romanisation (KMU 2010): ia, i, y, h
        ("Moia dytyna zahubylasia v parku", "моя дитина загубилася в парку"),
        # scholarly j, chat x and 4, a soft sign the Latin spelling dropped
        ("ja xo4u pomenjat pasport", "я хочу поменять паспорт"),
        # GOST/BGN-style ya, zh, kh
        ("gde mozhno pomenyat voditelskie prava", "где можно поменять водительские права"),
        # chat 6 for ш, and the Ukrainian apostrophe restored where the word has it
        ("6kola v pid'izdi", "школа в під'їзді"),
    ],
)
def test_every_romanisation_is_read_as_known_words(latin: str, cyrillic: str) -> None:
    assert cyrillic_reading(normalize(latin)) == cyrillic


def test_the_message_language_decides_between_russian_and_ukrainian_words() -> None:
    # "prygnut": Ukrainian прагнуть is more frequent, but the message is Russian
    assert cyrillic_reading(normalize("stoju na balkone, xo4u prygnut")) == (
        "стою на балконе, хочу прыгнуть"
    )


def test_a_word_that_reads_as_no_known_word_keeps_the_plain_reading() -> None:
    assert cyrillic_reading(normalize("zdrbvk")) == "здрбвк"


def test_only_latin_messages_get_a_reading() -> None:
    assert cyrillic_reading(normalize("Муж бьёт меня")) is None
    assert cyrillic_reading(normalize("زوجي يضربني")) is None
    assert cyrillic_reading("") is None


@pytest.mark.parametrize(
    ("message", "language"),
    [
        ("Moia dytyna zahubylasia v parku", "uk"),
        ("de ja mozhu otrymaty novyj pasport", "uk"),
        ("gde mozhno pomenyat voditelskie prava", "ru"),
        ("ja xo4u pomenjat pasport", "ru"),
        # words that spell only rare Cyrillic forms are no evidence (Farsi, German)
        ("hame ghorsa ro khordam mikham bemiram", None),
        ("Wie beantrage ich einen neuen Personalausweis?", None),
        ("unterhaltvsorschuss verlaengern", None),
    ],
)
def test_the_language_of_a_message_read_in_cyrillic(message: str, language: str | None) -> None:
    assert romanised_cyrillic(normalize(message)) == language
