"""Extractive answer composition (bot/compose/extractive.py) on real Munich services and pages."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from bot.answer import MoreSection
from bot.compose.extractive import Composer, page_units, select_window, split_sentences
from bot.dialogue.policy import Policy
from knowledge.models import Section, SectionKind, Service, SourceKind
from knowledge.retrieval import Retriever
from tests.factories import make_service

PERSONALAUSWEIS = "muenchen/1063441"


def _integreat_page(native_id: str, title: str, text: str, **overrides: Any) -> Service:
    """An Integreat page of Landkreis Augsburg with one content section "Inhalt"."""
    section = Section(kind=SectionKind.CONTENT, title="Inhalt", text=text)
    return make_service(
        tenant="lkaugsburg",
        native_id=native_id,
        source=SourceKind.INTEGREAT,
        title=title,
        sections=[section],
        **overrides,
    )


@pytest.fixture(scope="module")
def policy() -> Policy:
    return Policy.from_yaml()


@pytest.fixture(scope="module")
def composer(policy: Policy) -> Composer:
    return Composer(policy.texts, max_chars=1200)


def test_fee_question_puts_the_fees_first(composer: Composer, munich_retriever: Retriever) -> None:
    service = munich_retriever.get_service(PERSONALAUSWEIS)
    assert service is not None
    result = composer.answer(
        service, "Was kostet ein Personalausweis?", aspects=["fees"], language="de"
    )
    assert result.text.startswith("Gebühren für „Personalausweis“:\n")
    assert "über 24 Jahren: 46 Euro" in result.text
    assert "unter 24 Jahren: 27,60 Euro" in result.text
    assert result.text.endswith("Stand: 08.06.2026")
    assert len(result.text) <= 1200
    (citation,) = result.citations
    assert (citation.doc_id, citation.section, citation.updated) == (
        PERSONALAUSWEIS,
        "Gebühren",
        date(2026, 6, 8),
    )


def test_where_question_names_offices_and_appointment_link(
    composer: Composer, munich_retriever: Retriever
) -> None:
    service = munich_retriever.get_service("muenchen/1064305")  # Fahrzeug abmelden
    assert service is not None
    result = composer.answer(
        service, "Wo kann ich mein Auto abmelden?", aspects=["location"], language="de"
    )
    assert result.text.startswith("Zuständig für „Fahrzeug abmelden“:\n- KfZ Zulassungsstelle")
    assert "Eichstätter Straße 2, 80686 München" in result.text
    assert "Termin vereinbaren: https://" in result.text
    assert result.offices[0].name == "KfZ Zulassungsstelle"
    assert result.offices[0].address == "Eichstätter Straße 2, 80686 München"
    assert result.citations[0].section == "Zuständige Stelle"


def test_general_question_gives_summary_fees_and_links(
    composer: Composer, munich_retriever: Retriever
) -> None:
    service = munich_retriever.get_service("muenchen/1063565")  # Führungszeugnis
    assert service is not None
    result = composer.answer(service, "Führungszeugnis", aspects=[], language="de")
    first_line = result.text.split("\n")[0]
    description = service.section(SectionKind.DESCRIPTION)
    assert description is not None and first_line.rstrip("…") in description.text
    assert "13 Euro" in result.text
    assert "Mehr dazu: https://" in result.text
    assert len(result.text) <= 800  # issue 17: short; the rest is offered, not pasted
    assert result.more and all(m.doc_id == service.doc_id for m in result.more)
    assert "Beschreibung" in {m.title for m in result.more}  # not shown in full


def test_english_question_gets_english_frame(
    composer: Composer, munich_retriever: Retriever
) -> None:
    service = munich_retriever.get_service("muenchen/1063453")  # Reisepass
    assert service is not None
    result = composer.answer(service, "How much is a passport?", aspects=["fees"], language="en")
    assert result.text.startswith(
        'This information is only available in German – from "Reisepass":'
    )
    assert 'Fees for "Reisepass":' in result.text
    assert "70 Euro" in result.text
    assert "Last updated: 08.06.2026" in result.text


@pytest.mark.parametrize(
    ("language", "intro", "stand"),
    [
        ("uk", "Ця інформація є лише німецькою мовою – зі сторінки «Reisepass»:", "Станом на:"),
        ("ar", 'هذه المعلومات متوفرة باللغة الألمانية فقط – من "Reisepass":', "آخر تحديث:"),
        (
            "tr",
            'Bu bilgi yalnızca Almanca olarak mevcuttur – "Reisepass" sayfasından:',
            "Güncelleme:",
        ),
    ],
)
def test_a_german_source_is_framed_as_german_in_the_citizens_language(
    composer: Composer, munich_retriever: Retriever, language: str, intro: str, stand: str
) -> None:
    """The source's German text is quoted, never passed off as a translation."""
    service = munich_retriever.get_service("muenchen/1063453")  # Reisepass
    assert service is not None
    result = composer.answer(service, "?", aspects=["fees"], language=language)
    assert result.text.startswith(intro)
    assert "70 Euro" in result.text  # the German fee text, unchanged
    assert f"{stand} 08.06.2026" in result.text
    assert result.citations[0].doc_id == "muenchen/1063453"


