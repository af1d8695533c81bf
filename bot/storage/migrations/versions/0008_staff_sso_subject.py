"""staff accounts of the identity provider: the provider's subject (issue 14, item 11)

Revision ID: 0008
Revises: 0007
``staff_users.sso_subject`` holds the OpenID Connect ``sub`` of an account that signs in
through single sign-on (bot/storage/sso_accounts.py); existing accounts stay local
(NULL) and keep their passwords.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("staff_users") as batch:
        batch.add_column(sa.Column("sso_subject", sa.String(length=255), nullable=True))
        batch.create_unique_constraint(op.f("uq_staff_users_sso_subject"), ["sso_subject"])


def downgrade() -> None:
    with op.batch_alter_table("staff_users") as batch:
        batch.drop_constraint(op.f("uq_staff_users_sso_subject"), type_="unique")
        batch.drop_column("sso_subject")
