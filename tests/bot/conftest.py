"""Fixtures of the API and storage tests: databases (SQLite, PostgreSQL), settings, staff."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.services.security import hash_password
from bot.settings import ApiSettings, DatabaseSettings, Settings
from bot.storage import crud
from bot.storage.db import make_engine, migrate, session_factory
from bot.storage.models import ALL_TENANTS, StaffRole
from knowledge.embedding import Embedder
from knowledge.retrieval import Retriever, open_retriever
from tests.conftest import build_index, munich_services, session_settings

POSTGRES_ENV = "GOVBOT_TEST_POSTGRES_URL"
STAFF_PASSWORD = "correct horse battery"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database: a SQLite file, or a private schema in the PostgreSQL of CI."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'govbot.sqlite3'}"
        return
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(
            f"{POSTGRES_ENV} is not set (.ci/run sets it; locally start PostgreSQL and export "
            "e.g. postgresql+psycopg://govbot:govbot@127.0.0.1:5432/govbot_test)"
        )
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def make_settings(data_dir: Path, database_url: str | None = None, **api: object) -> Settings:
    """Test settings: everything explicit, so no GOVBOT_* variable of the host leaks in."""
    # Limits far above what a test sends from its one address (their own tests set them).
    limits = {
        "rate_limit": "10000/minute",
        "read_rate_limit": "10000/minute",
        "login_rate_limit": "10000/minute",
        "login_address_rate_limit": "10000/minute",
        "engine_time_limit": "100000/minute",
    }
    api_settings = ApiSettings(**{**limits, **api})  # type: ignore[arg-type]
    return Settings(
        env="test",
        data_dir=data_dir,
        database=DatabaseSettings(url=database_url),
        database_url=None,
        api=api_settings,
    )


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with a SQLite database and an empty data directory under tmp_path."""
    return make_settings(tmp_path / "data")


def add_staff(settings: Settings, *users: str | StaffRole | tuple[str, StaffRole]) -> None:
    """Create staff users (password STAFF_PASSWORD) as `govbot users create` does.

    Both ``add_staff(s, "anna", StaffRole.AGENT)`` and ``add_staff(s, ("anna", role), …)``.
    """
    pairs: list[tuple[str, StaffRole]] = []
    pending: str | None = None
    for item in users:
        if isinstance(item, tuple):
            pairs.append(item)
        elif isinstance(item, StaffRole):
            if pending is None:
                raise ValueError(f"role {item} given without a username before it")
            pairs.append((pending, item))
            pending = None
        else:
            pending = item
    if pending is not None:
        raise ValueError(f"username {pending!r} given without a role")
    add_staff_users(settings, *pairs)


def add_staff_users(settings: Settings, *users: tuple[str, StaffRole]) -> None:
    """Create staff users (password STAFF_PASSWORD) in one go, each for every tenant."""
    add_tenant_staff(settings, {name: (role, [ALL_TENANTS]) for name, role in users})


def add_tenant_staff(
    settings: Settings, accounts: Mapping[str, tuple[StaffRole, Sequence[str]]]
) -> None:
    """Create staff users (password STAFF_PASSWORD) with the tenants they work for
    (``{name: (role, tenants)}``), as `govbot users create … --tenant …` does."""
    engine = make_engine(settings.sqlalchemy_url)
    migrate(engine)
    password_hash = hash_password(STAFF_PASSWORD)
    with session_factory(engine)() as session:
        for username, (role, tenants) in accounts.items():
            crud.create_staff_user(
                session,
                username=username,
                password_hash=password_hash,
                role=role,
                tenants=tenants,
            )
        session.commit()
    engine.dispose()


# --- Index where two real services are equally plausible (clarifying choices, issue 12) -----
# "Papers for a journey" fit the Personalausweis and the Reisepass alike (both are travel
# documents in the EU); registering a marriage is described twice (without and with a
# foreign partner). Real services, real pipeline.

TWIN_SERVICE_IDS = (
    "1063648",  # Anmeldung einer Eheschließung ohne Auslandsbezug
    "10396802",  # Anmeldung einer Eheschließung mit Auslandsbezug
    "1063441",  # Personalausweis
    "1063453",  # Reisepass
    "1063565",  # Führungszeugnis
    "1064305",  # Fahrzeug abmelden
)
TRAVEL = ("muenchen/1063441", "muenchen/1063453")  # Personalausweis, Reisepass
# The tests of choices run with an answer threshold of a deployment that prefers asking
# (docs/policy.md section 5): a near tie then never depends on the last refit.
ASKING_MIN_CONFIDENCE = 0.9


@pytest.fixture(scope="session")
def twin_index(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Settings:
    """Settings whose ``data_dir`` holds a real index of TWIN_SERVICE_IDS (tenant muenchen)."""
    settings = session_settings(tmp_path_factory.mktemp("twin-index"))
    settings.dialogue.min_confidence = ASKING_MIN_CONFIDENCE
    build_index(settings, embedder, [("muenchen", "dldb", munich_services(TWIN_SERVICE_IDS))])
    return settings


@pytest.fixture(scope="session")
def twin_retriever(twin_index: Settings, embedder: Embedder) -> Iterator[Retriever]:
    """One Retriever over ``twin_index`` for the whole session."""
    with open_retriever(twin_index, embedder=embedder) as retriever:
        yield retriever
