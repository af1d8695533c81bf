"""Answers a citizen reads on a phone (issue 17 items 1-3), on the real Integreat pages."""

from __future__ import annotations

import pytest

from bot.compose.extractive import CONTEXT_CHARS, Composer
from bot.compose.lead import answer_line, choose_lead
from bot.dialogue.policy import Policy
from ingest.integreat import load_integreat
from knowledge.models import Service
from tests.ingest.conftest import LKAUGSBURG_PAGES, REMS_MURR_PAGES

JOBCENTER = "5408035"  # "Jobcenter und Bürgergeld", five sections, "Suchbegriffe: …" at its end
_LEAD_CHARS = 440  # bot/compose/extractive.py: the lead of an information page


@pytest.fixture(scope="module")
def pages() -> dict[str, Service]:
    return {s.native_id: s for s in load_integreat(LKAUGSBURG_PAGES, tenant="lkaugsburg")}


@pytest.fixture(scope="module")
def composer() -> Composer:
    return Composer(Policy.from_yaml().texts)


def test_tag_words_are_never_answer_text(pages: dict[str, Service], composer: Composer) -> None:
    """Asked in the page's own tag words, no answer shows the tag line."""
    tagged = [page for page in pages.values() if page.keywords]
    assert len(tagged) == 157
    for page in tagged:
        question = " ".join(page.keywords[:3]) + "?"
        text = composer.answer(page, question, aspects=[], language="de").text
        assert "Schlagworte" not in text and "Suchbegriffe" not in text, page.doc_id
        assert ", ".join(page.keywords[:3]) not in text, page.doc_id


def test_the_default_answer_is_short_and_the_rest_one_tap_away(
    pages: dict[str, Service], composer: Composer
) -> None:
    page = pages[JOBCENTER]
    result = composer.answer(
        page, "Wer bekommt Bürgergeld vom Jobcenter?", aspects=[], language="de"
    )
    body, footer = result.text.rsplit("\n\n", 1)
    assert footer == "Quelle: „Jobcenter und Bürgergeld“ · Stand: 13.11.2023"
    assert len(body) <= _LEAD_CHARS + 2 + CONTEXT_CHARS
    assert not body.endswith("?")  # no heading without its lines closes the answer
    # Every section not shown in full is behind "Mehr anzeigen", the asked one first.
    shown = {m.key for m in result.more}
    hidden = {str(i) for i, s in enumerate(page.sections) if s.text.strip() not in result.text}
    assert shown == hidden
    assert result.more[0].title == "Wer bekommt Bürgergeld?"
    assert [m.doc_id for m in result.more] == [page.doc_id] * len(result.more)


def test_the_lead_alone_is_shorter(pages: dict[str, Service]) -> None:
    lead_only = Composer(Policy.from_yaml().texts, context=False)
    default = Composer(Policy.from_yaml().texts)
    page = pages[JOBCENTER]
    question = "Was macht das Jobcenter?"
    short = lead_only.answer(page, question, aspects=[], language="de").text
    longer = default.answer(page, question, aspects=[], language="de").text
    assert len(short) <= len(longer) <= len(short) + CONTEXT_CHARS + 2
    assert short.split("\n\n")[0] in longer


def test_context_chars_must_not_be_negative() -> None:
    with pytest.raises(ValueError, match=r"context_chars must be 0 or more\. Currently, it is -1"):
        Composer(Policy.from_yaml().texts, context_chars=-1)


def test_a_choice_line_is_the_sentence_that_answers(pages: dict[str, Service]) -> None:
    """Issue 17 item 2: under a clarifying choice, the page's sentence on the question."""
    office = pages["5408015"]  # "Amt für Ausländerwesen und Integration Landkreis Augsburg"
    line = answer_line(office, "Wie bekomme ich einen Termin?", ["appointment"], limit=160)
    assert line == (
        "Um eine Mitarbeiterin oder einen Mitarbeiter vom Amt für Ausländerwesen und "
        "Integration zu sprechen, musst Du einen Termin vereinbaren."
    )
    assert not office.summary.startswith(line)  # the page's first line says something else
    online = answer_line(pages["5600234"], "Kann ich das online machen?", ["online"], limit=160)
    assert online == "Manche Termine kannst Du also online von zuhause aus machen."


def test_a_choice_line_reads_on_its_own_within_its_limit(pages: dict[str, Service]) -> None:
    # "… folgende Stelle:" runs on with the office it introduces.
    help_line = answer_line(
        pages["5338632"], "Wo finde ich Hilfe bei der Bewerbung?", ["location"], limit=160
    )
    assert help_line == (
        "Beim Verfassen der Bewerbung unterstützt Dich folgende Stelle: Agentur für Arbeit – "
        "Berufsinformationszentrum (BiZ)"
    )
    for page in pages.values():
        line = answer_line(page, "Wo gibt es Angebote?", ["location"], limit=80)
        assert 0 < len(line) <= 80 and "\n" not in line, page.doc_id
        assert not line.startswith(("- ", "• ")), page.doc_id


def test_a_web_address_follows_its_sentence_and_never_starts_the_lead() -> None:
    """Integreat's "… finden Sie hier." keeps its link (ingest/html_text.py); the address,
    full of the question's words, is never the lead's first line."""
    page = next(
        p
        for p in load_integreat(REMS_MURR_PAGES, tenant="rems-murr-kreis")
        if p.native_id == "3957342"  # "Integrationskurse"
    )
    forms = next(s.text for s in page.sections if "630-120_antrag" in s.text)
    lead = choose_lead(
        page,
        "Wo kann ich mich für Integrationskurse anmelden?",
        ["location"],
        budget=440,
        evidence=forms,
    )
    first, address = lead.text.splitlines()[:2]
    assert first.startswith("Den Antrag für den Integrationskurs") and first.endswith("hier.")
    assert address.startswith("https://www.bamf.de/") and "630-120_antrag" in address
