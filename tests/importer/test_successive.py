"""A service's plans as its history: a later plan reviews the risks it shares, an older one adds
nothing, importing either again changes nothing (issue 15). On every engine."""

from __future__ import annotations

import base64
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from app.models import AuditEvent, ControlMeasure, Review, Risk, Service
from tests.importer.builders import SAMPLES, later_community_plan, plan_docx, sample_table

CP_2019 = "community-partnerships-2019-2022.txt"


def _post(client: TestClient, **body: Any) -> Any:
    return client.post("/api/v1/imports", json={"dry_run": False} | body)


def _text(client: TestClient, name: str, **extra: Any) -> Any:
    return _post(client, text=(SAMPLES / name).read_text(encoding="utf-8"), filename=name, **extra)


def _file(client: TestClient, content: bytes, filename: str, **extra: Any) -> Any:
    return _post(client, content_base64=base64.b64encode(content).decode(), filename=filename, **extra)


def _counts(client: TestClient) -> tuple[int, ...]:
    with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
        return tuple(
            session.exec(select(func.count()).select_from(model)).one()
            for model in (Service, Risk, Review, ControlMeasure)
        )


def _later_docx() -> bytes:
    header, rows = sample_table(CP_2019)
    return plan_docx(
        ["COMMUNITY PARTNERSHIPS", "SERVICE PLAN", "2022 - 2025"],  # the title over three lines
        header,
        later_community_plan(rows),
        table_title="Service Plan: Community Partnerships 2022-2025",
        split_controls_row=3,
    )


def _risks(client: TestClient) -> dict[str, dict[str, Any]]:
    items = client.get("/api/v1/risks", params={"service": "CP", "page_size": 100, "status": "all"}).json()
    return {r["ref"]: r for r in items["items"]}


def _reviews(client: TestClient, risk: dict[str, Any]) -> list[tuple[str, int, str]]:
    found = client.get(f"/api/v1/risks/{risk['id']}/reviews").json()
    return [(r["reviewed_on"], r["score"], r["direction"]) for r in found]


def test_a_later_plan_is_the_next_review_of_every_risk_it_shares(client: TestClient) -> None:
    first = _text(client, CP_2019)
    assert first.status_code == 201, first.text
    later = _file(client, _later_docx(), "community-partnerships-2022-2025.docx")
    assert later.status_code == 201, later.text
    body = later.json()
    assert (body["format"], body["period"], body["reviewed_on"]) == ("docx", "2022-2025", "2022-04-01")
    assert (body["created"], body["reviewed"], body["verdict"]) == (1, 13, "findings")
    actions = {r["ref"]: r["action"] for r in body["risks"]}
    assert actions["CP06"] == "review"  # the row led by ST05 is CP06, matched by its alias
    assert actions["CP15"] == "create"

    risks = _risks(client)
    assert sorted(risks) == [f"CP{n:02d}" for n in range(1, 16)]  # no second risk for ST05
    assert _reviews(client, risks["CP01"]) == [("2022-04-01", 6, "up"), ("2019-04-01", 4, "new")]
    assert _reviews(client, risks["CP04"]) == [("2022-04-01", 3, "down"), ("2019-04-01", 6, "new")]
    assert _reviews(client, risks["CP06"]) == [("2022-04-01", 2, "unchanged"), ("2019-04-01", 2, "new")]
    shared = [ref for ref in risks if ref not in ("CP13", "CP15")]
    assert all(len(_reviews(client, risks[ref])) == 2 for ref in shared)
    assert _reviews(client, risks["CP15"]) == [("2022-04-01", 8, "new")]
    # kept as published: band and score, likelihood and impact unknown
    assert risks["CP01"]["residual"] == {"likelihood": None, "impact": None, "score": 6, "band": "Medium"}
    assert risks["CP06"]["aliases"] == ["ST05"]
    # the split cell's two halves are CP04's two measures
    assert risks["CP04"]["controls"] == ["Existing corporate procedures", "internal audit"]

    # a changed title is a dated change with a finding; a dropped risk a finding, left open
    assert risks["CP02"]["title"] == "Total or partial failure of ICT systems"
    findings = {(f["code"], f["ref"]): f["message"] for f in body["findings"]}
    assert "Total failure of ICT systems" in findings[("title-changed", "CP02")]
    assert "1 April 2022" in findings[("title-changed", "CP02")]
    dropped = findings[("not-in-plan", "CP13")]
    assert "2019-2022 plan, not in the 2022-2025 plan" in dropped
    assert "close it or keep it" in dropped
    assert risks["CP13"]["status"] == "open"
    with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
        changes = session.exec(
            select(AuditEvent).where(
                AuditEvent.action == "risk.update", AuditEvent.entity_id == str(risks["CP02"]["id"])
            )
        ).all()
    assert [(c.after or {}).get("effective_on") for c in changes] == ["2022-04-01"]


