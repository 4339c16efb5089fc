"""The plan-import workload: a 300-risk Word (.docx) plan imported into an empty register.

The plan is the full-register shape of the samples (ref with a strategic alias on every
tenth row, nature of risk, consequence, control measures as a paragraph, response, a
published rating), its title over three lines, the risk table one Word table with a row
broken over a page every 25 rows; built with python-docx, as the tests build theirs.
Each sample imports it for real (parse, create 300 risks with their published rating as
first review, controls, audit trail, commit) into a freshly migrated SQLite database.
"""

from __future__ import annotations

import io
import time
from datetime import date
from pathlib import Path

RISKS = 300
_RATINGS = ("Low \u2013 4", "Medium - 6", "High \u2013 8", "Very High - 12", "Low - 2")


def plan_docx(risks: int = RISKS) -> bytes:
    """A service plan of `risks` risks as a Word document."""
    import docx

    document = docx.Document()
    for line in ("BENCHMARK SERVICES", "SERVICE PLAN", "2021 - 2024"):
        document.add_paragraph(line)
    header = [
        "Ref",
        "Nature of Risk",
        "Consequence",
        "Control Measures",
        "Response (tolerate, treat, terminate, transfer)",
        "Risk Rating (combination of likelihood and impact)",
    ]
    rows: list[list[str]] = []
    for n in range(1, risks + 1):
        ref = f"BS{n:03d}" + (f"/ ST{n // 10:02d}" if n % 10 == 0 else "")
        rows.append(
            [
                ref,
                f"Failure of service process number {n} to meet its targets",
                f"Loss of service {n} to residents, complaints and reputational damage",
                f"Quarterly monitoring of process {n}; trained deputy in place, procedure notes kept up to date; "
                "internal audit every two years",
                "Treat",
                _RATINGS[n % len(_RATINGS)],
            ]
        )
        if n % 25 == 0:  # a row broken over a page: its continuation row
            rows.append(["", "", "", "Business continuity plan tested annually", "", ""])
    table = document.add_table(rows=len(rows) + 1, cols=len(header))
    for r, cells in enumerate([header, *rows]):
        for c, text in enumerate(cells):
            table.cell(r, c).text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def import_seconds(work: Path, raw: bytes, today: date) -> float:
    """Seconds to import `raw` for real into a new, migrated SQLite register under `work`."""
    from app.access.principal import SYSTEM
    from app.config import Settings
    from app.db import make_engine, transaction
    from app.importer.load import import_document
    from app.migrations import upgrade
    from app.scoring import default_matrix

    path = work / "plan-import.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    engine = make_engine(Settings(database_url=f"sqlite:///{path}"))
    try:
        upgrade(engine)
        started = time.perf_counter()
        with transaction(engine) as session:
            result = import_document(
                session, SYSTEM, default_matrix(), raw, today=today, interval_months=6, source="plan.docx"
            )
        elapsed = time.perf_counter() - started
    finally:
        engine.dispose()
    if result.created != RISKS:
        raise RuntimeError(f"the plan imported {result.created} risks, not {RISKS}")
    return elapsed
