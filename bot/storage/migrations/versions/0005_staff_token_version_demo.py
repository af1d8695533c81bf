"""staff accounts: token version (revocation on password change) and the demo flag

Revision ID: 0005
Revises: 0004
Issue 14, finding 8: a password change or deactivation raises ``token_version`` so that
tokens issued before stop working; accounts made by ``govbot demo-users`` are marked
``demo`` and refused when the same data runs with GOVBOT_ENV=production. Demo accounts
made before this revision are recognised by their names and by having no
``staff.created`` audit entry (``govbot users create`` writes one, demo-users did not).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# bot/cli_console.py DEMO_USERS, as shipped before this revision.
DEMO_NAMES = ("agent", "redaktion", "redaktion2", "kihub", "admin")


def upgrade() -> None:
    with op.batch_alter_table("staff_users") as batch:
        batch.add_column(
            sa.Column("token_version", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("demo", sa.Boolean(), nullable=False, server_default=sa.false()))
    staff = sa.table(
        "staff_users",
        sa.column("id", sa.Integer()),
        sa.column("username", sa.String()),
        sa.column("demo", sa.Boolean()),
    )
    audit = sa.table(
        "audit_log",
        sa.column("action", sa.String()),
        sa.column("target_type", sa.String()),
        sa.column("target_id", sa.String()),
    )
    created_by_cli = sa.select(audit.c.target_id).where(
        audit.c.action == "staff.created", audit.c.target_type == "staff"
    )
    op.execute(
        staff.update()
        .where(
            staff.c.username.in_(DEMO_NAMES),
            sa.cast(staff.c.id, sa.String()).not_in(created_by_cli),
        )
        .values(demo=True)
    )


def downgrade() -> None:
    with op.batch_alter_table("staff_users") as batch:
        batch.drop_column("demo")
        batch.drop_column("token_version")
