"""The database guards the trail's ids: never reused, never at or below the head, and on SQLite
`REPLACE` cannot delete an entry (its deletion would fire no delete trigger)."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from tests.access.seed import seed
from tests.api.builders import get_risk, patch_risk
from tests.audit.database import cut_tail, entries, verify_chain_of

_COLUMNS = "occurred_at, actor, actor_role, request_id, action, entity_type, entity_id, prev_hash, hash"


def copy_of(entry_id: int, *, new_id: str, new_hash: str, verb: str = "INSERT") -> str:
    """An insert of a copy of the entry, with the id and hash given (SQL expressions)."""
    return (
        f"{verb} INTO audit_event (id, {_COLUMNS}) "
        f"SELECT {new_id}, occurred_at, actor, actor_role, request_id, action, entity_type, entity_id, "
        f"prev_hash, {new_hash} FROM audit_event WHERE id = {entry_id}"
    )


def test_an_insert_at_or_below_the_head_is_refused(app: FastAPI, engine: Engine) -> None:
    seed(app)
    trail = entries(engine)
    head = trail[-1].id
    assert head is not None
    for new_id in (str(head), str(head - 2), "0", "-5"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(copy_of(head, new_id=new_id, new_hash="'" + "e" * 64 + "'")))
    assert entries(engine) == trail
    with engine.begin() as conn:  # above the head is where an entry belongs
        conn.execute(text(copy_of(head, new_id=str(head + 1), new_hash="'" + "e" * 64 + "'")))
    assert len(entries(engine)) == len(trail) + 1


# SQLite only: REPLACE is SQLite's; PostgreSQL has no statement that deletes on conflict.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("verb", ["REPLACE", "INSERT OR REPLACE"])
def test_replace_cannot_delete_an_entry(app: FastAPI, engine: Engine, verb: str) -> None:
    seed(app)
    trail = entries(engine)
    victim, head = trail[2].id, trail[-1].id
    assert victim is not None
    assert head is not None
    attempts = [
        copy_of(victim, new_id=str(victim), new_hash="'" + "e" * 64 + "'"),  # collides on the id
        copy_of(victim, new_id=str(head), new_hash="'" + "e" * 64 + "'"),  # the head's id
        copy_of(victim, new_id=str(head + 1), new_hash="hash"),  # collides on the hash
    ]
    for statement in attempts:
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement.replace("INSERT", verb, 1)))
    assert entries(engine) == trail
    assert verify_chain_of(engine) == (len(trail), None)


def test_ids_of_a_cut_tail_are_never_given_again(app: FastAPI, engine: Engine) -> None:
    world = seed(app)
    trail = entries(engine)
    cut_tail(engine, trail[-2].id or 0)
    _, etag = get_risk(world.admin, world.risk_a)
    assert patch_risk(world.admin, world.risk_a, etag, owner="after the cut").status_code == 200
    newest = entries(engine)[-1]
    assert newest.id is not None
    assert trail[-1].id is not None
    assert newest.id > trail[-1].id
