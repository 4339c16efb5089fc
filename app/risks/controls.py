"""A risk's control measures: the current list, read and replaced here only.

Each review also keeps a copy of the list it recorded (`review.controls`), so the
register as of a past day shows the controls in force then.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlmodel import Session

from app.models import ControlMeasure, table_of

_CONTROL = table_of(ControlMeasure)
# Read by every review and risk read: built once, its compiled form cached.
_CONTROLS_OF = (
    sa.select(_CONTROL.c.risk_id, _CONTROL.c.text)
    .where(_CONTROL.c.risk_id.in_(sa.bindparam("risk_ids", expanding=True)))
    .order_by(_CONTROL.c.risk_id, _CONTROL.c.position)
)
_DELETE_CONTROLS = sa.delete(_CONTROL).where(_CONTROL.c.risk_id.in_(sa.bindparam("risk_ids", expanding=True)))


def controls_of(db: Session | Connection, risk_ids: Sequence[int]) -> dict[int, list[str]]:
    """The current control measures of each risk, in order (a risk with none: an empty list)."""
    if not risk_ids:
        return {}
    result: dict[int, list[str]] = {rid: [] for rid in risk_ids}
    for risk_id, text in db.execute(_CONTROLS_OF, {"risk_ids": list(risk_ids)}):
        result[risk_id].append(text)
    return result


def replace_controls(db: Session | Connection, controls_by_risk: Mapping[int, Sequence[str]]) -> None:
    """Make each list the current control measures of its risk: one delete, one insert."""
    if not controls_by_risk:
        return
    db.execute(_DELETE_CONTROLS, {"risk_ids": list(controls_by_risk)})
    rows = [
        {"risk_id": risk_id, "position": position, "text": text}
        for risk_id, controls in controls_by_risk.items()
        for position, text in enumerate(controls)
    ]
    if rows:
        db.execute(sa.insert(_CONTROL), rows)
