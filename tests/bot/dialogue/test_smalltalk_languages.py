"""Small talk in the ten catalogue languages (issue 13), on the shipped rules file: a
greeting, thanks or goodbye alone is small talk, the same followed by a real question is
not, and the answer is in the message's language. The off-topic words of the other
languages were measured and not adopted (docs/policy.md, "Small talk and off-topic
requests in ten languages"): service questions with such a word stay service questions."""

from __future__ import annotations

import pytest

from bot.dialogue.policy import Policy, PolicyLabel
from bot.texts.catalogue import shipped_texts
from bot.texts.notice import city_name

GREETINGS = {
    "de": "Guten Tag!",
    "en": "Good afternoon",
    "tr": "Günaydın",
    "ar": "صباح الخير",
    "uk": "Привіт!",
    "ru": "Добрый вечер",
    "pl": "Witam serdecznie, dzień dobry",
    "ro": "Bună dimineața",
    "fa": "صبح بخیر",
    "fr": "Bonsoir",
}
THANKS_AND_BYES = {
    "de": "Danke, tschüss",
    "en": "thanks a lot, bye",
    "tr": "Sağol, hoşça kal",
    "ar": "شكرا لك، مع السلامة",
    "uk": "Дякую, до побачення",
    "ru": "спасибо, до свидания",
    "pl": "dziękuję, do zobaczenia",
    "ro": "Mulțumesc mult, la revedere",
    "fa": "ممنونم، خداحافظ",
    "fr": "Merci bien, à demain",
}
WHO_ARE_YOU = {
    "de": "Wer sind Sie?",
    "en": "who are you?",
    "tr": "Siz kimsiniz?",
    "ar": "مين انت؟",
    "uk": "ти хто?",
    "ru": "Вы кто?",
    "pl": "Czy jesteś robotem?",
    "ro": "Ești robot?",
    "fa": "شما کی هستید؟",
    "fr": "Vous êtes un robot ?",
}
GREETING_AND_QUESTION = {
    "de": "Guten Tag, wo beantrage ich einen Anwohnerparkausweis?",
    "en": "Good afternoon, where do I register my new address?",
    "tr": "Günaydın, ikamet adresimi nasıl değiştiririm?",
    "ar": "صباح الخير، كيف أسجل عنواني الجديد؟",
    "uk": "Привіт, як зареєструвати нову адресу",
    "ru": "Добрый вечер, как прописаться по новому адресу",
    "pl": "Dzień dobry, jak zameldować się pod nowym adresem",
    "ro": "Bună dimineața, cum îmi schimb adresa în buletin",
    "fa": "صبح بخیر، آدرس جدیدم را کجا ثبت کنم",
    "fr": "Bonsoir, comment déclarer ma nouvelle adresse",
}
THANKS_AND_QUESTION = {
    "tr": "Teşekkürler, peki nüfus cüzdanı ne kadar tutar",
    "ar": "شكرا، وكم تكلفة بطاقة الهوية",
    "ru": "Спасибо, а сколько стоит загранпаспорт",
    "pl": "Dziękuję, a ile kosztuje dowód osobisty",
    "fr": "Merci, et combien coûte une carte d'identité",
}
# An off-topic word next to an administrative or health word: a service question.
LOOK_ALIKES = [
    "Brauche ich eine Genehmigung für Filmaufnahmen im Park?",
    "Do I need a permit to film in a public square?",
    "Parkta film çekmek için izin almam gerekiyor mu?",
    "Где в аптеке получить лекарство по рецепту ночью?",
    "أين أجد صيدلية لصرف وصفة طبية في الليل؟",
    "Unde găsesc o farmacie deschisă noaptea pentru o rețetă?",
    "Où trouver une pharmacie de garde pour mon ordonnance ?",
    "Потрібен дозвіл на фестиваль з музикою на вулиці?",
]


@pytest.fixture(scope="module")
def policy() -> Policy:
    return Policy.from_yaml()


@pytest.mark.parametrize(("language", "message"), GREETINGS.items(), ids=list(GREETINGS))
def test_a_greeting_alone_is_small_talk(policy: Policy, language: str, message: str) -> None:
    assert policy.classify(message).label is PolicyLabel.GREETING


@pytest.mark.parametrize(
    ("language", "message"), THANKS_AND_BYES.items(), ids=list(THANKS_AND_BYES)
)
def test_thanks_and_goodbye_are_small_talk(policy: Policy, language: str, message: str) -> None:
    assert policy.classify(message).label is PolicyLabel.GREETING


@pytest.mark.parametrize(("language", "message"), WHO_ARE_YOU.items(), ids=list(WHO_ARE_YOU))
def test_who_are_you_is_small_talk(policy: Policy, language: str, message: str) -> None:
    assert policy.classify(message).label is PolicyLabel.GREETING


@pytest.mark.parametrize(
    ("language", "message"), GREETING_AND_QUESTION.items(), ids=list(GREETING_AND_QUESTION)
)
def test_a_greeting_before_a_question_is_no_small_talk(
    policy: Policy, language: str, message: str
) -> None:
    assert policy.classify(message).label is PolicyLabel.SERVICE_QUESTION


@pytest.mark.parametrize(
    ("language", "message"), THANKS_AND_QUESTION.items(), ids=list(THANKS_AND_QUESTION)
)
def test_thanks_before_a_new_question_is_no_small_talk(
    policy: Policy, language: str, message: str
) -> None:
    assert policy.classify(message).label is PolicyLabel.SERVICE_QUESTION


@pytest.mark.parametrize("message", LOOK_ALIKES)
def test_an_off_topic_word_in_a_service_question_is_no_small_talk_nor_off_topic(
    policy: Policy, message: str
) -> None:
    assert policy.classify(message).label is PolicyLabel.SERVICE_QUESTION


@pytest.mark.parametrize(
    ("message", "language"),
    [("صباح الخير", "ar"), ("Привіт!", "uk"), ("صبح بخیر", "fa"), ("Добрый вечер", "ru")],
)
def test_small_talk_is_answered_in_its_language(
    policy: Policy, message: str, language: str
) -> None:
    decision = policy.classify(message, tenant="muenchen")
    of_city = city_name("muenchen", language)
    assert decision.language == language
    assert decision.response == shipped_texts().text("label.greeting", language, of_city=of_city)
