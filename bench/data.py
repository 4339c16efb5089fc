"""Build the benchmark data sets fast: SQLAlchemy Core batches into a migrated database.

Every risk's current assessment equals its latest review; reviews are chained
(superseded_on = the next review's date, superseded_at = when that review was recorded,
previous_score and direction consistent). Each fact is recorded a few days after its
effective date, about one review in twenty as a late entry (40 to 90 days after); every risk
has its opening as a status event and a closed one its closing. SQLite data sets are cached
under bench/.data/ keyed by size and format.
"""

from __future__ import annotations

import itertools
import json
import random
import shutil
import time as clock
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import Engine

DATA_DIR = Path(__file__).resolve().parent / ".data"
FORMAT_VERSION = 3  # 2: recorded times after the effective dates, superseded_at, status events; 3: actions
RESPONSES = ("tolerate", "treat", "terminate", "transfer")
BATCH = 5_000
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Spec:
    """A data set: services x risks each, reviews per risk over `years` years."""

    name: str
    services: int
    risks_per_service: int
    reviews_per_risk: int
    years: int
    actions_per_risk: int = 0

    @property
    def actions(self) -> int:
        return self.risks * self.actions_per_risk

    @property
    def risks(self) -> int:
        return self.services * self.risks_per_service


SPECS = {
    "council": Spec("council", 30, 20, 4, 2),  # one council: 600 risks
    "2k": Spec("2k", 100, 20, 4, 2),  # 2,000 risks
    "100k": Spec("100k", 1_000, 100, 10, 5),  # 100,000 risks, 1,000,000 reviews
    "actions": Spec("actions", 100, 20, 2, 1, actions_per_risk=50),  # 2,000 risks, 100,000 actions
}
#: Action statuses in the proportions of a register under way: most open, some done, a few dropped.
ACTION_STATUSES = ("planned",) * 4 + ("in_progress",) * 3 + ("done",) * 2 + ("cancelled",)


@dataclass(frozen=True)
class Built:
    url: str
    token: str
    seconds: float  # 0 when taken from the cache
    spec: Spec


def service_code(i: int) -> str:
    return f"S{i:04d}"


