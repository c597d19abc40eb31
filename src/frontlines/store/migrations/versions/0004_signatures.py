"""Stored MinHash signatures: near-duplicate detection hashes only new or changed documents.

Hand-written to match frontlines/store/schema.py exactly (tests compare them).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = 255


def upgrade() -> None:
    op.create_table(
        "document_signatures",
        sa.Column("doc_id", sa.String(ID), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("method", sa.String(64), nullable=False),
        sa.Column("hashvalues", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["doc_id"], ["documents.id"], name="fk_document_signatures_doc_id_documents", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("doc_id", name="pk_document_signatures"),
    )


def downgrade() -> None:
    op.drop_table("document_signatures")
