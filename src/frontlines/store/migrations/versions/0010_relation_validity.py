"""Relations keep when they hold and where they came from: the precision of their date, the day the text
says they had ended (`valid_until`: "formerly", "no longer"), and for clashes derived from Battles events
the number of events and the last one's date; `rule` names the pattern or cue kind that found them.

Relations stored before this revision have NULLs (no precision, open validity) until their document is
processed again.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("relations") as batch:
        batch.add_column(sa.Column("date_precision", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("valid_until", sa.Date(), nullable=True))
        batch.add_column(sa.Column("n_events", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("last_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("rule", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("relations") as batch:
        for col in ("rule", "last_date", "n_events", "valid_until", "date_precision"):
            batch.drop_column(col)
