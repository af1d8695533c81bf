"""Time the usage report on a month with 10,000 conversations (issue 15).

Writes synthetic but realistic rows straight into a fresh SQLite database (conversations,
citizens' messages, bot answers with statuses, citations and topics, handoffs with
claim/close times, feedback, two languages), then times building the figures and
rendering HTML and PDF. Run: ``.venv/bin/python scripts/usage_report_load.py [N]``.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.services.usage_report import build_report, render_html
from bot.services.usage_report_pdf import render_pdf
from bot.storage.db import make_engine, migrate, session_factory
from bot.storage.models import (
    AnswerRecord,
    Conversation,
    Escalation,
    Feedback,
    Message,
)

STATUSES = ["answered"] * 70 + ["clarify"] * 10 + ["unanswerable"] * 12 + ["handoff"] * 6
STATUSES += ["emergency", "refused_decision"]
SERVICES = [
    ("muenchen/1063441", "Personalausweis"),
    ("muenchen/1063453", "Reisepass"),
    ("muenchen/1063475", "Wohnsitzanmeldung"),
    ("muenchen/1063565", "Führungszeugnis"),
    ("muenchen/1072043", "Bewohnerparkausweis"),
]
GAPS = [
    ("Wann hat das Freibad geöffnet?", "Freizeit"),
    ("Wo kann ich Sperrmüll anmelden?", "Abfall"),
    ("Gibt es Zuschüsse für Lastenräder?", "Förderung"),
]


def main(count: int) -> None:
    random.seed(15)
    path = Path(tempfile.mkdtemp(prefix="govbot-report-")) / "load.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    start = datetime(2026, 11, 1, tzinfo=UTC)
    started = time.perf_counter()
    with session_factory(engine)() as session:
        for number in range(count):
            at = start + timedelta(seconds=random.randrange(30 * 86400))
            conversation = Conversation(
                id=uuid.uuid4().hex,
                tenant="muenchen",
                language="en" if number % 11 == 0 else "de",
                created_at=at,
                updated_at=at,
            )
            session.add(conversation)
            for turn in range(random.choice((1, 1, 2, 3))):
                asked = at + timedelta(seconds=40 * turn)
                status = random.choice(STATUSES)
                question, topic = (
                    random.choice(GAPS) if status == "unanswerable" else ("Was kostet das?", None)
                )
                citizen = Message(
                    conversation_id=conversation.id,
                    seq=2 * turn + 1,
                    role="citizen",
                    text=question,
                    text_redacted=question,
                    created_at=asked,
                )
                bot = Message(
                    conversation_id=conversation.id,
                    seq=2 * turn + 2,
                    role="bot",
                    text="…",
                    text_redacted="…",
                    created_at=asked,
                )
                session.add_all([citizen, bot])
                session.flush()
                doc_id, title = random.choice(SERVICES)
                answer = AnswerRecord(
                    conversation_id=conversation.id,
                    message_id=bot.id,
                    question_message_id=citizen.id,
                    tenant="muenchen",
                    status=status,
                    question_redacted=question,
                    text_redacted="…",
                    confidence=0.8 if status == "answered" else 0.3,
                    topic=topic,
                    public={
                        "citations": [{"doc_id": doc_id, "title": title}]
                        if status == "answered"
                        else []
                    },
                    trace={},
                    created_at=asked,
                )
                session.add(answer)
                if number % 7 == 0:
                    session.flush()
                    session.add(
                        Feedback(answer_id=answer.id, helpful=number % 3 != 0, created_at=asked)
                    )
                if status == "handoff":
                    session.add(
                        Escalation(
                            conversation_id=conversation.id,
                            tenant="muenchen",
                            source="bot",
                            candidate_doc_ids={"doc_ids": []},
                            transcript_redacted={"messages": []},
                            expected_response="2 Werktage",
                            status="closed",
                            created_at=asked,
                            claimed_at=asked + timedelta(minutes=random.randrange(5, 600)),
                            closed_at=asked + timedelta(minutes=random.randrange(600, 3000)),
                        )
                    )
            if number % 1000 == 999:
                session.commit()
        session.commit()
    print(f"wrote {count} conversations in {time.perf_counter() - started:.1f} s ({path})")
    with session_factory(engine)() as session:
        started = time.perf_counter()
        report = build_report(session, tenant="muenchen", month="2026-11", min_confidence=0.5)
        figures = time.perf_counter() - started
    started = time.perf_counter()
    html = render_html(report)
    html_s = time.perf_counter() - started
    started = time.perf_counter()
    pdf = render_pdf(report)
    pdf_s = time.perf_counter() - started
    (path.parent / "bericht.pdf").write_bytes(pdf)
    print(
        f"report for {report.conversations} conversations, {report.messages} messages, "
        f"{report.answers} answers: figures {figures:.2f} s, HTML {html_s:.2f} s "
        f"({len(html) // 1024} KiB), PDF {pdf_s:.2f} s ({len(pdf) // 1024} KiB) -> {path.parent}"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
