"""The matrix: likelihood and impact levels, bands, and the band of every cell.

Errors::

    ScoringError
    ├── MatrixError        a matrix definition that cannot be used (gap, unordered band, ...)
    └── OutOfMatrixError   a likelihood or impact that is not a level of the matrix
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from app.scoring.contrast import illegible_reason, ink_on


class ScoringError(ValueError):
    """Base of every scoring error."""


class MatrixError(ScoringError):
    """A matrix definition that is incomplete or inconsistent."""


class OutOfMatrixError(ScoringError):
    """A likelihood or impact score that is not a level of the matrix."""

    def __init__(self, axis: str, value: object, allowed: tuple[int, ...]) -> None:
        self.axis = axis
        self.value = value
        self.allowed = allowed
        super().__init__(
            f"{axis} {value!r} is not on the matrix; allowed: " + ", ".join(str(a) for a in allowed)
        )


#: The appetite levels, from the least risk accepted to the most (DOMAIN.md).
APPETITE_LEVELS: tuple[str, ...] = ("averse", "minimal", "cautious", "open", "eager")


@dataclass(frozen=True, slots=True)
class Level:
    """One step of the likelihood or impact scale."""

    score: int
    label: str
    description: str = ""


#: The longest review interval a band may set: three years, the longest plan period.
MAX_REVIEW_MONTHS = 36


@dataclass(frozen=True, slots=True)
class Band:
    """A named band of cells (Low, Medium, ...); a higher order is a worse band.

    `review_months`: months from a review that lands in this band to the next review;
    None leaves it to the deployment's default interval (`Matrix.with_review_months`).
    """

    name: str
    colour: str
    order: int
    review_months: int | None = None

    @property
    def ink(self) -> str:
        """The ink (dark or white) the band's name is printed in on its colour."""
        return ink_on(self.colour)


@dataclass(frozen=True, slots=True)
class Cell:
    """One cell of the matrix with its score and band."""

    likelihood: int
    impact: int
    score: int
    band: Band


@dataclass(frozen=True, slots=True)
class Assessment:
    """A likelihood x impact assessment scored on a matrix: a risk's or a review's, or a new one.

    `band` is the band's name, not the `Band`: a stored assessment keeps the name it was
    given, and the matrix in force may have changed since (`Matrix.band` finds its colour).
    A rating kept as a legacy plan published it ('Low - 4') has a band and a score but no
    likelihood or impact (both None): `published` says so.
    """

    likelihood: int | None
    impact: int | None
    score: int
    band: str

    @property
    def published(self) -> bool:
        """Whether this is a published rating: band and score, likelihood and impact unknown."""
        return self.likelihood is None or self.impact is None


