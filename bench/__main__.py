"""riskreg benchmark: `python -m bench [--quick] [--postgres URL] [--budget SECONDS]`.

Builds (or reuses) the data sets, starts the real server and a bare FastAPI floor with
uvicorn on 127.0.0.1, runs a sequential httpx client with fixed request counts under a
global time budget, and prints median, p99, ratio to the floor and met/missed per target.
The floor stays up for the whole suite and each ratio workload interleaves one floor
request with each of its own, so both are measured at the same moments of a shared machine.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx

from bench import data
from bench.server import ROOT, serve

HERE = Path(__file__).resolve().parent
WORK = HERE / ".data" / "run"
RESULTS = HERE / "results"
HIGH: list[tuple[str, str | int | float | bool | None]] = [
    ("band", "High"),
    ("band", "Very High"),
    ("page_size", "50"),
    ("sort", "-score"),
]
PAGES = 4


@dataclass
class Result:
    name: str
    samples: list[float]  # milliseconds
    target: str = ""
    check: Callable[[Result], bool | None] | None = None
    ratio: float | None = None  # floor median / this median (1.0 = as fast as the floor)
    floor_samples: list[float] = field(default_factory=list)  # the floor, interleaved with this workload
    note: str = ""
    planned: int = 0
    extra: list[tuple[str, bool]] = field(default_factory=list)  # further (label, met) verdicts

    @property
    def median(self) -> float:
        return statistics.median(self.samples) if self.samples else float("nan")

    @property
    def p99(self) -> float:
        if not self.samples:
            return float("nan")
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, max(0, round(0.99 * len(ordered) + 0.5) - 1))]


@dataclass
class Run:
    quick: bool
    deadline: float
    results: list[Result] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def n(self, full: int, quick: int) -> int:
        return quick if self.quick else full

    def add(self, result: Result) -> Result:
        self.results.append(result)
        shown = f"{result.median:9.2f} ms median, p99 {result.p99:9.2f} ms, n={len(result.samples)}"
        print(f"  {result.name:<48} {shown}", flush=True)
        return result

    def measure(
        self,
        name: str,
        count: int,
        call: Callable[[int], httpx.Response],
        *,
        warmup: int = 2,
        baseline: Callable[[int], httpx.Response] | None = None,
        **kw: object,
    ) -> Result:
        """Time `count` calls; with a `baseline`, interleave one baseline call with each
        (alternating which goes first) so that both see the same moments of a shared,
        noisy machine, and report the ratio of their medians."""
        for i in range(warmup):
            _ok(call(-1 - i))
            if baseline is not None:
                _ok(baseline(-1 - i))
        samples: list[float] = []
        floor: list[float] = []
        for i in range(count):
            if time.monotonic() > self.deadline:
                kw["note"] = f"time budget hit after {len(samples)}/{count}"
                break
            pair = [(samples, call)] if baseline is None else [(samples, call), (floor, baseline)]
            for into, what in pair if i % 2 == 0 else reversed(pair):
                started = time.perf_counter()
                response = what(i)
                elapsed = time.perf_counter() - started
                _ok(response)
                into.append(elapsed * 1000)
        result = Result(name, samples, planned=count, floor_samples=floor, **kw)  # type: ignore[arg-type]
        if floor and samples:
            result.ratio = statistics.median(floor) / result.median
        return self.add(result)


def _ok(response: httpx.Response) -> None:
    if response.status_code >= 400:
        raise RuntimeError(
            f"{response.request.method} {response.request.url}: {response.status_code} {response.text[:300]}"
        )


def below(limit: float) -> Callable[[Result], bool]:
    return lambda r: r.median < limit


def at_most(limit: float) -> Callable[[Result], bool]:
    return lambda r: r.median <= limit


def ratio_at_least(limit: float) -> Callable[[Result], bool | None]:
    return lambda r: None if r.ratio is None else r.ratio >= limit


# ---------------------------------------------------------------------------------------------
# workloads


FLOOR_IMPORTS = "fastapi, sqlmodel, pydantic_settings, uvicorn"


def _import_time(module: str) -> tuple[float, bool]:
    """Milliseconds to import `module` in a fresh interpreter (its start excluded); matplotlib loaded?"""
    code = (
        f"import sys, time; t = time.perf_counter(); import {module}; "
        "print(time.perf_counter() - t, 'matplotlib' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    return float(out[0]) * 1000, out[1] == "True"


def _compile_bytecode() -> None:
    """Write app/'s bytecode, as installing a package does.

    Under PYTHONDONTWRITEBYTECODE (set on this machine) every fresh process would
    otherwise compile the 57 riskreg modules app.main loads from source (~55-60 ms,
    ~0.2 G instructions), while the floor's packages load the bytecode pip wrote into
    site-packages.
    """
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "app")], check=True, timeout=300)


def startup(run: Run) -> None:
    _compile_bytecode()
    floor, samples, loaded = [], [], []
    for _ in range(run.n(15, 5)):
        # alternated, so that load from other people's runs weighs on both alike
        floor.append(_import_time(FLOOR_IMPORTS)[0])
        elapsed, matplotlib = _import_time("app.main")
        samples.append(elapsed)
        loaded.append(matplotlib)
    run.add(Result(f"floor: import {FLOOR_IMPORTS}", floor))
    assert not any(loaded), "matplotlib is imported by `import app.main`"
    result = Result(
        "import app.main (fresh process)",
        samples,
        "< 600 ms",
        below(600),
        note="matplotlib not in sys.modules: OK; bytecode compiled first, as installed",
    )
    result.ratio = statistics.median(floor) / result.median
    run.add(result)


FLOOR_ROW = {
    "ref": "X",
    "title": "Floor insert: failure of a key supplier",
    "consequence": "loss",
    "owner": "Head of Service",
    "response": "treat",
    "opened_on": "2025-01-01",
    "likelihood": 3,
    "impact": 2,
    "notes": "a note",
}


@dataclass(frozen=True)
class Floor:
    """The floor server, up for a whole suite so each ratio workload interleaves its floor."""

    client: httpx.Client

    def insert(self, i: int) -> httpx.Response:
        return self.client.post("/rows", json=FLOOR_ROW)

    def select(self, i: int) -> httpx.Response:
        return self.client.get("/rows", params={"limit": 50})


@contextlib.contextmanager
def floor_server(run: Run, url: str, label: str) -> Iterator[Floor]:
    """Start the floor, measure it alone once (for the table), and keep it up for the suite."""
    env = {"BENCH_FLOOR_URL": url}
    with (
        serve(
            "bench.floor_app:create_app", env, max_requests=50_000, lifetime=3600, log=WORK / "floor.log"
        ) as base,
        httpx.Client(base_url=base) as client,
    ):
        floor = Floor(client)
        run.measure(f"[{label}] floor: insert one row (POST), alone", run.n(200, 40), floor.insert)
        run.measure(f"[{label}] floor: select 50 rows (GET), alone", run.n(200, 40), floor.select)
        yield floor


def open_risks(url: str) -> list[tuple[int, str, str]]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT risk.id, service.code, risk.ref FROM risk JOIN service ON service.id = risk.service_id "
                    "WHERE risk.status = 'open' ORDER BY risk.id"
                )
            ).all()
    finally:
        engine.dispose()
    return [(r[0], r[1], r[2]) for r in rows]


def writes(run: Run, client: httpx.Client, url: str, label: str, floor: Floor) -> None:
    risks = open_risks(url)
    today = date.today().isoformat()

    def review(i: int) -> httpx.Response:
        rid = risks[i % len(risks)][0]
        body = {
            "reviewed_on": today,
            "reviewer": "bench",
            "notes": "bench review",
            "residual": {"likelihood": i % 4 + 1, "impact": (i // 4) % 4 + 1},
        }
        return client.post(f"/api/v1/risks/{rid}/reviews", json=body)

    run.measure(
        f"[{label}] review POST, one risk",
        run.n(300, 60),
        review,
        baseline=floor.insert,
        target=">= 0.8 x insert floor",
        check=ratio_at_least(0.8),
    )
    by_service: dict[str, list[str]] = {}
    for _, code, ref in risks:
        by_service.setdefault(code, []).append(ref)
    full = sorted(code for code, refs in by_service.items() if len(refs) >= 20)

    def service_review(i: int) -> httpx.Response:
        code = full[i % len(full)]
        items = [
            {"ref": ref, "residual": {"likelihood": (i + k) % 4 + 1, "impact": (i + 2 * k) % 4 + 1}}
            for k, ref in enumerate(by_service[code][:20])
        ]
        body = {"reviewed_on": today, "reviewer": "bench", "reviews": items}
        return client.post(f"/api/v1/services/{code}/reviews", json=body)

    run.measure(
        f"[{label}] service review POST, 20 risks",
        run.n(60, 10),
        service_review,
        target="< 25 ms",
        check=below(25),
    )


def lists(
    run: Run, client: httpx.Client, label: str, size: str, floor: Floor, as_of: date
) -> tuple[Result, Result, Result]:
    now = run.measure(
        f"[{label}] audit list High+VH p.1-{PAGES}, {size}",
        run.n(200, 40),
        lambda i: client.get("/api/v1/risks", params=audit_page(i)),
        baseline=floor.select,
        target=">= 0.7 x 50-row floor",
        check=ratio_at_least(0.7),
    )
    past = run.measure(
        f"[{label}] audit list High+VH as_of {as_of}, {size}",
        run.n(30, 10),
        lambda i: client.get("/api/v1/risks", params=audit_page(i, as_of)),
        warmup=1,
        baseline=floor.select,
    )
    # the committee pack of that day, as it was known a month later: late entries left out
    known = datetime.combine(as_of + timedelta(days=30), datetime.min.time(), tzinfo=UTC)
    recorded = run.measure(
        f"[{label}] audit list High+VH as_of {as_of} as recorded at {known:%Y-%m-%d %H:%M}Z, {size}",
        run.n(30, 10),
        lambda i: client.get(
            "/api/v1/risks", params=audit_page(i, as_of).add("as_recorded", known.isoformat())
        ),
        warmup=1,
        baseline=floor.select,
    )
    return now, past, recorded


def action_lists(run: Run, built: data.Built, label: str, floor: Floor) -> None:
    """The action list at 100,000 actions, 50 a page (pages 1-4 in turn), against the 50-row floor;
    and the overdue actions, for comparison."""
    with riskreg(built, 5_000) as client:
        run.measure(
            f"[{label}] action list p.1-{PAGES}, {built.spec.actions:,} actions",
            run.n(200, 40),
            lambda i: client.get("/api/v1/actions", params={"page_size": 50, "page": i % PAGES + 1}),
            baseline=floor.select,
            target=">= 0.7 x 50-row floor",
            check=ratio_at_least(0.7),
        )
        run.measure(
            f"[{label}] action list overdue p.1-{PAGES}, {built.spec.actions:,} actions",
            run.n(100, 20),
            lambda i: client.get(
                "/api/v1/actions", params={"overdue": "true", "page_size": 50, "page": i % PAGES + 1}
            ),
            baseline=floor.select,
        )


def above_appetite(run: Run, client: httpx.Client, label: str, size: str, floor: Floor) -> None:
    """The risks above the appetite statement in force (data.APPETITE: ~38 % of the open
    risks), pages 1-4 by score, against the 50-row floor."""

    def params(i: int) -> httpx.QueryParams:
        return httpx.QueryParams(
            [
                ("above_appetite", "true"),
                ("page_size", "50"),
                ("sort", "-score"),
                ("page", str(i % PAGES + 1)),
            ]
        )

    found = client.get("/api/v1/risks", params=params(0))
    _ok(found)
    total = found.json()["total"]
    result = run.measure(
        f"[{label}] above-appetite list p.1-{PAGES}, {size}",
        run.n(200, 40),
        lambda i: client.get("/api/v1/risks", params=params(i)),
        baseline=floor.select,
        target=">= 0.7 x 50-row floor" if size == "100k" else "",
        check=ratio_at_least(0.7) if size == "100k" else None,
    )
    result.note = f"{total:,} risks above appetite"


def corporate_register(run: Run, client: httpx.Client, label: str) -> None:
    """The corporate register PDF of the 2k data set's 200 escalated risks (data.ESCALATED)."""
    url = "/api/v1/reports/corporate-register"
    rows = client.get(url, params={"format": "json"})
    _ok(rows)
    escalated = len(rows.json()["risks"])
    result = run.measure(
        f"[{label}] corporate register PDF, {escalated} escalated risks",
        run.n(20, 5),
        lambda i: client.get(url, params={"format": "pdf"}),
        warmup=1,
        target="< 1 s",
        check=below(1000),
    )
    result.note = (
        f"{escalated} escalated risks of {len({r['service'] for r in rows.json()['risks']})} services"
    )


