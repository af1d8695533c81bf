"""The catalogue of citizen-facing texts (bot/texts/<language>.yaml, issue 11)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.dialogue.policy import Policy, PolicyLabel, normalize
from bot.dialogue.replies import ReplyWords, folded
from bot.texts.catalogue import TEXTS_DIR, TextCatalogue, shipped_texts
from knowledge.errors import ConfigurationError

SUPPORTED = {"de", "en", "tr", "ar", "uk", "ru", "pl", "ro", "fa", "fr"}
EMERGENCY_KEYS = (
    "label.emergency",
    "label.urgent_help",
    "label.social_help",
    "rule.emergency.suicide",
    "rule.emergency.violence.past",
    "rule.social.violence_support",
)
_PHONE = re.compile(r"\d[\d ]*\d|\d")
_URL = re.compile(r"www\.[\w.-]+\w")


def test_every_shipped_catalogue_has_every_key_of_the_reference() -> None:
    files = sorted(TEXTS_DIR.glob("*.yaml"))
    assert {path.stem for path in files} >= SUPPORTED
    texts = TextCatalogue.from_directory()  # refuses a missing key or placeholder
    assert texts.languages[0] == "de"
    assert set(texts.languages) == {path.stem for path in files}
    for language in texts.languages:
        for key in texts.stable_keys():
            assert texts.text(key, language).strip(), f"{language}: {key} is empty"


def test_emergency_texts_keep_every_number_of_the_german_text() -> None:
    texts = shipped_texts()
    emergency = set(_PHONE.findall(texts.text("label.emergency", "de")))
    assert {"112", "110", "0800 111 0 111", "0800 111 0 222"} <= emergency
    for key in EMERGENCY_KEYS:
        german = set(_PHONE.findall(texts.text(key, "de")))
        assert german, key  # every help text names at least one number
        for language in texts.languages:
            assert set(_PHONE.findall(texts.text(key, language))) == german, (language, key)
            urls = set(_URL.findall(texts.text(key, language)))
            assert urls == set(_URL.findall(texts.text(key, "de"))), (language, key)


def test_every_policy_label_and_rule_text_is_in_the_catalogue() -> None:
    policy = Policy.from_yaml()
    texts = shipped_texts()
    for label in policy.spec.labels:
        assert texts.has(f"label.{label}"), label
    rule_ids = {rule.id for rule in policy.spec.rules}
    # A present-only rule may have its own text for a past event (issue #16).
    rule_ids |= {f"{rule.id}.past" for rule in policy.spec.rules if rule.present_only}
    for key in texts.stable_keys():
        if key.startswith("rule."):
            assert key.removeprefix("rule.") in rule_ids, f"{key} names no rule"
    assert set(policy.spec.labels) == set(PolicyLabel) - {PolicyLabel.SERVICE_QUESTION}


def _write(directory: Path, language: str, texts: dict[str, dict[str, str]]) -> None:
    (directory / f"{language}.yaml").write_text(
        yaml.safe_dump(texts, allow_unicode=True), encoding="utf-8"
    )


def test_a_new_language_is_one_more_file(tmp_path: Path) -> None:
    _write(tmp_path, "de", {"answer": {"stand": "Stand: {date}"}})
    _write(tmp_path, "fr", {"answer": {"stand": "Mise à jour : {date}"}})
    texts = TextCatalogue.from_directory(tmp_path)
    assert texts.languages == ("de", "fr")
    assert texts.text("answer.stand", "fr", date="01.02.2026") == "Mise à jour : 01.02.2026"


def test_a_catalogue_missing_a_key_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, "de", {"answer": {"stand": "Stand: {date}", "error": "Fehler"}})
    _write(tmp_path, "en", {"answer": {"stand": "Last updated: {date}"}})
    with pytest.raises(ConfigurationError) as raised:
        TextCatalogue.from_directory(tmp_path)
    assert str(raised.value) == (
        "text catalogue 'en' must have the keys of 'de': missing ['answer.error'], unknown []"
    )


def test_a_translation_must_keep_the_placeholders(tmp_path: Path) -> None:
    _write(tmp_path, "de", {"answer": {"stand": "Stand: {date}"}})
    _write(tmp_path, "en", {"answer": {"stand": "Last updated: {datum}"}})
    with pytest.raises(ConfigurationError, match=r"other placeholders .* \['answer.stand'\]"):
        TextCatalogue.from_directory(tmp_path)


def test_an_unknown_key_or_language_is_a_clear_error() -> None:
    texts = shipped_texts()
    with pytest.raises(ConfigurationError, match=r"no key 'answer\.nope'"):
        texts.text("answer.nope", "de")
    with pytest.raises(ConfigurationError, match="no text catalogue for language 'xx'"):
        texts.text("answer.stand", "xx", date="x")


def test_each_language_names_itself_and_its_writing_direction() -> None:
    texts = shipped_texts()
    names = {language: texts.text("widget.language_name", language) for language in texts.languages}
    assert len(set(names.values())) == len(names)  # the select can tell them apart
    directions = {
        language: texts.text("widget.direction", language) for language in texts.languages
    }
    assert set(directions.values()) <= {"ltr", "rtl"}
    assert {language for language, d in directions.items() if d == "rtl"} == {"ar", "fa"}


# Texts that are rightly the same as the German one: a code, or a word spelled alike.
SAME_AS_GERMAN = {"widget.direction": {"en", "fr", "pl", "ro", "ru", "tr", "uk"}}
SAME_AS_GERMAN["widget.phone"] = {"pl", "ro", "tr"}  # "Telefon"


def test_no_fixed_text_is_left_in_german_in_another_language() -> None:
    """Issue 13 item 2/4: every fixed text is translated, not copied from de.yaml."""
    texts = shipped_texts()
    for language in texts.languages[1:]:
        for key in texts.stable_keys():
            if texts.text(key, language) == texts.text(key, "de"):
                assert language in SAME_AS_GERMAN.get(key, set()), (language, key)


def test_the_handoff_promise_and_life_situation_exist_in_every_language() -> None:
    texts = shipped_texts()
    for language in texts.languages:
        promise = texts.text("handoff.expected_response", language)
        assert "8" in promise, language  # the service hours start at 8 in every language
        situation = texts.text("answer.life_situation", language, name="Familie")
        assert situation.endswith("Familie") and situation != "Familie", language


# Texts that tell the citizen which word to write to reach a person (issue 13 item 2).
PERSON_OFFERS = (
    "label.abusive",
    "answer.decision_offer",
    "answer.clarify_none",
    "answer.offer_person",
    "answer.error",
)


def test_every_offer_names_the_person_word_of_its_own_language() -> None:
    texts = shipped_texts()
    replies = ReplyWords(texts)
    german = texts.text("reply.person", "de")
    for language in texts.languages:
        word = texts.text("reply.person", language)
        for key in PERSON_OFFERS:
            offer = texts.text(key, language)
            assert word in offer and replies.offers_person(offer), (language, key)
            if language != "de":
                assert german not in offer, (language, key)  # no German word to copy


def test_the_reply_words_of_every_language_are_understood() -> None:
    texts = shipped_texts()
    replies = ReplyWords(texts)
    for language in texts.languages:
        for kind in ("person", "confirm", "decline"):
            for phrase in texts.text(f"reply.{kind}", language).split(","):
                found = replies.reply(normalize(phrase + " !"))
                assert found is not None and found[0] == kind, (language, phrase)
                assert language in found[1]
    # Diacritics and punctuation as citizens type them (or leave them out).
    assert replies.reply(normalize("Functionar")) == ("person", ("ro",))
    assert replies.reply(normalize("لا شكرا.")) == ("decline", ("ar",))
    assert replies.reply(normalize("Ja, bitte!")) == ("confirm", ("de",))
    assert replies.reply(normalize("Ja, ich brauche einen Pass")) is None


def test_yes_and_no_mean_one_thing_across_the_catalogues() -> None:
    """A word that is yes in one language must not be no or a person word in another."""
    texts = shipped_texts()
    meaning: dict[str, str] = {}
    for language in texts.languages:
        for kind in ("person", "confirm", "decline"):
            for phrase in texts.text(f"reply.{kind}", language).split(","):
                key = folded(phrase)
                assert meaning.setdefault(key, kind) == kind, (language, phrase)


def test_only_a_quoted_person_word_is_an_offer() -> None:
    replies = ReplyWords(shipped_texts())
    assert not replies.offers_person("Sie können jederzeit mit einer Person sprechen.")
    assert replies.offers_person("Écrivez simplement « agent ».")
    assert replies.offers_person("Schreiben Sie einfach „Mitarbeiter“.")
