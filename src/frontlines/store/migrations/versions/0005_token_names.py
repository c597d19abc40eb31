"""Token names are unique (each is the `who` of an audit trail, so two tokens must not share one).

Hand-written to match frontlines/store/schema.py exactly (tests compare them). Stores that already
hold several tokens under one name keep the oldest name as is and rename the others "<name> #<id>".

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "UPDATE api_tokens SET name = name || ' #' || CAST(id AS VARCHAR(20)) "
        "WHERE id NOT IN (SELECT MIN(t.id) FROM api_tokens t GROUP BY t.name)"
    )
    with op.batch_alter_table("api_tokens") as batch:
        batch.create_unique_constraint("uq_api_tokens_name", ["name"])


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_constraint("uq_api_tokens_name", type_="unique")
