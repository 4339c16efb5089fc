"""Reading one risk row into a ParsedRisk, with a finding for every gap or inconsistency.

Values are kept as the document publishes them. Nothing is "fixed": a likelihood or
impact is never worked out from a score, and a score that is not likelihood x impact
stays as printed, with a finding so a person can resolve it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from app.fields import CATEGORIES
from app.importer.cells import (
    clean_text,
    controls_split,
    read_day,
    read_other_scale,
    read_rating,
    read_response,
    read_whole_number,
    shown,
    split_actions,
)
from app.importer.plan import Finding, ParsedAction, ParsedRisk
from app.importer.tables import MAX_CELL_CHARS, RawRow
from app.scoring import Matrix, MatrixError

#: What riskreg's reports print in the likelihood cell of a rating kept as published.
PUBLISHED_MARK = "published without likelihood and impact"
_LABELS = {
    "ref": "ref",
    "title": "risk description",
    "category": "category",
    "consequence": "consequence",
    "controls": "control measures",
    "response": "response",
    "rating": "risk rating",
    "likelihood": "residual likelihood",
    "impact": "residual impact",
    "score": "residual risk score",
    "band": "residual band",
    "aliases": "aliases",
    "owner": "owner",
    "reviewed_on": "review date",
    "actions": "actions",
    "action_owner": "action owner",
    "action_due": "action due date",
}


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a row is: its ref (published or assigned), aliases, and description without refs."""

    ref: str
    aliases: tuple[str, ...]
    assigned: bool
    title: str


@dataclass(slots=True)
class _Notes:
    line: int
    ref: str
    who: str
    findings: list[Finding] = field(default_factory=list)

    def error(self, code: str, message: str) -> None:
        self.findings.append(Finding(self.line, "error", code, f"{self.who} {message}", self.ref))

    def warning(self, code: str, message: str) -> None:
        self.findings.append(Finding(self.line, "warning", code, f"{self.who} {message}", self.ref))


def read_risk(
    row: RawRow, identity: Identity, matrix: Matrix, categories: tuple[str, ...] = CATEGORIES
) -> tuple[ParsedRisk, list[Finding]]:
    """The risk a row publishes and the findings a person must resolve before relying on it."""
    notes = _Notes(row.line, identity.ref, f"Risk {identity.ref} (line {row.line})")
    for role in sorted(row.cut):
        notes.error(
            "cell-too-long",
            f"has a {_LABELS.get(role, role)} that runs past {MAX_CELL_CHARS:,} characters over its "
            "continuation rows; only the rows before that are read. No cell of a plan is that long: "
            "check that the table ends where it should.",
        )
    if not identity.title:
        notes.error("missing-field", "has no risk description.")
    consequence = clean_text(row.cells.get("consequence", ""))
    if "consequence" in row.roles and not consequence:
        notes.warning("missing-field", "gives no consequence.")
    split = controls_split(row.cells.get("controls", ""))
    controls = split.measures
    if "controls" in row.roles and not controls:
        notes.warning("missing-field", "gives no control measures.")
    if split.at_commas:
        listed = " | ".join(f'"{shown(m)}"' for m in controls)
        notes.warning(
            "controls-split-guess",
            f"has control measures separated by commas, which can also separate the words of one "
            f"measure; they are imported as {len(controls)} measures: {listed}. Check them.",
        )
    response, response_text = _response(row, notes)
    category = _category(row, notes, categories)
    scored = ("likelihood", "impact", "score")
    unassessed = all(r in row.roles for r in scored) and not any(
        clean_text(row.cells.get(r, "")) for r in scored
    )
    as_published = PUBLISHED_MARK in row.cells.get("likelihood", "").casefold()
    if unassessed:
        notes.warning("not-assessed", "is not assessed: it gives no likelihood, impact or score.")
        likelihood = impact = score = None
    elif as_published:  # riskreg's export of a rating kept as published: band and score only
        likelihood = impact = None
        score = _number(row, "score", "residual risk score", notes)
    else:
        likelihood = _level(row, "likelihood", "residual likelihood", matrix, notes)
        impact = _level(row, "impact", "residual impact", matrix, notes)
        score = _number(row, "score", "residual risk score", notes)
    other = _other_scale(row, matrix, notes)
    rating_score, band = _rating(row, matrix, notes) if other is None else (None, None)
    if as_published and band is None:
        band = _band_of(clean_text(row.cells.get("band", "")), matrix)
    published_score = score if "score" in row.roles else rating_score
    _check_score(published_score, band, likelihood, impact, matrix, notes)
    if other is None and not as_published and ("likelihood" not in row.roles or "impact" not in row.roles):
        _ask_for_assessment(row, notes)
    _check_band(row, published_score, matrix, notes)
    risk = ParsedRisk(
        line=row.line,
        ref=identity.ref,
        aliases=identity.aliases,
        ref_assigned=identity.assigned,
        title=identity.title,
        category=category,
        consequence=consequence,
        controls=controls,
        response=response,
        response_text=response_text,
        likelihood=likelihood,
        impact=impact,
        published_score=published_score,
        published_band=band,
        owner=clean_text(row.cells.get("owner", ""))[:200],
        reviewed_on=_day(row, "reviewed_on", notes),
        actions=_actions(row, notes),
    )
    return risk, notes.findings


