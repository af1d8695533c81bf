"""Requests for a verdict on one's own case, in the ten catalogue languages (issue 12 item 4,
issue 13 item 5), and the procedural questions that look like them but are answered
(issue 17 item 4). The shipped rules of bot/dialogue/rules/policy_de.yaml decide; these
messages were written for this test and are in no evaluation set.
"""

from __future__ import annotations

import pytest

from bot.answer import AnswerStatus
from bot.assistant import build_engine
from bot.dialogue.engine import DialogueEngine
from bot.dialogue.policy import Policy, PolicyLabel
from bot.settings import Settings
from bot.understanding.wording import normalize
from knowledge.retrieval import Retriever

DECISIONS = {
    "de": [
        "Bitte genehmigen Sie meinen Antrag auf Wohngeld.",
        "Gebt ihr mir die Erlaubnis oder nicht?",
        "Sagen Sie mir, ob mein Einspruch Erfolg hat.",
        "Ist mein Antrag auf Wohngeld durch?",
        "Würde ich mit meinem Gehalt Wohngeld bekommen?",
        "Acht Jahre in München, meine Einbürgerung: ja oder nein?",
    ],
    "en": [
        "Will my application for a residence permit be approved?",
        "Do I get child benefit if I work part time?",
        "Please approve my application for housing benefit.",
    ],
    "tr": [
        "Oturma iznim uzatılacak mı?",
        "Vatandaşlığı alacak mıyım?",
        "Çocuk parası almaya hakkım var mı?",
        "Bana sosyal yardım verilir mi?",
    ],
    "ar": [
        "هل يحق لي الحصول على إعانة السكن؟",
        "هل سأحصل على الإقامة الدائمة؟",
        "هل سيتم قبول طلب لجوئي؟",
    ],
    "uk": [
        "Чи маю я право на житлову допомогу?",
        "Чи продовжать мені візу?",
        "Мені належить допомога на дитину?",
    ],
    "ru": [
        "Имею ли я право на пособие?",
        "Получу ли я вид на жительство?",
        "Мне положено пособие на ребёнка?",
    ],
    "pl": [
        "Czy mam prawo do zasiłku mieszkaniowego?",
        "Czy dostanę zezwolenie na pobyt?",
        "Czy przysługuje mi zasiłek na dziecko?",
    ],
    "ro": [
        "Am dreptul la alocație pentru copii?",
        "Voi primi permisul de ședere?",
        "Îmi vor prelungi viza?",
    ],
    "fa": [
        "آیا حق دارم کمک هزینه مسکن بگیرم؟",
        "آیا اقامت دائم می‌گیرم؟",
        "درخواست پناهندگی من قبول می‌شود؟",
    ],
    "fr": [
        "Ai-je droit aux allocations familiales ?",
        "Est-ce que je vais obtenir le titre de séjour ?",
        "Ma demande de naturalisation sera-t-elle acceptée ?",
    ],
}
PROCEDURAL = {
    "de": ["Kann ich den Reisepass online beantragen?", "Kann ich einen Termin bekommen?",
           "Brauche ich einen Termin, ja oder nein?", "Ist Parken hier erlaubt, ja oder nein?",
           "Wie bekomme ich Wohngeld?", "Welche Rechte habe ich, wenn ich Schutz erhalte?"],
    "en": ["Can I apply online for a parking permit?", "Can I get an appointment this week?",
           "What social benefits am I entitled to as a refugee?"],
    "tr": ["Online başvurabilir miyim?", "Randevu alabilir miyim?", "Bilgi alabilir miyim?",
           "Vatandaşlık alabilir miyim?",
           "Belediye Almanca kursu verir mi?"],
    "ar": ["هل يمكنني التقديم عبر الإنترنت؟", "هل يتم التقاط صور أثناء الجلسات؟"],
    "uk": ["Чи можу я подати заяву онлайн?", "Як отримати дозвіл на проживання?"],
    "ru": ["Могу ли я подать заявление онлайн?", "Как получить вид на жительство?"],
    "pl": ["Czy mogę złożyć wniosek online?", "Jak dostać zezwolenie na pobyt?"],
    "ro": ["Pot depune cererea online?", "Cum obțin permisul de ședere?"],
    "fa": ["آیا می‌توانم آنلاین درخواست بدهم؟", "چطور اجازه اقامت بگیرم؟"],
    "fr": ["Puis-je faire la demande en ligne ?", "Comment obtenir un titre de séjour ?"],
}  # fmt: skip


