"""`riskreg audit verify`: exit 0 on an intact trail, exit 1 naming the first broken entry."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from tests.access.command import run
from tests.access.seed import seed
from tests.audit.database import drop_guard, entries


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
