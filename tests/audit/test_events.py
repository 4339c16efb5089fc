"""`GET /api/v1/audit/events`: the trail for auditors, filtered, newest first, paginated."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi import FastAPI

from app.config import Settings
from app.main import create_app
from app.models.base import utcnow
from tests.access.seed import B, World, seed


def events(world: World, **params: Any) -> dict[str, Any]:
    """The auditor's page of the trail for `params`."""
    response = world.auditor.get("/api/v1/audit/events", params=params)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


def test_the_whole_trail_newest_first_and_paginated(app: FastAPI) -> None:
    world = seed(app)
    everything = events(world, page_size=200)
    ids = [e["id"] for e in everything["items"]]
    assert ids == sorted(ids, reverse=True)
    assert everything["total"] == len(ids) == 10
    first, second = events(world, page_size=4), events(world, page_size=4, page=3)
    assert (first["total"], first["pages"], first["page"], first["page_size"]) == (10, 3, 1, 4)
    assert [e["id"] for e in first["items"]] == ids[:4]
    assert [e["id"] for e in second["items"]] == ids[8:]
    assert events(world, page=9)["items"] == []
    assert world.auditor.get("/api/v1/audit/events", params={"page_size": 201}).status_code == 422
    assert world.auditor.get("/api/v1/audit/events", params={"page": 0}).status_code == 422


def test_filters_by_entity_actor_service_and_action(app: FastAPI) -> None:
    world = seed(app)
    about_b = events(world, entity_type="risk", entity_id=str(world.risk_b))
    assert [e["action"] for e in about_b["items"]] == ["risk.review", "risk.create"]
    by_admin = events(world, actor="admin")["items"]
    assert by_admin
    assert {e["actor"] for e in by_admin} == {"admin"}
    by_system = events(world, actor="system (command line)")["items"]
    assert {e["action"] for e in by_system} == {"token.create"}
    in_b = events(world, service=B.lower())["items"]
    assert {e["service_code"] for e in in_b} == {B}
    assert {e["action"] for e in in_b} == {"service.create", "risk.create", "risk.review", "action.create"}
    assert events(world, action="risk.review", service=B)["total"] == 1
    assert events(world, entity_type="token")["total"] == 4
    assert events(world, actor="nobody")["total"] == 0


def test_filters_by_time_in_utc(app: FastAPI) -> None:
    world = seed(app)
    items = events(world)["items"]
    day = utcnow().date()
    assert events(world, **{"from": day.isoformat()})["total"] == len(items)
    assert events(world, **{"from": (day - timedelta(days=2)).isoformat()})["total"] == len(items)
    assert events(world, to=(day - timedelta(days=2)).isoformat())["total"] == 0
    assert events(world, **{"from": (day + timedelta(days=2)).isoformat()})["total"] == 0
    middle = items[4]
    since = events(world, **{"from": middle["occurred_at"]})["items"]
    until = events(world, to=middle["occurred_at"])["items"]
    assert middle["id"] in [e["id"] for e in since]
    assert middle["id"] in [e["id"] for e in until]  # `to` includes its moment
    assert {e["id"] for e in since} | {e["id"] for e in until} == {e["id"] for e in items}
    naive = middle["occurred_at"].removesuffix("Z").split("+")[0]
    assert events(world, to=naive)["total"] == len(until)  # no zone: UTC


@pytest.mark.parametrize("value", ["yesterday", "2025-13-01", "2025-01-01T25:00"])
def test_a_bad_time_is_refused(app: FastAPI, value: str) -> None:
    world = seed(app)
    response = world.auditor.get("/api/v1/audit/events", params={"from": value})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.from"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("to", "9999-12-31"),
        ("from", "0001-01-01"),
        ("to", "0001-01-01T00:00:00+05:00"),
        ("from", "9999-12-31T23:59:59-05:00"),
        ("from", "1999-12-31"),
        ("to", "3000-01-01"),
    ],
)
def test_a_time_outside_the_accepted_years_is_refused_naming_it(app: FastAPI, name: str, value: str) -> None:
    world = seed(app)
    response = world.auditor.get("/api/v1/audit/events", params={name: value})
    assert response.status_code == 422, response.text
    problem = response.json()["errors"][0]
    assert problem["field"] == f"query.{name}"
    assert "2000-01-01" in problem["msg"]


def test_the_accepted_years_start_at_the_setting(settings: Settings) -> None:
    older = create_app(settings.model_copy(update={"earliest_date": date(1990, 1, 1)}))
    try:
        world = seed(older)
        assert events(world, **{"from": "1995-06-30"})["total"] == 10
        assert world.auditor.get("/api/v1/audit/events", params={"from": "1989-12-31"}).status_code == 422
    finally:
        older.state.engine.dispose()


@pytest.mark.parametrize("name", ["actor", "entity_id", "entity_type", "service", "action"])
def test_a_nul_in_a_text_filter_is_refused_naming_it(app: FastAPI, name: str) -> None:
    world = seed(app)
    response = world.auditor.get("/api/v1/audit/events", params={name: "adm\x00in"})
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == f"query.{name}"
