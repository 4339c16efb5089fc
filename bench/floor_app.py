"""The floor: bare FastAPI + SQLModel doing the same amount of JSON and database work.

(a) POST /rows inserts one row of a table as wide as `risk` and returns it;
(b) GET /rows selects 50 such rows (ordered by an indexed score) and returns them as JSON.
Same engine set-up as riskreg (app.db.make_engine: WAL, synchronous, BEGIN IMMEDIATE on
SQLite writes; a pool on PostgreSQL). Run: uvicorn --factory bench.floor_app:create_app
with BENCH_FLOOR_URL set.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date, datetime
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from pydantic import BaseModel
from sqlalchemy import Column, Index
from sqlmodel import Field, Session, SQLModel, col, func, select

from app.config import Settings
from app.db import make_engine, write_bind
from app.models.base import UTCDateTime, utcnow

SEED_ROWS = 2_000


class FloorRow(SQLModel, table=True):
    """As wide as a risk row: about 30 columns."""

    __tablename__ = "bench_floor_row"
    __table_args__ = (Index("ix_bench_floor_status_score", "status", "score"),)

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = 1
    ref: str = Field(max_length=20)
    title: str
    consequence: str = ""
    owner: str = ""
    response: str | None = Field(default=None, max_length=10)
    status: str = Field(default="open", max_length=6)
    opened_on: date
    closed_on: date | None = None
    version: int = 1
    likelihood: int | None = None
    impact: int | None = None
    score: int | None = None
    band: str | None = Field(default=None, max_length=40)
    inherent_likelihood: int | None = None
    inherent_impact: int | None = None
    inherent_score: int | None = None
    inherent_band: str | None = Field(default=None, max_length=40)
    target_likelihood: int | None = None
    target_impact: int | None = None
    target_score: int | None = None
    target_band: str | None = Field(default=None, max_length=40)
    last_reviewed_on: date | None = None
    next_review_due: date | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    created_by: str = Field(max_length=200)
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    updated_by: str = Field(max_length=200)


class FloorIn(BaseModel):
    ref: str
    title: str
    consequence: str = ""
    owner: str = ""
    response: str | None = None
    opened_on: date
    likelihood: int
    impact: int
    notes: str = ""


class FloorPublic(BaseModel):
    id: int
    group_id: int
    ref: str
    title: str
    consequence: str
    owner: str
    response: str | None
    status: str
    opened_on: date
    closed_on: date | None
    version: int
    likelihood: int | None
    impact: int | None
    score: int | None
    band: str | None
    inherent_likelihood: int | None
    inherent_impact: int | None
    inherent_score: int | None
    inherent_band: str | None
    last_reviewed_on: date | None
    next_review_due: date | None
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str


def get_session(request: Request) -> Iterator[Session]:
    write = request.method == "POST"
    session = Session(request.app.state.writer if write else request.app.state.engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def create_app() -> FastAPI:
    engine = make_engine(Settings(database_url=os.environ["BENCH_FLOOR_URL"]))
    writer = write_bind(engine)
    SQLModel.metadata.create_all(engine, tables=[FloorRow.__table__])  # type: ignore[attr-defined]
    with Session(writer) as session:
        if session.exec(select(func.count()).select_from(FloorRow)).one() == 0:
            for i in range(SEED_ROWS):
                li, im = i % 4 + 1, (i // 4) % 4 + 1
                session.add(_row(f"F{i:05d}", li, im, date(2025, 1, 1)))
            session.commit()

    app = FastAPI()
    app.state.engine, app.state.writer = engine, writer

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/rows", status_code=201, response_model=FloorPublic)
    def insert(body: FloorIn, session: SessionDep) -> FloorRow:
        row = _row(body.ref, body.likelihood, body.impact, body.opened_on)
        row.title, row.consequence, row.owner, row.response = (
            body.title,
            body.consequence,
            body.owner,
            body.response,
        )
        session.add(row)
        session.flush()
        return row

    @app.get("/rows", response_model=list[FloorPublic])
    def rows(session: SessionDep, limit: int = 50) -> list[FloorRow]:
        query = (
            select(FloorRow)
            .where(FloorRow.status == "open")
            .order_by(col(FloorRow.score).desc(), col(FloorRow.id))
            .limit(limit)
        )
        return list(session.exec(query).all())

    return app


def _row(ref: str, li: int, im: int, day: date) -> FloorRow:
    score = li * im
    band = "Low" if score <= 4 else "Medium" if score == 6 else "High" if score <= 9 else "Very High"
    return FloorRow(
        ref=ref,
        title=f"Floor row {ref}: failure of a key supplier or system",
        consequence="Service disruption, financial loss and reputational damage",
        owner="Head of Service",
        response="treat",
        opened_on=day,
        likelihood=li,
        impact=im,
        score=score,
        band=band,
        inherent_likelihood=li,
        inherent_impact=im,
        inherent_score=score,
        inherent_band=band,
        last_reviewed_on=day,
        next_review_due=day,
        created_by="bench",
        updated_by="bench",
    )
