"""Every route of the app, walked with no token, bad tokens, an auditor and another service's editor.

The routes come from `app.routes`, so a route added later is covered without touching
this file; a new path parameter or required body fails loudly until it is given a value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import update
from sqlmodel import col

from app.access.principal import Role
from app.api.deps import TOKEN_COOKIE
from app.api.page_kit import PageRoute
from app.clock import today
from app.db import transaction
from app.models import ApiToken
from app.models.base import utcnow
from tests.access.seed import B_EDITOR, B_REF, B_TITLE, A, B, World, as_token
from tests.access.seed import seed as seed_services
from tests.api.builders import get_risk, make_risk, patch_risk, review
from tests.conftest import make_token

#: Answer without a token: liveness, the docs, and the sign-in pages for browsers (token and
#: OpenID Connect, tests/pages/test_oidc.py).
PUBLIC = {"/health", "/openapi.json", "/docs", "/redoc", "/", "/session"}
PUBLIC |= {"/signin/oidc", "/signin/callback", "/signout"}
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
PATH_PARAM = re.compile(r"{(\w+)(?::\w+)?}")

#: A minimal valid body per write route, so that only the access check can refuse it.
BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/api/v1/services"): {"code": "NEWX", "name": "A new service"},
    ("POST", "/api/v1/services/{code}/risks"): {"ref": "QZ99", "title": "Another risk", "response": "treat"},
    ("PATCH", "/api/v1/risks/{risk_id}"): {"title": "Changed title"},
    ("POST", "/api/v1/risks/{risk_id}/reviews"): {"residual": {"likelihood": 1, "impact": 1}},
    ("POST", "/api/v1/services/{code}/reviews"): {
        "reviews": [{"ref": B_REF, "residual": {"likelihood": 1, "impact": 1}}]
    },
    ("POST", "/api/v1/risks/{risk_id}/actions"): {
        "description": "Another action",
        "owner": "Someone",
        "due_on": "2030-01-31",
    },
    ("PATCH", "/api/v1/actions/{action_id}"): {"status": "done"},
    ("POST", "/api/v1/actions/{action_id}/updates"): {"note": "Progress"},
    ("POST", "/api/v1/imports"): {"text": "Risk register\n", "dry_run": True},
    ("POST", "/api/v1/tokens"): {"name": "new-token", "role": "auditor"},
    ("PUT", "/api/v1/appetite"): {
        "approved_by": "Audit Committee",
        "approved_on": "2026-01-01",
        "categories": [{"category": "technology", "level": "open"}],
    },
    ("POST", "/api/v1/risks/{risk_id}/escalate"): {"reason": "Very High twice"},
    ("POST", "/api/v1/risks/{risk_id}/de-escalate"): {"reason": "Back within appetite"},
}
#: Query parameters a route needs to answer 200 to a reader.
QUERIES: dict[tuple[str, str], dict[str, str]] = {
    ("GET", "/api/v1/reports/register"): {"service": B},
    ("GET", "/api/v1/reports/six-monthly"): {"period": "current", "format": "html"},
}
#: Reads for admins only: the token list (auditors see tokens made and revoked in the trail).
ADMIN_READS = {("GET", "/api/v1/tokens")}
#: Keys whose value identifies an object; none of them may name service B to A's editor.
ID_KEYS = {"code", "service", "service_code", "services", "entity_id", "risk_id", "action_id"}


def seed(app: FastAPI) -> World:
    """The seeded world, with an appetite statement in force and B's risk on the corporate
    register (its title and owner must reach no one who may not read service B)."""
    world = seed_services(app)
    approved = world.admin.put(
        "/api/v1/appetite",
        json={
            "approved_by": "Audit Committee",
            "approved_on": "2026-01-01",
            "categories": [{"category": "technology", "level": "open"}],
        },
    )
    assert approved.status_code == 201, approved.text
    escalated = world.admin.post(f"/api/v1/risks/{world.risk_b}/escalate", json={"reason": "B escalation"})
    assert escalated.status_code == 201, escalated.text
    return world


@dataclass(frozen=True)
class Call:
    """One method of one route, with its path filled in with service B's objects."""

    method: str
    template: str
    url: str
    route: APIRoute

    def __str__(self) -> str:
        return f"{self.method} {self.template}"

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.template)

    @property
    def has_path_params(self) -> bool:
        return self.url != self.template

    def query_names(self) -> set[str]:
        return _query_names(self.route.dependant)


