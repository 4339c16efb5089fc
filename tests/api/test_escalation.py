"""Escalation: dated, reasoned, audited decisions by admins; `escalated` on risk bodies and as a
filter (as of a day too); proposed_escalation; the refusals, each writing nothing."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.access.principal import Role
from app.clock import today
from tests.api.builders import make_risk, make_service, review
from tests.api.test_appetite import approve, as_role, refs


def escalate(client: TestClient, risk_id: int, kind: str = "escalate", **body: Any) -> Any:
    return client.post(f"/api/v1/risks/{risk_id}/{kind}", json={"reason": "Very High twice"} | body)


def history(client: TestClient, risk_id: int) -> list[str]:
    found = client.get(f"/api/v1/risks/{risk_id}/history", params={"page_size": 200}).json()
    items = found["items"] if isinstance(found, dict) else found
    return [e["action"] for e in items]


def test_escalation_and_de_escalation_are_dated_reasoned_and_in_the_risks_history(client: TestClient) -> None:
    make_service(client)
    risk = make_risk(client, residual=(4, 4), reviewed_on=date(2026, 1, 5))
    made = escalate(client, risk["id"], on="2026-02-01", reason="Affects every front-line service")
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["kind"], body["on"], body["reason"], body["ref"], body["service"]) == (
        "escalate",
        "2026-02-01",
        "Affects every front-line service",
        "CP01",
        "CP",
    )
    shown = client.get(f"/api/v1/risks/{risk['id']}").json()
    assert shown["escalated"] is True
    assert shown["version"] == risk["version"] + 1
    assert refs(client, escalated="true") == ["CP01"]
    assert refs(client, escalated="false") == []
    assert refs(client, escalated="true", as_of="2026-01-31") == []
    assert refs(client, escalated="true", as_of="2026-02-01") == ["CP01"]
    back = escalate(client, risk["id"], "de-escalate", on="2026-05-01", reason="Contract in place")
    assert back.status_code == 201, back.text
    assert client.get(f"/api/v1/risks/{risk['id']}").json()["escalated"] is False
    assert refs(client, escalated="true") == []
    assert refs(client, escalated="true", as_of="2026-04-30") == ["CP01"]
    listed = client.get("/api/v1/risks", params={"as_of": "2026-03-01"}).json()["items"]
    assert listed[0]["escalated"] is True
    assert history(client, risk["id"])[:2] == ["risk.de-escalate", "risk.escalate"]


def _decisions(client: TestClient, risk_id: int) -> list[str]:
    return [a for a in history(client, risk_id) if a in ("risk.escalate", "risk.de-escalate")]


def test_escalating_an_escalated_or_closed_risk_or_de_escalating_one_that_is_not_is_409(
    client: TestClient,
) -> None:
    make_service(client)
    risk = make_risk(client, residual=(4, 4))
    refused = escalate(client, risk["id"], "de-escalate")
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["type"] == "not_escalated"
    assert escalate(client, risk["id"]).status_code == 201
    again = escalate(client, risk["id"])
    assert again.status_code == 409
    assert again.json()["errors"][0]["type"] == "already_escalated"
    assert _decisions(client, risk["id"]) == ["risk.escalate"]

    closed = make_risk(client, ref="CP02", residual=(4, 4))
    etag = client.get(f"/api/v1/risks/{closed['id']}").headers["etag"]
    shut = client.patch(
        f"/api/v1/risks/{closed['id']}", json={"status": "closed"}, headers={"If-Match": etag}
    )
    assert shut.status_code == 200, shut.text
    refused = escalate(client, closed["id"])
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["type"] == "closed_risk"
    assert _decisions(client, closed["id"]) == []
    assert client.get(f"/api/v1/risks/{closed['id']}").json()["escalated"] is False


@pytest.mark.parametrize(
    ("on", "rule"),
    [
        ((today() + timedelta(days=1)).isoformat(), "future_date"),
        ("2026-01-01", "before_opening"),
    ],
)
def test_a_decision_on_a_day_it_cannot_have_been_made_is_422_naming_on(
    client: TestClient, on: str, rule: str
) -> None:
    make_service(client)
    risk = make_risk(client, residual=(4, 4), reviewed_on=date(2026, 3, 1))
    refused = escalate(client, risk["id"], on=on)
    assert refused.status_code == 422, refused.text
    (error,) = refused.json()["errors"]
    assert (error["field"], error["type"]) == ("body.on", rule)
    assert _decisions(client, risk["id"]) == []


def test_a_de_escalation_before_the_escalation_is_422(client: TestClient) -> None:
    make_service(client)
    risk = make_risk(client, residual=(4, 4), reviewed_on=date(2026, 3, 1))
    assert escalate(client, risk["id"], on="2026-04-01").status_code == 201
    refused = escalate(client, risk["id"], "de-escalate", on="2026-03-31")
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["type"] == "before_latest_decision"
    assert _decisions(client, risk["id"]) == ["risk.escalate"]


def test_a_decision_needs_a_reason(client: TestClient) -> None:
    make_service(client)
    risk = make_risk(client, residual=(4, 4))
    refused = client.post(f"/api/v1/risks/{risk['id']}/escalate", json={"reason": "  "})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "body.reason"


@pytest.mark.parametrize("role", [Role.EDITOR, Role.AUDITOR])
def test_editors_and_auditors_may_not_escalate_but_an_escalated_risks_reviews_stay_the_services(
    app: FastAPI, client: TestClient, role: Role
) -> None:
    make_service(client)
    risk = make_risk(client, residual=(4, 4))
    with as_role(app, role) as other:
        assert escalate(other, risk["id"]).status_code == 403
        assert _decisions(client, risk["id"]) == []
        assert escalate(client, risk["id"]).status_code == 201
        assert escalate(other, risk["id"], "de-escalate").status_code == 403
        assert client.get(f"/api/v1/risks/{risk['id']}").json()["escalated"] is True
        if role is Role.EDITOR:
            reviewed = other.post(
                f"/api/v1/risks/{risk['id']}/reviews", json={"residual": {"likelihood": 3, "impact": 4}}
            )
            assert reviewed.status_code == 201, reviewed.text
            assert client.get(f"/api/v1/risks/{risk['id']}").json()["escalated"] is True


def test_unknown_risk_is_404(client: TestClient) -> None:
    assert escalate(client, 999).status_code == 404


def test_risks_very_high_or_above_appetite_at_their_last_two_reviews_are_proposed(client: TestClient) -> None:
    make_service(client)
    day = date(2026, 1, 5)
    twice = make_risk(client, ref="CP01", residual=(4, 4), reviewed_on=day)
    review(client, twice["id"], (4, 3), reviewed_on=day + timedelta(days=30))  # 12: Very High
    once = make_risk(client, ref="CP02", residual=(1, 1), reviewed_on=day)
    review(client, once["id"], (4, 4), reviewed_on=day + timedelta(days=30))
    single = make_risk(client, ref="CP03", residual=(4, 4), reviewed_on=day)  # one review only
    appetite = make_risk(client, ref="CP04", residual=(2, 4), reviewed_on=day, category="financial")
    review(client, appetite["id"], (2, 2), reviewed_on=day + timedelta(days=30))  # High 4 > averse 3
    assert refs(client, proposed_escalation="true") == ["CP01"]
    approve(client)  # financial averse: 3
    assert refs(client, proposed_escalation="true") == ["CP01", "CP04"]
    make_risk(client, ref="CP05", residual=None)  # never assessed: not proposed
    assert {"CP02", "CP03", "CP05"} <= set(refs(client, proposed_escalation="false"))
    assert "CP05" not in refs(client, proposed_escalation="true")
    assert escalate(client, twice["id"]).status_code == 201
    assert refs(client, proposed_escalation="true") == ["CP04"]
    # as of a day when the second review was not yet made: not proposed then
    assert refs(client, proposed_escalation="true", as_of=(day + timedelta(days=10)).isoformat()) == []
    assert single["ref"] not in refs(client, proposed_escalation="true")


def test_the_decisions_of_a_period_for_the_six_monthly_report(app: FastAPI, client: TestClient) -> None:
    from sqlmodel import Session

    from app.appetite.statements import in_force
    from app.reports.corporate import row_above_appetite
    from app.risks.escalation import escalations_between
    from tests.reports.builders import risk as report_row

    make_service(client)
    make_service(client, code="HS", name="Housing")
    first = make_risk(client, ref="CP01", residual=(4, 4), reviewed_on=date(2026, 1, 5))
    other = make_risk(client, service="HS", ref="HS01", residual=(4, 4), reviewed_on=date(2026, 1, 5))
    assert escalate(client, first["id"], on="2026-02-01").status_code == 201
    assert (
        escalate(client, first["id"], "de-escalate", on="2026-05-01", reason="Contained").status_code == 201
    )
    assert escalate(client, other["id"], on="2026-10-01").status_code == 201
    approve(client)
    with Session(app.state.engine) as session:
        found = escalations_between(session, date(2026, 1, 1), date(2026, 6, 30))
        assert [(d.ref, d.kind, d.on, d.reason) for d in found] == [
            ("CP01", "escalate", date(2026, 2, 1), "Very High twice"),
            ("CP01", "de-escalate", date(2026, 5, 1), "Contained"),
        ]
        assert [
            d.ref for d in escalations_between(session, date(2026, 1, 1), date(2026, 12, 31), ["HS"])
        ] == ["HS01"]
        appetite = in_force(session, date(2026, 6, 30))
    assert row_above_appetite(appetite, report_row(category="financial", residual=(2, 2))) is True
    assert row_above_appetite(appetite, report_row(category="technology", residual=(2, 2))) is False
    assert row_above_appetite(appetite, report_row(category=None, residual=(4, 4))) is None
    assert row_above_appetite(None, report_row(category="financial", residual=(4, 4))) is None
