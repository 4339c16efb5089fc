"""Hostile plans: inputs that made the parser's patterns backtrack for seconds to hours, and
the limits on line and cell length. Each parse runs under a CPU ceiling linear in its size
(tests/importer/cpu_budget.py), so a pattern gone exponential fails here at once."""

from __future__ import annotations

import pytest

from app.importer import ParsedPlan, PlanError, parse_plan
from app.importer.cells import read_rating, read_refs, read_whole_number, split_leading_refs
from app.importer.tables import is_legend
from tests.importer.cpu_budget import within_budget

TITLE = "COMMUNITY PARTNERSHIPS SERVICE PLAN 2021 - 2024\n"
RESIDUAL = "Risk Description\tResidual Likelihood Score\tResidual Impact Score\tResidual Risk Score\n"
# The longest line and joined cell a plan holds (app.importer.parse.MAX_LINE_CHARS, tables.MAX_CELL_CHARS).
MAX_LINE_CHARS = MAX_CELL_CHARS = 20_000
REGISTER = "Ref\tNature of Risk\tConsequence\tControl Measures\tResponse\tRisk Rating\n"


def parse(text: str, service_code: str | None = None) -> ParsedPlan:
    return within_budget(text, lambda: parse_plan(text, service_code=service_code))


def leading_refs_plan(refs: int) -> str:
    """The security test's plan (about 300 bytes for 25): a row whose description begins with 'CP123/' refs."""
    return TITLE + RESIDUAL + "CP123/" * refs + "Loss of the community centre\t2\t3\t6\n"


def dashes_plan(dashes: int) -> str:
    """The security test's other plan: a row, then 'Impact ' and a run of dashes."""
    return TITLE + RESIDUAL + "CP01 Loss of the community centre\t2\t3\t6\n" + "Impact " + "-" * dashes + "\n"


@pytest.mark.parametrize("refs", [25, 40, 3_000])
def test_a_row_led_by_many_refs_parses_in_linear_time(refs: int) -> None:
    text = leading_refs_plan(refs)
    plan = parse(text, service_code="CP")
    # 'CP123/' never ends in a description, so none of them is split off as a ref.
    assert [(r.ref, r.ref_assigned) for r in plan.risks] == [("CP01", True)]
    assert plan.risks[0].title.startswith("CP123/CP123/")


@pytest.mark.parametrize("dashes", [1_500, 19_000])
def test_a_legend_line_of_dashes_parses_in_linear_time(dashes: int) -> None:
    text = dashes_plan(dashes)
    plan = parse(text)
    # The dashes line is no legend (no last word after the arrow): it is read as a risk.
    assert [r.ref for r in plan.risks] == ["CP01", "CP02"]
    assert plan.risks[1].title.startswith("Impact ---")


def test_many_hostile_lines_in_one_plan_stay_linear() -> None:
    lines = ("CP123/" * 3_000 + "x\t1\t1\t1\n", "Impact " + "-" * 19_000 + "\n") * 40
    text = TITLE + RESIDUAL + "".join(lines)
    plan = parse(text, service_code="CP")
    # The line repeated between the rows is page furniture (a running heading), skipped; the
    # last one, with no row after it, is read as a row.
    assert len(plan.risks) == 41


def test_the_legend_is_still_recognised_and_ends_the_table() -> None:
    assert is_legend(["Very Likely ----- Likelihood ----- ▼ Remote"])
    assert is_legend(["Impact Low -----▶ Unacceptable"])
    assert is_legend(["Impact ---> unacceptable"])
    assert not is_legend(["Impact ---"])
    assert not is_legend(["Impact remote ---"])  # the last word must follow the arrow
    assert not is_legend(["Impact ---remotely"])


@pytest.mark.parametrize(
    ("reader", "text"),
    [
        (lambda t: split_leading_refs(t, "CP"), "CP123/" * 5_000 + "x"),
        (lambda t: split_leading_refs(t, "CP"), "CP 1 / " * 5_000),
        (read_refs, "AB" + " " * 20_000 + "x"),
        (read_rating, "A" + " " * 20_000 + "x"),
        (read_rating, "Low " * 5_000 + "- x"),
        (read_rating, "4 " + "- " * 5_000),
        (read_whole_number, "1" * 20_000 + " (x"),
    ],
)
def test_cell_readers_are_linear_on_long_cells(reader, text: str) -> None:  # type: ignore[no-untyped-def]
    within_budget(text, lambda: reader(text))


def test_a_line_longer_than_a_plan_holds_is_refused_naming_it() -> None:
    text = TITLE + RESIDUAL + "CP01 Flooding\t1\t1\t1\n" + "x" * (MAX_LINE_CHARS + 1) + "\n"
    with pytest.raises(PlanError, match=r"^line 4 is 20,001 characters long"):
        parse(text)


def test_continuation_rows_past_the_cell_limit_are_cut_and_reported() -> None:
    # Each line continues the risk's consequence: joined as they came, every one copied the cell again.
    continuation = "\t\tand more of the consequence of the risk\t\t\t\n"
    text = TITLE + REGISTER + "CP01\tFlooding\tDamage\tPumps\tTreat\tLow - 4\n" + continuation * 100_000
    plan = parse(text)
    (risk,) = plan.risks
    assert MAX_CELL_CHARS - 50 < len(risk.consequence) <= MAX_CELL_CHARS
    assert risk.consequence.startswith("Damage and more of the consequence")
    (cut,) = [f for f in plan.findings if f.code == "cell-too-long"]
    assert (cut.line, cut.severity, cut.ref) == (3, "error", "CP01")
    assert "consequence that runs past 20,000 characters" in cut.message


def test_a_score_in_other_digits_is_no_crash() -> None:
    # '²' is a digit to str.isdigit but not to int(): it used to raise ValueError (a 500).
    assert read_rating("²") is None
    assert read_rating("٣") is not None  # an Arabic-Indic three is a decimal digit
    text = TITLE + REGISTER + "CP01\tFlooding\tDamage\tPumps\tTreat\t²\n"
    (finding,) = [f for f in parse(text).findings if f.code == "unreadable-rating"]
    assert finding.line == 3


def test_a_number_of_more_digits_than_any_score_is_not_read() -> None:
    assert read_whole_number("123456789") == 123456789
    assert read_whole_number("1" * 5_000) is None  # int() refuses over 4,300 digits
    assert read_rating("1" * 5_000) is None
