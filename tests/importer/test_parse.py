"""Reading legacy service plans: the two real samples, made-up plans of each shape, refusals."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from app.importer import Finding, ParsedPlan, ParsedRisk, PlanError, parse_plan
from app.importer.cells import read_rating, read_refs, read_response, split_controls, split_leading_refs
from app.scoring import matrix_from_mapping

PLANS = Path(__file__).resolve().parent.parent / "fixtures" / "plans"


def plan_text(name: str) -> str:
    return (PLANS / name).read_text(encoding="utf-8")


def parsed(name: str, **kwargs: str) -> ParsedPlan:
    return parse_plan(plan_text(name), **kwargs)  # type: ignore[arg-type]


def risk(plan: ParsedPlan, ref: str) -> ParsedRisk:
    (found,) = [r for r in plan.risks if r.ref == ref]
    return found


def codes(plan: ParsedPlan, code: str) -> list[tuple[int, str | None]]:
    return [(f.line, f.ref) for f in plan.findings if f.code == code]


# --- the community partnerships sample: a full register -------------------------------------

CP_RISKS = [
    # ref, aliases, title, published score, band
    ("CP01", (), "Insufficient staff", 4, "Low"),
    ("CP02", (), "Total failure of ICT systems", 4, "Low"),
    ("CP03", (), "Loss of accommodation", 4, "Low"),
    ("CP04", (), "Fraudulent activity", 6, "Medium"),
    ("CP05", (), "Loss of partner or agreed partnership funding", 6, "Medium"),
    ("CP06", ("ST05",), "Community Safety Actions fail to meet targets", 2, "Low"),
    ("CP07", ("ST06",), "Failure to deliver the Community Strategy", 6, "Medium"),
    ("CP08", (), "Community consultation fails to engage hard to reach groups", 2, "Low"),
    ("CP09", (), "Failure to meet legal duties for equalities", 2, "Low"),
    ("CP10", (), "Targets not managed in the Strategic Plan", 2, "Low"),
    ("CP11", ("ST04",), "Failure to engage the community in the strategic plan", 4, "Low"),
    ("CP12", ("ST01",), "Failure to secure improvements to services", 2, "Low"),
    ("CP13", (), "Grants budget over subscribed", 1, "Low"),
    ("CP14", (), "Failure to comply with safeguarding requirements", 4, "Low"),
]


@pytest.fixture(scope="module")
def community() -> ParsedPlan:
    return parsed("community-partnerships-2019-2022.txt")


def test_community_partnerships_names_the_service_and_period(community: ParsedPlan) -> None:
    assert (community.service_name, community.service_code) == ("Community Partnerships", "CP")
    assert (community.period, community.start_year, community.end_year) == ("2019-2022", 2019, 2022)
    assert community.shape == "full-register"


def test_community_partnerships_has_fourteen_risks_in_order(community: ParsedPlan) -> None:
    got = [(r.ref, r.aliases, r.title, r.published_score, r.published_band) for r in community.risks]
    assert got == CP_RISKS


def test_community_partnerships_rows_start_on_their_lines(community: ParsedPlan) -> None:
    lines = {r.ref: r.line for r in community.risks}
    assert (lines["CP01"], lines["CP06"], lines["CP07"], lines["CP14"]) == (132, 137, 140, 149)


def test_community_partnerships_risks_are_treated_and_unassessed(community: ParsedPlan) -> None:
    for r in community.risks:
        assert (r.response, r.response_text) == ("treat", "Treat")
        assert (r.likelihood, r.impact, r.ref_assigned) == (None, None, False)


def test_community_partnerships_reads_consequence_and_splits_controls(community: ParsedPlan) -> None:
    cp04 = risk(community, "CP04")
    assert cp04.consequence == "Loss of income due to poor management of partnership funds"
    assert cp04.controls == ("Existing corporate procedures", "internal audit")
    # No ';' in the paragraph: split on ','; the trailing comma leaves no empty measure.
    assert risk(community, "CP01").controls == (
        "Growth bid submitted to increase capacity of service",
        "ASB triage system introduced to identify risk level of complaint and proportionate response",
        "temporary secondment in place to support workload",
    )


def test_community_partnerships_joins_rows_split_by_a_page_break(community: ParsedPlan) -> None:
    assert risk(community, "CP06").controls == (
        "Quarterly performance reports to Community Safety Board and Co-ordination Group",
        "6 monthly reports to Members via MIB",
        "Briefings with Leader and Lead Member",
        # Commas split measures in every row (README: control measures); a guess, reported.
        "Participation in Families First",
        "Adults with Complex Needs",
        "Offender Management Group and ASB Action Group",
        "Equality impact monitored",
        "Strategy overall is on target",
        "Where individual targets not met new action plans have been put in place and targets revised annually",
    )
    # The break fell mid-sentence: the joined paragraph reads on ("household income").
    assert risk(community, "CP11").controls == (
        "Corporate consultation data is analysed by race, gender, disability, age, area of residence "
        "and household income",
        "Consultation best practice guidance updated for all services",
        "Focus Groups held with hard to reach groups when evidence suggests differential impact",
        "Consultation Action Plan has been developed",
        "Priorities for engagement have been identified",
    )
    cp14 = risk(community, "CP14").controls
    assert len(cp14) == 13
    assert cp14[1] == (
        "All key procedures and policies reviewed on a regular basis, and in year reviews undertaken "
        "when new guidance or policies released by safeguarding boards"
    )
    assert cp14[-4:] == (
        "Safeguarding action plan in place for delivery by designated safeguarding leads",
        "Strategic lead for safeguarding and HR",
        "Centralised records kept with access by all designated safeguarding leads on all concerns "
        "raised and actions taken",
        "Internal audits carried out",
    )


def test_community_partnerships_asks_for_every_likelihood_and_impact(community: ParsedPlan) -> None:
    assert [(f.code, f.severity, f.ref) for f in community.findings if f.code != "controls-split-guess"] == [
        ("no-likelihood-impact", "warning", ref) for ref, *_ in CP_RISKS
    ]
    cp04 = next(f for f in community.findings if f.ref == "CP04")
    assert cp04.line == 135
    assert '"Medium \u2013 6"' in cp04.message
    assert "must assess" in cp04.message


# --- the corporate services sample: a residual table without refs ---------------------------

CS_RISKS = [
    ("CS01", "Insufficient staff", 2, 2, 4),
    ("CS02", "Total failure of ICT systems", 2, 2, 4),
    ("CS03", "Loss of accommodation", 2, 2, 4),
    ("CS04", "Fraudulent activity", 1, 2, 2),
    ("CS05", "Tests reveal that the Business Continuity Plan is not workable", 2, 2, 4),
    (
        "CS06",
        "The Council fails to manage its principle risks and that the likelihood of them occurring "
        "increases or the impact cannot be reduced",
        2,
        2,
        4,
    ),
    ("CS07", "Non-compliance with data protection and Freedom of Information legislation", 2, 2, 4),
    ("CS08", "Failure to tell residents about improvements", 2, 2, 4),
    ("CS09", "Loss of key staff", 2, 2, 4),
]


@pytest.fixture(scope="module")
def corporate() -> ParsedPlan:
    return parsed("corporate-services-2020-2023.txt")


def test_corporate_services_names_the_service_and_period(corporate: ParsedPlan) -> None:
    assert (corporate.service_name, corporate.service_code) == ("Corporate Services", "CS")
    assert (corporate.period, corporate.start_year, corporate.end_year) == ("2020-2023", 2020, 2023)
    assert corporate.shape == "residual-table"


def test_corporate_services_reads_nine_risks_across_the_blank_line(corporate: ParsedPlan) -> None:
    got = [(r.ref, r.title, r.likelihood, r.impact, r.published_score) for r in corporate.risks]
    assert got == CS_RISKS
    assert [r.line for r in corporate.risks] == [143, 144, 145, 146, 147, 148, 150, 151, 152]
    for r in corporate.risks:
        assert r.ref_assigned
        assert (r.aliases, r.consequence, r.controls, r.response, r.response_text) == ((), "", (), None, None)
        assert r.published_band is None


def test_corporate_services_reports_only_the_assigned_refs(corporate: ParsedPlan) -> None:
    assert [(f.code, f.severity, f.line, f.ref) for f in corporate.findings] == [
        ("ref-assigned", "warning", r.line, r.ref) for r in corporate.risks
    ]
    assert "Fraudulent activity" in corporate.findings[3].message
    assert "CS04" in corporate.findings[3].message


def test_a_given_service_code_names_the_assigned_refs() -> None:
    plan = parsed("corporate-services-2020-2023.txt", service_code="co ")
    assert plan.service_code == "CO"
    assert [r.ref for r in plan.risks] == [f"CO{n:02d}" for n in range(1, 10)]


# --- a made-up residual table in markdown pipes ---------------------------------------------


@pytest.fixture(scope="module")
def housing() -> ParsedPlan:
    return parsed("housing-services-2021-2024.md")


def test_pipe_plan_names_the_service_from_a_title_split_over_two_lines(housing: ParsedPlan) -> None:
    assert (housing.service_name, housing.service_code, housing.period) == (
        "Housing Services",
        "XY",
        "2021-2024",
    )
    assert housing.shape == "residual-table"


def test_pipe_plan_reads_every_risk_as_published(housing: ParsedPlan) -> None:
    got = [
        (r.line, r.ref, r.ref_assigned, r.title, r.likelihood, r.impact, r.published_score)
        for r in housing.risks
    ]
    assert got == [
        (17, "XY01", False, "Flooding of the depot", 2, 3, 6),
        (18, "XY02", False, "Loss of the payroll contract", 1, 4, 4),
        (19, "XY03", False, "Rent arrears rise after welfare reform", 3, 2, 4),
        (20, "XY04", False, "Failure to let void properties within target times", 2, 3, 6),
        (23, "XY05", False, "Homelessness demand exceeds temporary accommodation", 3, 3, 9),
        (24, "XY06", True, "Damp and mould complaints not resolved within 28 days", 2, 2, 4),
    ]


def test_pipe_plan_keeps_the_inconsistent_row_and_reports_it(housing: ParsedPlan) -> None:
    assert [(f.line, f.severity, f.code, f.ref) for f in housing.findings] == [
        (19, "error", "score-mismatch", "XY03"),
        (24, "warning", "ref-assigned", "XY06"),
    ]
    mismatch = housing.findings[0].message
    assert "line 19" in mismatch
    assert "likelihood 3 and impact 2, which make 6, but a residual risk score of 4" in mismatch


# --- a made-up full register with every kind of problem -------------------------------------


@pytest.fixture(scope="module")
def environment() -> ParsedPlan:
    return parsed("environmental-protection-2022-2025.txt")


def test_full_register_reads_refs_aliases_ratings_and_responses(environment: ParsedPlan) -> None:
    assert (environment.service_name, environment.service_code) == ("Environmental Protection", "EP")
    assert (environment.period, environment.shape) == ("2022-2025", "full-register")
    got = [
        (
            r.line,
            r.ref,
            r.aliases,
            r.ref_assigned,
            r.response,
            r.response_text,
            r.published_score,
            r.published_band,
        )
        for r in environment.risks
    ]
    assert got == [
        (17, "EP01", (), False, "treat", "Treat", 4, "Low"),
        (18, "EP02", (), False, "tolerate", "Tolerate", 6, "Medium"),
        (19, "EP03", ("ST07",), False, "treat", "Treat", 8, "High"),
        (22, "EP04", (), False, None, "Accept", 3, "Low"),
        (23, "EP05", (), False, "treat", "Treat", 4, "High"),
        (24, "EP02", (), False, "treat", "Treat", 2, "Low"),
        (25, "EP07", (), False, "treat", "Treat", None, None),
        (26, "EP08", (), False, "transfer", "Transferred", 12, "Very High"),
        (27, "EP09", (), False, "treat", "Treat", 5, "Low"),
        (28, "EP06", (), True, "treat", "Treat", 6, "Amber"),
    ]
    assert all(r.likelihood is None and r.impact is None for r in environment.risks)


def test_full_register_joins_the_continuation_and_keeps_parentheses_whole(environment: ParsedPlan) -> None:
    assert risk(environment, "EP03").controls == (
        "Emergency plan tested annually",
        "partnership with the Environment Agency",
        "out of hours rota for officers",
        "spill kits in every depot",
    )
    # 'signage' is one word after a comma: a list item of the measure before it (README, rule 3).
    assert risk(environment, "EP08").controls == ("Site patrols (CCTV, wardens, police), signage",)


def test_full_register_reports_each_problem_on_its_line(environment: ParsedPlan) -> None:
    problems = [
        (f.line, f.severity, f.code, f.ref)
        for f in environment.findings
        if f.code not in ("no-likelihood-impact", "controls-split-guess")
    ]
    assert problems == [
        (22, "error", "unknown-response", "EP04"),
        (23, "error", "band-mismatch", "EP05"),
        (24, "error", "duplicate-ref", "EP02"),
        (25, "error", "missing-rating", "EP07"),
        (27, "error", "score-off-matrix", "EP09"),
        (28, "warning", "ref-assigned", "EP06"),
        (28, "error", "unknown-band", "EP06"),
    ]
    assert codes(environment, "no-likelihood-impact") == [(r.line, r.ref) for r in environment.risks]


def test_full_register_messages_quote_the_document(environment: ParsedPlan) -> None:
    by_code = {f.code: f.message for f in environment.findings}
    assert '"Accept"' in by_code["unknown-response"]
    assert "published as High with the score 4" in by_code["band-mismatch"]
    assert "a score of 4 is Low" in by_code["band-mismatch"]
    assert "line 18" in by_code["duplicate-ref"]
    assert '"Amber \u2013 6"' in by_code["unknown-band"]
    assert "EP06" in by_code["ref-assigned"]
    assert "without a risk rating" in next(
        f.message for f in environment.findings if f.code == "no-likelihood-impact" and f.ref == "EP07"
    )


def test_findings_come_in_document_order(environment: ParsedPlan, housing: ParsedPlan) -> None:
    for plan in (environment, housing):
        assert [f.line for f in plan.findings] == sorted(f.line for f in plan.findings)


# --- refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (plan_text("recipe.txt"), "no service plan title"),
        (plan_text("leisure-no-risk-table.txt"), "no risk table found"),
        ("", "empty"),
        ("  \n\t\n", "empty"),
        (bytes(range(256)).decode("latin-1"), "binary"),
        (bytes(range(128, 256)).decode("utf-8", errors="replace") * 20, "binary"),
        (bytes(range(1, 32)).decode("ascii") * 50, "binary"),
    ],
    ids=["recipe", "title-without-table", "empty", "blank", "nul-bytes", "undecodable", "control-chars"],
)
def test_what_is_not_a_plan_is_refused(text: str, reason: str) -> None:
    with pytest.raises(PlanError, match=reason):
        parse_plan(text)


def test_a_document_over_five_megabytes_is_refused() -> None:
    with pytest.raises(PlanError, match="over 5 MB"):
        parse_plan(plan_text("housing-services-2021-2024.md") + "x" * 5_000_000)


RESIDUAL_HEADER = "Risk Description\tResidual Likelihood Score\tResidual Impact Score\tResidual Risk Score"


def test_a_risk_table_without_a_title_needs_the_service_code() -> None:
    text = f"{RESIDUAL_HEADER}\nLoss of key staff\t2\t2\t4\n"
    with pytest.raises(PlanError, match="no service plan title"):
        parse_plan(text)
    plan = parse_plan(text, service_code="HS")
    assert (plan.service_name, plan.service_code, plan.period, plan.start_year) == ("HS", "HS", None, None)
    assert [(r.ref, r.title) for r in plan.risks] == [("HS01", "Loss of key staff")]


def test_a_header_without_rows_is_no_risk_table() -> None:
    with pytest.raises(PlanError, match="no risk table found"):
        parse_plan(f"HOUSING SERVICES SERVICE PLAN 2021 - 2024\n\n{RESIDUAL_HEADER}\n\nVersion Control\n")


# --- smaller plans for the general rules ----------------------------------------------------


def residual_plan(*rows: str, title: str = "HOUSING SERVICES SERVICE PLAN 2021 - 2024") -> str:
    return "\n".join([title, "", RESIDUAL_HEADER, *rows, "", "Version Control", ""])


def test_a_single_line_title_with_an_en_dash_and_odd_spaces() -> None:
    plan = parse_plan(
        residual_plan(
            "HS01 Loss of key staff\t2\t2\t4",
            title="# HOUSING\u00a0AND  PLANNING SERVICE PLAN 2021 \u2013 24",
        )
    )
    assert (plan.service_name, plan.period, plan.end_year) == ("Housing and Planning", "2021-2024", 2024)


def test_a_service_plan_line_above_the_register_serves_as_the_title() -> None:
    plan = parse_plan(
        residual_plan("HS01 Flooding\t1\t1\t1", title="Service Plan: Housing Services 2021-2024\t\t\t")
    )
    assert (plan.service_name, plan.service_code, plan.period) == ("Housing Services", "HS", "2021-2024")


def test_a_sentence_about_the_service_plan_is_no_title() -> None:
    text = residual_plan("Flooding\t1\t1\t1", title="Progress of the service plan\nis monitored quarterly.")
    with pytest.raises(PlanError, match="no service plan title"):
        parse_plan(text)


def test_values_off_the_matrix_are_left_empty_and_reported() -> None:
    plan = parse_plan(residual_plan("HS01 Loss of key staff\t5\tHigh\t", "HS02 Flooding\t\t\t5"))
    first, second = plan.risks
    assert (first.likelihood, first.impact, first.published_score) == (None, None, None)
    assert (second.likelihood, second.impact, second.published_score) == (None, None, 5)
    assert [(f.line, f.code, f.ref) for f in plan.findings] == [
        (4, "level-off-matrix", "HS01"),
        (4, "not-a-number", "HS01"),
        (4, "missing-field", "HS01"),
        (5, "missing-field", "HS02"),
        (5, "missing-field", "HS02"),
        (5, "score-off-matrix", "HS02"),
    ]
    assert all(f.severity == "error" for f in plan.findings)


def test_assigned_refs_skip_the_refs_the_document_uses() -> None:
    plan = parse_plan(residual_plan("Loss of key staff\t2\t2\t4", "HS01 Flooding\t1\t1\t1", "Fraud\t1\t2\t2"))
    assert [(r.ref, r.ref_assigned) for r in plan.risks] == [("HS02", True), ("HS01", False), ("HS03", True)]


def test_a_header_repeated_after_a_page_break_continues_the_table() -> None:
    plan = parse_plan(residual_plan("HS01 Flooding\t1\t1\t1", "", RESIDUAL_HEADER, "HS02 Fraud\t1\t2\t2"))
    assert [r.ref for r in plan.risks] == ["HS01", "HS02"]


def test_both_shapes_in_one_plan_give_every_risk_and_the_first_shape() -> None:
    register = (
        "Ref\tNature of Risk\tConsequence\tControl Measures\tResponse\tRisk Rating\n"
        "HS02\tFraud\tLoss of income\tAudit\tTreat\tLow - 2\n"
    )
    plan = parse_plan(residual_plan("HS01 Flooding\t1\t1\t1") + "\n" + register)
    assert plan.shape == "residual-table"
    assert [(r.ref, r.published_score, r.published_band) for r in plan.risks] == [
        ("HS01", 1, None),
        ("HS02", 2, "Low"),
    ]


def test_another_matrix_judges_the_levels() -> None:
    three_by_three = matrix_from_mapping(
        {
            "name": "3x3",
            "likelihood": [{"score": s, "label": f"L{s}"} for s in (1, 2, 3)],
            "impact": [{"score": s, "label": f"I{s}"} for s in (1, 2, 3)],
            "bands": [
                {"name": "Green", "colour": "#00ff00", "order": 1},
                {"name": "Red", "colour": "#c62828", "order": 2},
            ],
            "grid": [["Green", "Red", "Red"], ["Green", "Green", "Red"], ["Green", "Green", "Green"]],
        }
    )
    plan = parse_plan(residual_plan("HS01 Flooding\t4\t1\t4", "HS02 Fraud\t3\t3\t16"), matrix=three_by_three)
    assert [(r.likelihood, r.impact, r.published_score) for r in plan.risks] == [(None, 1, 4), (3, 3, 16)]
    assert [(f.ref, f.code) for f in plan.findings] == [
        ("HS01", "level-off-matrix"),
        ("HS02", "score-off-matrix"),
        ("HS02", "score-mismatch"),
    ]
    assert "(1 to 3)" in plan.findings[0].message


def test_results_are_frozen() -> None:
    plan = parse_plan(residual_plan("HS01 Flooding\t1\t1\t1"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.risks[0].ref = "HS99"  # type: ignore[misc]
    for value in (plan, plan.risks[0], Finding(1, "warning", "ref-assigned", "m", None)):
        assert not hasattr(value, "__dict__")  # slots


# --- the cell readers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "refs"),
    [
        ("CP08", ("CP08",)),
        ("CP 08", ("CP08",)),
        ("CP06/ ST05", ("CP06", "ST05")),
        ("CP07 / ST06", ("CP07", "ST06")),
        ("cp11/st04", ("CP11", "ST04")),
        ("", ()),
    ],
)
def test_refs_are_normalised(text: str, refs: tuple[str, ...]) -> None:
    assert read_refs(text) == refs


@pytest.mark.parametrize(
    ("text", "refs", "title"),
    [
        ("CP04 Fraudulent activity", ("CP04",), "Fraudulent activity"),
        ("XY 02 Loss of the payroll contract", ("XY02",), "Loss of the payroll contract"),
        ("XY04 \u2013 Failure to let voids", ("XY04",), "Failure to let voids"),
        ("CP06/ST05 Community safety", ("CP06", "ST05"), "Community safety"),
        ("CO2 emissions rise", (), "CO2 emissions rise"),
        ("Loss of key staff", (), "Loss of key staff"),
    ],
)
def test_refs_leading_a_description_are_split_off(text: str, refs: tuple[str, ...], title: str) -> None:
    assert split_leading_refs(text, None) == (refs, title)


def test_the_service_code_allows_a_one_digit_leading_ref() -> None:
    assert split_leading_refs("HS1 Flooding", "HS") == (("HS1",), "Flooding")
    assert split_leading_refs("HS1 Flooding", None) == ((), "HS1 Flooding")


@pytest.mark.parametrize(
    ("text", "controls"),
    [
        ("A; B, C; D.", ("A", "B, C", "D")),
        ("A, B, C,", ("A, B, C",)),
        ("Patrols (CCTV, wardens), signage", ("Patrols (CCTV, wardens), signage",)),
        ("Patrols in the parks, signage at the gates", ("Patrols in the parks", "signage at the gates")),
        ("One\nTwo, three", ("One", "Two, three")),
        ("Plan tested. Rota in place; audit", ("Plan tested", "Rota in place", "audit")),
        (
            "Checks e.g. Mr. Smith reviews. 6 reviews a year",
            ("Checks e.g. Mr. Smith reviews", "6 reviews a year"),
        ),
        (
            "Data analysed by race, gender, age, area and household income, reports to members",
            ("Data analysed by race, gender, age, area and household income", "reports to members"),
        ),
        ("• First; • Second", ("First", "Second")),
        ("", ()),
        (" ; , ", ()),
    ],
)
def test_controls_split_by_one_rule(text: str, controls: tuple[str, ...]) -> None:
    assert split_controls(text) == controls


@pytest.mark.parametrize(
    ("text", "response"),
    [
        ("Treat", "treat"),
        (" TOLERATE ", "tolerate"),
        ("Transferred", "transfer"),
        ("terminating.", "terminate"),
        ("Accept", None),
        ("Treat and tolerate", None),
    ],
)
def test_responses_are_the_four_ts(text: str, response: str | None) -> None:
    assert read_response(text) == response


@pytest.mark.parametrize(
    ("text", "band", "score"),
    [
        ("Low \u2013 4", "Low", 4),
        ("Medium - 6", "Medium", 6),
        ("Very High—12", "Very High", 12),
        ("very  high 16", "very high", 16),
        ("6 (Medium)", "Medium", 6),
        ("High", "High", None),
        ("8", None, 8),
    ],
)
def test_ratings_give_band_and_score(text: str, band: str | None, score: int | None) -> None:
    rating = read_rating(text)
    assert rating is not None
    assert (rating.band, rating.score) == (band, score)


def test_an_unreadable_rating_is_none() -> None:
    assert read_rating("L - M") is None
