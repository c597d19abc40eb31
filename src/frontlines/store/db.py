"""The `Store`: persistence for documents, events, relations, failures and runs.

SQLite by default (`platformdirs.user_data_dir("frontlines")/frontlines.db`), overridable by the
`FRONTLINES_DB` environment variable or an explicit argument: a filesystem path or any SQLAlchemy
URL (e.g. `postgresql+psycopg://user@host/frontlines`). Opening a Store runs the packaged Alembic
migrations up to `head`, so a fresh file gets the schema and an old one gets upgraded.

Concurrency: several processes (runs, the workbench) may share one store.
- Migrations run once, under a lock: `fcntl.flock` on `<db>.lock` for SQLite (the whole upgrade is
  one transaction), `pg_advisory_xact_lock` for PostgreSQL. An open that finds the schema at head
  (one read of `alembic_version`) runs no DDL and takes no lock.
- Rows that concurrent writers share (actors, aliases, places, signatures) are written with upserts
  (`INSERT ... ON CONFLICT`, `_insert`), and `save_result` retries a transaction that lost a race
  (a unique violation, or on PostgreSQL a deadlock or serialization failure). Recomputations over
  the whole store (near-duplicates, clusters) run in `_tx(exclusive=True)`: one at a time.
- PostgreSQL writers run side by side (row locks, READ COMMITTED); `_tx(exclusive=True)` takes a
  transaction-scoped advisory lock, the counterpart of SQLite's single writer.
- SQLite runs in WAL mode with a 30 s busy timeout. Write transactions (`_tx`) begin IMMEDIATE, so
  writers queue for the write lock instead of failing when a read lock cannot be upgraded; read
  transactions (`_read`) stay deferred and never wait. Writes are short: one document per
  transaction in `save_result`, which also survives a concurrent writer storing the same document.

Everything the read methods return is a plain JSON-able dict (dates as ISO strings).
"""
from __future__ import annotations

import calendar
import hashlib
import os
import re
import random
import secrets
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timezone
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, delete, event, func, or_, select
from sqlalchemy.engine import make_url
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool, StaticPool

from ..models import ActorRef, Document, DocumentResult, IngestFailure, PlaceRef, disambiguated_id, same_file
from ..names import match_key, provisional_id, slug
from . import limits, merged
from .schema import (
    AppearanceRow,
    ActorAliasRow,
    ActorRedirectRow,
    ActorRow,
    ApiTokenRow,
    DocumentRow,
    EventClusterRow,
    EventRow,
    EventSourceRow,
    FailureRow,
    PlaceRow,
    RelationRow,
    RemovedSpanRow,
    ReviewRow,
    RunRow,
    metadata,
    utcnow,
)

ENV_VAR = "FRONTLINES_DB"
STORE_DIR = Path(__file__).resolve().parent
MIGRATIONS_DIR = STORE_DIR / "migrations"
UNREVIEWED = "unreviewed"
EDITED = "edited"
CONFIRMED = "confirmed"
REJECTED = "rejected"
REVIEW_STATES = (UNREVIEWED, EDITED, CONFIRMED, REJECTED)
# Columns a reviewer may set through `Store.update_event` (the rest are derived or machine-only).
EDITABLE_COLUMNS = (
    "event_type", "sub_event_type", "event_date", "time_precision",
    "actor1", "actor1_id", "inter1", "actor2", "actor2_id", "inter2",
    "assoc_actor_1", "assoc_actor_1_ids", "assoc_actor_2", "assoc_actor_2_ids",
    "place_id", "location", "latitude", "longitude", "admin1", "admin2", "admin3", "geo_precision",
    "country", "iso", "fatalities", "injured", "hedged", "claimant",
)
BUSY_TIMEOUT_S = 30  # how long a writer waits for SQLite's write lock before giving up
PG_MIGRATION_LOCK = 0x46524F4E  # pg_advisory_xact_lock key held while migrating ("FRON")
PG_EXCLUSIVE_LOCK = 0x46524F57  # pg_advisory_xact_lock key of `_tx(exclusive=True)` ("FROW")
SAVE_ATTEMPTS = 5  # tries of one document's transaction that lost a race to a concurrent writer
_RETRY_SQLSTATES = {"40001", "40P01"}  # PostgreSQL: serialization failure, deadlock detected
_CHUNK = 500  # ids per IN (...) clause, well under SQLite's bound-parameter limit

__all__ = [
    "ENV_VAR",
    "MIGRATIONS_DIR",
    "ReviewConflict",
    "Store",
    "alembic_config",
    "default_db_path",
    "event_id_cnty",
    "provisional_id",
    "resolve_url",
    "upgrade",
]


# --------------------------------------------------------------------------- locating the database


def default_db_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("frontlines")) / "frontlines.db"


def _looks_like_url(value: str) -> bool:
    return "://" in value


def resolve_url(db: str | Path | None = None) -> str:
    """A path or URL (or None -> $FRONTLINES_DB -> the default path) as an SQLAlchemy URL string."""
    if db is None or (isinstance(db, str) and not db.strip()):
        db = os.environ.get(ENV_VAR) or None
    if db is None:
        db = default_db_path()
    if isinstance(db, str) and _looks_like_url(db):
        return db
    path = Path(db).expanduser().resolve()
    return f"sqlite:///{path.as_posix()}"


def _sqlite_file(url: str) -> Path | None:
    u = make_url(url)
    if u.get_backend_name() != "sqlite":
        return None
    database = u.database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def _is_sqlite_memory(url: str) -> bool:
    u = make_url(url)
    return u.get_backend_name() == "sqlite" and (u.database or ":memory:") == ":memory:"


# --------------------------------------------------------------------------- migrations


def alembic_config(url: str | None = None) -> Config:
    """Alembic config built in code, pointing at the packaged migrations (works when installed)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    cfg.set_main_option("path_separator", "os")
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "head", *, lock: bool = False) -> None:
    """Run the packaged migrations on `engine` up to `revision`.

    lock (PostgreSQL): hold a transaction-scoped advisory lock, so concurrent upgrades run one
    after the other (the second finds the schema at head and does nothing).
    """
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        if lock:
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_MIGRATION_LOCK})")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


@lru_cache(maxsize=1)
def _head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """An exclusive advisory lock on `path` (created if missing), blocking until it is ours."""
    import fcntl

    with open(path, "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _insert(s: Session, model):
    """INSERT for the session's backend, with `on_conflict_do_nothing/do_update` (SQLite and PostgreSQL)."""
    dialect = s.get_bind().dialect.name
    if dialect == "postgresql":
        return pg_dialect.insert(model)
    if dialect == "sqlite":
        return sqlite_dialect.insert(model)
    raise NotImplementedError(f"upserts are written for SQLite and PostgreSQL, not {dialect}")


def _lost_a_race(exc: BaseException) -> bool:
    """A write that a concurrent writer made fail: worth running again (it then sees the other's rows)."""
    if isinstance(exc, IntegrityError):
        return True
    return isinstance(exc, DBAPIError) and getattr(exc.orig, "sqlstate", None) in _RETRY_SQLSTATES


# --------------------------------------------------------------------------- ids


def _actor_key(ref: ActorRef) -> str:
    return ref.actor_id or provisional_id(ref.surface)


def event_id_cnty(event_id: str, iso3: str | None = None) -> str:
    """ACLED-style id: country code (or "EVT") + a stable number derived from the event id."""
    try:
        n = int(event_id[:8], 16)
    except ValueError:
        n = int(hashlib.sha1(event_id.encode("utf-8")).hexdigest()[:8], 16)
    return f"{iso3 or 'EVT'}{n % 10**7}"


# --------------------------------------------------------------------------- helpers


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _unix(value: datetime | None) -> int | None:
    # stored as naive UTC
    return calendar.timegm(value.utctimetuple()) if value is not None else None


def _chunks(items: list, n: int = _CHUNK) -> Iterator[list]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


