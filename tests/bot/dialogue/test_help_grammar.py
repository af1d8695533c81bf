"""The help grades' grammar in the policy rules (issue 16, #12 item 4): present danger in
every catalogue language, a past event kept out of it, urgent and social grades beyond
German and English. Rules only (``Policy.classify``): the semantic net is tested with the
real embedder in test_emergency.py and test_help_grades.py. The wordings here are new,
not cases of the evaluation sets."""

from __future__ import annotations

import pytest

from bot.dialogue.policy import Policy, PolicyLabel

DANGER, URGENT, SOCIAL, SERVICE = (
    PolicyLabel.EMERGENCY,
    PolicyLabel.URGENT_HELP,
    PolicyLabel.SOCIAL_HELP,
    PolicyLabel.SERVICE_QUESTION,
)


@pytest.fixture(scope="module")
def policy() -> Policy:
    return Policy.from_yaml()


@pytest.mark.parametrize(
    ("message", "label"),
    [
        # an event that is over, only its consequences last: no present danger (a past
        # emergency-rule event is graded social: help lines above the service answer)
        ("Seit meinem Herzinfarkt darf ich nicht mehr arbeiten, welche Rente gibt es?", SOCIAL),
        ("Nach dem Brand im Keller brauchen wir neue Geburtsurkunden", SOCIAL),
        ("Since my stroke I cannot drive, where do I hand in my licence?", SOCIAL),
        (
            "Bei dem Auffahrunfall wurde zum Glück niemand verletzt, wie melde ich das Auto ab?",
            SERVICE,
        ),
        # ... unless an acute state is said in the present tense
        ("Nach dem Sturz ist meine Mutter bewusstlos", DANGER),
        ("After the party my friend is not breathing", DANGER),
        # violence now, in the perfect tense or without a weapon named
        ("Er hat mich eben getreten und steht noch im Flur", DANGER),
        ("Mein Freund tritt gerade die Wohnungstür ein", DANGER),
        ("He threatened to kill me and is outside", DANGER),
        ("Komşum beni öldürmekle tehdit ediyor", DANGER),
        ("Колишній погрожує мене вбити", DANGER),
        ("Муж угрожает убить меня", DANGER),
        ("Sąsiad grozi, że mnie zabije", DANGER),
        ("Vecinul mă amenință că mă omoară", DANGER),
        ("Il me menace de mort depuis ce matin", DANGER),
        ("Quelqu'un défonce la porte de mon appartement", DANGER),
        ("المطبخ مشتعل", DANGER),
        # an illness with a warning sign is danger, without one it is urgent
        ("Mein Sohn hat Fieber und ist kaum ansprechbar", DANGER),
        ("Mein Baby hat hohes Fieber und ist ganz schlapp und reagiert kaum", DANGER),
        ("Mein Sohn hat Fieber und Halsschmerzen", URGENT),
        ("Der Hausarzt hat zu und ich habe seit gestern Ohrenschmerzen", URGENT),
        ("zahnarzt notdienst am sonntag", URGENT),
        ("Ich bin chronisch krank, welche Unterstützung gibt es für Pflege?", SERVICE),
        ("Ich war 2023 ein halbes Jahr krank, zählt das für die Rente?", SERVICE),
        ("Mein Sohn war letzte Woche krank und hat jetzt wieder Fieber", URGENT),
        # urgent in the other languages
        ("Kızımın yüksek ateşi var", URGENT),
        ("ابني مريض والطبيب مغلق اليوم", URGENT),
        ("У сина висока температура", URGENT),
        ("Dziecko ma gorączkę od rana", URGENT),
        ("Copilul are febră mare", URGENT),
        ("دندان درد شدید دارم", URGENT),
        ("Mon fils a de la fièvre depuis hier soir", URGENT),
        ("Где получить больничный лист для работы?", SERVICE),
        # social urgency in the other languages, violence that is over
        ("Bu gece kalacak yerim yok", SOCIAL),
        ("Мне негде ночевать сегодня", SOCIAL),
        ("Nie mam pieniędzy na jedzenie dla dzieci", SOCIAL),
        ("Je dors dehors depuis une semaine", SOCIAL),
        ("Mein Ex used to beat me, who can I talk to?", SOCIAL),
        ("Мой отец бил меня в детстве, где найти психолога?", SOCIAL),
        ("Ich fühle mich so einsam und niedergeschlagen", SOCIAL),
        # German "hier" (here) is no past cue; French "hier" (yesterday) in a French clause is
        ("Hier riecht es stark nach Gas, mir ist übel", DANGER),
        ("Im Keller hier qualmt es", DANGER),
        ("Il y a eu un incendie hier, comment refaire mes papiers ?", SOCIAL),
        ("Un incendie a eu lieu hier dans notre immeuble, quels papiers refaire ?", SOCIAL),
        ("Hier soir, un incendie dans la cave, comment refaire nos papiers ?", SOCIAL),
        # violence as a subject, not the citizen's own need
        ("Wir planen ein Projekt zur Gewaltprävention an unserer Schule", SERVICE),
    ],
)
def test_grade(policy: Policy, message: str, label: PolicyLabel) -> None:
    assert policy.classify(message).label is label
