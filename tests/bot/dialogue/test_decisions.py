"""Requests for a verdict on one's own case, in the ten catalogue languages (issue 12 item 4,
issue 13 item 5), and the procedural questions that look like them but are answered
(issue 17 item 4). The shipped rules of bot/dialogue/rules/policy_de.yaml decide; these
messages were written for this test and are in no evaluation set.
"""

from __future__ import annotations

import pytest

from bot.answer import AnswerStatus
from bot.dialogue.policy import Policy, PolicyLabel

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
        "Vatandaşlık alabilir miyim?",
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
