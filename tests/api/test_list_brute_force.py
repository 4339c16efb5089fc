"""GET /api/v1/risks against a brute-force recomputation, on random registers.

The list reads the current assessment kept on each risk row, or (as_of) the review in
force found through indexes on `superseded_on`; here every expected item is rebuilt
from GET /risks/{id} and the review history alone: the review in force on a day is the
last one dated on or before it. Items, their order, `total` and pagination must agree,
for every filter, sort and day tried, and the body must be exactly a RiskPage.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.clock import today
from app.risks.schemas import RiskPage
from tests.api.builders import close_risk, make_risk, make_service, review

DAY = today()
SERVICES = ("CP", "HS", "CS")
FILTERS: list[dict[str, Any]] = [
    {},
    {"band": ["High", "Very High"], "sort": "-score"},
    {"band": ["Low"], "sort": "score"},
    {"band": ["Medium", "Low"], "status": "all", "sort": "ref"},
    {"band": ["Very High", "High", "Medium"], "status": "closed", "sort": "-likelihood,title"},
    {"min_score": 6, "sort": "-last_reviewed_on"},
    {"min_score": 8, "overdue": "true", "sort": "impact,-opened_on"},
    {"status": "closed"},
    {"status": "all", "sort": "-next_review_due"},
    {"overdue": "true", "sort": "service,-score"},
    {"overdue": "false", "status": "all"},
    {"service": ["CP", "HS"], "band": ["Very High", "High"], "sort": "-score"},
    {"q": "ict", "status": "all", "sort": "id"},
    {"response": "tolerate", "band": ["Low", "Medium", "High", "Very High"], "status": "all"},
    {"response": "treat", "status": "all"},
    {"band": ["High"], "service": ["CS"], "overdue": "false", "sort": "-score,service,ref"},
]


def band_of(score: int) -> str:
    return "Low" if score <= 4 else "Medium" if score == 6 else "High" if score <= 9 else "Very High"


@pytest.fixture
def register(client: TestClient) -> dict[int, dict[str, Any]]:
    """About 18 risks with random histories (some unassessed at first, some closed); by id:
    the risk now, its reviews oldest first, and its closed_on."""
    rng = random.Random(20261123)
    for code in SERVICES:
        make_service(client, code, f"Service {code}")
    made: dict[int, dict[str, Any]] = {}
    for n in range(18):
        code = SERVICES[n % 3]
        opened = DAY - timedelta(days=rng.randint(30, 900))
        days = sorted(rng.sample(range((DAY - opened).days + 1), rng.randint(0, 5)))
        dates = [opened + timedelta(days=d) for d in days]
        assessed_at_once = (bool(dates) and dates[0] == opened) or rng.random() < 0.5
        first = (rng.randint(1, 4), rng.randint(1, 4)) if assessed_at_once else None
        risk = make_risk(
            client,
            code,
            ref=f"{code}{n:02d}",
            title=rng.choice(["Total failure of ICT systems", "Insufficient staff", "Fraud"]) + f" {n}",
            residual=first,
            reviewed_on=opened,
            response=rng.choice(["treat", "tolerate"]),
        )
        for day in dates if not assessed_at_once else [d for d in dates if d != opened]:
            fields: dict[str, Any] = {"response": rng.choice(["treat", "tolerate", "transfer"])}
            if rng.random() < 0.5:
                fields["controls"] = [f"control {rng.randint(1, 9)}" for _ in range(rng.randint(0, 3))]
            review(client, risk["id"], (rng.randint(1, 4), rng.randint(1, 4)), reviewed_on=day, **fields)
        closed_on = None
        if rng.random() < 0.3:
            last = max([opened, *dates])  # a risk closes on or after its last review
            closed_on = last + timedelta(days=rng.randint(0, (DAY - last).days))
            close_risk(client, risk["id"], closed_on)
        history = client.get(f"/api/v1/risks/{risk['id']}/reviews").json()
        made[risk["id"]] = {
            "now": client.get(f"/api/v1/risks/{risk['id']}").json(),
            "reviews": sorted(history, key=lambda r: (r["reviewed_on"], r["id"])),
            "closed_on": closed_on,
        }
    return made


def expected_item(risk: dict[str, Any], day: date | None) -> dict[str, Any] | None:
    """The list item of `risk` on `day` (None: now), from GET /risks/{id} and its reviews only."""
    now = risk["now"]
    if day is None:
        return now
    if date.fromisoformat(now["opened_on"]) > day:
        return None
    in_force = [r for r in risk["reviews"] if date.fromisoformat(r["reviewed_on"]) <= day]
    shown = in_force[-1] if in_force else None
    closed = risk["closed_on"] is not None and risk["closed_on"] <= day
    due = date.fromisoformat(shown["next_review_due"]) if shown else None
    return now | {
        "status": "closed" if closed else "open",
        "closed_on": risk["closed_on"].isoformat() if closed else None,
        # one source: the review in force; a risk never reviewed keeps its own; one first
        # reviewed after the day had neither then
        "response": shown["response"] if shown else None if risk["reviews"] else now["response"],
        "controls": shown["controls"] if shown else [] if risk["reviews"] else now["controls"],
        "residual": shown["residual"] if shown else None,
        "inherent": shown["inherent"] if shown else None,
        "target": shown["target"] if shown else None,
        "last_reviewed_on": shown["reviewed_on"] if shown else None,
        "next_review_due": shown["next_review_due"] if shown else None,
        "overdue": not closed and (due is None or due < day),
    }


def matches(item: dict[str, Any], params: dict[str, Any]) -> bool:
    residual = item["residual"]
    status = params.get("status", "open")
    return (
        (status == "all" or item["status"] == status)
        and ("band" not in params or (residual is not None and residual["band"] in params["band"]))
        and ("min_score" not in params or (residual is not None and residual["score"] >= params["min_score"]))
        and ("service" not in params or item["service"] in params["service"])
        and ("response" not in params or item["response"] == params["response"])
        and ("overdue" not in params or item["overdue"] == (params["overdue"] == "true"))
        and ("q" not in params or params["q"] in (item["ref"] + " " + item["title"]).lower())
    )


def value(item: dict[str, Any], name: str) -> Any:
    if name in ("score", "likelihood", "impact"):
        return item["residual"][name] if item["residual"] else None
    return item[name]  # ISO dates sort as their text


def ordered(items: list[dict[str, Any]], sort: str) -> list[dict[str, Any]]:
    """The list's order: each key ascending or descending with nulls last, then id.

    Stable sorts from the last key to the first, each putting its nulls last.
    """
    result = sorted(items, key=lambda x: x["id"])
    for part in reversed(sort.split(",")):
        name, desc = part.lstrip("-"), part.startswith("-")
        present = [x for x in result if value(x, name) is not None]
        result = sorted(present, key=lambda x: value(x, name), reverse=desc) + [
            x for x in result if value(x, name) is None
        ]
    return result


def listed(client: TestClient, params: dict[str, Any]) -> dict[str, Any]:
    response = client.get("/api/v1/risks", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    # exactly the JSON FastAPI would make of the response model
    assert RiskPage.model_validate_json(response.content).model_dump_json().encode() == response.content
    return response.json()  # type: ignore[no-any-return]


def test_list_equals_brute_force(client: TestClient, register: dict[int, dict[str, Any]]) -> None:
    rng = random.Random(6)
    review_days = sorted(
        {date.fromisoformat(r["reviewed_on"]) for x in register.values() for r in x["reviews"]}
    )
    days: list[date | None] = [None, DAY, DAY - timedelta(days=1), DAY - timedelta(days=365)]
    days += rng.sample(review_days, 4) + [d - timedelta(days=1) for d in rng.sample(review_days, 3)]
    days += [DAY - timedelta(days=rng.randint(0, 950)) for _ in range(3)]
    checked = 0
    for day in days:
        items = [x for x in (expected_item(r, day) for r in register.values()) if x is not None]
        for params in FILTERS:
            sort = params.get("sort", "-score,service,ref")
            expected = ordered([x for x in items if matches(x, params)], sort)
            query = params | ({"as_of": day.isoformat()} if day else {}) | {"page_size": 200}
            page = listed(client, query)
            assert page["total"] == len(expected), (day, params)
            assert page["items"] == expected, (day, params)
            assert (page["as_of"], page["basis"]) == (day.isoformat() if day else None, "residual")
            checked += len(expected)
            # the same list three at a time: pages cut in the same order, the total on each
            pages = [
                listed(client, query | {"page_size": 3, "page": n}) for n in range(1, len(expected) // 3 + 3)
            ]
            assert [i for p in pages for i in p["items"]] == expected, (day, params)
            assert {p["total"] for p in pages} == {len(expected)}
            assert pages[-1]["items"] == []
            assert {p["pages"] for p in pages} == {-(-len(expected) // 3)}
    assert checked > 200  # the random register gives every filter something to find


def test_band_and_score_agree(register: dict[int, dict[str, Any]]) -> None:
    """The brute force's own premise: every review's band is the band of its score."""
    for risk in register.values():
        for r in risk["reviews"]:
            assert r["residual"]["band"] == band_of(r["residual"]["score"])
