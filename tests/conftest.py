"""Shared fixtures: a fresh database per test on every engine, an app, and API clients."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.access.principal import SYSTEM, Role
from app.access.tokens import create_token
from app.config import Settings
from app.db import make_engine, transaction
from app.main import create_app
from tests.databases import Templates, engines, fresh_database


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    found = Templates(tmp_path_factory.mktemp("db"))
    yield found
    found.drop()


@pytest.fixture(params=engines())
def database_url(request: pytest.FixtureRequest, templates: Templates) -> Iterator[str]:
    with fresh_database(request.param, templates) as url:
        yield url


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, migrate_on_start=False, warm_up_reports=False, _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    made = make_engine(settings)
    yield made
    made.dispose()


@pytest.fixture
def app(settings: Settings):  # type: ignore[no-untyped-def]
    made = create_app(settings)
    yield made
    made.state.engine.dispose()


def make_token(engine: Engine, role: Role, services: list[str] | None = None, name: str | None = None) -> str:
    """Make a token directly in the database and return it."""
    with transaction(engine) as session:
        _, secret = create_token(
            session,
            SYSTEM,
            name=name or f"{role.value}-{'-'.join(services or ['all'])}",
            role=role,
            services=services or [],
        )
    return secret


@pytest.fixture
def anonymous(app) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def client(app, anonymous: TestClient) -> TestClient:
    """A client with an admin token."""
    token = make_token(app.state.engine, Role.ADMIN, name="test-admin")
    anonymous.headers["Authorization"] = f"Bearer {token}"
    return anonymous


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path
