"""Typed dependency aliases that keep route signatures short."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator, Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlmodel import Session

from app.access.principal import Action, Principal
from app.access.tokens import authenticate
from app.clock import today
from app.config import Settings
from app.errors import Unauthenticated
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


def get_session(
    request: Request, _slot: Annotated[None, Depends(write_slot, scope="function")]
) -> Iterator[Session]:
    """The request's session: commits when the route succeeds, before the response is sent."""
    write = request.method not in READ_METHODS
    engine: Engine = request.app.state.write_engine if write else request.app.state.engine
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def get_settings_dep(request: Request) -> Settings:
    """The settings the app was made with."""
    settings: Settings = request.app.state.settings
    return settings


def get_matrix(request: Request) -> Matrix:
    """The matrix in force."""
    matrix: Matrix = request.app.state.matrix
    return matrix


def get_calendar(request: Request) -> Calendar:
    """Today in the UK and the review interval in force."""
    return Calendar(today=today(), interval_months=request.app.state.settings.review_interval_months)


def get_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """Who is asking, from the bearer token; 401 when there is none or it is not valid.

    Browsers reading the pages and downloads send the token in the page cookie
    instead; the cookie is accepted only on reads, so it can never drive a change.
    """
    secret = credentials.credentials if credentials is not None else None
    if not secret and request.method in READ_METHODS:
        secret = request.cookies.get(TOKEN_COOKIE)
    if not secret:
        raise Unauthenticated("send Authorization: Bearer <token>")
    engine: Engine = request.app.state.engine
    with Session(engine) as session:
        principal = authenticate(session, secret)
    request.state.principal = principal
    return principal


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
MatrixDep = Annotated[Matrix, Depends(get_matrix)]
CalendarDep = Annotated[Calendar, Depends(get_calendar)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]


def _route_guard(action: Action) -> object:
    def guard(principal: PrincipalDep) -> Principal:
        principal.require_route(action)
        return principal

    guard.__doc__ = f"Require a token whose role may {action.value}."
    return Depends(guard)


#: Route-level guards; object-level checks (which service) run in the domain services.
Reader = Annotated[Principal, _route_guard(Action.READ)]
Writer = Annotated[Principal, _route_guard(Action.WRITE)]
Admin = Annotated[Principal, _route_guard(Action.ADMINISTER)]
