"""Misspelt rule words (bot/dialogue/rule_words.py): the rules' vocabulary read with
Python's regular-expression parser, and the policy's reading of a message with its
misspelt words as rule words. The messages are written for these tests (docs/policy.md,
"Misspelt rule words"), on matters no evaluation set uses."""

from __future__ import annotations

import pytest

from bot.dialogue.policy import Policy, PolicyLabel
from bot.dialogue.rule_words import MisspeltReading, rule_words

DANGER = PolicyLabel.EMERGENCY
VERDICT = PolicyLabel.DECISION
SERVICE = PolicyLabel.SERVICE_QUESTION


def test_the_words_of_a_pattern_expand_optional_letters_classes_and_alternations() -> None:
    vocabulary = rule_words(
        [
            r"\b(wie|wo) stehen\b.{0,20}\b(meine|unsere) (chancen?|aussicht)\b",
            r"\bdostan[eę]\b",
            r"هل\s+(س)?(أحصل|يُقبل)",
        ]
    )
    assert vocabulary.words >= {"stehen", "meine", "unsere", "chance", "chancen", "aussicht"}
    assert vocabulary.words >= {"dostane", "dostanę", "أحصل", "سأحصل"}
    assert "wie" not in vocabulary.words  # shorter than a misspelt word can be read from
    assert not vocabulary.stems


def test_a_word_the_pattern_lets_continue_is_a_stem() -> None:
    vocabulary = rule_words([r"\bgenehmig\w*", r"(احتمال)\S*\s", r"\b(mein\w*|unser)\b"])
    assert vocabulary.stems == {"genehmig", "احتمال"}
    assert "unser" in vocabulary.words
    assert "mein" not in vocabulary.stems  # too short to be read from a misspelt word


@pytest.fixture(scope="module")
def policy() -> Policy:
    return Policy.from_yaml()


@pytest.fixture(scope="module")
def reading() -> MisspeltReading:
    return MisspeltReading(
        rule_words([r"\b(anspruch|antrag)\b", r"\bgenehmig\w*", r"\bmeinen\b", r"\bkrankenwagen\b"])
    )


@pytest.mark.parametrize(
    ("message", "read"),
    [
        ("habe ich ansrpuch darauf", "habe ich anspruch darauf"),  # a swapped pair
        ("ist der antarg durch", "ist der antrag durch"),
        ("bitte genemigung", "bitte genehmigung"),  # a stem: its ending kept
        ("ruf einen krankenwgaen", "ruf einen krankenwagen"),
        ("ruf einen krnakenwgaen", "ruf einen krankenwagen"),  # two edits in a long word
    ],
)
def test_a_misspelt_word_is_read_as_the_nearest_rule_word(
    reading: MisspeltReading, message: str, read: str
) -> None:
    assert reading.read(message, "de") == read


@pytest.mark.parametrize(
    "message",
    [
        "habe ich anspruch darauf",  # spelt right
        "mit meinem antrag",  # "meinem" is a German word, one edit from "meinen"
        "habe ich nsapruch darauf",  # the first letter is wrong
        "der atnrg",  # two edits in a short word
        "die genehmigungsformulare",  # begins with the stem, no rule word near it
    ],
)
def test_known_words_short_words_and_other_first_letters_are_left_alone(
    reading: MisspeltReading, message: str
) -> None:
    assert reading.read(message, "de") is None


@pytest.mark.parametrize(
    ("message", "language", "label"),
    [
        # a verdict request whose key word is misspelt, in several catalogue languages
        ("Bekome ich das Elterngeld?", "de", VERDICT),
        ("Wird mein Antrag auf Wohngeld genemigt?", "de", VERDICT),
        ("am i entiteld to housing benefit", "en", VERDICT),
        ("Accetpez ma demande de logement social s'il vous plaît", "fr", VERDICT),
        ("утверидте мне заявление на пособие", "ru", VERDICT),
        ("czy dotsanę zasiłek mieszkaniowy?", "pl", VERDICT),
        # an emergency whose key word is misspelt
        ("Mein Sohn hat Tabeltten geschluckt", "de", DANGER),
        ("mein nachbar bedorht mich mit einem messer", "de", DANGER),
    ],
)
def test_a_rule_matches_the_corrected_reading(
    policy: Policy, message: str, language: str, label: PolicyLabel
) -> None:
    decision = policy.classify(message, language=language)
    assert decision.label is label
    assert (decision.rule_id or "").endswith(".misspelt")


@pytest.mark.parametrize(
    ("message", "language", "label", "rule_id"),
    [
        # spelt right: the rule matches the message as written
        ("Habe ich Anspruch auf Wohngeld?", "de", VERDICT, "decision.entitlement"),
        # ordinary questions are not changed into anything
        ("Wann ist das Bürgerbüro geöffnet?", "de", SERVICE, None),
        ("Ich möchte meinen Wohnsitz ummelden", "de", SERVICE, None),
        ("Brauche ich für den Wohngeldantrag einen Termin? ja oder nein", "de", SERVICE, None),
    ],
)
def test_a_message_as_written_keeps_its_decision(
    policy: Policy, message: str, language: str, label: PolicyLabel, rule_id: str | None
) -> None:
    decision = policy.classify(message, language=language)
    assert (decision.label, decision.rule_id) == (label, rule_id)