def _band_of(text: str, matrix: Matrix) -> str | None:
    return next((b.name for b in matrix.bands if b.name.casefold() == text.casefold()), None)


def _day(row: RawRow, role: str, notes: _Notes) -> date | None:
    text = clean_text(row.cells.get(role, ""))
    if not text or text.casefold() in ("never", "-", "n/a"):
        return None
    day = read_day(text)
    if day is None:
        notes.error("not-a-date", f'gives the {_LABELS[role]} "{shown(text)}", which is not a date.')
    return day


def _actions(row: RawRow, notes: _Notes) -> tuple[ParsedAction, ...]:
    """The actions of the action/planned column, each with the owner and due date of theirs."""
    descriptions = split_actions(row.cells.get("actions", ""))
    if not descriptions:
        return ()
    owner = clean_text(row.cells.get("action_owner", ""))[:200] or None
    due = _day(row, "action_due", notes)
    return tuple(ParsedAction(d[:4000], owner, due) for d in descriptions)


def _check_band(row: RawRow, score: int | None, matrix: Matrix, notes: _Notes) -> None:
    """A published band column ('Residual band') must be the band of the published score."""
    text = clean_text(row.cells.get("band", ""))
    if not text or score is None:
        return
    expected = {b.name.casefold() for b in matrix.bands_for_score(score)}
    if expected and text.casefold() not in expected:
        notes.error(
            "band-mismatch",
            f'is published in the band "{shown(text)}" with the score {score}, which the matrix puts in '
            f"{' or '.join(b.name for b in matrix.bands_for_score(score))}; a person must decide which is right.",
        )


def _response(row: RawRow, notes: _Notes) -> tuple[str | None, str | None]:
    text = clean_text(row.cells.get("response", ""))
    if "response" not in row.roles:
        return None, None
    if not text:
        notes.error("missing-field", "gives no response; choose tolerate, treat, terminate or transfer.")
        return None, None
    response = read_response(text)
    if response is None:
        notes.error(
            "unknown-response",
            f'gives the response "{shown(text)}", which is not one of tolerate, treat, terminate or '
            "transfer; a person must choose one.",
        )
    return response, text


def _category(row: RawRow, notes: _Notes, categories: tuple[str, ...]) -> str | None:
    """The category a plan's "Category" column names, if it is one of the council's list."""
    text = clean_text(row.cells.get("category", "")).strip()
    if not text:
        return None
    category = text.casefold()
    if category not in categories:
        notes.warning(
            "unknown-category",
            f'gives the category "{shown(text)}", which is not one of {", ".join(categories)}; '
            "the risk is imported without one for a person to choose.",
        )
        return None
    return category


def _number(row: RawRow, role: str, label: str, notes: _Notes) -> int | None:
    if role not in row.roles:
        return None
    text = clean_text(row.cells.get(role, ""))
    if not text:
        notes.error("missing-field", f"gives no {label}.")
        return None
    value = read_whole_number(text)
    if value is None:
        notes.error("not-a-number", f'gives the {label} "{shown(text)}", which is not a whole number.')
    return value


