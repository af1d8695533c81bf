"""Database engine, sessions and migrations.

SQLite (default, a file in the data directory) runs in WAL mode with foreign keys on;
PostgreSQL is selected with ``GOVBOT_DATABASE_URL`` and always uses the psycopg 3 driver.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from knowledge.errors import ConfigurationError, StorageError

logger = logging.getLogger(__name__)

ALEMBIC_INI = Path(__file__).with_name("alembic.ini")


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs (``postgres://`` and ``postgresql://`` → ``+psycopg``)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers continue while one writer commits; busy_timeout waits for the lock
    # instead of failing at once when several workers write.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Deleted and overwritten content is zeroed, so a purged original text does not survive
    # in free pages of the file (issue 14, finding 1).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def make_engine(url: str, *, echo: bool = False, **kwargs: Any) -> Engine:
    """Create an engine for ``url`` with GovBot's connection settings."""
    url = normalise_url(url)
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise ConfigurationError(
            f"database URL {url.split('@')[-1]!r} is not a valid SQLAlchemy URL; "
            "set GOVBOT_DATABASE_URL like postgresql://user:password@host:5432/govbot"
        ) from exc
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        connect_args = kwargs.pop("connect_args", {}) | {"check_same_thread": False}
        engine = create_engine(url, echo=echo, connect_args=connect_args, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True, **kwargs)


def engine_from_settings(settings: Settings) -> Engine:
    """The engine for ``settings.sqlalchemy_url``."""
    return make_engine(settings.sqlalchemy_url, echo=settings.database.echo)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded attributes after commit (responses are built afterwards)."""
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(engine: Engine) -> Config:
    """The packaged Alembic configuration bound to ``engine``."""
    config = Config(str(ALEMBIC_INI))
    url = engine.url.render_as_string(hide_password=False)
    # ConfigParser interpolates '%': escape it (URL-encoded passwords and options contain it).
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (idempotent)."""
    config = alembic_config(engine)
    sqlite = engine.dialect.name == "sqlite"
    try:
        with engine.connect() as connection:
            if sqlite:
                # Batch migrations recreate a table on SQLite (copy, DROP, rename); with
                # foreign keys on, the DROP would cascade into the rows that reference it
                # (a staff account's tenants). The pragma only works outside a transaction.
                _foreign_keys(connection, on=False)
            try:
                with connection.begin():
                    config.attributes["connection"] = connection
                    command.upgrade(config, "head")
            finally:
                if sqlite:
                    _foreign_keys(connection, on=True)
    except SQLAlchemyError as exc:
        raise StorageError(
            f"could not migrate the database at {engine.url.render_as_string()}: {exc}; "
            "check GOVBOT_DATABASE_URL and that the database server is running"
        ) from exc
    logger.info("database schema at head (%s)", engine.url.get_backend_name())


def _foreign_keys(connection: Connection, *, on: bool) -> None:
    connection.exec_driver_sql(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    connection.commit()


def ping(engine: Engine) -> bool:
    """True when the database answers a trivial query."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True
