"""Fresh databases for tests: one migrated template per engine, cloned for every test.

SQLite: the template file is copied. PostgreSQL (when RISKREG_TEST_DATABASE_URL is set,
and always under CI): `CREATE DATABASE ... TEMPLATE`, dropped after the test.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.config import Settings
from app.db import make_engine
from app.migrations import upgrade

PG_ENV = "RISKREG_TEST_DATABASE_URL"
_counter = itertools.count()


def engines() -> list[str]:
    """The engines the suite runs on: SQLite always, PostgreSQL when configured (required in CI)."""
    if os.environ.get(PG_ENV):
        return ["sqlite", "postgresql"]
    if os.environ.get("CI"):
        raise RuntimeError(f"CI must run the PostgreSQL suite: set {PG_ENV}")
    return ["sqlite"]


def pg_admin_url() -> str:
    """The PostgreSQL server the tests may create databases on."""
    url = make_url(os.environ[PG_ENV])
    return url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


class Templates:
    """Migrated template databases, made once per test session."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.sqlite_template: Path | None = None
        self.pg_template: str | None = None

    def sqlite(self) -> Path:
        if self.sqlite_template is None:
            path = self.workdir / "template.sqlite3"
            engine = make_engine(Settings(database_url=f"sqlite:///{path}"))
            upgrade(engine)
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            engine.dispose()
            self.sqlite_template = path
        return self.sqlite_template

    def postgres(self) -> str:
        if self.pg_template is None:
            name = f"riskreg_tpl_{os.getpid()}"
            _pg_exec(f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
            url = make_url(pg_admin_url()).set(database=name)
            engine = make_engine(Settings(database_url=url.render_as_string(hide_password=False)))
            upgrade(engine)
            engine.dispose()
            self.pg_template = name
        return self.pg_template

    def drop(self) -> None:
        if self.pg_template is not None:
            _pg_exec(f'DROP DATABASE IF EXISTS "{self.pg_template}" WITH (FORCE)')


@contextmanager
def fresh_database(kind: str, templates: Templates) -> Iterator[str]:
    """A URL of a new, migrated, empty database of `kind`, removed afterwards."""
    n = next(_counter)
    if kind == "sqlite":
        path = templates.workdir / f"test_{n}.sqlite3"
        shutil.copy(templates.sqlite(), path)
        yield f"sqlite:///{path}"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    template = templates.postgres()
    name = f"riskreg_t_{os.getpid()}_{n}"
    _pg_exec(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield make_url(pg_admin_url()).set(database=name).render_as_string(hide_password=False)
    finally:
        _pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _pg_exec(*statements: str) -> None:
    engine = create_engine(pg_admin_url(), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        engine.dispose()