def _dedup(items: Iterable[str | None]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for item in items:
        if item and item not in seen:
            seen.add(item)
            out.append(item)
    return out


def _contains(needle: str, haystacks: Iterable[str | None]) -> bool:
    """Case-insensitive substring, also tried on match_key (accents/apostrophes/hyphens folded)."""
    q = needle.casefold().strip()
    qk = match_key(needle)
    for h in haystacks:
        if not h:
            continue
        if q and q in h.casefold():
            return True
        if qk and qk in match_key(h):
            return True
    return False


def _cleaned(text: str, spans: list[RemovedSpanRow]) -> str:
    chars = list(text)
    for sp in spans:
        for i in range(max(sp.start, 0), min(sp.end, len(chars))):
            if chars[i] != "\n":
                chars[i] = " "
    return "".join(chars)


SYSTEM_WHO = "frontlines"  # `who` on audit rows the pipeline itself writes
ZERO = {"documents": 0, "events": 0, "relations": 0}


def _contains_word(text: str, names: Iterable[str]) -> bool:
    """Does any of `names` occur in `text` as a whole word (case-insensitive)?"""
    for n in names:
        if n and re.search(rf"(?<!\w){re.escape(n)}(?!\w)", text, flags=re.I):
            return True
    return False


class ReviewConflict(ValueError):
    """A review action that contradicts the stored state (duplicate alias, id taken, merge with itself)."""


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _cmp(value) -> str | None:
    """A value in one comparable form (dates and JSON-logged dates alike as ISO strings)."""
    if value is None:
        return None
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def _iso_utc(value: datetime | None) -> str | None:
    """A stored timestamp (naive UTC on every backend) as ISO 8601 with its zone: ...+00:00."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat()


def _jsonable(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


# --------------------------------------------------------------------------- the store


class Store:
    """Persistent store of documents, events and relations. See the module docstring."""

    def __init__(self, db: str | Path | None = None):
        self.url: str = resolve_url(db)
        path = _sqlite_file(self.url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self.path: Path | None = path
        self._memory = _is_sqlite_memory(self.url)
        self.engine = self._make_engine(for_migrations=False)
        if self._memory:
            # one shared connection: migrate through the same engine
            upgrade(self.engine)
        else:
            self._migrate()
        self._session = sessionmaker(self.engine, expire_on_commit=False)
        # read-only work: a deferred BEGIN on SQLite (WAL readers never wait for the writer)
        self._read_session = sessionmaker(self.engine.execution_options(frontlines_read=True), expire_on_commit=False)
        self._local = threading.local()  # this thread's write transaction, and the reports it touched
        merged.ensure_built(self)

    # ------------------------------------------------------------------ plumbing

    def _at_head(self) -> bool:
        """Cheap check: is the schema already at the packaged head (and, for SQLite, in WAL mode)?"""
        try:
            with self.engine.execution_options(frontlines_read=True).connect() as conn:
                current = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all()
                if self.path is not None:
                    mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
                    if str(mode).lower() != "wal":
                        return False
        except (OperationalError, ProgrammingError):
            return False
        return set(current) == {_head_revision()}

    def _migrate(self) -> None:
        """Upgrade to head once, under a lock: concurrent opens of one store never race on DDL.

        SQLite: an exclusive `fcntl.flock` on `<db>.lock` beside the file (blocking), then WAL mode.
        PostgreSQL: `pg_advisory_xact_lock` inside the migration's transaction.
        Most opens find the store at head and run no DDL at all.
        """
        if self._at_head():
            return
        # SQLite migrations run with foreign keys off (batch table rebuilds must not cascade)
        mig = self._make_engine(for_migrations=True)
        try:
            if self.path is not None:
                with _file_lock(self.path.with_name(self.path.name + ".lock")):
                    if not self._at_head():
                        raw = mig.raw_connection()  # outside any transaction: journal_mode needs that
                        try:
                            raw.driver_connection.execute("PRAGMA journal_mode=WAL")
                        finally:
                            raw.close()
                        upgrade(mig)
            else:
                upgrade(mig, lock=mig.dialect.name == "postgresql")
        finally:
            mig.dispose()

    def _make_engine(self, for_migrations: bool) -> Engine:
        url = make_url(self.url)
        if url.get_backend_name() != "sqlite":
            # a server (PostgreSQL) may drop idle connections or restart under a long `serve`:
            # a pooled connection is checked before use instead of failing the request
            return create_engine(self.url, poolclass=NullPool if for_migrations else None, pool_pre_ping=True)
        kwargs: dict = {"connect_args": {"timeout": BUSY_TIMEOUT_S}}
        if self._memory:
            kwargs["poolclass"] = StaticPool
            kwargs["connect_args"]["check_same_thread"] = False
        elif for_migrations:
            kwargs["poolclass"] = NullPool
        engine = create_engine(self.url, **kwargs)
        if for_migrations and not self._memory:

            @event.listens_for(engine, "connect")
            def _no_implicit_begin(dbapi_conn, _record):  # pragma: no cover - trivial
                dbapi_conn.isolation_level = None

            @event.listens_for(engine, "begin")
            def _begin_migration(conn):  # pragma: no cover - trivial
                # the whole upgrade is one transaction (SQLite DDL is transactional): a crash
                # mid-way leaves the previous revision, never a half-built schema
                conn.exec_driver_sql("BEGIN IMMEDIATE")

        if not for_migrations:
            memory = self._memory

            @event.listens_for(engine, "connect")
            def _on_connect(dbapi_conn, _record):  # pragma: no cover - trivial
                # we emit BEGIN ourselves (below): pysqlite's own implicit BEGIN is switched off
                dbapi_conn.isolation_level = None
                cur = dbapi_conn.cursor()
                cur.execute("PRAGMA foreign_keys=ON")
                cur.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
                if not memory:
                    cur.execute("PRAGMA synchronous=NORMAL")  # safe in WAL mode (a crash loses no committed data)
                    # reads through a memory map: the workbench's scans of a large store copy no pages
                    cur.execute("PRAGMA mmap_size=268435456")
                cur.close()

            @event.listens_for(engine, "begin")
            def _on_begin(conn):  # pragma: no cover - trivial
                # writers take the write lock up front (BEGIN IMMEDIATE), so a transaction never has
                # to upgrade a read lock mid-way (SQLITE_BUSY without waiting); readers stay deferred
                if conn.get_execution_options().get("frontlines_read"):
                    conn.exec_driver_sql("BEGIN")
                else:
                    conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine

    @contextmanager
    def _tx(self, *, exclusive: bool = False) -> Iterator[Session]:
        """A write transaction (BEGIN IMMEDIATE on SQLite): keep it short.

        exclusive: no other exclusive transaction runs at the same time, for work that rewrites
        rows from the whole store. SQLite has one writer anyway; PostgreSQL takes an advisory lock.
        Reads made inside it (`_read`, on this thread) see its writes; the merged events of the
        reports it `_touch`ed are rewritten just before it commits (store/merged.py)."""
        if getattr(self._local, "tx", None) is not None:
            raise RuntimeError("nested write transaction")
        with self._session.begin() as s:
            if exclusive and self.engine.dialect.name == "postgresql":
                s.execute(select(func.pg_advisory_xact_lock(PG_EXCLUSIVE_LOCK)))
            self._local.tx, self._local.dirty, self._local.dirty_events = s, set(), set()
            try:
                yield s
                s.flush()
                if self._local.dirty or self._local.dirty_events:
                    merged.refresh(self, s, self._local.dirty | merged.clusters_of(s, self._local.dirty_events))
            finally:
                self._local.tx = None
                self._local.dirty, self._local.dirty_events = set(), set()

    def _touch(self, s: Session, event_ids: Iterable[str], clusters: Iterable[str] = ()) -> None:
        """These reports changed (or are about to go), and so did `clusters`: their merged events are
        rewritten when the transaction commits. Call before deleting a report, so its cluster is known."""
        ids = set(event_ids)
        self._local.dirty_events |= ids
        self._local.dirty |= merged.clusters_of(s, ids) | set(clusters)

    @contextmanager
    def _read(self) -> Iterator[Session]:
        """A read-only transaction (deferred on SQLite: never waits for a writer in WAL mode); inside
        a write transaction on this thread, that transaction (so a read sees what it wrote)."""
        tx = getattr(self._local, "tx", None)
        if tx is not None:
            yield tx
            return
        with self._read_session.begin() as s:
            yield s

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({make_url(self.url).render_as_string(hide_password=True)!r})"

    # ------------------------------------------------------------------ documents

    def has_document(self, doc_id: str, content_hash: str) -> bool:
        with self._read() as s:
            row = s.get(DocumentRow, doc_id)
            return row is not None and row.content_hash == content_hash

    def resolve_document_id(self, doc: Document) -> tuple[str, bool]:
        """(the id `doc` is stored under, whether it is stored already with this content).

        A file-derived id (`doc.line` is None) that the store holds for a *different* file with
        different content gets `disambiguated_id` instead of replacing that document; the same file
        with new content keeps its id (a changed source: save_result replaces it). JSONL records keep
        their explicit ids: a record with new content replaces the stored one."""
        chash = doc.content_hash
        limits.check_document_id(doc.id)
        with self._read() as s:  # a look-up: never the write lock, once per document of a run
            row = s.execute(select(DocumentRow.content_hash, DocumentRow.source_path)
                            .where(DocumentRow.id == doc.id)).first()
            if row is None:
                return doc.id, False
            if row.content_hash == chash:
                return doc.id, True
            if doc.line is not None or same_file(row.source_path, doc.source_path):
                return doc.id, False
            alt = disambiguated_id(doc.id, doc.source_path)
            stored = s.scalar(select(DocumentRow.content_hash).where(DocumentRow.id == alt))
            return alt, stored == chash

    def save_result(
        self, result: DocumentResult, *, region: str | None = None, iso3: str | None = None
    ) -> dict:
        """Idempotent upsert of one document's results; returns the rows added per kind.

        Same id and hash as stored -> nothing changes. Hash changed -> the document's spans,
        sources and relations are replaced; events only that document reported are deleted unless
        someone reviewed them. `region` fills events.region; `iso3` prefixes event_id_cnty.
        """
        limits.check_document_id(result.document.id)
        for attempt in range(1, SAVE_ATTEMPTS + 1):
            try:
                with self._tx() as s:
                    return self._save_result(s, result, region=region, iso3=iso3)
            except DBAPIError as exc:
                # a concurrent writer stored the same document first, or (PostgreSQL) two writers
                # locked shared rows in opposite orders: this transaction rolled back; the retry sees
                # the other's rows and adds only what is missing
                if attempt == SAVE_ATTEMPTS or not _lost_a_race(exc):
                    raise
                time.sleep(random.uniform(0.01, 0.05) * attempt)  # apart from the other writer
        raise AssertionError("unreachable")  # pragma: no cover

    def save_results(
        self, results: list[DocumentResult], *, region: str | None = None, iso3: str | None = None
    ) -> list[dict | Exception]:
        """`save_result` for several documents in one transaction (one commit instead of one per
        document), in order; per document, the rows added or the exception that kept it out. If the
        transaction fails, each document is saved again on its own, so only the one that fails is lost."""
        try:
            with self._tx() as s:
                out: list[dict | Exception] = []
                shared: dict = {}  # actors and places looked up once per transaction, not per document
                for result in results:
                    limits.check_document_id(result.document.id)
                    out.append(self._save_result(s, result, region=region, iso3=iso3, shared=shared))
                return out
        except Exception:  # noqa: BLE001 - find which one, keep the others (save_result retries lost races)
            out = []
            for result in results:
                try:
                    out.append(self.save_result(result, region=region, iso3=iso3))
                except Exception as exc:  # noqa: BLE001
                    out.append(exc)
            return out

    def _save_result(self, s: Session, result: DocumentResult, *, region: str | None, iso3: str | None,
                     shared: dict | None = None) -> dict:
        """`shared`: the actor and place caches of the transaction's earlier documents (save_results)."""
        doc = result.document
        chash = doc.content_hash
        counts = dict(ZERO)
        row = s.get(DocumentRow, doc.id)
        if row is not None and row.content_hash == chash:
            return counts
        reviewed: list[EventRow] = []
        if row is not None:
            self._touch(s, merged.events_of_docs(s, [doc.id]))  # before they may go
            reviewed = self._reviewed_events_of(s, doc.id)
            self._drop_document_children(s, doc.id)
        else:
            row = DocumentRow(id=doc.id)
            s.add(row)
        row.content_hash = chash
        row.source_path = str(doc.source_path)
        row.line = doc.line
        row.title = doc.title
        row.url = doc.url
        row.outlet = doc.outlet
        row.published = doc.published
        row.published_source = doc.published_source
        row.published_confidence = doc.published_confidence
        row.published_note = doc.published_note
        row.text = doc.text
        row.extra = dict(doc.extra) if doc.extra else None
        row.ingested_at = utcnow()
        counts["documents"] = 1
        s.flush()  # no ORM relationships: parents are flushed before their children
        for sp in result.cleaned.removed if result.cleaned else []:
            s.add(RemovedSpanRow(doc_id=doc.id, start=sp.start, end=sp.end, kind=sp.kind, reason=sp.reason))
        s.flush()

        shared = {} if shared is None else shared
        if "actors" not in shared:
            redirects: dict[str, str] = dict(
                s.execute(select(ActorRedirectRow.from_id, ActorRedirectRow.to_id)).all()
            )
            shared["actors"], shared["places"] = _ActorCache(s, redirects), {}
        actors: _ActorCache = shared["actors"]
        redirects = actors.redirects
        refs = [*result.actors]
        for ev in result.events:
            refs.extend(ref for ref in (ev.actor1, ev.actor2, *ev.assoc_actor_1, *ev.assoc_actor_2) if ref is not None)
        for rel in result.relations:
            refs.extend((rel.source, rel.target))
        # shared rows are written in one order (ids sorted) by every writer: two documents naming the
        # same new actors or places never wait for each other in a cycle (a deadlock, on PostgreSQL)
        actors.insert_missing(refs)
        places: dict[str, bool] = shared["places"]
        prefs = [p for p in (*result.places, *(ev.location for ev in result.events)) if p is not None and p.place_id]
        for pref in sorted(prefs, key=lambda p: p.place_id):  # stable: the first of an id is stored
            self._upsert_place(s, pref, places)
        for ref in refs:
            actors.upsert(ref)
        s.flush()

        keys = [ev.key() for ev in result.events]
        machine: list[dict] = []
        for ev, key in zip(result.events, keys):
            values = self._event_values(ev, region=region, iso3=iso3, eid=key)
            if redirects:
                actors.redirect_event_values(values)
            machine.append(values)
        # a changed source: reviewed events it no longer yields carry over to their new versions
        carried = self._carry_reviews(s, doc.id, reviewed, keys, machine) if reviewed else {}

        seen_events: dict[str, EventRow] = {}
        seen_sources: set[tuple[str, int]] = set()
        sources: list[EventSourceRow] = []
        # which of them are stored, in one query: a get() per event would flush and query each time
        stored = self._stored_ids(s, EventRow, [carried.get(k, k) for k in keys])
        for ev, key, values in zip(result.events, keys, machine):
            eid = carried.get(key, key)
            if eid != key:
                values = {**values, "event_id_cnty": event_id_cnty(eid, iso3)}
            erow = seen_events.get(eid) or (s.get(EventRow, eid) if eid in stored else None)
            if erow is None:
                erow = EventRow(id=eid, review_state=UNREVIEWED, created_at=utcnow(), **values)
                s.add(erow)
                counts["events"] += 1
            elif erow.review_state in (UNREVIEWED, EDITED) and eid not in seen_events:
                # a person's edits stick: columns they set are never overwritten by a re-run;
                # confirmed and rejected events are left exactly as the reviewer saw them
                locked = set(erow.reviewed_fields or ())
                for k, v in values.items():
                    if k not in locked:
                        setattr(erow, k, v)
            seen_events[eid] = erow
            skey = (eid, ev.evidence_start)
            if skey not in seen_sources:
                seen_sources.add(skey)
                sources.append(
                    EventSourceRow(
                        event_id=eid,
                        doc_id=doc.id,
                        evidence=ev.evidence,
                        evidence_start=ev.evidence_start,
                        evidence_end=ev.evidence_end,
                    )
                )
        s.flush()
        s.add_all(sources)
        s.flush()
        self._touch(s, seen_events)

        seen_rel: set[str] = set()
        stored = self._stored_ids(s, RelationRow, [rel.key() for rel in result.relations])
        for rel in result.relations:
            rid = rel.key()
            if rid in seen_rel or rid in stored:
                continue
            seen_rel.add(rid)
            src_id, src_label = actors.resolve(_actor_key(rel.source), rel.source.label)
            tgt_id, tgt_label = actors.resolve(_actor_key(rel.target), rel.target.label)
            s.add(
                RelationRow(
                    id=rid,
                    type=rel.type,
                    source_id=src_id,
                    source=src_label,
                    target_id=tgt_id,
                    target=tgt_label,
                    date=rel.date,
                    date_precision=rel.date_precision,
                    valid_until=rel.valid_until,
                    n_events=rel.count if rel.derived or rel.type == "clashed_with" else None,
                    last_date=rel.last_date,
                    rule=rel.rule or None,
                    hedged=bool(rel.hedged),
                    derived=bool(rel.derived),
                    confidence=rel.confidence,
                    doc_id=rel.doc_id or doc.id,
                    evidence=rel.evidence,
                    evidence_start=rel.evidence_start,
                    evidence_end=rel.evidence_end,
                )
            )
            counts["relations"] += 1
        return counts

    @staticmethod
    def _stored_ids(s: Session, row_type, ids: list[str]) -> set[str]:
        """Those of `ids` that `row_type`'s table holds (this transaction's pending rows included)."""
        found: set[str] = set()
        for chunk in _chunks(sorted(set(ids))):
            found.update(s.scalars(select(row_type.id).where(row_type.id.in_(chunk))))
        return found

    @staticmethod
    def _reviewed_events_of(s: Session, doc_id: str) -> list[EventRow]:
        """Events `doc_id` reports that a person has touched (state or fields), in id order."""
        sourced = select(EventSourceRow.event_id).where(EventSourceRow.doc_id == doc_id)
        q = (select(EventRow).where(EventRow.id.in_(sourced))
             .where(or_(EventRow.review_state != UNREVIEWED, EventRow.reviewed_fields.is_not(None)))
             .order_by(EventRow.id))
        return [r for r in s.scalars(q) if r.review_state != UNREVIEWED or r.reviewed_fields]

    def _carry_reviews(self, s: Session, doc_id: str, reviewed: list[EventRow], keys: list[str],
                       machine: list[dict]) -> dict[str, str]:
        """new event key -> id of the reviewed event it continues, for a document whose text changed.

        A reviewed event the new extraction no longer yields under its id is matched to a new event
        of the same document with the same type, sub-type, place and date and the same actors,
        then loosening step by step (actor2, then the date, then both actors). A match keeps the
        reviewed event's id (its review state, edited fields and history stay with it) and the new
        event is stored under that id instead of beside it. No match: the event is kept, and an
        audit row flags it for a reviewer.
        """
        new_ids = set(keys)
        lost = [r for r in reviewed if r.id not in new_ids]
        if not lost:
            return {}
        fields = ("event_type", "sub_event_type", "place_id", "event_date", "actor1_id", "actor2_id")
        free: dict[str, dict] = {}  # new events that would be created: key -> comparable values
        for key, values in zip(keys, machine):
            if key not in free and s.get(EventRow, key) is None:
                free[key] = {f: _cmp(values.get(f)) for f in fields}
        olds = {r.id: self._machine_values(s, r, fields) for r in lost}
        levels = (
            fields,
            ("event_type", "sub_event_type", "place_id", "event_date", "actor1_id"),
            ("event_type", "sub_event_type", "place_id", "actor1_id", "actor2_id"),
            ("event_type", "sub_event_type", "place_id", "event_date"),
        )
        carried: dict[str, str] = {}
        for level in levels:
            for r in lost:
                if r.id in carried.values():
                    continue
                want = tuple(olds[r.id][f] for f in level)
                for key, vals in free.items():
                    if key not in carried and tuple(vals[f] for f in level) == want:
                        carried[key] = r.id
                        self._log(s, "event", r.id, "source_changed", key,
                                  {"doc_id": doc_id, "matched_on": list(level)}, SYSTEM_WHO)
                        break
        for r in lost:
            if r.id not in carried.values():
                self._log(s, "event", r.id, "source_changed", None,
                          {"doc_id": doc_id, "note": "source changed: no matching event; please review"}, SYSTEM_WHO)
        return carried

    @staticmethod
    def _machine_values(s: Session, r: EventRow, fields: tuple[str, ...]) -> dict:
        """The values extraction gave `r` (a reviewer's edits undone from the audit log), comparable."""
        out = {f: _cmp(getattr(r, f)) for f in fields}
        edited = [f for f in fields if f in (r.reviewed_fields or ())]
        if edited:
            q = (select(ReviewRow.field, ReviewRow.before)
                 .where(ReviewRow.entity == "event", ReviewRow.entity_id == r.id, ReviewRow.field.in_(edited))
                 .order_by(ReviewRow.id.desc()))
            for f, before in s.execute(q):  # newest first: the oldest `before` wins
                out[f] = _cmp(before)
        return out

    @staticmethod
    def _drop_document_children(s: Session, doc_id: str) -> None:
        s.execute(delete(RemovedSpanRow).where(RemovedSpanRow.doc_id == doc_id))
        s.execute(delete(RelationRow).where(RelationRow.doc_id == doc_id))
        affected = list(
            s.scalars(select(EventSourceRow.event_id).where(EventSourceRow.doc_id == doc_id).distinct())
        )
        s.execute(delete(EventSourceRow).where(EventSourceRow.doc_id == doc_id))
        for ids in _chunks(affected):
            still_sourced = set(
                s.scalars(select(EventSourceRow.event_id).where(EventSourceRow.event_id.in_(ids)).distinct())
            )
            orphans = [i for i in ids if i not in still_sourced]
            if orphans:
                s.execute(
                    delete(EventRow).where(EventRow.id.in_(orphans), EventRow.review_state == UNREVIEWED)
                )
        s.flush()

    @staticmethod
    def _upsert_place(s: Session, ref: PlaceRef, cache: dict[str, bool]) -> None:
        if not ref.place_id:
            return
        if ref.place_id in cache:
            return
        # a place is shared by every document that names it: a concurrent writer may add it too
        s.execute(_insert(s, PlaceRow).values(
            id=ref.place_id,
            name=ref.name or ref.surface,
            kind=ref.kind,
            lat=ref.lat,
            lon=ref.lon,
            admin1=ref.admin1,
            admin2=ref.admin2,
            admin3=ref.admin3,
            country=ref.country,
            iso=ref.iso,
        ).on_conflict_do_nothing(index_elements=["id"]))
        cache[ref.place_id] = True

    @staticmethod
    def _event_values(ev, *, region: str | None, iso3: str | None, eid: str) -> dict:
        loc = ev.location
        a1, a2 = ev.actor1, ev.actor2
        return {
            "event_id_cnty": event_id_cnty(eid, iso3),
            "event_type": ev.event_type,
            "sub_event_type": ev.sub_event_type,
            "event_date": ev.event_date,
            "time_precision": ev.time_precision,
            "actor1_id": _actor_key(a1) if a1 else None,
            "actor1": a1.label if a1 else None,
            "actor2_id": _actor_key(a2) if a2 else None,
            "actor2": a2.label if a2 else None,
            "assoc_actor_1": [r.label for r in ev.assoc_actor_1],
            "assoc_actor_1_ids": [_actor_key(r) for r in ev.assoc_actor_1],
            "assoc_actor_2": [r.label for r in ev.assoc_actor_2],
            "assoc_actor_2_ids": [_actor_key(r) for r in ev.assoc_actor_2],
            "inter1": a1.inter if a1 else None,
            "inter2": a2.inter if a2 else None,
            "place_id": loc.place_id if loc else None,
            "location": (loc.name or loc.surface) if loc else None,
            "latitude": loc.lat if loc else None,
            "longitude": loc.lon if loc else None,
            "admin1": loc.admin1 if loc else None,
            "admin2": loc.admin2 if loc else None,
            "admin3": loc.admin3 if loc else None,
            "geo_precision": loc.geo_precision if loc else None,
            "country": loc.country if loc else None,
            "iso": loc.iso if loc else None,
            "region": region,
            "fatalities": int(ev.fatalities or 0),
            "injured": ev.injured,
            "hedged": bool(ev.hedged),
            "claimant": ev.claimant,
            "hedge_cue": ev.hedge_cue,
            "confidence": ev.confidence,
            "coding": dict(ev.coding) if ev.coding else None,
        }

    # ------------------------------------------------------------------ failures and runs

    def record_failure(self, failure: IngestFailure, run_id: str | None = None) -> bool:
        """Store an ingest failure; False if the same (path, line, reason) is already recorded."""
        # clipped alike on every backend: (path, line, reason) is a unique key, and PostgreSQL's index
        # entries are bounded (the whole message was printed when it happened)
        path = limits.clip(str(failure.path), limits.MAX_FAILURE_TEXT)
        reason, line = limits.clip(str(failure.reason), limits.MAX_FAILURE_TEXT), failure.line
        try:
            with self._tx() as s:
                q = select(FailureRow.id).where(FailureRow.path == path, FailureRow.reason == reason)
                q = q.where(FailureRow.line.is_(None) if line is None else FailureRow.line == line)
                if s.scalar(q.limit(1)) is not None:
                    return False
                s.add(FailureRow(path=path, line=line, reason=reason, run_id=run_id, created_at=utcnow()))
        except IntegrityError:
            return False
        return True

    def start_run(self, paths: list[str]) -> str:
        run_id = uuid.uuid4().hex
        with self._tx() as s:
            s.add(RunRow(id=run_id, started_at=utcnow(), paths=[str(p) for p in paths]))
        return run_id

    def finish_run(self, run_id: str, **counts) -> None:
        """Mark a run finished; recognised counts: documents, events, failures (others ignored)."""
        with self._tx() as s:
            row = s.get(RunRow, run_id)
            if row is None:
                raise KeyError(f"unknown run {run_id!r}")
            row.finished_at = utcnow()
            for key in ("documents", "events", "failures"):
                if key in counts and counts[key] is not None:
                    setattr(row, key, int(counts[key]))

    def runs(self) -> list[dict]:
        with self._read() as s:
            rows = s.scalars(select(RunRow).order_by(RunRow.started_at, RunRow.id)).all()
            return [
                {
                    "id": r.id,
                    "started_at": _iso_utc(r.started_at),
                    "finished_at": _iso_utc(r.finished_at),
                    "paths": list(r.paths or []),
                    "documents": r.documents,
                    "events": r.events,
                    "failures": r.failures,
                }
                for r in rows
            ]

    # ------------------------------------------------------------------ reading

    def _aliases(self, s: Session, actor_ids: set[str]) -> dict[str, list[str]]:
        """actor id -> [canonical name, *aliases] (deduplicated, insertion order)."""
        ids = sorted(i for i in actor_ids if i)
        names: dict[str, str] = {}
        aliases: dict[str, list[str]] = {i: [] for i in ids}
        for chunk in _chunks(ids):
            for aid, name in s.execute(select(ActorRow.id, ActorRow.name).where(ActorRow.id.in_(chunk))):
                names[aid] = name
            q = (
                select(ActorAliasRow.actor_id, ActorAliasRow.alias)
                .where(ActorAliasRow.actor_id.in_(chunk))
                .order_by(ActorAliasRow.id)
            )
            for aid, alias in s.execute(q):
                aliases[aid].append(alias)
        return {i: _dedup([names.get(i), *aliases[i]]) for i in ids}

    def events(
        self,
        actor: str | None = None,
        type: str | None = None,  # noqa: A002 - the public name others code against
        place: str | None = None,
        since: date | None = None,
        until: date | None = None,
        doc_ids: list[str] | None = None,
        *,
        ids: list[str] | None = None,
    ) -> list[dict]:
        """Events as plain dicts (see README/the brief for the keys), ordered by date then id.

        actor: case-insensitive substring of actor1/actor2/associated names or any alias of them;
        type: event_type or sub_event_type (case-insensitive, exact); place: substring of
        location/admin1/admin2/admin3; since/until: inclusive (undated events are excluded when
        either is given); doc_ids: only events reported by one of these documents.
        """
        q = select(EventRow)
        if type:
            t = type.strip().lower()
            q = q.where(or_(func.lower(EventRow.event_type) == t, func.lower(EventRow.sub_event_type) == t))
        if since is not None:
            q = q.where(EventRow.event_date >= since)
        if until is not None:
            q = q.where(EventRow.event_date <= until)
        with self._read() as s:
            if ids is not None:
                rows = []
                for chunk in _chunks(list(dict.fromkeys(ids))):
                    rows.extend(s.scalars(q.where(EventRow.id.in_(chunk))))
            elif doc_ids is not None:
                found: dict[str, EventRow] = {}
                for chunk in _chunks(list(dict.fromkeys(doc_ids))):
                    sourced = select(EventSourceRow.event_id).where(EventSourceRow.doc_id.in_(chunk))
                    for r in s.scalars(q.where(EventRow.id.in_(sourced))):
                        found[r.id] = r
                rows = list(found.values())
            else:
                rows = list(s.scalars(q).all())
            rows.sort(key=lambda r: (r.event_date is None, r.event_date or date.min, r.id))

            if place:
                rows = [r for r in rows if _contains(place, (r.location, r.admin1, r.admin2, r.admin3))]

            actor_ids: set[str] = set()
            for r in rows:
                actor_ids.update(
                    i for i in (r.actor1_id, r.actor2_id, *(r.assoc_actor_1_ids or []), *(r.assoc_actor_2_ids or [])) if i
                )
            aliases = self._aliases(s, actor_ids)

            if actor:
                def hit(r: EventRow) -> bool:
                    names = [r.actor1, r.actor2, *(r.assoc_actor_1 or []), *(r.assoc_actor_2 or [])]
                    ids = [r.actor1_id, r.actor2_id, *(r.assoc_actor_1_ids or []), *(r.assoc_actor_2_ids or [])]
                    for i in ids:
                        if i:
                            names.extend(aliases.get(i, []))
                    return _contains(actor, names)

                rows = [r for r in rows if hit(r)]

            sources = self._sources(s, [r.id for r in rows])
            clusters = self._cluster_ids(s, [r.id for r in rows])
            return [self._event_dict(r, aliases, sources.get(r.id, []), clusters.get(r.id)) for r in rows]

    def member_events(self) -> list[dict]:
        """Every stored report as merging reads it: with the reposts that count for it
        (`with_appearances`) and the columns a reviewer set (`reviewed_fields`, which win in a merge)."""
        everything = self.with_appearances(self.events())
        locked = self.reviewed_fields()
        for e in everything:
            e["reviewed_fields"] = locked.get(e["id"], [])
        return everything

    def merged_events(
        self,
        actor: str | None = None,
        type: str | None = None,  # noqa: A002
        place: str | None = None,
        since: date | None = None,
        until: date | None = None,
        doc_ids: list[str] | None = None,
        *,
        include_rejected: bool = False,
        pack=None,
    ) -> list[dict]:
        """One dict per real-world event: the merged view every output shows (exports, `frontlines
        events`, the API's event list, the workbench). See `frontlines.merge.merge_members`.

        Read from the `merged_events` table (store/merged.py), which every write keeps up to date,
        so a reviewer's edit of a member (kept across re-runs by `save_result`) shows at once. The
        filters select members: a merged event is listed when any of its members matches, and is then
        shown whole. Rejected members are left out, and an event all of whose reports are rejected
        disappears, unless `include_rejected`. `pack` (optional) gives `source_scale` from its outlets.yaml.
        """
        from .schema import MergedEventDataRow, MergedEventRow

        if doc_ids is not None:  # a repost's events are those of its group's extracted copy
            groups = self.appearance_groups()
            doc_ids = sorted({m for d in doc_ids for m in groups.get(d, [d])})
        q = (merged.joined(MergedEventDataRow.data).where(merged.shown(include_rejected))
             .order_by(MergedEventRow.date_key, MergedEventRow.id))
        filtered = any(v is not None for v in (actor, type, place, since, until, doc_ids))
        if filtered:
            hit = sorted({e["cluster_id"] for e in self.events(actor=actor, type=type, place=place, since=since,
                                                               until=until, doc_ids=doc_ids)
                          if include_rejected or e["review_state"] != REJECTED})
        with self._read() as s:
            if not filtered:
                out = list(s.scalars(q))
            else:
                out = [d for chunk in _chunks(hit) for d in s.scalars(q.where(MergedEventRow.cluster_id.in_(chunk)))]
                out.sort(key=lambda e: (e.get("event_date") is None, e.get("event_date") or "", e["id"]))
        merged.finish(self, out, pack=pack, all_clusters=not filtered)
        if actor:
            # the merged event must show the actor (a report naming another target is a discrepancy)
            out = [m for m in out if _contains(actor, [m.get("actor1"), m.get("actor2"), *(m.get("assoc_actor_1") or []),
                                                       *(m.get("assoc_actor_2") or []), *(m.get("actor1_aliases") or []),
                                                       *(m.get("actor2_aliases") or [])])]
        return out

    def merged_event(self, event_id: str, *, pack=None) -> dict | None:
        """The merged event `event_id` names: a merged id (`m-<cluster id>`), or the id (or ACLED-style
        event_id_cnty) of one of its reports. With `mentions` (its member events, rejected ones included)
        and every member's `reviews`; None if there is no such event."""
        from ..merge import MERGED_PREFIX, merge_members, merges

        if event_id.startswith(MERGED_PREFIX):
            cid = event_id[len(MERGED_PREFIX):]
        else:
            ev = self.event(event_id)
            if ev is None:
                return None
            cid = ev["cluster_id"]
        with self._read() as s:
            ids = list(s.scalars(select(EventClusterRow.event_id).where(EventClusterRow.cluster_id == cid))) or [cid]
        members = self.with_appearances([e for e in self.events(ids=ids) if e["cluster_id"] == cid])
        if not members:
            return None
        with self._read() as s:
            locked = {i: list(f or []) for i, f in s.execute(select(EventRow.id, EventRow.reviewed_fields)
                                                               .where(EventRow.id.in_([e["id"] for e in members])))}
        for e in members:
            e["reviewed_fields"] = locked.get(e["id"], [])
        live = [e for e in members if e["review_state"] != REJECTED] or members
        scale = None
        if pack is not None:
            def scale(outlet: str) -> str | None:
                o = pack.resolve_outlet(outlet)
                return o.source_scale if o is not None else None
        m = merge_members(live, cid, source_scale=scale, size=len(members))
        if not any(e["review_state"] != REJECTED for e in members):
            m["review_state"] = REJECTED
        m["merge_reason"] = [r for r in merges(self, cid) if r["action"] == "merge"]
        m["mentions"] = members
        m["reviews"] = sorted((r for e in members for r in self.reviews(entity="event", entity_id=e["id"])),
                              key=lambda r: r["id"])
        if len(members) == 1:
            m["coding"] = self.event(members[0]["id"]).get("coding")
        return m

    def review_targets(self, event_id: str) -> list[str]:
        """The stored events a review of `event_id` changes: every report of a merged event (`m-<cluster
        id>`), else the one event (by id or event_id_cnty); [] if there is none."""
        from ..merge import MERGED_PREFIX

        with self._read() as s:
            if event_id.startswith(MERGED_PREFIX):
                cid = event_id[len(MERGED_PREFIX):]
                ids = sorted(s.scalars(select(EventClusterRow.event_id).where(EventClusterRow.cluster_id == cid)))
                if ids:
                    return ids
                return [cid] if s.get(EventRow, cid) is not None else []
            r = s.get(EventRow, event_id)
            if r is None:
                r = s.scalar(select(EventRow).where(EventRow.event_id_cnty == event_id).order_by(EventRow.id).limit(1))
            return [r.id] if r is not None else []

    def merged_ids(self, event_ids: list[str]) -> dict[str, str]:
        """event id -> the id of the merged event it is a report of (`merge.merged_id`)."""
        from ..merge import merged_id

        with self._read() as s:
            cl = self._cluster_ids(s, list(event_ids))
            cids = set(cl.values())
            sizes: dict[str, int] = {}
            for chunk in _chunks(sorted(cids)):
                for cid, n in s.execute(select(EventClusterRow.cluster_id, func.count())
                                        .where(EventClusterRow.cluster_id.in_(chunk)).group_by(EventClusterRow.cluster_id)):
                    sizes[cid] = n
        return {i: merged_id(cl.get(i, i), sizes.get(cl.get(i, i), 1)) for i in event_ids}

    @staticmethod
    def _sources(s: Session, event_ids: list[str]) -> dict[str, list[dict]]:
        out: dict[str, list[dict]] = {}
        for chunk in _chunks(event_ids):
            q = (
                select(EventSourceRow, DocumentRow.outlet, DocumentRow.url, DocumentRow.published)
                .join(DocumentRow, DocumentRow.id == EventSourceRow.doc_id)
                .where(EventSourceRow.event_id.in_(chunk))
                .order_by(EventSourceRow.id)
            )
            for src, outlet, url, published in s.execute(q):
                out.setdefault(src.event_id, []).append(
                    {
                        "doc_id": src.doc_id,
                        "outlet": outlet,
                        "url": url,
                        "published": _iso(published),
                        "evidence": src.evidence,
                        "evidence_start": src.evidence_start,
                        "evidence_end": src.evidence_end,
                    }
                )
        return out

    @staticmethod
    def _event_dict(r: EventRow, aliases: dict[str, list[str]], sources: list[dict], cluster_id: str | None = None) -> dict:
        def names_for(actor_id: str | None, label: str | None) -> list[str]:
            if not actor_id:
                return _dedup([label])
            return _dedup([*aliases.get(actor_id, []), label])

        notes = " ".join(_dedup(src["evidence"] for src in sources))
        if r.hedged:
            notes += f" [claim by {r.claimant}]" if r.claimant else " [unconfirmed claim]"
        return {
            "id": r.id,
            "event_id_cnty": r.event_id_cnty,
            "event_type": r.event_type,
            "sub_event_type": r.sub_event_type,
            "event_date": _iso(r.event_date),
            "year": r.event_date.year if r.event_date else None,
            "time_precision": r.time_precision,
            "actor1": r.actor1,
            "actor1_id": r.actor1_id,
            "actor1_aliases": names_for(r.actor1_id, r.actor1),
            "inter1": r.inter1,
            "assoc_actor_1": list(r.assoc_actor_1 or []),
            "actor2": r.actor2,
            "actor2_id": r.actor2_id,
            "actor2_aliases": names_for(r.actor2_id, r.actor2),
            "inter2": r.inter2,
            "assoc_actor_2": list(r.assoc_actor_2 or []),
            "location": r.location,
            "place_id": r.place_id,
            "latitude": r.latitude,
            "longitude": r.longitude,
            "admin1": r.admin1,
            "admin2": r.admin2,
            "admin3": r.admin3,
            "geo_precision": r.geo_precision,
            "country": r.country,
            "iso": r.iso,
            "region": r.region,
            "fatalities": r.fatalities,
            "injured": r.injured,
            "hedged": bool(r.hedged),
            "claimant": r.claimant,
            "hedge_cue": r.hedge_cue,
            "confidence": r.confidence,
            "review_state": r.review_state,
            "sources": sources,
            "source": "; ".join(_dedup(src["outlet"] or src["doc_id"] for src in sources)),
            "source_scale": None,
            "notes": notes.strip(),
            "cluster_id": cluster_id or r.id,  # merge.py's event_clusters; else its own
            "timestamp": _unix(r.created_at),
        }

    def relations(self, doc_ids: list[str] | None = None) -> list[dict]:
        q = select(RelationRow).order_by(RelationRow.date.is_(None), RelationRow.date, RelationRow.id)
        with self._read() as s:
            if doc_ids is not None:
                rows = []
                for chunk in _chunks(list(doc_ids)):
                    rows.extend(s.scalars(q.where(RelationRow.doc_id.in_(chunk))).all())
                rows.sort(key=lambda r: (r.date is None, r.date or date.min, r.id))
            else:
                rows = list(s.scalars(q).all())
            aliases = self._aliases(s, {i for r in rows for i in (r.source_id, r.target_id)})
            return [
                {
                    "id": r.id,
                    "type": r.type,
                    "source": r.source,
                    "source_id": r.source_id,
                    "source_aliases": _dedup([*aliases.get(r.source_id, []), r.source]),
                    "target": r.target,
                    "target_id": r.target_id,
                    "target_aliases": _dedup([*aliases.get(r.target_id, []), r.target]),
                    "date": _iso(r.date),
                    "date_precision": r.date_precision,
                    "valid_until": _iso(r.valid_until),
                    "n_events": r.n_events,
                    "last_date": _iso(r.last_date),
                    "rule": r.rule,
                    "hedged": bool(r.hedged),
                    "derived": bool(r.derived),
                    "confidence": r.confidence,
                    "doc_id": r.doc_id,
                    "evidence": r.evidence,
                    "evidence_start": r.evidence_start,
                    "evidence_end": r.evidence_end,
                }
                for r in rows
            ]

    @staticmethod
    def _document_meta(r: DocumentRow) -> dict:
        return {
            "id": r.id,
            "content_hash": r.content_hash,
            "source_path": r.source_path,
            "line": r.line,
            "title": r.title,
            "url": r.url,
            "outlet": r.outlet,
            "published": _iso(r.published),
            "published_source": r.published_source,
            "published_confidence": r.published_confidence,
            "published_note": r.published_note,
            "extra": dict(r.extra or {}),
            "ingested_at": _iso_utc(r.ingested_at),
        }

    def documents(self) -> list[dict]:
        """Every stored document's metadata (no text), with `n_events` and `n_relations`."""
        with self._read() as s:
            n_events = dict(
                s.execute(
                    select(EventSourceRow.doc_id, func.count(func.distinct(EventSourceRow.event_id))).group_by(
                        EventSourceRow.doc_id
                    )
                ).all()
            )
            n_rel = dict(
                s.execute(select(RelationRow.doc_id, func.count(RelationRow.id)).group_by(RelationRow.doc_id)).all()
            )
            rows = s.scalars(select(DocumentRow).order_by(DocumentRow.id)).all()
            return [
                {**self._document_meta(r), "n_events": n_events.get(r.id, 0), "n_relations": n_rel.get(r.id, 0)}
                for r in rows
            ]

    def document(self, doc_id: str) -> dict | None:
        """One document with `text`, `removed` spans and the derived `cleaned_text`."""
        with self._read() as s:
            r = s.get(DocumentRow, doc_id)
            if r is None:
                return None
            spans = s.scalars(
                select(RemovedSpanRow)
                .where(RemovedSpanRow.doc_id == doc_id)
                .order_by(RemovedSpanRow.start, RemovedSpanRow.end, RemovedSpanRow.id)
            ).all()
            return {
                **self._document_meta(r),
                "text": r.text,
                "removed": [{"start": sp.start, "end": sp.end, "kind": sp.kind, "reason": sp.reason or ""} for sp in spans],
                "cleaned_text": _cleaned(r.text, list(spans)),
            }

    def failures(self) -> list[dict]:
        with self._read() as s:
            rows = s.scalars(select(FailureRow).order_by(FailureRow.id)).all()
            return [
                {
                    "id": r.id,
                    "path": r.path,
                    "line": r.line,
                    "reason": r.reason,
                    "run_id": r.run_id,
                    "created_at": _iso_utc(r.created_at),
                }
                for r in rows
            ]

    # ------------------------------------------------------------------ review (the workbench)

    def event(self, event_id: str) -> dict | None:
        """One event as `events()` gives it, plus `reviewed_fields`, `coding` and its `reviews` (oldest first).

        `event_id` is the event's id or its ACLED-style `event_id_cnty` ("SYR1234567")."""
        with self._read() as s:
            r = s.get(EventRow, event_id)
            if r is None:
                r = s.scalar(select(EventRow).where(EventRow.event_id_cnty == event_id).order_by(EventRow.id).limit(1))
            if r is None:
                return None
            event_id = r.id
            ids = {i for i in (r.actor1_id, r.actor2_id, *(r.assoc_actor_1_ids or []), *(r.assoc_actor_2_ids or [])) if i}
            d = self._event_dict(r, self._aliases(s, ids), self._sources(s, [r.id]).get(r.id, []),
                                 self._cluster_ids(s, [r.id]).get(r.id))
            d["reviewed_fields"] = list(r.reviewed_fields or [])
            d["coding"] = r.coding
        d["reviews"] = self.reviews(entity="event", entity_id=event_id)
        return d

    def appearance_groups(self) -> dict[str, list[str]]:
        """doc id -> every document of its near-duplicate group (canonical + appearances, itself
        included, sorted), for the documents of a group of two or more (dedup.py)."""
        groups: dict[str, set[str]] = {}
        with self._read() as s:
            for doc_id, canon in s.execute(select(AppearanceRow.doc_id, AppearanceRow.duplicate_of)):
                groups.setdefault(canon, {canon}).add(doc_id)
        out: dict[str, list[str]] = {}
        for members in groups.values():
            ordered = sorted(members)
            for d in members:
                out[d] = ordered
        return out

    def with_appearances(self, events: list[dict]) -> list[dict]:
        """The events with a source added for each near-duplicate copy of a source document.

        A repost is stored but not extracted (dedup.RepostFilter): it reports the events of the copy
        of its group that was. Its added source has the copy's evidence sentence, no offsets (they are
        the other document's), and `appearance_of` naming that copy. Changes the dicts in place."""
        groups = self.appearance_groups()
        if not groups:
            return events
        need = sorted({m for e in events for src in e.get("sources") or [] for m in groups.get(src["doc_id"], [])})
        meta: dict[str, tuple] = {}
        with self._read() as s:
            for chunk in _chunks(need):
                for i, outlet, url, published in s.execute(select(DocumentRow.id, DocumentRow.outlet, DocumentRow.url,
                                                                  DocumentRow.published).where(DocumentRow.id.in_(chunk))):
                    meta[i] = (outlet, url, published)
        for e in events:
            sources = e.get("sources") or []
            own = {src["doc_id"] for src in sources}
            added = []
            for src in sources:
                for m in groups.get(src["doc_id"], []):
                    if m in own or m not in meta:
                        continue
                    own.add(m)
                    outlet, url, published = meta[m]
                    added.append({"doc_id": m, "outlet": outlet, "url": url, "published": _iso(published),
                                  "evidence": src.get("evidence"), "evidence_start": None, "evidence_end": None,
                                  "appearance_of": src["doc_id"]})
            if added:
                e["sources"] = [*sources, *added]
        return events

    def reviewed_fields(self) -> dict[str, list[str]]:
        """event id -> the columns a person set, for every event that has any."""
        with self._read() as s:
            rows = s.execute(select(EventRow.id, EventRow.reviewed_fields).where(EventRow.reviewed_fields.is_not(None)))
            return {i: list(f) for i, f in rows if f}

    @staticmethod
    def _log(s: Session, entity: str, entity_id: str, field: str | None, before, after, who: str | None) -> None:
        s.add(ReviewRow(entity=entity, entity_id=entity_id, field=field, before=_jsonable(before),
                        after=_jsonable(after), who=who, at=utcnow()))

    def _find_actor(self, s: Session, name: str) -> ActorRow | None:
        """A stored actor whose id, name or alias is `name` (folded); None if there is none."""
        row = s.get(ActorRow, name)
        if row is not None:
            return row
        key = match_key(name)
        for r in s.scalars(select(ActorRow).where(func.lower(ActorRow.name) == name.strip().lower())):
            return r
        aid = s.scalar(select(ActorAliasRow.actor_id).where(ActorAliasRow.normalized == key).limit(1))
        return s.get(ActorRow, aid) if aid else None

    def _actor_for_edit(self, s: Session, name: str) -> ActorRow:
        row = self._find_actor(s, name)
        if row is None:  # a name nobody knows yet: a provisional actor, flagged for review
            aid = provisional_id(name)
            row = s.get(ActorRow, aid)
            if row is None:
                row = ActorRow(id=aid, name=name.strip(), acled_name=None, inter=None, kind=None,
                               provisional=True, needs_review=True, pack=None)
                s.add(row)
                s.flush()
                s.add(ActorAliasRow(actor_id=aid, alias=name.strip(), normalized=match_key(name)))
                s.flush()
        return row

    def _normalise_changes(self, s: Session, r: EventRow, changes: dict) -> dict:
        """Validate a reviewer's changes and expand them to columns (actor name -> id, label, inter...).

        The one place every edit is checked (the API and the CLI both come through here): types and
        bounds (frontlines.store.limits) first, before anything is looked up or added; ValueError
        says what was wrong.
        """
        from ..models import EVENT_TYPES, SUB_EVENT_TYPES
        L = limits

        if not isinstance(changes, dict):
            raise ValueError("changes must map column names to values")
        unknown = sorted(str(k)[:40] for k in set(changes) - set(EDITABLE_COLUMNS))
        if unknown:
            raise ValueError(f"not editable: {', '.join(unknown)}; editable: {', '.join(EDITABLE_COLUMNS)}")
        out = dict(changes)
        for key in ("event_type", "sub_event_type"):
            if key in out and out[key] is not None and not isinstance(out[key], str):
                raise ValueError(f"{key} must be text")
        if "event_date" in out:
            out["event_date"] = L.check_event_date(out["event_date"])
        if "time_precision" in out:
            L.check_int(out["time_precision"], "time_precision", 1, 3)
        if "geo_precision" in out and out["geo_precision"] is not None:
            L.check_int(out["geo_precision"], "geo_precision", 1, 3)
        for key in ("inter1", "inter2"):
            if key in out and out[key] is not None:
                L.check_int(out[key], key, 0, 8)
        if "iso" in out and out["iso"] is not None:
            L.check_int(out["iso"], "iso", 0, 999)
        for key in ("fatalities", "injured"):
            if key in out and not (out[key] is None and key == "injured"):
                L.check_count(out[key], key)
        for key in ("actor1", "actor2"):
            v = out.get(key)
            if v is not None and not (isinstance(v, str) and not v.strip()):
                out[key] = L.check_name(v, key)
        for key in ("actor1_id", "actor2_id", "place_id"):
            if out.get(key) is not None:
                out[key] = L.check_text(out[key], key, L.MAX_ID)
        for n in ("1", "2"):
            for key, limit in ((f"assoc_actor_{n}", L.MAX_NAME), (f"assoc_actor_{n}_ids", L.MAX_ID)):
                if out.get(key) is None:
                    continue
                if not isinstance(out[key], (list, tuple)) or len(out[key]) > L.MAX_LIST:
                    raise ValueError(f"{key} must be a list of at most {L.MAX_LIST} names")
                out[key] = [L.check_text(v, key, limit) for v in out[key]]
        for key in ("admin1", "admin2", "admin3", "country", "claimant"):
            if out.get(key) is not None:
                out[key] = L.check_text(out[key], key, blank_ok=True) or None
        if out.get("location") is not None:
            if isinstance(out["location"], str) and not out["location"].strip():
                raise ValueError("location cannot be blank (null clears it)")
            out["location"] = L.check_name(out["location"], "location")
        for key in ("latitude", "longitude"):
            if out.get(key) is not None:
                out[key] = L.check_coordinate(out[key], key)
        if "event_type" in out or "sub_event_type" in out:
            et = out.get("event_type", r.event_type)
            if et not in EVENT_TYPES:
                raise ValueError(f"unknown event_type {et!r}; one of: {', '.join(EVENT_TYPES)}")
            sub = out.get("sub_event_type")
            if sub is None:
                sub = r.sub_event_type if r.sub_event_type in EVENT_TYPES[et] else EVENT_TYPES[et][0]
                out["sub_event_type"] = sub
            if SUB_EVENT_TYPES.get(sub) != et:
                raise ValueError(f"sub_event_type {sub!r} is not a kind of {et!r}; one of: {', '.join(EVENT_TYPES[et])}")
            out["event_type"] = et
        if "hedged" in out and not isinstance(out["hedged"], bool):
            raise ValueError("hedged must be true or false")
        for n in ("1", "2"):
            key = f"actor{n}"
            if key in out and f"{key}_id" not in out:
                name = out[key]
                if name is None or not str(name).strip():
                    if n == "1":
                        raise ValueError("actor1 cannot be empty")
                    out.update({"actor2": None, "actor2_id": None, "inter2": None})
                else:
                    row = self._actor_for_edit(s, str(name))
                    out.update({key: row.name, f"{key}_id": row.id, f"inter{n}": row.inter})
            elif f"{key}_id" in out and out[f"{key}_id"] is not None:
                row = s.get(ActorRow, out[f"{key}_id"])
                if row is None:
                    raise ValueError(f"unknown actor id {out[f'{key}_id']!r}")
                out.setdefault(key, row.name)
                out.setdefault(f"inter{n}", row.inter)
        if "location" in out:
            loc = out["location"]
            if loc is not None and not str(loc).strip():
                raise ValueError("location cannot be blank (null clears it)")
            if "place_id" not in out and loc is not None and "latitude" not in out:
                place = s.scalar(select(PlaceRow).where(func.lower(PlaceRow.name) == str(loc).strip().lower()).limit(1))
                if place is not None:
                    out.update({"place_id": place.id, "location": place.name, "latitude": place.lat,
                                "longitude": place.lon, "admin1": place.admin1, "admin2": place.admin2,
                                "admin3": place.admin3})
                else:
                    out.setdefault("place_id", None)
        if out.get("place_id") is not None and s.get(PlaceRow, out["place_id"]) is None:
            s.add(PlaceRow(id=out["place_id"], name=out.get("location") or out["place_id"], kind=None,
                           lat=out.get("latitude"), lon=out.get("longitude"), admin1=out.get("admin1"),
                           admin2=out.get("admin2"), admin3=out.get("admin3"), country=out.get("country"),
                           iso=out.get("iso")))
            s.flush()
        return out

    def update_event(self, event_id: str, changes: dict, who: str | None, *, state: str = EDITED) -> dict:
        """A reviewer's edit: one `reviews` row per changed column (who, when, before, after).

        Every column named in `changes` joins the event's `reviewed_fields`, which `save_result`
        never overwrites. Raises KeyError (no such event), ValueError (bad field or value).
        """
        if not changes:
            raise ValueError("no changes given")
        with self._tx() as s:
            r = s.get(EventRow, event_id)
            if r is None:
                raise KeyError(event_id)
            cols = self._normalise_changes(s, r, changes)
            locked = list(r.reviewed_fields or [])
            for col, after in cols.items():
                before = getattr(r, col)
                if col not in locked:
                    locked.append(col)
                if before != after:
                    self._log(s, "event", event_id, col, before, after, who)
                    setattr(r, col, after)
            r.reviewed_fields = locked
            if r.review_state != state:
                self._log(s, "event", event_id, "review_state", r.review_state, state, who)
                r.review_state = state
            self._touch(s, [event_id])
        return self.event(event_id)  # type: ignore[return-value]

    def set_review_state(self, event_id: str, state: str, who: str | None, note: str | None = None) -> dict:
        """Confirm or reject (or reopen) an event; logged like an edit."""
        if state not in REVIEW_STATES:
            raise ValueError(f"unknown review state {state!r}; one of {', '.join(REVIEW_STATES)}")
        note = limits.check_note(note)
        with self._tx() as s:
            r = s.get(EventRow, event_id)
            if r is None:
                raise KeyError(event_id)
            self._log(s, "event", event_id, "review_state", r.review_state, state, who)
            if note:
                self._log(s, "event", event_id, "note", None, note, who)
            r.review_state = state
            self._touch(s, [event_id])
        return self.event(event_id)  # type: ignore[return-value]

    def confirm_event(self, event_id: str, who: str | None, note: str | None = None) -> dict:
        return self.set_review_state(event_id, CONFIRMED, who, note)

    def reject_event(self, event_id: str, who: str | None, note: str | None = None) -> dict:
        return self.set_review_state(event_id, REJECTED, who, note)

    def reviews(self, entity: str | None = None, entity_id: str | None = None, limit: int | None = None) -> list[dict]:
        """The audit log (oldest first): who changed which field of what, when, from what to what."""
        q = select(ReviewRow).order_by(ReviewRow.id)
        if entity:
            q = q.where(ReviewRow.entity == entity)
        if entity_id:
            q = q.where(ReviewRow.entity_id == entity_id)
        with self._read() as s:
            rows = list(s.scalars(q).all())
        if limit is not None:
            rows = rows[-limit:]
        return [
            {"id": r.id, "entity": r.entity, "entity_id": r.entity_id, "field": r.field, "before": r.before,
             "after": r.after, "who": r.who, "at": _iso_utc(r.at)}
            for r in rows
        ]

    # ------------------------------------------------------------------ actors (review)

    @staticmethod
    def _actor_dict(r: ActorRow, aliases: list[str], n_events: int = 0, n_relations: int = 0) -> dict:
        return {"id": r.id, "name": r.name, "acled_name": r.acled_name, "inter": r.inter, "kind": r.kind,
                "provisional": bool(r.provisional), "needs_review": bool(r.needs_review), "pack": r.pack,
                "aliases": aliases, "n_events": n_events, "n_relations": n_relations}

    def actors(self, query: str | None = None) -> list[dict]:
        """Stored actors (name order) with aliases and how many events/relations name them."""
        with self._read() as s:
            rows = list(s.scalars(select(ActorRow).order_by(ActorRow.name, ActorRow.id)).all())
            aliases: dict[str, list[str]] = {}
            for aid, alias in s.execute(select(ActorAliasRow.actor_id, ActorAliasRow.alias).order_by(ActorAliasRow.id)):
                aliases.setdefault(aid, []).append(alias)
            n_ev: dict[str, int] = {}
            for r in s.scalars(select(EventRow)):
                for i in {r.actor1_id, r.actor2_id, *(r.assoc_actor_1_ids or []), *(r.assoc_actor_2_ids or [])}:
                    if i:
                        n_ev[i] = n_ev.get(i, 0) + 1
            n_rel: dict[str, int] = {}
            for a, b in s.execute(select(RelationRow.source_id, RelationRow.target_id)):
                n_rel[a] = n_rel.get(a, 0) + 1
                n_rel[b] = n_rel.get(b, 0) + 1
        out = [self._actor_dict(r, _dedup(aliases.get(r.id, [])), n_ev.get(r.id, 0), n_rel.get(r.id, 0)) for r in rows]
        if query:
            out = [a for a in out if _contains(query, [a["id"], a["name"], a["acled_name"], *a["aliases"]])]
        return out

    def actor(self, actor_id: str) -> dict | None:
        found = [a for a in self.actors() if a["id"] == actor_id]
        if not found:
            return None
        with self._read() as s:
            merged = list(s.scalars(select(ActorRedirectRow.from_id).where(ActorRedirectRow.to_id == actor_id)))
        return {**found[0], "merged_from": merged, "reviews": self.reviews(entity="actor", entity_id=actor_id)}

    def add_alias(self, actor_id: str, alias: str, who: str | None) -> dict:
        alias = limits.check_name("" if alias is None else alias, "alias")
        with self._tx() as s:
            if s.get(ActorRow, actor_id) is None:
                raise KeyError(actor_id)
            existing = set(s.scalars(select(ActorAliasRow.alias).where(ActorAliasRow.actor_id == actor_id)))
            if alias in existing:
                raise ReviewConflict(f"{alias!r} is already an alias of {actor_id}")
            s.add(ActorAliasRow(actor_id=actor_id, alias=alias, normalized=match_key(alias)))
            self._log(s, "actor", actor_id, "alias", None, alias, who)
            self._touch(s, merged.events_of_actors(s, [actor_id]))
        return self.actor(actor_id)  # type: ignore[return-value]

    def merge_actors(self, keep_id: str, other_id: str, who: str | None) -> dict:
        """Fold actor `other_id` into `keep_id`: events, relations and aliases move; later runs follow."""
        if keep_id == other_id:
            raise ReviewConflict("cannot merge an actor into itself")
        with self._tx() as s:
            keep, other = s.get(ActorRow, keep_id), s.get(ActorRow, other_id)
            if keep is None:
                raise KeyError(keep_id)
            if other is None:
                raise KeyError(other_id)
            other_aliases = list(s.scalars(select(ActorAliasRow).where(ActorAliasRow.actor_id == other_id)))
            before = {"id": other.id, "name": other.name, "aliases": [a.alias for a in other_aliases]}
            moved_events = self._repoint_events(s, {other_id}, keep)
            self._touch(s, [*moved_events, *merged.events_of_actors(s, [keep_id])])
            for rel in s.scalars(select(RelationRow).where(or_(RelationRow.source_id == other_id, RelationRow.target_id == other_id))):
                if rel.source_id == other_id:
                    rel.source_id, rel.source = keep_id, keep.name
                if rel.target_id == other_id:
                    rel.target_id, rel.target = keep_id, keep.name
            known = set(s.scalars(select(ActorAliasRow.alias).where(ActorAliasRow.actor_id == keep_id)))
            for a in other_aliases:
                if a.alias in known:
                    s.delete(a)
                else:
                    a.actor_id = keep_id
                    known.add(a.alias)
            if other.name not in known and other.name != keep.name:
                s.add(ActorAliasRow(actor_id=keep_id, alias=other.name, normalized=match_key(other.name)))
            if keep.inter is None:
                keep.inter = other.inter
            s.flush()
            for red in s.scalars(select(ActorRedirectRow).where(ActorRedirectRow.to_id == other_id)):
                red.to_id = keep_id
            s.flush()
            s.delete(other)
            s.flush()
            s.add(ActorRedirectRow(from_id=other_id, to_id=keep_id, who=who, at=utcnow()))
            self._log(s, "actor", other_id, "merged_into", before, keep_id, who)
            self._log(s, "actor", keep_id, "merged_from", other_id, {"events": moved_events}, who)
        return self.actor(keep_id)  # type: ignore[return-value]

    @staticmethod
    def _repoint_events(s: Session, from_ids: set[str], to: ActorRow, only: set[str] | None = None) -> list[str]:
        moved: list[str] = []
        for ev in s.scalars(select(EventRow)):
            if only is not None and ev.id not in only:
                continue
            hit = False
            for n in ("1", "2"):
                if getattr(ev, f"actor{n}_id") in from_ids:
                    setattr(ev, f"actor{n}_id", to.id)
                    setattr(ev, f"actor{n}", to.name)
                    setattr(ev, f"inter{n}", to.inter if to.inter is not None else getattr(ev, f"inter{n}"))
                    hit = True
                ids = list(getattr(ev, f"assoc_actor_{n}_ids") or [])
                if any(i in from_ids for i in ids):
                    names = list(getattr(ev, f"assoc_actor_{n}") or [])
                    for j, i in enumerate(ids):
                        if i in from_ids:
                            ids[j] = to.id
                            if j < len(names):
                                names[j] = to.name
                    setattr(ev, f"assoc_actor_{n}_ids", ids)
                    setattr(ev, f"assoc_actor_{n}", names)
                    hit = True
            if hit:
                moved.append(ev.id)
        return moved

    def split_actor(self, actor_id: str, aliases: list[str], name: str, who: str | None) -> dict:
        """Move some aliases of an actor to a new actor `name`, with the events whose evidence uses them.

        The moved events' actor columns become reviewed fields, so a re-run keeps them split.
        """
        name = (name or "").strip()
        if not name:
            raise ValueError("the new actor needs a name")
        name = limits.check_name(name, "name")
        if not isinstance(aliases, (list, tuple)) or len(aliases) > limits.MAX_LIST:
            raise ValueError(f"aliases must be a list of at most {limits.MAX_LIST} names")
        wanted = [limits.check_name(a, "alias") for a in aliases if a is not None and (not isinstance(a, str) or a.strip())]
        if not wanted:
            raise ValueError("name at least one alias to move")
        with self._tx() as s:
            old = s.get(ActorRow, actor_id)
            if old is None:
                raise KeyError(actor_id)
            rows = {a.alias: a for a in s.scalars(select(ActorAliasRow).where(ActorAliasRow.actor_id == actor_id))}
            missing = [a for a in wanted if a not in rows]
            if missing:
                raise ValueError(f"not aliases of {actor_id}: {', '.join(missing)}")
            new_id = f"user:{slug(name)}"
            if s.get(ActorRow, new_id) is not None:
                raise ReviewConflict(f"actor {new_id} already exists")
            new = ActorRow(id=new_id, name=name, acled_name=None, inter=old.inter, kind=old.kind,
                           provisional=False, needs_review=False, pack=None)
            s.add(new)
            s.flush()
            for a in wanted:
                rows[a].actor_id = new_id
            if name not in wanted:
                s.add(ActorAliasRow(actor_id=new_id, alias=name, normalized=match_key(name)))
            staying = [a for a in rows if a not in wanted] + [old.name]
            s.flush()
            # events of the old actor whose evidence names it only by a moved alias
            candidates: set[str] = set()
            for ev in s.scalars(select(EventRow)):
                ids = {ev.actor1_id, ev.actor2_id, *(ev.assoc_actor_1_ids or []), *(ev.assoc_actor_2_ids or [])}
                if actor_id not in ids:
                    continue
                evidence = " ".join(x or "" for x in s.scalars(select(EventSourceRow.evidence).where(EventSourceRow.event_id == ev.id)))
                if _contains_word(evidence, wanted) and not _contains_word(evidence, staying):
                    candidates.add(ev.id)
            moved = self._repoint_events(s, {actor_id}, new, only=candidates)
            self._touch(s, [*moved, *merged.events_of_actors(s, [actor_id])])
            for eid in moved:
                ev = s.get(EventRow, eid)
                locked = list(ev.reviewed_fields or [])
                for n in ("1", "2"):
                    for col in (f"actor{n}", f"actor{n}_id", f"inter{n}", f"assoc_actor_{n}", f"assoc_actor_{n}_ids"):
                        if col not in locked:
                            locked.append(col)
                ev.reviewed_fields = locked
                if ev.review_state == UNREVIEWED:
                    ev.review_state = EDITED
                self._log(s, "event", eid, "actor", actor_id, new_id, who)
            self._log(s, "actor", actor_id, "split", {"aliases": wanted},
                      {"new_actor": new_id, "name": name, "events": moved}, who)
        return {"from": self.actor(actor_id), "new": self.actor(new_id)}

    # ------------------------------------------------------------------ sources

    def sources(self) -> list[dict]:
        """Outlets of the stored documents with counts and the span of their publication dates."""
        out: dict[str, dict] = {}
        for d in self.documents():
            key = d["outlet"] or "(unknown outlet)"
            o = out.setdefault(key, {"outlet": key, "documents": 0, "events": 0, "relations": 0,
                                     "first_published": None, "last_published": None, "doc_ids": []})
            o["documents"] += 1
            o["events"] += d["n_events"]
            o["relations"] += d["n_relations"]
            o["doc_ids"].append(d["id"])
            p = d["published"]
            if p:
                o["first_published"] = min(filter(None, [o["first_published"], p]))
                o["last_published"] = max(filter(None, [o["last_published"], p]))
        return sorted(out.values(), key=lambda o: (-o["documents"], o["outlet"]))

    # ------------------------------------------------------------------ API tokens

    def create_token(self, name: str) -> str:
        """A new bearer token for `name`; returned once, only its SHA-256 is stored."""
        name = (name or "").strip()
        if not name:
            raise ValueError("a token needs a name (recorded as who made each change)")
        token = "fl_" + secrets.token_urlsafe(32)
        taken = ValueError(f"token name {name!r} is taken (names are unique: they record who made each change)")
        try:
            with self._tx() as s:
                if s.scalar(select(ApiTokenRow.id).where(ApiTokenRow.name == name).limit(1)) is not None:
                    raise taken
                s.add(ApiTokenRow(name=name, token_hash=_token_hash(token), created_at=utcnow()))
        except IntegrityError:  # a concurrent create of the same name won
            raise taken from None
        return token

    def check_token(self, token: str | None) -> str | None:
        """The token's name if it is a live token, else None (also stamps last use)."""
        if not token:
            return None
        with self._tx() as s:
            row = s.scalar(select(ApiTokenRow).where(ApiTokenRow.token_hash == _token_hash(token)))
            if row is None:
                return None
            row.last_used_at = utcnow()
            return row.name

    def tokens(self) -> list[dict]:
        with self._read() as s:
            rows = s.scalars(select(ApiTokenRow).order_by(ApiTokenRow.id)).all()
            return [{"id": r.id, "name": r.name, "created_at": _iso_utc(r.created_at), "last_used_at": _iso_utc(r.last_used_at)}
                    for r in rows]

    def revoke_token(self, token_id: int) -> bool:
        with self._tx() as s:
            row = s.get(ApiTokenRow, token_id)
            if row is None:
                return False
            s.delete(row)
            return True

    def event_dates(self) -> tuple[str | None, str | None]:
        """The first and last date of any stored report (ISO), or None."""
        with self._read() as s:
            lo, hi = s.execute(select(func.min(EventRow.event_date), func.max(EventRow.event_date))).one()
        return (_iso(lo) if lo is None or isinstance(lo, date) else str(lo)[:10],
                _iso(hi) if hi is None or isinstance(hi, date) else str(hi)[:10])

    def counts(self, tables: Iterable[str] | None = None) -> dict[str, int]:
        """Rows per table (all of them, or those named)."""
        wanted = None if tables is None else set(tables)
        with self._read() as s:
            return {t.name: int(s.scalar(select(func.count()).select_from(t)) or 0) for t in metadata.sorted_tables
                    if wanted is None or t.name in wanted}

    # ------------------------------------------------------------------ merged events (merge.py, 0003)

    @staticmethod
    def _cluster_ids(s: Session, event_ids: list[str]) -> dict[str, str]:
        """event id -> cluster id, for events merge.py placed in a cluster (others are their own)."""
        out: dict[str, str] = {}
        for chunk in _chunks(event_ids):
            q = select(EventClusterRow.event_id, EventClusterRow.cluster_id).where(EventClusterRow.event_id.in_(chunk))
            out.update(dict(s.execute(q).all()))
        return out


class _ActorCache:
    """Upserts actors and their aliases within one session, touching each actor's rows once."""

    def __init__(self, s: Session, redirects: dict[str, str] | None = None):
        self.s = s
        self.rows: dict[str, ActorRow] = {}
        self.aliases: dict[str, set[str]] = {}
        self.redirects = redirects or {}

    def resolve(self, aid: str | None, label: str | None) -> tuple[str | None, str | None]:
        """(id, label) after reviewers' merges: a merged-away actor's id -> the actor it went into."""
        if aid and aid in self.redirects:
            to = self.redirects[aid]
            row = self.rows.get(to) or self.s.get(ActorRow, to)
            if row is not None:
                return to, row.name
        return aid, label

    def redirect_event_values(self, values: dict) -> None:
        for n in ("1", "2"):
            values[f"actor{n}_id"], values[f"actor{n}"] = self.resolve(values[f"actor{n}_id"], values[f"actor{n}"])
            ids, names = [], []
            for i, name in zip(values[f"assoc_actor_{n}_ids"], values[f"assoc_actor_{n}"]):
                i, name = self.resolve(i, name)
                ids.append(i)
                names.append(name)
            values[f"assoc_actor_{n}_ids"], values[f"assoc_actor_{n}"] = ids, names

    def _id(self, ref: ActorRef) -> tuple[str, bool, bool]:
        """(the id `ref` is stored under, whether a reviewer's merge redirected it, whether provisional)."""
        aid = _actor_key(ref)
        redirected = aid in self.redirects and self.resolve(aid, None)[0] != aid
        if redirected:
            aid = self.redirects[aid]
        return aid, redirected, bool(ref.provisional or ref.actor_id is None or aid.startswith("prov:"))

    @staticmethod
    def _spellings(ref: ActorRef) -> list[str]:
        # longer than any name may be (a span gone wrong): not kept as a spelling, on any backend
        out = ((alias or "").strip() for alias in (*ref.aliases, ref.surface))
        return [a for a in out if a and len(a) <= limits.MAX_NAME]

    def insert_missing(self, refs: list[ActorRef]) -> None:
        """Add the actors and spellings `refs` name that are not stored yet, in (id, alias) order."""
        first: dict[str, tuple[ActorRef, bool]] = {}
        spellings: dict[str, set[str]] = {}
        for ref in refs:
            aid, _redirected, provisional = self._id(ref)
            first.setdefault(aid, (ref, provisional))
            if not self._knows_all(aid, ref):
                spellings.setdefault(aid, set()).update(self._spellings(ref))
        missing: list[dict] = []
        for aid in sorted(first):
            self._row(aid, *first[aid])
            known = self.aliases[aid]
            for alias in sorted(spellings.get(aid, set()) - known):
                known.add(alias)
                missing.append({"actor_id": aid, "alias": alias, "normalized": match_key(alias)})
        if missing:  # one statement for them all (a new actor brings every spelling the pack holds for it)
            self.s.execute(_insert(self.s, ActorAliasRow).on_conflict_do_nothing(index_elements=["actor_id", "alias"]),
                           missing)

    def _row(self, aid: str, ref: ActorRef, provisional: bool) -> ActorRow:
        row = self.rows.get(aid)
        if row is None:
            row = self.s.get(ActorRow, aid)
            if row is None:
                # shared by every document that names it: a concurrent writer may add it too
                self.s.execute(_insert(self.s, ActorRow).values(
                    id=aid,
                    name=ref.label,
                    acled_name=None if provisional else ref.name,
                    inter=ref.inter,
                    kind=None,
                    provisional=provisional,
                    needs_review=provisional,
                    pack=None,
                ).on_conflict_do_nothing(index_elements=["id"]))
                row = self.s.get(ActorRow, aid)
            self.aliases[aid] = set(
                self.s.scalars(select(ActorAliasRow.alias).where(ActorAliasRow.actor_id == aid))
            )
            self.rows[aid] = row
        return row

    def _alias(self, aid: str, alias: str) -> None:
        known = self.aliases[aid]
        if alias not in known:
            known.add(alias)
            self.s.execute(_insert(self.s, ActorAliasRow).values(
                actor_id=aid, alias=alias, normalized=match_key(alias),
            ).on_conflict_do_nothing(index_elements=["actor_id", "alias"]))

    def upsert(self, ref: ActorRef) -> str:
        aid, redirected, provisional = self._id(ref)
        row = self._row(aid, ref, provisional)
        if row.inter is None and ref.inter is not None:
            row.inter = ref.inter
        if row.acled_name is None and not provisional and ref.name and not redirected:
            row.acled_name = ref.name
        if not self._knows_all(aid, ref):
            known = self.aliases[aid]
            for alias in self._spellings(ref):
                if alias not in known:  # insert_missing stored the others
                    self._alias(aid, alias)
        return aid

    def _knows_all(self, aid: str, ref: ActorRef) -> bool:
        """Every spelling `ref` brings is stored already: the common case, an actor named again, told
        without stripping and measuring its hundreds of aliases (stored spellings are stripped, so a raw
        one found among them needs neither)."""
        known = self.aliases.get(aid)
        return known is not None and known.issuperset(ref.aliases) and (ref.surface or "").strip() in known