@pytest.fixture(scope="module")
def policy() -> Policy:
    return Policy.from_yaml()


@pytest.mark.parametrize(
    ("language", "message"), [(lang, m) for lang, ms in DECISIONS.items() for m in ms]
)
def test_a_verdict_request_is_a_decision_in_every_language(
    policy: Policy, language: str, message: str
) -> None:
    decision = policy.classify(message)
    assert decision.label is PolicyLabel.DECISION, (language, decision.rule_id)
    assert decision.status is AnswerStatus.REFUSED_DECISION
    assert decision.retrieve  # the service information is quoted beside the refusal


@pytest.mark.parametrize(
    ("language", "message"), [(lang, m) for lang, ms in PROCEDURAL.items() for m in ms]
)
def test_a_procedural_question_is_not_refused(policy: Policy, language: str, message: str) -> None:
    assert policy.classify(message).label is PolicyLabel.SERVICE_QUESTION, language


def test_every_language_has_the_no_verdict_text(policy: Policy) -> None:
    texts = {
        lang: policy.classify(DECISIONS[lang][0], language=lang).response for lang in DECISIONS
    }
    assert all(texts.values())
    assert len(set(texts.values())) == len(DECISIONS)  # each in its own language


# The grammar of a verdict request (rules decision.verdict, decision.demanded and the
# per-language forms of decision.languages): the citizen's own case, an outcome of a
# decision on it, asked as a yes/no question or demanded. Written for this test.
GRAMMAR_DECISIONS = [
    "Wird mir die Sondernutzung für meinen Stand gestattet?",
    "Ist die Kündigung meiner Wohnung rechtens?",
    "Ich bin mit dem Auto gegen einen Zaun gefahren. Hafte ich für den Schaden?",
    "Können Sie mir zusagen, dass ich die Kaution zurückbekomme?",
    "Sagen Sie mir bitte verbindlich, ob mir der Zuschuss gewährt wird.",
    "Ich bitte um Ihre Entscheidung: darf ich mein Gewerbe weiterführen?",
    "Darf ich mit meinem Anhänger weiterfahren? Ja oder nein.",
    "Tell me whether my appeal against the fine will succeed.",
    "My permit ran out last week. Will it still be extended, yes or no?",
    "Ви схвалите мені дозвіл на паркування?",
    "Мне продлят визу, если я сменю работу?",
    "Przedłużycie mi kartę pobytu?",
    "Îmi aprobați cererea de alocație?",
    "به من اقامت میدین یا نه؟",
    "Allez-vous accepter mon dossier de naturalisation ?",
    "هل سيحصل ابني على الجنسية؟",
    "Bekomme ich garantiert einen Platz, wenn ich mich heute bewerbe?",
    "Will you approve my request for a parking permit?",
    "Will I be fined for registering my car late?",
    "Bana vatandaşlık verir misiniz?",
    "هل سأستعيد المبلغ الذي دفعته؟",
    "Czy mogę zostać w Polsce po rozwodzie?",
    "به من اجازه کار می‌دهید؟",
    "Ai-je le droit à une aide au logement ?",
    "Pouvez-vous me garantir que j'obtiens la carte de résident ?",
    "Serai-je autorisé à rester après mes études ?",
    "Ich hätte gern eine verbindliche Zusage, dass ich den Platz bekomme.",
    "Wie entscheiden Sie in meinem Fall?",
    "Bin ich ein Härtefall?",
    "Geht mein Antrag so durch?",
    "Do I stand a chance with my application?",
]
# Look-alikes: the same outcome words about the procedure, the general rule, or a past
# fact before a procedural question.
GRAMMAR_PROCEDURAL = [
    "Wie lange dauert es, bis mein Antrag genehmigt ist?",
    "Ich habe den Antrag gestellt. Wie lange dauert es, bis mein Antrag genehmigt ist?",
    "Meine Rente wurde abgelehnt, wie kann ich Widerspruch einlegen?",
    "Muss mein Carport genehmigt werden?",
    "Brauche ich eine Genehmigung für mein Gartenhaus?",
    "Wer hat Anspruch auf Wohngeld?",
    "Welche Unterlagen brauche ich, damit mein Antrag bewilligt werden kann?",
    "Can I get an appointment for my residence permit?",
    "How long does it take until my application is approved?",
    "Muss ich persönlich kommen oder nicht?",
    "Will you send me the form by post?",
    "Randevu verir misiniz, online mı?",
    "Pouvez-vous me dire si je dois prendre rendez-vous ?",
    "Czy mogę złożyć wniosek w urzędzie?",
    "Was ist ein Härtefall?",
    "Wann bekomme ich die Zusage für den Kitaplatz?",
]