def _rows(spec: Spec, today: date, seed: int = 6):
    """Yield (services, risks, controls, reviews, status events, actions, action events, progress
    notes) batches of about BATCH risks."""
    from app.clock import add_months
    from app.scoring import default_matrix

    matrix = default_matrix()
    cells = {(li, im): matrix.assess(li, im) for li in range(1, 5) for im in range(1, 5)}
    rng = random.Random(seed)
    now = datetime.now(UTC)
    who = "bench"
    services = [
        {
            "id": s + 1,
            "code": service_code(s + 1),
            "name": f"Service {s + 1}",
            "created_at": now,
            "created_by": who,
            "updated_at": now,
            "updated_by": who,
        }
        for s in range(spec.services)
    ]
    span = spec.years * 365
    gap = max(30, (span - 200) // max(1, spec.reviews_per_risk - 1))
    risk_id = review_id = control_id = event_id = action_id = 0
    risks: list[dict] = []
    controls: list[dict] = []
    reviews: list[dict] = []
    events: list[dict] = []
    actions: list[dict] = []
    action_events: list[dict] = []
    notes: list[dict] = []

    def recorded(day: date, late: bool) -> datetime:
        """When a fact effective on `day` was stored: days later, or 40-90 for a late entry."""
        lag = rng.randrange(40, 91) if late else rng.randrange(0, 4)
        return min(
            now, datetime.combine(day, time(9), tzinfo=UTC) + timedelta(days=lag, minutes=rng.randrange(600))
        )

    first = True
    for s in range(spec.services):
        for r in range(spec.risks_per_service):
            risk_id += 1
            controls_text = [f"Control {risk_id}.1: policy and training", f"Control {risk_id}.2: monitoring"]
            for pos, text in enumerate(controls_text):
                control_id += 1
                controls.append({"id": control_id, "risk_id": risk_id, "position": pos, "text": text})
            day = today - timedelta(days=span - rng.randrange(0, 150))
            previous = None
            history = []
            for k in range(spec.reviews_per_risk):
                li, im = rng.randint(1, 4), rng.randint(1, 4)
                late = k > 0 and rng.random() < 0.05
                res = cells[(li, im)]
                inh = cells[(min(4, li + 1), im)]
                score = res.score
                review_id += 1
                history.append(
                    {
                        "id": review_id,
                        "risk_id": risk_id,
                        "reviewed_on": day,
                        "superseded_on": None,
                        "superseded_at": None,
                        "reviewer": "Service manager",
                        "response": RESPONSES[(risk_id + k) % 4],
                        "controls": controls_text,
                        "notes": f"review {k + 1}",
                        "residual_likelihood": li,
                        "residual_impact": im,
                        "residual_score": score,
                        "residual_band": res.band,
                        "inherent_likelihood": inh.likelihood,
                        "inherent_impact": inh.impact,
                        "inherent_score": inh.score,
                        "inherent_band": inh.band,
                        "target_likelihood": None,
                        "target_impact": None,
                        "target_score": None,
                        "target_band": None,
                        "previous_score": previous,
                        "direction": "new"
                        if previous is None
                        else ("up" if score > previous else "down" if score < previous else "unchanged"),
                        "next_review_due": add_months(day, 6),
                        # recorded in order: never before the review it supersedes
                        "created_at": max(
                            recorded(day, late), history[-1]["created_at"] if history else EPOCH
                        ),
                        "created_by": who,
                        "late": late,
                    }
                )
                previous = score
                if k + 1 < spec.reviews_per_risk:
                    day = min(today - timedelta(days=1), day + timedelta(days=gap + rng.randrange(-10, 11)))
            for a, b in itertools.pairwise(history):
                a["superseded_on"] = b["reviewed_on"]
                a["superseded_at"] = b["created_at"]
            reviews.extend(history)
            last = history[-1]
            closed = rng.random() < 0.02
            closed_on = min(today, last["reviewed_on"] + timedelta(days=30)) if closed else None
            closed_at = max(recorded(closed_on, False), last["created_at"]) if closed_on else None
            event_id += 1
            events.append(
                {
                    "id": event_id,
                    "risk_id": risk_id,
                    "status": "open",
                    "effective_on": history[0]["reviewed_on"],
                    "superseded_on": closed_on,
                    "superseded_at": closed_at,
                    "recorded_at": history[0]["created_at"],
                    "recorded_by": who,
                    "late": False,
                }
            )
            if closed_on is not None:
                event_id += 1
                events.append(
                    {
                        "id": event_id,
                        "risk_id": risk_id,
                        "status": "closed",
                        "effective_on": closed_on,
                        "superseded_on": None,
                        "superseded_at": None,
                        "recorded_at": closed_at,
                        "recorded_by": who,
                        "late": False,
                    }
                )
            risks.append(
                {
                    "id": risk_id,
                    "service_id": s + 1,
                    "ref": f"R{r + 1:03d}",
                    "aliases": [],
                    "title": f"Risk {risk_id}: failure of a key supplier or system",
                    "consequence": "Service disruption, financial loss and reputational damage",
                    "owner": "Head of Service",
                    "response": last["response"],
                    "status": "closed" if closed else "open",
                    "opened_on": history[0]["reviewed_on"],
                    "closed_on": closed_on,
                    "version": len(history) + 1,
                    **{
                        f"{p}_{f}": last[f"{p}_{f}"]
                        for p in ("residual", "inherent", "target")
                        for f in ("likelihood", "impact", "score", "band")
                    },
                    "last_reviewed_on": last["reviewed_on"],
                    "next_review_due": last["next_review_due"],
                    "created_at": history[0]["created_at"],
                    "created_by": who,
                    "updated_at": closed_at or last["created_at"],
                    "updated_by": who,
                }
            )
            for _ in range(spec.actions_per_risk):
                action_id += 1
                status = ACTION_STATUSES[rng.randrange(len(ACTION_STATUSES))]
                due_on = today + timedelta(days=rng.randrange(-120, 400))
                completed_on = today - timedelta(days=rng.randrange(1, 90)) if status == "done" else None
                recorded_on = today - timedelta(days=rng.randrange(90, 200))
                actions.append(
                    {
                        "id": action_id,
                        "risk_id": risk_id,
                        "description": f"Action {action_id}: retender the supplier contract and test the fallback",
                        "owner": f"Officer {rng.randrange(1, 40)}",
                        "due_on": due_on,
                        "status": status,
                        "completed_on": completed_on,
                        "version": 1,
                        "created_at": now,
                        "created_by": who,
                        "updated_at": now,
                        "updated_by": who,
                    }
                )
                action_events.append(
                    {
                        "id": action_id,
                        "action_id": action_id,
                        "effective_on": completed_on or recorded_on,
                        "status": status,
                        "due_on": due_on,
                        "recorded_at": now,
                        "recorded_by": who,
                    }
                )
                if status in ("in_progress", "done"):
                    notes.append(
                        {
                            "id": action_id,
                            "action_id": action_id,
                            "noted_on": recorded_on + timedelta(days=30),
                            "note": "Specification drafted; three suppliers invited to quote.",
                            "created_at": now,
                            "created_by": who,
                        }
                    )
            if len(risks) >= BATCH:
                yield (
                    (services if first else []),
                    risks,
                    controls,
                    reviews,
                    events,
                    actions,
                    action_events,
                    notes,
                )
                first = False
                risks, controls, reviews, events, actions, action_events, notes = [], [], [], [], [], [], []
    if risks or first:
        yield (services if first else []), risks, controls, reviews, events, actions, action_events, notes


def fill(engine: Engine, spec: Spec, today: date) -> str:
    """Insert the data set into the migrated database behind `engine`; return an admin token."""
    from app.access.principal import SYSTEM, Role
    from app.access.tokens import create_token
    from app.db import transaction
    from app.models import (
        Action,
        ActionEvent,
        ActionProgress,
        ControlMeasure,
        Review,
        Risk,
        RiskStatusEvent,
        Service,
    )

    models = (Service, Risk, ControlMeasure, Review, RiskStatusEvent, Action, ActionEvent, ActionProgress)
    tables = [t.__table__ for t in models]  # type: ignore[attr-defined]
    with engine.begin() as conn:
        for batch in _rows(spec, today):
            for table, rows in zip(tables, batch, strict=True):
                for i in range(0, len(rows), BATCH):
                    if rows[i : i + BATCH]:
                        conn.execute(table.insert(), rows[i : i + BATCH])
        if engine.dialect.name == "postgresql":  # explicit ids: move the sequences on
            for table in (
                "service",
                "risk",
                "control_measure",
                "review",
                "risk_status_event",
                "action",
                "action_event",
                "action_progress",
            ):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                )
    with transaction(engine) as session:
        _, secret = create_token(session, SYSTEM, name="bench-admin", role=Role.ADMIN)
    if engine.dialect.name == "postgresql":
        # What a database filled over time looks like: statistics and the visibility map that
        # index-only scans rely on (the local server runs with autovacuum off).
        with engine.connect() as conn:
            autocommit = conn.execution_options(isolation_level="AUTOCOMMIT")
            autocommit.exec_driver_sql("VACUUM ANALYZE")
    else:
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
    return secret


