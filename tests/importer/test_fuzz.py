"""Fuzzing the plan parser with hostile plans: long runs of refs, separators, dashes, pipes,
tabs and control characters mixed with real table rows and the samples' lines.

Every plan parses, or is refused with PlanError, within a CPU ceiling linear in its size
(tests/importer/cpu_budget.py); whatever it returns holds only refs and a service code the
API's own types accept, and no control character.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import hypothesis
from hypothesis import HealthCheck
from hypothesis import strategies as st
from pydantic import TypeAdapter

from app.fields import Ref, ServiceCode
from app.importer import ParsedPlan, PlanError, parse_plan
from app.importer.cells import read_rating, read_refs, read_whole_number, split_controls, split_leading_refs
from app.importer.tables import is_legend, split_cells
from tests.importer.cpu_budget import within_budget

PLANS = Path(__file__).resolve().parent.parent / "fixtures" / "plans"
SAMPLE_LINES = [
    line
    for name in (
        "community-partnerships-2019-2022.txt",
        "corporate-services-2020-2023.txt",
        "housing-services-2021-2024.md",
    )
    for line in (PLANS / name).read_text(encoding="utf-8").splitlines()
    if line.strip()
]
TITLES = [
    "COMMUNITY PARTNERSHIPS SERVICE PLAN 2019 - 2022",
    "**HOUSING SERVICES SERVICE PLAN",
    "2021 \u2013 2024**",
    "",
]
HEADERS = [
    "Risk Description\tResidual Likelihood Score\tResidual Impact Score\tResidual Risk Score",
    "| Risk Description | Residual Likelihood Score | Residual Impact Score | Residual Risk Score |",
    "Ref\tNature of Risk\tConsequence\tControl Measures\tResponse\tRisk Rating",
    "| Ref | Nature of Risk | Consequence | Control Measures | Response | Risk Rating |",
]
# Pieces that made (or could make) a backtracking pattern try every split of a long run.
PIECES = [
    "CP123/",
    "CP 12 / ",
    "XY01 ",
    "CP1",
    "ABCDEF12",
    "-",
    "\u2013",
    "\u2014",
    ":",
    ".",
    "=",
    "|",
    "\\|",
    "\t",
    " ",
    "  ",
    "\u00a0",
    "\n",
    "\n\n",
    "Impact ",
    "Very Likely ",
    "likelihood ",
    "Remote",
    "---",
    "--->",
    "\u25b6",
    ">",
    "**",
    "__",
    "<br>",
    "<BR />",
    "(",
    ")",
    "[",
    "Low \u2013 4",
    "6 (Medium)",
    "Very High 12",
    "Treat",
    "2",
    "16",
    "9" * 12,
    "\u00b2",
    "\u0663",
    ";",
    ",",
    "&",
    "\u2022 ",
    "# ",
    "SERVICE PLAN ",
    "Service Plan: ",
    "2021 - 2024",
    " to ",
    "\x01",
    "\x1b",
    "\x7f",
    "\x85",
    "\u200b",
    "\ufeff",
    "\ud800",
    "\u017f",
    "\u212a",
    "CP" + "0" * 23,
    "cp#1/",
    "N/A",
]
CODES = [None, "CP", "XY", "hs", "C-P", "ABCDEFGHIJK"]

REFS = TypeAdapter(Ref)
SERVICE_CODES = TypeAdapter(ServiceCode)

run = st.tuples(st.sampled_from(PIECES), st.integers(min_value=1, max_value=2_500))
line = st.one_of(
    st.sampled_from(SAMPLE_LINES),
    st.lists(run, min_size=1, max_size=6).map(lambda runs: "".join(piece * times for piece, times in runs)),
    st.lists(st.sampled_from(PIECES), min_size=1, max_size=12).map("".join),
    st.text(max_size=60),
)
plan_text = st.builds(
    lambda title, header, body: "\n".join([title, header, *body]),
    st.sampled_from(TITLES),
    st.sampled_from(HEADERS),
    st.lists(line, max_size=30),
)
FUZZ = hypothesis.settings(
    max_examples=150,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)


def returned_text(plan: ParsedPlan) -> list[str]:
    texts = [plan.service_name, plan.service_code, plan.period or "", plan.shape]
    for risk in plan.risks:
        texts += [risk.ref, *risk.aliases, risk.title, risk.consequence, *risk.controls]
        texts += [risk.response or "", risk.response_text or "", risk.published_band or ""]
    texts += [finding.message for finding in plan.findings]
    return texts


@FUZZ
@hypothesis.given(text=plan_text, service_code=st.sampled_from(CODES))
def test_hostile_plans_parse_in_linear_time_into_what_the_api_accepts(
    text: str, service_code: str | None
) -> None:
    try:
        plan = within_budget(text, lambda: parse_plan(text, service_code=service_code))
    except PlanError:
        hypothesis.event("refused")
        return
    hypothesis.event("read", "with risks" if plan.risks else "no risks")
    assert SERVICE_CODES.validate_python(plan.service_code) == plan.service_code
    for risk in plan.risks:
        for ref in (risk.ref, *risk.aliases):
            assert REFS.validate_python(ref) == ref
    for value in returned_text(plan):
        assert not [c for c in value if unicodedata.category(c) in ("Cc", "Cs")], repr(value[:200])


cell = st.one_of(
    st.lists(run, min_size=1, max_size=4).map(lambda runs: "".join(piece * times for piece, times in runs)),
    st.text(),
)


@FUZZ
@hypothesis.given(text=cell)
def test_every_cell_reader_is_linear_and_never_raises(text: str) -> None:
    def read_all() -> None:
        read_refs(text)
        split_leading_refs(text, None)
        split_leading_refs(text, "CP")
        read_rating(text)
        read_whole_number(text)
        split_controls(text)
        is_legend([text])
        split_cells(text)

    within_budget(text, read_all)
