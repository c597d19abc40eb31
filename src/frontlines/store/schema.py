"""SQLAlchemy 2 declarative models for the Frontlines store.

Portable on purpose: only String/Text/Integer/Float/Boolean/Date/DateTime/JSON, explicit primary
keys, and named constraints (see NAMING), so the same schema runs on SQLite and PostgreSQL and the
hand-written Alembic migrations in `migrations/versions/` can match it exactly. Both backends must
accept the same values: ids, names and other values of no fixed size are `Text` (0007; PostgreSQL
enforces a VARCHAR's length, SQLite never did), and `Text` here is the NUL-free kind below. Timestamps are
stored as naive UTC on every backend; the store's read methods return them as ISO 8601 with the
zone (`+00:00`).

When you change a model here, add a migration under `migrations/versions/` that produces exactly
the same schema; `tests/test_store.py::test_migrations_match_schema` checks they agree.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy import Text as _Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

NUL_STANDIN = "\ufffd"  # what a NUL character in a text becomes (U+FFFD REPLACEMENT CHARACTER)


class Text(TypeDecorator):
    """TEXT whose NUL characters are written as U+FFFD, on every backend.

    PostgreSQL's text cannot hold NUL (U+0000) at all; SQLite can. A NUL in an article (a JSONL
    record's "\\u0000", say) is replaced rather than dropped so the text keeps its length and every
    stored character offset (evidence, removed spans) still points at the same place; the replacement
    is made here, as the value is bound, so SQLite and PostgreSQL stores hold the same characters and
    a look-up by an id with a NUL finds the row stored under it. JSON columns keep NUL escaped
    ("\\u0000"), which both backends accept.
    """

    impl = _Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if isinstance(value, str) and "\x00" in value:
            return value.replace("\x00", NUL_STANDIN)
        return value


def utcnow() -> datetime:
    """Naive UTC (portable across SQLite and PostgreSQL `timestamp without time zone`)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class DocumentRow(Base):
    __tablename__ = "documents"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    source_path: Mapped[str] = mapped_column(Text, nullable=False)
    line: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    outlet: Mapped[str | None] = mapped_column(Text)
    published: Mapped[date | None] = mapped_column(Date)
    published_source: Mapped[str | None] = mapped_column(String(32))
    published_confidence: Mapped[float | None] = mapped_column(Float)
    published_note: Mapped[str | None] = mapped_column(Text)
    # The raw text; the cleaned text is derived from it and the removed spans.
    text: Mapped[str] = mapped_column(Text, nullable=False)
    extra: Mapped[dict | None] = mapped_column(JSON)
    ingested_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


class RemovedSpanRow(Base):
    __tablename__ = "removed_spans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    doc_id: Mapped[str] = mapped_column(
        Text, ForeignKey("documents.id", ondelete="CASCADE"), nullable=False, index=True
    )
    start: Mapped[int] = mapped_column(Integer, nullable=False)
    end: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(64), nullable=False)
    reason: Mapped[str | None] = mapped_column(Text)


class ActorRow(Base):
    __tablename__ = "actors"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    acled_name: Mapped[str | None] = mapped_column(Text)
    inter: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str | None] = mapped_column(String(64))
    provisional: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    needs_review: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    pack: Mapped[str | None] = mapped_column(String(64))