def _query_names(dependant: Dependant) -> set[str]:
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def calls(app: FastAPI, world: World | None = None) -> Iterator[Call]:
    """Every method of every API route, path parameters set to service B's objects."""
    values = {
        "code": B,
        "risk_id": str(world.risk_b if world else 1),
        "action_id": str(world.action_b if world else 1),
        "name": B_EDITOR,
    }
    # FastAPI includes routers lazily: their routes are reached through their route contexts.
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute) or context.path is None:
            continue
        url = context.path
        for param in PATH_PARAM.findall(context.path):
            assert param in values, f"{context.path}: give test_routes a value for path parameter {param!r}"
            url = PATH_PARAM.sub(lambda m: values[m.group(1)], url)
        for method in sorted(context.methods or ()):
            yield Call(method, context.path, url, route)


def send(
    client: TestClient, call: Call, *, body: Any = None, query: dict[str, Any] | None = None
) -> Response:
    """Send the call with `body` as JSON (none: no body) and no cookie but the client's own."""
    headers = {"If-Match": "*"} if call.method == "PATCH" else {}
    params = QUERIES.get(call.key, {}) | (query or {})
    if body is None:
        return client.request(call.method, call.url, params=params, headers=headers)
    return client.request(call.method, call.url, params=params, headers=headers, json=body)


def protected(app: FastAPI, world: World | None = None) -> list[Call]:
    """Every call of the API that needs a token (the pages for people, which send whoever is not
    signed in to the sign-in page, are walked by tests/pages/test_page_access.py)."""
    return [c for c in calls(app, world) if c.template not in PUBLIC and not isinstance(c.route, PageRoute)]


def assert_unauthenticated(response: Response, call: Call) -> None:
    assert response.status_code == 401, f"{call}: {response.status_code} {response.text}"
    assert response.headers["content-type"].startswith("application/problem+json"), call
    assert response.headers.get("www-authenticate") == "Bearer", call
    assert response.json()["status"] == 401


def test_every_api_route_is_covered(app: FastAPI) -> None:
    templates = {c.template for c in calls(app)}
    assert {"/api/v1/risks/{risk_id}", "/api/v1/audit/events", "/api/v1/tokens/{name}"} <= templates
    assert len(protected(app)) >= 15


def test_no_token_is_refused_everywhere_before_the_body_is_read(app: FastAPI) -> None:
    anonymous = as_token(app, None)
    for call in protected(app):
        assert_unauthenticated(send(anonymous, call), call)
        if call.method in WRITES:
            assert_unauthenticated(send(anonymous, call, body=BODIES.get(call.key, {})), call)


def test_health_docs_and_sign_in_page_need_no_token_and_show_nothing(app: FastAPI) -> None:
    seed(app)
    anonymous = as_token(app, None)
    for path in ("/health", "/openapi.json", "/docs", "/redoc", "/"):
        response = anonymous.get(path)
        assert response.status_code == 200, path
        assert B_TITLE not in response.text
        assert "Quiet Zone" not in response.text


def test_unknown_revoked_and_expired_tokens_are_refused_everywhere(app: FastAPI) -> None:
    world = seed(app)
    engine = app.state.engine
    revoked = make_token(engine, Role.ADMIN, name="revoked")
    assert world.admin.delete("/api/v1/tokens/revoked").status_code == 204
    expired = make_token(engine, Role.ADMIN, name="expired")
    with transaction(engine) as session:  # tokens cannot be made already expired
        session.execute(
            update(ApiToken)
            .where(col(ApiToken.name) == "expired")
            .values(expires_at=utcnow() - timedelta(hours=1))
        )
    assert world.admin.get("/api/v1/matrix").status_code == 200
    bad = {"unknown": "rr_" + "x" * 43, "revoked": revoked, "expired": expired}
    for kind, token in bad.items():
        client = as_token(app, token)
        for call in protected(app, world):
            response = send(client, call, body=BODIES.get(call.key, {}) if call.method in WRITES else None)
            assert_unauthenticated(response, call)
            if kind != "unknown":
                assert kind in response.json()["detail"], (call, response.json())
    # Another scheme is no token at all.
    basic = TestClient(app, raise_server_exceptions=False, headers={"Authorization": "Basic YTpi"})
    response = basic.get("/api/v1/risks")
    assert response.status_code == 401
    assert response.headers.get("www-authenticate") == "Bearer"


