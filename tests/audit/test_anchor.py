"""Anchors: a signed head of the trail, kept outside the database, shows a cut tail or a rewritten
chain that the hash chain alone verifies as intact."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import Engine, text
from sqlmodel import Session

from app.audit.anchor import Anchor, BadAnchor, read_anchor, sign
from app.audit.trail import GENESIS, ChainHead, chain_head
from app.config import Settings
from app.main import create_app
from tests.access.seed import World, as_token, seed
from tests.api.builders import get_risk, patch_risk
from tests.audit.conftest import AUDIT_KEY
from tests.audit.database import cut_tail, entries, rewrite_from, verify_chain_of

KEY = AUDIT_KEY.encode()


def anchor_now(engine: Engine) -> Anchor:
    """The trail's head now, signed with the test key."""
    with Session(engine) as session:
        return sign(chain_head(session), datetime.now(UTC), KEY)


def more_changes(world: World, n: int) -> None:
    """`n` more entries on the trail."""
    for i in range(n):
        _, etag = get_risk(world.admin, world.risk_a)
        assert patch_risk(world.admin, world.risk_a, etag, owner=f"owner {i}").status_code == 200


def checked(world: World, anchor: Anchor | str) -> dict[str, Any]:
    """The auditor's verification of the trail against `anchor`."""
    text = anchor if isinstance(anchor, str) else anchor.line()
    response = world.auditor.get("/api/v1/audit/verify", params={"anchor": text})
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def test_the_head_counts_the_trail_and_names_its_newest_entry(app: FastAPI, engine: Engine) -> None:
    with Session(engine) as session:
        assert chain_head(session) == ChainHead(count=0, last_id=0, hash=GENESIS)
    seed(app)
    trail = entries(engine)
    with Session(engine) as session:
        assert chain_head(session) == ChainHead(
            count=len(trail), last_id=trail[-1].id or 0, hash=trail[-1].hash
        )


def test_an_intact_trail_holds_its_anchors_old_and_new(app: FastAPI, engine: Engine) -> None:
    world = seed(app)
    old = anchor_now(engine)
    more_changes(world, 2)
    for anchor in (old, anchor_now(engine)):
        answer = checked(world, anchor)
        assert answer["intact"] is True
        assert answer["anchor"]["holds"] is True
        assert answer["anchor"]["finding"] is None
        assert (answer["anchor"]["count"], answer["anchor"]["last_id"]) == (
            anchor.head.count,
            anchor.head.last_id,
        )
    assert checked(world, old.as_json())["intact"] is True


def test_a_cut_tail_verifies_alone_but_not_against_an_anchor(app: FastAPI, engine: Engine) -> None:
    world = seed(app)
    more_changes(world, 3)
    anchor = anchor_now(engine)
    trail = entries(engine)
    cut_tail(engine, trail[-3].id or 0)
    # The chain alone sees nothing: this is what passed silently before anchors.
    assert verify_chain_of(engine) == (len(trail) - 3, None)
    answer = checked(world, anchor)
    assert (answer["intact"], answer["broken_at"], answer["anchor"]["holds"]) == (False, None, False)
    assert f"{len(trail) - 3} entries, fewer than the {len(trail)}" in answer["anchor"]["finding"]
    assert "removed" in answer["anchor"]["finding"]


def test_a_cut_tail_continued_with_new_entries_is_found(app: FastAPI, engine: Engine) -> None:
    world = seed(app)
    anchor = anchor_now(engine)
    trail = entries(engine)
    cut_tail(engine, trail[-2].id or 0)
    more_changes(world, 3)  # as many entries again, or more: the count alone would not show it
    assert verify_chain_of(engine) == (len(trail) + 1, None)
    answer = checked(world, anchor)
    assert answer["intact"] is False
    assert f"entry {anchor.head.last_id}, the newest when anchored" in answer["anchor"]["finding"]
    assert "missing" in answer["anchor"]["finding"]


@pytest.mark.parametrize("back", [1, 4])  # the anchored entry itself, and one before it
def test_a_chain_rewritten_from_an_entry_on_is_found(app: FastAPI, engine: Engine, back: int) -> None:
    world = seed(app)
    more_changes(world, 2)
    anchor = anchor_now(engine)
    trail = entries(engine)
    rewrite_from(engine, trail[-back].id or 0)
    assert entries(engine)[-back].actor == "mallory"
    assert verify_chain_of(engine) == (len(trail), None)  # the rewritten chain verifies
    answer = checked(world, anchor)
    assert (answer["intact"], answer["anchor"]["holds"]) == (False, False)
    assert f"entry {anchor.head.last_id} no longer has the hash" in answer["anchor"]["finding"]
    assert "rewritten" in answer["anchor"]["finding"]


