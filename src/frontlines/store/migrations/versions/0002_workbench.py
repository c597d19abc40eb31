"""Workbench: reviewed fields on events, API tokens, actor redirects (merges that survive re-runs).

Hand-written to match frontlines/store/schema.py exactly (tests compare them).

Revision ID: 0002
Revises: 0001
Create Date: 2025-02-01
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = 255


def upgrade() -> None:
    op.add_column("events", sa.Column("reviewed_fields", sa.JSON(), nullable=True))

    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(ID), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),
    )

    op.create_table(
        "actor_redirects",
        sa.Column("from_id", sa.String(ID), nullable=False),
        sa.Column("to_id", sa.String(ID), nullable=False),
        sa.Column("who", sa.String(ID), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["to_id"], ["actors.id"], name="fk_actor_redirects_to_id_actors", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("from_id", name="pk_actor_redirects"),
    )


def downgrade() -> None:
    op.drop_table("actor_redirects")
    op.drop_table("api_tokens")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("reviewed_fields")
