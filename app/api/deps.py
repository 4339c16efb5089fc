"""Typed dependency aliases that keep route signatures short.

A route takes

- `actor: ReaderDep | WriterDep | AdminDep | AuditorDep`: who is asking, the bearer token
  checked once against the kind of route (401 for a bad token, 403 for a role that may
  not use it). It is solved before the route's query and body are validated, so a bad
  token never learns which of its fields are wrong.
- `db: DatabaseDep`: the request's way to the database. `await db.run(rule, actor, ...)`
  calls the domain rule `rule(session, actor, ...)` in a worker thread with a session
  whose transaction `run` owns: committed before the route answers, rolled back when
  anything raised. Domain rules only flush.
- `matrix: MatrixDep`, `categories: CategoriesDep`, `calendar: CalendarDep`, `settings: SettingsDep`.

Why `db.run` and not a session dependency and a plain `def` route: FastAPI runs each plain
`def` dependency, a plain `def` route, the check of its answer and a session's commit in a
worker thread, one hop each: four hops where `run` takes one. The bare FastAPI "floor" of
the benchmarks is built that way, and a review (ten statements to the floor's one) stays
within 0.8 of it only by spending fewer hops (see bench/README.md).
"""

from __future__ import annotations

import asyncio
import math
import weakref
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Annotated, Any, Concatenate, ParamSpec, TypeVar

from fastapi import Depends, FastAPI, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Connection, Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.access.principal import Action, Principal
from app.access.tokens import authenticate
from app.clock import Calendar, today
from app.config import Settings
from app.db import committed, is_sqlite
from app.errors import Busy, FieldProblem, InvalidInput, Unauthenticated
from app.scoring import Matrix

T = TypeVar("T")
P = ParamSpec("P")
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
TOKEN_COOKIE = "riskreg_token"
_bearer = HTTPBearer(auto_error=False, description="a token made with `riskreg token create`")
_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Semaphore]] = (
    weakref.WeakKeyDictionary()
)


def _semaphore(name: str, size: int) -> asyncio.Semaphore:
    """The event loop's semaphore called `name` (one per loop: tests run several apps)."""
    named = _slots.setdefault(asyncio.get_running_loop(), {})
    if name not in named:
        named[name] = asyncio.Semaphore(size)
    return named[name]


async def get_settings_dep(request: Request) -> Settings:
    """The settings the app was made with."""
    settings: Settings = request.app.state.settings
    return settings


async def get_matrix(request: Request) -> Matrix:
    """The matrix in force."""
    matrix: Matrix = request.app.state.matrix
    return matrix


async def get_categories(request: Request) -> tuple[str, ...]:
    """The council's risk categories in force (the Orange Book's, or RISKREG_CATEGORIES_FILE's)."""
    categories: tuple[str, ...] = request.app.state.categories
    return categories


def require_category(value: str | None, categories: tuple[str, ...], loc: tuple[str | int, ...]) -> None:
    """422 naming `loc` when `value` is a category outside the list in force."""
    if value is not None and value not in categories:
        message = f"{value!r} is not one of the categories: {', '.join(categories)}"
        raise InvalidInput(message, errors=[FieldProblem(loc, message, "unknown_category")])


async def get_calendar(request: Request) -> Calendar:
    """Today in the UK and the review intervals in force (the matrix's, per band)."""
    settings = request.app.state.settings
    return Calendar(
        today=today(),
        interval_months=settings.review_interval_months,
        late_after_days=settings.late_after_days,
        band_months=request.app.state.matrix.review_intervals(),
    )


async def write_slot(request: Request) -> AsyncIterator[None]:
    """Hold one of `pool_size` write slots from before the transaction until after its commit.

    Writers that wait for the database (SQLite's write lock, a PostgreSQL row lock, a pooled
    connection) would otherwise each hold a worker thread; with enough of them every thread
    is taken and the one writer holding the lock cannot get a thread to finish, so all of
    them wait out the busy timeout (503 "database is locked"). Waiting here holds no thread.
    """
    if request.method in READ_METHODS:
        yield
        return
    async with _semaphore("write", request.app.state.settings.pool_size):
        yield


