"""A risk's category: one of the council's list, shown, changed, filtered on and reported."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient

from app.access.principal import Role
from tests.api.builders import make_risk, make_service


def test_the_categories_are_the_orange_books(client: TestClient) -> None:
    listed = client.get("/api/v1/categories")
    assert listed.status_code == 200
    assert listed.json()[:3] == ["strategy", "governance", "operations"]
    assert len(listed.json()) == 13


def test_a_risk_carries_its_category_through_the_api_and_the_register(client: TestClient) -> None:
    make_service(client)
    ict = make_risk(client, ref="CP01", category="technology")
    make_risk(client, ref="CP02")
    assert ict["category"] == "technology"
    listed = client.get("/api/v1/risks", params={"category": "technology"}).json()
    assert [r["ref"] for r in listed["items"]] == ["CP01"]
    etag = client.get(f"/api/v1/risks/{ict['id']}").headers["etag"]
    moved = client.patch(
        f"/api/v1/risks/{ict['id']}", json={"category": "information"}, headers={"If-Match": etag}
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["category"] == "information"
    register = client.get("/api/v1/reports/register", params={"service": "CP", "format": "csv"})
    rows = {r["ref"]: r for r in csv.DictReader(io.StringIO(register.text))}
    assert (rows["CP01"]["category"], rows["CP02"]["category"]) == ("information", "")


def test_a_category_outside_the_list_is_refused_naming_it(client: TestClient) -> None:
    make_service(client)
    response = client.post(
        "/api/v1/services/CP/risks",
        json={"ref": "CP01", "title": "t", "response": "treat", "category": "weather"},
    )
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["body.category"]
    assert client.get("/api/v1/risks", params={"category": "weather"}).status_code == 422


def test_a_deployment_replaces_the_list_with_its_own_file(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from app.main import create_app
    from tests.conftest import make_token

    own = tmp_path / "categories.toml"
    own.write_text('categories = ["safeguarding", "climate", "technology"]\n', encoding="utf-8")
    app = create_app(settings.model_copy(update={"categories_file": own}))
    token = make_token(app.state.engine, Role.ADMIN)
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as client:
        assert client.get("/api/v1/categories").json() == ["safeguarding", "climate", "technology"]
        make_service(client)
        assert make_risk(client, ref="CP01", category="climate")["category"] == "climate"
        refused = client.post(
            "/api/v1/services/CP/risks",
            json={"ref": "CP02", "title": "t", "response": "treat", "category": "strategy"},
        )
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == "body.category"
        assert client.get("/api/v1/risks", params={"category": "climate"}).json()["total"] == 1
        assert client.get("/api/v1/risks", params={"category": "strategy"}).status_code == 422
        refused = client.put(
            "/api/v1/appetite",
            json={
                "approved_by": "Cabinet",
                "approved_on": "2026-01-01",
                "categories": [{"category": "strategy", "level": "open"}],
            },
        )
        assert refused.json()["errors"][0]["field"] == "body.categories.0.category"
        made = client.put(
            "/api/v1/appetite",
            json={
                "approved_by": "Cabinet",
                "approved_on": "2026-01-01",
                "categories": [{"category": "climate", "level": "open"}],
            },
        )
        assert made.status_code == 201, made.text
    app.state.engine.dispose()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("categories = []", "non-empty list"),
        ('categories = ["Weather"]', "lower-case"),
        ('categories = ["a", "a"]', "listed twice"),
        ("categories = [", "not valid TOML"),
        ('names = ["a"]', "non-empty list"),
    ],
)
def test_a_bad_categories_file_is_refused_naming_the_problem(tmp_path, text: str, problem: str) -> None:  # type: ignore[no-untyped-def]
    from app.scoring import CategoriesError, load_categories

    bad = tmp_path / "categories.toml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(CategoriesError, match=problem):
        load_categories(bad)


@pytest.mark.parametrize(
    ("setting", "text", "line"),
    [
        (
            "RISKREG_CATEGORIES_FILE",
            'categories = ["Weather"]',
            "category 'Weather' must be lower-case letters, digits, _ or -, starting with a letter, "
            "at most 40 characters",
        ),
        ("RISKREG_MATRIX_FILE", 'name = "m"', "likelihood must be a list of tables"),
    ],
)
def test_serve_stops_on_a_bad_categories_or_matrix_file_with_one_line(  # type: ignore[no-untyped-def]
    tmp_path, setting: str, text: str, line: str
) -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    bad = tmp_path / "bad.toml"
    bad.write_text(text, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RISKREG_")}
    env |= {
        setting: str(bad),
        "RISKREG_DATABASE_URL": f"sqlite:///{tmp_path / 'r.sqlite3'}",
        "COLUMNS": "300",
    }
    riskreg = Path(sys.executable).with_name("riskreg")
    done = subprocess.run(
        [str(riskreg), "serve", "--port", "0"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    (shown,) = [printed for printed in done.stderr.splitlines() if printed.strip()]
    assert shown.startswith("error: ")
    assert shown.endswith(line)
    assert not (tmp_path / "r.sqlite3").exists()  # stopped before opening the database
