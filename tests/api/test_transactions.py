"""How a request's work meets the database: reads without BEGIN on PostgreSQL, writes all or nothing.

A read on PostgreSQL runs in autocommit (`app.db.read_bind`): under READ COMMITTED each
statement has its own snapshot anyway, and BEGIN and COMMIT would be two round trips. The
pool must hand the same connection back to a writer in a transaction again.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlmodel import Session

from app.db import committed, is_sqlite
from app.models import Service


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