def sqlite_dataset(name: str, today: date, *, work: Path) -> Built:
    """A private copy (under `work`) of the cached SQLite data set `name`, built if missing."""
    from app.config import Settings
    from app.db import make_engine
    from app.migrations import upgrade

    spec = SPECS[name]
    DATA_DIR.mkdir(exist_ok=True)
    key = f"{name}-v{FORMAT_VERSION}"
    cached = DATA_DIR / f"{key}.sqlite3"
    meta = DATA_DIR / f"{key}.json"
    seconds = 0.0
    if not (cached.exists() and meta.exists()):
        for old in DATA_DIR.glob(f"{name}-*"):
            old.unlink()
        started = clock.perf_counter()
        tmp = DATA_DIR / f"{key}.building.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{tmp}{suffix}").unlink(missing_ok=True)
        engine = make_engine(Settings(database_url=f"sqlite:///{tmp}", sqlite_synchronous="NORMAL"))
        try:
            upgrade(engine)
            token = fill(engine, spec, today)
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            engine.dispose()
        tmp.rename(cached)
        seconds = clock.perf_counter() - started
        meta.write_text(json.dumps({"token": token, "build_seconds": seconds}))
    token = json.loads(meta.read_text())["token"]
    work.mkdir(parents=True, exist_ok=True)
    target = work / f"{name}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(cached, target)
    # A data set cached before a new migration is brought up to date on the copy.
    engine = make_engine(Settings(database_url=f"sqlite:///{target}"))
    try:
        upgrade(engine)
        appetite_and_escalations(engine, spec, today)
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
    finally:
        engine.dispose()
    return Built(f"sqlite:///{target}", token, seconds, spec)