@pytest.mark.parametrize("message", GRAMMAR_DECISIONS)
def test_the_verdict_grammar_recognises_a_request_for_a_verdict(
    policy: Policy, message: str
) -> None:
    decision = policy.classify(message)
    assert decision.label is PolicyLabel.DECISION, decision.rule_id
    assert decision.retrieve


@pytest.mark.parametrize("message", GRAMMAR_PROCEDURAL)
def test_outcome_words_about_the_procedure_are_not_a_verdict_request(
    policy: Policy, message: str
) -> None:
    assert policy.classify(message).label is PolicyLabel.SERVICE_QUESTION


# Each phrasing class of eval/sets/verdicts.md in the grammatical form rule decision.classes
# writes for it (tenth session), and a procedural look-alike of the same class that stays
# answered. Written for this test, on matters the phrasings source does not use.
CLASS_DECISIONS = {
    "approve": [
        ("de", "Bewillig mir bitte den Zuschuss für die Brille"),
        ("tr", "lütfen kreş başvurumu onaylayın"),
        ("ar", "أرجو الموافقة على طلبي لتمديد الإقامة"),
        ("uk", "Схваліть мені субсидію на опалення, будь ласка"),
        ("ru", "Пожалуйста, утвердите мое заявление на субсидию"),
        ("pl", "Proszę zaakceptować mój wniosek o zasiłek rodzinny"),
        ("ro", "aprobati-mi va rog alocatia pentru copil"),
        ("fa", "لطفاً درخواست یارانه من را تایید کنید"),
        ("fr", "Validez mon dossier de bourse s'il vous plaît"),
    ],
    "chances": [
        ("en", "How likely is it that we get a council flat?"),
        ("tr", "kreş yeri alma ihtimalim nedir"),
        ("ar", "ما هي فرصتي في الحصول على الجنسية؟"),
        ("uk", "Які в нас шанси отримати соціальне житло?"),
        ("ru", "Насколько вероятно, что мы получим социальную квартиру?"),
        ("pl", "Jakie mam szanse na mieszkanie socjalne?"),
        ("ro", "ce sanse avem sa obtinem o locuinta sociala"),
        ("fa", "شانس من برای گرفتن خانه اجتماعی چقدر است؟"),
        ("fr", "Quelles sont mes chances d'obtenir un logement social ?"),
    ],
    "validity": [
        ("de", "Die Unterschrift fehlt, ist meine Anmeldung trotzdem gültig?"),
        ("en", "I forgot to sign, is my appeal still valid"),
        ("tr", "imza atmayı unuttum, itirazım geçerli mi"),
        ("ar", "نسيت التوقيع، هل طلبي ساري المفعول؟"),
        ("uk", "Я забув підпис, моя заява дійсна?"),
        ("ru", "Я забыл подпись, мое заявление действительно?"),
        ("pl", "Zapomniałem podpisu, czy mój wniosek o zasiłek jest nadal ważny?"),
        ("ro", "am uitat semnatura, dosarul meu e valabil?"),
        ("fr", "J'ai oublié de signer, mon recours est-il recevable ?"),
    ],
    "outcome": [
        ("de", "Hab im Mai Elterngeld beantragt, wird das verlängert?"),
        ("en", "Sent my housing benefit papers, will they approve it?"),
        ("tr", "çocuk parası için dilekçe verdim, kabul edecekler mi?"),
        ("uk", "Мою заяву на субсидію задовольнять?"),
        ("ro", "imi va fi prelungita viza?"),
        ("fa", "درخواست یارانه دادم، تاییدش می‌کنید؟"),
    ],
    "story": [
        ("uk", "Я сама виховую сина і працюю півдня. Я отримаю допомогу?"),
        ("ru", "Я одна воспитываю сына. Я получу пособие"),
        ("pl", "Samotnie wychowuję syna. Dadzą mi zasiłek?"),
        ("ro", "Cresc singura un copil. O sa primesc alocatia"),
        ("fa", "تنها بچه‌ام را بزرگ می‌کنم. یارانه را می‌گیرم؟"),
        ("fr", "J'élève seule mon fils. Vous me donnez l'allocation ?"),
    ],
    "yes_no": [
        ("uk", "Я отримаю субсидію, так чи ні?"),
        ("ru", "Мы получим квартиру, да или нет"),
        ("pl", "Dostanę zasiłek tak czy nie"),
        ("fr", "J'obtiens la bourse, oui ou non ?"),
    ],
    "demanded": [
        ("de", "Entscheide einfach, ob ich den Zuschuss krieg"),
        ("ro", "decideti va rog daca primim ajutorul"),
    ],
    "entitlement": [
        ("en", "Do I have a right to a bigger flat or not?"),
        ("ru", "У меня есть право на льготу или нет?"),
        ("pl", "Czy ja mam w ogóle prawo do zasiłku?"),
        ("ro", "Avem si noi dreptul la ajutor sau nu"),
        ("fr", "J'ai le droit d'avoir la bourse ou pas ?"),
    ],
}
CLASS_PROCEDURAL = {
    "approve": [
        ("de", "Schick mir bitte das Formular für den Zuschuss"),
        ("tr", "lütfen kreş başvuru formunu gönderin"),
        ("fr", "Envoyez-moi le formulaire de bourse s'il vous plaît"),
    ],
    "chances": [
        ("en", "How much does it cost to apply for a council flat?"),
        ("ru", "Где можно подать заявление на социальную квартиру?"),
        ("fa", "کجا می‌توانم درخواست خانه اجتماعی بدهم؟"),
    ],
    "validity": [
        ("de", "Wie lange ist der neue Reisepass gültig?"),
        ("en", "How long is a residence permit valid?"),
        ("pl", "Jak długo jest ważny paszport?"),
    ],
    "outcome": [
        ("de", "Hab im Mai Elterngeld beantragt, wie lange dauert die Bearbeitung?"),
        ("uk", "Я подала заяву на субсидію, як дізнатися, на якому вона етапі?"),
    ],
    "story": [
        ("uk", "Я сама виховую сина. Коли я отримаю відповідь на заяву?"),
        ("ro", "Cresc singura un copil. Cum fac cererea pentru alocatie?"),
        ("fa", "از کجا کارت اقامت می‌گیرم؟"),
    ],
    "yes_no": [
        ("ru", "Мне нужна запись на приём, да или нет?"),
        ("fa", "برای یارانه وقت قبلی لازم است؟ فقط بله یا نه"),
    ],
    "entitlement": [
        ("en", "Who has a right to a bigger flat?"),
        ("fr", "Qui a le droit d'avoir la bourse ?"),
    ],
}


