"""Actions: recording on open risks, reading with ETag, PATCH with If-Match, progress notes, the list,
service scoping, and one audit entry per write (none for a refused one)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import col

from app.access.principal import Role
from app.clock import today
from app.db import transaction
from app.models import Action
from tests.api.builders import close_risk, field_names, make_action, make_risk, make_service
from tests.conftest import make_token


@pytest.fixture
def risk_id(client: TestClient) -> int:
    """An open risk of service CP."""
    make_service(client)
    return int(make_risk(client)["id"])


def trail(client: TestClient, **filters: Any) -> list[dict[str, Any]]:
    """The audit entries about actions, newest first."""
    response = client.get(
        "/api/v1/audit/events", params={"entity_type": "action", "page_size": 200} | filters
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def get_action(client: TestClient, action_id: int) -> tuple[dict[str, Any], str]:
    """The action and its ETag."""
    response = client.get(f"/api/v1/actions/{action_id}")
    assert response.status_code == 200, response.text
    return response.json(), response.headers["ETag"]


def as_editor_of(app: FastAPI, code: str) -> TestClient:
    """A client with an editor token for one service."""
    token = make_token(app.state.engine, Role.EDITOR, [code], name=f"editor-{code.lower()}")
    return TestClient(app, raise_server_exceptions=False, headers={"Authorization": f"Bearer {token}"})


def test_an_action_is_recorded_with_one_audit_entry(client: TestClient, risk_id: int) -> None:
    response = client.post(
        f"/api/v1/risks/{risk_id}/actions",
        json={"description": "Recruit caseworkers", "owner": "Safety Manager", "due_on": "2030-03-31"},
    )
    assert response.status_code == 201, response.text
    action = response.json()
    assert {k: action[k] for k in ("risk_id", "description", "owner", "due_on", "status")} == {
        "risk_id": risk_id,
        "description": "Recruit caseworkers",
        "owner": "Safety Manager",
        "due_on": "2030-03-31",
        "status": "planned",
    }
    assert (action["completed_on"], action["overdue"], action["version"], action["updates"]) == (
        None,
        False,
        1,
        [],
    )
    assert (action["service"], action["risk_ref"]) == ("CP", "CP01")
    assert response.headers["Location"] == f"/api/v1/actions/{action['id']}"
    assert response.headers["ETag"] == get_action(client, action["id"])[1] == f'"action-{action["id"]}-1"'
    (entry,) = trail(client)
    assert (entry["action"], entry["entity_id"], entry["service_code"]) == (
        "action.create",
        str(action["id"]),
        "CP",
    )
    assert entry["before"] is None
    assert entry["after"]["owner"] == "Safety Manager"
    assert entry["after"]["due_on"] == "2030-03-31"


def test_done_sets_the_completion_date_and_any_other_status_clears_it(
    client: TestClient, risk_id: int
) -> None:
    done_today = make_action(client, risk_id, status="done")
    assert done_today["completed_on"] == today().isoformat()
    earlier = (today() - timedelta(days=3)).isoformat()
    done_earlier = make_action(client, risk_id, status="done", completed_on=earlier)
    assert done_earlier["completed_on"] == earlier
    _, etag = get_action(client, done_earlier["id"])
    still_done = client.patch(
        f"/api/v1/actions/{done_earlier['id']}", json={"owner": "Another post"}, headers={"If-Match": etag}
    )
    assert (still_done.json()["status"], still_done.json()["completed_on"]) == ("done", earlier)
    reopened = client.patch(
        f"/api/v1/actions/{done_earlier['id']}",
        json={"status": "in_progress"},
        headers={"If-Match": still_done.headers["ETag"]},
    )
    assert reopened.status_code == 200, reopened.text
    assert (reopened.json()["status"], reopened.json()["completed_on"]) == ("in_progress", None)
    done_again = client.patch(
        f"/api/v1/actions/{done_earlier['id']}",
        json={"status": "done"},
        headers={"If-Match": reopened.headers["ETag"]},
    )
    assert done_again.json()["completed_on"] == today().isoformat()


def test_overdue_when_the_due_date_has_passed_and_not_done_or_cancelled(
    client: TestClient, risk_id: int
) -> None:
    yesterday = today() - timedelta(days=1)
    late = make_action(client, risk_id, due_on=yesterday)
    due_today = make_action(client, risk_id, due_on=today())
    finished = make_action(client, risk_id, due_on=yesterday, status="done")
    dropped = make_action(client, risk_id, due_on=yesterday, status="cancelled")
    assert [a["overdue"] for a in (late, due_today, finished, dropped)] == [True, False, False, False]
    listed = client.get("/api/v1/actions", params={"overdue": "true"}).json()
    assert [a["id"] for a in listed["items"]] == [late["id"]]
    not_overdue = client.get("/api/v1/actions", params={"overdue": "false"}).json()
    assert {a["id"] for a in not_overdue["items"]} == {due_today["id"], finished["id"], dropped["id"]}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "started"}, "body.status"),
        ({"due_on": "1999-12-31"}, "body.due_on"),
        ({"due_on": "31/03/2030"}, "body.due_on"),
        ({"owner": "   "}, "body.owner"),
        ({"description": ""}, "body.description"),
        ({"completed_on": "2025-01-01"}, "body.completed_on"),  # not done
        ({"status": "done", "completed_on": "2999-01-01"}, "body.completed_on"),  # in the future
        ({"risk": 1}, "body.risk"),
    ],
)
def test_a_bad_action_is_refused_naming_the_field_and_nothing_is_written(
    client: TestClient, risk_id: int, body: dict[str, Any], field: str
) -> None:
    sent = {"description": "Recruit", "owner": "Manager", "due_on": "2030-03-31"} | body
    response = client.post(f"/api/v1/risks/{risk_id}/actions", json=sent)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in field_names(response)
    assert client.get(f"/api/v1/risks/{risk_id}/actions").json() == []
    assert trail(client) == []


def test_an_action_on_a_closed_risk_is_refused_409_naming_the_risk(client: TestClient, risk_id: int) -> None:
    close_risk(client, risk_id)
    response = client.post(
        f"/api/v1/risks/{risk_id}/actions",
        json={"description": "Late", "owner": "Manager", "due_on": "2030-03-31"},
    )
    assert response.status_code == 409, response.text
    assert field_names(response) == ["path.risk_id"]
    assert client.get(f"/api/v1/risks/{risk_id}/actions").json() == []
    assert trail(client) == []
    assert client.post("/api/v1/risks/999999/actions", json={}).status_code in (404, 422)


def test_patch_needs_a_current_strong_if_match(client: TestClient, risk_id: int) -> None:
    action = make_action(client, risk_id)
    url = f"/api/v1/actions/{action['id']}"
    _, etag = get_action(client, action["id"])
    assert client.patch(url, json={"owner": "Someone"}).status_code == 428
    assert client.patch(url, json={"owner": "Someone"}, headers={"If-Match": f"W/{etag}"}).status_code == 412
    assert (
        client.patch(url, json={"owner": "Someone"}, headers={"If-Match": '"action-1-0"'}).status_code == 412
    )
    assert trail(client, action="action.update") == []
    changed = client.patch(url, json={"owner": "Someone", "due_on": "2031-01-31"}, headers={"If-Match": etag})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["owner"], changed.json()["due_on"], changed.json()["version"]) == (
        "Someone",
        "2031-01-31",
        2,
    )
    assert changed.headers["ETag"] != etag
    stale = client.patch(url, json={"owner": "Someone else"}, headers={"If-Match": etag})
    assert stale.status_code == 412
    (entry,) = trail(client, action="action.update")
    assert entry["before"] == {"due_on": "2030-03-31", "owner": "Community Safety Manager", "version": 1}
    assert entry["after"] == {"due_on": "2031-01-31", "owner": "Someone", "version": 2}
    assert get_action(client, action["id"])[0]["owner"] == "Someone"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "unknown"}, "body.status"),
        ({"owner": None}, "body.owner"),
        ({}, "body"),
        ({"due_on": "1999-01-01"}, "body.due_on"),
    ],
)
def test_a_bad_patch_is_refused_and_changes_nothing(
    client: TestClient, risk_id: int, body: dict[str, Any], field: str
) -> None:
    action = make_action(client, risk_id)
    _, etag = get_action(client, action["id"])
    response = client.patch(f"/api/v1/actions/{action['id']}", json=body, headers={"If-Match": etag})
    assert response.status_code == 422, response.text
    assert field in field_names(response)
    assert get_action(client, action["id"]) == (action, etag)
    assert [e["action"] for e in trail(client)] == ["action.create"]


def test_progress_notes_are_appended_in_date_order(app: FastAPI, client: TestClient, risk_id: int) -> None:
    action = make_action(client, risk_id)
    url = f"/api/v1/actions/{action['id']}/updates"
    # Recorded ten days ago, so that notes can be dated on the days since.
    with transaction(app.state.engine) as session:
        ten_days_ago = datetime.now(UTC) - timedelta(days=10)
        session.execute(update(Action).where(col(Action.id) == action["id"]).values(created_at=ten_days_ago))
    later, earlier = (today() - timedelta(days=n) for n in (2, 5))
    first = client.post(url, json={"on": later.isoformat(), "note": "Interviews held"})
    assert first.status_code == 201, first.text
    assert (first.json()["on"], first.json()["note"]) == (later.isoformat(), "Interviews held")
    second = client.post(url, json={"on": earlier.isoformat(), "note": "Posts advertised"})
    assert second.status_code == 201, second.text
    undated = client.post(url, json={"note": "Started"})
    assert undated.json()["on"] == today().isoformat()
    body, etag = get_action(client, action["id"])
    assert [(u["on"], u["note"]) for u in body["updates"]] == [
        (earlier.isoformat(), "Posts advertised"),
        (later.isoformat(), "Interviews held"),
        (today().isoformat(), "Started"),
    ]
    assert body["version"] == 4
    assert etag == undated.headers["ETag"]
    entries = trail(client, action="action.progress")
    assert len(entries) == 3
    assert entries[-1]["after"] == {
        "version": 2,
        "update": {"on": later.isoformat(), "note": "Interviews held"},
    }
    # Never edited: there is no route to change or remove a note.
    assert client.patch(f"{url}/1", json={"note": "x"}).status_code in (404, 405)


@pytest.mark.parametrize("days", [1, -11])
def test_a_note_in_the_future_or_before_the_action_is_refused(
    app: FastAPI, client: TestClient, risk_id: int, days: int
) -> None:
    action = make_action(client, risk_id)
    with transaction(app.state.engine) as session:
        ten_days_ago = datetime.now(UTC) - timedelta(days=10)
        session.execute(update(Action).where(col(Action.id) == action["id"]).values(created_at=ten_days_ago))
    on = (today() + timedelta(days=days)).isoformat()
    response = client.post(
        f"/api/v1/actions/{action['id']}/updates", json={"on": on, "note": "Too soon or too late"}
    )
    assert response.status_code == 422, response.text
    assert field_names(response) == ["body.on"]
    found, _ = get_action(client, action["id"])
    assert (found["updates"], found["version"]) == ([], 1)
    assert trail(client, action="action.progress") == []


def test_the_list_filters_and_pages(client: TestClient, risk_id: int) -> None:
    make_service(client, "HS", "Housing")
    other = make_risk(client, "HS", "HS01")
    soon = today() + timedelta(days=10)
    made = [
        make_action(client, risk_id, due_on=soon, owner="Manager A"),
        make_action(
            client, risk_id, due_on=soon + timedelta(days=40), owner="Manager B", status="in_progress"
        ),
        make_action(client, other["id"], due_on=soon + timedelta(days=1), owner="Manager A", status="done"),
        make_action(client, other["id"], due_on=today() - timedelta(days=1), owner="Manager B"),
    ]
    ids = [a["id"] for a in made]

    def listed(**params: Any) -> list[int]:
        response = client.get("/api/v1/actions", params=params)
        assert response.status_code == 200, response.text
        return [a["id"] for a in response.json()["items"]]

    assert listed() == [ids[3], ids[0], ids[2], ids[1]]  # soonest due first
    assert listed(service="HS") == [ids[3], ids[2]]
    assert listed(service=["hs", "CP"]) == [ids[3], ids[0], ids[2], ids[1]]
    assert listed(service="H\x00S") == []
    assert listed(owner="Manager\x00 A") == [ids[0], ids[2]]  # control characters dropped, as when stored
    assert listed(status="in_progress") == [ids[1]]
    assert listed(owner="Manager A") == [ids[0], ids[2]]
    assert listed(due_within=30) == [ids[0]]  # open, due from today to 30 days on
    assert listed(due_within=60) == [ids[0], ids[1]]
    assert listed(owner="Manager B", overdue="true") == [ids[3]]
    page = client.get("/api/v1/actions", params={"page_size": 3, "page": 2}).json()
    assert (page["total"], page["page"], page["page_size"], page["pages"]) == (4, 2, 3, 2)
    assert [a["id"] for a in page["items"]] == [ids[1]]
    for bad in ({"status": "started"}, {"due_within": -1}, {"page_size": 201}, {"overdue": "maybe"}):
        response = client.get("/api/v1/actions", params=bad)
        assert response.status_code == 422, (bad, response.text)
        assert field_names(response) == [f"query.{next(iter(bad))}"]
    assert [a["id"] for a in client.get(f"/api/v1/risks/{risk_id}/actions").json()] == [ids[0], ids[1]]


def test_an_editor_reads_and_changes_only_its_own_services_actions(
    app: FastAPI, client: TestClient, risk_id: int
) -> None:
    make_service(client, "HS", "Housing")
    theirs = make_action(client, make_risk(client, "HS", "HS01")["id"], description="Housing secret")
    ours = make_action(client, risk_id)
    editor = as_editor_of(app, "CP")
    _, their_etag = get_action(client, theirs["id"])
    assert editor.get(f"/api/v1/actions/{theirs['id']}").status_code == 404
    refused = [
        editor.patch(
            f"/api/v1/actions/{theirs['id']}", json={"status": "done"}, headers={"If-Match": their_etag}
        ),
        editor.post(f"/api/v1/actions/{theirs['id']}/updates", json={"note": "Meddling"}),
        editor.post(
            f"/api/v1/risks/{theirs['risk_id']}/actions",
            json={"description": "x", "owner": "y", "due_on": "2030-01-01"},
        ),
    ]
    assert [r.status_code for r in refused] == [404, 404, 404]
    assert all("Housing secret" not in r.text for r in refused)
    assert [a["id"] for a in editor.get("/api/v1/actions").json()["items"]] == [ours["id"]]
    assert editor.get("/api/v1/actions", params={"service": "HS"}).json()["total"] == 0
    assert get_action(client, theirs["id"]) == (theirs, their_etag)
    # Its own service's action it may change, and the trail names it.
    _, etag = get_action(editor, ours["id"])
    changed = editor.patch(
        f"/api/v1/actions/{ours['id']}", json={"status": "cancelled"}, headers={"If-Match": etag}
    )
    assert changed.status_code == 200, changed.text
    assert [e["actor"] for e in trail(client, action="action.update")] == ["editor-cp"]


def test_every_refusal_is_a_problem_naming_what_was_wrong_and_writes_nothing(
    app: FastAPI, client: TestClient, risk_id: int
) -> None:
    """Issue 13's bad input, each a 4xx problem+json (naming the field where there is one) that
    leaves the action and the trail as they were."""
    make_service(client, "HS", "Housing")
    theirs = make_action(client, make_risk(client, "HS", "HS01")["id"])
    action = make_action(client, risk_id)
    url = f"/api/v1/actions/{action['id']}"
    _, etag = get_action(client, action["id"])
    assert client.patch(url, json={"owner": "Someone"}, headers={"If-Match": etag}).status_code == 200
    auditor = make_token(app.state.engine, Role.AUDITOR, name="auditor")
    as_auditor = {"Authorization": f"Bearer {auditor}"}
    before = get_action(client, action["id"])
    entries = trail(client)
    future = (today() + timedelta(days=1)).isoformat()
    refused = [
        (
            client.patch(url, json={"status": "started"}, headers={"If-Match": before[1]}),
            422,
            ["body.status"],
        ),
        (
            client.patch(url, json={"due_on": "1999-12-31"}, headers={"If-Match": before[1]}),
            422,
            ["body.due_on"],
        ),
        (client.post(f"{url}/updates", json={"on": future, "note": "Tomorrow"}), 422, ["body.on"]),
        (client.patch(url, json={"owner": "Stale"}, headers={"If-Match": etag}), 412, ["header.If-Match"]),
        (client.patch(url, json={"owner": "No tag"}), 428, ["header.If-Match"]),
        (client.patch(url, json={"owner": "Auditor"}, headers={"If-Match": before[1]} | as_auditor), 403, []),
        (
            as_editor_of(app, "CP").patch(
                f"/api/v1/actions/{theirs['id']}", json={"owner": "x"}, headers={"If-Match": '"*"'}
            ),
            404,
            [],
        ),
    ]
    for response, status, fields in refused:
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["status"] == status
        assert field_names(response) == fields
    assert get_action(client, action["id"]) == before
    assert get_action(client, theirs["id"])[0]["owner"] == theirs["owner"]
    assert trail(client) == entries
    close_risk(client, risk_id)
    closed = client.post(
        f"/api/v1/risks/{risk_id}/actions", json={"description": "d", "owner": "o", "due_on": "2030-01-01"}
    )
    assert closed.status_code == 409
    assert closed.headers["content-type"].startswith("application/problem+json")
    assert field_names(closed) == ["path.risk_id"]
    assert [a["id"] for a in client.get(f"/api/v1/risks/{risk_id}/actions").json()] == [action["id"]]
