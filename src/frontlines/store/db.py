"""The `Store`: persistence for documents, events, relations, failures and runs.

SQLite by default (`platformdirs.user_data_dir("frontlines")/frontlines.db`), overridable by the
`FRONTLINES_DB` environment variable or an explicit argument: a filesystem path or any SQLAlchemy
URL (e.g. `postgresql+psycopg://user@host/frontlines`). Opening a Store runs the packaged Alembic
migrations up to `head`, so a fresh file gets the schema and an old one gets upgraded.

Everything the read methods return is a plain JSON-able dict (dates as ISO strings).
"""
from __future__ import annotations

import calendar
import hashlib
import os
import re
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, delete, event, func, or_, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool, StaticPool

from ..models import ActorRef, DocumentResult, IngestFailure, PlaceRef
from ..names import match_key, strip_accents
from .schema import (
    ActorAliasRow,
    ActorRow,
    DocumentRow,
    EventRow,
    EventSourceRow,
    FailureRow,
    PlaceRow,
    RelationRow,
    RemovedSpanRow,
    RunRow,
    metadata,
    utcnow,
)

ENV_VAR = "FRONTLINES_DB"
STORE_DIR = Path(__file__).resolve().parent
MIGRATIONS_DIR = STORE_DIR / "migrations"
UNREVIEWED = "unreviewed"
_CHUNK = 500  # ids per IN (...) clause, well under SQLite's bound-parameter limit

