"""drop risk_band_count: the list counts its risks off the risk table's own index

The table, kept by triggers on `risk`, saved about a millisecond on the total of the
audit list at 100,000 risks, at the cost of dialect-specific trigger SQL and a lock taken
in key order by every batched review. The count reads the index on (status,
residual_band, residual_score) instead. Downgrade recreates the table, its index and
triggers (as 2026_11_23_risk_band_count made them) and fills the counts from `risk`.

Revision ID: 9d2e4b7c1a60
Revises: a7d3e5f19c20
Create Date: 2026-11-30 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9d2e4b7c1a60"
down_revision: str | None = "a7d3e5f19c20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The triggers of 2026_11_23_risk_band_count, for the downgrade (a migration is history:
# it keeps its own copy rather than import another revision's module).
_KEY = "(status, residual_band, service_id)"
_ADD_NEW = (
    "INSERT INTO risk_band_count (status, residual_band, service_id, risks) "
    "VALUES (NEW.status, coalesce(NEW.residual_band, ''), NEW.service_id, 1) "
    f"ON CONFLICT {_KEY} DO UPDATE SET risks = risk_band_count.risks + 1"
)
_REMOVE_OLD = (
    "UPDATE risk_band_count SET risks = risks - 1 WHERE status = OLD.status "
    "AND residual_band = coalesce(OLD.residual_band, '') AND service_id = OLD.service_id"
)
_CHANGED = (
    "OLD.status IS NOT NEW.status OR OLD.residual_band IS NOT NEW.residual_band "
    "OR OLD.service_id IS NOT NEW.service_id"
)
SQLITE_TRIGGERS = (
    f"CREATE TRIGGER risk_band_count_insert AFTER INSERT ON risk BEGIN {_ADD_NEW}; END",
    f"CREATE TRIGGER risk_band_count_delete AFTER DELETE ON risk BEGIN {_REMOVE_OLD}; END",
    "CREATE TRIGGER risk_band_count_update AFTER UPDATE OF status, residual_band, service_id ON risk "
    f"WHEN {_CHANGED} BEGIN {_REMOVE_OLD}; {_ADD_NEW}; END",
)
POSTGRES_TRIGGERS = (
    "CREATE FUNCTION risk_band_count_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN "
    f"IF TG_OP = 'INSERT' THEN {_ADD_NEW}; "
    f"ELSIF TG_OP = 'DELETE' THEN {_REMOVE_OLD}; "
    "ELSE "
    "INSERT INTO risk_band_count AS c (status, residual_band, service_id, risks) "
    "SELECT s, b, v, d FROM (VALUES "
    "(OLD.status::text, coalesce(OLD.residual_band, '')::text, OLD.service_id, -1), "
    "(NEW.status::text, coalesce(NEW.residual_band, '')::text, NEW.service_id, 1)"
    ") AS moved (s, b, v, d) ORDER BY s, b, v "
    f"ON CONFLICT {_KEY} DO UPDATE SET risks = c.risks + excluded.risks; "
    "END IF; "
    "RETURN NULL; "
    "END $$",
    "CREATE TRIGGER risk_band_count_insert_delete AFTER INSERT OR DELETE ON risk "
    "FOR EACH ROW EXECUTE FUNCTION risk_band_count_change()",
    "CREATE TRIGGER risk_band_count_update AFTER UPDATE OF status, residual_band, service_id ON risk "
    f"FOR EACH ROW WHEN ({_CHANGED.replace('IS NOT', 'IS DISTINCT FROM')}) "
    "EXECUTE FUNCTION risk_band_count_change()",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("risk_band_count_insert", "risk_band_count_delete", "risk_band_count_update"):
            op.execute(f"DROP TRIGGER {name}")
    else:
        op.execute("DROP TRIGGER risk_band_count_insert_delete ON risk")
        op.execute("DROP TRIGGER risk_band_count_update ON risk")
        op.execute("DROP FUNCTION risk_band_count_change()")
    op.drop_index("ix_risk_band_count_total", table_name="risk_band_count")
    op.drop_table("risk_band_count")


def downgrade() -> None:
    op.create_table(
        "risk_band_count",
        sa.Column("status", sa.String(length=6), nullable=False),
        sa.Column("residual_band", sa.String(length=40), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("risks", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["service_id"], ["service.id"]),
        sa.PrimaryKeyConstraint("status", "residual_band", "service_id"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_risk_band_count_total", "risk_band_count", ["status", "residual_band", "risks"])
    op.execute(
        "INSERT INTO risk_band_count (status, residual_band, service_id, risks) "
        "SELECT status, coalesce(residual_band, ''), service_id, count(*) FROM risk "
        "GROUP BY status, coalesce(residual_band, ''), service_id"
    )
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in SQLITE_TRIGGERS if sqlite else POSTGRES_TRIGGERS:
        op.execute(statement)
