"""initial register schema: services, risks, control measures, reviews, tokens, audit trail

The audit trail is append-only: triggers refuse UPDATE and DELETE on audit_event
(and TRUNCATE on PostgreSQL).

Revision ID: f0c2a882990f
Revises:
Create Date: 2026-11-23 01:25:44.601115
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "f0c2a882990f"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


AUDIT_GUARD_SQLITE = (
    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
)
AUDIT_GUARD_POSTGRES = (
    "CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'audit_event is append-only'; END $$",
    "CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
    "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()",
)


def _create_audit_guard() -> None:
    dialect = op.get_bind().dialect.name
    for statement in AUDIT_GUARD_POSTGRES if dialect == "postgresql" else AUDIT_GUARD_SQLITE:
        op.execute(statement)


def _drop_audit_guard() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_change ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_event_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")


def upgrade() -> None:

    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_token_token_hash"), ["token_hash"], unique=True)

    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("actor_role", sa.String(length=10), nullable=False),
        sa.Column("request_id", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("entity_type", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.String(length=100), nullable=False),
        sa.Column("service_code", sa.String(length=10), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("hash"),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index("ix_audit_event_actor", ["actor"], unique=False)
        batch_op.create_index("ix_audit_event_entity", ["entity_type", "entity_id"], unique=False)
        batch_op.create_index("ix_audit_event_occurred_at", ["occurred_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_audit_event_service_code"), ["service_code"], unique=False
        )

    op.create_table(
        "service",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_service_code"), ["code"], unique=True)

    op.create_table(
        "risk",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=20), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("consequence", sa.String(), nullable=False),
        sa.Column("owner", sa.String(), nullable=False),
        sa.Column("response", sa.String(length=10), nullable=True),
        sa.Column("status", sa.String(length=6), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("residual_likelihood", sa.Integer(), nullable=True),
        sa.Column("residual_impact", sa.Integer(), nullable=True),
        sa.Column("residual_score", sa.Integer(), nullable=True),
        sa.Column("residual_band", sa.String(length=40), nullable=True),
        sa.Column("inherent_likelihood", sa.Integer(), nullable=True),
        sa.Column("inherent_impact", sa.Integer(), nullable=True),
        sa.Column("inherent_score", sa.Integer(), nullable=True),
        sa.Column("inherent_band", sa.String(length=40), nullable=True),
        sa.Column("target_likelihood", sa.Integer(), nullable=True),
        sa.Column("target_impact", sa.Integer(), nullable=True),
        sa.Column("target_score", sa.Integer(), nullable=True),
        sa.Column("target_band", sa.String(length=40), nullable=True),
        sa.Column("last_reviewed_on", sa.Date(), nullable=True),
        sa.Column("next_review_due", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["service.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("service_id", "ref", name="uq_risk_service_ref"),
    )
    with op.batch_alter_table("risk", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_risk_service_id"), ["service_id"], unique=False)
        batch_op.create_index(
            "ix_risk_status_inherent_score", ["status", "inherent_score"], unique=False
        )
        batch_op.create_index(
            "ix_risk_status_next_review_due", ["status", "next_review_due"], unique=False
        )
        batch_op.create_index(
            "ix_risk_status_residual_score", ["status", "residual_score"], unique=False
        )

    op.create_table(
        "control_measure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("risk_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["risk_id"],
            ["risk.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("risk_id", "position", name="uq_control_measure_position"),
    )
    with op.batch_alter_table("control_measure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_control_measure_risk_id"), ["risk_id"], unique=False)

    op.create_table(
        "review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("risk_id", sa.Integer(), nullable=False),
        sa.Column("reviewed_on", sa.Date(), nullable=False),
        sa.Column("superseded_on", sa.Date(), nullable=True),
        sa.Column("reviewer", sa.String(length=200), nullable=False),
        sa.Column("response", sa.String(length=10), nullable=True),
        sa.Column("controls", sa.JSON(), nullable=False),
        sa.Column("notes", sa.String(), nullable=False),
        sa.Column("residual_likelihood", sa.Integer(), nullable=True),
        sa.Column("residual_impact", sa.Integer(), nullable=True),
        sa.Column("residual_score", sa.Integer(), nullable=True),
        sa.Column("residual_band", sa.String(length=40), nullable=True),
        sa.Column("inherent_likelihood", sa.Integer(), nullable=True),
        sa.Column("inherent_impact", sa.Integer(), nullable=True),
        sa.Column("inherent_score", sa.Integer(), nullable=True),
        sa.Column("inherent_band", sa.String(length=40), nullable=True),
        sa.Column("target_likelihood", sa.Integer(), nullable=True),
        sa.Column("target_impact", sa.Integer(), nullable=True),
        sa.Column("target_score", sa.Integer(), nullable=True),
        sa.Column("target_band", sa.String(length=40), nullable=True),
        sa.Column("previous_score", sa.Integer(), nullable=True),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("next_review_due", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["risk_id"],
            ["risk.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.create_index(
            "ix_review_asof_residual",
            ["residual_score", "reviewed_on", "superseded_on"],
            unique=False,
        )
        batch_op.create_index("ix_review_reviewed_on", ["reviewed_on"], unique=False)
        batch_op.create_index("ix_review_risk_date", ["risk_id", "reviewed_on", "id"], unique=False)
    _create_audit_guard()


def downgrade() -> None:
    _drop_audit_guard()

    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.drop_index("ix_review_risk_date")
        batch_op.drop_index("ix_review_reviewed_on")
        batch_op.drop_index("ix_review_asof_residual")

    op.drop_table("review")
    with op.batch_alter_table("control_measure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_control_measure_risk_id"))

    op.drop_table("control_measure")
    with op.batch_alter_table("risk", schema=None) as batch_op:
        batch_op.drop_index("ix_risk_status_residual_score")
        batch_op.drop_index("ix_risk_status_next_review_due")
        batch_op.drop_index("ix_risk_status_inherent_score")
        batch_op.drop_index(batch_op.f("ix_risk_service_id"))

    op.drop_table("risk")
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_code"))

    op.drop_table("service")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_service_code"))
        batch_op.drop_index("ix_audit_event_occurred_at")
        batch_op.drop_index("ix_audit_event_entity")
        batch_op.drop_index("ix_audit_event_actor")

    op.drop_table("audit_event")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_token_token_hash"))

    op.drop_table("api_token")
