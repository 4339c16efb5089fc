"""The engine and the request session.

SQLite (the embedded default) gets WAL, foreign keys and a busy timeout on every
connection, and write transactions start with BEGIN IMMEDIATE so that concurrent
writers queue on the busy timeout instead of failing with "database is locked".
PostgreSQL uses a connection pool and READ COMMITTED; rows that a change depends on
are locked with SELECT ... FOR UPDATE by the domain services, and reads run in
autocommit (`read_bind`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session

from app.config import Settings

WRITE_OPTION = "riskreg_write"


def is_sqlite(engine: Engine) -> bool:
    """True when the engine talks to SQLite."""
    return engine.dialect.name == "sqlite"


def make_engine(settings: Settings) -> Engine:
    """Create the engine for `settings.database_url` with the pragmas and pool it needs."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": settings.sqlite_busy_timeout_ms / 1000},
            pool_size=20,
            max_overflow=20,
        )
        _configure_sqlite(engine, settings)
        return engine
    if url.get_backend_name() == "postgresql" and url.get_driver_name() in ("psycopg2", "psycopg2cffi", ""):
        url = url.set(drivername="postgresql+psycopg")
    return create_engine(
        url, pool_size=settings.pool_size, max_overflow=settings.pool_size, pool_pre_ping=True
    )


def _configure_sqlite(engine: Engine, settings: Settings) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so BEGIN IMMEDIATE is ours to emit.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(settings.sqlite_busy_timeout_ms)}")
        cursor.execute(f"PRAGMA synchronous={settings.sqlite_synchronous}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        write = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def write_bind(engine: Engine) -> Engine:
    """The engine as seen by a session that will write (BEGIN IMMEDIATE on SQLite)."""
    return engine.execution_options(**{WRITE_OPTION: True})


def read_bind(engine: Engine) -> Engine:
    """The engine as seen by a session that only reads.

    On PostgreSQL its statements run in autocommit: under READ COMMITTED each statement
    takes its own snapshot whether or not it is in a transaction, so BEGIN and COMMIT would
    cost two round trips and give nothing. A SQLite read stays one transaction, which is one
    consistent snapshot, and costs nothing more.
    """
    return engine if is_sqlite(engine) else engine.execution_options(isolation_level="AUTOCOMMIT")


@contextmanager
def transaction(engine: Engine, *, write: bool = True) -> Iterator[Session]:
    """A session that commits when the block succeeds and rolls back when it raises."""
    with committed(write_bind(engine) if write else engine) as session:
        yield session


@contextmanager
def committed(bind: Engine) -> Iterator[Session]:
    """A session on `bind` as given (see `write_bind`, `read_bind`): committed when the block
    succeeds, rolled back when it raises."""
    session = Session(bind, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
