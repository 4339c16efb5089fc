"""Every page and page form, walked signed out, without or with a foreign CSRF token, as an auditor
and as another service's editor: the pages' access rules, proved on each route of the app.

The routes come from the app (every `PageRoute`), so a page added later is covered the day
it is written; a new form fails loudly until it is given a body here.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.access.principal import Role
from app.api.page_kit import PageRoute
from app.clock import today
from tests.access.seed import B_REF, B_TITLE, World
from tests.access.test_routes import Call, calls, seed
from tests.pages.conftest import csrf_of, page_client

#: A valid body per page form, so that only the rule under test can refuse it.
BODIES: dict[str, dict[str, str]] = {
    "/services/{code}/review": {
        "r0-ref": B_REF,
        "r0-likelihood": "1",
        "r0-impact": "1",
        "r0-reviewed_on": today().isoformat(),
    },
    "/risks/{risk_id}/actions": {"description": "Page action", "owner": "Someone", "due_on": "2030-01-31"},
    "/actions/{action_id}/updates": {"note": "Page progress"},
    "/actions/{action_id}/complete": {"version": "1"},
    "/risks/{risk_id}/status": {"status": "closed", "version": "3"},
    "/risks/{risk_id}/escalation": {"kind": "de-escalate", "reason": "Back within appetite"},
}
SECRETS = (B_TITLE, B_REF, "B-OWNER", "B review notes", "B action notes", "Quiet Zone")


def pages(app: FastAPI, world: World | None = None) -> list[Call]:
    """Every method of every page route, path parameters set to service B's objects."""
    return [call for call in calls(app, world) if isinstance(call.route, PageRoute)]


def entries(world: World) -> int:
    """How many entries the audit trail holds."""
    total: int = world.admin.get("/api/v1/audit/events").json()["total"]
    return total


def send(client: TestClient, call: Call, csrf: str | None) -> Any:
    """The call as a browser sends it: a form post with `csrf` (none: without the field)."""
    if call.method == "GET":
        return client.get(call.url)
    fields = dict(BODIES[call.template])
    if csrf is not None:
        fields["csrf"] = csrf
    return client.post(call.url, data=fields)


def assert_page(response: Any, status: int, where: str) -> None:
    assert response.status_code == status, f"{where}: {response.status_code} {response.text[:300]}"
    assert response.headers["content-type"].startswith("text/html"), where


def test_every_page_form_has_a_body_here(app: FastAPI) -> None:
    posts = {call.template for call in pages(app) if call.method == "POST"}
    assert posts == set(BODIES)
    gets = {call.template for call in pages(app) if call.method == "GET"}
    assert gets >= {"/services/{code}", "/services/{code}/review", "/risks/{risk_id}", "/audit/trail"}


def test_pages_are_not_in_the_api_schema(app: FastAPI, client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for call in pages(app):
        assert call.template not in paths, call


def test_who_is_not_signed_in_is_sent_to_sign_in_and_nothing_is_written(app: FastAPI) -> None:
    world = seed(app)
    before = entries(world)
    for cookie in (None, "rr_" + "x" * 43):
        anonymous = TestClient(app, raise_server_exceptions=False, follow_redirects=False)
        if cookie:
            anonymous.cookies["riskreg_token"] = cookie
        for call in pages(app, world):
            response = send(anonymous, call, "forged")
            assert response.status_code == 303, f"{call}: {response.status_code}"
            assert response.headers["location"] == "/", call
    assert entries(world) == before


def test_a_form_without_or_with_a_foreign_csrf_token_is_refused_and_nothing_is_written(app: FastAPI) -> None:
    world = seed(app)
    admin = page_client(app, Role.ADMIN, name="page-admin")
    other = page_client(app, Role.ADMIN, name="other-admin")
    foreign = csrf_of(other.get("/").text)  # signed by this server, for another person's token
    before = entries(world)
    for call in pages(app, world):
        if call.method != "POST":
            continue
        for csrf in (None, "", "not-a-token", foreign, foreign[:-2] + "xx"):
            response = send(admin, call, csrf)
            assert_page(response, 403, f"{call} csrf={csrf!r}")
            assert "did not come from this site" in response.text
    assert entries(world) == before


def test_a_form_posted_from_another_site_is_refused(app: FastAPI) -> None:
    world = seed(app)
    admin = page_client(app, Role.ADMIN, name="page-admin")
    csrf = csrf_of(admin.get("/").text)
    before = entries(world)
    for call in pages(app, world):
        if call.method != "POST":
            continue
        for headers in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}):
            response = admin.post(call.url, data={**BODIES[call.template], "csrf": csrf}, headers=headers)
            assert_page(response, 403, f"{call} {headers}")
    assert entries(world) == before


def test_an_auditor_is_refused_every_form_with_a_403_page_and_nothing_is_written(app: FastAPI) -> None:
    world = seed(app)
    auditor = page_client(app, Role.AUDITOR, name="page-auditor")
    csrf = csrf_of(auditor.get("/").text)
    before = entries(world)
    for call in pages(app, world):
        if call.method == "POST":
            response = send(auditor, call, csrf)
            assert_page(response, 403, str(call))
            assert "Nothing was changed" in response.text
        elif call.template == "/services/{code}/review":
            assert_page(auditor.get(call.url), 403, str(call))  # a form it could not send
        else:
            assert_page(auditor.get(call.url), 200, str(call))
    assert entries(world) == before


def test_another_services_editor_gets_nothing_of_it_from_any_page(app: FastAPI) -> None:
    world = seed(app)
    editor = page_client(app, Role.EDITOR, ["CP"], name="page-editor-cp")
    csrf = csrf_of(editor.get("/").text)
    before = entries(world)
    for call in pages(app, world):
        response = send(editor, call, csrf)
        where = f"{call}: {response.status_code} {response.text[:300]}"
        assert response.status_code in (403, 404), where
        assert response.headers["content-type"].startswith("text/html"), where
        for secret in SECRETS:
            assert secret not in response.text, f"{where}: {secret!r} leaked"
    assert entries(world) == before


def test_an_editor_reads_and_writes_its_own_service_only(app: FastAPI) -> None:
    world = seed(app)
    editor = page_client(app, Role.EDITOR, ["CP"], name="page-editor-cp")
    assert editor.get("/services/CP").status_code == 200
    assert editor.get("/services/CP/review").status_code == 200
    assert editor.get(f"/risks/{world.risk_a}").status_code == 200
    assert editor.get("/services/QZ").status_code == 404
    assert editor.get(f"/risks/{world.risk_b}").status_code == 404
    for path in ("/audit/high-risks", "/audit/trail"):
        refused = editor.get(path)
        assert_page(refused, 403, path)
    home = editor.get("/")
    assert "/audit/trail" not in home.text  # no link to a page it may not open
    assert "Quiet Zone" not in home.text
