"""Running the installed `riskreg` command as a subprocess, as a person at a shell would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

RISKREG = Path(sys.executable).with_name("riskreg")


def riskreg(
    cwd: Path,
    *args: str,
    database_url: str | None = None,
    timeout: float = 120,
    settings: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `riskreg ARGS` in `cwd` with stdout piped, 80 columns, and only the given database and
    `settings` (RISKREG_ variables)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RISKREG_")}
    env["COLUMNS"] = "80"
    if database_url is not None:
        env["RISKREG_DATABASE_URL"] = database_url
    env |= settings or {}
    return subprocess.run(
        [str(RISKREG), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
