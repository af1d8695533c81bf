"""Which language a citizen wrote in (lingua's bundled models, the catalogue's languages)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.texts.catalogue import shipped_texts
from bot.understanding.expansion import QueryExpander
from bot.understanding.language_id import LanguageIdentifier, identify_language, language_of_words
from bot.understanding.understanding import Understander
from bot.understanding.wording import normalize
from knowledge.errors import ConfigurationError

INTEGREAT = Path(__file__).parents[3] / "data" / "integreat"


@pytest.mark.parametrize(
    ("message", "language"),
    [
        ("Wie beantrage ich einen Reisepass?", "de"),
        ("How much does a passport cost?", "en"),
        ("Pasaport başvurusu için hangi belgeler gerekiyor?", "tr"),
        ("كم تكلفة جواز السفر؟", "ar"),
        ("Скільки коштує закордонний паспорт?", "uk"),
        ("Сколько стоит загранпаспорт?", "ru"),
        ("Ile kosztuje paszport i gdzie go wyrobić?", "pl"),
        ("Cât costă un pașaport și unde îl pot solicita?", "ro"),
        ("هزینه گذرنامه چقدر است؟", "fa"),
        ("Combien coûte un passeport ?", "fr"),
    ],
)
def test_every_catalogue_language_is_identified(message: str, language: str) -> None:
    guess = identify_language(message)
    assert (guess.language, guess.decisive) == (language, True)


@pytest.mark.parametrize(
    ("message", "language"),
    [
        ("Як отримати Personalausweis у Мюнхені?", "uk"),
        ("كيف أحصل على Aufenthaltstitel؟", "ar"),
        ("چطور میتوانم Aufenthaltstitel بگیرم؟", "fa"),
        ("Cum îmi fac Anmeldung în München?", "ro"),
        ("Comment obtenir un Personalausweis à Munich ?", "fr"),
        ("Where can I get a Personalausweis and Meldebescheinigung?", "en"),
        ("Kimlik kartı için Bürgerbüro nerede?", "tr"),
    ],
)
def test_german_service_names_inside_a_foreign_sentence_do_not_make_it_german(
    message: str, language: str
) -> None:
    guess = identify_language(message)
    assert (guess.language, guess.decisive) == (language, True)
    assert guess.german_terms


@pytest.mark.parametrize(
    "message",
    ["Wie beantrage ich einen Reisepass?", "Reisepass verloren was tun", "perso geklaut"],
)
def test_german_with_german_terms_stays_german(message: str) -> None:
    assert identify_language(message).language == "de"


@pytest.mark.parametrize(
    "message", ["ok", "Hallo", "Merhaba", "Taxi", "Personalausweis", "Anmeldung Wohnung", "?!"]
)
def test_short_messages_and_bare_german_terms_are_not_decisive(message: str) -> None:
    assert not identify_language(message).decisive


@pytest.fixture(scope="module")
def reader() -> Understander:
    return Understander(QueryExpander.from_yaml())


def test_the_conversation_language_wins_when_detection_is_unsure(reader: Understander) -> None:
    understood = reader.understand("Personalausweis", tenant="muenchen", language="uk")
    assert (understood.language, understood.language_source) == ("uk", "conversation")
    assert understood.detected_language == "de"
    understood = reader.understand("ok", tenant="muenchen", language="ar")
    assert (understood.language, understood.language_source) == ("ar", "conversation")


def test_a_decisive_message_overrides_the_conversation_language(reader: Understander) -> None:
    understood = reader.understand("Скільки коштує паспорт?", tenant="muenchen", language="de")
    assert (understood.language, understood.language_source) == ("uk", "detected")
    assert understood.language_confidence >= 0.75


def test_without_a_conversation_language_an_unsure_message_is_answered_in_german(
    reader: Understander,
) -> None:
    understood = reader.understand("Hallo", tenant="muenchen")
    assert (understood.language, understood.language_source) == ("de", "default")


def test_a_foreign_message_is_not_spelling_corrected_into_german(reader: Understander) -> None:
    understood = reader.understand("Pasaport ne kadar?", tenant="muenchen", language="tr")
    assert understood.search.corrected == "Pasaport ne kadar?"


def test_a_catalogue_language_lingua_does_not_know_is_a_clear_error() -> None:
    with pytest.raises(ConfigurationError, match=r"'xx' .* ISO 639-1"):
        LanguageIdentifier(["de", "xx"])


def test_the_identifier_chooses_among_the_catalogue_languages() -> None:
    assert set(LanguageIdentifier(shipped_texts().languages).languages) == set(
        shipped_texts().languages
    )


@pytest.mark.skipif(not (INTEGREAT / "dev_uk.json").exists(), reason="dev questions not copied")
@pytest.mark.parametrize("language", ["de", "en", "fr", "uk", "ar"])
def test_integreat_dev_questions_are_identified(language: str) -> None:
    """The translated Integreat dev questions (data/integreat/dev_<language>.json): at most
    2 of 193 per language go to another language (fr has an English question in it)."""
    questions = json.loads((INTEGREAT / f"dev_{language}.json").read_text(encoding="utf-8"))
    wrong = [
        q["question"] for q in questions if identify_language(q["question"]).language != language
    ]
    assert len(wrong) <= 2, wrong


def test_an_unsure_message_in_another_script_is_not_answered_in_german(
    reader: Understander,
) -> None:
    """Cyrillic or Arabic letters rule German out, even when lingua hesitates between two
    languages of that script (issue 13: "Як знайти квартиру?" was answered in German)."""
    guess = identify_language("Як знайти квартиру?")
    assert not guess.decisive and guess.foreign_script
    understood = reader.understand("Як знайти квартиру?", tenant="lkaugsburg")
    assert (understood.language, understood.language_source) == ("uk", "detected")
    # The conversation's language still wins when the guess is unsure.
    understood = reader.understand("Як знайти квартиру?", tenant="lkaugsburg", language="ru")
    assert (understood.language, understood.language_source) == ("ru", "conversation")
    # A German term in Latin letters does not make an Arabic question Latin.
    assert identify_language("كيف أحصل على Aufenthaltstitel؟").foreign_script
    assert not identify_language("Personalausweis").foreign_script


def test_a_message_sure_not_to_be_german_is_answered_in_its_best_guess(
    reader: Understander,
) -> None:
    """Lingua hesitates between languages sharing the Latin alphabet for a short English
    question, but it reads as anything but German: the first answer is not German."""
    message = "How do I cancel my Netflix subscription?"
    guess = identify_language(message)
    assert not guess.decisive and not guess.foreign_script and guess.not_german
    understood = reader.understand(message, tenant="muenchen")
    assert (understood.language, understood.language_source) == ("en", "detected")
    # A language chosen in the conversation still wins over an unsure guess.
    understood = reader.understand(message, tenant="muenchen", language="fr")
    assert (understood.language, understood.language_source) == ("fr", "conversation")
    # Short German requests, misspelt or with loanwords, stay German.
    for german in ("Perso abholen", "ich will mich anmelden", "Handy verloren was tun"):
        assert not identify_language(german).not_german, german
        assert reader.understand(german, tenant="muenchen").language == "de", german


@pytest.mark.parametrize(
    "message",
    # Misspelt German requests that lingua's character n-grams read as English or French.
    ["muuss ich hund anmelden", "frgae zu hundesteuer"],
)
def test_misspelt_german_words_are_german_and_spelling_corrected(
    message: str, reader: Understander
) -> None:
    guess = identify_language(message)
    assert (guess.language, guess.word_evidence) == ("de", "german")
    assert not guess.decisive and not guess.not_german
    understood = reader.understand(message, tenant="muenchen")
    assert (understood.language, understood.detected_language) == ("de", "de")


def test_words_of_another_language_only_make_an_unsure_message_not_german(
    reader: Understander,
) -> None:
    """lingua is unsure (German, Romanian and French share "register" and "patent"), the
    English word list is not: "how", "do", "my", "for" are English word forms only."""
    message = "How do I register a patent for my car invention?"
    guess = identify_language(message)
    assert (guess.language, guess.word_evidence, guess.not_german) == ("en", "other", True)
    assert reader.understand(message, tenant="muenchen").language == "en"
    # A chosen conversation language still wins over the evidence of words.
    assert reader.understand(message, tenant="muenchen", language="fr").language == "fr"


def test_quoted_german_terms_are_no_evidence_of_german() -> None:
    # Romanian has no word list; its sentence quotes two German terms the German list knows.
    guess = identify_language("Cum îmi fac Anmeldung în München?")
    assert (guess.language, guess.word_evidence) == ("ro", "none")


@pytest.mark.parametrize(
    ("message", "language"),
    [
        ('Що означає "Sprengelprinzip"?', "uk"),  # "є": Ukrainian alphabet only
        ("Де знаходиться Ausländerbehörde?", "uk"),  # "і"
        ("Где находится Ausländerbehörde? Мы новые жители.", "ru"),  # "ы"
    ],
)
def test_letters_of_one_alphabet_tell_ukrainian_from_russian(message: str, language: str) -> None:
    assert identify_language(message).language == language


@pytest.mark.parametrize(
    ("message", "language"),
    [
        ("selam", "tr"),
        ("Bonjour !", "fr"),
        ("Kim jesteś?", "pl"),
        ("Cine ești?", "ro"),
        ("na razie", "pl"),
        ("thanks", "en"),
    ],
)
def test_a_short_message_is_read_in_the_language_its_words_belong_to(
    message: str, language: str
) -> None:
    assert language_of_words(normalize(message), shipped_texts().languages) == language


@pytest.mark.parametrize("message", ["ok", "prima", "ja", "danke", "hallo", "super", "hi"])
def test_german_holds_for_words_german_uses_too(message: str) -> None:
    """ "prima" is more frequent in Romanian, "ja" in Polish, "hi" in English, but not a
    hundred times more than in German: a German citizen is not answered in another language."""
    assert language_of_words(normalize(message), shipped_texts().languages) is None


def test_no_language_for_words_no_list_knows() -> None:
    assert language_of_words(normalize("xqzv wprt"), shipped_texts().languages) is None
    assert language_of_words("", shipped_texts().languages) is None


@pytest.mark.parametrize(
    ("message", "language"),
    # Languages pyspellchecker has no word list for: wordfreq's frequencies are the evidence.
    [("Sen kimsin?", "tr"), ("Cine ești?", "ro"), ("esti robot?", "ro"), ("na razie", "pl")],
)
def test_short_messages_in_languages_without_a_spelling_list_are_not_answered_in_german(
    message: str, language: str, reader: Understander
) -> None:
    guess = identify_language(message)
    assert (guess.language, guess.word_evidence, guess.not_german) == (language, "other", True)
    assert not guess.decisive
    understood = reader.understand(message, tenant="muenchen")
    assert (understood.language, understood.language_source) == (language, "detected")
    # Not decisive: a language chosen in the conversation still wins.
    understood = reader.understand(message, tenant="muenchen", language="uk")
    assert (understood.language, understood.language_source) == ("uk", "conversation")


@pytest.mark.parametrize(
    "message",
    # Short German requests, misspelt ones too, and words other languages use more often
    # than German ("formular" in Romanian, "pas" in French) without a hundredfold margin.
    [
        "ich will mich anmelden",
        "perso abholen",
        "wohnung gesucht",
        "wo pass",
        "info psas",
        "formular „v 100“ online",
        "zusammenleben in deutschland formular",
        "online verlustanziege formular",
    ],
)
def test_short_misspelt_german_requests_stay_german(message: str, reader: Understander) -> None:
    assert not identify_language(message).not_german
    assert reader.understand(message, tenant="muenchen").language == "de"


@pytest.mark.parametrize(
    ("message", "language"),
    [
        ("Sen kimsin, Bürgerbüro?", "tr"),
        ("Kimsin sen Personalausweis?", "tr"),
        ("I do not understand Bürgerbüro.", "en"),
    ],
)
def test_a_german_reading_resting_on_quoted_terms_yields_to_the_words_around_them(
    message: str, language: str
) -> None:
    """lingua reads these as German (0.94 and more) because of the quoted German term; the
    words around it are a hundred times more frequent in another language than in German."""
    guess = identify_language(message)
    assert guess.german_terms
    assert (guess.language, guess.word_evidence, guess.not_german) == (language, "other", True)
    assert not guess.decisive
