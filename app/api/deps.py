"""Typed dependency aliases that keep route signatures short.

Dependencies that only read app state or check a principal are `async def`: FastAPI runs
a plain `def` dependency in a worker thread, and each such hop costs more than the work.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.access.principal import Action, Principal
from app.access.tokens import authenticate
from app.clock import today
from app.config import Settings
from app.errors import FieldProblem, InvalidInput, Unauthenticated
from app.risks.service import Calendar
from app.scoring import Matrix

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
TOKEN_COOKIE = "riskreg_token"
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


async def get_session(
    request: Request, _slot: Annotated[None, Depends(write_slot, scope="function")]
) -> AsyncIterator[Session]:
    """The request's session: commits when the route succeeds, before the response is sent.

    Making a session touches no database, so it is made on the event loop; the commit (or
    the rollback) and the close then run in one worker-thread hop, not one hop each way.
    """
    write = request.method not in READ_METHODS
    engine: Engine = request.app.state.write_engine if write else request.app.state.engine
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
    except BaseException:
        await run_in_threadpool(_end, session, commit=False)
        raise
    await run_in_threadpool(_end, session, commit=True)


def _end(session: Session, *, commit: bool) -> None:
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


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


def get_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    session: SessionDep,
) -> Principal:
    """Who is asking, from the bearer token; 401 when there is none or it is not valid.

    Browsers reading the pages and downloads send the token in the page cookie
    instead; the cookie is accepted only on reads, so it can never drive a change.
    The token is looked up in the request's own transaction: no second connection
    (on PostgreSQL a checkout, a ping, BEGIN and ROLLBACK: four round trips) per request.
    """
    secret = credentials.credentials if credentials is not None else None
    if not secret and request.method in READ_METHODS:
        secret = request.cookies.get(TOKEN_COOKIE)
    if not secret:
        raise Unauthenticated("send Authorization: Bearer <token>")
    principal = authenticate(session.connection(), secret)
    request.state.principal = principal
    return principal


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
MatrixDep = Annotated[Matrix, Depends(get_matrix)]
CalendarDep = Annotated[Calendar, Depends(get_calendar)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]


def _route_guard(action: Action) -> object:
    async def guard(principal: PrincipalDep) -> Principal:
        principal.require_route(action)
        return principal

    guard.__doc__ = f"Require a token whose role may {action.value}."
    return Depends(guard)


#: Route-level guards; object-level checks (which service) run in the domain services.
Reader = Annotated[Principal, _route_guard(Action.READ)]
Writer = Annotated[Principal, _route_guard(Action.WRITE)]
Admin = Annotated[Principal, _route_guard(Action.ADMINISTER)]


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
