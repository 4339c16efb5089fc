"""Migrations on every engine: up, down to base and up again on an empty database; no drift
between the models and the migrations; data made at every older revision survives the upgrade."""

from __future__ import annotations

import os
import random
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from app.config import Settings
from app.db import make_engine
from app.migrations import alembic_config, current, downgrade, upgrade
from app.models import Service
from tests.databases import _pg_exec, engines, pg_admin_url

_n = iter(range(10**6))
#: Tables kept by triggers from other tables' rows: never written directly.
DERIVED = {"risk_band_count"}
#: The last revision with risk_band_count, and the one that dropped it.
BEFORE_DROP, BAND_COUNTS_DROPPED = "a7d3e5f19c20", "9d2e4b7c1a60"


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
            if table.name == "alembic_version" or table.name in DERIVED:
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


def _band_counts(engine: Engine) -> dict[tuple[str, str, int], int]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT status, residual_band, service_id, risks FROM risk_band_count"))
        return {(s, b, v): n for s, b, v, n in rows if n}


def _band_counts_of_risks(engine: Engine) -> dict[tuple[str, str, int], int]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT status, coalesce(residual_band, ''), service_id, count(*) FROM risk "
                "GROUP BY status, coalesce(residual_band, ''), service_id"
            )
        )
        return {(s, b, v): n for s, b, v, n in rows}


def test_band_counts_follow_every_change_of_a_risk(empty_engine: Engine) -> None:
    """The triggers keep risk_band_count equal to a count of the risks, through inserts,
    band and status changes, moves between services and deletes, one transaction each
    (as the downgrade of their drop makes them again)."""
    upgrade(empty_engine, BAND_COUNTS_DROPPED)
    downgrade(empty_engine, BEFORE_DROP)
    rng = random.Random(7)
    bands = [None, "Low", "Medium", "High", "Very High"]
    # The tables as they are at that revision (the model's have columns added since).
    service = sa.Table("service", sa.MetaData(), autoload_with=empty_engine)
    risk = sa.Table("risk", sa.MetaData(), autoload_with=empty_engine)
    stamp = {"created_at": datetime(2026, 1, 1, tzinfo=UTC), "created_by": "t"}
    stamp |= {"updated_at": stamp["created_at"], "updated_by": "t"}
    with empty_engine.begin() as conn:
        conn.execute(service.insert(), [{"code": code, "name": code, **stamp} for code in ("CP", "HS")])
    for step in range(150):
        with empty_engine.begin() as conn:
            ids = [r[0] for r in conn.execute(sa.select(risk.c.id))]
            action = rng.random()
            chosen = risk.c.id == (rng.choice(ids) if ids else 0)
            if action < 0.4 or not ids:
                row = {"service_id": rng.randint(1, 2), "ref": f"R{step}", "title": "t", "aliases": []}
                row |= {"opened_on": date(2025, 1, 1), "residual_band": rng.choice(bands), **stamp}
                row |= {"consequence": "", "owner": "", "status": "open", "version": 1}
                conn.execute(risk.insert(), row)
            elif action < 0.7:
                conn.execute(risk.update().where(chosen).values(residual_band=rng.choice(bands)))
            elif action < 0.8:
                conn.execute(risk.update().where(chosen).values(version=risk.c.version + 1))
            elif action < 0.9:
                conn.execute(risk.update().where(chosen).values(status=rng.choice(["open", "closed"])))
            elif action < 0.97:
                conn.execute(risk.update().where(chosen).values(service_id=3 - risk.c.service_id))
            else:
                conn.execute(risk.delete().where(chosen))
        assert _band_counts(empty_engine) == _band_counts_of_risks(empty_engine), step


def test_dropping_band_counts_keeps_risks_and_reviews_and_downgrades_back(empty_engine: Engine) -> None:
    """A database at the revision before the drop, with risks, reviews and band counts,
    upgrades with nothing lost; downgraded again, the counts are rebuilt from the risks."""
    upgrade(empty_engine, BEFORE_DROP)
    service = Service.__table__  # type: ignore[attr-defined]
    # as they were at that revision: the model's risk and review have columns added since
    # (late, residual_published)
    risk = sa.Table("risk", sa.MetaData(), autoload_with=empty_engine)
    review = sa.Table("review", sa.MetaData(), autoload_with=empty_engine)
    stamp = {"created_at": datetime(2026, 1, 1, tzinfo=UTC), "created_by": "t"}
    bands = [None, "Low", "Medium", "High", "Very High"]
    with empty_engine.begin() as conn:
        conn.execute(
            service.insert(),
            [
                {"code": c, "name": c, **stamp, "updated_at": stamp["created_at"], "updated_by": "t"}
                for c in ("CP", "HS")
            ],
        )
        for n in range(40):
            band = bands[n % 5]
            conn.execute(
                risk.insert(),
                {
                    "service_id": n % 2 + 1,
                    "ref": f"R{n}",
                    "title": f"risk {n}",
                    "aliases": [],
                    "status": "closed" if n % 7 == 0 else "open",
                    "opened_on": date(2025, 1, 1),
                    "residual_band": band,
                    "residual_score": None if band is None else n % 16 + 1,
                    "consequence": "",
                    "owner": "",
                    "version": 1,
                    **stamp,
                    "updated_at": stamp["created_at"],
                    "updated_by": "t",
                },
            )
            conn.execute(
                review.insert(),
                {
                    "risk_id": n + 1,
                    "reviewed_on": date(2025, 1, 1),
                    "reviewer": "t",
                    "controls": [f"control {n}"],
                    "notes": "",
                    "residual_band": band,
                    "direction": "new",
                    "next_review_due": date(2025, 7, 1),
                    **stamp,
                },
            )
    counts = _band_counts(empty_engine)
    assert counts == _band_counts_of_risks(empty_engine)
    assert sum(counts.values()) == 40
    kept = {
        name: _read(empty_engine, name, ["id", "residual_band", "created_at"]) for name in ("risk", "review")
    }

    upgrade(empty_engine)
    assert "risk_band_count" not in _tables(empty_engine)
    assert {name: _read(empty_engine, name, ["id", "residual_band", "created_at"]) for name in kept} == kept

    downgrade(empty_engine, BEFORE_DROP)
    assert current(empty_engine) == BEFORE_DROP
    assert _band_counts(empty_engine) == counts
    with empty_engine.begin() as conn:  # the triggers count again
        conn.execute(risk.update().where(risk.c.id == 2).values(residual_band="Very High"))
    assert _band_counts(empty_engine) == _band_counts_of_risks(empty_engine) != counts


