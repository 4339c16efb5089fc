"""`riskreg audit verify` and `anchor`: exit 0 on an intact trail, 1 naming what broke, 2 for a bad anchor."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from app.config import get_settings
from tests.access.command import run
from tests.access.seed import seed
from tests.api.builders import get_risk, patch_risk
from tests.audit.conftest import AUDIT_KEY
from tests.audit.database import cut_tail, drop_guard, entries, rewrite_from


def test_verify_passes_an_intact_trail(app: FastAPI, engine: Engine, riskreg: CliRunner) -> None:
    seed(app)
    result = run(riskreg, "audit", "verify")
    assert result.exit_code == 0, result.output
    assert "intact" in result.stdout
    assert f"{len(entries(engine))} entries" in result.stdout


def test_verify_passes_an_empty_trail(riskreg: CliRunner) -> None:
    result = run(riskreg, "audit", "verify")
    assert result.exit_code == 0, result.output
    assert "intact: 0 entries" in result.stdout


def test_verify_names_the_first_altered_entry(app: FastAPI, engine: Engine, riskreg: CliRunner) -> None:
    seed(app)
    trail = entries(engine)
    drop_guard(engine)
    with engine.begin() as conn:
        for victim in (trail[4], trail[6]):  # the first one is named
            conn.execute(text("UPDATE audit_event SET actor = 'mallory' WHERE id = :id"), {"id": victim.id})
    result = run(riskreg, "audit", "verify")
    assert result.exit_code == 1
    assert f"broken at entry {trail[4].id}:" in result.stderr
    assert "altered" in result.stderr
    assert not result.stdout.strip()


def test_verify_names_the_entry_after_a_removed_one(app: FastAPI, engine: Engine, riskreg: CliRunner) -> None:
    seed(app)
    trail = entries(engine)
    drop_guard(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": trail[5].id})
    result = run(riskreg, "audit", "verify")
    assert result.exit_code == 1
    assert f"broken at entry {trail[6].id}:" in result.stderr
    assert "removed" in result.stderr


@pytest.fixture
def keyed(riskreg: CliRunner, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """The command runner with RISKREG_AUDIT_KEY set."""
    monkeypatch.setenv("RISKREG_AUDIT_KEY", AUDIT_KEY)
    get_settings.cache_clear()
    return riskreg


def anchor_line(runner: CliRunner, *args: str) -> str:
    """What `riskreg audit anchor` printed on stdout: the anchor alone."""
    result = run(runner, "audit", "anchor", *args)
    assert result.exit_code == 0, result.output
    assert "intact" in result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    return lines[0]


def test_anchor_prints_the_signed_head_as_a_line_or_json(
    app: FastAPI, engine: Engine, keyed: CliRunner
) -> None:
    seed(app)
    trail = entries(engine)
    line = anchor_line(keyed)
    assert line.startswith(
        f"riskreg-audit-anchor/1 count={len(trail)} last_id={trail[-1].id} hash={trail[-1].hash} at="
    )
    as_json = json.loads(anchor_line(keyed, "--json"))
    assert (as_json["count"], as_json["last_id"], as_json["hash"]) == (
        len(trail),
        trail[-1].id,
        trail[-1].hash,
    )
    for given in (line, json.dumps(as_json)):
        result = run(keyed, "audit", "verify", "--anchor", given)
        assert result.exit_code == 0, result.output
        assert f"intact: {len(trail)} entries verified; 1 anchor(s) hold" in result.stdout


def test_anchor_refuses_without_a_key(
    app: FastAPI, riskreg: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RISKREG_AUDIT_KEY", raising=False)
    result = run(riskreg, "audit", "anchor")
    assert result.exit_code == 2
    assert "RISKREG_AUDIT_KEY is not set" in result.stderr
    assert not result.stdout.strip()


def test_anchor_refuses_a_broken_trail(app: FastAPI, engine: Engine, keyed: CliRunner) -> None:
    seed(app)
    trail = entries(engine)
    drop_guard(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": trail[2].id})
    result = run(keyed, "audit", "anchor")
    assert result.exit_code == 1
    assert f"broken at entry {trail[3].id}" in result.stderr
    assert "no anchor made" in result.stderr
    assert not result.stdout.strip()


def test_verify_checks_every_anchor_of_a_file(
    app: FastAPI, engine: Engine, keyed: CliRunner, tmp_path: Path
) -> None:
    world = seed(app)
    anchors = tmp_path / "anchors.txt"
    first = anchor_line(keyed)
    _, etag = get_risk(world.admin, world.risk_a)
    assert patch_risk(world.admin, world.risk_a, etag, owner="later").status_code == 200
    second = anchor_line(keyed)
    anchors.write_text(
        f"# riskreg anchors, filed by the audit manager\n{first}\n\n{second}\n", encoding="utf-8"
    )
    result = run(keyed, "audit", "verify", "--anchor", str(anchors))
    assert result.exit_code == 0, result.output
    assert "2 anchor(s) hold" in result.stdout
    trail = entries(engine)
    cut_tail(engine, trail[-1].id or 0)  # the second anchor's entry: the first still holds
    result = run(keyed, "audit", "verify", "--anchor", str(anchors))
    assert result.exit_code == 1
    assert f"(entry {trail[-1].id}): the trail holds {len(trail) - 1} entries, fewer than" in result.stderr
    assert result.stderr.count("error:") == 1


def test_verify_finds_a_rewrite_below_an_anchor(app: FastAPI, engine: Engine, keyed: CliRunner) -> None:
    seed(app)
    line = anchor_line(keyed)
    rewrite_from(engine, entries(engine)[3].id or 0)
    assert run(keyed, "audit", "verify").exit_code == 0  # the chain alone: intact
    result = run(keyed, "audit", "verify", "--anchor", line)
    assert result.exit_code == 1
    assert "no longer has the hash" in result.stderr


def test_verify_refuses_a_forged_anchor(
    app: FastAPI, engine: Engine, keyed: CliRunner, tmp_path: Path
) -> None:
    seed(app)
    line = anchor_line(keyed)
    count = len(entries(engine))
    forged = line.replace(f"count={count} ", f"count={count - 1} ")
    result = run(keyed, "audit", "verify", "--anchor", forged)
    assert result.exit_code == 2
    assert "signature does not match" in result.stderr
    (tmp_path / "anchors.txt").write_text(f"{line}\n{forged}\n", encoding="utf-8")
    result = run(keyed, "audit", "verify", "--anchor", str(tmp_path / "anchors.txt"))
    assert result.exit_code == 2
    assert "anchor 2 of 2" in result.stderr
    result = run(keyed, "audit", "verify", "--anchor", "yesterday's")
    assert result.exit_code == 2
    assert "not an audit anchor" in result.stderr
