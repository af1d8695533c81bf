"""Spelling correction against the real Munich catalogue (bot/understanding/spelling.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.understanding.spelling import SpellingCorrector
from ingest.dldb import load_dldb
from knowledge.models import Service

SERVICES = Path(__file__).resolve().parents[3] / "data" / "muenchen" / "services_de.json"


@pytest.fixture(scope="module")
def corrector() -> SpellingCorrector:
    services: list[Service] = list(load_dldb(SERVICES, tenant="muenchen"))
    return SpellingCorrector(lambda tenant: services if tenant == "muenchen" else [])


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("wiefiel kostet personalausweiß", "wiefiel kostet personalausweis"),
        ("Fürungszeugnis beantragen", "Führungszeugnis beantragen"),
        ("Ich brauche einen Reisepas", "Ich brauche einen Reisepass"),
        ("Bewohnerparkausweiss verlängern", "Bewohnerparkausweis verlängern"),
    ],
)
def test_typos_of_catalogue_words_are_corrected(
    corrector: SpellingCorrector, message: str, expected: str
) -> None:
    assert corrector.correct(message, tenant="muenchen", version="v1") == expected


@pytest.mark.parametrize(
    "message",
    [
        "Meine Mutter will mich besuchen",  # a German word, not the catalogue's "Muster"
        "Was kostet das Wohngeld?",  # a missing topic must stay visible as missing
        "Wo meldet man sich an?",  # inflected forms are not "corrected"
        "How much does a passport cost?",  # English is left alone
        "Termin am 12.03. um 9 Uhr",  # numbers and short words
    ],
)
def test_correct_words_and_other_languages_stay(corrector: SpellingCorrector, message: str) -> None:
    assert corrector.correct(message, tenant="muenchen", version="v1") == message


def test_a_tenant_without_services_changes_nothing(corrector: SpellingCorrector) -> None:
    assert corrector.correct("Personalausweiß", tenant="berlin", version="v1") == "Personalausweiß"
