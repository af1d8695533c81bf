"""The statement pool (eval/statements.py): ordinary declarative messages built from the
catalogue's own texts and titles, deterministic and free of emergency words (#16)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from eval.cli import app
from eval.pools import half, load_pool
from eval.statements import (
    PageText,
    catalogue_statements,
    declarative,
    document_nouns,
    situation_statements,
    status_statements,
    unique,
)

runner = CliRunner()
PAGE = PageText(
    tenant="muenchen",
    language="de",
    page="dldb-1",
    html=(
        "<h2>Allgemeines</h2><p>Die Meldebehörde stellt den Reisepass aus. Wie lange dauert "
        "das? Die Gebühr beträgt 60 Euro bzw. 37,50 Euro für Personen unter 24 Jahren.</p>"
        "<ul><li>Termin buchen</li><li>Mehr unter https://stadt.muenchen.de/pass.</li></ul>"
        "<p>Bei Lebensgefahr wählen Sie bitte sofort den Notruf 112.</p>"
    ),
)


def test_catalogue_sentences_are_plain_statements_without_links_or_danger() -> None:
    sentences = [c.question for c in catalogue_statements([PAGE], sentences_per_page=10)]
    assert sorted(sentences) == [
        "Die Gebühr beträgt 60 Euro bzw. 37,50 Euro für Personen unter 24 Jahren.",
        "Die Meldebehörde stellt den Reisepass aus.",
    ]
    two = list(catalogue_statements([PAGE], sentences_per_page=1))
    assert len(two) == 1 and two == list(catalogue_statements([PAGE], sentences_per_page=1))
    assert not declarative("Termin buchen")  # a heading or list item is no sentence
    assert not declarative("I smell smoke and there is a fire in the kitchen.")


def test_situation_statements_are_one_seeded_frame_per_topic_in_its_language() -> None:
    topics = [
        ("muenchen", "de", "Personalausweis (Erstausstellung)"),
        ("lkaugsburg", "en", "How do I register my child in a school?"),
        ("lkaugsburg", "de", "Gewaltschutz"),
    ]
    first = list(situation_statements(topics))
    assert first == list(situation_statements(topics))
    assert len(first) == 2  # the crisis topic is left out
    german, english = first
    assert "ersonalausweis" in german.question.lower() and "(" not in german.question
    assert "register my child in a school" in english.question.lower()
    assert "?" not in english.question and english.language == "en"
    assert {c.id.split("-")[1] for c in first} == {"situation"}


def test_status_statements_name_every_document_of_the_service_names() -> None:
    names = ["Reisepass beantragen", "Meldebescheinigung", "Führungszeugnis", "Gewerbe"]
    nouns = document_nouns(names)
    assert nouns == ["Führungszeugnis", "Meldebescheinigung", "Reisepass"]
    messages = [c.question for c in status_statements(nouns, tenant="muenchen")]
    assert "Mein Reisepass ist abgelaufen." in messages
    assert "Meine Meldebescheinigung ist abgelaufen." in messages
    assert "Ich habe mein Führungszeugnis verloren." in messages
    assert "Wir sind letzte Woche umgezogen." in messages
    assert {c.language for c in status_statements(nouns, tenant="muenchen")} == {"de", "en"}


def test_unique_keeps_the_first_of_a_repeated_message_per_tenant() -> None:
    cases = list(status_statements([], tenant="muenchen"))
    doubled = unique([*cases, *cases, *status_statements([], tenant="lkaugsburg")])
    assert len(doubled) == 2 * len(cases)


def test_build_pools_writes_the_statement_pool_and_keeps_the_shipped_pools(
    tmp_path: Path,
) -> None:
    result = runner.invoke(app, ["build-pools", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for name in ("short_requests.jsonl", "integreat_questions.jsonl", "statements.jsonl"):
        shipped = Path("eval/pools") / name
        assert (tmp_path / name).read_bytes() == shipped.read_bytes(), name
    pool = load_pool(tmp_path / "statements.jsonl")
    assert len(pool) > 3000 and {c.language for c in pool} == {"de", "en"}
    halves = [half(c.id) for c in pool]
    assert 0.4 < halves.count("calibration") / len(halves) < 0.6
    rows = [json.loads(line) for line in (tmp_path / "statements.jsonl").open(encoding="utf-8")]
    assert set(rows[0]) == {"id", "tenant", "question", "language", "source"}
