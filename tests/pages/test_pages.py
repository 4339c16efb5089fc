"""The pages for people, through their HTTP interface: what each shows, and each form's write
through the API's own rules (the audit trail names the person), refusals shown by their fields."""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.access.principal import Role
from app.api import browser_session
from app.api.pages import warm_up_pages
from app.clock import today
from tests.api.builders import make_action, make_risk, make_service, review
from tests.pages.conftest import csrf_of, page_client


def register(client: TestClient) -> dict[str, Any]:
    """CP with three risks (one reviewed twice, one with an overdue review and an overdue action), and HR."""
    make_service(client, "CP", "Community Partnerships")
    make_service(client, "HR", "Human Resources")
    start = today() - timedelta(days=400)
    cp01 = make_risk(
        client, "CP", "CP01", (3, 4), start, title="Total failure of ICT systems", category="technology"
    )
    review(client, cp01["id"], (3, 3), today() - timedelta(days=100), notes="Backups tested")
    cp02 = make_risk(client, "CP", "CP02", (1, 2), start, title="Loss of accommodation", category="property")
    cp03 = make_risk(client, "CP", "CP03", (2, 3), start, title="Volunteer shortage", category="people")
    action = make_action(
        client, cp03["id"], due_on=today() - timedelta(days=5), description="Recruit volunteers"
    )
    hr01 = make_risk(client, "HR", "HR01", (4, 4), start, title="Payroll failure", category="financial")
    return {"cp01": cp01, "cp02": cp02, "cp03": cp03, "hr01": hr01, "action": action}


