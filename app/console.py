"""What the `riskreg` command checks and prints around its work: the database it opens (named
on stderr, never made empty by a command that only reads it), a port free to listen on, and
tables that keep every cell whole. Each failure here is one line and exit 2."""

from __future__ import annotations

import socket
import sys
from collections.abc import Sequence
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from app.config import Settings
from app.db import make_engine

out = Console(soft_wrap=True)
err = Console(stderr=True)


def open_database(settings: Settings, *, create: bool = False, migrate: bool = False) -> Engine:
    """An engine on `settings.database_url`, named on stderr. A SQLite file that does not exist is
    made only by the commands that build a register (`create`): the others stop, naming it."""
    url = make_url(settings.database_url)
    shown = url.render_as_string(hide_password=True)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        path = Path(url.database).resolve()
        err.print(f"database: {shown} ({path})", highlight=False, soft_wrap=True)
        if not path.parent.is_dir():
            raise usage_error(
                f"the database {path} is in a folder that does not exist: create {path.parent}, "
                "or set RISKREG_DATABASE_URL to another file"
            )
        if not create and not path.exists():
            raise usage_error(
                f"no database at {path}: `riskreg demo` or `riskreg db upgrade` makes one, "
                "or set RISKREG_DATABASE_URL to the one to use"
            )
    else:
        err.print(f"database: {shown}", highlight=False, soft_wrap=True)
    engine = make_engine(settings)
    try:
        if migrate:
            from app.migrations import upgrade

            upgrade(engine)
        else:
            with engine.connect():
                pass
    except OperationalError as exc:
        engine.dispose()
        reason = str(exc.orig or exc).strip().splitlines()[0]
        raise usage_error(f"cannot open the database {shown}: {reason}") from exc
    return engine


def usage_error(message: str) -> typer.Exit:
    """Exit 2: the command cannot run as set up (a missing database, a busy port)."""
    err.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code=2)


def check_port(host: str, port: int) -> None:
    """Stop with one line if `host:port` cannot be listened on (uvicorn's own failure is a log)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise usage_error(
                f"cannot listen on {host} port {port} ({exc.strerror}): another server "
                f"(a riskreg demo?) may hold it; choose another port with --port, e.g. --port {port + 1}"
            ) from exc


def print_rows(headers: Sequence[str], rows: Sequence[Sequence[str]], title: str | None = None) -> None:
    """A table: in a terminal drawn to its width with cells wrapped (never cut); otherwise
    (piped, redirected) one tab-separated line per row under a header line, every cell whole."""
    if out.is_terminal:
        table = Table(title=title, show_lines=True)
        for header in headers:
            table.add_column(header, overflow="fold")
        for row in rows:
            table.add_row(*(Text(cell) for cell in row))  # Text: a "[...]" in a cell is not markup
        out.print(table)
        return
    if title:
        sys.stdout.write(f"{title}\n")
    for row in (headers, *rows):
        sys.stdout.write("\t".join(" ".join(cell.split()) for cell in row) + "\n")
    sys.stdout.flush()
