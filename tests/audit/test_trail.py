"""The audit trail: one entry per change with its actor and request; append-only; chained by hash."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from app.access.principal import SYSTEM
from app.audit.trail import GENESIS, record_change
from app.db import transaction
from app.models import AuditEvent
from tests.access.seed import PLANS, A, World, seed
from tests.api.builders import get_risk, patch_risk
from tests.audit.database import drop_guard, entries, verify_chain_of


def only_new_entry(engine: Engine, before: int, response: Response, status: int) -> AuditEvent:
    """The one entry the request added (it must have added exactly one)."""
    assert response.status_code == status, response.text
    trail = entries(engine)
    assert len(trail) == before + 1, [(e.action, e.entity_id) for e in trail[before:]]
    return trail[-1]


def write(client: TestClient, method: str, url: str, request_id: str, **kwargs: Any) -> Response:
    """Send a change with its own request id."""
    headers = {"X-Request-ID": request_id} | kwargs.pop("headers", {})
    return client.request(method, url, headers=headers, **kwargs)


def test_every_write_leaves_exactly_one_entry_with_its_actor(app: FastAPI, engine: Engine) -> None:
    world = seed(app)
    admin, editor = world.admin, world.editor_a

    def expect(
        client: TestClient, method: str, url: str, status: int, request_id: str, **kwargs: Any
    ) -> AuditEvent:
        before = len(entries(engine))
        response = write(client, method, url, request_id, **kwargs)
        entry = only_new_entry(engine, before, response, status)
        assert entry.request_id == request_id
        assert response.headers["x-request-id"] == request_id
        return entry

    service = expect(
        admin, "POST", "/api/v1/services", 201, "req-service", json={"code": "HS", "name": "Housing"}
    )
    assert (service.actor, service.actor_role, service.action) == ("admin", "admin", "service.create")
    assert (service.entity_type, service.entity_id, service.service_code) == ("service", "HS", "HS")
    assert (service.before, service.after) == (None, {"code": "HS", "name": "Housing", "contact_email": None})

    body = {
        "ref": "CP05",
        "title": "Volunteer shortage",
        "response": "treat",
        "residual": {"likelihood": 2, "impact": 2},
    }
    created = expect(editor, "POST", f"/api/v1/services/{A}/risks", 201, "req-create", json=body)
    risk_id = int(created.entity_id)
    assert (created.actor, created.actor_role, created.action) == ("editor-cp", "editor", "risk.create")
    assert (created.entity_type, created.service_code, created.before) == ("risk", A, None)
    assert created.after is not None
    assert created.after["title"] == "Volunteer shortage"
    assert created.after["first_review"]["residual_score"] == 4

    _, etag = get_risk(editor, risk_id)
    patched = expect(
        editor,
        "PATCH",
        f"/api/v1/risks/{risk_id}",
        200,
        "req-patch",
        json={"owner": "Head of Volunteering"},
        headers={"If-Match": etag},
    )
    assert (patched.action, patched.entity_id, patched.actor) == ("risk.update", str(risk_id), "editor-cp")
    assert patched.before is not None
    assert patched.after is not None
    assert (patched.before["owner"], patched.after["owner"]) == ("", "Head of Volunteering")
    assert patched.after["version"] == patched.before["version"] + 1

    reviewed = expect(
        editor,
        "POST",
        f"/api/v1/risks/{risk_id}/reviews",
        201,
        "req-review",
        json={"residual": {"likelihood": 1, "impact": 2}, "notes": "better"},
    )
    assert (reviewed.action, reviewed.entity_id, reviewed.actor_role) == (
        "risk.review",
        str(risk_id),
        "editor",
    )
    assert reviewed.after is not None
    assert (reviewed.after["residual_score"], reviewed.after["notes"]) == (2, "better")

    rounds = expect(
        editor,
        "POST",
        f"/api/v1/services/{A}/reviews",
        201,
        "req-round",
        json={
            "reviews": [
                {"ref": "CP01", "residual": {"likelihood": 1, "impact": 1}},
                {"ref": "CP05", "residual": {"likelihood": 1, "impact": 1}},
            ]
        },
    )
    assert (rounds.action, rounds.entity_type, rounds.entity_id) == ("service.review", "service", A)
    assert rounds.after is not None
    assert sorted(r["risk_id"] for r in rounds.after["reviews"]) == sorted([world.risk_a, risk_id])

    _, etag = get_risk(editor, risk_id)
    closed = expect(
        editor,
        "PATCH",
        f"/api/v1/risks/{risk_id}",
        200,
        "req-close",
        json={"status": "closed"},
        headers={"If-Match": etag},
    )
    assert closed.action == "risk.close"
    assert closed.before is not None
    assert closed.after is not None
    assert (closed.before["status"], closed.after["status"]) == ("open", "closed")

    token = expect(
        admin, "POST", "/api/v1/tokens", 201, "req-token", json={"name": "new-auditor", "role": "auditor"}
    )
    assert (token.action, token.entity_type, token.actor) == ("token.create", "token", "admin")
    assert token.after is not None
    assert token.after["name"] == "new-auditor"
    assert "token_hash" not in token.after
    revoked = expect(admin, "DELETE", "/api/v1/tokens/new-auditor", 204, "req-revoke")
    assert (revoked.action, revoked.entity_id) == ("token.revoke", token.entity_id)
    assert revoked.before is not None
    assert revoked.after is not None
    assert revoked.before["revoked_at"] is None
    assert revoked.after["revoked_at"] is not None

    # Reads leave nothing.
    before = len(entries(engine))
    for url in ("/api/v1/risks", f"/api/v1/risks/{risk_id}", "/api/v1/audit/events", "/api/v1/audit/verify"):
        assert world.auditor.get(url).status_code == 200
    assert len(entries(engine)) == before
    assert verify_chain_of(engine) == (len(entries(engine)), None)


FAILED_WRITES: list[tuple[str, Callable[[World], tuple[TestClient, str, str, dict[str, Any]]], int]] = [
    (
        "duplicate service",
        lambda w: (w.admin, "POST", "/api/v1/services", {"json": {"code": A, "name": "x"}}),
        409,
    ),
    (
        "invalid service",
        lambda w: (w.admin, "POST", "/api/v1/services", {"json": {"code": "1", "name": "x"}}),
        422,
    ),
    (
        "duplicate ref",
        lambda w: (
            w.editor_a,
            "POST",
            f"/api/v1/services/{A}/risks",
            {"json": {"ref": "CP01", "title": "t", "response": "treat"}},
        ),
        409,
    ),
    (
        "out of the matrix",
        lambda w: (
            w.editor_a,
            "POST",
            f"/api/v1/services/{A}/risks",
            {
                "json": {
                    "ref": "CP09",
                    "title": "t",
                    "response": "treat",
                    "residual": {"likelihood": 9, "impact": 1},
                }
            },
        ),
        422,
    ),
    (
        "stale If-Match",
        lambda w: (
            w.editor_a,
            "PATCH",
            f"/api/v1/risks/{w.risk_a}",
            {"json": {"owner": "x"}, "headers": {"If-Match": '"1-0"'}},
        ),
        412,
    ),
    (
        "review of a future day",
        lambda w: (
            w.editor_a,
            "POST",
            f"/api/v1/risks/{w.risk_a}/reviews",
            {"json": {"reviewed_on": "2999-01-01", "residual": {"likelihood": 1, "impact": 1}}},
        ),
        422,
    ),
    (
        "one bad entry in a service review",
        lambda w: (
            w.editor_a,
            "POST",
            f"/api/v1/services/{A}/reviews",
            {
                "json": {
                    "reviews": [
                        {"ref": "CP01", "residual": {"likelihood": 1, "impact": 1}},
                        {"ref": "CP404", "residual": {"likelihood": 1, "impact": 1}},
                    ]
                }
            },
        ),
        422,
    ),
    (
        "duplicate token",
        lambda w: (w.admin, "POST", "/api/v1/tokens", {"json": {"name": "auditor", "role": "auditor"}}),
        409,
    ),
    ("revoke unknown token", lambda w: (w.admin, "DELETE", "/api/v1/tokens/nobody", {}), 404),
]


@pytest.mark.parametrize(("case", "request_of", "status"), FAILED_WRITES, ids=[c[0] for c in FAILED_WRITES])
def test_a_failed_write_leaves_no_entry(
    app: FastAPI,
    engine: Engine,
    case: str,
    request_of: Callable[[World], tuple[TestClient, str, str, dict[str, Any]]],
    status: int,
) -> None:
    world = seed(app)
    before = entries(engine)
    client, method, url, kwargs = request_of(world)
    response = client.request(method, url, **kwargs)
    assert response.status_code == status, response.text
    assert entries(engine) == before
    # ...and the next change chains onto the trail as if nothing had happened.
    _, etag = get_risk(world.admin, world.risk_a)
    assert patch_risk(world.editor_a, world.risk_a, etag, owner="after the failure").status_code == 200
    assert len(entries(engine)) == len(before) + 1
    assert verify_chain_of(engine) == (len(before) + 1, None)


def test_the_database_refuses_to_change_or_remove_an_entry(app: FastAPI, engine: Engine) -> None:
    seed(app)
    trail = entries(engine)
    assert len(trail) >= 5
    statements = [
        "UPDATE audit_event SET actor = 'someone else' WHERE id = :id",
        'UPDATE audit_event SET "after" = NULL WHERE id = :id',
        "DELETE FROM audit_event WHERE id = :id",
        "DELETE FROM audit_event",
    ]
    if engine.dialect.name == "postgresql":
        statements.append("TRUNCATE audit_event")
    for statement in statements:
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement), {"id": trail[2].id})
    assert entries(engine) == trail
    assert verify_chain_of(engine) == (len(trail), None)


def test_verify_names_an_altered_entry(app: FastAPI, engine: Engine) -> None:
    world = seed(app)
    trail = entries(engine)
    assert world.auditor.get("/api/v1/audit/verify").json() == {
        "intact": True,
        "checked": len(trail),
        "broken_at": None,
        "reason": None,
        "anchor": None,
    }
    drop_guard(engine)
    victim = trail[3]
    assert victim.after is not None
    with engine.begin() as conn:
        conn.execute(
            text('UPDATE audit_event SET "after" = :after WHERE id = :id'),
            {"after": '{"title": "nothing to see here"}', "id": victim.id},
        )
    assert verify_chain_of(engine) == (3, victim.id)
    answer = world.auditor.get("/api/v1/audit/verify").json()
    assert (answer["intact"], answer["checked"], answer["broken_at"]) == (False, 3, victim.id)
    assert "altered" in answer["reason"]


def test_verify_names_the_entry_after_a_removed_one(app: FastAPI, engine: Engine) -> None:
    world = seed(app)
    trail = entries(engine)
    drop_guard(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": trail[2].id})
    assert verify_chain_of(engine) == (2, trail[3].id)
    answer = world.admin.get("/api/v1/audit/verify").json()
    assert (answer["intact"], answer["broken_at"]) == (False, trail[3].id)
    assert "removed" in answer["reason"]


def test_verify_notices_a_rewritten_hash_or_a_lost_first_entry(app: FastAPI, engine: Engine) -> None:
    seed(app)
    trail = entries(engine)
    assert trail[0].prev_hash == GENESIS
    drop_guard(engine)
    with engine.begin() as conn:  # altered, with a made-up hash
        conn.execute(
            text("UPDATE audit_event SET actor = 'mallory', hash = :h WHERE id = :id"),
            {"h": "f" * 64, "id": trail[1].id},
        )
    assert verify_chain_of(engine) == (1, trail[1].id)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": trail[0].id})
    assert verify_chain_of(engine) == (0, trail[1].id)


def test_the_trail_is_read_by_auditors_and_admins_only(app: FastAPI) -> None:
    world = seed(app)
    for client in (world.admin, world.auditor):
        assert client.get("/api/v1/audit/events").status_code == 200
        assert client.get("/api/v1/audit/verify").status_code == 200
    for client in (world.editor_a, world.editor_b):
        for url in ("/api/v1/audit/events", "/api/v1/audit/verify"):
            response = client.get(url)
            assert response.status_code == 403
            assert "SECRET" not in response.text


def test_a_rolled_back_savepoint_takes_only_its_own_entries(engine: Engine) -> None:
    def change(session: Session, n: int, *, fail: bool = False) -> None:
        record_change(session, SYSTEM, "test.change", "test", str(n), None, None, {"n": n})
        if fail:
            raise RuntimeError(n)

    with transaction(engine) as session:
        change(session, 1)
        with session.begin_nested():
            change(session, 2)
        with pytest.raises(RuntimeError), session.begin_nested():
            change(session, 3, fail=True)
        change(session, 4)
    assert [e.entity_id for e in entries(engine)] == ["1", "2", "4"]
    with pytest.raises(RuntimeError), transaction(engine) as session:
        change(session, 5, fail=True)
    assert len(entries(engine)) == 3
    assert verify_chain_of(engine) == (3, None)


def test_an_import_leaves_one_entry_and_a_dry_run_none(app: FastAPI, engine: Engine) -> None:
    world = seed(app)
    plan = (PLANS / "community-partnerships-2019-2022.txt").read_text(encoding="utf-8")
    before = len(entries(engine))
    dry = write(world.admin, "POST", "/api/v1/imports", "req-dry", json={"text": plan, "service_code": "EP"})
    assert dry.status_code == 200, dry.text
    assert len(entries(engine)) == before
    body = {"text": plan, "service_code": "EP", "dry_run": False}
    entry = only_new_entry(
        engine, before, write(world.admin, "POST", "/api/v1/imports", "req-import", json=body), 201
    )
    assert (entry.action, entry.entity_id, entry.actor, entry.request_id) == (
        "service.import",
        "EP",
        "admin",
        "req-import",
    )
