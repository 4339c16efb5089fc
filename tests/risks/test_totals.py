"""List totals are counted once per state of the register and never outlive it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import event

from app.audit.totals import Totals, state_of
from tests.api.builders import close_risk, make_action, make_risk, make_service, review

HIGH = (3, 3)  # 9: High on the default matrix
LOW = (1, 2)


@contextmanager
def counts_made(app) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
    """The COUNT statements the app runs while the block runs."""
    made: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if "count(" in statement.lower():
            made.append(statement)

    event.listen(app.state.engine, "before_cursor_execute", seen)
    try:
        yield made
    finally:
        event.remove(app.state.engine, "before_cursor_execute", seen)


def high_total(client: TestClient, page: int = 1) -> int:
    response = client.get("/api/v1/risks", params={"band": "High", "page_size": 1, "page": page})
    assert response.status_code == 200, response.text
    return int(response.json()["total"])


def test_a_second_page_reuses_the_total_and_every_write_recounts(app, client: TestClient) -> None:  # type: ignore[no-untyped-def]
    make_service(client)
    risks = [make_risk(client, ref=f"CP0{n}", residual=HIGH, reviewed_on=date(2026, 1, 5)) for n in (1, 2, 3)]
    assert high_total(client) == 3
    with counts_made(app) as made:
        assert [high_total(client, page) for page in (2, 3)] == [3, 3]
    assert made == [], "the total of an unchanged register was counted again"

    review(client, risks[0]["id"], LOW, reviewed_on=date(2026, 2, 1))
    with counts_made(app) as made:
        assert high_total(client) == 2
    assert made, "a review did not make the list count again"

    close_risk(client, risks[1]["id"], date(2026, 2, 2))
    assert high_total(client) == 1
    make_risk(client, ref="CP04", residual=HIGH, reviewed_on=date(2026, 2, 3))
    assert high_total(client, 2) == 2
    # another filter has its own total in the same state
    assert client.get("/api/v1/risks", params={"band": "Low"}).json()["total"] == 1


def test_the_action_list_total_follows_every_write(app, client: TestClient) -> None:  # type: ignore[no-untyped-def]
    make_service(client)
    risk = make_risk(client, residual=HIGH, reviewed_on=date(2026, 1, 5))
    make_action(client, risk["id"])

    def total() -> int:
        response = client.get("/api/v1/actions", params={"page_size": 1})
        assert response.status_code == 200, response.text
        return int(response.json()["total"])

    assert total() == 1
    with counts_made(app) as made:
        assert total() == 1
    assert made == []
    make_action(client, risk["id"])
    assert total() == 2


def test_a_total_is_kept_for_the_newest_state_only() -> None:
    totals = Totals()
    day = date(2026, 11, 30)
    state = state_of({"audit_head_id": 7, "audit_head_hash": "abc"}, day)
    totals.keep(state, "High", 12)
    assert totals.last("High") == (state, 12)
    assert totals.last("Low") is None
    # the next day is another state, even with no write since
    assert state_of({"audit_head_id": 7, "audit_head_hash": "abc"}, day + timedelta(days=1)) != state
    newer = state_of({"audit_head_id": 8, "audit_head_hash": "def"}, day)
    totals.keep(newer, "Low", 3)
    assert totals.last("Low") == (newer, 3)
    assert totals.last("High") is None  # counted in the older state: forgotten