def scaling(run: Run, small: httpx.Client, large: httpx.Client, label: str) -> None:
    """The audit list at 100,000 risks against the same list at 2,000, interleaved."""
    result = run.measure(
        f"[{label}] audit list High+VH p.1-{PAGES}, 100k against 2k (2k/100k)",
        run.n(200, 40),
        lambda i: large.get("/api/v1/risks", params=audit_page(i)),
        baseline=lambda i: small.get("/api/v1/risks", params=audit_page(i)),
        target="100k <= 1.2 x 2k: ratio >= 0.83",
        check=ratio_at_least(1 / 1.2),
    )
    result.note = f"100k median = {1 / result.ratio:.2f} x the 2k median" if result.ratio else ""


def audit_page(i: int, as_of: date | None = None) -> httpx.QueryParams:
    """Page 1 to PAGES in turn of the High and Very High risks, 50 a page, by score."""
    params = httpx.QueryParams([*HIGH, ("page", str(i % PAGES + 1))])
    return params.add("as_of", as_of.isoformat()) if as_of else params


def reports_http(run: Run, client: httpx.Client, label: str, services: list[str]) -> None:
    rep = "/api/v1/reports"
    _ok(client.get(f"{rep}/heatmap", params={"format": "png"}))  # waits for the warm-up to finish
    run.measure(
        f"[{label}] heat map PNG, first (uncached), 1 service",
        min(len(services), run.n(30, 8)),
        lambda i: client.get(f"{rep}/heatmap", params={"service": services[i], "format": "png"}),
        warmup=0,
        target="<= 70 ms",
        check=at_most(70),
    )
    repeated = run.measure(
        f"[{label}] heat map PNG, repeated",
        run.n(200, 40),
        lambda i: client.get(f"{rep}/heatmap", params={"service": services[0], "format": "png"}),
        # For scale, not a target: the cheapest authenticated request of the same server.
        baseline=lambda i: client.get("/api/v1/matrix"),
        target="<= 2 ms",
        check=at_most(2),
    )
    repeated.note = "paired floor: GET /api/v1/matrix, the cheapest authenticated request"
    targets = {
        "html": ("< 30 ms", below(30)),
        "xlsx": ("< 100 ms", below(100)),
        "pdf": ("< 300 ms", below(300)),
        "csv": ("", None),
    }
    for fmt, (target, check) in targets.items():
        run.measure(
            f"[{label}] register {fmt.upper()}, 1 service (20 risks)",
            run.n(40, 8),
            lambda i, fmt=fmt: client.get(f"{rep}/register", params={"service": services[0], "format": fmt}),
            warmup=1,
            target=target,
            check=check,
        )
    # The same register with two actions on each of its 20 risks (a second service, so the
    # register above stays without actions): the PDF draws the register, then the actions table.
    with_actions = services[1]
    listed = client.get("/api/v1/risks", params={"service": with_actions, "page_size": 50})
    _ok(listed)
    for n, risk in enumerate(listed.json()["items"]):
        for k, status in enumerate(("in_progress", "planned")):
            due = (date.today() + timedelta(days=30 * (k + 1) - 45 * (n % 2))).isoformat()
            body = {
                "description": f"Action {k + 1} on {risk['ref']}",
                "owner": "Service manager",
                "due_on": due,
            }
            _ok(client.post(f"/api/v1/risks/{risk['id']}/actions", json=body | {"status": status}))
    run.measure(
        f"[{label}] register PDF with actions, 1 service (20 risks, 40 actions)",
        run.n(40, 8),
        lambda i: client.get(f"{rep}/register", params={"service": with_actions, "format": "pdf"}),
        warmup=1,
        target="< 300 ms",
        check=below(300),
    )


