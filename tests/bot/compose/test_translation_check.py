"""The check of a translated answer (issue 13 item 3) on a real Munich service: the German
answer quotes the Personalausweis fees, its office and phone number from the source; a
translation must keep each of them unchanged (no LLM here: the translations are written
as a model might write them, faithful or not)."""

from __future__ import annotations

import pytest

from bot.compose.grounding import check_translation
from knowledge.models import Service


@pytest.fixture(scope="module")
def german(personalausweis: Service) -> str:
    """A grounded German answer in the source's own words, with citations."""
    fees = next(s.text for s in personalausweis.sections if s.kind.value == "Gebühren")
    assert "unter 24 Jahren: 27,60 Euro" in fees and "über 24 Jahren: 46 Euro" in fees
    office = personalausweis.offices[0]
    assert office.name == "Bürgerbüro Orleansplatz" and office.phone == "089 233-96000"
    return (
        "Der Personalausweis kostet unter 24 Jahren 27,60 Euro und über 24 Jahren 46 Euro [2]. "
        "Ein vorläufiger Personalausweis kostet 10 Euro und ist drei Monate gültig [1][2].\n"
        f"Zuständig ist das {office.name}, Orleansstraße 50, Telefon {office.phone} [3]. "
        "Termine: https://stadt.muenchen.de/service/info/1063441/ [3]"
    )


def names(service: Service) -> list[str]:
    return [service.offices[0].name, "Orleansstraße"]


FAITHFUL = {
    "fr": "La carte d'identité coûte 27,60 euros avant 24 ans et 46 euros après 24 ans. Une "
    "carte d'identité provisoire coûte 10 euros et est valable 3 mois.\nLe service compétent "
    "est le Bürgerbüro Orleansplatz, Orleansstraße 50, téléphone 089 233-96000. Rendez-vous : "
    "https://stadt.muenchen.de/service/info/1063441/",
    "uk": "Посвідчення особи коштує 27,60 євро до 24 років і 46 євро після 24 років. Тимчасове "
    "посвідчення коштує 10 євро і дійсне 3 місяці.\nВідповідальний орган: Bürgerbüro "
    "Orleansplatz, Orleansstraße 50, телефон 089 23396000. Запис: "
    "https://stadt.muenchen.de/service/info/1063441/.",
    "ar": "تبلغ رسوم بطاقة الهوية 27,60 يورو لمن هم دون 24 عامًا و46 يورو لمن تجاوزوا 24 عامًا. "
    "وتكلف البطاقة المؤقتة 10 يورو وهي صالحة لمدة 3 أشهر.\nالجهة المختصة: Bürgerbüro "
    "Orleansplatz، Orleansstraße 50، هاتف 089 233-96000. المواعيد: "
    "https://stadt.muenchen.de/service/info/1063441/",
}


@pytest.mark.parametrize("language", sorted(FAITHFUL))
def test_a_faithful_translation_passes(
    german: str, personalausweis: Service, language: str
) -> None:
    result = check_translation(german, FAITHFUL[language], names=names(personalausweis))
    assert result.reasons == []
    assert result.ok


@pytest.mark.parametrize(
    ("change", "replacement", "reason"),
    [
        ("27,60 euros", "27,50 euros", "translation lost the numbers ['27,6']"),
        ("27,60 euros", "27 euros", "translation lost the numbers ['27,6']"),
        ("valable 3 mois", "valable trois mois", "translation lost the numbers ['3']"),
        ("46 euros après", "46 euros (2026) après", "translation added the numbers ['2026']"),
        ("089 233-96000", "089 233-69000", "translation changed the phone numbers"),
        ("le Bürgerbüro Orleansplatz", "le bureau des citoyens de la place d'Orléans",
         "translation changed the names ['Bürgerbüro Orleansplatz']"),
        ("Orleansstraße 50", "rue d'Orléans 50", "translation changed the names ['Orleansstraße']"),
        ("info/1063441/", "info/", "translation changed the links"),
    ],
)  # fmt: skip
def test_a_translation_that_changes_a_fact_is_refused(
    german: str, personalausweis: Service, change: str, replacement: str, reason: str
) -> None:
    translation = FAITHFUL["fr"].replace(change, replacement)
    assert translation != FAITHFUL["fr"]
    result = check_translation(german, translation, names=names(personalausweis))
    assert not result.ok
    assert any(r.startswith(reason) for r in result.reasons), result.reasons


def test_an_empty_translation_is_refused(german: str) -> None:
    assert not check_translation(german, " ").ok
