"""redact the answer log's traces written before they were redacted

Revision ID: 0004
Revises: 0003
Issue 14, finding 1: ``answers.trace`` kept the raw retrieval query (and for follow-ups the
previous question), so e-mail addresses and phone numbers reached editors and auditors.
New rows are redacted when written; this redacts every existing row with the same rules
(bot/understanding/redaction.py), in batches so that a large answer log does not sit in memory.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from bot.understanding.redaction import redact_trace

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 500

answers = sa.table("answers", sa.column("id", sa.Integer()), sa.column("trace", JSON))


def upgrade() -> None:
    connection = op.get_bind()
    last = 0
    while True:
        rows = connection.execute(
            sa.select(answers.c.id, answers.c.trace)
            .where(answers.c.id > last)
            .order_by(answers.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        for ident, trace in rows:
            redacted = redact_trace(trace or {})
            if redacted != trace:
                connection.execute(
                    sa.update(answers).where(answers.c.id == ident).values(trace=redacted)
                )
        last = rows[-1][0]


def downgrade() -> None:
    """Nothing to undo: the original texts are gone on purpose."""
