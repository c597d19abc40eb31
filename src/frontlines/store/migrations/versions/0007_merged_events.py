"""The merged view, materialised: one row per real-world event (store/merged.py).

Hand-written to match frontlines/store/schema.py exactly (tests compare them). The table is filled
by `Store` right after the upgrade (`merged.ensure_built`): building it needs the merge rules in
frontlines.merge, which a migration should not import.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = 255


def upgrade() -> None:
    op.create_table(
        "merged_events",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("cluster_id", sa.String(ID), nullable=False),
        sa.Column("view", sa.Integer(), nullable=False),
        sa.Column("shown", sa.Boolean(), nullable=False),
        sa.Column("shown_all", sa.Boolean(), nullable=False),
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("date_key", sa.String(10), nullable=False),
        sa.Column("event_id_cnty", sa.String(32), nullable=True),
        sa.Column("event_date", sa.Date(), nullable=True),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("sub_event_type", sa.String(64), nullable=True),
        sa.Column("actor1", sa.Text(), nullable=True),
        sa.Column("actor2", sa.Text(), nullable=True),
        sa.Column("location", sa.Text(), nullable=True),
        sa.Column("admin1", sa.String(ID), nullable=True),
        sa.Column("admin2", sa.Text(), nullable=True),
        sa.Column("admin3", sa.Text(), nullable=True),
        sa.Column("country", sa.Text(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("merc_x", sa.Float(), nullable=True),
        sa.Column("merc_y", sa.Float(), nullable=True),
        sa.Column("geo_precision", sa.Integer(), nullable=True),
        sa.Column("fatalities", sa.Integer(), nullable=False),
        sa.Column("hedged", sa.Boolean(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("review_state", sa.String(32), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("n_reports", sa.Integer(), nullable=False),
        sa.Column("actor_ids", sa.Text(), nullable=False),
        sa.Column("doc_ids", sa.Text(), nullable=False),
        sa.Column("actor_names", sa.Text(), nullable=False),
        sa.Column("search", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("pk", name="pk_merged_events"),
        sa.UniqueConstraint("cluster_id", "view", name="uq_merged_events_cluster_id_view"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_merged_events_id", "merged_events", ["id"])
    op.create_index("ix_merged_events_event_type", "merged_events", ["event_type"])
    op.create_index("ix_merged_events_admin1", "merged_events", ["admin1"])
    op.create_index("ix_merged_events_geo_precision", "merged_events", ["geo_precision"])
    op.create_index("ix_merged_events_shown_fatalities", "merged_events", ["shown", "fatalities", "date_key", "id"])
    op.create_index("ix_merged_events_review_state", "merged_events", ["review_state"])
    op.create_index("ix_merged_events_shown_date", "merged_events", ["shown", "date_key", "id"])
    op.create_index("ix_merged_events_shown_all_date", "merged_events", ["shown_all", "date_key", "id"])
    op.create_index("ix_merged_events_map", "merged_events", ["shown", "geo_precision", "merc_x", "merc_y", "event_type",
                                                              "fatalities", "latitude", "longitude", "id"])
    op.create_index("ix_merged_events_timeline", "merged_events", ["shown", "date_key", "event_type"])
    op.create_index("ix_merged_events_actors", "merged_events", ["shown", "actor_ids", "date_key"])
    op.create_index("ix_merged_events_latitude_longitude", "merged_events", ["latitude", "longitude"])
    op.create_table(
        "merged_event_data",
        sa.Column("cluster_id", sa.String(ID), nullable=False),
        sa.Column("view", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("cluster_id", "view", name="pk_merged_event_data"),
    )


def downgrade() -> None:
    op.drop_table("merged_event_data")
    op.drop_table("merged_events")
