"""staff accounts belong to tenants (issue 14, item 10)

Revision ID: 0007
Revises: 0006
``staff_users.all_tenants`` marks a global account; ``staff_tenants`` lists the tenants of
every other account. Existing accounts are upgraded so that nobody loses access:

- admins become global (``all_tenants``);
- every other account gets each tenant present in the data (conversations, corrections,
  documents, ingest jobs); an installation without data leaves them without a tenant,
  and an admin grants one with ``govbot users update NAME --tenant …``.

``audit_log.tenant`` names the tenant an entry concerns, so that auditors of one town see
only its entries; existing entries get it from their details or their target (handoff,
correction, answer); entries of the whole installation (logins, staff accounts, purges)
keep none and are seen by global accounts only.

Every account's ``token_version`` is raised: tokens issued before carry no ``tenants``
claim, so everybody logs in once more after the upgrade (docs/deployment.md, "Upgrading").
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Tables with a ``tenant`` column whose values count as "tenants present in the data".
TENANT_TABLES = ("conversations", "corrections", "documents", "ingest_jobs")


def upgrade() -> None:
    _grant_tenants()
    _tag_audit_entries()


def _grant_tenants() -> None:
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


def _tag_audit_entries() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("tenant", sa.String(length=63), nullable=True))
        batch.create_index(op.f("ix_audit_log_tenant"), ["tenant"], unique=False)
    audit = sa.table(
        "audit_log",
        sa.column("target_type", sa.String()),
        sa.column("target_id", sa.String()),
        sa.column("details", JSON),
        sa.column("tenant", sa.String()),
    )
    untagged = audit.c.tenant.is_(None)
    op.execute(audit.update().where(untagged).values(tenant=audit.c.details["tenant"].as_string()))
    conversations = sa.table("conversations", sa.column("id"), sa.column("tenant"))
    op.execute(
        audit.update()
        .where(untagged, audit.c.target_type == "handoff")
        .values(
            tenant=sa.select(conversations.c.tenant)
            .where(conversations.c.id == audit.c.details["conversation_id"].as_string())
            .scalar_subquery()
        )
    )
    for target_type, table in (("correction", "corrections"), ("answer", "answers")):
        rows = sa.table(table, sa.column("id", sa.Integer()), sa.column("tenant"))
        op.execute(
            audit.update()
            .where(untagged, audit.c.target_type == target_type)
            .values(
                tenant=sa.select(rows.c.tenant)
                .where(sa.cast(rows.c.id, sa.String()) == audit.c.target_id)
                .scalar_subquery()
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_index(op.f("ix_audit_log_tenant"))
        batch.drop_column("tenant")
    op.drop_table("staff_tenants")
    with op.batch_alter_table("staff_users") as batch:
        batch.drop_column("all_tenants")
