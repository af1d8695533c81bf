"""The HTML report lists every emergency decision and help grade with its evidence (#16)."""

from __future__ import annotations

from eval.report import render_report
from tests.eval.test_gate import outcome, run


def test_the_report_lists_emergency_decisions_with_their_evidence() -> None:
    cases = [
        outcome("fire", "emergency", "emergency", help_grade="danger",
                help_evidence="emergency.fire (de)"),
        outcome("baby", "emergency", "emergency", help_grade="danger",
                help_evidence="emergency.semantic (de): 0.901 ~ „Das Baby atmet nicht“"),
        outcome("fever", "answered", "answered", help_grade="urgent",
                help_evidence="urgent.illness (de)"),
        outcome("pond", "emergency", "emergency", help_grade="danger",
                help_evidence="emergency.classifier (de); classifier p=0.999 (classifier)"),
        outcome("gas", "answered", "answered", help_grade="none",
                help_evidence="emergency.fire overruled: classifier p=0.003 < 0.024"),
        outcome("pass", "answered", "answered", help_grade="none"),
    ]  # fmt: skip
    html = render_report(run(cases, run_id=1))
    section = html.split("Emergency decisions and help grades (5)")[1].split("<h2>")[0]
    # The classifier's decisions, and a danger grade it overruled, are listed with evidence.
    assert "classifier p=0.999 (classifier)" in section
    assert "emergency.fire overruled: classifier p=0.003 &lt; 0.024" in section
    assert "emergency.fire (de)" in section and "urgent.illness (de)" in section
    assert "0.901 ~ „Das Baby atmet nicht“" in section
    assert "case-pass" not in section


def test_the_report_lists_verdict_refusals_and_overruled_ones_with_their_evidence() -> None:
    cases = [
        outcome("rule", "refused_decision", "refused_decision",
                verdict_evidence="decision.entitlement; classifier p=0.870 (rule)"),
        outcome("fired", "refused_decision", "refused_decision",
                verdict_evidence="classifier p=0.995 >= 0.9"),
        outcome("vetoed", "answered", "answered",
                verdict_evidence="decision.verdict overruled: classifier p=0.010 < 0.05"),
        outcome("plain", "answered", "answered"),
    ]  # fmt: skip
    html = render_report(run(cases, run_id=1))
    section = html.split("Verdict requests refused or overruled (3)")[1].split("<h2>")[0]
    assert "decision.entitlement; classifier p=0.870 (rule)" in section
    assert "classifier p=0.995 &gt;= 0.9" in section
    assert "decision.verdict overruled: classifier p=0.010 &lt; 0.05" in section
    assert "case-plain" not in section