def test_a_bad_token_is_answered_401_whatever_else_is_wrong_with_the_request(app: FastAPI) -> None:
    """The token is checked before the fields are judged: a bad token never learns which are wrong,
    whether the framework refuses them (an empty body) or the route does (a date in the future)."""
    world = seed(app)
    unknown = as_token(app, "rr_" + "x" * 43)
    for call in protected(app, world):
        if call.method in WRITES:
            assert_unauthenticated(send(unknown, call, body={}), call)
        assert_unauthenticated(send(unknown, call, query={"page": "0", "as_of": "2999-01-01"}), call)
    future = {"as_of": "2999-01-01"}
    for path in ("/api/v1/risks", "/api/v1/reports/heatmap"):
        assert_unauthenticated(unknown.get(path, params=future), Call("GET", path, path, None))  # type: ignore[arg-type]
        refused = world.auditor.get(path, params=future)
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == "query.as_of"


def test_auditor_is_refused_every_write_before_the_body_is_read(app: FastAPI) -> None:
    world = seed(app)
    writes = [c for c in protected(app, world) if c.method in WRITES]
    assert len(writes) >= 7
    for call in writes:
        for body in (BODIES.get(call.key, {}), {}):
            response = send(world.auditor, call, body=body)
            assert response.status_code == 403, f"{call} {body}: {response.status_code} {response.text}"
            assert response.headers["content-type"].startswith("application/problem+json")
    assert world.auditor.get(f"/api/v1/risks/{world.risk_b}").json()["title"] == B_TITLE  # nothing changed
    events = world.auditor.get("/api/v1/audit/events", params={"actor": "auditor"}).json()
    assert events["total"] == 0


def test_auditor_reads_every_route(app: FastAPI) -> None:
    world = seed(app)
    for call in protected(app, world):
        if call.method == "GET":
            response = send(world.auditor, call)
            expected = 403 if call.key in ADMIN_READS else 200
            assert response.status_code == expected, f"{call}: {response.status_code} {response.text}"
    day = (today() - timedelta(days=1)).isoformat()
    then = world.auditor.get("/api/v1/risks", params={"as_of": day, "status": "all"})
    assert then.status_code == 200
    now = world.auditor.get("/api/v1/risks", params={"service": B}).json()
    assert [r["title"] for r in now["items"]] == [B_TITLE]
    events = world.auditor.get("/api/v1/audit/events").json()
    assert events["total"] >= 5
    history = world.auditor.get(f"/api/v1/risks/{world.risk_b}/history").json()
    assert [e["action"] for e in history] == ["risk.escalate", "risk.review", "risk.create"]
    assert world.auditor.get("/api/v1/audit/verify").json()["intact"] is True


def test_editor_of_a_gets_nothing_of_b_from_any_route(app: FastAPI) -> None:
    world = seed(app)
    client = world.editor_a
    _, etag_b = get_risk(world.admin, world.risk_b)
    for call in protected(app, world):
        bodies = [BODIES.get(call.key, {})] if call.method in WRITES else [None]
        queries: list[dict[str, Any]] = [{}]
        if "service" in call.query_names():
            queries.append({"service": B})
        for body in bodies:
            for query in queries:
                client.cookies.clear()
                if call.method == "GET":  # pages and downloads also take the token as a cookie
                    client.cookies[TOKEN_COOKIE] = world.tokens["editor_a"]
                response = send(client, call, body=body, query=query)
                where = f"{call} {query}: {response.status_code} {response.text[:300]}"
                assert response.status_code < 500, where
                if call.has_path_params or call.method in WRITES or call.template.startswith("/api/v1/audit"):
                    assert response.status_code in (403, 404), where
                # Lists and downloads may answer (with A's objects only), or refuse service B.
                assert_nothing_of_b(response, world, where)
    client.cookies.clear()
    # B's risk is untouched, and nothing was recorded for A's editor.
    assert get_risk(world.admin, world.risk_b)[1] == etag_b
    mine = world.admin.get("/api/v1/audit/events", params={"actor": "editor-cp"}).json()
    assert mine["total"] == 0