@dataclass(frozen=True)
class Matrix:
    """A validated likelihood x impact matrix.

    Build one with `Matrix.build` (or the loaders), which refuses a matrix with a gap,
    an unordered band or a cell outside the levels.
    """

    name: str
    likelihood: tuple[Level, ...]
    impact: tuple[Level, ...]
    bands: tuple[Band, ...]
    cells: tuple[Cell, ...]
    #: (level, the highest residual score the council accepts at it), in APPETITE_LEVELS order;
    #: empty when the matrix sets no appetite limits.
    appetite: tuple[tuple[str, int], ...] = ()
    _by_cell: dict[tuple[int, int], Cell] = field(repr=False, compare=False, default_factory=dict)
    _bands_by_name: dict[str, Band] = field(repr=False, compare=False, default_factory=dict)

    @classmethod
    def build(
        cls,
        name: str,
        likelihood: list[Level],
        impact: list[Level],
        bands: list[Band],
        cell_bands: dict[tuple[int, int], str],
        appetite: dict[str, int] | None = None,
    ) -> Matrix:
        """Validate the parts and return the matrix; `cell_bands` maps (L, I) to a band name."""
        like = _validated_levels("likelihood", likelihood)
        imp = _validated_levels("impact", impact)
        ordered_bands = _validated_bands(bands)
        bands_by_name = {b.name: b for b in ordered_bands}
        like_scores = {lv.score for lv in like}
        imp_scores = {lv.score for lv in imp}

        for (lk, ik), band_name in cell_bands.items():
            if lk not in like_scores or ik not in imp_scores:
                raise MatrixError(f"cell ({lk}, {ik}) lies outside the likelihood and impact levels")
            if band_name not in bands_by_name:
                raise MatrixError(f"cell ({lk}, {ik}) names unknown band {band_name!r}")
        by_cell: dict[tuple[int, int], Cell] = {}
        for lv in like:
            for iv in imp:
                key = (lv.score, iv.score)
                if key not in cell_bands:
                    raise MatrixError(f"cell (likelihood {lv.score}, impact {iv.score}) has no band")
                by_cell[key] = Cell(lv.score, iv.score, lv.score * iv.score, bands_by_name[cell_bands[key]])
        _check_monotonic(by_cell)
        used = {c.band.name for c in by_cell.values()}
        unused = [b.name for b in ordered_bands if b.name not in used]
        if unused:
            raise MatrixError(f"band(s) {', '.join(unused)} are given to no cell")
        highest = max(c.score for c in by_cell.values())
        return cls(
            name=name,
            likelihood=like,
            impact=imp,
            bands=ordered_bands,
            cells=tuple(by_cell[k] for k in sorted(by_cell, key=lambda k: (-k[0], k[1]))),
            appetite=_validated_appetite(appetite, highest) if appetite is not None else (),
            _by_cell=by_cell,
            _bands_by_name=bands_by_name,
        )

    @property
    def size(self) -> str:
        """The matrix size as 'LxI', e.g. '4x4'."""
        return f"{len(self.likelihood)}x{len(self.impact)}"

    def with_review_months(self, default: int) -> Matrix:
        """This matrix with `default` months as the review interval of every band that sets none."""
        if all(b.review_months is not None for b in self.bands):
            return self
        bands = [b if b.review_months is not None else replace(b, review_months=default) for b in self.bands]
        cell_bands = {key: c.band.name for key, c in self._by_cell.items()}
        appetite = dict(self.appetite) or None  # the appetite limits stay the matrix's
        return Matrix.build(self.name, list(self.likelihood), list(self.impact), bands, cell_bands, appetite)

    def review_intervals(self) -> dict[str, int]:
        """The review interval in months of each band that sets one, by band name."""
        return {b.name: b.review_months for b in self.bands if b.review_months is not None}

    def cell(self, likelihood: int, impact: int) -> Cell:
        """The cell at `likelihood` x `impact`; OutOfMatrixError when either is not a level."""
        _require_level("likelihood", likelihood, self.likelihood)
        _require_level("impact", impact, self.impact)
        return self._by_cell[(likelihood, impact)]

    def assess(self, likelihood: int, impact: int) -> Assessment:
        """Score and band a likelihood x impact assessment."""
        c = self.cell(likelihood, impact)
        return Assessment(c.likelihood, c.impact, c.score, c.band.name)

    def band(self, name: str) -> Band:
        """The band called `name` (case-insensitive); MatrixError when there is none."""
        found = self._bands_by_name.get(name)
        if found is not None:
            return found
        for b in self.bands:
            if b.name.casefold() == name.casefold():
                return b
        raise MatrixError(f"no band called {name!r}; bands: {', '.join(b.name for b in self.bands)}")

    def bands_for_score(self, score: int) -> list[Band]:
        """The bands of every cell whose score is `score` (empty when no cell scores it)."""
        seen = {c.band.name: c.band for c in self.cells if c.score == score}
        return sorted(seen.values(), key=lambda b: b.order)

    def appetite_limit(self, level: str) -> int | None:
        """The highest residual score accepted at appetite `level`; None when the matrix sets none."""
        return dict(self.appetite).get(level)

    def likelihood_level(self, score: int) -> Level:
        """The likelihood level with this score."""
        _require_level("likelihood", score, self.likelihood)
        return next(lv for lv in self.likelihood if lv.score == score)

    def impact_level(self, score: int) -> Level:
        """The impact level with this score."""
        _require_level("impact", score, self.impact)
        return next(lv for lv in self.impact if lv.score == score)


def _require_level(axis: str, value: object, levels: tuple[Level, ...]) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or all(lv.score != value for lv in levels):
        raise OutOfMatrixError(axis, value, tuple(lv.score for lv in levels))


