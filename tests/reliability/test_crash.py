"""Crash safety: a real server process SIGKILLed in the middle of a review load loses no
acknowledged review, and the SQLite file is intact (integrity_check ok, no broken foreign keys)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from app.access.principal import Role
from app.config import Settings
from app.db import make_engine
from tests.conftest import make_token
from tests.reliability.servers import ServerProcess

LOADERS = 4
RISKS = 4
MIN_ACKED_BEFORE_KILL = 40


@pytest.mark.parametrize("workers", [1, 2])
def test_sigkill_mid_load_loses_no_acknowledged_review(
    database_url: str, tmp_path: Path, workers: int
) -> None:
    """Every review answered 201 before the SIGKILL is in the database after the restart, with
    one server process or two sharing the database (the scale-out deployment)."""
    engine = make_engine(Settings(database_url=database_url, migrate_on_start=False, _env_file=None))  # type: ignore[call-arg]
    token = make_token(engine, Role.ADMIN, name="crash-admin")
    auth = {"Authorization": f"Bearer {token}"}
    server = ServerProcess(database_url, tmp_path / "server.log", workers=workers)
    server.start()
    try:
        base = server.base_url
        assert (
            httpx.post(f"{base}/api/v1/services", json={"code": "CP", "name": "C"}, headers=auth).status_code
            == 201
        )
        risk_ids = []
        for n in range(RISKS):
            made = httpx.post(
                f"{base}/api/v1/services/CP/risks",
                json={
                    "ref": f"CP{n:02d}",
                    "title": "t",
                    "response": "treat",
                    "residual": {"likelihood": 1, "impact": 1},
                },
                headers=auth,
            )
            assert made.status_code == 201, made.text
            risk_ids.append(made.json()["id"])

        acked: list[int] = []
        server_errors: list[str] = []
        lock = threading.Lock()
        stop = threading.Event()

        def load(risk_id: int) -> None:
            with httpx.Client(base_url=base, headers=auth, timeout=10) as client:
                n = 0
                while not stop.is_set():
                    n += 1
                    try:
                        answer = client.post(
                            f"/api/v1/risks/{risk_id}/reviews",
                            json={
                                "residual": {"likelihood": 1 + n % 4, "impact": 1 + n % 3},
                                "notes": f"n{n}",
                            },
                        )
                    except httpx.HTTPError:
                        return  # the server is gone: this request was never acknowledged
                    with lock:
                        if answer.status_code == 201:
                            acked.append(answer.json()["id"])
                        elif answer.status_code >= 500:
                            server_errors.append(answer.text)

        threads = [threading.Thread(target=load, args=(rid,)) for rid in risk_ids]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 60
        while len(acked) < MIN_ACKED_BEFORE_KILL and time.monotonic() < deadline:
            time.sleep(0.02)
        server.kill()  # mid-load: the loaders are still sending
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        assert len(acked) >= MIN_ACKED_BEFORE_KILL
        assert not server_errors, server_errors[:3]

        server.start()  # the same database, after the crash
        stored: set[int] = set()
        for risk_id in risk_ids:
            page = 1
            while True:
                history = httpx.get(
                    f"{server.base_url}/api/v1/risks/{risk_id}/reviews",
                    params={"page": page, "page_size": 200},
                    headers=auth,
                )
                assert history.status_code == 200, history.text
                if not history.json():
                    break
                stored |= {r["id"] for r in history.json()}
                page += 1
        assert set(acked) <= stored, sorted(set(acked) - stored)
        after = httpx.post(
            f"{server.base_url}/api/v1/risks/{risk_ids[0]}/reviews",
            json={"residual": {"likelihood": 2, "impact": 2}},
            headers=auth,
        )
        assert after.status_code == 201, after.text
    finally:
        server.stop()

    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalars().all() == ["ok"]
            assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
    engine.dispose()
    print(
        f"crash figures: {len(acked)} reviews acknowledged before SIGKILL, all of them among {len(stored)} stored"
    )
