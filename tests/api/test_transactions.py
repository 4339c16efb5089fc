"""How a request's work meets the database: reads without BEGIN on PostgreSQL, writes all or nothing.

A read on PostgreSQL runs in autocommit (`app.db.read_bind`): under READ COMMITTED each
statement has its own snapshot anyway, and BEGIN and COMMIT would be two round trips. The
pool must hand the same connection back to a writer in a transaction again.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from app.api.deps import Database
from app.db import committed, is_sqlite
from app.models import Service
from tests.databases import PG_ENV, engines


def _driver_connection(session: Session) -> Any:
    return session.connection().connection.dbapi_connection


def test_reads_run_without_a_transaction_on_postgresql_and_in_one_on_sqlite(app: FastAPI) -> None:
    engine = app.state.engine
    with committed(app.state.read_engine) as session:
        driver = _driver_connection(session)
        session.execute(select(func.count()).select_from(Service))
        if is_sqlite(engine):
            assert driver.in_transaction  # one snapshot for the whole read
        else:
            assert driver.autocommit
            assert driver.info.transaction_status == 0  # idle: no BEGIN was sent


def test_a_connection_used_for_a_read_is_transactional_again_for_the_next_writer(app: FastAPI) -> None:
    """A write that fails after its INSERT leaves nothing, on the very connection a read used."""
    with committed(app.state.read_engine) as session:
        reader = _driver_connection(session)
        session.execute(select(func.count()).select_from(Service))

    def failing_write() -> None:
        with committed(app.state.write_engine) as session:
            assert _driver_connection(session) is reader  # the pool's only connection, back again
            session.add(Service(code="GONE", name="Never committed", created_by="t", updated_by="t"))
            session.flush()
            raise RuntimeError("the route failed after its insert")

    with pytest.raises(RuntimeError, match="after its insert"):
        failing_write()
    with committed(app.state.read_engine) as session:
        assert session.execute(select(Service).where(Service.code == "GONE")).first() is None


def test_a_failed_write_request_changes_nothing_after_reads_on_the_same_connections(
    client: TestClient,
) -> None:
    for _ in range(5):
        assert client.get("/api/v1/services").status_code == 200
    made = client.post("/api/v1/services", json={"code": "NEW1", "name": "New service"})
    assert made.status_code == 201, made.text
    twice = client.post("/api/v1/services", json={"code": "NEW1", "name": "New service"})
    assert twice.status_code == 409
    listed = [s["code"] for s in client.get("/api/v1/services").json()]
    assert listed.count("NEW1") == 1


# PostgreSQL only: SQLite has one writer at a time (BEGIN IMMEDIATE), so writers queue and
# never deadlock.
@pytest.mark.skipif(
    "postgresql" not in engines(), reason=f"PostgreSQL only, and no PostgreSQL is configured ({PG_ENV})"
)
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_deadlock_victim_changes_nothing_and_the_other_writer_lands(app: FastAPI) -> None:
    """Two transactions lock two rows in opposite orders (no riskreg write path does; this
    forces it): PostgreSQL aborts one, which leaves nothing, and the other commits. The API
    answers such a victim 503 with Retry-After (`problems._operational_error`)."""
    with committed(app.state.write_engine) as session:
        for code in ("DLA", "DLB"):
            session.add(Service(code=code, name=code, created_by="t", updated_by="t"))
    both_hold_one = threading.Barrier(2, timeout=30)

    def rename(session: Session, first: str, then: str, by: str) -> str:
        session.execute(select(Service).where(Service.code == first).with_for_update())
        both_hold_one.wait()
        session.execute(update(Service).where(Service.code == then).values(name=f"renamed by {by}"))
        return by

    database = Database(app.state.write_engine)
    with ThreadPoolExecutor(2) as pool:
        runs = [
            pool.submit(database._run, rename, a, b, by)
            for a, b, by in (("DLA", "DLB", "one"), ("DLB", "DLA", "two"))
        ]
        outcomes = []
        for run in runs:
            try:
                outcomes.append(run.result(timeout=60))
            except OperationalError as exc:
                outcomes.append(getattr(exc.orig, "sqlstate", None))
    assert sorted(outcomes, key=str) in (["40P01", "one"], ["40P01", "two"]), outcomes
    winner = next(o for o in outcomes if o in ("one", "two"))
    with committed(app.state.read_engine) as session:
        names = dict(
            session.execute(select(Service.code, Service.name).where(Service.code.in_(["DLA", "DLB"]))).all()
        )
    renamed = {"one": {"DLB"}, "two": {"DLA"}}[winner]
    assert {code for code, name in names.items() if name.startswith("renamed")} == renamed
