"""The `riskreg` command: serve the API, migrate, manage tokens, verify the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from app.access.principal import SYSTEM, Role
from app.config import get_settings
from app.db import make_engine, transaction
from app.errors import RiskregError

cli = typer.Typer(help="riskreg: risk registers for council services.", no_args_is_help=True)
db_cli = typer.Typer(help="The database schema (alembic migrations).", no_args_is_help=True)
token_cli = typer.Typer(
    help="API tokens: made here, shown once, stored only as a hash.", no_args_is_help=True
)
audit_cli = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
cli.add_typer(token_cli, name="token")
cli.add_typer(audit_cli, name="audit")
out = Console()
err = Console(stderr=True)


def _engine():  # type: ignore[no-untyped-def]
    from app.migrations import upgrade

    engine = make_engine(get_settings())
    upgrade(engine)
    return engine


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}")
    return typer.Exit(code=1)


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    workers: Annotated[int, typer.Option(help="worker processes")] = 1,
) -> None:
    """Run the API with uvicorn (migrating the database first)."""
    import uvicorn

    out.print(f"riskreg API on http://{host}:{port}/  (docs: http://{host}:{port}/docs)")
    uvicorn.run("app.main:create_app", factory=True, host=host, port=port, workers=workers, log_level="info")


@db_cli.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Bring the schema up to REVISION (default: the newest)."""
    from app.migrations import current, upgrade

    engine = make_engine(get_settings())
    upgrade(engine, revision)
    out.print(f"database at revision {current(engine)}")


@db_cli.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument(help="target revision, or 'base'")]) -> None:
    """Take the schema down to REVISION."""
    from app.migrations import current, downgrade

    engine = make_engine(get_settings())
    downgrade(engine, revision)
    out.print(f"database at revision {current(engine)}")


@db_cli.command("current")
def db_current() -> None:
    """Print the revision the database is at."""
    from app.migrations import current

    out.print(current(make_engine(get_settings())) or "(empty database)")


@token_cli.command("create")
def token_create(
    role: Annotated[Role, typer.Option(help="admin, editor or auditor")],
    service: Annotated[list[str] | None, typer.Option(help="service code (editors; repeatable)")] = None,
    name: Annotated[str | None, typer.Option(help="a name for the token (default: role-time)")] = None,
    expires: Annotated[datetime | None, typer.Option(help="expiry, e.g. 2027-03-31")] = None,
) -> None:
    """Make a token and print it once; only its hash is stored."""
    from app.access.tokens import create_token

    name = name or f"{role.value}-{datetime.now():%Y%m%d-%H%M%S}"
    try:
        with transaction(_engine()) as session:
            _, secret = create_token(
                session, SYSTEM, name=name, role=role, services=service or [], expires_at=expires
            )
    except RiskregError as exc:
        raise _fail(exc.detail) from exc
    err.print(f"token {name!r} ({role.value}) made; it is shown once, keep it safe:")
    print(secret)


@token_cli.command("list")
def token_list() -> None:
    """List tokens (never the tokens themselves)."""
    from app.access.tokens import list_tokens

    table = Table("id", "name", "role", "services", "prefix", "created", "expires", "revoked")
    with transaction(_engine(), write=False) as session:
        for t in list_tokens(session):
            table.add_row(
                str(t.id),
                t.name,
                t.role,
                " ".join(t.services) or "all",
                t.prefix + "…",
                f"{t.created_at:%Y-%m-%d %H:%M}",
                f"{t.expires_at:%Y-%m-%d}" if t.expires_at else "",
                f"{t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "",
            )
    out.print(table)


@token_cli.command("revoke")
def token_revoke(name: Annotated[str, typer.Argument(help="the token's name or id")]) -> None:
    """Revoke a token at once."""
    from app.access.tokens import revoke_token

    try:
        with transaction(_engine()) as session:
            token = revoke_token(session, SYSTEM, name)
    except RiskregError as exc:
        raise _fail(exc.detail) from exc
    out.print(f"token {token.name!r} revoked")


@audit_cli.command("verify")
def audit_verify() -> None:
    """Check the audit trail's hash chain; exit 1 naming the first broken entry."""
    from app.audit.trail import verify_chain

    with transaction(_engine(), write=False) as session:
        checked, broken = verify_chain(session)
    if broken is not None:
        raise _fail(
            f"audit trail broken at entry {broken.event_id}: {broken.reason} ({checked} entries verified before it)"
        )
    out.print(f"audit trail intact: {checked} entries verified")


def main() -> None:
    """Entry point of the `riskreg` command."""
    cli()
