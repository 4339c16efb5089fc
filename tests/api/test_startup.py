"""Start-up: `import app.main` and `create_app` leave the heavy, rarely used parts unloaded.

Each check runs in a fresh interpreter, since this test process has imported everything.
Speed itself is measured by the benchmark (`python -m bench`), never here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from unittest.mock import patch

ROOT = Path(__file__).resolve().parents[2]

#: Loaded by the first request that needs them (or by the report warm-up thread), not at start.
LAZY = (
    "matplotlib",  # heat maps
    "fpdf",  # PDF reports
    "xlsxwriter",  # XLSX reports
    "jinja2",  # the pages and HTML reports
    "psycopg",  # PostgreSQL: only when the URL names it
    "alembic",  # migrations: when the server starts, not when it is imported
    "authlib",  # sign-in with OpenID Connect: the first GET /signin/oidc
    "joserfc",
    "httpx2",
    "typer",  # the command line
    "rich",
    "app.cli",
    "app.demo",
    "app.importer",  # the plan importer: POST /api/v1/imports
    "app.migrations",
    "app.reports.heatmap",
    "app.reports.pdf",
    "app.reports.xlsx",
    "app.reports.html",
    "app.reports.csv_export",
)

_PROBE = """
import json, sys
import app.main
{build}
lazy = {lazy!r}
print(json.dumps(sorted(m for m in sys.modules if any(m == p or m.startswith(p + ".") for p in lazy))))
"""


def _loaded_after(build: str) -> list[str]:
    code = _PROBE.format(build=build, lazy=LAZY)
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, timeout=120
    )
    loaded: list[str] = json.loads(out.stdout)
    return loaded


def test_importing_app_main_loads_no_renderer_importer_or_driver() -> None:
    assert _loaded_after("") == []


def test_building_the_app_loads_no_renderer_importer_or_driver(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'start.sqlite3'}"
    build = (
        "from app.config import Settings\n"
        f"settings = Settings(database_url={url!r}, migrate_on_start=False, warm_up_reports=False, _env_file=None)\n"
        "assert app.main.create_app(settings).routes"
    )
    assert _loaded_after(build) == []


def test_the_warm_up_compiles_the_page_templates() -> None:
    """After the warm-up a page is rendered from the compiled template, not read from disk again."""
    from app.api import page_kit, pages

    page_kit.templates.cache_clear()
    pages.warm_up_pages()
    environment = page_kit.templates()
    assert environment.loader is not None
    names = environment.list_templates(extensions=["html"])
    assert {
        "signin.html",
        "home.html",
        "service.html",
        "review_round.html",
        "risk.html",
        "error.html",
    } <= set(names)
    with patch.object(environment.loader, "get_source", side_effect=AssertionError("read from disk")):
        for name in names:
            environment.get_template(name)


def test_the_report_warm_up_is_done_before_the_first_request_and_leaves_no_thread(tmp_path: Path) -> None:
    """The warm-up runs inside the start-up, not beside it: a background thread importing
    matplotlib raced other threads peeking at a half-imported numpy, and, still running at
    exit, aborted the interpreter ("terminate called without an active exception")."""
    url = f"sqlite:///{tmp_path / 'warm.sqlite3'}"
    code = (
        "import json, sys, threading\n"
        "from fastapi.testclient import TestClient\n"
        "from app.config import Settings\n"
        "from app.main import create_app\n"
        f"settings = Settings(database_url={url!r}, warm_up_reports=True, _env_file=None)\n"
        "with TestClient(create_app(settings)) as client:\n"
        "    loaded = sorted(m for m in ('matplotlib', 'fpdf', 'jinja2') if m in sys.modules)\n"
        "    assert client.get('/health').status_code == 200\n"
        "for thread in threading.enumerate():\n"
        "    if thread is not threading.main_thread():\n"
        "        thread.join(timeout=10)  # the event loop's idle worker threads end with it\n"
        "print(json.dumps({'loaded': loaded, 'threads': threading.active_count()}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "terminate called" not in out.stderr
    assert json.loads(out.stdout) == {"loaded": ["fpdf", "jinja2", "matplotlib"], "threads": 1}
