"""Separable verbs in search queries (bot/understanding/separable.py with the shipped rules)."""

from __future__ import annotations

import pytest

from bot.understanding.expansion import QueryExpander
from bot.understanding.separable import SeparableVerbJoiner, SeparableVerbs
from bot.understanding.understanding import Understander


@pytest.fixture(scope="module")
def reader() -> Understander:
    return Understander(QueryExpander.from_yaml())


def expand(reader: Understander, message: str) -> str:
    return reader.understand(message, tenant="muenchen").search.text


@pytest.mark.parametrize(
    ("message", "added"),
    [
        ("Wie melde ich mein Auto ab?", "abmelden"),
        ("Mein Auto war abgemeldet, wie melde ich es wieder an?", "anmelden"),
        ("Wie melde ich ein Gewerbe an und was kostet das?", "anmelden"),
        ("Ich habe ein Auto aus der Schweiz, wie lasse ich das hier zu?", "zulassen"),
        ("Wie schreibe ich das Auto auf mich um", "umschreiben"),
        ("Ich ziehe nächste Woche um, was muss ich tun?", "Wohnsitz ummelden"),  # via synonym
        ("Muss ich einen Termin machen, um meinen Ausweis abzuholen?", "abholen"),  # zu-inf.
        ("Wie lange habe ich Zeit, mich umzumelden?", "ummelden"),
    ],
)
def test_the_verb_the_citizen_meant_is_searched_for(
    reader: Understander, message: str, added: str
) -> None:
    assert added in expand(reader, message)


@pytest.mark.parametrize(
    "message",
    [
        "Was kostet ein Personalausweis?",
        "Was ist an und für sich nötig?",  # "an" does not end a clause here
        "Ich stehe vor dem Amt an",  # "steh" is not a listed separable verb
    ],
)
def test_no_verb_is_invented(reader: Understander, message: str) -> None:
    assert expand(reader, message) == message


def test_an_empty_rule_set_finds_nothing() -> None:
    assert SeparableVerbJoiner(SeparableVerbs()).joined_verbs("wie melde ich mich um") == []
