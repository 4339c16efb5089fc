"""Typed dependency aliases that keep route signatures short, and a request's `Work`.

Every dependency here is `async def` and touches no database: FastAPI runs a plain `def`
dependency in a worker thread, and each such hop costs more than the work. The database
work of a request, its token check included, is done by `Work.run` in one hop.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any, Concatenate, ParamSpec, TypeVar

from fastapi import Depends, FastAPI, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Connection
from sqlalchemy.exc import OperationalError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.access.principal import Action, Principal
from app.access.tokens import authenticate
from app.clock import today
from app.config import Settings
from app.db import committed, may_retry
from app.errors import FieldProblem, InvalidInput, Unauthenticated
from app.risks.service import Calendar
from app.scoring import Matrix

#: How many times a request's work runs when PostgreSQL picks it as a deadlock victim.
TRANSACTION_ATTEMPTS = 3
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
TOKEN_COOKIE = "riskreg_token"
log = logging.getLogger("riskreg")
T = TypeVar("T")
P = ParamSpec("P")
_bearer = HTTPBearer(auto_error=False, description="a token made with `riskreg token create`")


_write_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


async def write_slot(request: Request) -> AsyncIterator[None]:
    """Hold one of `pool_size` write slots from before the transaction until after its commit.

    Writers that wait for the database (SQLite's write lock, a PostgreSQL row lock, a pooled
    connection) would otherwise each hold a worker thread; with enough of them every thread
    is taken and the one writer holding the lock cannot get a thread to finish its response,
    so all of them wait out the busy timeout (503 "database is locked"). Waiting here holds
    no thread.
    """
    if request.method in READ_METHODS:
        yield
        return
    loop = asyncio.get_running_loop()
    slots = _write_slots.get(loop)
    if slots is None:
        slots = _write_slots[loop] = asyncio.Semaphore(request.app.state.settings.pool_size)
    async with slots:
        yield


async def get_settings_dep(request: Request) -> Settings:
    """The settings the app was made with."""
    settings: Settings = request.app.state.settings
    return settings


async def get_matrix(request: Request) -> Matrix:
    """The matrix in force."""
    matrix: Matrix = request.app.state.matrix
    return matrix


async def get_calendar(request: Request) -> Calendar:
    """Today in the UK and the review interval in force."""
    return Calendar(today=today(), interval_months=request.app.state.settings.review_interval_months)


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
MatrixDep = Annotated[Matrix, Depends(get_matrix)]
CalendarDep = Annotated[Calendar, Depends(get_calendar)]


class Work:
    """One request's database work, done in a single worker-thread hop.

    FastAPI runs each plain `def` dependency, a plain `def` route and the check of its
    answer in a worker thread, one hop each, and on this 2-core machine a hop costs more
    than a small query. A route is `async def` and hands its work to `run`: in one hop the
    token is checked against the route's action, `fn(session, principal, ...)` runs, and
    the transaction commits (or, on any error, rolls back) before the route answers. The
    token is read in that same transaction: no second connection per request. When
    PostgreSQL aborts the transaction as a deadlock victim, the work runs again from the
    start (up to TRANSACTION_ATTEMPTS in all) instead of answering 503.
    """

    __slots__ = ("_action", "_request", "_secret", "principal")

    def __init__(self, request: Request, secret: str, action: Action) -> None:
        self._request = request
        self._secret = secret
        self._action = action
        self.principal: Principal | None = None

    async def run(
        self, fn: Callable[Concatenate[Session, Principal, P], T], /, *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """`fn(session, principal, *args, **kwargs)`, in one transaction committed on success."""
        return await run_in_threadpool(self._run, fn, *args, **kwargs)

    async def check(self) -> Principal:
        """Check the token alone: Unauthenticated (401), or Forbidden (403) for its role."""
        return await run_in_threadpool(self._check)

    def _run(
        self, fn: Callable[Concatenate[Session, Principal, P], T], /, *args: P.args, **kwargs: P.kwargs
    ) -> T:
        write = self._request.method not in READ_METHODS
        state = self._request.app.state
        attempt = 1
        while True:
            try:
                with committed(state.write_engine if write else state.read_engine) as session:
                    return fn(session, self._authenticate(session.connection()), *args, **kwargs)
            except OperationalError as exc:
                # A deadlock victim (PostgreSQL): everything it did was rolled back and the
                # other transaction goes on, so the whole work can run again.
                if attempt == TRANSACTION_ATTEMPTS or not may_retry(exc):
                    raise
                attempt += 1
                log.warning(
                    "%s %s: %s; running it again", self._request.method, self._request.url.path, exc.orig
                )

    def _check(self) -> Principal:
        with committed(self._request.app.state.read_engine) as session:
            return self._authenticate(session.connection())

    def _authenticate(self, connection: Connection) -> Principal:
        principal = authenticate(connection, self._secret)
        principal.require_route(self._action)
        self.principal = principal
        return principal


def _work(action: Action) -> Any:
    async def work(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
        _slot: Annotated[None, Depends(write_slot, scope="function")],
    ) -> Work:
        # Browsers reading the pages and downloads send the token in the page cookie
        # instead; the cookie is accepted only on reads, so it can never drive a change.
        secret = credentials.credentials if credentials is not None else None
        if not secret and request.method in READ_METHODS:
            secret = request.cookies.get(TOKEN_COOKIE)
        if not secret:
            raise Unauthenticated("send Authorization: Bearer <token>")
        # The 422 handler finds it here and checks the token first: a request with a bad
        # token is answered 401 (a token without the role, 403), whatever else is wrong.
        request.state.work = found = Work(request, secret, action)
        return found

    work.__doc__ = f"The request's work, for a token whose role may {action.value}."
    return Depends(work)


#: A route's work, for a token whose role may use routes of that kind; which services it
#: may read or change is checked by the domain services.
ReadWork = Annotated[Work, _work(Action.READ)]
WriteWork = Annotated[Work, _work(Action.WRITE)]
AdminWork = Annotated[Work, _work(Action.ADMINISTER)]
AuditWork = Annotated[Work, _work(Action.AUDIT)]


async def refuse_repeated_query_parameters(request: Request) -> None:
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
