"""A risk's descriptive fields as they were recorded at a past moment, read back from the audit trail.

The risk row holds only its current ref, title, owner, ... Every change of them went
through the audit trail: `risk.create` holds them all in `after`, and each later change
(`risk.update`, `risk.close`, `risk.reopen`) the fields it changed in `before` and `after`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from app.models import AuditEvent, table_of

#: The fields read back: what a risk shows of itself, and the controls and response it keeps
#: until its first review.
FIELDS = ("ref", "title", "consequence", "owner", "category", "aliases", "controls", "response")
#: The audit actions that set a risk's own fields (its reviews set controls and response on it,
#: but a risk reviewed by then shows its review's).
_ACTIONS = ("risk.create", "risk.update", "risk.close", "risk.reopen")
_AUDIT = table_of(AuditEvent)
_CHUNK = 500


def fields_at(
    entries: Iterable[tuple[datetime, Mapping[str, Any] | None, Mapping[str, Any] | None]], moment: datetime
) -> dict[str, Any]:
    """The fields of one risk as they were at `moment`, from its audit entries (occurred_at, before,
    after) in the order they were written; a field absent from the answer has its current value.

    Per field: the `after` of the last entry by `moment` that set it (the creation holds them
    all); failing that (an imported risk has no creation entry), the `before` of the first
    entry after `moment` that changed it; failing both, it has not changed since.
    """
    known: dict[str, Any] = {}
    earlier: dict[str, Any] = {}
    for occurred_at, before, after in entries:
        if occurred_at <= moment:
            known |= {name: after[name] for name in FIELDS if after and name in after}
        else:
            for name in FIELDS:
                if before and name in before and name not in earlier:
                    earlier[name] = before[name]
    return earlier | known


def values_at(session: Session, risk_ids: Sequence[int], moment: datetime) -> dict[int, dict[str, Any]]:
    """`fields_at` of each of `risk_ids` (those with a field changed since `moment` or set before it)."""
    entries: dict[int, list[tuple[datetime, Any, Any]]] = {}
    for start in range(0, len(risk_ids), _CHUNK):
        chunk = [str(risk_id) for risk_id in risk_ids[start : start + _CHUNK]]
        found = session.execute(
            sa.select(_AUDIT.c.entity_id, _AUDIT.c.occurred_at, _AUDIT.c.before, _AUDIT.c.after)
            .where(
                _AUDIT.c.entity_type == "risk",
                _AUDIT.c.entity_id.in_(chunk),
                _AUDIT.c.action.in_(_ACTIONS),
            )
            .order_by(_AUDIT.c.id)
        )
        for entity_id, occurred_at, before, after in found:
            entries.setdefault(int(entity_id), []).append((occurred_at, before, after))
    return {risk_id: values for risk_id, found in entries.items() if (values := fields_at(found, moment))}
