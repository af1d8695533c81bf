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
TOPIC = "social.suicide_topic"


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
        # "vor" with hours or minutes is the moment of an emergency, not a past event
        ("Meine Tochter ist vor einer Stunde verschwunden", DANGER),
        ("Vor einem halben Jahr war ein Brand im Keller, wie ersetze ich die Urkunden?", SOCIAL),
        # an acute state said in the present is now, whatever happened before
        ("Два года назад у него был инсульт, а теперь он не дышит", DANGER),
        ("Geçen yıl kalp krizi geçirdi, şimdi yine göğsü ağrıyor ve nefes almıyor", DANGER),
        ("L'année dernière il a eu un AVC, et là il ne respire plus", DANGER),
        # French "depuis" also says where from: no past cue
        ("Mon voisin crie depuis sa fenêtre que sa femme ne respire plus", DANGER),
        ("Vor zwei Jahren hat es bei uns gebrannt, der Brand zerstörte alle Papiere", SOCIAL),
    ],
)
def test_grade(policy: Policy, message: str, label: PolicyLabel) -> None:
    assert policy.classify(message).label is label


@pytest.mark.parametrize(
    ("message", "label", "rule_id"),
    [
        # the wish or the danger, in the first or third person: danger whatever else is said
        ("Mein Freund will sich umbringen", DANGER, "emergency.suicide"),
        ("Ich will nicht mehr leben", DANGER, "emergency.suicide"),
        ("My friend wants to kill himself", DANGER, "emergency.suicide"),
        ("I don't want to live anymore", DANGER, "emergency.suicide"),
        ("Ich habe Suizidgedanken, gibt es eine Selbsthilfegruppe?", DANGER, "emergency.suicide"),
        ("Meine Schwester droht mit Selbstmord", DANGER, "emergency.suicide"),
        # the word "suicide" alone, or as the wish in the languages that say it with the noun
        ("Suizid", DANGER, "emergency.suicide_mention"),
        ("intihar etmek istiyorum", DANGER, "emergency.suicide_mention"),
        ("chcę popełnić samobójstwo", DANGER, "emergency.suicide_mention"),
        ("میخوام خودکشی کنم", DANGER, "emergency.suicide_mention"),
        ("vreau să mă sinucid", DANGER, "emergency.languages"),
        # suicide as a topic: prevention, training, grief, statistics, a death years ago
        (
            "Gibt es eine Gruppe für Hinterbliebene nach einem Suizid?",
            SOCIAL,
            TOPIC,
        ),
        ("Ich organisiere eine Fortbildung zur Suizidprävention", SOCIAL, TOPIC),
        (
            "Where can I find suicide prevention training for teachers?",
            SOCIAL,
            TOPIC,
        ),
        (
            "My uncle died by suicide three years ago, is there grief counselling?",
            SOCIAL,
            TOPIC,
        ),
        ("İntihar önleme eğitimi var mı?", SOCIAL, TOPIC),
        ("هل توجد مجموعة دعم لعائلات ضحايا الانتحار؟", SOCIAL, TOPIC),
        ("Де знайти групу підтримки після самогубства брата?", SOCIAL, TOPIC),
        ("Статистика самоубийств в Германии", SOCIAL, TOPIC),
        ("Warsztaty o zapobieganiu samobójstwom dla rodziców", SOCIAL, TOPIC),
        (
            "Există grupuri de sprijin după sinuciderea unui părinte?",
            SOCIAL,
            TOPIC,
        ),
        ("کارگاه پیشگیری از خودکشی برای معلمان", SOCIAL, TOPIC),
        (
            "Une formation à la prévention du suicide pour les animateurs ?",
            SOCIAL,
            TOPIC,
        ),
    ],
)
def test_suicide_wish_and_topic(
    policy: Policy, message: str, label: PolicyLabel, rule_id: str
) -> None:
    decision = policy.classify(message)
    assert (decision.label, decision.rule_id) == (label, rule_id)


def test_suicide_mention_answers_with_the_crisis_lines(policy: Policy) -> None:
    """The mention of a suicide shares the crisis-line text of the wish (``text_of``)."""
    mention = policy.classify("Suizid", language="de")
    wish = policy.classify("Ich will mich umbringen", language="de")
    assert mention.response == wish.response and "Telefonseelsorge" in (mention.response or "")


@pytest.mark.parametrize(
    "message",
    [
        # the standard adverbials of the past, with the plural a numeral takes
        "Подруга два роки тому пішла від чоловіка, який її бив, тепер шукає юриста",
        "Два года назад у нас был пожар, как восстановить документы?",
        "Dwa lata temu był u nas pożar, jak odzyskać dokumenty?",
        "Acum doi ani a fost un incendiu la noi, cum refac actele?",
        "Il y a deux années, un incendie a détruit nos papiers",
        "Yıllar önce evimizde yangın çıktı, tapu nasıl yenilenir?",
        "قبل سنوات كان هناك حريق في بيتنا، كيف أستخرج الأوراق؟",
        "سال‌ها پیش خانه ما آتش گرفته بود، مدارک را چطور بگیرم؟",
        "Back then my neighbour threatened to kill me, can I block my address?",
        "Після його інсульту батько не може водити, як оформити інвалідність?",
    ],
)
def test_past_cues_in_every_language(policy: Policy, message: str) -> None:
    assert policy.classify(message).label is not DANGER