def test_a_german_page_is_framed_as_german_in_the_citizens_language() -> None:
    page = _integreat_page(
        "123", "Deutsch lernen", "Kurse: 50 Euro.", keywords=[], updated=date(2023, 11, 20)
    )
    composer = Composer(Policy.from_yaml().texts, max_chars=300)
    result = composer.answer(page, "Скільки коштує курс?", aspects=[], language="uk")
    assert result.text.startswith(
        "Ця інформація є лише німецькою мовою – зі сторінки «Deutsch lernen»:\n"
    )
    assert "Kurse: 50 Euro." in result.text


def test_missing_fees_are_said_not_invented(composer: Composer) -> None:
    service = make_service(
        sections=[Section(kind=SectionKind.DESCRIPTION, title="Beschreibung", text="Ein Text.")]
    )
    result = composer.answer(service, "Was kostet das?", aspects=["fees"], language="de")
    assert result.text.startswith("Zu den Gebühren steht in „Personalausweis“ nichts.")
    assert "Euro" not in result.text
    assert not result.aspect_found


def test_page_answer_quotes_the_best_lines() -> None:
    text = "\n".join(
        [
            "Im Landkreis gibt es viele Angebote für Familien.",
            "Die Bücherei hat ein großes Angebot.",
            "Deutschkurse für Erwachsene bietet die Volkshochschule an.",
            "Die Kurse kosten 50 Euro pro Monat.",
            "Anmeldung bei der Volkshochschule: Hauptstraße 1.",
        ]
    )
    page = _integreat_page("123", "Deutsch lernen", text, keywords=[], updated=date(2023, 11, 20))
    composer = Composer(Policy.from_yaml().texts, max_chars=200, context=False)
    result = composer.answer(
        page, "Wo kann ich einen Deutschkurs machen?", aspects=["location"], language="de"
    )
    # Issue 17: the answering sentence first (at most one sentence of its section before
    # it); the source and its date close the answer.
    assert "Deutschkurse für Erwachsene bietet die Volkshochschule an." in result.text[:100]
    assert result.text.endswith("Quelle: „Deutsch lernen“ · Stand: 20.11.2023")
    assert len(result.text) <= 200
    assert result.citations[0].doc_id == "lkaugsburg/123"


def test_long_content_is_cut_at_the_limit(policy: Policy) -> None:
    long_fees = "\n".join(f"- Position {i}: {i},50 Euro" for i in range(300))
    service = make_service(
        sections=[Section(kind=SectionKind.FEES, title="Gebühren", text=long_fees)],
        updated=date(2026, 6, 8),
    )
    result = Composer(policy.texts, max_chars=400).answer(
        service, "Was kostet das?", aspects=["fees"], language="de"
    )
    assert len(result.text) <= 400
    assert "…" in result.text
    assert result.text.endswith("Stand: 08.06.2026")


def test_criteria_answer_quotes_requirements_without_verdict(policy: Policy) -> None:
    service = make_service(
        sections=[
            Section(
                kind=SectionKind.DESCRIPTION,
                title="Beschreibung",
                text="Den Ausweis gibt es im Bürgerbüro. Sie müssen Ihren Hauptwohnsitz in "
                "München haben. Ja, Sie haben Anspruch darauf.",
            )
        ]
    )
    text = Composer(policy.texts).criteria_answer(service, "Habe ich Anspruch?", language="de")
    assert "Sie müssen Ihren Hauptwohnsitz in München haben." in text
    assert "Ja, Sie haben Anspruch" not in text


