"""Every place that shows a risk says the same about it: the API (list and risk), the register
(JSON, CSV, XLSX, HTML), the six-monthly report of the current period and the heat map cells
agree on each risk's control measures, position and direction of travel.

The register holds a risk whose control measures were changed by its latest review and a risk
never assessed whose control measures were changed on the risk (the issue's "None recorded" in
the six-monthly report beside 11 measures in the register): a report reading the controls from
another source than the API would disagree."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.clock import today
from app.reports.queries import current_heatmap
from app.reports.words import direction_label
from tests.api.builders import get_risk, make_risk, make_service, patch_risk, review

DAY = today()
NEW_CONTROLS = [f"Measure {n} agreed with the board" for n in range(1, 12)]
UNASSESSED_CONTROLS = ["Quarterly check with the partnership board", "Named lead officer"]

#: (likelihood, impact) of each risk now (None: never assessed), and its direction this half.
EXPECTED = {
    "CP01": ((3, 3), "up"),
    "CP02": ((2, 2), "down"),
    "CP03": ((1, 3), "unchanged"),
    "CP04": (None, "not_assessed"),
    "CP05": ((2, 3), "new"),
}


@pytest.fixture
def register(client: TestClient) -> TestClient:
    make_service(client)
    long_ago = DAY - timedelta(days=400)
    cp01 = make_risk(client, ref="CP01", residual=(2, 2), reviewed_on=long_ago)
    review(client, cp01["id"], (3, 3), reviewed_on=DAY)
    cp02 = make_risk(client, ref="CP02", residual=(4, 4), reviewed_on=long_ago)
    review(client, cp02["id"], (2, 2), reviewed_on=DAY)
    cp03 = make_risk(client, ref="CP03", residual=(1, 3), reviewed_on=long_ago)
    review(client, cp03["id"], (1, 3), reviewed_on=DAY, controls=NEW_CONTROLS)
    cp04 = make_risk(client, ref="CP04", residual=None, opened_on=long_ago.isoformat())
    _, etag = get_risk(client, cp04["id"])
    changed = patch_risk(client, cp04["id"], etag, controls=UNASSESSED_CONTROLS)  # no review: on the risk
    assert changed.status_code == 200, changed.text
    make_risk(client, ref="CP05", residual=(2, 3), reviewed_on=DAY)
    return client


def _get(client: TestClient, path: str, **params: Any) -> Any:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response


def _position(assessment: dict[str, Any] | None) -> tuple[int, int] | None:
    return None if assessment is None else (assessment["likelihood"], assessment["impact"])


def test_every_view_of_a_risk_agrees(register: TestClient, engine: Any) -> None:
    client = register
    listed = {r["ref"]: r for r in _get(client, "/api/v1/risks", service="CP", status="open").json()["items"]}
    assert set(listed) == set(EXPECTED)
    assert listed["CP03"]["controls"] == NEW_CONTROLS
    assert listed["CP04"]["controls"] == UNASSESSED_CONTROLS
    controls = {ref: r["controls"] for ref, r in listed.items()}
    positions = {ref: _position(r["residual"]) for ref, r in listed.items()}
    assert positions == {ref: position for ref, (position, _) in EXPECTED.items()}
    directions = {ref: direction for ref, (_, direction) in EXPECTED.items()}
    for ref, r in listed.items():
        one = _get(client, f"/api/v1/risks/{r['id']}").json()
        assert (one["controls"], _position(one["residual"])) == (controls[ref], positions[ref])

    views: dict[str, dict[str, tuple[list[str], tuple[int, int] | None, str]]] = {}
    register_json = _get(client, "/api/v1/reports/register", service="CP", format="json").json()
    assert register_json["service"] == "CP"
    views["register json"] = {
        r["ref"]: (r["controls"], _position(r["residual"]), r["direction"]) for r in register_json["risks"]
    }
    report = _get(client, "/api/v1/reports/six-monthly", period="current", format="json").json()
    views["six-monthly json"] = {
        r["ref"]: (r["controls"], _position(r["residual"]), r["direction"]) for r in report["risks"]
    }
    text = _get(client, "/api/v1/reports/register", service="CP", format="csv").text
    views["register csv"] = {
        row["ref"]: (
            row["controls"].split("; ") if row["controls"] else [],
            (int(row["residual_likelihood"]), int(row["residual_impact"])) if row["residual_score"] else None,
            row["direction"],
        )
        for row in csv.DictReader(io.StringIO(text))
    }
    book = openpyxl.load_workbook(
        io.BytesIO(_get(client, "/api/v1/reports/register", service="CP", format="xlsx").content)
    )
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    labels = {direction_label(d): d for d in directions.values()}
    views["register xlsx"] = {}
    for values in sheet.iter_rows(min_row=2, values_only=True):
        row = dict(zip(header, values, strict=True))
        likelihood, impact = row["Residual likelihood"], row["Residual impact"]
        views["register xlsx"][row["Ref"]] = (
            str(row["Control measures"]).split("\n") if row["Control measures"] else [],
            (likelihood, impact) if likelihood is not None else None,
            labels[row["Direction of travel"]],
        )
    expected = {ref: (controls[ref], positions[ref], directions[ref]) for ref in EXPECTED}
    for name, seen in views.items():
        assert seen == expected, name

    # the heat map cells: the query behind the picture, and the register's table of it
    with Session(engine) as session:
        _, cells, _ = current_heatmap(session, ["CP"], "residual")
    from_query = {ref: key for key, refs in cells.cells.items() for ref in refs}
    html = _get(client, "/api/v1/reports/register", service="CP", format="html").text
    from_table: dict[str, tuple[int, int]] = {}
    for likelihood, impact, body in re.findall(
        r'<td data-likelihood="(\d)" data-impact="(\d)"[^>]*>(.*?)</td>', html, re.S
    ):
        found = re.search(r'<span class="refs">(.*?)</span>', body)
        for ref in found.group(1).split(", ") if found else []:
            from_table[ref] = (int(likelihood), int(impact))
    assessed = {ref: p for ref, p in positions.items() if p is not None}
    assert from_query == from_table == assessed


def test_the_corporate_register_says_what_the_register_and_the_six_monthly_report_say(
    register: TestClient,
) -> None:
    """The escalated risks' owner, control measures, position and direction of travel on the
    corporate register are those of the service's register and the six-monthly report of the
    current half (one reading of the rows, one movement rule): CP05 opened in the half is "new",
    CP04 never assessed "not_assessed", as the other two say."""
    client = register
    listed = {r["ref"]: r for r in _get(client, "/api/v1/risks", service="CP", status="open").json()["items"]}
    escalated = ["CP01", "CP02", "CP04", "CP05"]
    for ref in escalated:
        made = client.post(f"/api/v1/risks/{listed[ref]['id']}/escalate", json={"reason": f"Escalate {ref}"})
        assert made.status_code == 201, made.text

    def seen(risks: list[dict[str, Any]]) -> dict[str, tuple[str, list[str], Any, str]]:
        return {
            r["ref"]: (r["owner"], r["controls"], _position(r["residual"]), r["direction"])
            for r in risks
            if r["ref"] in escalated
        }

    corporate = _get(client, "/api/v1/reports/corporate-register", format="json").json()
    assert [r["ref"] for r in corporate["risks"]] == ["CP01", "CP05", "CP02", "CP04"]  # worst first
    register_json = _get(client, "/api/v1/reports/register", service="CP", format="json").json()
    report = _get(client, "/api/v1/reports/six-monthly", period="current", format="json").json()
    expected = {
        ref: (listed[ref]["owner"], listed[ref]["controls"], position, direction)
        for ref, (position, direction) in EXPECTED.items()
        if ref in escalated
    }
    assert seen(corporate["risks"]) == seen(register_json["risks"]) == seen(report["risks"]) == expected

    # the CSV and the XLSX of the corporate register say the same directions
    rows = list(
        csv.DictReader(io.StringIO(_get(client, "/api/v1/reports/corporate-register", format="csv").text))
    )
    assert {r["ref"]: r["direction"] for r in rows} == {ref: d for ref, (*_, d) in expected.items()}
    book = openpyxl.load_workbook(
        io.BytesIO(_get(client, "/api/v1/reports/corporate-register", format="xlsx").content)
    )
    table = list(book.worksheets[0].iter_rows(values_only=True))
    column = table[0].index("Direction of travel")
    assert {r[0]: r[column] for r in table[1:]} == {
        ref: direction_label(d) for ref, (*_, d) in expected.items()
    }
