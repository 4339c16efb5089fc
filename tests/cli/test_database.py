"""Which database a command uses, and the one-line failures of a newcomer's first hour."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.command import riskreg


def test_the_demo_and_the_other_commands_share_one_database(tmp_path: Path) -> None:
    built = riskreg(tmp_path, "demo", "--no-serve")
    assert built.returncode == 0, built.stderr
    assert "Token:" in built.stdout
    assert "http://127.0.0.1:8000/docs" in built.stdout
    made = riskreg(tmp_path, "token", "create", "--role", "editor", "--service", "CP", "--name", "cp-editor")
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip().startswith("rr_")
    assert f"database: sqlite:///riskreg.sqlite3 ({tmp_path / 'riskreg.sqlite3'})" in made.stderr
    assert sorted(p.name for p in tmp_path.glob("*.sqlite3")) == ["riskreg.sqlite3"]


def test_the_demo_in_another_file_says_how_to_reach_it(tmp_path: Path) -> None:
    built = riskreg(tmp_path, "demo", "--no-serve", "--database", "elsewhere.sqlite3")
    assert built.returncode == 0, built.stderr
    assert f"export RISKREG_DATABASE_URL=sqlite:///{tmp_path / 'elsewhere.sqlite3'}" in built.stdout


@pytest.mark.parametrize(
    "command",
    [("token", "list"), ("token", "create", "--role", "admin"), ("audit", "verify"), ("db", "current")],
)
def test_a_command_that_reads_a_missing_database_makes_no_empty_one(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    result = riskreg(tmp_path, *command)
    assert result.returncode == 2
    errors = result.stderr.strip().splitlines()
    assert errors[0] == f"database: sqlite:///riskreg.sqlite3 ({tmp_path / 'riskreg.sqlite3'})"
    assert errors[1:] == [
        f"error: no database at {tmp_path / 'riskreg.sqlite3'}: `riskreg demo` or `riskreg db upgrade` "
        "makes one, or set RISKREG_DATABASE_URL to the one to use"
    ]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "command", [("token", "list"), ("db", "upgrade"), ("serve", "--port", "0"), ("demo",)]
)
def test_a_database_in_a_missing_folder_is_one_line(tmp_path: Path, command: tuple[str, ...]) -> None:
    missing = tmp_path / "no-such-folder" / "register.sqlite3"
    result = riskreg(tmp_path, *command, database_url=f"sqlite:///{missing}")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[1:] == [
        f"error: the database {missing} is in a folder that does not exist: create {missing.parent}, "
        "or set RISKREG_DATABASE_URL to another file"
    ]


def test_a_password_is_never_printed(tmp_path: Path) -> None:
    result = riskreg(
        tmp_path, "token", "list", database_url="postgresql+psycopg://clerk:s3cret@127.0.0.1:9/register"
    )
    assert result.returncode == 2
    assert "s3cret" not in result.stderr + result.stdout
    assert result.stderr.startswith("database: postgresql+psycopg://clerk:***@127.0.0.1:9/register\n")
    assert len(result.stderr.strip().splitlines()) == 2


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield int(listener.getsockname()[1])


@pytest.mark.parametrize("command", ["serve", "demo"])
def test_a_busy_port_is_one_line_naming_it_and_port(tmp_path: Path, busy_port: int, command: str) -> None:
    result = riskreg(tmp_path, command, "--port", str(busy_port))
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert len(errors) == 1
    assert f"port {busy_port}" in errors[0]
    assert "--port" in errors[0]
    assert list(tmp_path.iterdir()) == []  # nothing built for a server that cannot start
