"""Schemathesis over every operation of the OpenAPI document, in process, on SQLite.

Each operation gets FUZZ_EXAMPLES generated cases (positive and negative data) with
schemathesis's default checks; the stateful run chains operations through the
links schemathesis infers (POST service -> GET service, POST risk -> GET/PATCH risk,
reviews ...), so requests also reach real ids.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck
from schemathesis.specs.openapi.checks import positive_data_acceptance

from app.access.principal import Role
from app.config import Settings
from app.main import create_app
from tests.conftest import make_token
from tests.databases import Templates

FUZZ_EXAMPLES = int(os.environ.get("RISKREG_FUZZ_EXAMPLES", "100"))
STATEFUL_STEPS = int(os.environ.get("RISKREG_FUZZ_STEPS", "10"))
STATEFUL_SCENARIOS = int(os.environ.get("RISKREG_FUZZ_SCENARIOS", "10"))
SUPPRESSED = [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large]

pytestmark = pytest.mark.filterwarnings("ignore")


# The schema is loaded at import (schemathesis's lazy `from_fixture` breaks on pytest 9:
# it reads `request.node._nodeid`), from an app whose SQLite file is put in place, as a
# copy of the migrated template, by the module fixture below before any request.
_DB_DIR = Path(tempfile.mkdtemp(prefix="riskreg-fuzz-"))
_DB_PATH = _DB_DIR / "fuzz.sqlite3"
APP = create_app(
    Settings(database_url=f"sqlite:///{_DB_PATH}", migrate_on_start=False, _env_file=None)  # type: ignore[call-arg]
)
AUTH: dict[str, str] = {}

schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
schema.config.generation.update(max_examples=FUZZ_EXAMPLES)


@schema.hook("filter_query")
def only_declared_query_parameters(ctx: Any, query: dict[str, Any] | None) -> bool:
    """The API ignores query parameters it does not declare (`?=null`, cache busters), as HTTP
    APIs conventionally do; schemathesis counts accepting them as accepting invalid data."""
    if not query:
        return True
    return set(query) <= {parameter.name for parameter in ctx.operation.query}


# Schema-valid data may still break a rule of the register (a date in the future, a level
# outside the matrix in force, a period that does not parse): 422 is right, so the
# "positive data is accepted" check does not apply. Every other default check runs.
schema.config.checks.positive_data_acceptance.enabled = False
# A request refused for its size (413) is rejected too.
schema.config.checks.negative_data_rejection.expected_statuses = [
    *schema.config.checks.negative_data_rejection.expected_statuses,
    "413",
]


@pytest.fixture(scope="module", autouse=True)
def fuzz_database(templates: Templates) -> Iterator[None]:
    """The app's database: a fresh migrated SQLite copy, an admin token, one service and risk."""
    shutil.copy(templates.sqlite(), _DB_PATH)
    token = make_token(APP.state.engine, Role.ADMIN, name="fuzz-admin")
    AUTH["Authorization"] = f"Bearer {token}"
    schema.config.update(headers=AUTH)
    with TestClient(APP) as seed:
        seed.headers.update(AUTH)
        assert seed.post("/api/v1/services", json={"code": "CP", "name": "Community"}).status_code == 201
        created = seed.post(
            "/api/v1/services/CP/risks",
            json={
                "ref": "CP01",
                "title": "Seed",
                "response": "treat",
                "residual": {"likelihood": 2, "impact": 3},
            },
        )
        assert created.status_code == 201, created.text
    yield
    APP.state.engine.dispose()
    shutil.rmtree(_DB_DIR, ignore_errors=True)


@schema.parametrize()
@hypothesis.settings(
    max_examples=FUZZ_EXAMPLES, derandomize=True, deadline=None, suppress_health_check=SUPPRESSED
)
def test_every_operation_survives_fuzzing(case: Any) -> None:
    """No generated request (valid or not) gets a 5xx or an answer that breaks the OpenAPI document."""
    case.call_and_validate(headers=AUTH, excluded_checks=[positive_data_acceptance])


def test_stateful_sequences_survive_fuzzing() -> None:
    """Chains of calls over real ids (created services, risks, reviews) keep every check green."""
    machine = schema.as_state_machine()
    machine.run(
        settings=hypothesis.settings(
            max_examples=STATEFUL_SCENARIOS,
            stateful_step_count=STATEFUL_STEPS,
            derandomize=True,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
    )
