"""Issue 14's points that no other test pinned down (the audit of 2026-11-30): above_appetite is
computed (not left at its default) on every path that answers a risk body, approvals and
escalation decisions are in the trail naming who made them and refused ones write nothing,
proposed-for-escalation mixes its two conditions review by review and leaves closed risks out,
and an escalated risk's later service review, owner, open action and reason show in every
format of the corporate register."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from typing import Any

import openpyxl
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pypdf import PdfReader

from app.access.principal import Role
from app.clock import today
from app.reports.words import format_long_day
from tests.api.builders import close_risk, get_risk, make_action, make_risk, make_service, patch_risk, review
from tests.api.test_appetite import STATEMENT, approve, refs
from tests.conftest import make_token


def flat(text: str) -> str:
    return " ".join(text.split())


def as_named(app: FastAPI, role: Role, name: str) -> TestClient:
    token = make_token(app.state.engine, role, ["CP"] if role is Role.EDITOR else None, name=name)
    return TestClient(app, raise_server_exceptions=False, headers={"Authorization": f"Bearer {token}"})


def trail(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    response = client.get("/api/v1/audit/events", params={"page_size": 200} | params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_every_risk_body_computes_above_appetite(client: TestClient) -> None:
    """technology open (9): 12 is above; each answer must say True, not the default None."""
    make_service(client)
    approve(client)
    created = make_risk(client, ref="CP01", residual=(3, 4), category="technology")
    assert created["above_appetite"] is True
    risk_id = created["id"]
    found, etag = get_risk(client, risk_id)
    assert found["above_appetite"] is True
    patched = patch_risk(client, risk_id, etag, title="Renamed")
    assert patched.status_code == 200, patched.text
    assert patched.json()["above_appetite"] is True
    listed = client.get("/api/v1/risks").json()["items"]
    assert [r["above_appetite"] for r in listed] == [True]
    day = today().isoformat()
    assert client.get(f"/api/v1/risks/{risk_id}", params={"as_of": day}).json()["above_appetite"] is True
    assert [
        r["above_appetite"] for r in client.get("/api/v1/risks", params={"as_of": day}).json()["items"]
    ] == [True]
    # a review within the limit: every answer follows it
    review(client, risk_id, (2, 2))
    found, etag = get_risk(client, risk_id)
    assert found["above_appetite"] is False
    assert patch_risk(client, risk_id, etag, title="Again").json()["above_appetite"] is False
    # moved to a category the statement gives no level: null everywhere
    found, etag = get_risk(client, risk_id)
    moved = patch_risk(client, risk_id, etag, category="legal")
    assert moved.json()["above_appetite"] is None
    assert refs(client, above_appetite="true") == refs(client, above_appetite="false") == []


def test_approvals_are_in_the_trail_naming_the_admin_and_refused_ones_write_nothing(
    app: FastAPI, client: TestClient
) -> None:
    make_service(client)
    chief = as_named(app, Role.ADMIN, "risk-manager")
    others = [as_named(app, Role.EDITOR, "an-editor"), as_named(app, Role.AUDITOR, "an-auditor")]
    assert chief.put("/api/v1/appetite", json=STATEMENT).status_code == 201
    before = trail(client)
    for other in others:
        refused = other.put("/api/v1/appetite", json=STATEMENT | {"approved_on": "2026-02-01"})
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("application/problem+json")
    stale = chief.put("/api/v1/appetite", json=STATEMENT | {"approved_on": "2026-01-09"})
    assert stale.status_code in (409, 422)
    assert stale.json()["errors"][0]["field"] == "body.approved_on"
    assert trail(client) == before
    (entry,) = [e for e in before if e["action"] == "appetite.approve"]
    assert (entry["actor"], entry["entity_id"]) == ("risk-manager", "1")
    assert entry["after"]["approved_by"] == "Audit Committee"
    history = client.get("/api/v1/appetite/history").json()
    assert [(s["version"], s["approved_on"]) for s in history] == [(1, "2026-01-10")]


def test_escalation_decisions_are_in_the_trail_with_their_day_reason_and_admin(
    app: FastAPI, client: TestClient
) -> None:
    make_service(client)
    risk = make_risk(client, residual=(4, 4), reviewed_on=date(2026, 1, 5))
    chief = as_named(app, Role.ADMIN, "risk-manager")
    made = chief.post(
        f"/api/v1/risks/{risk['id']}/escalate", json={"reason": "Very High twice", "on": "2026-02-01"}
    )
    assert made.status_code == 201, made.text
    undone = chief.post(
        f"/api/v1/risks/{risk['id']}/de-escalate", json={"reason": "Contained", "on": "2026-03-01"}
    )
    assert undone.status_code == 201, undone.text
    entries = trail(client, entity_type="risk", entity_id=str(risk["id"]))
    decisions = [e for e in entries if e["action"] in ("risk.escalate", "risk.de-escalate")]
    assert [(e["action"], e["actor"]) for e in decisions] == [
        ("risk.de-escalate", "risk-manager"),
        ("risk.escalate", "risk-manager"),
    ]
    said = flat(str(decisions[0]["after"])) + flat(str(decisions[1]["after"]))
    for words in ("Very High twice", "2026-02-01", "Contained", "2026-03-01"):
        assert words in said
    # refused decisions (403, 409, 422) write nothing
    editor = as_named(app, Role.EDITOR, "cp-editor")
    before = trail(client)
    assert editor.post(f"/api/v1/risks/{risk['id']}/escalate", json={"reason": "x"}).status_code == 403
    assert chief.post(f"/api/v1/risks/{risk['id']}/de-escalate", json={"reason": "x"}).status_code == 409
    future = (today() + timedelta(days=1)).isoformat()
    late = chief.post(f"/api/v1/risks/{risk['id']}/escalate", json={"reason": "x", "on": future})
    assert late.status_code == 422
    assert trail(client) == before
    assert client.get(f"/api/v1/risks/{risk['id']}").json()["escalated"] is False


def test_proposed_for_escalation_takes_very_high_or_above_appetite_review_by_review(
    client: TestClient,
) -> None:
    make_service(client)
    approve(client)  # technology open (9), financial averse (3)
    day = date(2026, 1, 15)
    mixed = make_risk(client, ref="CP01", residual=(4, 4), category="financial", reviewed_on=day)  # VH
    review(client, mixed["id"], (2, 2), reviewed_on=day + timedelta(days=30))  # High 4 > 3: above
    fallen = make_risk(client, ref="CP02", residual=(4, 4), reviewed_on=day)
    review(client, fallen["id"], (4, 4), reviewed_on=day + timedelta(days=20))
    review(client, fallen["id"], (1, 1), reviewed_on=day + timedelta(days=40))  # latest is Low
    shut = make_risk(client, ref="CP03", residual=(4, 4), reviewed_on=day)
    review(client, shut["id"], (4, 4), reviewed_on=day + timedelta(days=30))
    within = make_risk(client, ref="CP04", residual=(3, 3), category="technology", reviewed_on=day)
    review(client, within["id"], (3, 3), reviewed_on=day + timedelta(days=30))  # High 9 <= 9
    assert sorted(refs(client, proposed_escalation="true")) == ["CP01", "CP03"]
    close_risk(client, shut["id"])
    assert refs(client, proposed_escalation="true") == ["CP01"]
    # ... but as of a day it was open, it was proposed, and CP02 too (its Low review was later)
    then = (day + timedelta(days=35)).isoformat()
    assert sorted(refs(client, proposed_escalation="true", as_of=then)) == ["CP01", "CP02", "CP03"]


@pytest.fixture
def escalated(app: FastAPI, client: TestClient) -> dict[str, Any]:
    """CP02, escalated, then reviewed by the service's own editor yesterday (Very High 12 -> Low 4)."""
    make_service(client)
    risk = make_risk(
        client,
        ref="CP02",
        aliases=["ST05"],
        residual=(3, 4),
        owner="Head of Community Partnerships",
        reviewed_on=date(2026, 1, 5),
    )
    make_action(
        client,
        risk["id"],
        due_on=date(2027, 3, 31),
        description="Replace the casework system",
        owner="Head of ICT",
    )
    made = client.post(
        f"/api/v1/risks/{risk['id']}/escalate",
        json={"reason": "Loss of ICT stops front-line services", "on": "2026-02-01"},
    )
    assert made.status_code == 201, made.text
    day = today() - timedelta(days=1)
    editor = as_named(app, Role.EDITOR, "cp-editor")
    reviewed = editor.post(
        f"/api/v1/risks/{risk['id']}/reviews",
        json={"residual": {"likelihood": 2, "impact": 2}, "reviewed_on": day.isoformat()},
    )
    assert reviewed.status_code == 201, reviewed.text
    return {"risk": risk, "day": day}