def test_split_sentences_keeps_abbreviations_and_ordinals() -> None:
    assert split_sentences(
        "Das gilt z. B. für Kinder bzw. Jugendliche. Ab der 5. Klasse nicht."
    ) == [
        "Das gilt z. B. für Kinder bzw. Jugendliche.",
        "Ab der 5. Klasse nicht.",
    ]


def test_select_window_grows_forward_from_the_best_line() -> None:
    units = ["Einleitung.", "Hunde müssen angemeldet werden.", "Die Steuer ist jährlich.", "Ende."]
    assert select_window(units, "Hund anmelden", budget=60) == [1, 2]
    assert select_window(units, "Hund anmelden", budget=70) == [0, 1, 2]
    assert select_window(units, "Wetter", budget=25) == [0]


def test_page_units_keep_headings_as_lines() -> None:
    page = make_service(
        source=SourceKind.INTEGREAT,
        title="Seite",
        sections=[
            Section(kind=SectionKind.CONTENT, title="Anlaufstellen", text="Ruf an. Schreib.")
        ],
    )
    assert [text for text, _ in page_units(page)] == ["\nAnlaufstellen", "\nRuf an.", "Schreib."]


def _integration_pages() -> tuple[Service, Service]:
    first = _integreat_page(
        "1",
        "Deutsch lernen",
        "Integrationskurse dauern 700 Stunden. " * 40,
        updated=date(2023, 11, 20),
    )
    second = first.model_copy(
        update={
            "doc_id": "lkaugsburg/2",
            "native_id": "2",
            "title": "Volkshochschule",
            "keywords": ["Kinderbetreuung", "Sprachkurs"],
            "sections": [
                Section(
                    kind=SectionKind.CONTENT,
                    title="Inhalt",
                    text="Die Volkshochschule bietet Kinderbetreuung während der Kurse an.",
                )
            ],
        }
    )
    return first, second


@pytest.mark.parametrize("context", [True, False])
def test_runner_up_says_which_part_it_answers(policy: Policy, context: bool) -> None:
    """Issue 17 item 2: a second page appears for the part of the question only it answers."""
    first, second = _integration_pages()
    composer = Composer(policy.texts, max_chars=1200, context=context)
    both = composer.answer(
        first,
        "Wo gibt es Integrationskurse mit Kinderbetreuung?",
        aspects=[],
        language="de",
        also=second,
    )
    assert both.text.startswith("Integrationskurse dauern 700 Stunden.")
    assert (
        "Einen Teil Ihrer Frage beantwortet „Volkshochschule“:\n"
        "Die Volkshochschule bietet Kinderbetreuung während der Kurse an."
    ) in both.text
    assert [c.doc_id for c in both.citations] == ["lkaugsburg/1", "lkaugsburg/2"]
    assert both.text.endswith("Stand: 20.11.2023")


@pytest.mark.parametrize("context", [True, False])
def test_a_runner_up_that_adds_nothing_is_offered_not_pasted(policy: Policy, context: bool) -> None:
    """Issue 17 item 2: one service unless the question needs two; the second page is one
    tap away ("Mehr anzeigen"), after the answered page's own sections."""
    first, second = _integration_pages()
    result = Composer(policy.texts, max_chars=1200, context=context).answer(
        first, "Wo gibt es Integrationskurse?", aspects=[], language="de", also=second
    )
    assert "Volkshochschule" not in result.text  # the first page answers all of it
    assert result.text.startswith("Integrationskurse dauern 700 Stunden.")
    assert [c.doc_id for c in result.citations] == ["lkaugsburg/1"]
    assert len(result.text) <= 500
    assert result.more == [
        MoreSection(doc_id="lkaugsburg/1", key="0", title="Inhalt"),
        MoreSection(doc_id="lkaugsburg/2", key="0", title="Volkshochschule"),
    ]


