"""The `riskreg` command: serve the API, migrate, manage tokens, verify the audit trail,
build the demo, import plans, write reports, send reminders.

Over 400 lines: one command-line surface, each function a subcommand whose signature is
its `--help`; the helpers they share (opening the database, printing tables) are in
`app/console.py`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from app.access.principal import SYSTEM, Role
from app.config import Settings, get_settings
from app.console import check_port, open_database, print_rows, usage_error
from app.db import transaction
from app.errors import RiskregError

if TYPE_CHECKING:
    from app.importer.load import ImportResult

cli = typer.Typer(help="riskreg: risk registers for council services.", no_args_is_help=True)
db_cli = typer.Typer(help="The database schema (alembic migrations).", no_args_is_help=True)
token_cli = typer.Typer(
    help="API tokens: made here, shown once, stored only as a hash.", no_args_is_help=True
)
audit_cli = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
cli.add_typer(token_cli, name="token")
cli.add_typer(audit_cli, name="audit")
out = Console(soft_wrap=True)
err = Console(stderr=True)


def _engine(*, create: bool = False) -> Engine:
    """The engine of the database in force, migrated; see `open_database`."""
    return open_database(get_settings(), create=create, migrate=True)


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

    settings = _settings_or_exit()
    check_port(host, port)
    _check_scheme(settings)
    # Opened (and migrated, as the server would) here, so that a bad database is one line.
    open_database(settings, create=True, migrate=settings.migrate_on_start).dispose()
    out.print(f"riskreg API on http://{host}:{port}/  (docs: http://{host}:{port}/docs)")
    uvicorn.run("app.main:create_app", factory=True, host=host, port=port, workers=workers, log_level="info")


def _settings_or_exit() -> Settings:
    """The settings in force, or one line per bad setting (exit 2): a server that cannot sign
    people in as configured (RISKREG_OIDC_GROUPS, say) does not start."""
    from pydantic import ValidationError

    try:
        return get_settings()
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            reason = str(error["msg"]).removeprefix("Value error, ")
            if not error["loc"]:
                problems.append(reason)
                continue
            setting, *within = (str(part) for part in error["loc"])
            problems.append(f"RISKREG_{setting.upper()}{' ' + '.'.join(within) if within else ''}: {reason}")
        raise usage_error("; ".join(problems)) from exc


def _check_scheme(settings: Settings) -> None:
    """Stop with one line (exit 2) when the matrix or categories file cannot be used."""
    from app.config import categories_in_force, matrix_in_force
    from app.scoring import ScoringError

    try:
        matrix_in_force(settings)
        categories_in_force(settings)
    except ScoringError as exc:
        raise usage_error(str(exc)) from exc


@db_cli.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Bring the schema up to REVISION (default: the newest)."""
    from app.migrations import current, upgrade

    engine = open_database(get_settings(), create=True)
    upgrade(engine, revision)
    out.print(f"database at revision {current(engine)}")


@db_cli.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument(help="target revision, or 'base'")]) -> None:
    """Take the schema down to REVISION."""
    from app.migrations import current, downgrade

    engine = open_database(get_settings())
    downgrade(engine, revision)
    out.print(f"database at revision {current(engine)}")


@db_cli.command("current")
def db_current() -> None:
    """Print the revision the database is at."""
    from app.migrations import current

    out.print(current(open_database(get_settings())) or "(empty database)")


@token_cli.command("create")
def token_create(
    role: Annotated[Role, typer.Option(help="admin, editor or auditor")],
    service: Annotated[list[str] | None, typer.Option(help="service code (editors; repeatable)")] = None,
    name: Annotated[str | None, typer.Option(help="a name for the token (default: role-time)")] = None,
    expires: Annotated[datetime | None, typer.Option(help="expiry, e.g. 2027-03-31")] = None,
) -> None:
    """Make a token and print it once; only its hash is stored."""
    from app.access.tokens import create_token, services_refusal

    refusal = services_refusal(role, service or [])
    if refusal is not None:
        raise typer.BadParameter(refusal, param_hint="--service")
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

    with transaction(_engine(), write=False) as session:
        rows = [
            (
                str(t.id),
                t.name,
                t.role,
                " ".join(t.services) or "all",
                t.prefix + "…",
                f"{t.created_at:%Y-%m-%d %H:%M}",
                f"{t.expires_at:%Y-%m-%d}" if t.expires_at else "",
                f"{t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "",
            )
            for t in list_tokens(session)
        ]
    print_rows(("id", "name", "role", "services", "prefix", "created", "expires", "revoked"), rows)


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


