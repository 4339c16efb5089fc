"""Concurrent writers against a real uvicorn server, on every engine.

- 50 PATCHes racing with the same ETag: exactly one wins (200), 49 get 412, the
  version goes up by one and the audit trail gains exactly one entry.
- 20 writers x 50 reviews of one service: all 1,000 reviews stored, no 5xx, no
  "database is locked".
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func
from sqlmodel import Session, col, select

from app.access.principal import Role
from app.models import AuditEvent, Review, Risk
from tests.conftest import make_token
from tests.reliability.servers import threaded_server

RACERS = 50
WRITERS = 20
REVIEWS_EACH = 50


@pytest.fixture
def server(app: FastAPI) -> Iterator[tuple[str, dict[str, str]]]:
    """The app behind a real uvicorn on 127.0.0.1, with an admin token and a service CP."""
    token = make_token(app.state.engine, Role.ADMIN, name="race-admin")
    auth = {"Authorization": f"Bearer {token}"}
    with threaded_server(app) as base_url:
        made = httpx.post(
            f"{base_url}/api/v1/services", json={"code": "CP", "name": "Community"}, headers=auth
        )
        assert made.status_code == 201, made.text
        yield base_url, auth


def _make_risk(base_url: str, auth: dict[str, str], ref: str) -> dict[str, object]:
    made = httpx.post(
        f"{base_url}/api/v1/services/CP/risks",
        json={
            "ref": ref,
            "title": f"Risk {ref}",
            "response": "treat",
            "residual": {"likelihood": 2, "impact": 2},
        },
        headers=auth,
    )
    assert made.status_code == 201, made.text
    return made.json()


def _audit_entries(app: FastAPI, risk_id: int, action: str) -> int:
    with Session(app.state.engine) as session:
        return session.exec(
            select(func.count())
            .select_from(AuditEvent)
            .where(col(AuditEvent.entity_id) == str(risk_id), col(AuditEvent.action) == action)
        ).one()


def test_racing_patches_with_one_etag_let_exactly_one_through(
    app: FastAPI, server: tuple[str, dict[str, str]]
) -> None:
    """50 concurrent PATCHes with the same If-Match: one 200, 49 x 412, version +1, one audit entry."""
    base_url, auth = server
    risk = _make_risk(base_url, auth, "CP01")
    got = httpx.get(f"{base_url}/api/v1/risks/{risk['id']}", headers=auth)
    etag, version = got.headers["ETag"], got.json()["version"]
    audits_before = _audit_entries(app, int(risk["id"]), "risk.update")
    start = threading.Barrier(RACERS)

    def racer(n: int) -> int:
        with httpx.Client(base_url=base_url, headers=auth, timeout=60) as client:
            start.wait()
            answer = client.patch(
                f"/api/v1/risks/{risk['id']}",
                json={"title": f"Changed by racer {n}"},
                headers={"If-Match": etag},
            )
            return answer.status_code

    with ThreadPoolExecutor(RACERS) as pool:
        statuses = Counter(pool.map(racer, range(RACERS)))

    assert statuses == Counter({200: 1, 412: RACERS - 1}), statuses
    after = httpx.get(f"{base_url}/api/v1/risks/{risk['id']}", headers=auth).json()
    assert after["version"] == version + 1
    assert after["title"].startswith("Changed by racer ")
    assert _audit_entries(app, int(risk["id"]), "risk.update") == audits_before + 1


def test_twenty_writers_record_every_review(app: FastAPI, server: tuple[str, dict[str, str]]) -> None:
    """20 concurrent writers x 50 reviews (each of its own risk, same day): 1,000 stored, no 5xx, no lock errors."""
    base_url, auth = server
    risk_ids = [int(_make_risk(base_url, auth, f"CP{n:02d}")["id"]) for n in range(WRITERS)]
    with Session(app.state.engine) as session:
        before = session.exec(select(func.count()).select_from(Review)).one()
    start = threading.Barrier(WRITERS)

    def writer(risk_id: int) -> list[tuple[int, str]]:
        answers = []
        with httpx.Client(base_url=base_url, headers=auth, timeout=120) as client:
            start.wait()
            for n in range(REVIEWS_EACH):
                answer = client.post(
                    f"/api/v1/risks/{risk_id}/reviews",
                    json={
                        "residual": {"likelihood": 1 + n % 4, "impact": 1 + (n // 4) % 4},
                        "notes": f"round {n}",
                    },
                )
                answers.append((answer.status_code, answer.text))
        return answers

    with ThreadPoolExecutor(WRITERS) as pool:
        answers = [a for batch in pool.map(writer, risk_ids) for a in batch]

    statuses = Counter(status for status, _ in answers)
    assert statuses == Counter({201: WRITERS * REVIEWS_EACH}), statuses
    assert not [text for _, text in answers if "locked" in text.lower()]
    with Session(app.state.engine) as session:
        stored = session.exec(select(func.count()).select_from(Review)).one()
        per_risk = dict(
            session.exec(
                select(Review.risk_id, func.count())
                .where(col(Review.risk_id).in_(risk_ids))
                .group_by(Review.risk_id)
            ).all()
        )
    assert stored - before == WRITERS * REVIEWS_EACH
    assert per_risk == dict.fromkeys(risk_ids, REVIEWS_EACH + 1)  # + the first review at creation


BANDS = {
    "Low": {"likelihood": 1, "impact": 1},
    "Medium": {"likelihood": 2, "impact": 3},
    "High": {"likelihood": 3, "impact": 3},
    "Very High": {"likelihood": 4, "impact": 4},
}


def test_concurrent_service_reviews_moving_bands_all_succeed(
    app: FastAPI, server: tuple[str, dict[str, str]]
) -> None:
    """Two whole-service reviews of one service racing, each moving two risks between bands:
    every review is recorded (no deadlock, no 5xx; each locks its risks in id order) and the
    list's totals still match the risks."""
    base_url, auth = server
    for ref in ("CP01", "CP02", "CP03", "CP04"):
        _make_risk(base_url, auth, ref)
    # (ref, band on even rounds, band on odd rounds), in the order each review lists them
    sides = (
        (("CP01", "High", "Low"), ("CP02", "Very High", "Medium")),
        (("CP03", "Medium", "Very High"), ("CP04", "Low", "High")),
    )
    rounds = 20
    start = threading.Barrier(2)

    def reviewer(side: int) -> list[int]:
        statuses = []
        with httpx.Client(base_url=base_url, headers=auth, timeout=120) as client:
            start.wait()
            for n in range(rounds):
                reviews = [
                    {"ref": ref, "residual": BANDS[odd if n % 2 else even]} for ref, even, odd in sides[side]
                ]
                answer = client.post("/api/v1/services/CP/reviews", json={"reviews": reviews})
                statuses.append(answer.status_code)
        return statuses

    with ThreadPoolExecutor(2) as pool:
        statuses = Counter(s for batch in pool.map(reviewer, (0, 1)) for s in batch)
    assert statuses == Counter({201: 2 * rounds}), statuses
    for band in BANDS:
        listed = httpx.get(f"{base_url}/api/v1/risks", params={"band": band}, headers=auth).json()
        with Session(app.state.engine) as session:
            stored = session.exec(
                select(func.count()).select_from(Risk).where(col(Risk.residual_band) == band)
            ).one()
        assert listed["total"] == stored == 1, band
