"""Exact list totals, remembered until the register next changes.

A list answers one page and the exact number of matches. The page comes off an index in a
millisecond at any size; the total counts every match (the open High and Very High risks of
100,000: some 50,000 index entries), so at that size counting is most of a page's time, and
paging through a list counts the same thing again for every page.

Every change to the register records an audit entry in its own transaction, and the trail's
writers append one at a time (each takes the head in turn: `app.audit.trail`), so the newest
entry's id and hash name the state of the register. A total counted in that state stays
true until the next entry, or until the day changes (overdue, the appetite statement in
force and the default `as_of` read today). Writes made around the trail (a database loaded
by hand) are not seen: such a load is followed by a restart, which empties the memory.

The state is read in the page's own statement (one snapshot, no round trip of its own), and
a total is counted in that statement or after it, so a total is never older than the state
it is kept under.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Mapping
from datetime import date
from typing import Any
from weakref import WeakKeyDictionary

import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from app.models import AuditEvent, table_of

_AUDIT = table_of(AuditEvent)


def _newest(column: Any) -> Any:
    return sa.select(column).order_by(_AUDIT.c.id.desc()).limit(1).scalar_subquery()


#: The newest audit entry's id and hash, read as two columns of a list's own statement (so
#: that the page and the state it was read in come from one snapshot, in one round trip).
STATE_COLUMNS = (_newest(_AUDIT.c.id).label("audit_head_id"), _newest(_AUDIT.c.hash).label("audit_head_hash"))

#: Totals kept per state: a state sees few distinct filters between two writes.
_MAX_KEPT = 1024


def state_of(values: Mapping[Any, Any], today: date) -> Hashable:
    """The register's state named by the `STATE_COLUMNS` a statement read, on `today`."""
    return (today, values["audit_head_id"], values["audit_head_hash"])


class Totals:
    """The totals counted in one state of one database, forgotten when the state changes.

    A list reads its page with `STATE_COLUMNS` and, when `last` knows a total for its filter,
    without counting; if the state it read is the one that total was counted in, the total
    holds, else it counts again and `keep`s the new total.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state: Hashable = None
        self._counts: dict[Hashable, int] = {}

    def last(self, key: Hashable) -> tuple[Hashable, int] | None:
        """The state of the newest total of `key` and that total, if one is kept."""
        with self._lock:
            total = self._counts.get(key)
            return None if total is None else (self._state, total)

    def keep(self, state: Hashable, key: Hashable, total: int) -> None:
        """Remember the total of `key` counted in `state` (a newer state forgets the older one's)."""
        with self._lock:
            if state != self._state or len(self._counts) >= _MAX_KEPT:
                self._state, self._counts = state, {}
            self._counts[key] = total


_BY_ENGINE: WeakKeyDictionary[Engine, Totals] = WeakKeyDictionary()
_BY_ENGINE_LOCK = threading.Lock()


def of(db: Connection) -> Totals:
    """The totals of the database `db` belongs to (one per engine)."""
    engine = db.engine
    with _BY_ENGINE_LOCK:
        found = _BY_ENGINE.get(engine)
        if found is None:
            found = _BY_ENGINE[engine] = Totals()
        return found
