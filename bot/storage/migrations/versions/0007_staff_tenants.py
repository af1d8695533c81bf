"""staff accounts belong to tenants (issue 14, item 10)

Revision ID: 0007
Revises: 0006
``staff_users.all_tenants`` marks a global account; ``staff_tenants`` lists the tenants of
every other account. Existing accounts are upgraded so that nobody loses access:

- admins become global (``all_tenants``);
- every other account gets each tenant present in the data (conversations, corrections,
  documents, ingest jobs); an installation without data leaves them without a tenant,
  and an admin grants one with ``govbot users update NAME --tenant …``.

Every account's ``token_version`` is raised: tokens issued before carry no ``tenants``
claim, so everybody logs in once more after the upgrade (docs/upgrading.md).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Tables with a ``tenant`` column whose values count as "tenants present in the data".
TENANT_TABLES = ("conversations", "corrections", "documents", "ingest_jobs")


def upgrade() -> None:
    with op.batch_alter_table("staff_users") as batch:
        batch.add_column(
            sa.Column("all_tenants", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "staff_tenants",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.String(length=63), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["staff_users.id"],
            name=op.f("fk_staff_tenants_user_id_staff_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "tenant", name=op.f("pk_staff_tenants")),
    )
    staff = sa.table(
        "staff_users",
        sa.column("id", sa.Integer()),
        sa.column("role", sa.String()),
        sa.column("all_tenants", sa.Boolean()),
        sa.column("token_version", sa.Integer()),
    )
    op.execute(staff.update().where(staff.c.role == "admin").values(all_tenants=True))
    op.execute(staff.update().values(token_version=staff.c.token_version + 1))
    present = sa.union(
        *(sa.select(sa.table(name, sa.column("tenant")).c.tenant) for name in TENANT_TABLES)
    ).subquery()
    grants = sa.table(
        "staff_tenants", sa.column("user_id", sa.Integer()), sa.column("tenant", sa.String())
    )
    op.execute(
        grants.insert().from_select(
            ["user_id", "tenant"],
            sa.select(staff.c.id, present.c.tenant)
            .select_from(staff)
            .join(present, sa.true())
            .where(staff.c.role != "admin"),
        )
    )


def downgrade() -> None:
    op.drop_table("staff_tenants")
    with op.batch_alter_table("staff_users") as batch:
        batch.drop_column("all_tenants")
