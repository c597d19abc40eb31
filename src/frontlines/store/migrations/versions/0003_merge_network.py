"""One event, many sources: near-duplicate appearances, event clusters, merges, discrepancies.

Hand-written to match frontlines/store/schema.py exactly (tests compare them).

Revision ID: 0003
Revises: 0002
Create Date: 2025-03-01
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = 255


def upgrade() -> None:
    op.create_table(
        "appearances",
        sa.Column("doc_id", sa.String(ID), nullable=False),
        sa.Column("duplicate_of", sa.String(ID), nullable=False),
        sa.Column("similarity", sa.Float(), nullable=False),
        sa.Column("method", sa.String(64), nullable=True),
        sa.Column("detected_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["doc_id"], ["documents.id"], name="fk_appearances_doc_id_documents", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["duplicate_of"], ["documents.id"], name="fk_appearances_duplicate_of_documents", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("doc_id", name="pk_appearances"),
    )
    op.create_index("ix_appearances_duplicate_of", "appearances", ["duplicate_of"])

    op.create_table(
        "event_clusters",
        sa.Column("event_id", sa.String(ID), nullable=False),
        sa.Column("cluster_id", sa.String(ID), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("assigned_by", sa.String(ID), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name="fk_event_clusters_event_id_events", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("event_id", name="pk_event_clusters"),
    )
    op.create_index("ix_event_clusters_cluster_id", "event_clusters", ["cluster_id"])

    op.create_table(
        "merges",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("cluster_id", sa.String(ID), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("event_ids", sa.JSON(), nullable=False),
        sa.Column("apart_from", sa.JSON(), nullable=True),
        sa.Column("reason", sa.JSON(), nullable=True),
        sa.Column("merged_by", sa.String(ID), nullable=True),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_merges"),
    )
    op.create_index("ix_merges_cluster_id", "merges", ["cluster_id"])

    op.create_table(
        "discrepancies",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("cluster_id", sa.String(ID), nullable=False),
        sa.Column("field", sa.String(64), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("kept", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_discrepancies"),
    )
    op.create_index("ix_discrepancies_cluster_id", "discrepancies", ["cluster_id"])


def downgrade() -> None:
    op.drop_index("ix_discrepancies_cluster_id", table_name="discrepancies")
    op.drop_table("discrepancies")
    op.drop_index("ix_merges_cluster_id", table_name="merges")
    op.drop_table("merges")
    op.drop_index("ix_event_clusters_cluster_id", table_name="event_clusters")
    op.drop_table("event_clusters")
    op.drop_index("ix_appearances_duplicate_of", table_name="appearances")
    op.drop_table("appearances")