async def report_slot(request: Request) -> AsyncIterator[None]:
    """Hold one of `max_concurrent_reports` slots while a register or review report is drawn.

    A report holds the whole register in memory and a core while it draws: a few at once
    is all a process can serve without running out of both. Waiting holds no thread; a
    request that waits `report_queue_seconds` gets 503 with Retry-After.
    """
    settings = request.app.state.settings
    slots = _semaphore("report", settings.max_concurrent_reports)
    try:
        await asyncio.wait_for(slots.acquire(), timeout=settings.report_queue_seconds)
    except TimeoutError:
        raise Busy("every report slot of this server is busy; try again shortly") from None
    try:
        yield
    finally:
        slots.release()


class Database:
    """The request's database: `run` calls a domain rule in one transaction, in a worker thread."""

    __slots__ = ("_engine",)

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    async def run(
        self, rule: Callable[Concatenate[Session, P], T], /, *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """`rule(session, *args, **kwargs)`, committed when it returns, rolled back when it raises."""
        return await run_in_threadpool(self._run, rule, *args, **kwargs)

    def _run(self, rule: Callable[Concatenate[Session, P], T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        with committed(self._engine) as session:
            return rule(session, *args, **kwargs)


async def get_database(
    request: Request, _slot: Annotated[None, Depends(write_slot, scope="function")]
) -> Database:
    """The request's database: reads on the read engine; writes on the write engine, holding a write slot."""
    state = request.app.state
    return Database(state.read_engine if request.method in READ_METHODS else state.write_engine)


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
MatrixDep = Annotated[Matrix, Depends(get_matrix)]
CalendarDep = Annotated[Calendar, Depends(get_calendar)]
CategoriesDep = Annotated[tuple[str, ...], Depends(get_categories)]
DatabaseDep = Annotated[Database, Depends(get_database)]
#: Held while a register or review report is drawn (see `report_slot`); declare it after the
#: principal, so that only a request whose token was accepted waits for a slot.
ReportSlot = Annotated[None, Depends(report_slot, scope="function")]
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def token_of(request: Request, credentials: HTTPAuthorizationCredentials | None) -> str:
    """The bearer token; on reads also the pages' cookie (so a cookie can never drive a change)."""
    secret = credentials.credentials if credentials is not None else None
    if not secret and request.method in READ_METHODS:
        secret = request.cookies.get(TOKEN_COOKIE)
    if not secret:
        raise Unauthenticated("send Authorization: Bearer <token>")
    return secret


class TokenCheck:
    """Finds the principal of a bearer token, on a connection of its own that only reads.

    Its own connection: a write request's transaction (and, on SQLite, the database's write
    lock) starts only when its route first touches the database, so slow work before that
    (parsing an imported plan) holds no lock.

    On SQLite the look-up runs on the event loop, through one connection kept for it: an
    indexed read of a local file takes tens of microseconds, less than the hop to a worker
    thread, and a WAL reader does not wait for writers (its busy timeout is one second, so
    a stuck file costs a 503, not a frozen server). On PostgreSQL it is a network round
    trip, so it runs in a worker thread on a pooled connection.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._on_loop = is_sqlite(engine)
        self._kept: Connection | None = None

    async def principal(self, secret: str) -> Principal:
        """The principal of `secret`; Unauthenticated when unknown, expired or revoked."""
        if not self._on_loop:
            return await run_in_threadpool(self._pooled, secret)
        if self._kept is None:
            self._kept = self._engine.connect()
            self._kept.exec_driver_sql("PRAGMA busy_timeout=1000")
        try:
            return authenticate(self._kept, secret)
        finally:
            self._kept.rollback()  # no snapshot held between requests: a revocation is seen at once

    def _pooled(self, secret: str) -> Principal:
        with self._engine.connect() as connection:
            return authenticate(connection, secret)

    def close(self) -> None:
        """Give back the kept connection (at shutdown)."""
        if self._kept is not None:
            self._kept.close()
            self._kept = None


def _principal(action: Action) -> Callable[..., Any]:
    async def principal(request: Request, credentials: Credentials) -> Principal:
        tokens: TokenCheck = request.app.state.tokens
        actor = await tokens.principal(token_of(request, credentials))
        actor.require_route(action)
        refuse_repeated_query_parameters(request)
        return actor

    principal.__doc__ = f"The token's principal, if its role may {action.value}."
    principal.__name__ = f"{action.value}_principal"
    return principal


#: Who is asking, for a route of each kind; which services the actor may read or change
#: is checked by the domain services.
ReaderDep = Annotated[Principal, Depends(_principal(Action.READ))]
WriterDep = Annotated[Principal, Depends(_principal(Action.WRITE))]
AdminDep = Annotated[Principal, Depends(_principal(Action.ADMINISTER))]
AuditorDep = Annotated[Principal, Depends(_principal(Action.AUDIT))]


@dataclass(frozen=True, slots=True)
class Paging:
    """Which page of a list a client asked for."""

    page: int
    page_size: int

    @property
    def offset(self) -> int:
        """How many items come before the page."""
        return (self.page - 1) * self.page_size

    def headers(self, request: Request, response: Response, total: int) -> None:
        """`X-Total-Count` and RFC 8288 `Link` (first, prev, next, last) for a list sent as a JSON array."""
        last = max(1, math.ceil(total / self.page_size))
        pages = {"first": 1, "last": last}
        if self.page > 1:
            pages["prev"] = min(self.page - 1, last)
        if self.page < last:
            pages["next"] = self.page + 1
        url = request.url.remove_query_params(["page", "page_size"])
        response.headers["X-Total-Count"] = str(total)
        response.headers["Link"] = ", ".join(
            f'<{url.include_query_params(page=n, page_size=self.page_size)}>; rel="{rel}"'
            for rel, n in pages.items()
        )


async def get_paging(
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Paging:
    """The page of a history a client asked for (50 items by default, at most 200)."""
    return Paging(page, page_size)


PagingDep = Annotated[Paging, Depends(get_paging)]


def refuse_repeated_query_parameters(request: Request) -> None:
    """422 for a query parameter given twice that takes one value (`?page=1&page=2`).

    Left alone, the framework would keep the last value and answer as if it were the only
    one. Which parameters take several values (`band=High&band=Very High`) is read from the
    app's own OpenAPI document, so a new route is covered without listing it here.
    """
    params = request.query_params
    if len(params) == len(params.multi_items()):
        return
    route = request.scope.get("route")
    path = getattr(route, "path_format", None)
    if path is None:
        return
    repeatable = _repeatable_query_parameters(request.app, path, request.method.lower())
    repeated = sorted({name for name, _ in params.multi_items() if len(params.getlist(name)) > 1})
    problems = [
        FieldProblem(("query", name), "give this parameter once", "repeated")
        for name in repeated
        if name not in repeatable
    ]
    if problems:
        raise InvalidInput(
            problems[0].msg if len(problems) == 1 else "parameters given twice", errors=problems
        )


def _repeatable_query_parameters(app: FastAPI, path: str, method: str) -> frozenset[str]:
    cache: dict[tuple[str, str], frozenset[str]] | None = getattr(app.state, "repeatable_query", None)
    if cache is None:
        cache = app.state.repeatable_query = {}
    key = (path, method)
    if key not in cache:
        operation = app.openapi().get("paths", {}).get(path, {}).get(method, {})
        cache[key] = frozenset(
            parameter["name"]
            for parameter in operation.get("parameters", [])
            if parameter.get("in") == "query" and _takes_many(parameter.get("schema", {}))
        )
    return cache[key]


def _takes_many(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "array" or any(_takes_many(s) for s in schema.get("anyOf", []))
