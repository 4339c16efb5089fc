"""A server stopped with SIGTERM after making a PDF leaves no font file behind."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from app.access.principal import Role
from app.config import Settings
from app.db import make_engine
from tests.conftest import make_token
from tests.reliability.servers import ServerProcess


def test_sigterm_after_a_pdf_leaves_no_temporary_file(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server's temporary folder is as empty after `kill` as before it started."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))  # the child's tempfile.gettempdir()
    engine = make_engine(Settings(database_url=database_url, migrate_on_start=False, _env_file=None))  # type: ignore[call-arg]
    auth = {"Authorization": f"Bearer {make_token(engine, Role.ADMIN, name='stop-admin')}"}
    engine.dispose()
    server = ServerProcess(database_url, tmp_path / "server.log")
    server.start()
    try:
        base = server.base_url
        made = httpx.post(f"{base}/api/v1/services", json={"code": "CP", "name": "Children"}, headers=auth)
        assert made.status_code == 201, made.text
        pdf = httpx.get(
            f"{base}/api/v1/reports/register", params={"service": "CP", "format": "pdf"}, headers=auth
        )
        assert pdf.status_code == 200
        assert pdf.content.startswith(b"%PDF")
    finally:
        server.stop()  # SIGTERM, as `kill` sends
    assert server.process is not None
    assert server.process.returncode is not None
    assert sorted(p.name for p in scratch.iterdir()) == []