def _corporate(client: TestClient, fmt: str) -> Any:
    response = client.get("/api/v1/reports/corporate-register", params={"format": fmt})
    assert response.status_code == 200, response.text
    return response


def test_the_later_service_review_owner_action_and_reason_show_in_every_format(
    client: TestClient, escalated: dict[str, Any]
) -> None:
    day = escalated["day"]
    (row,) = _corporate(client, "json").json()["risks"]
    assert (row["residual"]["score"], row["residual"]["band"], row["last_reviewed_on"]) == (
        4,
        "Low",
        day.isoformat(),
    )
    assert (row["previous_score"], row["direction"]) == (12, "down")

    (line,) = list(csv.DictReader(io.StringIO(_corporate(client, "csv").text)))
    assert (line["ref"], line["residual_score"], line["residual_band"], line["direction"]) == (
        "CP02",
        "4",
        "Low",
        "down",
    )
    assert (line["owner"], line["strategic_refs"]) == ("Head of Community Partnerships", "ST05")
    assert "Replace the casework system" in line["actions"]
    assert line["escalation_reason"] == "Loss of ICT stops front-line services"

    sheet = openpyxl.load_workbook(io.BytesIO(_corporate(client, "xlsx").content)).worksheets[0]
    table = list(sheet.iter_rows(values_only=True))
    cells = dict(zip(table[0], table[1], strict=True))
    assert (cells["Residual score"], cells["Residual band"]) == (4, "Low")
    assert (cells["Owner"], cells["Strategic ref"]) == ("Head of Community Partnerships", "ST05")
    assert "Replace the casework system" in str(cells["Open actions"])
    assert cells["Reason for escalation"] == "Loss of ICT stops front-line services"
    assert "Down" in str(cells["Direction of travel"])

    html = flat(re.sub(r"<[^>]+>", " ", _corporate(client, "html").text))
    pdf = flat(
        "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(_corporate(client, "pdf").content)).pages)
    )
    # the PDF's narrow columns may break a word across lines: compared without spaces
    for text in (html.replace(" ", ""), pdf.replace(" ", "")):
        table = text.index("Reasonforescalation")  # the register's table, after the heat map
        shown = text[text.index("CP02", table) :]
        for words in (
            "Low",
            "Head of Community Partnerships",
            "Replace the casework system",
            "Loss of ICT stops front-line services",
            "ST05",
            "Down",
            format_long_day(date(2026, 2, 1)),  # escalated on
        ):
            assert words.replace(" ", "") in shown, words


