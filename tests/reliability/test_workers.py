"""Two API processes on one database, as in the scale-out deployment (uvicorn --workers 2).

Nothing a process keeps to itself may serve a wrong answer: version checks and locks
live in the database, and the heat map's cache and ETag are keyed on what the picture
shows, so a process that drew it before a change can never answer for it after.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from app.access.principal import Role
from app.config import Settings
from app.db import make_engine
from tests.conftest import make_token
from tests.reliability.servers import ServerProcess

RACERS = 30
WRITERS = 8
REVIEWS_EACH = 15


@pytest.fixture
def two_workers(database_url: str, tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """A server of two uvicorn worker processes, with an admin token and a service CP."""
    engine = make_engine(Settings(database_url=database_url, migrate_on_start=False, _env_file=None))  # type: ignore[call-arg]
    token = make_token(engine, Role.ADMIN, name="workers-admin")
    engine.dispose()
    auth = {"Authorization": f"Bearer {token}"}
    server = ServerProcess(database_url, tmp_path / "server.log", workers=2)
    server.start()
    try:
        made = httpx.post(
            f"{server.base_url}/api/v1/services", json={"code": "CP", "name": "C"}, headers=auth
        )
        assert made.status_code == 201, made.text
        yield server.base_url, auth
    finally:
        server.stop()


def _new_risk(base: str, auth: dict[str, str], ref: str, likelihood: int = 2) -> dict[str, object]:
    made = httpx.post(
        f"{base}/api/v1/services/CP/risks",
        json={
            "ref": ref,
            "title": f"Risk {ref}",
            "response": "treat",
            "residual": {"likelihood": likelihood, "impact": 2},
        },
        headers=auth,
    )
    assert made.status_code == 201, made.text
    return dict(made.json())


def test_racing_patches_across_processes_let_exactly_one_through(
    two_workers: tuple[str, dict[str, str]],
) -> None:
    base, auth = two_workers
    risk = _new_risk(base, auth, "CP01")
    etag = httpx.get(f"{base}/api/v1/risks/{risk['id']}", headers=auth).headers["etag"]
    start = threading.Barrier(RACERS)

    def racer(n: int) -> int:
        with httpx.Client(base_url=base, headers=auth, timeout=60) as client:  # a connection each
            start.wait()
            return client.patch(
                f"/api/v1/risks/{risk['id']}", json={"title": f"By racer {n}"}, headers={"If-Match": etag}
            ).status_code

    with ThreadPoolExecutor(RACERS) as pool:
        statuses = Counter(pool.map(racer, range(RACERS)))
    assert statuses == Counter({200: 1, 412: RACERS - 1}), statuses


def test_writers_on_both_processes_record_every_review(two_workers: tuple[str, dict[str, str]]) -> None:
    base, auth = two_workers
    risk_ids = [int(str(_new_risk(base, auth, f"CP{n:02d}")["id"])) for n in range(WRITERS)]
    start = threading.Barrier(WRITERS)

    def writer(risk_id: int) -> list[int]:
        statuses = []
        for n in range(REVIEWS_EACH):
            if n == 0:
                start.wait()
            # a new connection each time, so the kernel spreads them over both processes
            answer = httpx.post(
                f"{base}/api/v1/risks/{risk_id}/reviews",
                json={"residual": {"likelihood": 1 + n % 4, "impact": 1 + (n // 4) % 4}},
                headers=auth,
                timeout=60,
            )
            statuses.append(answer.status_code)
        return statuses

    with ThreadPoolExecutor(WRITERS) as pool:
        statuses = Counter(s for batch in pool.map(writer, risk_ids) for s in batch)
    assert statuses == Counter({201: WRITERS * REVIEWS_EACH}), statuses
    for risk_id in risk_ids:
        history = httpx.get(f"{base}/api/v1/risks/{risk_id}/reviews", headers=auth, params={"page_size": 200})
        assert history.headers["x-total-count"] == str(REVIEWS_EACH + 1)


def test_no_process_answers_a_changed_heat_map_from_its_cache(
    two_workers: tuple[str, dict[str, str]],
) -> None:
    base, auth = two_workers
    risk = _new_risk(base, auth, "CP01", likelihood=1)
    url = f"{base}/api/v1/reports/heatmap"
    # Draw it in both processes (new connections land on either), so each has it cached.
    before = {httpx.get(url, params={"service": "CP"}, headers=auth).headers["etag"] for _ in range(12)}
    assert len(before) == 1
    (old_etag,) = before
    moved = httpx.post(
        f"{base}/api/v1/risks/{risk['id']}/reviews",
        json={"residual": {"likelihood": 4, "impact": 4}},
        headers=auth,
    )
    assert moved.status_code == 201, moved.text
    after = [
        httpx.get(url, params={"service": "CP"}, headers=auth | {"If-None-Match": old_etag})
        for _ in range(12)
    ]
    assert [a.status_code for a in after] == [200] * 12
    assert len({a.headers["etag"] for a in after} | {old_etag}) == 2
    assert len({a.content for a in after}) == 1
