"""The Arabic-script reading of Arabic (Arabizi) and Farsi (Finglish) typed in Latin letters:
consonant skeletons compared with a vocabulary of Arabic-script words."""

from __future__ import annotations

import pytest

from bot.understanding.arabic_script import ArabicScriptReading, latin_skeletons, script_skeletons
from bot.understanding.wording import normalize


@pytest.mark.parametrize(
    ("latin", "script"),
    [
        ("ri7et", "رائحة"),  # 7 = ḥāʾ, the vowels and the tāʾ marbūṭa's t
        ("ghaz", "غاز"),
        ("2awiye", "قوية"),  # a Levantine qāf said and written as a glottal stop
        ("yitnaffas", "يتنفس"),  # a doubled letter is one
        ("khoone", "خونه"),  # oo for و, the silent final he
        ("nemikeshe", "نمیکشه"),
        ("xune", "خونه"),  # x for kh
        ("damm", "الدم"),  # the article is not typed on the word
    ],
)
def test_a_chat_spelling_has_the_skeleton_of_its_word(latin: str, script: str) -> None:
    assert latin_skeletons(latin) & script_skeletons(script)


@pytest.mark.parametrize(
    ("latin", "script"),
    [("rathauus", "قرص"), ("gas", "غاز"), ("hilfe", "حريق"), ("mutter", "مطبخ")],
)
def test_other_words_have_other_skeletons(latin: str, script: str) -> None:
    assert not latin_skeletons(latin) & script_skeletons(script)


READING = ArabicScriptReading(["نفس", "نمیکشه", "غاز", "رائحة", "قوية"], stems=["پسر"])


def test_a_romanised_message_is_read_in_arabic_script() -> None:
    reading = READING.read(normalize("mamanam nafas nemikeshe"))
    assert reading == "mamanam نفس نمیکشه"
    assert READING.read(normalize("fi ri7et ghaz 2awiye")) == "fi رائحة غاز قوية"
    # a stem is read where it begins a longer word
    assert READING.read(normalize("pesaram gom shode, peydash nemikonim")) is not None


@pytest.mark.parametrize(
    "message",
    [
        "Ich brauche einen neuen Reisepass",
        "Where can I buy a gas bottle for the barbecue?",
        "Yeni kimlik karti icin randevu almak istiyorum",
        "anmeldnug wohnsitz verlaengerung",
        "muzh bjet menja pomogite, on pjanyj",  # Russian in Latin letters: read in Cyrillic
        "زوجي يضربني",
        "",
    ],
)
def test_other_messages_get_no_reading(message: str) -> None:
    assert READING.read(normalize(message)) is None
