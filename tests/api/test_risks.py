"""Risks: creation with its first review, reading with ETag, PATCH with If-Match, close and reopen."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from app.clock import today
from tests.api.builders import (
    close_risk,
    field_names,
    get_risk,
    list_refs,
    make_risk,
    make_service,
    patch_risk,
)


@pytest.fixture
def cp(client: TestClient) -> TestClient:
    """A client whose register has the service CP."""
    make_service(client)
    return client


def test_create_risk(cp: TestClient) -> None:
    body = {
        "ref": "CP06",
        "aliases": ["ST05", "st 05", "CP06", "ST04"],
        "title": "Community Safety Actions fail to meet targets",
        "consequence": "Reduction in quality of life in the District",
        "owner": "Community Partnerships Manager",
        "response": "treat",
        "controls": ["Quarterly reports to the Board", "Six-monthly reports to Members", "Action plan"],
        "residual": {"likelihood": 2, "impact": 3},
        "inherent": {"likelihood": 3, "impact": 4},
        "target": {"likelihood": 1, "impact": 3},
    }
    response = cp.post("/api/v1/services/cp/risks", json=body)
    assert response.status_code == 201, response.text
    risk = response.json()
    assert response.headers["ETag"] == f'"{risk["id"]}-1"'
    assert response.headers["Location"] == f"/api/v1/risks/{risk['id']}"
    assert risk["service"] == "CP"
    assert risk["ref"] == "CP06"
    assert risk["aliases"] == ["ST05", "ST04"]
    assert risk["residual"] == {"likelihood": 2, "impact": 3, "score": 6, "band": "Medium"}
    assert risk["inherent"] == {"likelihood": 3, "impact": 4, "score": 12, "band": "Very High"}
    assert risk["target"] == {"likelihood": 1, "impact": 3, "score": 3, "band": "Low"}
    assert risk["controls"] == body["controls"]
    assert (risk["status"], risk["closed_on"], risk["response"]) == ("open", None, "treat")
    assert risk["last_reviewed_on"] == today().isoformat()
    assert risk["opened_on"] == today().isoformat()
    assert risk["overdue"] is False
    assert risk["version"] == 1
    reviews = cp.get(f"/api/v1/risks/{risk['id']}/reviews").json()
    assert [(r["reviewed_on"], r["score"], r["direction"]) for r in reviews] == [
        (today().isoformat(), 6, "new")
    ]


def test_create_without_assessment(cp: TestClient) -> None:
    risk = make_risk(cp, residual=None, controls=[])
    assert (risk["residual"], risk["inherent"], risk["target"]) == (None, None, None)
    assert (risk["last_reviewed_on"], risk["next_review_due"]) == (None, None)
    assert risk["version"] == 1
    assert risk["controls"] == []
    assert cp.get(f"/api/v1/risks/{risk['id']}/reviews").json() == []


def test_create_in_the_past(cp: TestClient) -> None:
    day = today() - timedelta(days=40)
    risk = make_risk(cp, reviewed_on=day)
    assert (risk["opened_on"], risk["last_reviewed_on"]) == (day.isoformat(), day.isoformat())


def test_duplicate_ref_in_the_same_service_is_409(cp: TestClient) -> None:
    make_risk(cp, ref="CP01")
    response = cp.post("/api/v1/services/CP/risks", json={"ref": "cp 01", "title": "t", "response": "treat"})
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "CP01" in response.json()["detail"]
    assert list_refs(cp, status="all") == ["CP/CP01"]


def test_same_ref_in_another_service(cp: TestClient) -> None:
    make_service(cp, "HS", "Housing Services")
    make_risk(cp, ref="CP01")
    other = make_risk(cp, service="HS", ref="CP01")
    assert other["service"] == "HS"
    assert sorted(list_refs(cp)) == ["CP/CP01", "HS/CP01"]


@pytest.mark.parametrize(("given", "stored"), [("cp 01", "CP01"), ("  Cp  08 ", "CP08"), ("cp01", "CP01")])
def test_ref_is_normalised(cp: TestClient, given: str, stored: str) -> None:
    assert make_risk(cp, ref=given)["ref"] == stored


@pytest.mark.parametrize("ref", ["", "   ", "CP#1", "-CP1", "C" * 21])
def test_bad_ref_is_422(cp: TestClient, ref: str) -> None:
    response = cp.post("/api/v1/services/CP/risks", json={"ref": ref, "title": "t", "response": "treat"})
    assert response.status_code == 422
    assert field_names(response) == ["body.ref"]


def test_bad_response_is_422(cp: TestClient) -> None:
    response = cp.post("/api/v1/services/CP/risks", json={"ref": "CP1", "title": "t", "response": "avoid"})
    assert response.status_code == 422
    assert field_names(response) == ["body.response"]


def test_get_risk_with_etag(cp: TestClient) -> None:
    created = cp.post(
        "/api/v1/services/CP/risks",
        json={
            "ref": "CP01",
            "title": "t",
            "response": "tolerate",
            "residual": {"likelihood": 1, "impact": 1},
        },
    )
    risk, etag = get_risk(cp, created.json()["id"])
    assert etag == created.headers["ETag"]
    assert risk == created.json()


def test_unknown_risk_is_404(cp: TestClient) -> None:
    assert cp.get("/api/v1/risks/999999").status_code == 404
    assert patch_risk(cp, 999999, '"999999-1"', title="x").status_code == 404


@pytest.mark.parametrize("with_assessment", [True, False])
def test_future_reviewed_on_is_422(cp: TestClient, with_assessment: bool) -> None:
    body = {
        "ref": "CP01",
        "title": "t",
        "response": "treat",
        "reviewed_on": (today() + timedelta(days=1)).isoformat(),
    }
    if with_assessment:
        body["residual"] = {"likelihood": 1, "impact": 2}
    response = cp.post("/api/v1/services/CP/risks", json=body)
    assert response.status_code == 422
    assert field_names(response) == ["body.reviewed_on"]
    assert list_refs(cp, status="all") == []


@pytest.mark.parametrize("which", ["inherent", "target"])
def test_inherent_or_target_without_residual_is_422(cp: TestClient, which: str) -> None:
    response = cp.post(
        "/api/v1/services/CP/risks",
        json={"ref": "CP01", "title": "t", "response": "treat", which: {"likelihood": 3, "impact": 3}},
    )
    assert response.status_code == 422
    assert field_names(response) == ["body.residual"]


# --- PATCH ------------------------------------------------------------------


def test_patch_needs_if_match(cp: TestClient) -> None:
    risk = make_risk(cp)
    response = patch_risk(cp, risk["id"], None, title="New title")
    assert response.status_code == 428
    assert response.headers["content-type"].startswith("application/problem+json")
    assert get_risk(cp, risk["id"])[0]["title"] == "Risk CP01"


def test_patch_with_a_stale_etag_is_412(cp: TestClient) -> None:
    risk = make_risk(cp)
    response = patch_risk(cp, risk["id"], f'"{risk["id"]}-0"', title="New title")
    assert response.status_code == 412
    assert get_risk(cp, risk["id"])[0]["title"] == "Risk CP01"


def test_patch_descriptive_fields(cp: TestClient) -> None:
    risk = make_risk(cp)
    _, etag = get_risk(cp, risk["id"])
    response = patch_risk(
        cp, risk["id"], etag, title="Total failure of ICT systems", owner="ICT Manager", aliases=["ST05"]
    )
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["title"] == "Total failure of ICT systems"
    assert (updated["owner"], updated["response"], updated["aliases"]) == ("ICT Manager", "treat", ["ST05"])
    assert updated["controls"] == risk["controls"]
    assert updated["residual"] == risk["residual"]
    assert updated["version"] == risk["version"] + 1
    assert response.headers["ETag"] != etag
    assert response.headers["ETag"] == f'"{risk["id"]}-{updated["version"]}"'
    assert get_risk(cp, risk["id"]) == (updated, response.headers["ETag"])


def test_patch_controls_and_response_of_a_risk_never_assessed(cp: TestClient) -> None:
    risk = make_risk(cp, residual=None)
    _, etag = get_risk(cp, risk["id"])
    controls = ["Off-site backup", "Disaster recovery contract"]
    response = patch_risk(cp, risk["id"], etag, response="transfer", controls=controls)
    assert response.status_code == 200, response.text
    assert (response.json()["response"], response.json()["controls"]) == ("transfer", controls)


def test_two_patches_with_the_same_etag(cp: TestClient) -> None:
    risk = make_risk(cp)
    _, etag = get_risk(cp, risk["id"])
    first = patch_risk(cp, risk["id"], etag, owner="First")
    second = patch_risk(cp, risk["id"], etag, owner="Second")
    assert sorted([first.status_code, second.status_code]) == [200, 412]
    current, _ = get_risk(cp, risk["id"])
    assert (current["owner"], current["version"]) == ("First", 2)


def test_each_patch_moves_the_version(cp: TestClient) -> None:
    risk = make_risk(cp)
    etags = [get_risk(cp, risk["id"])[1]]
    for owner in ("A", "B", "C"):
        response = patch_risk(cp, risk["id"], etags[-1], owner=owner)
        assert response.status_code == 200
        etags.append(response.headers["ETag"])
    assert len(set(etags)) == 4
    assert get_risk(cp, risk["id"])[0]["version"] == 4


def test_a_review_makes_an_old_etag_stale(cp: TestClient) -> None:
    risk = make_risk(cp)
    _, etag = get_risk(cp, risk["id"])
    reviewed = cp.post(
        f"/api/v1/risks/{risk['id']}/reviews", json={"residual": {"likelihood": 1, "impact": 1}}
    )
    assert reviewed.status_code == 201
    assert patch_risk(cp, risk["id"], etag, owner="Late").status_code == 412
    current, fresh = get_risk(cp, risk["id"])
    assert (current["version"], fresh) == (2, f'"{risk["id"]}-2"')


@pytest.mark.parametrize("form", ["*", '"0-0", {etag}'])
def test_if_match_forms(cp: TestClient, form: str) -> None:
    risk = make_risk(cp)
    _, etag = get_risk(cp, risk["id"])
    assert patch_risk(cp, risk["id"], form.format(etag=etag), owner="Someone").status_code == 200


@pytest.mark.parametrize(
    "fields",
    [
        {"residual": {"likelihood": 1, "impact": 1}},
        {"inherent": {"likelihood": 1, "impact": 1}},
        {"version": 7},
        {"service": "HS"},
        {"id": 3},
    ],
)
def test_patch_refuses_scores_and_unknown_fields(cp: TestClient, fields: dict[str, object]) -> None:
    risk = make_risk(cp)
    _, etag = get_risk(cp, risk["id"])
    response = patch_risk(cp, risk["id"], etag, **fields)
    assert response.status_code == 422
    assert field_names(response) == [f"body.{next(iter(fields))}"]
    assert get_risk(cp, risk["id"]) == (risk, etag)


def test_patch_with_nothing_is_422(cp: TestClient) -> None:
    risk = make_risk(cp)
    _, etag = get_risk(cp, risk["id"])
    assert patch_risk(cp, risk["id"], etag).status_code == 422


def test_patch_ref_onto_another_risk_is_409(cp: TestClient) -> None:
    make_risk(cp, ref="CP01")
    second = make_risk(cp, ref="CP02")
    _, etag = get_risk(cp, second["id"])
    response = patch_risk(cp, second["id"], etag, ref="cp 01")
    assert response.status_code == 409
    assert response.json()["detail"] == "service CP already has a risk CP01"
    assert get_risk(cp, second["id"])[0]["ref"] == "CP02"


# --- closing and reopening --------------------------------------------------


def test_close_risk(cp: TestClient) -> None:
    risk = make_risk(cp, ref="CP01")
    make_risk(cp, ref="CP02")
    closed = close_risk(cp, risk["id"])
    assert (closed["status"], closed["closed_on"]) == ("closed", today().isoformat())
    assert closed["overdue"] is False
    assert list_refs(cp) == ["CP/CP02"]
    assert list_refs(cp, status="closed") == ["CP/CP01"]
    assert sorted(list_refs(cp, status="all")) == ["CP/CP01", "CP/CP02"]


def test_close_on_a_past_date(cp: TestClient) -> None:
    risk = make_risk(cp, reviewed_on=today() - timedelta(days=20))
    closed = close_risk(cp, risk["id"], closed_on=today() - timedelta(days=5))
    assert closed["closed_on"] == (today() - timedelta(days=5)).isoformat()


def test_reopen_risk(cp: TestClient) -> None:
    risk = make_risk(cp)
    close_risk(cp, risk["id"])
    _, etag = get_risk(cp, risk["id"])
    response = patch_risk(cp, risk["id"], etag, status="open")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["closed_on"]) == ("open", None)
    assert list_refs(cp) == ["CP/CP01"]
    assert (
        cp.post(
            f"/api/v1/risks/{risk['id']}/reviews", json={"residual": {"likelihood": 1, "impact": 1}}
        ).status_code
        == 201
    )


@pytest.mark.parametrize(
    "closed_on",
    [today() + timedelta(days=1), today() - timedelta(days=400)],
    ids=["future", "before-opened"],
)
def test_bad_closed_on_is_422(cp: TestClient, closed_on: object) -> None:
    risk = make_risk(cp, reviewed_on=today() - timedelta(days=10))
    _, etag = get_risk(cp, risk["id"])
    response = patch_risk(cp, risk["id"], etag, status="closed", closed_on=str(closed_on))
    assert response.status_code == 422
    assert field_names(response) == ["body.closed_on"]
    assert get_risk(cp, risk["id"])[0]["status"] == "open"


def test_closed_on_needs_status_closed(cp: TestClient) -> None:
    risk = make_risk(cp, reviewed_on=today() - timedelta(days=10))
    _, etag = get_risk(cp, risk["id"])
    response = patch_risk(cp, risk["id"], etag, closed_on=today().isoformat())
    assert response.status_code == 422
    assert field_names(response) == ["body.closed_on"]


def test_closing_before_the_last_review_is_422(cp: TestClient) -> None:
    risk = make_risk(cp, reviewed_on=today() - timedelta(days=30))
    cp.post(
        f"/api/v1/risks/{risk['id']}/reviews",
        json={
            "residual": {"likelihood": 1, "impact": 1},
            "reviewed_on": (today() - timedelta(days=5)).isoformat(),
        },
    )
    _, etag = get_risk(cp, risk["id"])
    response = patch_risk(
        cp, risk["id"], etag, status="closed", closed_on=(today() - timedelta(days=6)).isoformat()
    )
    assert response.status_code == 422
    assert field_names(response) == ["body.closed_on"]


def test_reviewing_a_closed_risk_is_409(cp: TestClient) -> None:
    risk = make_risk(cp)
    close_risk(cp, risk["id"])
    before, etag = get_risk(cp, risk["id"])
    response = cp.post(
        f"/api/v1/risks/{risk['id']}/reviews", json={"residual": {"likelihood": 1, "impact": 1}}
    )
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    assert get_risk(cp, risk["id"]) == (before, etag)
    assert len(cp.get(f"/api/v1/risks/{risk['id']}/reviews").json()) == 1


def test_a_query_parameter_given_twice_is_422_unless_it_takes_several(client: TestClient) -> None:
    twice = client.get(
        "/api/v1/risks", params=[("page", "1"), ("page", "2"), ("sort", "ref"), ("sort", "id")]
    )
    assert twice.status_code == 422, twice.text
    assert field_names(twice) == ["query.page", "query.sort"]
    audit = client.get("/api/v1/audit/events", params=[("entity_type", "risk"), ("entity_type", "token")])
    assert audit.status_code == 422
    assert field_names(audit) == ["query.entity_type"]
    several = client.get("/api/v1/risks", params=[("band", "High"), ("band", "Very High")])
    assert several.status_code == 200, several.text


def test_if_match_compares_strongly(client: TestClient) -> None:
    """RFC 9110: If-Match uses the strong comparison, so a weak tag of the right version is stale."""
    make_service(client)
    risk = make_risk(client)
    etag = client.get(f"/api/v1/risks/{risk['id']}").headers["etag"]
    weak = client.patch(f"/api/v1/risks/{risk['id']}", json={"owner": "x"}, headers={"If-Match": f"W/{etag}"})
    assert weak.status_code == 412, weak.text
    strong = client.patch(f"/api/v1/risks/{risk['id']}", json={"owner": "x"}, headers={"If-Match": etag})
    assert strong.status_code == 200, strong.text


def test_a_null_status_changes_nothing(client: TestClient) -> None:
    """`{"status": null}` was taken as a change: version +1 and an audit entry for nothing."""
    make_service(client)
    risk = make_risk(client)
    before = client.get(f"/api/v1/risks/{risk['id']}")
    response = client.patch(
        f"/api/v1/risks/{risk['id']}", json={"status": None}, headers={"If-Match": before.headers["etag"]}
    )
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["body.status"]
    assert client.get(f"/api/v1/risks/{risk['id']}").json()["version"] == before.json()["version"]
