"""The register as recorded at a moment T (`as_recorded`): only what had been stored by T,
on the risk list, one risk, the heat map and the register report; a paper produced at T is
reproduced exactly however much is recorded after it (backdated reviews, reopenings, renamed
risks, new risks). And one source for an assessed risk's controls and response: its reviews."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.clock import today
from tests.api.builders import get_risk, make_risk, make_service, patch_risk, review

DAY = today()
#: What a row shows of its own bookkeeping: the current version, not the one at T.
BOOKKEEPING = ("version", "updated_at", "updated_by")


def ago(days: int) -> date:
    return DAY - timedelta(days=days)


def moment() -> datetime:
    """Now, strictly between the writes before and after it."""
    time.sleep(0.01)
    now = datetime.now(UTC)
    time.sleep(0.01)
    return now


def items(client: TestClient, **params: Any) -> tuple[dict[str, dict[str, Any]], int]:
    response = client.get("/api/v1/risks", params=params | {"page_size": 200})
    assert response.status_code == 200, response.text
    body = response.json()
    found = {r["ref"]: {k: v for k, v in r.items() if k not in BOOKKEEPING} for r in body["items"]}
    assert body["total"] == len(found), "the count agrees with the items"
    return found, body["total"]


def set_status(client: TestClient, risk_id: int, status: str, on: date) -> None:
    _, etag = get_risk(client, risk_id)
    response = patch_risk(client, risk_id, etag, status=status, status_on=on.isoformat())
    assert response.status_code == 200, response.text


def patch(client: TestClient, risk_id: int, **fields: Any) -> dict[str, Any]:
    _, etag = get_risk(client, risk_id)
    response = patch_risk(client, risk_id, etag, **fields)
    assert response.status_code == 200, response.text
    return response.json()


def download(client: TestClient, path: str, **params: Any) -> bytes:
    response = client.get(f"/api/v1/reports/{path}", params=params)
    assert response.status_code == 200, response.text
    return response.content


@pytest.fixture
def register(client: TestClient) -> dict[str, Any]:
    """CP with four risks at T (two reviewed, one closed, one never assessed), then, after T, a
    backdated review, a reopening, a renaming, new controls on the unassessed one, a new risk,
    and a backdated closing and a new ref of the fourth."""
    make_service(client)
    a = make_risk(client, "CP", "CP01", (2, 3), reviewed_on=ago(200), title="Old title", owner="Old owner")
    b = make_risk(client, "CP", "CP02", (3, 3), reviewed_on=ago(150))
    set_status(client, b["id"], "closed", ago(60))
    c = make_risk(
        client,
        "CP",
        "CP03",
        None,
        controls=["Kept control"],
        response="tolerate",
        opened_on=ago(90).isoformat(),
    )
    e = make_risk(client, "CP", "CP06", (1, 1), reviewed_on=ago(100))
    day = ago(10)
    at_t = {
        "list": items(client, as_of=day.isoformat(), status="all")[0],
        "today": items(client, status="all")[0],
        "heatmap": download(client, "heatmap", service="CP", format="svg", as_of=day.isoformat()),
        "register": download(client, "register", service="CP", format="csv", as_of=day.isoformat()),
    }
    t = moment()
    review(client, a["id"], (4, 4), reviewed_on=ago(50))  # backdated: a late entry
    set_status(client, b["id"], "open", ago(20))
    patch(client, a["id"], title="New title", owner="New owner", aliases=["ST05"])
    patch(client, c["id"], controls=["New control"], response="treat")
    d = make_risk(client, "CP", "CP04", (4, 4), reviewed_on=ago(40))
    patch(client, e["id"], ref="CP07")
    set_status(client, e["id"], "closed", ago(15))
    return {"t": t, "day": day, "at_t": at_t, "ids": {r["ref"]: r["id"] for r in (a, b, c, d, e)}}


def test_the_list_as_recorded_at_t_is_the_list_made_at_t(
    client: TestClient, register: dict[str, Any]
) -> None:
    t, day = register["t"].isoformat(), register["day"].isoformat()
    then, _ = items(client, as_of=day, as_recorded=t, status="all")
    assert then == register["at_t"]["list"]
    now, _ = items(client, as_of=day, status="all")
    assert now != then
    assert (now["CP01"]["residual"]["score"], then["CP01"]["residual"]["score"]) == (16, 6)
    assert (now["CP01"]["title"], then["CP01"]["title"]) == ("New title", "Old title")
    assert (now["CP01"]["owner"], then["CP01"]["owner"]) == ("New owner", "Old owner")
    assert (now["CP01"]["aliases"], then["CP01"]["aliases"]) == (["ST05"], [])
    assert (now["CP02"]["status"], then["CP02"]["status"]) == ("open", "closed")
    assert (now["CP03"]["controls"], then["CP03"]["controls"]) == (["New control"], ["Kept control"])
    assert (now["CP03"]["response"], then["CP03"]["response"]) == ("treat", "tolerate")
    assert (now["CP07"]["status"], then["CP06"]["status"]) == ("closed", "open")
    assert "CP06" not in now


def test_without_as_of_it_is_today_as_recorded_at_t(client: TestClient, register: dict[str, Any]) -> None:
    t = register["t"].isoformat()
    then, _ = items(client, as_recorded=t, status="all")
    assert sorted(then) == ["CP01", "CP02", "CP03", "CP06"]  # CP04 was created after T
    assert then["CP02"]["status"] == "closed"  # its reopening was recorded after T
    assert (then["CP01"]["title"], then["CP01"]["residual"]["score"]) == ("Old title", 6)
    assert {ref: r["residual"] for ref, r in then.items()} == {
        ref: r["residual"] for ref, r in register["at_t"]["today"].items()
    }
    now, _ = items(client, as_recorded=datetime.now(UTC).isoformat(), status="all")
    assert sorted(now) == ["CP01", "CP02", "CP03", "CP04", "CP07"]
    assert (now["CP01"]["residual"]["score"], now["CP02"]["status"]) == (16, "open")
    response = client.get("/api/v1/risks", params={"as_recorded": t})
    assert response.json()["as_of"] == DAY.isoformat()
    assert response.json()["as_recorded"] is not None


def test_a_reopening_after_t_leaves_the_spell_closed(client: TestClient, register: dict[str, Any]) -> None:
    t = register["t"].isoformat()
    inside = ago(30).isoformat()  # closed on ago(60), reopened on ago(20) after T
    assert items(client, as_of=inside, status="closed")[0].keys() == {"CP02"}
    assert items(client, as_of=inside, as_recorded=t, status="closed")[0].keys() == {"CP02"}
    assert "CP02" in items(client, as_of=ago(10).isoformat(), status="open")[0]
    assert items(client, as_of=ago(10).isoformat(), as_recorded=t, status="closed")[0].keys() == {"CP02"}
    assert items(client, as_recorded=t, status="closed")[0].keys() == {"CP02"}


def test_filters_by_band_and_score_as_recorded(client: TestClient, register: dict[str, Any]) -> None:
    """A band or minimum-score filter reads the reviews in force first: as recorded at T too."""
    t, day = register["t"].isoformat(), register["day"].isoformat()
    assert items(client, as_of=day, band="Very High", status="all")[0].keys() == {"CP01", "CP04"}
    assert items(client, as_of=day, as_recorded=t, band="Very High", status="all")[1] == 0
    assert items(client, as_of=day, as_recorded=t, min_score=5, status="all")[0].keys() == {"CP01", "CP02"}
    assert items(client, as_of=day, as_recorded=t, min_score=5)[0].keys() == {"CP01"}  # CP02 closed then
    assert items(client, as_of=day, min_score=5)[0].keys() == {"CP01", "CP02", "CP04"}
    band_then = items(client, as_recorded=t)[0]["CP01"]["residual"]["band"]
    assert items(client, as_recorded=t, band=band_then)[0].keys() == {"CP01"}
    assert "CP01" not in items(client, band=band_then)[0]


def test_one_risk_as_recorded(client: TestClient, register: dict[str, Any]) -> None:
    t, day, ids = register["t"].isoformat(), register["day"].isoformat(), register["ids"]
    response = client.get(f"/api/v1/risks/{ids['CP01']}", params={"as_of": day, "as_recorded": t})
    assert response.status_code == 200, response.text
    assert "ETag" not in response.headers  # a past view is no version to change
    shown = {k: v for k, v in response.json().items() if k not in BOOKKEEPING}
    assert shown == register["at_t"]["list"]["CP01"]
    assert client.get(f"/api/v1/risks/{ids['CP04']}", params={"as_recorded": t}).status_code == 404
    assert (
        client.get(f"/api/v1/risks/{ids['CP04']}", params={"as_of": ago(41).isoformat()}).status_code == 404
    )
    later = client.get(f"/api/v1/risks/{ids['CP04']}", params={"as_recorded": datetime.now(UTC).isoformat()})
    assert later.status_code == 200


def test_the_heat_map_and_register_as_recorded_at_t_are_the_ones_made_at_t(
    client: TestClient, register: dict[str, Any]
) -> None:
    t, day, at_t = register["t"].isoformat(), register["day"].isoformat(), register["at_t"]
    heatmap = download(client, "heatmap", service="CP", format="svg", as_of=day, as_recorded=t)
    assert heatmap == at_t["heatmap"]
    assert download(client, "heatmap", service="CP", format="svg", as_of=day) != at_t["heatmap"]
    csv = download(client, "register", service="CP", format="csv", as_of=day, as_recorded=t)
    assert csv == at_t["register"]
    assert b"Old title" in csv
    assert b"New title" not in csv
    assert download(client, "register", service="CP", format="csv", as_of=day) != at_t["register"]


def test_history_says_recorded_at_and_late(client: TestClient, register: dict[str, Any]) -> None:
    risk_id = register["ids"]["CP01"]
    reviews = client.get(f"/api/v1/risks/{risk_id}/reviews").json()
    assert [(r["reviewed_on"], r["late"]) for r in reviews] == [
        (ago(50).isoformat(), True),
        (ago(200).isoformat(), True),
    ]
    history = client.get(f"/api/v1/risks/{risk_id}/history").json()
    assert [(e["action"], e["late"]) for e in history] == [
        ("risk.update", False),
        ("risk.review", True),
        ("risk.create", True),
    ]
    assert all(e["recorded_at"] == e["occurred_at"] for e in history)
    reopened = client.get(f"/api/v1/risks/{register['ids']['CP02']}/history").json()
    assert [(e["action"], e["late"]) for e in reopened][:2] == [("risk.reopen", False), ("risk.close", True)]
    assert reopened[0]["after"]["status_on"] == ago(20).isoformat()
    statuses = client.get(f"/api/v1/risks/{register['ids']['CP02']}/status").json()
    assert [(s["status"], s["late"]) for s in statuses] == [("open", False), ("closed", True), ("open", True)]
    assert all(s["recorded_at"] for s in statuses)


WHERE = ["/api/v1/risks", "/api/v1/risks/1", "/api/v1/reports/heatmap", "/api/v1/reports/register"]


@pytest.mark.parametrize("path", WHERE)
@pytest.mark.parametrize(
    "value",
    [
        "2025-10-14T09:00:00",  # naive: no moment
        (datetime.now(UTC) + timedelta(days=1)).isoformat(),  # the future
        "yesterday",
        "0001-01-01T00:00:00+05:00",
    ],
)
def test_a_naive_future_or_bad_as_recorded_is_422(client: TestClient, path: str, value: str) -> None:
    make_service(client)
    make_risk(client)
    params = {"as_recorded": value} | ({"service": "CP"} if "register" in path else {})
    response = client.get(path, params=params)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["query.as_recorded"]


def test_as_recorded_with_an_offset_is_the_same_moment_in_utc(client: TestClient) -> None:
    make_service(client)
    make_risk(client)
    t = moment()
    make_risk(client, ref="CP02")
    local = t.astimezone(UTC).replace(tzinfo=None).isoformat() + "+00:00"
    shifted = (t + timedelta(hours=1)).replace(tzinfo=None).isoformat() + "+01:00"
    # unencoded, "+01:00" arrives as " 01:00": still the same moment
    raw = client.get("/api/v1/risks?as_recorded=" + shifted)
    assert raw.status_code == 200, raw.text
    assert [r["ref"] for r in raw.json()["items"]] == ["CP01"]
    for value in (local, shifted):
        assert items(client, as_recorded=value)[0].keys() == {"CP01"}


def test_patching_an_assessed_risks_controls_or_response_is_refused(client: TestClient) -> None:
    make_service(client)
    risk = make_risk(client)
    before, etag = get_risk(client, risk["id"])
    trail = client.get(f"/api/v1/risks/{risk['id']}/history").json()
    for fields in (
        {"controls": ["Something else"]},
        {"response": "transfer"},
        {"response": "treat", "owner": "X"},
    ):
        response = patch_risk(client, risk["id"], etag, **fields)
        assert response.status_code == 422, response.text
        errors = response.json()["errors"]
        assert [(e["field"], e["type"]) for e in errors] == [
            (f"body.{name}", "changed_by_review") for name in ("controls", "response") if name in fields
        ]
        assert f"POST /api/v1/risks/{risk['id']}/reviews" in response.json()["detail"]
    assert get_risk(client, risk["id"]) == (before, etag)
    assert client.get(f"/api/v1/risks/{risk['id']}/history").json() == trail
    reviewed = review(client, risk["id"], (2, 2), controls=["Something else"], response="transfer")
    now, _ = get_risk(client, risk["id"])
    assert (now["controls"], now["response"]) == (reviewed["controls"], reviewed["response"])


def test_a_risk_first_reviewed_after_the_day_shows_no_controls_then(client: TestClient) -> None:
    """As of a day before its first review a risk has no review in force: no controls or response
    from a review that did not exist yet; a risk never reviewed shows its own."""
    make_service(client)
    risk = make_risk(client, residual=None, controls=["Kept control"], opened_on=ago(100).isoformat())
    assert items(client, as_of=ago(50).isoformat())[0]["CP01"]["controls"] == ["Kept control"]
    review(client, risk["id"], (2, 2), reviewed_on=ago(20), controls=["Reviewed control"])
    then = items(client, as_of=ago(50).isoformat())[0]["CP01"]
    assert (then["controls"], then["response"], then["residual"]) == ([], None, None)
    assert items(client, as_of=ago(10).isoformat())[0]["CP01"]["controls"] == ["Reviewed control"]