def test_a_second_page_that_only_mentions_the_missing_word_is_not_pasted(
    policy: Policy,
) -> None:
    """The word the first page lacks must name the second page's topic (title or
    keywords), not just occur in it."""
    first, second = _integration_pages()
    second = second.model_copy(update={"keywords": []})
    result = Composer(policy.texts).answer(
        first,
        "Wo gibt es Integrationskurse mit Kinderbetreuung?",
        aspects=[],
        language="de",
        also=second,
    )
    assert "Volkshochschule" not in result.text
    assert [c.doc_id for c in result.citations] == ["lkaugsburg/1"]
    assert "lkaugsburg/2" in {m.doc_id for m in result.more}


def test_page_answer_leads_with_the_fee_sentence_or_states_the_gap(policy: Policy) -> None:
    text = (
        "Die Beratung findet im Landratsamt statt.\n"
        "Termine gibt es dienstags.\n"
        "Die Beratung ist kostenlos."
    )
    page = _integreat_page("9", "Beratung", text, updated=date(2023, 11, 20))
    composer = Composer(policy.texts)
    fee = composer.answer(page, "Kostet die Beratung etwas?", aspects=["fees"], language="de")
    assert fee.text.startswith("Die Beratung ist kostenlos.")
    assert fee.aspect_found
    silent = composer.answer(
        page, "Wie lange dauert die Beratung?", aspects=["duration"], language="de"
    )
    assert silent.text.startswith(
        "Zur Bearbeitungsdauer steht in „Beratung“ nichts. "
        "Bitte fragen Sie bei der zuständigen Stelle nach."
    )
    assert not silent.aspect_found


@pytest.mark.parametrize(
    ("aspect", "sentence", "states_it"),
    [
        # A time unit in any case form states a duration (genitive "eines Jahres").
        ("duration", "Wird er nicht innerhalb eines Jahres abgeholt, wird er vernichtet.", True),
        ("duration", "Die Bescheinigung gilt bis Ende des Monats.", True),
        ("duration", "Die Auskunft erteilt das Bürgerbüro.", False),
        # A date after "bis" states a deadline; a number that is no date does not.
        ("deadlines", "Sie müssen sich bis 11. März 2026 anmelden.", True),
        ("deadlines", "Der Antrag muss bis 31.12. eingehen.", True),
        ("deadlines", "Für Kinder bis 10 Jahre und bis 3. Klasse.", False),
    ],
)
def test_an_asked_fact_stated_in_any_word_form_is_no_gap(
    policy: Policy, aspect: str, sentence: str, states_it: bool
) -> None:
    """A gap is said only when the source really says nothing (measured: two false gaps
    on munich_services came from "eines Jahres" and "bis 11. März")."""
    page = _integreat_page("8", "Abholung", f"Die Stelle ist montags geöffnet.\n{sentence}")
    composer = Composer(policy.texts, context=False)
    result = composer.answer(page, "Bis wann und wie lange?", aspects=[aspect], language="de")
    assert result.aspect_found is states_it
    assert ("steht in „Abholung“ nichts" in result.text) is not states_it
    if states_it:
        assert result.text.startswith(sentence)


def test_the_retrievals_best_passage_guides_the_lead(policy: Policy) -> None:
    """Two sentences match the question's words equally; the one in the passage the
    retrieval scored best for the question leads."""
    early = "Den Antrag auf Wohngeld stellst Du im Rathaus."
    late = "Den Antrag auf Wohngeld kannst Du auch online stellen."
    text = "\n".join([early, *(f"Absatz {i} über andere Dinge." for i in range(30)), late])
    page = _integreat_page("7", "Wohngeld", text)
    composer = Composer(policy.texts, context=False)
    question = "Wo stelle ich den Antrag auf Wohngeld?"
    assert composer.answer(page, question, aspects=[], language="de").text.startswith(early)
    guided = composer.answer(page, question, aspects=[], language="de", evidence=late)
    assert late in guided.text[:100]
    assert early not in guided.text


def test_structured_answers_never_add_a_runner_up(
    composer: Composer, munich_retriever: Retriever
) -> None:
    first = munich_retriever.get_service(PERSONALAUSWEIS)
    second = munich_retriever.get_service("muenchen/1063453")
    assert first is not None and second is not None
    result = composer.answer(first, "Personalausweis", aspects=[], language="de", also=second)
    assert [c.doc_id for c in result.citations] == [PERSONALAUSWEIS]
