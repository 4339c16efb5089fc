"""A process draws a bounded number of reports at once; the rest wait, then get 503."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.access.principal import Role
from app.api import reports
from app.config import Settings
from app.main import create_app
from tests.api.builders import make_risk, make_service
from tests.conftest import make_token


def test_reports_beyond_the_bound_wait_and_then_get_503(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    bounded = settings.model_copy(update={"max_concurrent_reports": 1, "report_queue_seconds": 0.3})
    app = create_app(bounded)
    drawing = threading.Event()
    real = reports.register_document

    def slow_register(*args: Any, **kwargs: Any) -> Any:
        drawing.set()
        time.sleep(1.5)
        return real(*args, **kwargs)

    monkeypatch.setattr(reports, "register_document", slow_register)
    token = make_token(app.state.engine, Role.ADMIN)
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as client:
        make_service(client)
        make_risk(client)

        def download() -> Any:
            return client.get("/api/v1/reports/register", params={"service": "CP", "format": "csv"})

        with ThreadPoolExecutor(2) as pool:
            first = pool.submit(download)
            assert drawing.wait(10)
            second = pool.submit(download)
            answers = [first.result(timeout=30), second.result(timeout=30)]
    assert [a.status_code for a in answers] == [200, 503]
    busy = answers[1]
    assert busy.headers["retry-after"] == "5"
    assert busy.json()["type"].endswith("/busy")
    app.state.engine.dispose()