__all__ = [
    "ENV_VAR",
    "MIGRATIONS_DIR",
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


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run the packaged migrations on `engine` up to `revision`."""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


# --------------------------------------------------------------------------- ids


def _slug(text: str) -> str:
    # same shape as extract's provisional ids: leading "the" dropped, [a-z0-9] runs joined by "-"
    s = re.sub(r"^the\s+", "", strip_accents(text).strip(), flags=re.I).lower()
    s = re.sub(r"[^a-z0-9]+", "-", s).strip("-")
    if not s:
        s = hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]
    return s[:120]


def provisional_id(surface: str) -> str:
    """The id an actor gets when nothing resolved it: "prov:<slug of the surface>"."""
    return f"prov:{_slug(surface)}"


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


ZERO = {"documents": 0, "events": 0, "relations": 0}


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
            # SQLite migrations run with foreign keys off (batch table rebuilds must not cascade)
            mig = self._make_engine(for_migrations=True)
            try:
                upgrade(mig)
            finally:
                mig.dispose()
        self._session = sessionmaker(self.engine, expire_on_commit=False)

    # ------------------------------------------------------------------ plumbing

    def _make_engine(self, for_migrations: bool) -> Engine:
        url = make_url(self.url)
        if url.get_backend_name() != "sqlite":
            return create_engine(self.url, poolclass=NullPool if for_migrations else None)
        kwargs: dict = {"connect_args": {"timeout": 30}}
        if self._memory:
            kwargs["poolclass"] = StaticPool
            kwargs["connect_args"]["check_same_thread"] = False
        elif for_migrations:
            kwargs["poolclass"] = NullPool
        engine = create_engine(self.url, **kwargs)
        if not for_migrations:

            @event.listens_for(engine, "connect")
            def _fk_on(dbapi_conn, _record):  # pragma: no cover - trivial
                cur = dbapi_conn.cursor()
                cur.execute("PRAGMA foreign_keys=ON")
                cur.close()

        return engine

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        with self._session.begin() as s:
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
        with self._tx() as s:
            row = s.get(DocumentRow, doc_id)
            return row is not None and row.content_hash == content_hash

    def save_result(
        self, result: DocumentResult, *, region: str | None = None, iso3: str | None = None
    ) -> dict:
        """Idempotent upsert of one document's results; returns the rows added per kind.

        Same id and hash as stored -> nothing changes. Hash changed -> the document's spans,
        sources and relations are replaced; events only that document reported are deleted unless
        someone reviewed them. `region` fills events.region; `iso3` prefixes event_id_cnty.
        """
        doc = result.document
        chash = doc.content_hash
        counts = dict(ZERO)
        with self._tx() as s:
            row = s.get(DocumentRow, doc.id)
            if row is not None and row.content_hash == chash:
                return counts
            if row is not None:
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

            actors = _ActorCache(s)
            for ref in result.actors:
                actors.upsert(ref)
            places: dict[str, PlaceRow] = {}
            for pref in result.places:
                self._upsert_place(s, pref, places)
            for ev in result.events:
                for ref in (ev.actor1, ev.actor2, *ev.assoc_actor_1, *ev.assoc_actor_2):
                    if ref is not None:
                        actors.upsert(ref)
                if ev.location is not None:
                    self._upsert_place(s, ev.location, places)
            for rel in result.relations:
                actors.upsert(rel.source)
                actors.upsert(rel.target)
            s.flush()

            seen_events: dict[str, EventRow] = {}
            seen_sources: set[tuple[str, int]] = set()
            sources: list[EventSourceRow] = []
            for ev in result.events:
                eid = ev.key()
                values = self._event_values(ev, region=region, iso3=iso3, eid=eid)
                erow = seen_events.get(eid) or s.get(EventRow, eid)
                if erow is None:
                    erow = EventRow(id=eid, review_state=UNREVIEWED, created_at=utcnow(), **values)
                    s.add(erow)
                    counts["events"] += 1
                elif erow.review_state == UNREVIEWED and eid not in seen_events:
                    for k, v in values.items():
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

            seen_rel: set[str] = set()
            for rel in result.relations:
                rid = rel.key()
                if rid in seen_rel or s.get(RelationRow, rid) is not None:
                    continue
                seen_rel.add(rid)
                s.add(
                    RelationRow(
                        id=rid,
                        type=rel.type,
                        source_id=_actor_key(rel.source),
                        source=rel.source.label,
                        target_id=_actor_key(rel.target),
                        target=rel.target.label,
                        date=rel.date,
                        hedged=bool(rel.hedged),
                        derived=False,
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
    def _upsert_place(s: Session, ref: PlaceRef, cache: dict[str, PlaceRow]) -> None:
        if not ref.place_id:
            return
        row = cache.get(ref.place_id) or s.get(PlaceRow, ref.place_id)
        if row is None:
            row = PlaceRow(
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
            )
            s.add(row)
        cache[ref.place_id] = row

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
        }

    # ------------------------------------------------------------------ failures and runs

    def record_failure(self, failure: IngestFailure, run_id: str | None = None) -> bool:
        """Store an ingest failure; False if the same (path, line, reason) is already recorded."""
        path, reason, line = str(failure.path), str(failure.reason), failure.line
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
        with self._tx() as s:
            rows = s.scalars(select(RunRow).order_by(RunRow.started_at, RunRow.id)).all()
            return [
                {
                    "id": r.id,
                    "started_at": _iso(r.started_at),
                    "finished_at": _iso(r.finished_at),
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
        with self._tx() as s:
            if doc_ids is not None:
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
            return [self._event_dict(r, aliases, sources.get(r.id, [])) for r in rows]

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
    def _event_dict(r: EventRow, aliases: dict[str, list[str]], sources: list[dict]) -> dict:
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
            "cluster_id": r.id,
            "timestamp": _unix(r.created_at),
        }

    def relations(self, doc_ids: list[str] | None = None) -> list[dict]:
        q = select(RelationRow).order_by(RelationRow.date.is_(None), RelationRow.date, RelationRow.id)
        with self._tx() as s:
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
            "ingested_at": _iso(r.ingested_at),
        }

    def documents(self) -> list[dict]:
        """Every stored document's metadata (no text), with `n_events` and `n_relations`."""
        with self._tx() as s:
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
        with self._tx() as s:
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
        with self._tx() as s:
            rows = s.scalars(select(FailureRow).order_by(FailureRow.id)).all()
            return [
                {
                    "id": r.id,
                    "path": r.path,
                    "line": r.line,
                    "reason": r.reason,
                    "run_id": r.run_id,
                    "created_at": _iso(r.created_at),
                }
                for r in rows
            ]

    def counts(self) -> dict[str, int]:
        """Rows per table."""
        with self._tx() as s:
            return {t.name: int(s.scalar(select(func.count()).select_from(t)) or 0) for t in metadata.sorted_tables}


class _ActorCache:
    """Upserts actors and their aliases within one session, touching each actor's rows once."""

    def __init__(self, s: Session):
        self.s = s
        self.rows: dict[str, ActorRow] = {}
        self.aliases: dict[str, set[str]] = {}

    def upsert(self, ref: ActorRef) -> str:
        aid = _actor_key(ref)
        provisional = bool(ref.provisional or ref.actor_id is None or aid.startswith("prov:"))
        row = self.rows.get(aid)
        if row is None:
            row = self.s.get(ActorRow, aid)
            if row is None:
                row = ActorRow(
                    id=aid,
                    name=ref.label,
                    acled_name=None if provisional else ref.name,
                    inter=ref.inter,
                    kind=None,
                    provisional=provisional,
                    needs_review=provisional,
                    pack=None,
                )
                self.s.add(row)
                self.s.flush()  # before its aliases (no ORM relationship orders them)
                self.aliases[aid] = set()
            else:
                self.aliases[aid] = set(
                    self.s.scalars(select(ActorAliasRow.alias).where(ActorAliasRow.actor_id == aid))
                )
            self.rows[aid] = row
        if row.inter is None and ref.inter is not None:
            row.inter = ref.inter
        if row.acled_name is None and not provisional and ref.name:
            row.acled_name = ref.name
        known = self.aliases[aid]
        for alias in (*ref.aliases, ref.surface):
            alias = (alias or "").strip()
            if alias and alias not in known:
                known.add(alias)
                self.s.add(ActorAliasRow(actor_id=aid, alias=alias, normalized=match_key(alias)))
        return aid