def test_a_deployments_matrix_sets_the_appetite_limits(settings: Any, tmp_path: Any) -> None:
    """The levels' score limits are matrix data: a deployment's own file changes them (open: 4
    here, 9 by default; cautious 4, 6 by default), and the statement and above_appetite follow it."""
    from pathlib import Path

    from app.main import create_app

    default = Path(__file__).resolve().parents[2] / "app" / "scoring" / "default_matrix.toml"
    text = default.read_text(encoding="utf-8")
    limits = "averse = 3\nminimal = 4\ncautious = 6\nopen = 9\neager = 12\n"
    assert limits in text
    own = tmp_path / "matrix.toml"
    own.write_text(text.replace(limits, limits.replace("9", "4").replace("6", "4")), encoding="utf-8")
    app = create_app(settings.model_copy(update={"matrix_file": own}))
    token = make_token(app.state.engine, Role.ADMIN, name="own-matrix-admin")
    try:
        with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as client:
            make_service(client)
            risk = make_risk(client, residual=(2, 3), category="technology")  # Medium 6
            made = approve(client)
            assert made["categories"][0] == {"category": "technology", "level": "open", "max_score": 4}
            assert client.get(f"/api/v1/risks/{risk['id']}").json()["above_appetite"] is True
            assert refs(client, above_appetite="true") == ["CP01"]
    finally:
        app.state.engine.dispose()


def test_the_corporate_register_pdf_table_fits_the_page(
    client: TestClient, escalated: dict[str, Any]
) -> None:
    """Its columns add up to no more than the width between the margins (a wider table runs off
    the paper: the Next review column did), and the headings and a post break between words."""
    from app.reports import columns
    from app.reports.corporate import CORPORATE
    from app.reports.pdf.canvas import PAGE_WIDTH

    widths = [c.pdf_width for c in columns.columns_for(CORPORATE, "pdf")]
    assert sum(widths) <= PAGE_WIDTH, (
        f"the corporate register is {sum(widths)} mm wide; the page holds {PAGE_WIDTH}"
    )
    pages = PdfReader(io.BytesIO(_corporate(client, "pdf").content)).pages
    words = set("\n".join(p.extract_text() for p in pages).split())
    assert {"Strategic", "Appetite", "Direction", "Partnerships", "Escalated"} <= words
