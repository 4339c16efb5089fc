"""The register CSV, read back with the csv module."""

# ruff: noqa: RUF001  (curly quotes and dashes in these strings are the point of the tests)

import csv
import io
from datetime import date

import pytest

from app.reports.csv_export import CSV_COLUMNS, render_register_csv

from .builders import community_partnerships, register, risk


def read(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_one_row_per_risk_under_a_header():
    risks = community_partnerships()
    text = render_register_csv(register(risks))
    assert text.splitlines()[0] == ",".join(CSV_COLUMNS)
    rows = read(text)
    assert [r["ref"] for r in rows] == [r.ref for r in risks]


def test_round_trip_gives_back_the_rows():
    cp06 = risk(
        "CP06",
        aliases=("ST05", "ST06"),
        title="Community Safety Actions fail to meet targets",
        consequence='Increases in crime, disorder; "loss of reputation"\nand a second line',
        controls=("Quarterly reports, to the Board", "Briefings with Leader; Lead Member"),
        residual=(3, 3),
        inherent=(4, 3),
        overdue=True,
        last_reviewed_on=date(2025, 1, 10),
        next_review_due=date(2025, 7, 10),
        direction="up",
        previous_score=6,
    )
    cp14 = risk("CP14", residual=None, last_reviewed_on=None, next_review_due=None, direction="new")
    rows = read(render_register_csv(register([cp06, cp14])))
    assert rows == [
        {
            "service_code": "CP",
            "service": "Community Partnerships",
            "ref": "CP06",
            "aliases": "ST05 ST06",
            "title": "Community Safety Actions fail to meet targets",
            "category": "",
            "consequence": 'Increases in crime, disorder; "loss of reputation"\nand a second line',
            "controls": "Quarterly reports, to the Board; Briefings with Leader; Lead Member",
            "response": "treat",
            "owner": "Community Partnerships Manager",
            "status": "open",
            "residual_likelihood": "3",
            "residual_impact": "3",
            "residual_score": "9",
            "residual_band": "High",
            "inherent_likelihood": "4",
            "inherent_impact": "3",
            "inherent_score": "12",
            "inherent_band": "Very High",
            "target_likelihood": "",
            "target_impact": "",
            "target_score": "",
            "target_band": "",
            "last_reviewed_on": "2025-01-10",
            "next_review_due": "2025-07-10",
            "overdue": "yes",
            "direction": "up",
            "above_appetite": "",
            "appetite_version": "",
            "actions": "0",
        },
        {
            "service_code": "CP",
            "service": "Community Partnerships",
            "ref": "CP14",
            "aliases": "",
            "title": "Total failure of ICT systems",
            "category": "",
            "consequence": "Critical systems lost for delivery of ASB casework",
            "controls": "Web access to ASB casework system; ICT strategy group",
            "response": "treat",
            "owner": "Community Partnerships Manager",
            "status": "open",
            **{
                f"{basis}_{part}": ""
                for basis in ("residual", "inherent", "target")
                for part in ("likelihood", "impact", "score", "band")
            },
            "last_reviewed_on": "",
            "next_review_due": "",
            "overdue": "no",
            "direction": "new",
            "above_appetite": "",
            "appetite_version": "",
            "actions": "0",
        },
    ]


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+44 1923 776611", "'+44 1923 776611"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=cmd", "'\t=cmd"),
        ('=HYPERLINK("http://evil.example","Click")', '\'=HYPERLINK("http://evil.example","Click")'),
        ("\x00=1+1", "'=1+1"),  # a hidden NUL cannot smuggle a formula past the check
        ("Flooding of the depot", "Flooding of the depot"),
        ("Loss of income = risk", "Loss of income = risk"),
    ],
)
def test_formula_injection_is_neutralised(title, expected):
    (row,) = read(render_register_csv(register([risk("CP01", title=title, owner=title)])))
    assert row["title"] == expected
    assert row["owner"] == expected


def test_control_characters_are_removed_and_unicode_kept():
    (row,) = read(render_register_csv(register([risk("CP01", title="Council’s “plan” – £2m\x07 שלום 財務")])))
    assert row["title"] == "Council’s “plan” – £2m שלום 財務"


def test_empty_register_is_just_the_header():
    assert render_register_csv(register([])) == ",".join(CSV_COLUMNS) + "\r\n"
