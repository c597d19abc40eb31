"""Ids, outlets and names are TEXT: the same values are accepted on SQLite and PostgreSQL.

They were VARCHAR(255): SQLite never enforced the length, PostgreSQL refused a longer value ("value
too long"), so an article with a long id or outlet was stored on one backend and failed on the other.
Bounds that matter are checked by the store itself, alike on both (`frontlines.store.limits`).
On SQLite each table is rebuilt in batch mode (copy and rename), on PostgreSQL the columns are
altered in place (VARCHAR to TEXT rewrites nothing).

Hand-written to match frontlines/store/schema.py exactly (tests compare them).

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

# table -> its columns that were VARCHAR(255), and whether each may be NULL
COLUMNS: dict[str, dict[str, bool]] = {
    "documents": {"id": False, "outlet": True},
    "removed_spans": {"doc_id": False},
    "actors": {"id": False},
    "actor_aliases": {"actor_id": False},
    "places": {"id": False},
    "events": {"id": False, "actor1_id": True, "actor2_id": True, "place_id": True},
    "event_sources": {"event_id": False, "doc_id": False},
    "relations": {"id": False, "source_id": False, "target_id": False, "doc_id": True},
    "reviews": {"entity_id": False, "who": True},
    "api_tokens": {"name": False},
    "actor_redirects": {"from_id": False, "to_id": False, "who": True},
    "appearances": {"doc_id": False, "duplicate_of": False},
    "event_clusters": {"event_id": False, "cluster_id": False, "assigned_by": True},
    "merges": {"cluster_id": False, "merged_by": True},
    "discrepancies": {"cluster_id": False},
    "document_signatures": {"doc_id": False},
}


def _change(old: sa.types.TypeEngine, new: sa.types.TypeEngine) -> None:
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for column, nullable in columns.items():
                batch.alter_column(column, existing_type=old, type_=new, existing_nullable=nullable)


def upgrade() -> None:
    _change(sa.String(length=255), sa.Text())


def downgrade() -> None:
    _change(sa.Text(), sa.String(length=255))