def _level(row: RawRow, role: str, label: str, matrix: Matrix, notes: _Notes) -> int | None:
    value = _number(row, role, label, notes)
    levels = matrix.likelihood if role == "likelihood" else matrix.impact
    allowed = [level.score for level in levels]
    if value is not None and value not in allowed:
        notes.error(
            "level-off-matrix",
            f"gives the {label} {value}, which is not a level of the matrix "
            f"({allowed[0]} to {allowed[-1]}); it is left empty for a person to assess.",
        )
        return None
    return value


def _other_scale(row: RawRow, matrix: Matrix, notes: _Notes) -> str | None:
    """A rating on another scale than the matrix's ('L', 'M - H', 'Amber'), reported; else None."""
    if "rating" not in row.roles:
        return None
    found = read_other_scale(row.cells.get("rating", ""), frozenset(b.name.casefold() for b in matrix.bands))
    if found is None:
        return None
    rating, rest = found
    names = ", ".join(b.name for b in matrix.bands)
    after = f' The cell goes on: "{shown(rest)}".' if rest else ""
    notes.warning(
        "other-scale-rating",
        f'is rated "{rating}", on a scale that is not the {matrix.size} matrix\'s ({names}, each with a '
        "score). The risk is imported unassessed: a person must assess its likelihood and impact on the "
        f"matrix; nothing is worked out from the rating.{after}",
    )
    return rating


def _rating(row: RawRow, matrix: Matrix, notes: _Notes) -> tuple[int | None, str | None]:
    """The score and band of the rating column (band as the matrix names it when it is one)."""
    if "rating" not in row.roles:
        return None, None
    text = clean_text(row.cells.get("rating", ""))
    if not text:
        notes.error("missing-rating", "has no risk rating.")
        return None, None
    rating = read_rating(text)
    if rating is None:
        notes.error(
            "unreadable-rating", f'has the risk rating "{shown(text)}", which is not a band and a score.'
        )
        return None, None
    if rating.band is None:
        return rating.score, None
    try:
        return rating.score, matrix.band(rating.band).name
    except MatrixError:
        names = ", ".join(b.name for b in matrix.bands)
        notes.error(
            "unknown-band",
            f'has the risk rating "{shown(text)}", but "{rating.band}" is not a band of the matrix ({names}).',
        )
        return rating.score, rating.band


def _check_score(
    score: int | None,
    band: str | None,
    likelihood: int | None,
    impact: int | None,
    matrix: Matrix,
    notes: _Notes,
) -> None:
    if score is None:
        return
    bands = matrix.bands_for_score(score)
    if not bands:
        notes.error(
            "score-off-matrix",
            f"is published with the score {score}, which no cell of the {matrix.size} matrix can give.",
        )
    elif band is not None and band in {b.name for b in matrix.bands} and band not in {b.name for b in bands}:
        expected = " or ".join(b.name for b in bands)
        notes.error(
            "band-mismatch",
            f"is published as {band} with the score {score}, but on the matrix a score of {score} "
            f"is {expected}. Both are imported as printed; a person must decide which is right.",
        )
    if likelihood is not None and impact is not None and score != likelihood * impact:
        notes.error(
            "score-mismatch",
            f"publishes likelihood {likelihood} and impact {impact}, which make "
            f"{likelihood * impact}, but a residual risk score of {score}. The numbers are imported "
            "as printed; a person must decide which is right.",
        )


def _ask_for_assessment(row: RawRow, notes: _Notes) -> None:
    rating = clean_text(row.cells.get("rating", ""))
    published = (
        f'is published with the risk rating "{shown(rating)}"'
        if rating
        else "is published without a risk rating"
    )
    notes.warning(
        "no-likelihood-impact",
        f"{published} and without a separate likelihood and impact. A person must assess its "
        "residual likelihood and impact; they are not worked out from the rating"
        + (", which is kept as published (band and score) where the matrix has it." if rating else "."),
    )
