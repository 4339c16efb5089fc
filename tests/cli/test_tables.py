"""Tables the command line prints keep every cell whole: tab-separated rows when piped,
wrapped (never cut) cells in an 80-column terminal; `token revoke` takes what `token list` shows."""

from __future__ import annotations

import os
import pty
import re
import subprocess
from datetime import date
from pathlib import Path

from app.access.principal import SYSTEM
from app.config import Settings
from app.db import make_engine, transaction
from app.importer.load import decode_plan, import_plan
from app.scoring import default_matrix
from tests.cli.command import RISKREG, riskreg

PLAN = Path(__file__).parent.parent / "fixtures" / "plans" / "corporate-services-2020-2023.txt"
NAMES = (
    "community-partnerships-service-review-editor-for-the-2026-round",
    "internal-audit-read-only-access-for-the-annual-governance-statement",
)


def _tokens(tmp_path: Path) -> None:
    assert riskreg(tmp_path, "db", "upgrade").returncode == 0
    for name in NAMES:
        made = riskreg(tmp_path, "token", "create", "--role", "auditor", "--name", name)
        assert made.returncode == 0, made.stderr


def test_token_list_piped_is_one_whole_row_per_token_and_revoke_takes_what_it_shows(tmp_path: Path) -> None:
    _tokens(tmp_path)
    listing = riskreg(tmp_path, "token", "list")
    assert listing.returncode == 0, listing.stderr
    header, *rows = [line.split("\t") for line in listing.stdout.splitlines()]
    assert header == ["id", "name", "role", "services", "prefix", "created", "expires", "revoked"]
    by_name = {row[1]: row for row in rows}
    assert set(by_name) == set(NAMES)
    assert all(len(row) == len(header) for row in rows)
    assert by_name[NAMES[0]][2:4] == ["auditor", "all"]
    by_id = riskreg(tmp_path, "token", "revoke", by_name[NAMES[0]][0])
    assert by_id.returncode == 0, by_id.stderr
    assert f"token {NAMES[0]!r} revoked" in by_id.stdout
    by_shown_name = riskreg(tmp_path, "token", "revoke", by_name[NAMES[1]][1])
    assert by_shown_name.returncode == 0, by_shown_name.stderr
    revoked = [line.split("\t") for line in riskreg(tmp_path, "token", "list").stdout.splitlines()[1:]]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", row[7]) for row in revoked)


def test_token_list_in_an_80_column_terminal_wraps_every_cell_whole(tmp_path: Path) -> None:
    _tokens(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RISKREG_")} | {"COLUMNS": "80"}
    leader, follower = pty.openpty()
    with subprocess.Popen(
        [str(RISKREG), "token", "list"], cwd=tmp_path, env=env, stdout=follower, stderr=subprocess.DEVNULL
    ) as process:
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closed with the process
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert process.wait(timeout=60) == 0
    os.close(leader)
    screen = re.sub(r"\x1b\[[0-9;]*m", "", b"".join(chunks).decode())
    lines = screen.splitlines()
    assert max(len(line) for line in lines) <= 80
    # Rows are ruled apart; a cell's text is its column's fragments on the row's lines.
    rows: list[list[str]] = [[]]
    for line in lines:
        if line.startswith("│"):
            rows[-1].append(line)
        elif line.startswith(("├", "└")):
            rows.append([])
    cells = [
        [
            "".join(parts).replace(" ", "")
            for parts in zip(*(line.strip("│").split("│") for line in row), strict=True)
        ]
        for row in rows
        if row
    ]
    assert {row[1] for row in cells} == set(NAMES)
    assert all("…" not in row[1] for row in cells)


def test_import_dry_run_piped_shows_every_title_whole(tmp_path: Path) -> None:
    assert riskreg(tmp_path, "db", "upgrade").returncode == 0
    engine = make_engine(Settings(database_url=f"sqlite:///{tmp_path / 'riskreg.sqlite3'}"))
    with transaction(engine) as session:
        expected = import_plan(
            session,
            SYSTEM,
            default_matrix(),
            decode_plan(PLAN.read_bytes()),
            today=date.today(),
            interval_months=6,
            dry_run=True,
        )
    engine.dispose()
    dry = riskreg(tmp_path, "import", str(PLAN), "--dry-run")
    assert dry.returncode == 1, dry.stderr  # the plan has findings to resolve (refs it gives rows)
    lines = dry.stdout.splitlines()
    start = lines.index("line\tref\taliases\ttitle\tresponse\tcontrols\tresidual\tpublished\taction")
    rows = [line.split("\t") for line in lines[start + 1 : start + 1 + len(expected.risks)]]
    assert [(row[1], row[3]) for row in rows] == [(r.ref, " ".join(r.title.split())) for r in expected.risks]
    assert any(len(row[3]) > 60 for row in rows)  # once cut at 60 characters
    findings = lines.index(f"{len(expected.findings)} findings to resolve") if expected.findings else None
    if findings is not None:
        assert lines[findings + 1] == "line\tseverity\tref\tfinding"
        messages = [
            line.split("\t")[3] for line in lines[findings + 2 : findings + 2 + len(expected.findings)]
        ]
        assert messages == [" ".join(f.message.split()) for f in expected.findings]
    assert "would import 9 risk(s)" in dry.stdout