def six_monthly(run: Run, client: httpx.Client, label: str, size: str, risks: int) -> None:
    limit = 2000 if risks <= 600 else 3000
    for fmt in ("pdf", "xlsx"):
        run.measure(
            f"[{label}] six-monthly {fmt.upper()}, {size}",
            run.n(5, 2),
            lambda i, fmt=fmt: client.get(
                "/api/v1/reports/six-monthly", params={"period": "last", "format": fmt}
            ),
            warmup=1,
            target=f"< {limit / 1000:g} s" if fmt == "pdf" else "",
            check=below(limit) if fmt == "pdf" else None,
        )


@contextlib.contextmanager
def riskreg(built: data.Built, requests: int, lifetime: float = 900) -> Iterator[httpx.Client]:
    env = {"RISKREG_DATABASE_URL": built.url}
    with (
        serve(
            "app.main:create_app", env, max_requests=requests, lifetime=lifetime, log=WORK / "riskreg.log"
        ) as base,
        httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {built.token}"}, timeout=120
        ) as client,
    ):
        yield client


def plan_import(run: Run) -> None:
    """A 300-risk .docx plan imported for real into an empty register (in-process)."""
    from bench import plans

    raw = plans.plan_docx()
    plans.import_seconds(WORK, raw, _today())  # warm-up: python-docx, the parser, the statements
    samples = [plans.import_seconds(WORK, raw, _today()) * 1000 for _ in range(run.n(7, 3))]
    run.add(
        Result(
            f"import a {plans.RISKS}-risk .docx plan (sqlite)",
            samples,
            target="< 2 s",
            check=below(2000),
            note=f"{len(raw):,} bytes; parse + {plans.RISKS} risks, reviews, controls, audit, commit",
        )
    )