def test_a_rewrite_after_the_anchor_is_for_the_next_anchor_to_find(app: FastAPI, engine: Engine) -> None:
    world = seed(app)
    anchor = anchor_now(engine)
    more_changes(world, 2)
    rewrite_from(engine, entries(engine)[-1].id or 0)
    assert checked(world, anchor)["intact"] is True  # below the anchor nothing changed


def test_a_broken_chain_and_a_broken_anchor_are_both_named(app: FastAPI, engine: Engine) -> None:
    world = seed(app)
    anchor = anchor_now(engine)
    trail = entries(engine)
    cut_tail(engine, trail[-1].id or 0)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": trail[2].id})
    answer = checked(world, anchor)
    assert (answer["intact"], answer["broken_at"]) == (False, trail[3].id)
    assert "removed" in answer["reason"]
    assert answer["anchor"]["holds"] is False
    assert "fewer than" in answer["anchor"]["finding"]


def forged(anchor: Anchor, **changes: Any) -> str:
    """The anchor's line with a field changed and its signature kept."""
    line = anchor.line()
    for name, value in changes.items():
        old = f"{name}={getattr(anchor.head, name, None)}"
        assert old in line
        line = line.replace(old, f"{name}={value}")
    return line


def test_a_forged_or_malformed_anchor_is_refused_naming_it(app: FastAPI, engine: Engine) -> None:
    world = seed(app)
    anchor = anchor_now(engine)
    other_key = sign(anchor.head, anchor.at, b"some-other-key-0123456789")
    bad = [
        forged(anchor, count=anchor.head.count - 1),
        forged(anchor, last_id=anchor.head.last_id - 1),
        forged(anchor, hash="0" * 64),
        anchor.line().replace(anchor.line()[-64:], "f" * 64),
        other_key.line(),
        anchor.line()[:-1],
        "riskreg-audit-anchor/1 count=1",
        '{"anchor": "riskreg-audit-anchor/1", "count": 1}',
        "{not json",
    ]
    for given in bad:
        response = world.auditor.get("/api/v1/audit/verify", params={"anchor": given})
        assert response.status_code == 422, (given, response.text)
        assert response.json()["errors"][0]["field"] == "query.anchor"
    assert (
        "signature does not match"
        in world.auditor.get("/api/v1/audit/verify", params={"anchor": other_key.line()}).json()["detail"]
    )
    for given in bad[:5]:
        with pytest.raises(BadAnchor, match="signature"):
            read_anchor(given, KEY)


def test_anchors_are_checked_by_auditors_and_admins_only(app: FastAPI, engine: Engine) -> None:
    world = seed(app)
    line = anchor_now(engine).line()
    assert world.admin.get("/api/v1/audit/verify", params={"anchor": line}).status_code == 200
    for client in (world.editor_a, world.editor_b):
        assert client.get("/api/v1/audit/verify", params={"anchor": "nonsense"}).status_code == 403


def test_without_a_key_an_anchor_is_refused_saying_what_to_set(settings: Settings) -> None:
    keyless = create_app(settings.model_copy(update={"audit_key": None}))
    try:
        world = seed(keyless)
        line = sign(ChainHead(0, 0, GENESIS), datetime.now(UTC), KEY).line()
        response = world.auditor.get("/api/v1/audit/verify", params={"anchor": line})
        assert response.status_code == 503
        assert "RISKREG_AUDIT_KEY is not set" in response.json()["detail"]
        nonsense = world.auditor.get("/api/v1/audit/verify", params={"anchor": "nonsense"})
        assert nonsense.status_code == 422  # no anchor at all: the client's error, key or none
        assert world.auditor.get("/api/v1/audit/verify").json()["intact"] is True  # the chain alone still
        short = create_app(settings.model_copy(update={"audit_key": SecretStr("short")}))
        response = as_token(short, world.tokens["auditor"]).get(
            "/api/v1/audit/verify", params={"anchor": line}
        )
        assert response.status_code == 503
        assert "shorter than 16" in response.json()["detail"]
        short.state.engine.dispose()
    finally:
        keyless.state.engine.dispose()
