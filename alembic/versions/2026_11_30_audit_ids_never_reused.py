"""audit_event ids never reused; no insert at or below the head; REPLACE cannot delete

SQLite reuses the largest rowid once its row is gone, so a trail cut at its tail could
be continued with the same ids; the table is rebuilt with AUTOINCREMENT (every row and
the append-only triggers kept). PostgreSQL's serial sequence never hands out an id
twice already. On both engines a trigger refuses an entry whose id is at or below the
newest one; on SQLite another refuses an insert whose id or hash is already taken
before `INSERT OR REPLACE`/`REPLACE` could delete the entry holding it (that deletion
fires no delete trigger).

Revision ID: a7d3e5f19c20
Revises: 5c1f0e7a9d42
Create Date: 2026-11-30 02:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "a7d3e5f19c20"
down_revision: str | None = "5c1f0e7a9d42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_APPEND_ONLY_SQLITE = (
    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
)
# BEFORE, so that a REPLACE is refused before it deletes the entry it collides with.
# NEW.id is -1 here when the database is to choose the id, which no entry holds.
_NO_OVERWRITE_SQLITE = (
    "CREATE TRIGGER audit_event_no_overwrite BEFORE INSERT ON audit_event "
    "WHEN EXISTS (SELECT 1 FROM audit_event WHERE id = NEW.id OR hash = NEW.hash) "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: an entry with this id or hash exists'); END"
)
# AFTER, where NEW.id is the id the entry really got.
_IDS_ASCEND_SQLITE = (
    "CREATE TRIGGER audit_event_ids_ascend AFTER INSERT ON audit_event "
    "WHEN NEW.id < 1 OR EXISTS (SELECT 1 FROM audit_event WHERE id > NEW.id) "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: an entry id at or below the head'); END"
)
_IDS_ASCEND_POSTGRES = (
    "CREATE FUNCTION audit_event_ids_ascend() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN "
    "IF NEW.id < 1 OR EXISTS (SELECT 1 FROM audit_event WHERE id >= NEW.id) THEN "
    "RAISE EXCEPTION 'audit_event is append-only: entry id % is at or below the head', NEW.id; "
    "END IF; RETURN NEW; END $$",
    "CREATE TRIGGER audit_event_ids_ascend BEFORE INSERT ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_ids_ascend()",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in _IDS_ASCEND_POSTGRES:
            op.execute(statement)
        return
    _rebuild_sqlite(autoincrement=True)
    for statement in (*_APPEND_ONLY_SQLITE, _NO_OVERWRITE_SQLITE, _IDS_ASCEND_SQLITE):
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_event_ids_ascend ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_event_ids_ascend()")
        return
    op.execute("DROP TRIGGER IF EXISTS audit_event_ids_ascend")
    op.execute("DROP TRIGGER IF EXISTS audit_event_no_overwrite")
    _rebuild_sqlite(autoincrement=False)
    op.execute("DELETE FROM sqlite_sequence WHERE name = 'audit_event'")
    for statement in _APPEND_ONLY_SQLITE:
        op.execute(statement)


def _rebuild_sqlite(*, autoincrement: bool) -> None:
    """Copy the table into one made with (or without) AUTOINCREMENT, every row and index kept."""
    # The copy drops the old table, and its triggers with it; they are made again after.
    op.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
    op.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
    with op.batch_alter_table(
        "audit_event", recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
    ):
        pass
