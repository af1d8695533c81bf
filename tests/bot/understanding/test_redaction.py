"""Redaction of personal data (bot/understanding/redaction.py) on real formats."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.understanding.redaction import iban_valid, luhn_valid, redact, tax_id_valid


@pytest.mark.parametrize(
    ("text", "expected", "kinds"),
    [
        ("Meine IBAN ist DE89 3704 0044 0532 0130 00.", "Meine IBAN ist [IBAN].", ["iban"]),
        ("IBAN: DE89370400440532013000", "IBAN: [IBAN]", ["iban"]),
        ("de89 3704 0044 0532 0130 00 bitte", "[IBAN] bitte", ["iban"]),
        ("AT611904300234573201 ist mein Konto", "[IBAN] ist mein Konto", ["iban"]),
        ("Schreiben Sie an max.mustermann@example.de", "Schreiben Sie an [E-MAIL]", ["email"]),
        ("Tel. 0171 1234567", "Tel. [TELEFON]", ["phone"]),
        ("Ruf an: +49 (0)89 233-96000", "Ruf an: [TELEFON]", ["phone"]),
        ("089/233-96000 oder 0049 30 1234567", "[TELEFON] oder [TELEFON]", ["phone", "phone"]),
        ("Steuer-ID: 12 345 678 901", "Steuer-ID: [STEUER-ID]", ["tax_id"]),
        ("meine Nummer 86095742719", "meine Nummer [STEUER-ID]", ["tax_id"]),
        ("Ausweisnummer: T22000129", "Ausweisnummer: [AUSWEISNUMMER]", ["id_number"]),
        ("Passnummer C01X00T47", "Passnummer [AUSWEISNUMMER]", ["id_number"]),
        ("Karte 4111 1111 1111 1111", "Karte [KREDITKARTE]", ["credit_card"]),
        ("geboren am 12.03.1985 in Köln", "geboren am [GEBURTSDATUM] in Köln", ["birth_date"]),
        ("Geburtsdatum: 1. März 1990", "Geburtsdatum: [GEBURTSDATUM]", ["birth_date"]),
    ],
)
def test_redacts_real_formats(text: str, expected: str, kinds: list[str]) -> None:
    result = redact(text)
    assert result.text == expected
    assert [f.kind for f in result.findings] == kinds


@pytest.mark.parametrize(
    "text",
    [
        "Der Personalausweis kostet 27,60 Euro.",
        "Termin am 01.02.2026 um 09.00 Uhr",
        "Ruppertstraße 19, 80337 München",
        "01067 Dresden",
        "Der Antrag ist 3 Monate gültig, Gebühr 5,10 Euro.",
        "Im Jahr 2024 haben 12345 Menschen",
        "Kennzeichen M AB 1234",
        "Die Nummer 12345678901 ist keine gültige Steuer-ID",
        "Karte 4111 1111 1111 1112",  # Luhn fails
    ],
)
def test_leaves_ordinary_text_alone(text: str) -> None:
    assert redact(text).text == text


def test_iban_with_bad_checksum_is_not_an_iban_and_not_a_phone() -> None:
    text = "IBAN DE89 3704 0044 0532 0130 01"
    result = redact(text)
    assert result.text == text
    assert result.findings == []


def test_dates_without_label_stay() -> None:
    assert redact("Am 12.03.1985 war ich in Köln").text == "Am 12.03.1985 war ich in Köln"


def test_checksums() -> None:
    assert iban_valid("DE89 3704 0044 0532 0130 00")
    assert not iban_valid("DE89 3704 0044 0532 0130 01")
    assert not iban_valid("DE89")
    assert luhn_valid("4111111111111111")
    assert not luhn_valid("4111111111111112")
    assert tax_id_valid("86095742719")
    assert not tax_id_valid("86095742718")
    assert not tax_id_valid("01234567890")


def test_findings_carry_spans_not_values() -> None:
    text = "Mail: a@b.de"
    (finding,) = redact(text).findings
    assert text[finding.start : finding.end] == "a@b.de"
    assert "a@b.de" not in finding.model_dump_json()


def test_several_kinds_in_one_message() -> None:
    result = redact("IBAN DE89370400440532013000, Tel 0171 1234567, mail x@y.de")
    assert result.text == "IBAN [IBAN], Tel [TELEFON], mail [E-MAIL]"
    assert result.kinds == {"iban", "phone", "email"}


@pytest.mark.timeout(60)  # a hang guard against catastrophic backtracking, not a speed figure
def test_redacts_every_occurrence_in_a_long_message() -> None:
    """A 100,000-character message (the API's upper bound) is redacted completely.

    Speed is measured by `govbot bench`, not here; the timeout only stops a regex that
    backtracks without end from hanging the suite."""
    sentence = "Ich wohne in der Ruppertstraße 19, Tel 0171 1234567, IBAN DE89370400440532013000. "
    text = (sentence * 1300)[:100_000]
    result = redact(text)
    assert "0171" not in result.text
    assert "DE89" not in result.text
    assert result.text.count("[IBAN]") == text.count("DE89370400440532013000")


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_never_crashes_on_any_unicode(text: str) -> None:
    result = redact(text)
    assert isinstance(result.text, str)
    for finding in result.findings:
        assert 0 <= finding.start < finding.end <= len(text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("0123456789 +-/().DEATabc@"), max_size=80))
def test_never_crashes_on_number_soup(text: str) -> None:
    redact(text)