def assert_nothing_of_b(response: Response, world: World, where: str) -> None:
    """Neither B's title, ref or owner anywhere in the body, nor B's code or risk id in an id field."""
    body = response.content.decode("utf-8", "replace")
    for secret in (B_TITLE, B_REF, "B-OWNER", "B review notes", "B action notes", "Quiet Zone"):
        assert secret not in body, f"{where}: {secret!r} leaked"
    if "json" not in response.headers.get("content-type", ""):
        return
    for key, value in _walk(json.loads(body)):
        if key in ID_KEYS:
            assert value not in (B, [B], world.risk_b, str(world.risk_b)), f"{where}: {key}={value!r} leaked"


def _walk(value: Any, key: str | None = None) -> Iterator[tuple[str | None, Any]]:
    yield key, value
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(v, k)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item, key)


def test_editor_lists_only_its_own_services(app: FastAPI) -> None:
    world = seed(app)
    services = world.editor_a.get("/api/v1/services").json()
    assert [s["code"] for s in services] == [A]
    risks = world.editor_a.get("/api/v1/risks", params={"service": [A, B], "status": "all"}).json()
    assert [r["service"] for r in risks["items"]] == [A]
    assert world.editor_a.get("/api/v1/audit/events").status_code == 403
    assert world.editor_a.get("/api/v1/audit/verify").status_code == 403


def test_editor_creates_reviews_and_changes_risks_in_its_service(app: FastAPI) -> None:
    world = seed(app)
    editor = world.editor_a
    risk = make_risk(editor, A, "CP02", residual=(3, 3))
    assert risk["created_by"] == "editor-cp"
    assert review(editor, risk["id"], (2, 2))["direction"] == "down"
    _, etag = get_risk(editor, risk["id"])
    changed = patch_risk(editor, risk["id"], etag, owner="Someone else")
    assert changed.status_code == 200, changed.text
    rounds = editor.post(
        f"/api/v1/services/{A}/reviews",
        json={"reviews": [{"ref": "CP01", "residual": {"likelihood": 1, "impact": 2}}]},
    )
    assert rounds.status_code == 201, rounds.text
    history = editor.get(f"/api/v1/risks/{risk['id']}/history")
    assert history.status_code == 200
    assert [e["action"] for e in history.json()] == ["risk.update", "risk.review", "risk.create"]
    # ...but administers nothing.
    assert editor.post("/api/v1/services", json={"code": "ZZ", "name": "Z"}).status_code == 403
    assert editor.get("/api/v1/tokens").status_code == 403


def test_editor_token_limited_to_b_sees_b_but_not_a(app: FastAPI) -> None:
    world = seed(app)
    assert world.editor_b.get(f"/api/v1/risks/{world.risk_b}").status_code == 200
    assert world.editor_b.get(f"/api/v1/risks/{world.risk_a}").status_code == 404
    assert world.editor_b.get(f"/api/v1/risks/{world.risk_a}/history").status_code == 404


@pytest.mark.parametrize("role", [Role.ADMIN, Role.AUDITOR])
def test_every_service_is_read_by_admins_and_auditors(app: FastAPI, role: Role) -> None:
    world = seed(app)
    client = world.admin if role is Role.ADMIN else world.auditor
    assert {s["code"] for s in client.get("/api/v1/services").json()} == {A, B}
    assert as_token(app, None).get("/api/v1/services").status_code == 401