@audit_cli.command("anchor")
def audit_anchor(
    as_json: Annotated[bool, typer.Option("--json", help="print the anchor as one line of JSON")] = False,
) -> None:
    """Print the trail's head signed with RISKREG_AUDIT_KEY, to file away outside the database."""
    from app.audit.anchor import AuditKeyMissing, audit_key, sign
    from app.audit.trail import chain_head, verify_chain
    from app.models.base import utcnow

    try:
        key = audit_key(get_settings().audit_key)
    except AuditKeyMissing as exc:
        raise typer.BadParameter(exc.detail, param_hint="RISKREG_AUDIT_KEY") from exc
    with transaction(_engine(), write=False) as session:
        head = chain_head(session)
        checked, broken = verify_chain(session)
    if broken is not None:
        raise _fail(f"audit trail broken at entry {broken.event_id}: {broken.reason}; no anchor made")
    anchor = sign(head, utcnow(), key)
    err.print(f"audit trail intact: {checked} entries; its head, signed:")
    print(anchor.as_json() if as_json else anchor.line())


@audit_cli.command("verify")
def audit_verify(
    anchor: Annotated[
        str | None,
        typer.Option(help="an anchor from `audit anchor`, or a file of them, one a line (all checked)"),
    ] = None,
) -> None:
    """Check the audit trail's hash chain (and anchors); exit 1 naming what broke, 2 for a bad anchor."""
    from app.audit.anchor import AuditKeyMissing, BadAnchor, anchor_findings, audit_key, read_anchors
    from app.audit.trail import verify_chain

    try:
        anchors = read_anchors(anchor, audit_key(get_settings().audit_key)) if anchor else []
    except (AuditKeyMissing, BadAnchor) as exc:
        raise typer.BadParameter(str(exc), param_hint="--anchor") from exc
    with transaction(_engine(), write=False) as session:
        checked, broken = verify_chain(session)
        problems = anchor_findings(session, anchors)
    if broken is not None:
        problems.insert(
            0,
            f"audit trail broken at entry {broken.event_id}: {broken.reason} ({checked} entries verified before it)",
        )
    for problem in problems[:-1]:
        err.print(f"[red]error:[/red] {problem}")
    if problems:
        raise _fail(problems[-1])
    held = f"; {len(anchors)} anchor(s) hold" if anchors else ""
    out.print(f"audit trail intact: {checked} entries verified{held}")


@cli.command()
def demo(
    database: Annotated[
        str | None,
        typer.Option(
            help="SQLite file for the demo register (default: the database in force, "
            "RISKREG_DATABASE_URL or riskreg.sqlite3, which every other command uses too)"
        ),
    ] = None,
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    fresh: Annotated[
        bool, typer.Option(help="delete the SQLite file first (and the register in it) to build anew")
    ] = False,
    serve_api: Annotated[bool, typer.Option("--serve/--no-serve", help="run the API after building")] = True,
) -> None:
    """Build a demo register from the sample service plans, print a token, and serve the API."""
    import uvicorn

    from app.clock import today
    from app.config import matrix_in_force
    from app.demo.build import build_demo, demo_token
    from app.main import create_app

    settings = get_settings()
    if database is not None:
        settings = settings.model_copy(update={"database_url": f"sqlite:///{Path(database).resolve()}"})
    url = make_url(settings.database_url)
    if fresh:
        if url.get_backend_name() != "sqlite" or not url.database:
            raise usage_error("--fresh deletes a SQLite file only; empty this database by hand")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{Path(url.database).resolve()}{suffix}").unlink(missing_ok=True)
    if serve_api:
        check_port(host, port)
    engine = open_database(settings, create=True, migrate=True)
    built = build_demo(engine, matrix_in_force(settings), today(), settings.review_interval_months)
    token = demo_token(engine)
    engine.dispose()
    base = f"http://{host}:{port}"
    shown = url.render_as_string(hide_password=True)
    out.print(f"[bold]riskreg demo[/bold] register {'built' if built else 'reused'} in {shown}")
    out.print(f"  API:      {base}/api/v1   (home page: {base}/)")
    out.print(f"  Docs:     {base}/docs")
    out.print(f"  Token:    {token}")
    out.print(
        f'  Try:      curl -H "Authorization: Bearer {token}" "{base}/api/v1/risks?band=High&band=Very%20High"'
    )
    if settings.database_url != get_settings().database_url:
        # The other commands read RISKREG_DATABASE_URL: say how to point them at this register.
        out.print(f"  Commands: export RISKREG_DATABASE_URL={settings.database_url}", highlight=False)
    if serve_api:
        app = create_app(settings.model_copy(update={"migrate_on_start": False}))
        uvicorn.run(app, host=host, port=port, log_level="warning")


