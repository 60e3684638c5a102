"""alerts

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23

Stalled-work and SLA alerts: SLA policies, alerts (at most one open or acknowledged per
subject and kind, by a partial unique index), the card stay history the scan measures
time in column from (back-filled with each card's current stay), the column flag that
pauses the SLA clock, and the board's alert thresholds. Reviewed by hand after
autogenerate.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "sla_policies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("board_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("product", sa.String(length=100), nullable=True),
        sa.Column("channel", sa.String(length=10), nullable=True),
        sa.Column("priority", sa.String(length=10), nullable=True),
        sa.Column("frt_seconds", sa.Integer(), nullable=True),
        sa.Column("ttr_seconds", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["board_id"],
            ["boards.id"],
            name=op.f("fk_sla_policies_board_id_boards"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_policies")),
    )
    with op.batch_alter_table("sla_policies", schema=None) as batch_op:
        batch_op.create_index("ix_sla_policies_board_id", ["board_id"], unique=False)

    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("board_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=40), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=True),
        sa.Column("column_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=15), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_by", sa.Integer(), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.Integer(), nullable=True),
        sa.Column("data", _JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["acknowledged_by"],
            ["users.id"],
            name=op.f("fk_alerts_acknowledged_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["board_id"], ["boards.id"], name=op.f("fk_alerts_board_id_boards"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["card_id"], ["cards.id"], name=op.f("fk_alerts_card_id_cards"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["column_id"],
            ["board_columns.id"],
            name=op.f("fk_alerts_column_id_board_columns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by"],
            ["users.id"],
            name=op.f("fk_alerts_resolved_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_alerts_subject_kind_state",
            ["subject", "kind", "state", "raised_at"],
            unique=False,
        )
        batch_op.create_index("ix_alerts_board_id_state", ["board_id", "state"], unique=False)
        batch_op.create_index("ix_alerts_card_id", ["card_id"], unique=False)
        batch_op.create_index("ix_alerts_kind_state", ["kind", "state"], unique=False)
        batch_op.create_index(
            "uq_alerts_active_subject_kind",
            ["subject", "kind"],
            unique=True,
            sqlite_where=sa.text("state IN ('open', 'acknowledged')"),
            postgresql_where=sa.text("state IN ('open', 'acknowledged')"),
        )

    op.create_table(
        "card_stays",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("column_id", sa.Integer(), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["card_id"], ["cards.id"], name=op.f("fk_card_stays_card_id_cards"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["column_id"],
            ["board_columns.id"],
            name=op.f("fk_card_stays_column_id_board_columns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_stays")),
    )
    with op.batch_alter_table("card_stays", schema=None) as batch_op:
        batch_op.create_index("ix_card_stays_card_id_left_at", ["card_id", "left_at"], unique=False)
        batch_op.create_index(
            "ix_card_stays_column_id_left_at", ["column_id", "left_at"], unique=False
        )

    with op.batch_alter_table("board_columns", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("waits_on_customer", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("over_limit_since", sa.DateTime(timezone=True), nullable=True)
        )

    with op.batch_alter_table("boards", schema=None) as batch_op:
        batch_op.add_column(sa.Column("blocked_alert_seconds", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("swarm_answer_seconds", sa.Integer(), nullable=True))

    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.add_column(sa.Column("blocked_since", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("sla_policy_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("waiting_seconds", sa.Float(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("first_response_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(
            "ix_cards_awaiting_response",
            ["sla_policy_id", "created_at"],
            unique=False,
            sqlite_where=sa.text("first_response_at IS NULL"),
            postgresql_where=sa.text("first_response_at IS NULL"),
        )
        batch_op.create_index("ix_cards_blocked_since", ["blocked_since"], unique=False)
        batch_op.create_index(
            "ix_cards_column_id_column_entered_at", ["column_id", "column_entered_at"], unique=False
        )
        batch_op.create_index(
            "ix_cards_sla_policy_id_created_at", ["sla_policy_id", "created_at"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_cards_sla_policy_id_sla_policies"),
            "sla_policies",
            ["sla_policy_id"],
            ["id"],
            ondelete="SET NULL",
        )

    # Existing data: boards get the default alert thresholds, every card its current
    # stay, and blocked cards count as blocked since their last change.
    op.execute("UPDATE boards SET blocked_alert_seconds = 14400, swarm_answer_seconds = 1800")
    op.execute(
        "INSERT INTO card_stays (card_id, column_id, entered_at) "
        "SELECT id, column_id, column_entered_at FROM cards"
    )
    op.execute("UPDATE cards SET blocked_since = updated_at WHERE blocked")
    op.execute(
        "UPDATE cards SET first_response_at = created_at WHERE column_id IN "
        "(SELECT id FROM board_columns WHERE stage <> 'backlog')"
    )


def downgrade() -> None:
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_cards_sla_policy_id_sla_policies"), type_="foreignkey"
        )
        batch_op.drop_index("ix_cards_sla_policy_id_created_at")
        batch_op.drop_index("ix_cards_column_id_column_entered_at")
        batch_op.drop_index(
            "ix_cards_awaiting_response",
            sqlite_where=sa.text("first_response_at IS NULL"),
            postgresql_where=sa.text("first_response_at IS NULL"),
        )
        batch_op.drop_index("ix_cards_blocked_since")
        batch_op.drop_column("sla_policy_id")
        batch_op.drop_column("first_response_at")
        batch_op.drop_column("waiting_seconds")
        batch_op.drop_column("blocked_since")

    with op.batch_alter_table("boards", schema=None) as batch_op:
        batch_op.drop_column("swarm_answer_seconds")
        batch_op.drop_column("blocked_alert_seconds")

    with op.batch_alter_table("board_columns", schema=None) as batch_op:
        batch_op.drop_column("over_limit_since")
        batch_op.drop_column("waits_on_customer")

    with op.batch_alter_table("card_stays", schema=None) as batch_op:
        batch_op.drop_index("ix_card_stays_column_id_left_at")
        batch_op.drop_index("ix_card_stays_card_id_left_at")

    op.drop_table("card_stays")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_alerts_active_subject_kind",
            sqlite_where=sa.text("state IN ('open', 'acknowledged')"),
            postgresql_where=sa.text("state IN ('open', 'acknowledged')"),
        )
        batch_op.drop_index("ix_alerts_kind_state")
        batch_op.drop_index("ix_alerts_card_id")
        batch_op.drop_index("ix_alerts_subject_kind_state")
        batch_op.drop_index("ix_alerts_board_id_state")

    op.drop_table("alerts")
    with op.batch_alter_table("sla_policies", schema=None) as batch_op:
        batch_op.drop_index("ix_sla_policies_board_id")

    op.drop_table("sla_policies")