@pytest.mark.parametrize(
    ("message", "label"),
    [
        # the life-threatening signs of a first-aid list, in every catalogue language
        ("My neighbour is bleeding heavily from the head", DANGER),
        ("Kaza oldu, iki kişi ağır yaralı", DANGER),
        ("أخي ينزف ولا يتوقف الدم", DANGER),
        ("ДТП на трасі, двоє поранених", DANGER),
        ("Авария на перекрёстке, водитель весь в крови", DANGER),
        ("Wypadek na drodze, są ranni", DANGER),
        ("Sângerează puternic după ce a căzut", DANGER),
        ("خونریزی شدید از دستش دارد", DANGER),
        ("Mon père saigne beaucoup, il s'est coupé", DANGER),
        ("Dad has chest pain and is sweating", DANGER),
        ("Annemin göğsü ağrıyor ve nefesi daralıyor", DANGER),
        ("У мамы боль в груди и немеет рука", DANGER),
        ("Mój mąż ma udar, nie może mówić", DANGER),
        ("Bunicul are un infarct", DANGER),
        ("پدرم سکته مغزی کرده", DANGER),
        ("Ma mère fait un AVC", DANGER),
        # a seizure in a baby or small child is danger (112), not urgent (116 117)
        ("Our baby has a fever and is having a seizure", DANGER),
        ("Bebeğim havale geçiriyor", DANGER),
        ("طفلي يتشنج وحرارته عالية", DANGER),
        ("У дитини судоми і висока температура", DANGER),
        ("Dziecko ma drgawki i gorączkę", DANGER),
        ("Copilul face convulsii", DANGER),
        ("بچه‌ام تشنج کرده", DANGER),
        ("Mon bébé a des convulsions", DANGER),
        ("My little boy is drowning in the pool", DANGER),
        ("Oğlum havuzda boğuluyor", DANGER),
        # the word of an illness or a case where nobody was hurt is no danger
        ("My son has epilepsy, can he get a nursery place?", SERVICE),
        ("Mój syn ma padaczkę, czy dostanie miejsce w przedszkolu?", SERVICE),
        ("Як оскаржити рішення судом?", SERVICE),
        ("Mam skierowanie na badanie krwi", SERVICE),
        ("Il y a eu un accident, personne n'a été blessé, comment faire le constat ?", SERVICE),
        ("Where is the next first aid course for the driving licence?", SERVICE),
    ],
)
def test_life_threatening_signs(policy: Policy, message: str, label: PolicyLabel) -> None:
    assert policy.classify(message).label is label


@pytest.mark.parametrize(
    ("message", "label"),
    [
        # Russian and Ukrainian typed in Latin letters are read in Cyrillic for danger
        ("pomogite, moya doch ne dyshit", DANGER),
        ("v pod'ezde pozhar, vsyo v dymu", DANGER),
        ("sosed ugrozhaet ubit' menya", DANGER),
        ("gorit kvartira u sosedey", DANGER),
        # in every romanisation: Ukrainian national (KMU 2010), scholarly "j" and "x", chat digits
        ("moia donka ne dykhaie, dopomozhit", DANGER),
        ("Kolyshnij cholovik pohrozhuie nozhem", DANGER),
        ("sused ugrozhaet 4to ub'et menja", DANGER),
        ("xo4u pokin4yty z soboju", DANGER),
        ("ja ne xo4u zhit, naglotalas tabletok", DANGER),
        # a past event stays past, and the reading never touches other languages
        ("tri goda nazad u nas byl pozhar, kak vosstanovit pasport", SOCIAL),
        ("ich will mich ummelden", SERVICE),
        ("How do I renew my residence permit?", SERVICE),
        ("Où puis-je déclarer un changement d'adresse ?", SERVICE),
    ],
)
def test_latin_russian_is_read_in_cyrillic(
    policy: Policy, message: str, label: PolicyLabel
) -> None:
    decision = policy.classify(message)
    assert decision.label is label
    if label is DANGER:
        assert (decision.rule_id or "").endswith(".cyrillic")


@pytest.mark.parametrize(
    ("message", "label"),
    [
        # Arabic and Farsi typed in Latin letters are read in Arabic script for danger
        ("fi 7ariq kbir bl bayt", DANGER),
        ("fi hari2 kbir bl bayt elha2na", DANGER),
        ("mamanam nafas nemikeshe", DANGER),
        ("3ayez antehir el leila", DANGER),
        # a rule's exception is read in Arabic script too: a course on suicide is a topic
        ("fi dawra 3an el intihar lal mo3allimin?", SOCIAL),
        # ordinary requests in the same register, and other languages, are left alone
        ("kif bjadded jawaz el safar", SERVICE),
        ("mikham govahiname begiram", SERVICE),
        ("Where can I buy a gas bottle for the barbecue?", SERVICE),
        ("wer ist zustaendig fuer die standortaenderung meines gewerbes", SERVICE),
    ],
)
def test_latin_arabic_and_farsi_are_read_in_arabic_script(
    policy: Policy, message: str, label: PolicyLabel
) -> None:
    decision = policy.classify(message)
    assert decision.label is label
    if label is DANGER:
        assert (decision.rule_id or "").endswith(".arabic_script")