@cli.command()
def remind(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="print the emails instead of sending them; record nothing")
    ] = False,
    within: Annotated[
        int, typer.Option(min=0, max=3650, help="tell what falls due within this many days (and overdue)")
    ] = 30,
) -> None:
    """Email each service with a contact_email its reviews and actions due or overdue (RISKREG_SMTP_*)."""
    from app.clock import today
    from app.reminders.due import reminders
    from app.reminders.send import Outcome, SmtpNotConfigured, send_all

    settings = get_settings()
    engine = _engine()
    with transaction(engine) as session:
        due = reminders(session, today(), within)
    for reminder in due:
        if not reminder.anything_due:
            out.print(f"{reminder.service_code}: nothing due within {within} days; no email", highlight=False)
    if dry_run:
        sender = settings.smtp_from or "(RISKREG_SMTP_FROM)"
        for reminder in (r for r in due if r.anything_due):
            out.print(reminder.preview(sender), markup=False, highlight=False)
        engine.dispose()
        return

    def said(outcome: Outcome) -> None:
        r = outcome.reminder
        if outcome.sent:
            out.print(f"{r.service_code}: told {r.recipient} ({r.subject})", markup=False, highlight=False)
        else:
            err.print(
                f"{r.service_code} ({r.service_name}) was not told: {outcome.error}",
                markup=False,
                highlight=False,
            )

    try:
        outcomes = send_all(engine, settings, due, said)
    except SmtpNotConfigured as exc:
        raise _fail(str(exc)) from exc
    finally:
        engine.dispose()
    failed = [o.reminder.service_code for o in outcomes if not o.sent]
    if failed:
        raise _fail(f"{len(failed)} service(s) not told: {', '.join(failed)}")


@cli.command("import")
def import_command(
    plan: Annotated[
        Path,
        typer.Argument(
            help="the service plan: text (UTF-8, UTF-16, Windows-1252), Word (.docx) or Excel (.xlsx)",
            exists=True,
            dir_okay=False,
        ),
    ],
    service_code: Annotated[
        str | None, typer.Option(help="service code, e.g. HS (default: from the refs)")
    ] = None,
    reviewed_on: Annotated[
        datetime | None,
        typer.Option(
            formats=["%Y-%m-%d"],
            help="date of the imported assessments (default: the start of the plan's period; "
            "required when the plan names no period)",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="show what would be imported; change nothing")
    ] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="import nothing when the plan has findings to resolve")
    ] = False,
) -> None:
    """Import a legacy service plan: risks, controls, responses, assessments, actions.

    Exit code: 0 clean; 1 findings to resolve (the import still ran, unless --strict);
    2 refused (nothing imported).
    """
    from app.clock import today
    from app.config import categories_in_force, matrix_in_force
    from app.importer.load import import_document

    settings = get_settings()
    try:
        raw = plan.read_bytes()
        with transaction(_engine(create=not dry_run)) as session:
            result = import_document(
                session,
                SYSTEM,
                matrix_in_force(settings),
                raw,
                today=today(),
                interval_months=settings.review_interval_months,
                service_code=service_code,
                reviewed_on=reviewed_on.date() if reviewed_on else None,
                dry_run=dry_run,
                strict=strict,
                source=plan.name,
                categories=categories_in_force(settings),
            )
    except RiskregError as exc:
        err.print(f"[red]refused:[/red] {exc.detail}", highlight=False, soft_wrap=True)
        raise typer.Exit(code=2) from exc
    _print_import(result)
    if result.verdict != "clean":
        raise typer.Exit(code=1)