class ActorAliasRow(Base):
    __tablename__ = "actor_aliases"
    __table_args__ = (UniqueConstraint("actor_id", "alias"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    actor_id: Mapped[str] = mapped_column(
        Text, ForeignKey("actors.id", ondelete="CASCADE"), nullable=False
    )
    alias: Mapped[str] = mapped_column(Text, nullable=False)
    normalized: Mapped[str] = mapped_column(Text, nullable=False, index=True)


class PlaceRow(Base):
    __tablename__ = "places"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    kind: Mapped[str | None] = mapped_column(String(64))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    admin1: Mapped[str | None] = mapped_column(Text)
    admin2: Mapped[str | None] = mapped_column(Text)
    admin3: Mapped[str | None] = mapped_column(Text)
    country: Mapped[str | None] = mapped_column(Text)
    iso: Mapped[int | None] = mapped_column(Integer)


class EventRow(Base):
    __tablename__ = "events"

    id: Mapped[str] = mapped_column(Text, primary_key=True)  # EventRecord.key()
    event_id_cnty: Mapped[str] = mapped_column(String(32), nullable=False)
    event_type: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    sub_event_type: Mapped[str] = mapped_column(String(64), nullable=False)
    event_date: Mapped[date | None] = mapped_column(Date, index=True)
    time_precision: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    actor1_id: Mapped[str | None] = mapped_column(Text, ForeignKey("actors.id"), index=True)
    actor1: Mapped[str | None] = mapped_column(Text)
    actor2_id: Mapped[str | None] = mapped_column(Text, ForeignKey("actors.id"), index=True)
    actor2: Mapped[str | None] = mapped_column(Text)
    assoc_actor_1: Mapped[list] = mapped_column(JSON, nullable=False, default=list)  # names
    assoc_actor_1_ids: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    assoc_actor_2: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    assoc_actor_2_ids: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    inter1: Mapped[int | None] = mapped_column(Integer)
    inter2: Mapped[int | None] = mapped_column(Integer)
    place_id: Mapped[str | None] = mapped_column(Text, ForeignKey("places.id"))
    location: Mapped[str | None] = mapped_column(Text)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    admin1: Mapped[str | None] = mapped_column(Text)
    admin2: Mapped[str | None] = mapped_column(Text)
    admin3: Mapped[str | None] = mapped_column(Text)
    geo_precision: Mapped[int | None] = mapped_column(Integer)
    country: Mapped[str | None] = mapped_column(Text)
    iso: Mapped[int | None] = mapped_column(Integer)
    region: Mapped[str | None] = mapped_column(Text)
    fatalities: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    injured: Mapped[int | None] = mapped_column(Integer)
    hedged: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    claimant: Mapped[str | None] = mapped_column(Text)
    hedge_cue: Mapped[str | None] = mapped_column(Text)
    confidence: Mapped[float | None] = mapped_column(Float)
    review_state: Mapped[str] = mapped_column(String(32), nullable=False, default="unreviewed")
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    # Columns a person has set (0002): `Store.save_result` never overwrites them on a re-run.
    reviewed_fields: Mapped[list | None] = mapped_column(JSON)
    # How the event was coded (0006): the frame read from the text and the rule that typed it.
    coding: Mapped[dict | None] = mapped_column(JSON)


class EventSourceRow(Base):
    __tablename__ = "event_sources"
    __table_args__ = (UniqueConstraint("event_id", "doc_id", "evidence_start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(
        Text, ForeignKey("events.id", ondelete="CASCADE"), nullable=False
    )
    doc_id: Mapped[str] = mapped_column(
        Text, ForeignKey("documents.id", ondelete="CASCADE"), nullable=False, index=True
    )
    evidence: Mapped[str | None] = mapped_column(Text)
    evidence_start: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    evidence_end: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class RelationRow(Base):
    __tablename__ = "relations"

    id: Mapped[str] = mapped_column(Text, primary_key=True)  # RelationRecord.key()
    type: Mapped[str] = mapped_column(String(64), nullable=False)
    source_id: Mapped[str] = mapped_column(Text, ForeignKey("actors.id"), nullable=False)
    source: Mapped[str] = mapped_column(Text, nullable=False)
    target_id: Mapped[str] = mapped_column(Text, ForeignKey("actors.id"), nullable=False)
    target: Mapped[str] = mapped_column(Text, nullable=False)
    date: Mapped[date | None] = mapped_column(Date)
    hedged: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    derived: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    confidence: Mapped[float | None] = mapped_column(Float)
    doc_id: Mapped[str | None] = mapped_column(
        Text, ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    evidence: Mapped[str | None] = mapped_column(Text)
    evidence_start: Mapped[int | None] = mapped_column(Integer)
    evidence_end: Mapped[int | None] = mapped_column(Integer)
    # relation_dating: the precision of `date` (1 day, 2 week, 3 month); the day the text says it had ended by
    date_precision: Mapped[int | None] = mapped_column(Integer)
    valid_until: Mapped[date | None] = mapped_column(Date)
    # relation_events: derived from `n_events` Battles events, the first on `date`, the last on `last_date`
    n_events: Mapped[int | None] = mapped_column(Integer)
    last_date: Mapped[date | None] = mapped_column(Date)
    rule: Mapped[str | None] = mapped_column(String(64))


class FailureRow(Base):
    __tablename__ = "failures"
    __table_args__ = (UniqueConstraint("path", "line", "reason"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    path: Mapped[str] = mapped_column(Text, nullable=False)
    line: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    run_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


class RunRow(Base):
    __tablename__ = "runs"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    paths: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    documents: Mapped[int | None] = mapped_column(Integer)
    events: Mapped[int | None] = mapped_column(Integer)
    failures: Mapped[int | None] = mapped_column(Integer)


class ReviewRow(Base):
    __tablename__ = "reviews"
    __table_args__ = (Index(None, "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entity: Mapped[str] = mapped_column(String(32), nullable=False)  # event | relation | actor ...
    entity_id: Mapped[str] = mapped_column(Text, nullable=False)
    field: Mapped[str | None] = mapped_column(String(64))
    before: Mapped[object | None] = mapped_column(JSON)
    after: Mapped[object | None] = mapped_column(JSON)
    who: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


class ApiTokenRow(Base):
    """A bearer token for the workbench's write endpoints (0002). Only its SHA-256 is stored."""

    __tablename__ = "api_tokens"
    # names are unique (0005): each is the `who` of an audit trail
    __table_args__ = (UniqueConstraint("token_hash"), UniqueConstraint("name"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)  # recorded as `who` in reviews
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)


class ActorRedirectRow(Base):
    """A reviewer merged actor `from_id` into `to_id` (0002): later runs file its mentions under `to_id`."""

    __tablename__ = "actor_redirects"

    from_id: Mapped[str] = mapped_column(Text, primary_key=True)
    to_id: Mapped[str] = mapped_column(Text, ForeignKey("actors.id", ondelete="CASCADE"), nullable=False)
    who: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


class AppearanceRow(Base):
    """Document `doc_id` is a near-duplicate (repost, syndicated copy) of `duplicate_of` (0003, dedup.py)."""

    __tablename__ = "appearances"

    doc_id: Mapped[str] = mapped_column(
        Text, ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True
    )
    duplicate_of: Mapped[str] = mapped_column(
        Text, ForeignKey("documents.id", ondelete="CASCADE"), nullable=False, index=True
    )
    similarity: Mapped[float] = mapped_column(Float, nullable=False)
    method: Mapped[str | None] = mapped_column(String(64))
    detected_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


class EventClusterRow(Base):
    """Event `event_id` belongs to cluster `cluster_id`: one real-world event, several reports (0003).

    Events without a row are clusters of their own (cluster id = event id). `locked`: a reviewer
    placed it, so automatic merging never moves it.
    """

    __tablename__ = "event_clusters"

    event_id: Mapped[str] = mapped_column(
        Text, ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    cluster_id: Mapped[str] = mapped_column(Text, nullable=False, index=True)
    locked: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    assigned_by: Mapped[str | None] = mapped_column(Text)


class MergeRow(Base):
    """Why events were merged, or kept apart (0003, merge.py).

    action "merge": `event_ids` form one event (automatic rows are rewritten by every run; rows a
    reviewer made are `locked` and every later run keeps them together). action "split": a reviewer
    took `event_ids` out of the cluster, so they are never merged again with `apart_from`.
    `reason` explains an automatic merge: distance km, day gap, shared actors, per pair.
    """

    __tablename__ = "merges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    cluster_id: Mapped[str] = mapped_column(Text, nullable=False, index=True)
    action: Mapped[str] = mapped_column(String(16), nullable=False, default="merge")
    event_ids: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    apart_from: Mapped[list | None] = mapped_column(JSON)
    reason: Mapped[object | None] = mapped_column(JSON)
    merged_by: Mapped[str | None] = mapped_column(Text)
    locked: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


class DiscrepancyRow(Base):
    """The sources of one merged event disagree on `field` (0003): `values` per source, never averaged."""

    __tablename__ = "discrepancies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    cluster_id: Mapped[str] = mapped_column(Text, nullable=False, index=True)
    field: Mapped[str] = mapped_column(String(64), nullable=False)
    values: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    kept: Mapped[object | None] = mapped_column(JSON)  # the value the merged event shows
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


metadata = Base.metadata


class DocumentSignatureRow(Base):
    """A document's MinHash signature, kept so a run hashes only new or changed documents (0004, dedup.py)."""

    __tablename__ = "document_signatures"

    doc_id: Mapped[str] = mapped_column(
        Text, ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True
    )
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    method: Mapped[str] = mapped_column(String(64), nullable=False)
    hashvalues: Mapped[bytes | None] = mapped_column(LargeBinary)  # None: too short to compare


class MergedEventRow(Base):
    """The merged view, materialised (0009, store/merged.py): one row per real-world event and view.

    `view` 0: the cluster has no rejected report, the row serves both views; 1: its live reports only
    (the default view); 2: every report, rejected ones included (`include_rejected`). The merged event dict
    (`merge.merge_members`) is in `merged_event_data`, less what depends on the pack or on other
    tables (`source_scale`, `merge_reason`, the actors' aliases), added when read. The columns here
    copy what the workbench filters, sorts and aggregates on, so those run in SQL. Rewritten inside each write transaction
    that changes a report of the cluster (Store._tx).
    """

    __tablename__ = "merged_events"
    __table_args__ = (
        UniqueConstraint("cluster_id", "view"),
        Index(None, "latitude", "longitude"),
        # the list in its natural order, and its count, read from the index alone
        Index("ix_merged_events_shown_date", "shown", "date_key", "id"),
        Index("ix_merged_events_shown_all_date", "shown_all", "date_key", "id"),
        # covering indexes: the map's grid and the timeline's buckets over the default view never read the table
        Index("ix_merged_events_map", "shown", "geo_precision", "merc_x", "merc_y", "event_type", "fatalities",
              "latitude", "longitude", "id"),
        Index("ix_merged_events_timeline", "shown", "date_key", "event_type"),
        Index("ix_merged_events_units", "shown", "geo_precision", "admin1", "country", "fatalities", "latitude",
              "longitude"),  # the map's counts per unit
        Index("ix_merged_events_actors", "shown", "actor_ids", "date_key"),  # the network's GROUP BY
        Index("ix_merged_events_shown_fatalities", "shown", "fatalities", "date_key", "id"),
        # pk never reused (AUTOINCREMENT), so (max pk, count) changes whenever a row does: queries.version
        {"sqlite_autoincrement": True},
    )

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    cluster_id: Mapped[str] = mapped_column(Text, nullable=False)
    view: Mapped[int] = mapped_column(Integer, nullable=False)
    shown: Mapped[bool] = mapped_column(Boolean, nullable=False)  # in the default view (view 0 or 1)
    shown_all: Mapped[bool] = mapped_column(Boolean, nullable=False)  # in the include_rejected view (0 or 2)
    id: Mapped[str] = mapped_column(Text, nullable=False, index=True)  # merge.merged_id
    # event_date as text, "~" when undated: sorts undated last with an index (NULLs sort first)
    date_key: Mapped[str] = mapped_column(String(10), nullable=False)
    event_id_cnty: Mapped[str | None] = mapped_column(String(32))
    event_date: Mapped[date | None] = mapped_column(Date)
    event_type: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    sub_event_type: Mapped[str | None] = mapped_column(String(64))
    actor1: Mapped[str | None] = mapped_column(Text)
    actor2: Mapped[str | None] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(Text)
    admin1: Mapped[str | None] = mapped_column(Text, index=True)
    admin2: Mapped[str | None] = mapped_column(Text)
    admin3: Mapped[str | None] = mapped_column(Text)
    country: Mapped[str | None] = mapped_column(Text)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    # Web Mercator x, y in 0..1 (x east, y south): the map's grid clustering is a GROUP BY on them
    merc_x: Mapped[float | None] = mapped_column(Float)
    merc_y: Mapped[float | None] = mapped_column(Float)
    geo_precision: Mapped[int | None] = mapped_column(Integer, index=True)
    fatalities: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    hedged: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    confidence: Mapped[float | None] = mapped_column(Float)
    review_state: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    source: Mapped[str | None] = mapped_column(Text)
    n_reports: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    # "|id|id|" lists, so one LIKE '%|x|%' finds an actor or a document
    actor_ids: Mapped[str] = mapped_column(Text, nullable=False, default="")
    doc_ids: Mapped[str] = mapped_column(Text, nullable=False, default="")
    actor_names: Mapped[str] = mapped_column(Text, nullable=False, default="")  # lower-cased names and aliases
    search: Mapped[str] = mapped_column(Text, nullable=False, default="")  # lower-cased actors, place, notes


class MergedEventDataRow(Base):
    """The merged event dict of one `merged_events` row (0009), apart: the scans that count, group and
    sort stay on narrow rows, and only the page asked for reads its dicts."""

    __tablename__ = "merged_event_data"

    cluster_id: Mapped[str] = mapped_column(Text, primary_key=True)
    view: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[dict] = mapped_column(JSON, nullable=False)


# The live sources' tables (0007) live beside their data access; imported here so `metadata` (what the
# migrations are checked against) holds every table.
from . import feeds as _feeds  # noqa: E402,F401
