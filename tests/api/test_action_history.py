"""An action as of a past day (status, due date, completion, notes and the list's filters, from its
dated events), and its history from the audit trail."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import col

from app.clock import today
from app.db import transaction
from app.models import Action, ActionEvent
from tests.api.builders import field_names, make_action, make_risk, make_service
from tests.api.test_actions import as_editor_of, get_action


def day(offset: int) -> date:
    return today() + timedelta(days=offset)


def recorded_days_ago(app: FastAPI, action_id: int, days: int) -> None:
    """Make an action recorded `days` ago: its creation and first event moved back."""
    with transaction(app.state.engine) as session:
        then = datetime.now(UTC) - timedelta(days=days)
        session.execute(update(Action).where(col(Action.id) == action_id).values(created_at=then))
        session.execute(
            update(ActionEvent).where(col(ActionEvent.action_id) == action_id).values(effective_on=day(-days))
        )


def as_of(client: TestClient, action_id: int, offset: int) -> dict[str, Any]:
    response = client.get(f"/api/v1/actions/{action_id}", params={"as_of": day(offset).isoformat()})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def listed(client: TestClient, offset: int | None = None, **params: Any) -> list[int]:
    if offset is not None:
        params["as_of"] = day(offset).isoformat()
    response = client.get("/api/v1/actions", params=params)
    assert response.status_code == 200, response.text
    return [a["id"] for a in response.json()["items"]]


def patch(client: TestClient, action_id: int, **fields: Any) -> dict[str, Any]:
    _, etag = get_action(client, action_id)
    response = client.patch(f"/api/v1/actions/{action_id}", json=fields, headers={"If-Match": etag})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
def risk_id(client: TestClient) -> int:
    make_service(client)
    return int(make_risk(client)["id"])


def test_a_moved_due_date_is_overdue_only_while_it_had_passed(
    app: FastAPI, client: TestClient, risk_id: int
) -> None:
    action = make_action(client, risk_id, due_on=day(-5))
    recorded_days_ago(app, action["id"], 20)
    patch(client, action["id"], due_on=day(30).isoformat())
    before = as_of(client, action["id"], -10)
    assert (before["status"], before["due_on"], before["overdue"]) == ("planned", day(-5).isoformat(), False)
    late = as_of(client, action["id"], -3)
    assert (late["due_on"], late["overdue"]) == (day(-5).isoformat(), True)
    now = as_of(client, action["id"], 0)
    assert (now["due_on"], now["overdue"]) == (day(30).isoformat(), False)
    assert listed(client, -3, overdue="true") == [action["id"]]
    assert listed(client, overdue="true") == listed(client, 0, overdue="true") == []
    assert listed(client, -10, due_within=7) == [action["id"]]  # due from day -10 to day -3
    assert listed(client, due_within=7) == []
    assert listed(client, -21) == []  # not yet recorded


def test_status_completion_and_notes_as_of_a_day(app: FastAPI, client: TestClient, risk_id: int) -> None:
    action = make_action(client, risk_id, due_on=day(60))
    recorded_days_ago(app, action["id"], 20)
    url = f"/api/v1/actions/{action['id']}/updates"
    for offset, note in ((-15, "Posts advertised"), (-2, "Caseworkers in post")):
        assert client.post(url, json={"on": day(offset).isoformat(), "note": note}).status_code == 201
    patch(client, action["id"], status="done", completed_on=day(-8).isoformat())
    early = as_of(client, action["id"], -12)
    assert (early["status"], early["completed_on"]) == ("planned", None)
    assert [u["note"] for u in early["updates"]] == ["Posts advertised"]
    done = as_of(client, action["id"], -8)
    assert (done["status"], done["completed_on"]) == ("done", day(-8).isoformat())
    assert listed(client, -9, status="done") == []
    assert listed(client, -1, status="done") == [action["id"]]
    assert len(as_of(client, action["id"], 0)["updates"]) == 2
    # Reopened today: done until yesterday, in progress from today.
    patch(client, action["id"], status="in_progress")
    assert as_of(client, action["id"], -1)["status"] == "done"
    reopened = as_of(client, action["id"], 0)
    assert (reopened["status"], reopened["completed_on"]) == ("in_progress", None)
    assert get_action(client, action["id"])[0]["status"] == "in_progress"


def test_a_correction_recorded_later_wins_for_the_days_it_covers(
    app: FastAPI, client: TestClient, risk_id: int
) -> None:
    action = make_action(client, risk_id, due_on=day(60))
    recorded_days_ago(app, action["id"], 20)
    patch(client, action["id"], status="in_progress")  # today
    patch(client, action["id"], status="done", completed_on=day(-10).isoformat())  # done before that
    assert as_of(client, action["id"], -11)["status"] == "planned"
    assert as_of(client, action["id"], -10)["status"] == "done"
    assert as_of(client, action["id"], 0)["status"] == "done"


def test_an_action_recorded_done_exists_from_the_day_it_was_done(client: TestClient, risk_id: int) -> None:
    action = make_action(client, risk_id, status="done", completed_on=day(-3).isoformat())
    assert as_of(client, action["id"], -3)["status"] == "done"
    assert (
        client.get(f"/api/v1/actions/{action['id']}", params={"as_of": day(-4).isoformat()}).status_code
        == 404
    )
    fresh = make_action(client, risk_id)
    missing = client.get(f"/api/v1/actions/{fresh['id']}", params={"as_of": day(-1).isoformat()})
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert listed(client, -1) == [action["id"]]


@pytest.mark.parametrize("value", [day(1).isoformat(), "1999-12-31", "yesterday"])
def test_a_bad_as_of_is_refused_naming_it(client: TestClient, risk_id: int, value: str) -> None:
    action = make_action(client, risk_id)
    for url in ("/api/v1/actions", f"/api/v1/actions/{action['id']}"):
        response = client.get(url, params={"as_of": value})
        assert response.status_code == 422, response.text
        assert field_names(response) == ["query.as_of"]


def test_the_history_lists_every_write_newest_first(app: FastAPI, client: TestClient, risk_id: int) -> None:
    action = make_action(client, risk_id)
    assert client.post(f"/api/v1/actions/{action['id']}/updates", json={"note": "Started"}).status_code == 201
    patch(client, action["id"], owner="Another post")
    other = make_action(client, risk_id)
    response = client.get(f"/api/v1/actions/{action['id']}/history", params={"page_size": 2})
    assert response.status_code == 200, response.text
    assert response.headers["X-Total-Count"] == "3"
    assert [e["action"] for e in response.json()] == ["action.update", "action.progress"]
    assert response.json()[0]["after"]["owner"] == "Another post"
    rest = client.get(f"/api/v1/actions/{action['id']}/history", params={"page_size": 2, "page": 2}).json()
    assert [(e["action"], e["entity_id"]) for e in rest] == [("action.create", str(action["id"]))]
    assert [e["action"] for e in client.get(f"/api/v1/actions/{other['id']}/history").json()] == [
        "action.create"
    ]
    make_service(client, "HS", "Housing")
    assert as_editor_of(app, "HS").get(f"/api/v1/actions/{action['id']}/history").status_code == 404
    assert client.get("/api/v1/actions/999999/history").status_code == 404