#: The revision before status events, and the one that made them.
BEFORE_STATUS_EVENTS, STATUS_EVENTS = "5b8d2f0e6a13", "5b8e2c4d7f91"


def test_a_closed_risks_closure_becomes_a_status_event_and_downgrades_back(empty_engine: Engine) -> None:
    """Every risk gets its opening as an event, a closed one its closing too; down and up again."""
    upgrade(empty_engine, BEFORE_STATUS_EVENTS)
    _fill(empty_engine)
    risk = sa.Table("risk", sa.MetaData(), autoload_with=empty_engine)
    with empty_engine.begin() as conn:
        conn.execute(
            risk.update()
            .where(risk.c.id == 1)
            .values(status="closed", opened_on=date(2025, 1, 6), closed_on=date(2025, 3, 20))
        )
        conn.execute(
            risk.update()
            .where(risk.c.id == 2)
            .values(status="open", opened_on=date(2025, 2, 3), closed_on=None)
        )
    upgrade(empty_engine, STATUS_EVENTS)
    found = _read(
        empty_engine,
        "risk_status_event",
        ["id", "risk_id", "status", "effective_on", "superseded_on", "late"],
    )
    assert sorted(
        (e["risk_id"], e["status"], e["effective_on"], e["superseded_on"], e["late"]) for e in found
    ) == [
        (1, "closed", date(2025, 3, 20), None, False),
        (1, "open", date(2025, 1, 6), date(2025, 3, 20), False),
        (2, "open", date(2025, 2, 3), None, False),
    ]
    assert [r["late"] for r in _read(empty_engine, "review", ["id", "late"])] == [False, False]
    downgrade(empty_engine, BEFORE_STATUS_EVENTS)
    assert "risk_status_event" not in _tables(empty_engine)
    upgrade(empty_engine)
    assert len(_read(empty_engine, "risk_status_event", ["id"])) == 3


#: The revision that records when each review and status event was superseded.
AS_RECORDED = "6c1f3a9e2b57"


def test_superseded_at_is_backfilled_from_the_superseding_row(empty_engine: Engine) -> None:
    """A superseded review (status event) gets the recorded time of the next one of its risk."""
    upgrade(empty_engine, STATUS_EVENTS)
    _fill(empty_engine)
    meta = sa.MetaData()
    review = sa.Table("review", meta, autoload_with=empty_engine)
    event = sa.Table("risk_status_event", meta, autoload_with=empty_engine)
    first, second = (datetime(2025, 1, 2, 9, tzinfo=UTC), datetime(2025, 6, 30, 16, tzinfo=UTC))
    with empty_engine.begin() as conn:
        for table, day, recorded in (
            (review, "reviewed_on", "created_at"),
            (event, "effective_on", "recorded_at"),
        ):
            # the superseding row comes first by id: the next one is found by date, then id
            conn.execute(
                table.update()
                .where(table.c.id == 2)
                .values(
                    {"risk_id": 1, day: date(2025, 1, 1), "superseded_on": date(2025, 3, 1), recorded: first}
                )
            )
            conn.execute(
                table.update()
                .where(table.c.id == 1)
                .values({"risk_id": 1, day: date(2025, 3, 1), "superseded_on": None, recorded: second})
            )
    upgrade(empty_engine, AS_RECORDED)
    for name in ("review", "risk_status_event"):
        found = {r["id"]: r["superseded_at"] for r in _read(empty_engine, name, ["id", "superseded_at"])}
        assert found[1] is None
        assert _same(found[2], second), name
    downgrade(empty_engine, STATUS_EVENTS)
    assert "superseded_at" not in {c["name"] for c in sa.inspect(empty_engine).get_columns("review")}
    upgrade(empty_engine)