def _validated_levels(axis: str, levels: list[Level]) -> tuple[Level, ...]:
    if len(levels) < 2:
        raise MatrixError(f"{axis} needs at least two levels")
    scores = sorted(lv.score for lv in levels)
    if scores != list(range(1, len(levels) + 1)):
        raise MatrixError(
            f"{axis} levels must be scored 1..{len(levels)} with no gap or repeat; got {scores}"
        )
    labels = [lv.label.strip() for lv in levels]
    if any(not label for label in labels):
        raise MatrixError(f"every {axis} level needs a label")
    if len(set(labels)) != len(labels):
        raise MatrixError(f"{axis} labels must be distinct")
    return tuple(sorted(levels, key=lambda lv: lv.score))


def _validated_bands(bands: list[Band]) -> tuple[Band, ...]:
    if not bands:
        raise MatrixError("a matrix needs at least one band")
    names = [b.name.strip() for b in bands]
    if any(not n for n in names) or len({n.casefold() for n in names}) != len(names):
        raise MatrixError("band names must be present and distinct")
    orders = sorted(b.order for b in bands)
    if orders != list(range(1, len(bands) + 1)):
        raise MatrixError(f"band orders must run 1..{len(bands)} with no gap or repeat; got {orders}")
    for b in bands:
        if not _is_colour(b.colour):
            raise MatrixError(f"band {b.name!r} colour {b.colour!r} is not a #rrggbb colour")
        months = b.review_months
        if months is not None and (
            isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= MAX_REVIEW_MONTHS
        ):
            raise MatrixError(
                f"band {b.name!r} review_months must be a whole number from 1 to {MAX_REVIEW_MONTHS}"
            )
        reason = illegible_reason(b.colour)
        if reason is not None:  # the band's name is printed on its colour in every report
            raise MatrixError(f"band {b.name!r} colour {b.colour!r} is not legible: {reason}")
    return tuple(sorted(bands, key=lambda b: b.order))


def _validated_appetite(limits: dict[str, int], highest: int) -> tuple[tuple[str, int], ...]:
    """Every appetite level, each a score of the matrix, never lower than the level before it."""
    unknown = sorted(set(limits) - set(APPETITE_LEVELS))
    if unknown:
        raise MatrixError(f"appetite level {unknown[0]!r} is not one of {', '.join(APPETITE_LEVELS)}")
    missing = [level for level in APPETITE_LEVELS if level not in limits]
    if missing:
        raise MatrixError(f"appetite needs a limit for every level; {', '.join(missing)} has none")
    previous = 0
    for level in APPETITE_LEVELS:
        limit = limits[level]
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= highest:
            raise MatrixError(f"appetite.{level} must be a whole number from 1 to {highest}")
        if limit < previous:
            raise MatrixError(f"appetite.{level} ({limit}) is lower than the level before it ({previous})")
        previous = limit
    return tuple((level, limits[level]) for level in APPETITE_LEVELS)


def _is_colour(value: str) -> bool:
    if len(value) != 7 or not value.startswith("#"):
        return False
    try:
        int(value[1:], 16)
    except ValueError:
        return False
    return True


def _check_monotonic(by_cell: dict[tuple[int, int], Cell]) -> None:
    """A worse likelihood or impact, or a higher score, never lands in a lower band."""
    for (lk, ik), cell in by_cell.items():
        for neighbour in (by_cell.get((lk + 1, ik)), by_cell.get((lk, ik + 1))):
            if neighbour is not None and neighbour.band.order < cell.band.order:
                raise MatrixError(
                    f"band order falls from {cell.band.name} at ({lk}, {ik}) to "
                    f"{neighbour.band.name} at ({neighbour.likelihood}, {neighbour.impact})"
                )
    lowest: dict[int, Cell] = {}
    highest: dict[int, Cell] = {}
    for cell in by_cell.values():
        if cell.score not in lowest or cell.band.order < lowest[cell.score].band.order:
            lowest[cell.score] = cell
        if cell.score not in highest or cell.band.order > highest[cell.score].band.order:
            highest[cell.score] = cell
    worst_so_far: Cell | None = None
    for score in sorted(lowest):
        if worst_so_far is not None and lowest[score].band.order < worst_so_far.band.order:
            raise MatrixError(
                f"score {score} is in band {lowest[score].band.name}, lower than "
                f"band {worst_so_far.band.name} of score {worst_so_far.score}"
            )
        if worst_so_far is None or highest[score].band.order > worst_so_far.band.order:
            worst_so_far = highest[score]
