"""A client generated from the app's own /openapi.json runs a service's review round against real uvicorn.

The client is generated once per test session with openapi-python-client (the generator a
service's developers would use) into a temporary folder and imported from there; the round
then runs on every engine.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.access.principal import Role
from app.config import Settings
from app.main import create_app
from tests.conftest import make_token
from tests.reliability.servers import ROOT, threaded_server

PACKAGE = "riskreg_client"
CONFIG = ROOT / "docs" / "openapi-python-client.yaml"
README_URL = "http://127.0.0.1:8000"


def _readme_example() -> str:
    """The README's five lines of the generated client in use."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("<!-- client-example -->", 1)[1].split("<!-- /client-example -->", 1)[0]
    code = block.split("```python", 1)[1].split("```", 1)[0]
    assert README_URL in code
    return code


def _served_document(folder: Path) -> Path:
    """The app's /openapi.json as a client of the API downloads it."""
    settings = Settings(
        database_url=f"sqlite:///{folder / 'unused.sqlite3'}",
        migrate_on_start=False,
        warm_up_reports=False,
        _env_file=None,  # type: ignore[call-arg]
    )
    app = create_app(settings)
    try:
        with TestClient(app) as http:
            served = http.get("/openapi.json")
    finally:
        app.state.engine.dispose()
    assert served.status_code == 200, served.text
    document = folder / "openapi.json"
    document.write_text(served.text, encoding="utf-8")
    return document


@pytest.fixture(scope="session")
def riskreg_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The generated client package, importable for this session."""
    folder = tmp_path_factory.mktemp("generated")
    document = _served_document(folder)
    output = folder / PACKAGE
    scripts = Path(sys.executable).parent  # the generator formats its output with ruff from here
    command = ["generate", "--path", str(document), "--output-path", str(output)]
    generated = subprocess.run(
        [sys.executable, "-m", "openapi_python_client", *command, "--meta", "none", "--config", str(CONFIG)],
        env=os.environ | {"PATH": f"{scripts}{os.pathsep}{os.environ.get('PATH', '')}"},
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    said = generated.stdout + generated.stderr
    assert generated.returncode == 0, said
    # Nothing but its progress line: any warning means a part of the API is missing from the client.
    assert said.split() == ["Generating", str(output)], said
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def _operation(tag: str, operation_id: str) -> Any:
    """The generated module of one operation: the API's tag, then its operation id."""
    return importlib.import_module(f"{PACKAGE}.api.{tag}.{operation_id}")


def test_a_service_review_round_through_the_generated_client(
    app: FastAPI, riskreg_client: ModuleType
) -> None:
    """A service, an editor token, risks; a review round; a refused round read as a typed problem; the list; the README's lines."""
    models = importlib.import_module(f"{PACKAGE}.models")
    with threaded_server(app) as base_url:
        admin = riskreg_client.AuthenticatedClient(
            base_url=base_url, token=make_token(app.state.engine, Role.ADMIN, name="council-admin")
        )
        health = _operation("health", "get_health").sync(client=admin)
        assert isinstance(health, models.Health), health
        assert health.database == app.state.engine.dialect.name
        service = _operation("services", "create_service").sync(
            client=admin, body=models.ServiceCreate(code="CP", name="Community Partnerships")
        )
        assert isinstance(service, models.ServicePublic)
        made = _operation("tokens", "create_token").sync(
            client=admin,
            body=models.TokenCreate(name="cp-casework", role=models.Role.EDITOR, services=["CP"]),
        )
        assert isinstance(made, models.TokenCreated)
        editor = riskreg_client.AuthenticatedClient(base_url=base_url, token=made.token)

        create_risk = _operation("risks", "create_risk")
        for ref, title in (("CP01", "Insufficient staff"), ("CP02", "Total failure of ICT systems")):
            risk = create_risk.sync(
                client=editor,
                code="CP",
                body=models.RiskCreate(
                    ref=ref,
                    title=title,
                    response=models.RiskResponse.TREAT,
                    residual=models.AssessmentIn(likelihood=2, impact=3),
                ),
            )
            assert isinstance(risk, models.RiskPublic), risk

        review_service = _operation("risks", "review_service")
        recorded = review_service.sync(
            client=editor,
            code="CP",
            body=models.ServiceReviewCreate(
                reviewer="Head of Community Partnerships",
                reviews=[
                    models.ServiceReviewItem(
                        ref="CP01", residual=models.AssessmentIn(likelihood=3, impact=3)
                    ),
                    models.ServiceReviewItem(
                        ref="CP02",
                        residual=models.AssessmentIn(likelihood=1, impact=2),
                        response=models.RiskResponse.TOLERATE,
                    ),
                ],
            ),
        )
        assert isinstance(recorded, models.ServiceReviewPublic), recorded
        assert [(r.ref, r.score, r.previous_score, r.direction) for r in recorded.reviews] == [
            ("CP01", 9, 6, models.Direction.UP),
            ("CP02", 2, 6, models.Direction.DOWN),
        ]

        refused = review_service.sync_detailed(
            client=editor,
            code="CP",
            body=models.ServiceReviewCreate(
                reviews=[
                    models.ServiceReviewItem(
                        ref="CP01", residual=models.AssessmentIn(likelihood=1, impact=1)
                    ),
                    models.ServiceReviewItem(
                        ref="CP02", residual=models.AssessmentIn(likelihood=9, impact=2)
                    ),
                ]
            ),
        )
        assert refused.status_code == 422
        problem = refused.parsed
        assert isinstance(problem, models.Problem), refused.content
        assert [(e.field, e.loc) for e in problem.errors] == [
            ("body.reviews.1.residual.likelihood", ["body", "reviews", 1, "residual", "likelihood"])
        ]

        page = _operation("risks", "list_risks").sync(client=editor, service=["CP"], sort="ref")
        assert isinstance(page, models.RiskPage), page
        # The refused round changed nothing: the scores are the first round's.
        assert [(r.ref, r.residual.score, r.response) for r in page.items] == [
            ("CP01", 9, "treat"),
            ("CP02", 2, "tolerate"),
        ]
        assert page.basis == models.Basis.RESIDUAL

        # The README's example, as printed there, on this server with the editor's token.
        readme: dict[str, Any] = {"TOKEN": made.token}
        exec(_readme_example().replace(README_URL, base_url), readme)
        answer = readme["answer"]
        assert isinstance(answer, models.ServiceReviewPublic), answer
        assert [(r.ref, r.score, r.direction) for r in answer.reviews] == [("CP01", 6, models.Direction.DOWN)]
