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

The state is read before the count, so a count is never older than the state it is kept
under (on PostgreSQL each statement has its own snapshot; on SQLite a read is one).
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
from datetime import date
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine, select

from app.models import AuditEvent, table_of

_AUDIT = table_of(AuditEvent)
_NEWEST = select(_AUDIT.c.id, _AUDIT.c.hash).order_by(_AUDIT.c.id.desc()).limit(1)

#: Totals kept per state: a state sees few distinct filters between two writes.
_MAX_KEPT = 1024


class Totals:
    """The totals counted in one state of one database, forgotten when the state changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state: Hashable = None
        self._counts: dict[Hashable, int] = {}

    def state(self, db: Connection, today: date) -> Hashable:
        """The register's state now, as the key its totals are kept under."""
        newest = db.execute(_NEWEST).first()
        return (today, None if newest is None else (newest.id, newest.hash))

    def get(self, state: Hashable, key: Hashable) -> int | None:
        """The total of `key` counted in `state`, if it was."""
        with self._lock:
            return self._counts.get(key) if state == self._state else None

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
