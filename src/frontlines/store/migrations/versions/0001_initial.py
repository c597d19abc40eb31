"""Initial schema: documents, spans, actors, places, events, sources, relations, failures, runs, reviews.

Hand-written to match frontlines/store/schema.py exactly (tests compare them).

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = 255


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("source_path", sa.Text(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("outlet", sa.String(ID), nullable=True),
        sa.Column("published", sa.Date(), nullable=True),
        sa.Column("published_source", sa.String(32), nullable=True),
        sa.Column("published_confidence", sa.Float(), nullable=True),
        sa.Column("published_note", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=True),
        sa.Column("ingested_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_documents"),
    )

    op.create_table(
        "actors",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("acled_name", sa.Text(), nullable=True),
        sa.Column("inter", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(64), nullable=True),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("needs_review", sa.Boolean(), nullable=False),
        sa.Column("pack", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_actors"),
    )

    op.create_table(
        "places",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(64), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("admin1", sa.Text(), nullable=True),
        sa.Column("admin2", sa.Text(), nullable=True),
        sa.Column("admin3", sa.Text(), nullable=True),
        sa.Column("country", sa.Text(), nullable=True),
        sa.Column("iso", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_places"),
    )

    op.create_table(
        "failures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("run_id", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_failures"),
        sa.UniqueConstraint("path", "line", "reason", name="uq_failures_path_line_reason"),
    )

    op.create_table(
        "runs",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("paths", sa.JSON(), nullable=False),
        sa.Column("documents", sa.Integer(), nullable=True),
        sa.Column("events", sa.Integer(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_runs"),
    )

    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("entity", sa.String(32), nullable=False),
        sa.Column("entity_id", sa.String(ID), nullable=False),
        sa.Column("field", sa.String(64), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("who", sa.String(ID), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reviews"),
    )
    op.create_index("ix_reviews_entity_entity_id", "reviews", ["entity", "entity_id"])

    op.create_table(
        "removed_spans",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("doc_id", sa.String(ID), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["doc_id"], ["documents.id"], name="fk_removed_spans_doc_id_documents", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_removed_spans"),
    )
    op.create_index("ix_removed_spans_doc_id", "removed_spans", ["doc_id"])

    op.create_table(
        "actor_aliases",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("actor_id", sa.String(ID), nullable=False),
        sa.Column("alias", sa.Text(), nullable=False),
        sa.Column("normalized", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["actors.id"], name="fk_actor_aliases_actor_id_actors", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_actor_aliases"),
        sa.UniqueConstraint("actor_id", "alias", name="uq_actor_aliases_actor_id_alias"),
    )
    op.create_index("ix_actor_aliases_normalized", "actor_aliases", ["normalized"])

    op.create_table(
        "events",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("event_id_cnty", sa.String(32), nullable=False),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("sub_event_type", sa.String(64), nullable=False),
        sa.Column("event_date", sa.Date(), nullable=True),
        sa.Column("time_precision", sa.Integer(), nullable=False),
        sa.Column("actor1_id", sa.String(ID), nullable=True),
        sa.Column("actor1", sa.Text(), nullable=True),
        sa.Column("actor2_id", sa.String(ID), nullable=True),
        sa.Column("actor2", sa.Text(), nullable=True),
        sa.Column("assoc_actor_1", sa.JSON(), nullable=False),
        sa.Column("assoc_actor_1_ids", sa.JSON(), nullable=False),
        sa.Column("assoc_actor_2", sa.JSON(), nullable=False),
        sa.Column("assoc_actor_2_ids", sa.JSON(), nullable=False),
        sa.Column("inter1", sa.Integer(), nullable=True),
        sa.Column("inter2", sa.Integer(), nullable=True),
        sa.Column("place_id", sa.String(ID), nullable=True),
        sa.Column("location", sa.Text(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("admin1", sa.Text(), nullable=True),
        sa.Column("admin2", sa.Text(), nullable=True),
        sa.Column("admin3", sa.Text(), nullable=True),
        sa.Column("geo_precision", sa.Integer(), nullable=True),
        sa.Column("country", sa.Text(), nullable=True),
        sa.Column("iso", sa.Integer(), nullable=True),
        sa.Column("region", sa.Text(), nullable=True),
        sa.Column("fatalities", sa.Integer(), nullable=False),
        sa.Column("injured", sa.Integer(), nullable=True),
        sa.Column("hedged", sa.Boolean(), nullable=False),
        sa.Column("claimant", sa.Text(), nullable=True),
        sa.Column("hedge_cue", sa.Text(), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("review_state", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["actor1_id"], ["actors.id"], name="fk_events_actor1_id_actors"),
        sa.ForeignKeyConstraint(["actor2_id"], ["actors.id"], name="fk_events_actor2_id_actors"),
        sa.ForeignKeyConstraint(["place_id"], ["places.id"], name="fk_events_place_id_places"),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
    )
    op.create_index("ix_events_event_type", "events", ["event_type"])
    op.create_index("ix_events_event_date", "events", ["event_date"])
    op.create_index("ix_events_actor1_id", "events", ["actor1_id"])
    op.create_index("ix_events_actor2_id", "events", ["actor2_id"])

    op.create_table(
        "event_sources",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(ID), nullable=False),
        sa.Column("doc_id", sa.String(ID), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("evidence_start", sa.Integer(), nullable=False),
        sa.Column("evidence_end", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name="fk_event_sources_event_id_events", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["doc_id"], ["documents.id"], name="fk_event_sources_doc_id_documents", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_event_sources"),
        sa.UniqueConstraint(
            "event_id", "doc_id", "evidence_start", name="uq_event_sources_event_id_doc_id_evidence_start"
        ),
    )
    op.create_index("ix_event_sources_doc_id", "event_sources", ["doc_id"])

    op.create_table(
        "relations",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("source_id", sa.String(ID), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("target_id", sa.String(ID), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("hedged", sa.Boolean(), nullable=False),
        sa.Column("derived", sa.Boolean(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("doc_id", sa.String(ID), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("evidence_start", sa.Integer(), nullable=True),
        sa.Column("evidence_end", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["source_id"], ["actors.id"], name="fk_relations_source_id_actors"),
        sa.ForeignKeyConstraint(["target_id"], ["actors.id"], name="fk_relations_target_id_actors"),
        sa.ForeignKeyConstraint(
            ["doc_id"], ["documents.id"], name="fk_relations_doc_id_documents", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_relations"),
    )
    op.create_index("ix_relations_doc_id", "relations", ["doc_id"])


def downgrade() -> None:
    op.drop_index("ix_relations_doc_id", table_name="relations")
    op.drop_table("relations")
    op.drop_index("ix_event_sources_doc_id", table_name="event_sources")
    op.drop_table("event_sources")
    for ix in ("ix_events_actor2_id", "ix_events_actor1_id", "ix_events_event_date", "ix_events_event_type"):
        op.drop_index(ix, table_name="events")
    op.drop_table("events")
    op.drop_index("ix_actor_aliases_normalized", table_name="actor_aliases")
    op.drop_table("actor_aliases")
    op.drop_index("ix_removed_spans_doc_id", table_name="removed_spans")
    op.drop_table("removed_spans")
    op.drop_index("ix_reviews_entity_entity_id", table_name="reviews")
    op.drop_table("reviews")
    op.drop_table("runs")
    op.drop_table("failures")
    op.drop_table("places")
    op.drop_table("actors")
    op.drop_table("documents")