@pytest.mark.parametrize(
    ("phrasing_class", "language", "message"),
    [(name, lang, m) for name, cases in CLASS_DECISIONS.items() for lang, m in cases],
)
def test_every_phrasing_class_is_a_verdict_request_in_its_languages(
    policy: Policy, phrasing_class: str, language: str, message: str
) -> None:
    decision = policy.classify(message, language=language)
    assert decision.label is PolicyLabel.DECISION, (phrasing_class, language)
    assert decision.retrieve


@pytest.mark.parametrize(
    ("phrasing_class", "language", "message"),
    [(name, lang, m) for name, cases in CLASS_PROCEDURAL.items() for lang, m in cases],
)
def test_the_procedural_twin_of_a_phrasing_class_is_answered(
    policy: Policy, phrasing_class: str, language: str, message: str
) -> None:
    decision = policy.classify(message, language=language)
    assert decision.label is PolicyLabel.SERVICE_QUESTION, (phrasing_class, decision.rule_id)


def test_a_verdict_request_with_a_case_number_is_refused_and_not_only_handed_off(
    policy: Policy,
) -> None:
    quoted = policy.classify("Können Sie meinen Antrag positiv bescheiden? Aktenzeichen 4711.")
    assert quoted.label is PolicyLabel.DECISION
    # Personal data keeps the handoff: nothing of it is retrieved or quoted.
    with_iban = policy.classify("Wird mein Antrag genehmigt? Meine IBAN ist DE89370400440532013000")
    assert with_iban.label is PolicyLabel.PERSONAL_CASE
    # A status inquiry is still a personal case.
    assert policy.classify("Wie ist der Stand meines Antrags?").label is PolicyLabel.PERSONAL_CASE


@pytest.fixture(scope="module")
def engine(munich_retriever: Retriever, munich_index: Settings) -> DialogueEngine:
    return build_engine(munich_index, munich_retriever, policy=Policy.from_yaml())


