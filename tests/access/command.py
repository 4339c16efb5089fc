"""Running the `riskreg` command against a test's database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from typer.testing import CliRunner, Result

from app.cli import cli
from app.config import get_settings


@pytest.fixture
def riskreg(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    """A runner of the `riskreg` command against the test's database."""
    monkeypatch.setenv("RISKREG_DATABASE_URL", database_url)
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def run(runner: CliRunner, *args: str) -> Result:
    """Invoke `riskreg ARGS`."""
    return runner.invoke(cli, list(args), catch_exceptions=False)


def made(result: Result) -> str:
    """The token a successful `riskreg token create` printed."""
    assert result.exit_code == 0, result.output
    lines = result.stdout.split()
    assert len(lines) == 1, result.stdout  # stdout holds the token and nothing else
    return lines[0]
