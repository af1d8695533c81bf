"""The promised response time of a handoff in the citizen's language (issue 13 item 4)."""

from __future__ import annotations

import pytest

from bot.services.handoff import check_expected_responses, expected_response
from bot.settings import HandoffSettings
from bot.texts.catalogue import shipped_texts
from knowledge.errors import ConfigurationError


def test_without_an_operator_text_each_language_gets_its_catalogue_text() -> None:
    texts = shipped_texts()
    settings = HandoffSettings()
    check_expected_responses(settings)
    for language in texts.languages:
        assert expected_response(settings, language) == texts.text(
            "handoff.expected_response", language
        )
    assert expected_response(settings, "tr").startswith("2 iş günü içinde")
    assert expected_response(settings, "xx") == texts.text("handoff.expected_response", "de")


def test_an_operator_promise_in_german_only_is_refused_at_start() -> None:
    settings = HandoffSettings(expected_response="innerhalb von 3 Werktagen")
    with pytest.raises(ConfigurationError) as info:
        check_expected_responses(settings)
    message = str(info.value)
    assert message.startswith("the promised response time is set for ['de'] but not for ['ar',")
    assert "GOVBOT_HANDOFF__EXPECTED_RESPONSES__AR=…" in message


def test_an_operator_promise_in_every_language_is_used_in_each() -> None:
    languages = shipped_texts().languages
    promises = {language: f"3 ({language})" for language in languages}
    settings = HandoffSettings(expected_responses=promises)
    check_expected_responses(settings)
    assert [expected_response(settings, lang) for lang in languages] == list(promises.values())


def test_the_older_shorthands_still_name_german_and_english() -> None:
    others = {lang: lang for lang in shipped_texts().languages if lang not in ("de", "en")}
    settings = HandoffSettings(
        expected_response="in 3 Tagen", expected_response_en="in 3 days", expected_responses=others
    )
    check_expected_responses(settings)
    assert expected_response(settings, "de") == "in 3 Tagen"
    assert expected_response(settings, "en") == "in 3 days"
    assert expected_response(settings, "uk") == "uk"


@pytest.mark.parametrize("promises", [{"tr": " "}, {"turkish": "2 gün"}, {"tr": "x" * 201}])
def test_an_unusable_promise_is_refused(promises: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="needs a two-letter language code and a text of 1 to 200"):
        HandoffSettings(expected_responses=promises)