def test_importing_either_plan_again_changes_nothing(client: TestClient) -> None:
    assert _text(client, CP_2019).status_code == 201
    later = _later_docx()
    assert _file(client, later, "cp-2022.docx").status_code == 201
    before = _counts(client)
    again = _file(client, later, "cp-2022.docx").json()
    assert (again["created"], again["reviewed"], again["updated"]) == (0, 0, 0)
    assert {r["action"] for r in again["risks"]} == {"exists"}
    older = _text(client, CP_2019).json()
    assert {r["action"] for r in older["risks"]} == {"older"}
    assert [f["code"] for f in older["findings"] if f["code"] == "older-plan"] == ["older-plan"]
    assert "adds nothing" in next(f["message"] for f in older["findings"] if f["code"] == "older-plan")
    assert _counts(client) == before


def test_an_older_plan_after_a_newer_one_adds_nothing(client: TestClient) -> None:
    assert _file(client, _later_docx(), "cp-2022.docx").status_code == 201
    before = _counts(client)
    older = _text(client, CP_2019)
    assert older.status_code == 200, older.text  # nothing changed
    assert older.json()["imported"] is True
    assert older.json()["created"] == 0
    assert _counts(client) == before
    assert "CP13" not in _risks(client)


def test_a_ref_is_said_to_be_given_only_when_one_was(client: TestClient) -> None:
    name = "corporate-services-2020-2023.txt"
    first = _text(client, name).json()
    assert sum(f["code"] == "ref-assigned" for f in first["findings"]) == 9
    again = _text(client, name).json()
    assert [r["action"] for r in again["risks"]] == ["exists"] * 9
    assert not [f for f in again["findings"] if "has been given" in f["message"]]
    assert again["verdict"] == "clean"


def test_a_plan_without_a_period_needs_reviewed_on(client: TestClient) -> None:
    text = (SAMPLES / "corporate-services-2020-2023.txt").read_text(encoding="utf-8")
    untitled = text.replace(
        "**CORPORATE SERVICES SERVICE PLAN\n2020 - 2023**", "**CORPORATE SERVICES SERVICE PLAN**"
    )
    before = _counts(client)
    refused = _post(client, text=untitled, filename="cs.txt")
    assert refused.status_code == 422, refused.text
    assert "names no period" in refused.json()["detail"]
    assert [e["field"] for e in refused.json()["errors"]] == ["body.reviewed_on"]
    assert _counts(client) == before
    done = _post(client, text=untitled, filename="cs.txt", reviewed_on="2020-06-01")
    assert done.status_code == 201, done.text
    assert done.json()["reviewed_on"] == "2020-06-01"


def test_strict_imports_nothing_when_there_are_findings(client: TestClient) -> None:
    before = _counts(client)
    strict = _text(client, CP_2019, strict=True)
    assert strict.status_code == 200, strict.text
    assert (strict.json()["verdict"], strict.json()["imported"], strict.json()["created"]) == (
        "findings",
        False,
        0,
    )
    assert _counts(client) == before
