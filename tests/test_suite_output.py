"""The test run itself reads cleanly: no warning summary, and skips say why in words."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.databases import PG_ENV

ROOT = Path(__file__).parent.parent


def test_a_run_without_postgresql_prints_no_warning_and_a_skip_reason_in_words() -> None:
    env = {k: v for k, v in os.environ.items() if k not in (PG_ENV, "CI")}
    test = "tests/api/test_transactions.py::test_a_deadlock_victim_changes_nothing_and_the_other_writer_lands"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", test],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "warnings summary" not in run.stdout
    assert "Warning" not in run.stdout + run.stderr
    assert "got empty parameter set" not in run.stdout
    assert f"PostgreSQL only, and no PostgreSQL is configured ({PG_ENV})" in run.stdout