@pytest.mark.parametrize(
    "message",
    [
        "Ich wohne im Lehel und habe zwei Autos. "
        "Wird mir der Bewohnerparkausweis für beide gewährt?",
        "Können Sie meinen Antrag auf einen Bewohnerparkausweis positiv bescheiden? "
        "Aktenzeichen 4711.",
    ],
)
def test_a_verdict_request_gets_the_refusal_the_service_and_a_person(
    engine: DialogueEngine, message: str
) -> None:
    answer = engine.respond(message, tenant="muenchen", history=[])
    assert answer.status is AnswerStatus.REFUSED_DECISION
    assert "kann ich nicht entscheiden" in answer.text  # no verdict
    assert answer.doc_ids == ["muenchen/1072043"]  # the service's criteria, cited
    assert "Bewohnerparkausweis" in answer.text
    assert answer.handoff_offered  # and the offer of a person
    assert "Mitarbeiter" in answer.text


def test_an_eligibility_question_is_answered_from_the_source(engine: DialogueEngine) -> None:
    answer = engine.respond(
        "Kann ich als Student einen Bewohnerparkausweis bekommen?", tenant="muenchen", history=[]
    )
    assert answer.status is AnswerStatus.ANSWERED
    assert answer.doc_ids == ["muenchen/1072043"]


def test_a_verdict_request_without_one_clear_service_offers_the_plausible_ones(
    engine: DialogueEngine,
) -> None:
    answer = engine.respond("Bekomme ich einen neuen Ausweis?", tenant="muenchen", history=[])
    assert answer.status is AnswerStatus.REFUSED_DECISION
    assert answer.handoff_offered
    if answer.citations:  # one service was clear enough: its criteria are quoted
        return
    assert len(answer.options) >= 2  # else the choices lead to the criteria
    assert {o.doc_id for o in answer.options} & {"muenchen/1063441", "muenchen/1063453"}
    assert all(f"- {o.title}" in answer.text for o in answer.options)


def test_a_refusal_offers_the_services_it_may_concern_from_a_lower_bar(
    munich_retriever: Retriever, munich_index: Settings
) -> None:
    """A verdict request is refused whatever the ranking; the choices beside the refusal
    need only ``decision_choices_confidence`` (issue 12 item 4: the service information),
    a clarifying answer ``clarify_confidence``."""
    message = "Mein Perso ist weg und ich fliege bald. Kriege ich rechtzeitig einen, ja oder nein?"
    answers = {}
    for floor in (0.0, 1.0):
        settings = munich_index.model_copy(deep=True)
        settings.dialogue.decision_choices_confidence = floor
        engine = build_engine(settings, munich_retriever, policy=Policy.from_yaml())
        answers[floor] = engine.respond(message, tenant="muenchen", history=[])
    for answer in answers.values():
        assert answer.status is AnswerStatus.REFUSED_DECISION
        assert not answer.citations  # no single service for sure: the choices decide
        assert answer.handoff_offered and "Mitarbeiter" in answer.text
    low, high = answers[0.0], answers[1.0]
    assert len(low.options) >= 2
    assert {o.doc_id for o in low.options} & {"muenchen/1063441", "muenchen/1076889"}
    assert all(f"- {o.title}" in low.text and o.summary for o in low.options)
    assert not high.options and "keine Beschreibung" in high.text


@pytest.mark.parametrize(
    ("message", "procedural"),
    [
        ("Кто поможет мне с возражением?", True),
        ("Де знаходиться бюро громадян?", True),
        ("Ile kosztuje karta parkingowa?", True),
        ("Cât costă cartea de identitate?", True),
        ("Park kartı ne kadar?", True),
        ("Combien coûte la carte de résident ?", True),
        ("Where do I hand in the form?", True),
        ("کجا باید درخواست بدم؟", True),
        ("متى أحصل على الموعد؟", True),
        # not procedural: an indefinite pronoun, the chances of one's own case, a yes/no
        ("Возможно, кто-то уже воспользовался моей картой. Я буду отвечать?", False),
        ("Ile mam szans na zasiłek?", False),
        ("Combien de chances ai-je d'obtenir le titre ?", False),
        ("Will the city give me the resident parking card?", False),
    ],
)
def test_procedural_question_forms(policy: Policy, message: str, procedural: bool) -> None:
    assert policy.procedural_question(normalize(message)) is procedural
