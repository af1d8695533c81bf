"""Migration 0007 (staff tenants) on a database written before it, SQLite and PostgreSQL.

Existing admins become global, every other account gets the tenants present in the data,
audit entries get the tenant they concern, and the schema matches the models afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

from bot.storage import document_models, eval_models, staff_models
from bot.storage.db import alembic_config, make_engine, migrate, session_factory
from bot.storage.models import Base, StaffUser

TABLE_MODULES = (document_models, eval_models, staff_models)  # their tables join Base.metadata


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def _upgrade_to(engine: Engine, revision: str) -> None:
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def _fill_revision_0006(engine: Engine) -> None:
    """Accounts, two towns' conversations, a handoff and audit entries, as 0006 stored them."""
    at = "2026-11-02 10:00:00+00:00"
    with engine.begin() as connection:

        def run(statement: str, **values: object) -> None:
            connection.execute(sa.text(statement), values)

        for name, role in (("root", "admin"), ("anna", "agent"), ("erika", "editor")):
            run(
                "INSERT INTO staff_users (username, password_hash, role, active, created_at, "
                "token_version, demo) VALUES (:name, 'x', :role, true, :at, 3, false)",
                name=name,
                role=role,
                at=at,
            )
        for cid, tenant in (("a" * 32, "muenchen"), ("b" * 32, "lkaugsburg")):
            run(
                "INSERT INTO conversations (id, tenant, language, state, last_seq, created_at, "
                "updated_at) VALUES (:cid, :tenant, 'de', 'bot', 0, :at, :at)",
                cid=cid,
                tenant=tenant,
                at=at,
            )
        run(
            "INSERT INTO escalations (reference, conversation_id, tenant, source, "
            "candidate_doc_ids, transcript_redacted, expected_response, status, created_at) "
            "VALUES ('GB-2026-000001', :cid, 'lkaugsburg', 'citizen', '{}', '{}', 'bald', "
            "'open', :at)",
            cid="b" * 32,
            at=at,
        )
        for action, target_type, target_id, details in (
            ("conversation.started", "conversation", "a" * 32, '{"tenant": "muenchen"}'),
            (
                "handoff.claimed",
                "handoff",
                "GB-2026-000001",
                f'{{"conversation_id": "{"b" * 32}"}}',
            ),
            ("auth.login", "staff", "2", "{}"),
        ):
            run(
                "INSERT INTO audit_log (at, actor, action, target_type, target_id, details) "
                "VALUES (:at, 'anna', :action, :target_type, :target_id, :details)",
                at=at,
                action=action,
                target_type=target_type,
                target_id=target_id,
                details=details,
            )


def test_existing_accounts_and_audit_entries_get_tenants(engine: Engine) -> None:
    _upgrade_to(engine, "0006")
    _fill_revision_0006(engine)

    migrate(engine)

    with session_factory(engine)() as session:
        users = {u.username: u for u in session.scalars(sa.select(StaffUser))}
        assert users["root"].tenants == ["*"]
        assert users["anna"].tenants == ["lkaugsburg", "muenchen"]
        assert users["erika"].tenants == ["lkaugsburg", "muenchen"]
        assert {u.token_version for u in users.values()} == {4}  # everybody logs in again
        tagged = dict(
            session.execute(sa.text("SELECT action, tenant FROM audit_log")).tuples().all()
        )
    assert tagged == {
        "conversation.started": "muenchen",
        "handoff.claimed": "lkaugsburg",
        "auth.login": None,
    }


def test_schema_after_all_migrations_matches_the_models(engine: Engine) -> None:
    migrate(engine)

    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)

    assert differences == []
