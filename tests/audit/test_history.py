"""Each risk's history: every change and review, service review rounds included, with actors."""

from __future__ import annotations

from fastapi import FastAPI

from tests.access.seed import PLANS, A, B, seed
from tests.api.builders import get_risk, make_risk, patch_risk, review


def test_history_holds_every_change_and_review_with_its_actor(app: FastAPI) -> None:
    world = seed(app)
    risk = make_risk(world.editor_a, A, "CP02", residual=(3, 3))
    _, etag = get_risk(world.admin, risk["id"])
    assert patch_risk(world.admin, risk["id"], etag, title="Renamed risk").status_code == 200
    review(world.editor_a, risk["id"], (2, 3), notes="single review")
    rounds = world.admin.post(
        f"/api/v1/services/{A}/reviews",
        headers={"X-Request-ID": "round-1"},
        json={
            "reviews": [
                {"ref": "CP01", "residual": {"likelihood": 1, "impact": 1}},
                {"ref": "CP02", "residual": {"likelihood": 1, "impact": 2}},
            ]
        },
    )
    assert rounds.status_code == 201, rounds.text
    # A round that leaves this risk out is not part of its history.
    other = world.admin.post(
        f"/api/v1/services/{A}/reviews",
        json={"reviews": [{"ref": "CP01", "residual": {"likelihood": 1, "impact": 2}}]},
    )
    assert other.status_code == 201, other.text

    history = world.editor_a.get(f"/api/v1/risks/{risk['id']}/history")
    assert history.status_code == 200, history.text
    steps = [(e["action"], e["actor"], e["actor_role"]) for e in history.json()]
    assert steps == [
        ("service.review", "admin", "admin"),
        ("risk.review", "editor-cp", "editor"),
        ("risk.update", "admin", "admin"),
        ("risk.create", "editor-cp", "editor"),
    ]
    newest, single, update, create = history.json()
    assert newest["request_id"] == "round-1"
    assert risk["id"] in [r["risk_id"] for r in newest["after"]["reviews"]]
    assert single["after"]["notes"] == "single review"
    assert (update["before"]["title"], update["after"]["title"]) == ("Risk CP02", "Renamed risk")
    assert create["before"] is None
    assert create["after"]["ref"] == "CP02"
    for entry in history.json():
        assert {"occurred_at", "request_id", "before", "after"} <= entry.keys()
    ids = [e["id"] for e in history.json()]
    assert ids == sorted(ids, reverse=True)


def test_history_is_read_by_whoever_may_read_the_risk(app: FastAPI) -> None:
    world = seed(app)
    for client in (world.admin, world.auditor, world.editor_b):
        response = client.get(f"/api/v1/risks/{world.risk_b}/history")
        assert response.status_code == 200
        assert [e["action"] for e in response.json()] == ["risk.review", "risk.create"]
    hidden = world.editor_a.get(f"/api/v1/risks/{world.risk_b}/history")
    assert hidden.status_code == 404
    assert B not in hidden.json()["detail"]
    assert world.admin.get("/api/v1/risks/999999/history").status_code == 404


def test_an_imported_risk_shows_the_import_that_created_it(app: FastAPI) -> None:
    world = seed(app)
    plan = (PLANS / "community-partnerships-2019-2022.txt").read_text(encoding="utf-8")
    imported = world.admin.post(
        "/api/v1/imports", json={"text": plan, "dry_run": False, "service_code": "EP"}
    )
    assert imported.status_code == 201, imported.text
    risks = world.admin.get("/api/v1/risks", params={"service": "EP", "sort": "ref"}).json()["items"]
    first = risks[0]
    history = world.admin.get(f"/api/v1/risks/{first['id']}/history").json()
    assert [(e["action"], e["actor"]) for e in history] == [("service.import", "admin")]
    assert first["ref"] in history[0]["after"]["created"]
    # Renamed and reviewed, it keeps its import; a risk made later under its old ref does not.
    _, etag = get_risk(world.admin, first["id"])
    assert patch_risk(world.admin, first["id"], etag, ref="EP99").status_code == 200
    review(world.admin, first["id"], (1, 1))
    history = world.admin.get(f"/api/v1/risks/{first['id']}/history").json()
    assert [e["action"] for e in history] == ["risk.review", "risk.update", "service.import"]
    reused = make_risk(world.admin, "EP", first["ref"])
    assert [e["action"] for e in world.admin.get(f"/api/v1/risks/{reused['id']}/history").json()] == [
        "risk.create"
    ]
