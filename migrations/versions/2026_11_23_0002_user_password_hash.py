"""user password hash

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

A nullable argon2id password hash on users, for signing in to the web pages. People
without one keep working through API tokens. Reviewed by hand after autogenerate.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A nullable column without a default: an ALTER TABLE ... ADD COLUMN on SQLite and
    # on PostgreSQL alike, with no table rewrite.
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("password_hash", sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("password_hash")