def _residual_text(residual: tuple[int | None, int | None, int, str] | None) -> str:
    if residual is None:
        return "-"
    likelihood, impact, score, band = residual
    if likelihood is None or impact is None:
        return f"{band} ({score}), as published"
    return f"{likelihood}x{impact} = {score} {band}"


def _print_import(result: ImportResult) -> None:
    out.print(
        f"[bold]{result.service_name}[/bold] ({result.service_code}{', new service' if result.service_created else ''}), "
        f"plan {result.period or 'period not named'}, {result.shape} ({result.format}); "
        f"assessments dated {result.reviewed_on}",
        highlight=False,
    )
    rows = [
        (
            str(r.line),
            r.ref,
            " ".join(r.aliases),
            r.title,
            r.response or "?",
            str(r.controls),
            _residual_text(r.residual),
            r.published or "-",
            r.action,
        )
        for r in result.risks
    ]
    print_rows(
        ("line", "ref", "aliases", "title", "response", "controls", "residual", "published", "action"), rows
    )
    if result.findings:
        print_rows(
            ("line", "severity", "ref", "finding"),
            [(str(f.line) if f.line else "", f.severity, f.ref or "", f.message) for f in result.findings],
            title=f"{len(result.findings)} findings to resolve",
        )
    if result.strict and not result.imported and not result.dry_run:
        out.print("nothing imported: --strict and the plan has findings to resolve")
        return
    verb = "would import" if result.dry_run else "imported"
    rest = len(result.risks) - result.created - result.reviewed - result.updated
    out.print(
        f"{verb} {result.created} risk(s), {result.reviewed} reviewed from the plan, "
        f"{result.updated} updated; {rest} left as they are ({result.verdict})"
    )


#: --as-recorded of every report: only what had been stored by this moment.
_AsRecorded = Annotated[
    str | None,
    typer.Option(
        help="only what had been stored by this moment: ISO 8601 with its offset, e.g. 2026-10-14T09:00:00+01:00"
    ),
]

report_cli = typer.Typer(help="Reports: service registers and the six-monthly review.", no_args_is_help=True)
cli.add_typer(report_cli, name="report")


@report_cli.command("register")
def report_register(
    service: Annotated[str, typer.Option(help="the service code, e.g. CP")],
    format: Annotated[str, typer.Option(help="html, pdf, csv, xlsx or json")] = "pdf",
    table: Annotated[str, typer.Option(help="risks, or actions (with --format csv)")] = "risks",
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="file to write (default: its own name)")
    ] = None,
    as_of: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="the register at the end of this day")
    ] = None,
    as_recorded: _AsRecorded = None,
) -> None:
    """Write the residual-risk register of one service."""
    from app.clock import today
    from app.config import matrix_in_force
    from app.reports.documents import register_document

    if format not in ("html", "pdf", "csv", "xlsx", "json"):
        raise _fail(f"format {format!r}: choose html, pdf, csv, xlsx or json")
    if table not in ("risks", "actions") or (table == "actions" and format != "csv"):
        raise _fail(f"table {table!r}: choose risks, or actions with --format csv")
    day, moment = _time_of_read(as_of, as_recorded)
    try:
        with (
            _progress(f"register {service.upper()} ({format})"),
            transaction(_engine(), write=False) as session,
        ):
            document = register_document(
                session,
                matrix_in_force(get_settings()),
                service,
                fmt=format,
                today=today(),
                as_of=day,
                as_recorded=moment,
                table=table,
            )
    except RiskregError as exc:
        raise _fail(exc.detail) from exc
    _write(document.content, output or Path(document.filename))


