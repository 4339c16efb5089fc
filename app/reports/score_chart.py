"""A risk's residual score over time, drawn by hand as a small inline SVG (the risk page's chart).

A step line: a score holds from its review until the next one (or the chart's last day),
each review a dot in its band's colour, over faint stripes of the matrix's bands. The
picture is `role="img"` with a <title> and <desc>; the page gives the same reviews as a
table, so nothing is said by colour alone.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape

from app.scoring import Matrix, MatrixError

WIDTH, HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 56, 24, 16, 60
INK = "#1b1b1b"
GRID = "#c8c8c8"


@dataclass(frozen=True, slots=True)
class ScorePoint:
    """One review: its day, residual score and band."""

    day: date
    score: int
    band: str


def short_day(day: date) -> str:
    """5 Sep 2025."""
    return f"{day.day} {day:%b %Y}"


def score_chart(
    points: Sequence[ScorePoint], matrix: Matrix, *, until: date, title: str, description: str, ident: str
) -> str:
    """The chart of `points` (oldest first) up to `until`, as SVG markup; `ident` prefixes its ids."""
    top = max(cell.score for cell in matrix.cells)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    first = points[0].day if points else until
    last = max([until, *(p.day for p in points)])
    if (last - first).days < 30:
        first = last - timedelta(days=30)
    span = (last - first).days

    def x(day: date) -> float:
        return LEFT + (day - first).days / span * plot_w

    def y(score: float) -> float:
        return TOP + plot_h - score / top * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc" class="score-chart">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(description)}</desc>',
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
    ]
    # Each band's stripe runs from its lowest score to the next band's (bands rise with the score).
    lowest = [
        (band, min(cell.score for cell in matrix.cells if cell.band.name == band.name))
        for band in matrix.bands
        if any(cell.band.name == band.name for cell in matrix.cells)
    ]
    for index, (band, low) in enumerate(lowest):
        bottom = 0 if index == 0 else low - 0.5
        ceiling = lowest[index + 1][1] - 0.5 if index + 1 < len(lowest) else top
        parts.append(
            f'<rect x="{LEFT}" y="{y(ceiling):.1f}" width="{plot_w}" height="{y(bottom) - y(ceiling):.1f}" '
            f'fill="{band.colour}" fill-opacity="0.25"/>'
        )
    step = max(1, math.ceil(top / 4))
    for score in range(0, top + 1, step):
        parts.append(
            f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(score):.1f}" y2="{y(score):.1f}" stroke="{GRID}"/>'
        )
        parts.append(
            f'<text x="{LEFT - 8}" y="{y(score) + 4:.1f}" text-anchor="end" font-size="12" fill="{INK}">{score}</text>'
        )
    ticks = 4
    for index in range(ticks + 1):
        day = first + timedelta(days=round(span * index / ticks))
        anchor = "start" if index == 0 else "end" if index == ticks else "middle"
        parts.append(
            f'<line x1="{x(day):.1f}" x2="{x(day):.1f}" y1="{TOP + plot_h}" y2="{TOP + plot_h + 5}" stroke="{INK}"/>'
        )
        parts.append(
            f'<text x="{x(day):.1f}" y="{TOP + plot_h + 20}" text-anchor="{anchor}" font-size="12" '
            f'fill="{INK}">{escape(short_day(day))}</text>'
        )
    parts.append(
        f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{TOP + plot_h}" stroke="{INK}"/>'
        f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{TOP + plot_h}" y2="{TOP + plot_h}" stroke="{INK}"/>'
        f'<text x="14" y="{TOP + plot_h / 2:.1f}" transform="rotate(-90 14 {TOP + plot_h / 2:.1f})" '
        f'text-anchor="middle" font-size="12" fill="{INK}">Residual score</text>'
        f'<text x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 10}" text-anchor="middle" font-size="12" '
        f'fill="{INK}">Review date</text>'
    )
    if points:
        path = [f"M{x(points[0].day):.1f},{y(points[0].score):.1f}"]
        for point in points[1:]:
            path.append(f"H{x(point.day):.1f}V{y(point.score):.1f}")
        path.append(f"H{x(last):.1f}")
        parts.append(f'<path d="{"".join(path)}" fill="none" stroke="{INK}" stroke-width="2"/>')
        for point in points:
            parts.append(
                f'<circle cx="{x(point.day):.1f}" cy="{y(point.score):.1f}" r="5" '
                f'fill="{_colour(matrix, point.band)}" stroke="{INK}" stroke-width="1.5"/>'
            )
    parts.append("</svg>")
    return "".join(parts)


def _colour(matrix: Matrix, band: str) -> str:
    """The band's colour; a band the matrix in force no longer has is drawn white."""
    try:
        return matrix.band(band).colour
    except MatrixError:
        return "#ffffff"
