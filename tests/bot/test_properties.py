"""Property tests (hypothesis): the PII redactor and the policy classifier on arbitrary input.

Unicode of every category, very long input and mixed languages must never raise; the
redactor is idempotent and leaves no e-mail address or valid IBAN behind; an emergency
phrase wins whatever text surrounds it.
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.answer import AnswerStatus
from bot.dialogue.policy import Policy
from bot.understanding.redaction import redact

POLICY = Policy.from_yaml()
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

words = st.sampled_from(
    [
        "Personalausweis",
        "Reisepass",
        "beantragen",
        "kostet",
        "Gebühr",
        "wie",
        "wo",
        "when",
        "how",
        "much",
        "passport",
        "Ummeldung",
        "Wohnsitz",
        "bitte",
        "danke",
        "ich",
        "du",
        "Sie",
        "ß",
        "ä",
        "ö",
        "ü",
        "😀",
        "中文",
        "العربية",
        "Привет",
        "123",
    ]
)
mixed = st.lists(st.one_of(words, st.text(max_size=12)), max_size=40).map(" ".join)
emails = st.from_regex(r"[a-z][a-z0-9._]{0,10}@[a-z][a-z0-9-]{1,10}\.(de|org|com)", fullmatch=True)
IBANS = ["DE89370400440532013000", "DE02120300000000202051", "AT611904300234573201"]
EMERGENCIES = ["Ich will mich umbringen", "Es brennt in meiner Wohnung, Notfall!",
               "I want to kill myself", "Mein Mann schlägt mich"]  # fmt: skip
EMAIL_SHAPE = re.compile(r"[\w.+-]+@[\w-]+\.[a-z]{2,}", re.IGNORECASE)


@FAST
@given(st.text())
def test_redaction_never_raises_and_is_idempotent(text: str) -> None:
    once = redact(text).text
    assert redact(once).text == once


@FAST
@given(mixed, emails, st.sampled_from(IBANS), mixed)
def test_no_email_or_iban_survives(before: str, email: str, iban: str, after: str) -> None:
    result = redact(f"{before} {email} {iban} {after}").text
    assert email not in result
    assert iban not in result
    assert not EMAIL_SHAPE.search(result.replace(before, "").replace(after, ""))


@FAST
@given(st.one_of(st.text(), mixed, st.text(min_size=5000, max_size=20000)))
def test_classifier_never_raises(text: str) -> None:
    decision = POLICY.classify(text, tenant="muenchen")
    assert decision.status in set(AnswerStatus)


@FAST
@given(mixed, st.sampled_from(EMERGENCIES), mixed)
def test_emergency_wins_whatever_surrounds_it(before: str, emergency: str, after: str) -> None:
    decision = POLICY.classify(f"{before}. {emergency}. {after}", tenant="muenchen")
    assert decision.status == AnswerStatus.EMERGENCY