@report_cli.command("six-monthly")
def report_six_monthly(
    period: Annotated[str | None, typer.Option(help="e.g. 2025/26-H1, current or last")] = None,
    from_: Annotated[
        datetime | None, typer.Option("--from", formats=["%Y-%m-%d"], help="first day (with --to)")
    ] = None,
    to: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"], help="last day (with --from)")] = None,
    service: Annotated[list[str] | None, typer.Option(help="service code(s); default: council-wide")] = None,
    format: Annotated[str, typer.Option(help="html, pdf, xlsx or json")] = "pdf",
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="file to write (default: its own name)")
    ] = None,
    as_of: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="the report as it stood at the end of this day"),
    ] = None,
    as_recorded: _AsRecorded = None,
) -> None:
    """Write the six-monthly review report for committee."""
    from app.clock import today
    from app.config import matrix_in_force
    from app.reports.documents import review_document
    from app.reports.periods import PeriodError, parse_period

    if format not in ("html", "pdf", "xlsx", "json"):
        raise _fail(f"format {format!r}: choose html, pdf, xlsx or json")
    try:
        chosen = parse_period(
            period,
            start=from_.date() if from_ else None,
            end=to.date() if to else None,
            today=today(),
            earliest=get_settings().earliest_date,
        )
    except PeriodError as exc:
        raise _fail(str(exc)) from exc
    codes = sorted({c.upper() for c in service}) if service else None
    day, moment = _time_of_read(as_of, as_recorded)
    try:
        with (
            _progress(f"six-monthly review {chosen.title} ({format})"),
            transaction(_engine(), write=False) as session,
        ):
            document = review_document(
                session,
                matrix_in_force(get_settings()),
                chosen,
                fmt=format,
                today=today(),
                service_codes=codes,
                as_of=day,
                as_recorded=moment,
            )
    except RiskregError as exc:
        raise _fail(exc.detail) from exc
    _write(document.content, output or Path(document.filename))


@report_cli.command("corporate-register")
def report_corporate_register(
    format: Annotated[str, typer.Option(help="html, pdf, xlsx, csv or json")] = "pdf",
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="file to write (default: its own name)")
    ] = None,
    as_of: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="the risks escalated at the end of this day, as they stood"),
    ] = None,
    as_recorded: _AsRecorded = None,
) -> None:
    """Write the corporate register: every service's escalated risks, for the audit committee."""
    from app.clock import today
    from app.config import matrix_in_force
    from app.reports.corporate import RENDERERS, corporate_document

    if format not in RENDERERS:
        raise _fail(f"format {format!r}: choose html, pdf, xlsx, csv or json")
    day, moment = _time_of_read(as_of, as_recorded)
    with _progress(f"corporate register ({format})"), transaction(_engine(), write=False) as session:
        document = corporate_document(
            session,
            matrix_in_force(get_settings()),
            fmt=format,
            today=today(),
            as_of=day,
            as_recorded=moment,
        )
    _write(document.content, output or Path(document.filename))


def _time_of_read(as_of: datetime | None, as_recorded: str | None) -> tuple[date | None, datetime | None]:
    """--as-of and --as-recorded checked as the API checks them: a day between the earliest date
    and today; a moment in ISO 8601 with its offset, not in the future (in UTC)."""
    from app.clock import today

    earliest = get_settings().earliest_date
    day = as_of.date() if as_of is not None else None
    if day is not None and not earliest <= day <= today():
        raise _fail(f"--as-of {day}: must lie between {earliest} and today")
    if as_recorded is None:
        return day, None
    try:
        moment = datetime.fromisoformat(as_recorded.strip())
    except ValueError:
        moment = None
    if moment is None or moment.utcoffset() is None:
        raise _fail(
            f"--as-recorded {as_recorded!r}: an ISO 8601 timestamp with its offset, e.g. 2025-10-14T09:00:00+01:00"
        )
    moment = moment.astimezone(UTC)
    if moment > datetime.now(UTC) or moment.date() < earliest:
        raise _fail(f"--as-recorded {as_recorded!r}: must lie between {earliest} and now")
    return day, moment


def _progress(what: str) -> Progress:
    """A progress display for a report being built (a spinner and the elapsed time)."""
    progress = Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=err, transient=True
    )
    progress.add_task(f"building {what}", total=None)
    return progress


def _write(content: bytes, path: Path) -> None:
    path.write_bytes(content)
    out.print(f"wrote {path} ({len(content):,} bytes)")


def main() -> None:
    """Entry point of the `riskreg` command."""
    cli()
