"""Importing plans into the register: what lands, idempotence, all or nothing, bad input."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from app.models import AuditEvent, ControlMeasure, Review, Risk, Service

PLANS = Path(__file__).parent.parent / "fixtures" / "plans"


def _import(client: TestClient, name: str, *, dry_run: bool, **extra: object):  # type: ignore[no-untyped-def]
    text = (PLANS / name).read_text(encoding="utf-8")
    return client.post("/api/v1/imports", json={"text": text, "filename": name, "dry_run": dry_run} | extra)


def _counts(client: TestClient) -> tuple[int, ...]:
    with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
        return tuple(
            session.exec(select(func.count()).select_from(model)).one()
            for model in (Service, Risk, Review, ControlMeasure, AuditEvent)
        )


def test_dry_run_reports_and_changes_nothing(client: TestClient) -> None:
    before = _counts(client)
    response = _import(client, "community-partnerships-2019-2022.txt", dry_run=True)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["service"] == "CP"
    assert body["service_name"] == "Community Partnerships"
    assert [r["ref"] for r in body["risks"]] == [f"CP{n:02d}" for n in range(1, 15)]
    assert all(r["action"] == "create" for r in body["risks"])
    # The published ratings are kept as published: band and score, no likelihood or impact.
    assert body["risks"][3]["residual"] == {"likelihood": None, "impact": None, "score": 6, "band": "Medium"}
    assert body["risks"][3]["published"] == "Medium 6"
    gaps = [f for f in body["findings"] if f["code"] == "no-likelihood-impact"]
    assert len(gaps) == 14
    assert _counts(client) == before


@pytest.mark.parametrize("dry_run", [0, "no", "false", "off"])
def test_dry_run_is_a_boolean_not_a_word_or_number(client: TestClient, dry_run: object) -> None:
    """`dry_run: 0` (or "no") is refused, not read as false: it would import for real (found by fuzzing)."""
    before = _counts(client)
    response = _import(client, "community-partnerships-2019-2022.txt", dry_run=dry_run)  # type: ignore[arg-type]
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["body.dry_run"]
    assert _counts(client) == before


def test_full_register_imports_unassessed_with_controls_and_aliases(client: TestClient) -> None:
    response = _import(client, "community-partnerships-2019-2022.txt", dry_run=False)
    assert response.status_code == 201, response.text
    assert response.json()["created"] == 14
    risks = client.get("/api/v1/risks", params={"service": "CP", "page_size": 50, "sort": "ref"}).json()[
        "items"
    ]
    assert len(risks) == 14
    cp06 = next(r for r in risks if r["ref"] == "CP06")
    assert cp06["aliases"] == ["ST05"]
    # the plan gives no separate likelihood and impact: its rating is kept as published
    assert cp06["residual"] == {"likelihood": None, "impact": None, "score": 2, "band": "Low"}
    reviews = client.get(f"/api/v1/risks/{cp06['id']}/reviews").json()
    assert [(r["reviewed_on"], r["score"], r["residual"]["likelihood"]) for r in reviews] == [
        ("2019-04-01", 2, None)
    ]
    assert cp06["response"] == "treat"
    assert "Participation in Families First" in " ".join(cp06["controls"])
    cp04 = next(r for r in risks if r["ref"] == "CP04")
    assert cp04["controls"] == ["Existing corporate procedures", "internal audit"]
    assert cp04["opened_on"] == "2019-04-01"


def test_residual_table_imports_assessments_as_reviews(client: TestClient) -> None:
    response = _import(client, "corporate-services-2020-2023.txt", dry_run=False, reviewed_on="2020-04-01")
    assert response.status_code == 201, response.text
    risks = client.get("/api/v1/risks", params={"service": "CS", "sort": "ref"}).json()["items"]
    assert [r["ref"] for r in risks] == [f"CS{n:02d}" for n in range(1, 10)]
    fraud = next(r for r in risks if r["title"] == "Fraudulent activity")
    assert fraud["residual"] == {"likelihood": 1, "impact": 2, "score": 2, "band": "Low"}
    history = client.get(f"/api/v1/risks/{fraud['id']}/reviews").json()
    assert len(history) == 1
    assert history[0]["reviewed_on"] == "2020-04-01"
    assert history[0]["direction"] == "new"
    # history brought in from a plan names its source instead of being a late entry
    assert (history[0]["late"], history[0]["notes"].startswith("Imported from")) == (False, True)
    events = client.get(f"/api/v1/risks/{fraud['id']}/status").json()
    assert [(e["status"], e["status_on"], e["late"]) for e in events] == [("open", "2020-04-01", False)]


def test_importing_twice_changes_nothing_the_second_time(client: TestClient) -> None:
    assert _import(client, "corporate-services-2020-2023.txt", dry_run=False).status_code == 201
    after_first = _counts(client)
    second = _import(client, "corporate-services-2020-2023.txt", dry_run=False)
    assert second.status_code == 200  # ran, and changed nothing
    assert second.json()["created"] == 0
    assert all(r["action"] == "exists" for r in second.json()["risks"])
    counts = _counts(client)
    assert counts[:4] == after_first[:4]  # services, risks, reviews, controls unchanged


def test_inconsistent_published_score_is_imported_as_published_and_reported(client: TestClient) -> None:
    response = _import(client, "housing-services-2021-2024.md", dry_run=False, reviewed_on="2021-04-01")
    assert response.status_code == 201, response.text
    findings = [f for f in response.json()["findings"] if f["code"] == "score-mismatch"]
    assert findings, response.json()["findings"]
    ref = findings[0]["ref"]
    risk = client.get("/api/v1/risks", params={"q": ref, "service": response.json()["service"]}).json()[
        "items"
    ][0]
    reviews = client.get(f"/api/v1/risks/{risk['id']}/reviews").json()
    assert "publishes score" in reviews[0]["notes"]


@pytest.mark.parametrize("name", ["recipe.txt", "leisure-no-risk-table.txt"])
def test_unrelated_or_tableless_text_is_refused_and_changes_nothing(client: TestClient, name: str) -> None:
    before = _counts(client)
    response = _import(client, name, dry_run=False)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert name in response.json()["detail"]
    assert _counts(client) == before


def test_binary_text_is_refused(client: TestClient) -> None:
    before = _counts(client)
    response = client.post("/api/v1/imports", json={"text": "\x00\x01\x02PK\x03\x04" * 200, "dry_run": False})
    assert response.status_code == 422
    assert _counts(client) == before


def test_import_is_for_admins_only(client: TestClient, app) -> None:  # type: ignore[no-untyped-def]
    from app.access.principal import Role
    from tests.conftest import make_token

    auditor = make_token(app.state.engine, Role.AUDITOR, name="import-auditor")
    text = (PLANS / "corporate-services-2020-2023.txt").read_text(encoding="utf-8")
    response = client.post(
        "/api/v1/imports", json={"text": text}, headers={"Authorization": f"Bearer {auditor}"}
    )
    assert response.status_code == 403


def test_cli_import_dry_run_then_import(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from app.cli import cli
    from app.config import get_settings

    monkeypatch.setenv("RISKREG_DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        plan = str(PLANS / "corporate-services-2020-2023.txt")
        # The plan has findings to resolve (refs given to rows without one): exit 1, import run.
        dry = runner.invoke(cli, ["import", plan, "--dry-run"])
        assert dry.exit_code == 1, dry.output
        assert "would import 9 risk(s)" in dry.output
        strict = runner.invoke(cli, ["import", plan, "--strict"])
        assert strict.exit_code == 1, strict.output
        assert "nothing imported" in strict.output
        done = runner.invoke(cli, ["import", plan, "--reviewed-on", date(2020, 4, 1).isoformat()])
        assert done.exit_code == 1, done.output
        assert "imported 9 risk(s)" in done.output
        # Again: every row matches its risk (by title, the rows having no refs): clean, nothing changes.
        again = runner.invoke(cli, ["import", plan])
        assert again.exit_code == 0, again.output
        assert "imported 0 risk(s)" in again.output
        assert "has been given" not in again.output
        bad = runner.invoke(cli, ["import", str(PLANS / "recipe.txt")])
        assert bad.exit_code == 2
    finally:
        get_settings.cache_clear()


CATEGORISED = """HOUSING SERVICES SERVICE PLAN 2021 - 2024

| Ref | Nature of Risk | Category | Consequence | Control Measures | Response | Risk Rating |
|-----|----------------|----------|-------------|------------------|----------|-------------|
| HS01 | Homelessness demand | People | Families in temporary accommodation | Prevention fund; Lettings agency | Treat | High - 8 |
| HS02 | Flooding of the depot | Weather | Loss of vehicles | Insurance | Transfer | Low - 4 |
"""


def test_a_category_column_is_imported_and_an_unknown_one_is_a_finding(client: TestClient) -> None:
    done = client.post(
        "/api/v1/imports",
        json={"text": CATEGORISED, "filename": "hs.md", "service_code": "HS", "dry_run": False},
    )
    assert done.status_code == 201, done.text
    findings = [f for f in done.json()["findings"] if f["code"] == "unknown-category"]
    assert [(f["ref"], f["severity"]) for f in findings] == [("HS02", "warning")]
    listed = {
        r["ref"]: r["category"] for r in client.get("/api/v1/risks", params={"service": "HS"}).json()["items"]
    }
    assert listed == {"HS01": "people", "HS02": None}