def postgres_dataset(url: str, name: str, today: date) -> Built:
    """Fill the (fresh, migrated) PostgreSQL database at `url` with the data set `name`."""
    from app.config import Settings
    from app.db import make_engine
    from app.migrations import upgrade

    spec = SPECS[name]
    started = clock.perf_counter()
    engine = make_engine(Settings(database_url=url))
    try:
        upgrade(engine)
        token = fill(engine, spec, today)
        appetite_and_escalations(engine, spec, today)
        with engine.connect() as conn:  # statistics for the categories just written
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
    finally:
        engine.dispose()
    return Built(url, token, clock.perf_counter() - started, spec)


#: The bench's appetite statement: a council's mix of levels over the Orange Book categories
#: (about 38 % of uniformly scored risks lie above it on the 4x4).
APPETITE = {
    "strategy": "open",
    "governance": "cautious",
    "operations": "cautious",
    "legal": "minimal",
    "property": "cautious",
    "financial": "minimal",
    "commercial": "open",
    "people": "cautious",
    "technology": "cautious",
    "information": "minimal",
    "security": "averse",
    "project": "open",
    "reputational": "cautious",
}
ESCALATED = 200


def appetite_and_escalations(engine: Engine, spec: Spec, today: date) -> None:
    """On a copy of a data set (once): every risk gets an Orange Book category (by id), an
    appetite statement is approved, and 200 open risks spread over the services are escalated
    (the corporate register's rows). Written with Core, as `fill` writes the rest."""
    import sqlalchemy as sa

    from app.models import AppetiteStatement, EscalationDecision, Risk, table_of
    from app.scoring import ORANGE_BOOK, default_matrix

    risk, statement, decision = (table_of(m) for m in (Risk, AppetiteStatement, EscalationDecision))
    matrix = default_matrix()
    with engine.begin() as conn:
        if conn.execute(sa.select(sa.func.count()).select_from(statement)).scalar_one():
            return
        category = sa.case(
            *((risk.c.id % len(ORANGE_BOOK) == i, name) for i, name in enumerate(ORANGE_BOOK)),
        )
        conn.execute(risk.update().where(risk.c.category.is_(None)).values(category=category))
        conn.execute(
            statement.insert(),
            {
                "version": 1,
                "approved_by": "Audit Committee",
                "approved_on": today - timedelta(days=200),
                "categories": [
                    {"category": c, "level": level, "max_score": matrix.appetite_limit(level)}
                    for c, level in APPETITE.items()
                ],
                "recorded_at": datetime.now(UTC),
                "recorded_by": "bench",
            },
        )
        open_risks = conn.execute(
            sa.select(risk.c.id, risk.c.opened_on).where(risk.c.status == "open").order_by(risk.c.id)
        ).all()
        chosen = open_risks[:: max(1, len(open_risks) // ESCALATED)][:ESCALATED]
        conn.execute(
            decision.insert(),
            [
                {
                    "risk_id": risk_id,
                    "kind": "escalate",
                    "decided_on": max(opened_on, today - timedelta(days=90)),
                    "superseded_on": None,
                    "reason": "Very High at its last two reviews; affects several services.",
                    "recorded_at": datetime.now(UTC),
                    "recorded_by": "bench",
                }
                for risk_id, opened_on in chosen
            ],
        )