def entries(client: TestClient, **query: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = client.get("/api/v1/audit/events", params=query).json()["items"]
    return found


def test_every_template_is_loaded_by_the_warm_up() -> None:
    from app.api.page_kit import templates

    warm_up_pages()
    names = set(templates().list_templates(extensions=["html"]))
    assert {"service.html", "review_round.html", "risk.html", "high_risks.html", "audit_trail.html"} <= names


def test_the_service_page_shows_register_heat_map_overdue_reviews_actions_and_downloads(
    app: FastAPI, client: TestClient
) -> None:
    made = register(client)
    editor = page_client(app, Role.EDITOR, ["CP"], name="Jane Smith")
    page = editor.get("/services/CP")
    assert page.status_code == 200, page.text
    html = page.text
    assert "Community Partnerships (CP)" in html
    rows = re.findall(
        r'<th scope="row"><a href="/risks/(\d+)">(CP\d+)</a></th>',
        html.split('id="register"')[1].split("</table>")[0],
    )
    assert [ref for _, ref in rows] == ["CP01", "CP03", "CP02"]  # highest residual score first
    assert "<svg" in html.split('class="heatmap"')[1]
    assert "Heat map as a table" in html
    overdue = html.split('id="overdue-reviews"')[1].split("</table>")[0]
    assert {"CP02", "CP03"} <= set(re.findall(r"CP0\d", overdue))  # reviewed 400 days ago
    due = html.split('id="due-actions"')[1].split("</table>")[0]
    assert "Recruit volunteers" in due
    assert "overdue" in due
    assert f'href="/risks/{made["cp03"]["id"]}#action-{made["action"]["id"]}"' in due
    for link in (
        "register?service=CP&amp;format=pdf",
        "register?service=CP&amp;format=xlsx",
        "six-monthly?period=",
    ):
        assert link in html
    assert 'href="/services/CP/review"' in html  # the editor may record the round
    auditor = page_client(app, Role.AUDITOR, name="auditor")
    assert 'href="/services/CP/review"' not in auditor.get("/services/CP").text


@pytest.mark.parametrize(
    ("query", "refs"),
    [
        ({"band": "High"}, ["CP01"]),
        ({"band": ["Low", "Medium"]}, ["CP03", "CP02"]),
        ({"category": "property"}, ["CP02"]),
        ({"status": "closed"}, []),
        ({"band": "Nonsense"}, ["CP01", "CP03", "CP02"]),
    ],
)
def test_the_register_filters(
    app: FastAPI, client: TestClient, query: dict[str, Any], refs: list[str]
) -> None:
    register(client)
    auditor = page_client(app, Role.AUDITOR, name="auditor")
    html = auditor.get("/services/CP", params=query).text
    table = html.split('id="register"')[1].split("</table>")[0]
    assert re.findall(r">(CP\d+)</a></th>", table) == refs
    if query.get("band") == "Nonsense":
        assert "there is no band called" in html


def test_the_above_appetite_filter(app: FastAPI, client: TestClient) -> None:
    register(client)
    approved = client.put(
        "/api/v1/appetite",
        json={
            "approved_by": "Audit Committee",
            "approved_on": (today() - timedelta(days=1)).isoformat(),
            "categories": [
                {"category": "technology", "level": "averse"},
                {"category": "property", "level": "open"},
            ],
        },
    )
    assert approved.status_code == 201, approved.text
    auditor = page_client(app, Role.AUDITOR, name="auditor")
    above = auditor.get("/services/CP", params={"above": "yes"}).text.split('id="register"')[1]
    within = auditor.get("/services/CP", params={"above": "no"}).text.split('id="register"')[1]
    assert re.findall(r">(CP\d+)</a></th>", above.split("</table>")[0]) == ["CP01"]
    assert re.findall(r">(CP\d+)</a></th>", within.split("</table>")[0]) == ["CP02"]


def round_fields(html: str) -> dict[str, str]:
    """The review round's fields as the form fills them in (inputs, selected options, textareas)."""
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html))
    for name, body in re.findall(r'<select id="[^"]+" name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', body)
        fields[name] = chosen.group(1) if chosen else ""
    for name, text in re.findall(r'<textarea id="[^"]+" name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        fields[name] = text
    return fields


def test_the_review_round_lists_every_open_risk_filled_in_with_labelled_fields(
    app: FastAPI, client: TestClient
) -> None:
    made = register(client)
    editor = page_client(app, Role.EDITOR, ["CP"], name="Jane Smith")
    html = editor.get("/services/CP/review").text
    assert re.findall(r"<legend>(CP\d+):", html) == ["CP01", "CP02", "CP03"]
    fields = round_fields(html)
    assert fields["r0-ref"] == "CP01"
    assert (fields["r0-likelihood"], fields["r0-impact"]) == ("3", "3")  # its latest review
    assert fields["r0-response"] == "treat"
    assert fields["r0-controls"] == "Business continuity plan\nQuarterly monitoring"
    assert fields["r0-reviewed_on"] == today().isoformat()
    for i in range(3):
        for name, word in (
            ("likelihood", "Likelihood"),
            ("impact", "Impact"),
            ("reviewed_on", "Reviewed on"),
        ):
            label = re.search(
                rf'<label for="r{i}-{name}">([^<]*)<span class="visually-hidden">(CP0\d)</span></label>', html
            )
            assert label is not None, (i, name)
            assert label.group(1).strip() == word
        for name in ("response", "controls", "notes"):
            assert f'<label for="r{i}-{name}">' in html
    assert re.search(r'<button type="submit" class="primary">Record review</button>', html)
    assert made["cp01"]["id"]


def test_a_review_round_is_recorded_in_one_go_and_names_the_person(app: FastAPI, client: TestClient) -> None:
    made = register(client)
    editor = page_client(app, Role.EDITOR, ["CP"], name="Jane Smith")
    html = editor.get("/services/CP/review").text
    fields = round_fields(html) | {
        "r0-likelihood": "1",
        "r0-impact": "1",
        "r1-notes": "No change",
        "r2-controls": "Volunteer fair\n\nRota",
    }
    response = editor.post("/services/CP/review", data=fields)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/services/CP?recorded=3"
    risk = client.get(f"/api/v1/risks/{made['cp01']['id']}").json()
    assert (risk["residual"]["score"], risk["residual"]["band"], risk["last_reviewed_on"]) == (
        1,
        "Low",
        today().isoformat(),
    )
    assert client.get(f"/api/v1/risks/{made['cp03']['id']}").json()["controls"] == ["Volunteer fair", "Rota"]
    (entry,) = entries(client, action="service.review")
    assert entry["actor"] == "Jane Smith"
    assert [r["ref"] for r in entry["after"]["reviews"]] == ["CP01", "CP02", "CP03"]
    shown = editor.get(response.headers["location"]).text
    assert "The review round was recorded: 3 risks reviewed." in shown


def test_a_refused_round_saves_nothing_and_shows_each_error_by_its_field(
    app: FastAPI, client: TestClient
) -> None:
    made = register(client)
    editor = page_client(app, Role.EDITOR, ["CP"], name="Jane Smith")
    before = client.get(f"/api/v1/risks/{made['cp01']['id']}/reviews").json()
    trail = len(entries(client))
    fields = round_fields(editor.get("/services/CP/review").text) | {
        "r0-likelihood": "1",
        "r0-impact": "2",
        "r0-notes": "Kept when refused",
        "r1-reviewed_on": (today() + timedelta(days=3)).isoformat(),  # in the future
    }
    response = editor.post("/services/CP/review", data=fields)
    assert response.status_code == 422
    html = response.text
    assert "The review was not recorded" in html
    assert client.get(f"/api/v1/risks/{made['cp01']['id']}/reviews").json() == before
    assert len(entries(client)) == trail
    assert_error_by(html, "r1-reviewed_on", "in the future")
    assert 'id="r0-likelihood-error"' not in html
    kept = round_fields(html)
    assert (kept["r0-likelihood"], kept["r0-impact"], kept["r0-notes"]) == ("1", "2", "Kept when refused")
    assert kept["r1-reviewed_on"] == fields["r1-reviewed_on"]


def test_fields_the_form_cannot_read_are_each_named_by_their_field(app: FastAPI, client: TestClient) -> None:
    register(client)
    editor = page_client(app, Role.EDITOR, ["CP"], name="Jane Smith")
    fields = round_fields(editor.get("/services/CP/review").text) | {
        "r0-response": "ignore",  # no such response
        "r2-impact": "",  # not chosen
        "r2-reviewed_on": "2025-02-30",  # no such day
    }
    response = editor.post("/services/CP/review", data=fields)
    assert response.status_code == 422
    assert_error_by(response.text, "r2-impact", "choose the impact")
    assert_error_by(response.text, "r2-reviewed_on", "date")
    assert_error_by(response.text, "r0-response", "treat")
    assert entries(client, action="service.review") == []


def assert_error_by(html: str, field: str, words: str) -> None:
    """The field's error is next to it, named in its aria-describedby, and linked from the summary."""
    error = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', html, re.S)
    assert error is not None, field
    assert words in error.group(1), (field, error.group(1))
    control = re.search(rf'<(?:input|select|textarea) id="{field}"[^>]*>', html)
    assert control is not None, field
    assert f'aria-describedby="{field}-error"' in control.group(0)
    assert 'aria-invalid="true"' in control.group(0)
    assert f'href="#{field}"' in html  # the summary links to it


def test_a_round_dated_before_a_risks_latest_review_is_refused_by_the_apis_rule(
    app: FastAPI, client: TestClient
) -> None:
    register(client)
    editor = page_client(app, Role.EDITOR, ["CP"], name="Jane Smith")
    fields = round_fields(editor.get("/services/CP/review").text)
    fields["r0-reviewed_on"] = (today() - timedelta(days=200)).isoformat()  # CP01 was reviewed 100 days ago
    response = editor.post("/services/CP/review", data=fields)
    assert response.status_code == 422
    assert_error_by(response.text, "r0-reviewed_on", "latest review")
    assert entries(client, action="service.review") == []


def test_a_person_signed_in_by_the_session_cookie_is_the_one_the_trail_names(
    app: FastAPI, client: TestClient
) -> None:
    register(client)
    signer = browser_session.signer(SimpleNamespace(app=app), "riskreg.pages.session")  # type: ignore[arg-type]
    person = {"name": "Sam Jones <sam@council.gov.uk>", "role": "editor", "services": ["CP"]}
    browser = TestClient(app, raise_server_exceptions=False, follow_redirects=False)
    browser.cookies[browser_session.COOKIE] = signer.dumps({"person": person})
    page = browser.get("/services/CP/review")
    assert page.status_code == 200
    assert "Sam Jones" in page.text
    response = browser.post("/services/CP/review", data=round_fields(page.text))
    assert response.status_code == 303, response.text
    assert entries(client, action="service.review")[0]["actor"] == "Sam Jones <sam@council.gov.uk>"
    assert browser.get("/services/HR").status_code == 404  # the person's services only
    # A CSRF token is bound to the person: a token's form cannot be replayed in this session.
    other = page_client(app, Role.ADMIN, name="admin-elsewhere")
    forged = browser.post(
        "/services/CP/review", data=round_fields(page.text) | {"csrf": csrf_of(other.get("/").text)}
    )
    assert forged.status_code == 403


def test_the_risk_page_shows_details_chart_reviews_history_and_actions(
    app: FastAPI, client: TestClient
) -> None:
    made = register(client)
    editor = page_client(app, Role.EDITOR, ["CP"], name="Jane Smith")
    html = editor.get(f"/risks/{made['cp01']['id']}").text
    assert "CP01: Total failure of ICT systems" in html
    for words in (
        "Consequence",
        "Service disruption",
        "technology",
        "Head of Service",
        "Business continuity plan",
        "Not escalated",
    ):
        assert words in html, words
    chart = html.split('<figure class="chart">')[1].split("</figure>")[0]
    assert 'role="img"' in chart
    assert 'aria-labelledby="score-chart-title score-chart-desc"' in chart
    assert "<title" in chart
    assert "<desc" in chart
    assert chart.count("<circle") == 2
    reviews = html.split('id="reviews"')[1].split("</table>")[0]
    assert reviews.count('<tr><th scope="row">') == 2
    assert "Backups tested" in reviews
    assert "risk.review" in html.split('id="risk-history"')[1]
    assert 'action="/risks/{}/actions"'.format(made["cp01"]["id"]) in html
    assert "/status" not in html
    assert "/escalation" not in html
    auditor_page = page_client(app, Role.AUDITOR, name="auditor").get(f"/risks/{made['cp03']['id']}").text
    assert "Recruit volunteers" in auditor_page
    assert 'method="post" action="/risks/' not in auditor_page  # no form it could not send
    assert 'method="post" action="/actions/' not in auditor_page


def test_actions_are_added_noted_and_completed_from_the_risk_page(app: FastAPI, client: TestClient) -> None:
    made = register(client)
    risk_id = made["cp01"]["id"]
    editor = page_client(app, Role.EDITOR, ["CP"], name="Jane Smith")
    csrf = csrf_of(editor.get(f"/risks/{risk_id}").text)
    due = (today() + timedelta(days=60)).isoformat()
    added = editor.post(
        f"/risks/{risk_id}/actions",
        data={"csrf": csrf, "description": "Test the failover", "owner": "ICT Manager", "due_on": due},
    )
    assert added.status_code == 303, added.text
    (action,) = client.get(f"/api/v1/risks/{risk_id}/actions").json()
    assert added.headers["location"] == f"/risks/{risk_id}?done=action#action-{action['id']}"
    assert (action["description"], action["owner"], action["due_on"], action["created_by"]) == (
        "Test the failover",
        "ICT Manager",
        due,
        "Jane Smith",
    )
    noted = editor.post(
        f"/actions/{action['id']}/updates", data={"csrf": csrf, "note": "Supplier booked", "on": ""}
    )
    assert noted.status_code == 303, noted.text
    done = editor.post(
        f"/actions/{action['id']}/complete",
        data={"csrf": csrf, "version": "2", "completed_on": today().isoformat()},
    )
    assert done.status_code == 303, done.text
    now = client.get(f"/api/v1/actions/{action['id']}").json()
    assert (now["status"], now["completed_on"]) == ("done", today().isoformat())
    assert [u["note"] for u in now["updates"]] == ["Supplier booked"]
    mine = entries(client, entity_type="action", entity_id=str(action["id"]))
    assert [e["actor"] for e in mine] == ["Jane Smith"] * 3
    shown = editor.get(done.headers["location"]).text
    assert "The action was marked as done." in shown
    article = shown.split(f'id="action-{action["id"]}"')[1].split("</article>")[0]
    assert '<strong class="action-status">done</strong>' in article
    assert "Supplier booked" in article
    assert "Complete action" not in article


def test_a_refused_action_form_comes_back_with_its_errors_and_nothing_is_saved(
    app: FastAPI, client: TestClient
) -> None:
    made = register(client)
    risk_id = made["cp01"]["id"]
    editor = page_client(app, Role.EDITOR, ["CP"], name="Jane Smith")
    csrf = csrf_of(editor.get(f"/risks/{risk_id}").text)
    response = editor.post(
        f"/risks/{risk_id}/actions",
        data={"csrf": csrf, "description": "  ", "owner": "ICT Manager", "due_on": "31/01/2030"},
    )
    assert response.status_code == 422
    html = response.text
    for field in ("action-description", "action-due_on"):
        assert re.search(rf'id="{field}-error"', html), field
        assert re.search(rf'<(?:input|textarea) id="{field}"[^>]*aria-describedby="{field}-error"', html), (
            field
        )
    assert 'value="ICT Manager"' in html
    assert 'value="31/01/2030"' in html
    assert client.get(f"/api/v1/risks/{risk_id}/actions").json() == []
    # A stale version is refused, not applied over someone else's change.
    action = make_action(client, risk_id)
    stale = editor.post(
        f"/actions/{action['id']}/complete", data={"csrf": csrf, "version": "0", "completed_on": ""}
    )
    assert stale.status_code == 412
    assert "has changed" in stale.text
    assert client.get(f"/api/v1/actions/{action['id']}").json()["status"] == "planned"


def test_an_admin_closes_reopens_escalates_and_de_escalates_a_risk(app: FastAPI, client: TestClient) -> None:
    made = register(client)
    risk_id = made["cp02"]["id"]
    admin = page_client(app, Role.ADMIN, name="Risk Manager")
    html = admin.get(f"/risks/{risk_id}").text
    csrf = csrf_of(html)
    escalated = admin.post(
        f"/risks/{risk_id}/escalation",
        data={"csrf": csrf, "kind": "escalate", "reason": "Council-wide", "on": ""},
    )
    assert escalated.status_code == 303, escalated.text
    assert client.get(f"/api/v1/risks/{risk_id}").json()["escalated"] is True
    shown = admin.get(f"/risks/{risk_id}").text
    assert "Council-wide" in shown
    assert "De-escalate" in shown
    back = admin.post(
        f"/risks/{risk_id}/escalation", data={"csrf": csrf, "kind": "de-escalate", "reason": "", "on": ""}
    )
    assert back.status_code == 422  # a decision needs its reason
    assert 'id="escalation-reason-error"' in back.text
    back = admin.post(
        f"/risks/{risk_id}/escalation",
        data={"csrf": csrf, "kind": "de-escalate", "reason": "Contained", "on": ""},
    )
    assert back.status_code == 303
    version = client.get(f"/api/v1/risks/{risk_id}").json()["version"]
    closed = admin.post(
        f"/risks/{risk_id}/status",
        data={"csrf": csrf, "status": "closed", "status_on": today().isoformat(), "version": str(version)},
    )
    assert closed.status_code == 303, closed.text
    assert client.get(f"/api/v1/risks/{risk_id}").json()["status"] == "closed"
    assert "Reopen risk" in admin.get(f"/risks/{risk_id}").text
    future = admin.post(
        f"/risks/{risk_id}/status",
        data={"csrf": csrf, "status": "open", "status_on": "2999-01-01", "version": str(version + 1)},
    )
    assert future.status_code == 422
    assert 'id="status-status_on-error"' in future.text
    reopened = admin.post(
        f"/risks/{risk_id}/status",
        data={"csrf": csrf, "status": "open", "status_on": "", "version": str(version + 1)},
    )
    assert reopened.status_code == 303, reopened.text
    actions = [e["action"] for e in entries(client, entity_type="risk", entity_id=str(risk_id))]
    assert actions[:4] == ["risk.reopen", "risk.close", "risk.de-escalate", "risk.escalate"]
    assert {e["actor"] for e in entries(client, entity_type="risk", entity_id=str(risk_id))[:4]} == {
        "Risk Manager"
    }
    editor = page_client(app, Role.EDITOR, ["CP"], name="Jane Smith")
    refused = editor.post(
        f"/risks/{risk_id}/status",
        data={
            "csrf": csrf_of(editor.get("/").text),
            "status": "closed",
            "status_on": "",
            "version": str(version + 2),
        },
    )
    assert refused.status_code == 403


def test_the_high_risk_list_filters_by_band_service_category_appetite_and_as_of(
    app: FastAPI, client: TestClient
) -> None:
    made = register(client)
    auditor = page_client(app, Role.AUDITOR, name="auditor")

    def refs(**query: Any) -> list[str]:
        response = auditor.get("/audit/high-risks", params=query)
        assert response.status_code == 200, response.text
        return re.findall(
            r">([A-Z]{2}\d+)</a></th>", response.text.split('id="high-risks"')[1].split("</table>")[0]
        )

    assert refs() == ["HR01", "CP01"]  # High and Very High by default
    assert refs(filtered="1") == ["HR01", "CP01", "CP03", "CP02"]  # no band ticked: every band
    assert refs(filtered="1", band="Very High") == ["HR01"]
    assert refs(filtered="1", service="CP") == ["CP01", "CP03", "CP02"]
    assert refs(filtered="1", category="people") == ["CP03"]
    before = (today() - timedelta(days=150)).isoformat()  # CP01 was 3x4 then, 3x3 since
    assert refs(filtered="1", band="Very High", as_of=before) == ["HR01", "CP01"]
    shown = auditor.get("/audit/high-risks", params={"as_of": before, "band": "Very High"}).text
    assert f'value="{before}"' in shown
    future = auditor.get("/audit/high-risks", params={"as_of": "2999-01-01"}).text
    assert "must not be in the future" in future
    assert made["hr01"]["id"]


def test_the_audit_trail_page_shows_the_entries_and_their_verification(
    app: FastAPI, client: TestClient
) -> None:
    register(client)
    auditor = page_client(app, Role.AUDITOR, name="auditor")
    html = auditor.get("/audit/trail").text
    assert "The trail is intact" in html
    rows = html.split('id="trail"')[1].split("</table>")[0]
    assert "risk.create" in rows
    assert "service.create" in rows
    total = client.get("/api/v1/audit/events").json()["total"]
    assert f"{total} entries, newest first" in html
    only = auditor.get("/audit/trail", params={"action": "risk.review"}).text
    assert "1 entry, newest first" in only


def test_an_unknown_risk_or_an_id_that_is_no_number_is_a_404_page(app: FastAPI, client: TestClient) -> None:
    register(client)
    admin = page_client(app, Role.ADMIN, name="admin")
    for path in (
        "/risks/999999",
        "/risks/abc",
        "/risks/99999999999",
        "/services/NOPE",
        "/services/NOPE/review",
    ):
        response = admin.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("text/html")
