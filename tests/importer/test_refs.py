"""Refs and text the parser returns are values the API's own types accept (issue 16, point 6):
a published ref longer than the column used to reach PostgreSQL and answer 500."""

from __future__ import annotations

import unicodedata

import pytest
from fastapi.testclient import TestClient
from pydantic import TypeAdapter

from app.fields import Ref
from app.importer import ParsedPlan, PlanError, parse_plan

TITLE = "COMMUNITY PARTNERSHIPS SERVICE PLAN 2021 - 2024\n"
REGISTER = "Ref\tNature of Risk\tConsequence\tControl Measures\tResponse\tRisk Rating\n"
LONG_REF = "CP" + "0" * 23  # 25 characters; the column holds 20


def register(*rows: str) -> str:
    return TITLE + REGISTER + "".join(f"{row}\n" for row in rows)


def row(ref: str, title: str = "Flooding of the depot") -> str:
    return f"{ref}\t{title}\tDamage\tPumps\tTreat\tLow - 4"


def test_a_ref_longer_than_the_column_is_replaced_and_reported_on_its_line() -> None:
    plan = parse_plan(register(row("CP01"), row(LONG_REF, "Loss of the payroll contract")))
    assert [(r.ref, r.ref_assigned) for r in plan.risks] == [("CP01", False), ("CP02", True)]
    (finding,) = [f for f in plan.findings if f.code == "bad-ref"]
    assert (finding.line, finding.severity, finding.ref) == (4, "error", "CP02")
    assert LONG_REF in finding.message
    assert "at most 20 characters" in finding.message
    assert "given CP02" in finding.message


def test_a_ref_with_characters_no_ref_holds_is_replaced() -> None:
    plan = parse_plan(register(row("CP#1")))
    assert [(r.ref, r.ref_assigned) for r in plan.risks] == [("CP01", True)]
    assert next(f.code for f in plan.findings if f.line == 3) == "bad-ref"


def test_a_bad_alias_is_dropped_and_the_good_ones_kept() -> None:
    plan = parse_plan(register(row(f"CP06/ {LONG_REF} / ST05")))
    (risk,) = plan.risks
    assert (risk.ref, risk.aliases, risk.ref_assigned) == ("CP06", ("ST05",), False)
    (finding,) = [f for f in plan.findings if f.code == "bad-ref"]
    assert (finding.line, finding.ref) == (3, "CP06")
    assert "the alias is not imported" in finding.message


def test_refs_are_kept_as_the_api_type_keeps_them() -> None:
    # 'cp-x1' is no ref of letters and digits, so it was kept as typed; the API's type upper-cases it.
    plan = parse_plan(register(row("cp-x1 / st.05")))
    assert (plan.risks[0].ref, plan.risks[0].aliases) == ("CP-X1", ("ST05",))


def test_a_service_code_made_of_long_initials_is_refused_clearly() -> None:
    # Twelve initials: an assigned ref would be longer than the column and the code than a code.
    name = " ".join(f"{letter}word" for letter in "ABCDEFGHIJKL")
    text = (
        f"{name.upper()} SERVICE PLAN 2021 - 2024\n"
        + REGISTER
        + "\tFlooding\tDamage\tPumps\tTreat\tLow - 4\n"
    )
    with pytest.raises(PlanError, match="give the service code"):
        parse_plan(text)
    assert parse_plan(text, service_code="ab").risks[0].ref == "AB01"


def test_a_given_service_code_is_judged_by_the_api_type() -> None:
    with pytest.raises(PlanError, match="is not a service code"):
        parse_plan(register(row("CP01")), service_code="C\x00P")
    with pytest.raises(PlanError, match="is not a service code"):
        parse_plan(register(row("CP01")), service_code="ABCDEFGHIJK")


def all_text(plan: ParsedPlan) -> list[str]:
    texts = [plan.service_name, plan.service_code]
    for risk in plan.risks:
        texts += [
            risk.ref,
            *risk.aliases,
            risk.title,
            risk.consequence,
            *risk.controls,
            risk.response_text or "",
        ]
        texts += [risk.published_band or ""]
    texts += [finding.message for finding in plan.findings]
    return texts


def test_no_control_character_reaches_what_the_parser_returns() -> None:
    controls = "".join(chr(c) for c in (*range(1, 9), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, 0x85, 0x9F))
    # Enough ordinary text around them that the document does not look binary.
    text = "An introduction to the plan.\n" * 100 + register(
        f"CP0{controls}1\tFlood{controls}ing\tDam{controls}age\tPumps;{controls}Sandbags\tTreat{controls}\tLow{controls} - 4"
    )
    plan = parse_plan(text)
    for value in all_text(plan):
        assert not [c for c in value if unicodedata.category(c) in ("Cc", "Cs")], value
    (risk,) = plan.risks
    assert (risk.ref, risk.title, risk.controls, risk.response) == (
        "CP01",
        "Flood ing",
        ("Pumps", "Sandbags"),
        "treat",
    )


def test_a_lone_surrogate_is_dropped() -> None:
    plan = parse_plan(register(row("CP01", "Flood\ud800ing")))
    assert plan.risks[0].title == "Flooding"


def test_every_ref_of_the_samples_is_one_the_api_accepts() -> None:
    from tests.importer.test_parse import parsed

    refs = TypeAdapter(Ref)
    for name in ("community-partnerships-2019-2022.txt", "corporate-services-2020-2023.txt"):
        for risk in parsed(name).risks:
            for ref in (risk.ref, *risk.aliases):
                assert refs.validate_python(ref) == ref


def test_importing_a_plan_with_a_ref_longer_than_the_column_is_no_500(client: TestClient) -> None:
    text = register(row("CP01"), row(LONG_REF, "Loss of the payroll contract"))
    response = client.post("/api/v1/imports", json={"text": text, "filename": "long.txt", "dry_run": False})
    assert response.status_code == 201, response.text
    body = response.json()
    assert [r["ref"] for r in body["risks"]] == ["CP01", "CP02"]
    assert [f["line"] for f in body["findings"] if f["code"] == "bad-ref"] == [4]
    stored = client.get("/api/v1/risks", params={"service": "CP", "sort": "ref"}).json()["items"]
    assert [r["ref"] for r in stored] == ["CP01", "CP02"]
