"""Migrations on every engine: up, down to base and up again on an empty database; no drift
between the models and the migrations; data made at every older revision survives the upgrade."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from alembic import command
from app.config import Settings
from app.db import make_engine
from app.migrations import alembic_config, current, downgrade, upgrade
from tests.databases import _pg_exec, engines, pg_admin_url

_n = iter(range(10**6))


@pytest.fixture(params=engines())
def empty_engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """An engine on a new database with no tables at all."""
    if request.param == "sqlite":
        folder = tempfile.mkdtemp(prefix="riskreg-mig-")
        engine = make_engine(Settings(database_url=f"sqlite:///{folder}/empty.sqlite3", _env_file=None))  # type: ignore[call-arg]
        yield engine
        engine.dispose()
        shutil.rmtree(folder, ignore_errors=True)
        return
    name = f"riskreg_mig_{os.getpid()}_{next(_n)}"
    _pg_exec(f'CREATE DATABASE "{name}"')
    url = make_url(pg_admin_url()).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(Settings(database_url=url, _env_file=None))  # type: ignore[call-arg]
    try:
        yield engine
    finally:
        engine.dispose()
        _pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _tables(engine: Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names()) - {"alembic_version"}


def _revisions() -> list[str]:
    """Every revision, oldest first."""
    script = ScriptDirectory.from_config(alembic_config())
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def test_upgrade_downgrade_upgrade_on_an_empty_database(empty_engine: Engine) -> None:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    upgrade(empty_engine)
    made = _tables(empty_engine)
    assert {"service", "risk", "review", "audit_event", "api_token", "control_measure"} <= made
    assert current(empty_engine) == head
    downgrade(empty_engine, "base")
    assert _tables(empty_engine) == set()
    assert current(empty_engine) is None
    upgrade(empty_engine)
    assert _tables(empty_engine) == made
    assert current(empty_engine) == head


def test_models_and_migrations_do_not_drift(empty_engine: Engine) -> None:
    """`alembic check`: autogenerate finds nothing to add, drop or alter."""
    upgrade(empty_engine)
    with empty_engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.check(config)


def _value(column: sa.Column[Any], n: int, parents: dict[str, int]) -> Any:
    for fk in column.foreign_keys:
        return parents[fk.column.table.name]
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return True
    if isinstance(kind, sa.Integer):
        return n
    if isinstance(kind, sa.DateTime):
        return datetime(2025, 3, n % 28 + 1, 9, 30, tzinfo=UTC)
    if isinstance(kind, sa.Date):
        return date(2025, 3, n % 28 + 1)
    if isinstance(kind, sa.JSON):
        return [f"item {n}", "Cymraeg ŵ"]
    if isinstance(kind, sa.String):
        return f"v{n}é"[: kind.length or 100]
    if isinstance(kind, sa.Float | sa.Numeric):
        return n
    raise AssertionError(f"no sample value for {column.table.name}.{column.name} {kind!r}")


def _fill(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Two rows in every table (parents first), every column given a value; returns what was written."""
    meta = sa.MetaData()
    meta.reflect(engine)
    written: dict[str, list[dict[str, Any]]] = {}
    parents: dict[str, int] = {}
    with engine.begin() as conn:
        for table in meta.sorted_tables:
            if table.name == "alembic_version":
                continue
            rows = []
            for n in (1, 2):
                row = {c.name: _value(c, n, parents) for c in table.columns}
                conn.execute(table.insert().values(**row))
                rows.append(row)
            parents[table.name] = 1
            written[table.name] = rows
    return written


def _read(engine: Engine, table_name: str, columns: list[str]) -> list[dict[str, Any]]:
    table = sa.Table(table_name, sa.MetaData(), autoload_with=engine)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(*[table.c[c] for c in columns]).order_by(table.c[columns[0]])
        ).mappings()
        return [dict(r) for r in rows]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, datetime) and isinstance(b, datetime):
        return a.replace(tzinfo=a.tzinfo or UTC) == b.replace(tzinfo=b.tzinfo or UTC)
    return bool(a == b)


@pytest.mark.parametrize("revision", _revisions())
def test_data_made_at_an_older_revision_survives_upgrade(empty_engine: Engine, revision: str) -> None:
    """Rows written at `revision` (every table, every column) read back intact at head."""
    upgrade(empty_engine, revision)
    written = _fill(empty_engine)
    assert written, "the revision has tables"
    before = {name: _read(empty_engine, name, list(rows[0])) for name, rows in written.items()}
    upgrade(empty_engine)
    for name, rows in before.items():
        after = _read(empty_engine, name, list(rows[0]))
        assert len(after) == len(rows), name
        for old, new in zip(rows, after, strict=True):
            assert all(_same(old[k], new[k]) for k in old), (name, old, new)