def in_process(run: Run, built: data.Built, label: str) -> None:
    """The report documents timed in-process (no HTTP), for comparison."""
    from sqlmodel import Session

    from app.clock import today
    from app.config import Settings
    from app.db import make_engine
    from app.reports.documents import heatmap_document, register_document, review_document
    from app.reports.periods import parse_period
    from app.scoring import default_matrix

    engine = make_engine(Settings(database_url=built.url))
    matrix, day = default_matrix(), today()
    period = parse_period("last", today=day)
    code = data.service_code(1)
    calls: list[tuple[str, Callable[[Session], object], int]] = [
        (
            "heat map PNG (repeated)",
            lambda s: heatmap_document(
                s,
                matrix,
                service_codes=[code],
                scope=code,
                basis="residual",
                fmt="png",
                as_of=None,
                today=day,
            ),
            20,
        ),
        *[
            (
                f"register {fmt.upper()}",
                lambda s, fmt=fmt: register_document(s, matrix, code, fmt=fmt, today=day),
                10,
            )
            for fmt in ("html", "pdf", "xlsx", "csv")
        ],
        *[
            (
                f"six-monthly {fmt.upper()}",
                lambda s, fmt=fmt: review_document(s, matrix, period, fmt=fmt, today=day),
                2,
            )
            for fmt in ("pdf", "xlsx")
        ],
    ]
    try:
        for name, call, count in calls:
            with Session(engine) as session:
                call(session)
                samples = []
                for _ in range(run.n(count, max(1, count // 4))):
                    started = time.perf_counter()
                    call(session)
                    samples.append((time.perf_counter() - started) * 1000)
            run.add(
                Result(
                    f"[{label}] in-process {name}, {built.spec.name} data set",
                    samples,
                    note="no HTTP",
                )
            )
    finally:
        engine.dispose()


# ---------------------------------------------------------------------------------------------


def sqlite_suite(run: Run, sizes: list[str]) -> None:
    day = date.today()
    as_of = day - timedelta(days=365)
    print("SQLite", flush=True)
    startup(run)
    plan_import(run)
    built = {}
    for name in sizes:
        b = data.sqlite_dataset(name, _today(), work=WORK)
        built[name] = b
        run.notes.append(
            f"data set {name} ({b.spec.risks:,} risks, "
            f"{b.spec.risks * b.spec.reviews_per_risk:,} reviews): "
            + (f"built in {b.seconds:.1f} s" if b.seconds else "from the cache")
        )
        print(f" {run.notes[-1]}", flush=True)
    floor_db = WORK / "floor.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{floor_db}{suffix}").unlink(missing_ok=True)
    with floor_server(run, f"sqlite:///{floor_db}", "sqlite") as floor:
        if "council" in built:
            with riskreg(built["council"], 5_000) as client:
                writes(run, client, built["council"].url, "sqlite", floor)
                reports_http(run, client, "sqlite", [data.service_code(i + 1) for i in range(30)])
                six_monthly(run, client, "sqlite", "30 services x 20 risks", 600)
        list_suite(run, built, "sqlite", floor, as_of)
        if "actions" in built:
            action_lists(run, built["actions"], "sqlite", floor)
    if not run.quick:
        for name in ("council", "2k"):
            if name in built:
                in_process(run, data.sqlite_dataset(name, _today(), work=WORK), "sqlite")


def list_suite(run: Run, built: dict[str, data.Built], label: str, floor: Floor, as_of: date) -> None:
    """The audit list at each size; with both sizes, their servers up together for the scaling ratio."""
    with contextlib.ExitStack() as stack:
        clients = {
            size: stack.enter_context(riskreg(built[size], 5_000)) for size in ("2k", "100k") if size in built
        }
        for size, client in clients.items():
            _, past, recorded = lists(run, client, label, size, floor, as_of)
            if size == "100k":
                past.target, past.check = "< 150 ms", below(150)
                recorded.target, recorded.check = "< 150 ms", below(150)
            above_appetite(run, client, label, size, floor)
        if "2k" in clients:
            corporate_register(run, clients["2k"], label)
        if len(clients) == 2:
            scaling(run, clients["2k"], clients["100k"], label)
        if "2k" in clients and label == "sqlite":
            six_monthly(run, clients["2k"], label, "2,000 risks", 2000)


def postgres_suite(run: Run, admin_url: str, sizes: list[str]) -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    url = make_url(admin_url)
    if url.get_driver_name() in ("", "psycopg2"):
        url = url.set(drivername="postgresql+psycopg")
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    day = date.today()
    as_of = day - timedelta(days=365)
    names = ["floor", *sizes]

    def database(name: str) -> str:
        return url.set(database=f"riskreg_bench_{name}").render_as_string(hide_password=False)

    def fresh(name: str) -> None:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS riskreg_bench_{name} WITH (FORCE)")
            conn.exec_driver_sql(f"CREATE DATABASE riskreg_bench_{name}")

    print("PostgreSQL", flush=True)
    try:
        built = {}
        for name in names:
            fresh(name)
            if name == "floor":
                continue
            built[name] = b = data.postgres_dataset(database(name), name, _today())
            run.notes.append(f"PostgreSQL data set {name}: built in {b.seconds:.1f} s")
            print(f" {run.notes[-1]}", flush=True)
        with floor_server(run, database("floor"), "pg") as floor:
            if "council" in built:
                with riskreg(built["council"], 5_000) as client:
                    writes(run, client, database("council"), "pg", floor)
            list_suite(run, built, "pg", floor, as_of)
            if "actions" in built:
                action_lists(run, built["actions"], "pg", floor)
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS riskreg_bench_{name} WITH (FORCE)")
        admin.dispose()


def _today() -> date:
    from app.clock import today

    return today()


def table(run: Run) -> str:
    lines = [
        "| workload | n | median ms | p99 ms | paired floor ms | floor/median | target | met |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for r in run.results:
        met = r.check(r) if r.check and r.samples else None
        verdict = "" if r.check is None else ("met" if met else "MISSED" if met is False else "n/a")
        if r.extra and verdict:
            verdict = f"floor: {verdict}"
        for what, ok in r.extra:
            verdict += f"; {what}: {'met' if ok else 'MISSED'}"
        ratio = f"{r.ratio:.2f}" if r.ratio is not None else ""
        floor = f"{statistics.median(r.floor_samples):.2f}" if r.floor_samples else ""
        name = r.name + (f" ({r.note})" if r.note else "")
        lines.append(
            f"| {name} | {len(r.samples)} | {r.median:.2f} | {r.p99:.2f} | {floor} | {ratio} | {r.target} "
            f"| {verdict} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small counts, no 100k data set")
    parser.add_argument("--postgres", metavar="URL", help="also run the API workloads on this server")
    parser.add_argument("--budget", type=float, help="global time budget in seconds")
    parser.add_argument("--sizes", help="comma-separated data sets (council,2k,100k,actions)")
    parser.add_argument(
        "--pg-sizes",
        default="council,2k,actions",
        help="PostgreSQL data sets (add 100k for the large one)",
    )
    parser.add_argument("--no-sqlite", action="store_true", help="only the PostgreSQL workloads")
    parser.add_argument("--only-import", action="store_true", help="only the plan-import workload")
    args = parser.parse_args(argv)
    sizes = (
        args.sizes.split(",")
        if args.sizes
        else (["council", "2k", "actions"] if args.quick else ["council", "2k", "100k", "actions"])
    )
    budget = args.budget or (300 if args.quick else 1500)
    run = Run(quick=args.quick, deadline=time.monotonic() + budget)
    started = time.monotonic()
    load_before = os.getloadavg()
    WORK.mkdir(parents=True, exist_ok=True)
    if args.only_import:
        plan_import(run)
    elif not args.no_sqlite:
        sqlite_suite(run, sizes)
    if args.postgres:
        pg_sizes = args.pg_sizes.split(",")
        postgres_suite(run, args.postgres, pg_sizes)
    report = table(run)
    load = " / ".join(f"{x:.1f}" for x in load_before + os.getloadavg())
    run.notes.append(f"load average (1/5/15 min) at start / end: {load} on {os.cpu_count()} cores")
    notes = "\n".join(f"- {n}" for n in run.notes)
    total = f"- total run time {time.monotonic() - started:.0f} s ({'quick' if run.quick else 'full'} run)"
    text = f"{report}\n\n{notes}\n{total}\n"
    print("\n" + text)
    RESULTS.mkdir(exist_ok=True)
    stem = "last-postgres" if args.no_sqlite else "last"
    (RESULTS / f"{stem}.md").write_text(text)
    (RESULTS / f"{stem}.json").write_text(
        json.dumps(
            [
                {
                    "name": r.name,
                    "n": len(r.samples),
                    "median_ms": r.median,
                    "p99_ms": r.p99,
                    "ratio": r.ratio,
                    "paired_floor_median_ms": statistics.median(r.floor_samples) if r.floor_samples else None,
                    "target": r.target,
                    "met": r.check(r) if r.check and r.samples else None,
                }
                for r in run.results
            ],
            indent=1,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
