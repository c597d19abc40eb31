"""The workbench's reads, in SQL over the materialised merged view (`merged_events`, store/merged.py).

`Filters` holds what every workbench endpoint shares (dates, types, actor, place, text, precision,
rejected or not, a box); `where` turns it into conditions on MergedEventRow, so paging, sorting,
counting and the map and timeline aggregates all run in the database, and a page of the event list
reads only its own rows. Every function takes an open Store and returns plain JSON-able values.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Integer, and_, case, cast, false, func, or_, select

from . import merged
from .schema import MergedEventDataRow as D
from .schema import MergedEventRow as M

# column -> what it sorts by (the list's `sort`); text sorts case-insensitively
SORTS = {
    "date": M.event_date, "event_date": M.event_date, "fatalities": M.fatalities, "event_type": M.event_type,
    "sub_event_type": M.sub_event_type, "admin1": M.admin1, "admin2": M.admin2, "actor1": M.actor1,
    "actor2": M.actor2, "location": M.location, "hedged": M.hedged, "review_state": M.review_state,
    "source": M.source, "confidence": M.confidence, "event_id_cnty": M.event_id_cnty, "n_reports": M.n_reports,
}
_TEXT = {"event_type", "sub_event_type", "admin1", "admin2", "actor1", "actor2", "location", "review_state",
         "source", "event_id_cnty"}
CELL_PX = 60  # the map's grid cell, in screen pixels at the requested zoom
TILE_PX = 256  # Web Mercator: the world is 256 * 2**zoom pixels wide
UNDATED = "~"  # MergedEventRow.date_key of an event without a date
MAX_BUCKETS = 400  # timeline "auto": the finest bucket that gives at most this many


@dataclass
class Filters:
    """What the workbench filters on; empty lists and None mean "any"."""

    since: date | None = None
    until: date | None = None
    types: list[str] = field(default_factory=list)  # event type or sub-event type, case-insensitive
    sub_types: list[str] = field(default_factory=list)
    actor: str | None = None  # an actor id, or a name or alias (substring)
    admin1: list[str] = field(default_factory=list)
    q: str | None = None  # words found in actors, place or notes
    precision: list[int] = field(default_factory=list)
    include_rejected: bool = False
    bbox: tuple[float, float, float, float] | None = None  # west, south, east, north
    place: str | None = None  # substring of location or admin1-3
    hedged: bool | None = None
    reviewed: bool | None = None
    review_state: str | None = None
    doc_ids: list[str] | None = None
    actor_ids: list[str] = field(default_factory=list)  # the actors `actor` names (`resolve_actor`)


def resolve_actor(store, f: Filters) -> Filters:
    """Fill `f.actor_ids`: the stored actors whose id is `f.actor` or whose name or any alias contains
    it (case-insensitive; aliases also with accents, apostrophes and hyphens folded, their stored
    match_key), so the filter finds events by any alias."""
    if not f.actor:
        return f
    from ..names import match_key
    from .schema import ActorAliasRow, ActorRow

    a, k = f.actor.strip(), match_key(f.actor)
    low = a.casefold()
    by_alias = [_has(func.lower(ActorAliasRow.alias), low)] + ([_has(ActorAliasRow.normalized, k)] if k else [])
    with store._read() as s:
        ids = set(s.scalars(select(ActorAliasRow.actor_id).where(or_(*by_alias))))
        ids |= set(s.scalars(select(ActorRow.id).where(or_(ActorRow.id == a, _has(func.lower(ActorRow.name), low),
                                                           _has(func.lower(ActorRow.acled_name), low)))))
    f.actor_ids = sorted(ids)
    return f


def _like(text: str) -> str:
    """`text` as a LIKE pattern's literal part (escape: backslash)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _has(col, text: str):
    return col.like(f"%{_like(text)}%", escape="\\")


def where(f: Filters) -> list:
    """SQL conditions on MergedEventRow for `f`."""
    include_rejected = f.include_rejected or f.review_state == "rejected"
    out: list = [merged.shown(include_rejected)]
    # on date_key (the ISO date, "~" when undated): the index that orders the list serves the range too
    if f.since is not None:
        out.append(and_(M.date_key >= f.since.isoformat(), M.date_key < UNDATED))
    if f.until is not None:
        out.append(M.date_key <= f.until.isoformat())
    if f.types:
        ts = sorted({t.strip().lower() for t in f.types})
        out.append(or_(func.lower(M.event_type).in_(ts), func.lower(M.sub_event_type).in_(ts)))
    if f.sub_types:
        out.append(func.lower(M.sub_event_type).in_(sorted({t.strip().lower() for t in f.sub_types})))
    if f.actor:
        a = f.actor.strip()
        if f.actor_ids:  # the stored actors it names (resolve_actor): their ids, from the actors index alone
            out.append(or_(*(_has(M.actor_ids, f"|{i}|") for i in f.actor_ids)))
        else:  # no stored actor by that name: the names events carry (unresolved labels)
            out.append(or_(_has(M.actor_ids, f"|{a}|"), *(_has(M.actor_names, form) for form in merged.folded(a))))
    if f.admin1:
        out.append(func.lower(M.admin1).in_(sorted({a.strip().lower() for a in f.admin1})))
    if f.q:
        for word in f.q.split():
            out.append(or_(*(_has(M.search, form) for form in merged.folded(word))))
    if f.precision:
        out.append(M.geo_precision.in_(sorted(set(f.precision))))
    if f.bbox is not None:
        w, s, e, n = f.bbox
        out.append(and_(M.longitude >= w, M.longitude <= e, M.latitude >= s, M.latitude <= n))
    if f.place:
        p = f.place.strip().casefold()
        out.append(or_(*(_has(func.lower(c), p) for c in (M.location, M.admin1, M.admin2, M.admin3))))
    if f.hedged is not None:
        out.append(M.hedged.is_(f.hedged))
    if f.reviewed is not None:
        out.append((M.review_state != "unreviewed") if f.reviewed else (M.review_state == "unreviewed"))
    if f.review_state:
        out.append(M.review_state == f.review_state)
    if f.doc_ids is not None:
        out.append(or_(false(), *(_has(M.doc_ids, f"|{d}|") for d in f.doc_ids)))
    return out


def with_groups(store, doc_ids: list[str]) -> list[str]:
    """The documents and their near-duplicate copies: a repost reports its group's events."""
    groups = store.appearance_groups()
    return sorted({m for d in doc_ids for m in groups.get(d, [d])})


def _order(sort: str, descending: bool) -> list:
    col = SORTS[sort]
    key = func.lower(col) if sort in _TEXT else col
    # undated / unknown values last either way; ties by date, then id (the list's natural order)
    if sort in ("date", "event_date"):  # undated last ascending, first descending (as a reversed list)
        return [M.date_key.desc(), M.id.desc()] if descending else [M.date_key, M.id]
    if sort == "fatalities":  # never NULL; ties in the same direction, so one index serves both
        return [M.fatalities.desc(), M.date_key.desc(), M.id.desc()] if descending else [M.fatalities, M.date_key, M.id]
    return [col.is_(None), key.desc() if descending else key, M.date_key, M.id]


def version(store) -> tuple[int, int]:
    """Changes whenever the merged view does (rows are rewritten with new, never reused, keys): what
    a cache of aggregates is keyed on."""
    with store._read() as s:
        hi, n = s.execute(select(func.max(M.pk), func.count(M.pk))).one()
    return int(hi or 0), int(n or 0)


def count(store, f: Filters) -> int:
    with store._read() as s:
        return int(s.scalar(select(func.count()).select_from(M).where(*where(f))) or 0)


def events_page(store, f: Filters, *, sort: str = "date", descending: bool = False, limit: int = 100,
                offset: int = 0, pack=None) -> dict:
    """{"total", "offset", "limit", "events"}: one page of merged events, filtered and sorted in SQL."""
    cond = where(f)
    with store._read() as s:
        total = int(s.scalar(select(func.count()).select_from(M).where(*cond)) or 0)
        rows = list(s.scalars(merged.joined(D.data).where(*cond).order_by(*_order(sort, descending)).limit(limit).offset(offset)))
    merged.finish(store, rows, pack=pack)
    return {"total": total, "offset": offset, "limit": limit, "events": rows}


def iter_events(store, f: Filters, *, pack=None, chunk: int = 1000) -> Iterator[list[dict]]:
    """The filtered view in date order, `chunk` merged events at a time, from one read transaction."""
    q = merged.joined(D.data).where(*where(f)).order_by(*_order("date", False))
    with store._read() as s:
        batch: list[dict] = []
        for d in s.execute(q.execution_options(yield_per=chunk)).scalars():
            batch.append(d)
            if len(batch) >= chunk:
                yield merged.finish(store, batch, pack=pack)
                batch = []
        if batch:
            yield merged.finish(store, batch, pack=pack)


def date_range(store, f: Filters, lo: date, hi: date) -> tuple[date | None, date | None]:
    """The first and last event date of the filtered view within lo..hi (dates outside are typos)."""
    with store._read() as s:
        a, b = s.execute(select(func.min(M.date_key), func.max(M.date_key))
                         .where(*where(f), M.date_key >= lo.isoformat(), M.date_key <= hi.isoformat())).one()
    return _day(a), _day(b)


def _day(v) -> date | None:
    if v is None or isinstance(v, date):
        return v
    return date.fromisoformat(str(v)[:10])


# --------------------------------------------------------------------------------------------- map


def map_view(store, f: Filters, zoom: int) -> dict:
    """Clusters of the precisely placed events (geo_precision 1-2) on a grid of ~CELL_PX pixels at
    `zoom`, and counts per admin unit of those known only to a governorate or the country (3)."""
    cond = where(f)
    n = TILE_PX * (2 ** zoom) / CELL_PX  # cells across the world
    cx = cast(func.floor(M.merc_x * n), Integer) if store.engine.dialect.name != "sqlite" else cast(M.merc_x * n, Integer)
    cy = cast(func.floor(M.merc_y * n), Integer) if store.engine.dialect.name != "sqlite" else cast(M.merc_y * n, Integer)
    point = and_(M.merc_x.is_not(None), or_(M.geo_precision.is_(None), M.geo_precision < 3))
    q = (select(cx.label("cx"), cy.label("cy"), M.event_type, func.count(), func.sum(M.fatalities),
                func.sum(case((M.geo_precision == 2, 1), else_=0)), func.sum(M.latitude), func.sum(M.longitude),
                func.min(M.longitude), func.min(M.latitude), func.max(M.longitude), func.max(M.latitude), func.min(M.id))
         .where(*cond, point).group_by("cx", "cy", M.event_type))
    unit_q = (select(M.admin1, M.country, func.count(), func.sum(M.fatalities), func.avg(M.latitude), func.avg(M.longitude))
              .where(*cond, M.geo_precision >= 3).group_by(M.admin1, M.country))
    with store._read() as s:
        cells: dict[tuple[int, int], dict] = {}
        for x, y, etype, k, fat, approx, slat, slon, w, so, e, no, first in s.execute(q):
            c = cells.get((x, y))
            if c is None:
                c = cells[(x, y)] = {"count": 0, "fatalities": 0, "approx": 0, "by_type": {}, "_lat": 0.0,
                                     "_lon": 0.0, "bbox": [w, so, e, no], "event_id": first}
            c["count"] += k
            c["fatalities"] += int(fat or 0)
            c["approx"] += int(approx or 0)
            c["by_type"][etype] = c["by_type"].get(etype, 0) + k
            c["_lat"] += slat
            c["_lon"] += slon
            b = c["bbox"]
            c["bbox"] = [min(b[0], w), min(b[1], so), max(b[2], e), max(b[3], no)]
        units = [{"level": "admin1" if a1 else "country", "name": a1 or country or "unknown", "count": k,
                  "fatalities": int(fat or 0), "lat": lat, "lon": lon}
                 for a1, country, k, fat, lat, lon in s.execute(unit_q)]
        total = int(s.scalar(select(func.count()).select_from(M).where(*cond)) or 0)
    clusters = []
    for (x, y), c in sorted(cells.items()):
        k = c["count"]
        clusters.append({"lat": round(c.pop("_lat") / k, 6), "lon": round(c.pop("_lon") / k, 6), "count": k,
                         "fatalities": c["fatalities"], "approx": c["approx"], "by_type": c["by_type"],
                         "bbox": c["bbox"], "event_id": c["event_id"] if k == 1 else None})
    units.sort(key=lambda u: (-u["count"], u["name"]))
    return {"zoom": zoom, "cell_px": CELL_PX, "clusters": clusters, "units": units, "total": total}


# --------------------------------------------------------------------------------------------- timeline


def bucket_of(day: str, bucket: str) -> str:
    """The first day of the day/week (Monday)/month bucket `day` (ISO) falls in."""
    if bucket == "day":
        return day
    if bucket == "month":
        return day[:8] + "01"
    d = date.fromisoformat(day)
    return (d - timedelta(days=d.weekday())).isoformat()


def pick_bucket(first: date | None, last: date | None) -> str:
    """The finest of day, week, month that gives at most MAX_BUCKETS buckets over first..last."""
    if first is None or last is None:
        return "day"
    days = (last - first).days + 1
    if days <= MAX_BUCKETS:
        return "day"
    if days / 7 <= MAX_BUCKETS - 1:
        return "week"
    return "month"


def timeline(store, f: Filters, bucket: str, lo: date, hi: date) -> dict:
    """Counts per bucket and type. Events without a date, or dated outside lo..hi (before 1900, after
    tomorrow: typos), are counted apart so one bad date never stretches the axis.

    One GROUP BY day and type (the timeline index holds both, in order: no table read, no sort);
    days are then summed into weeks or months here, a few thousand rows at most."""
    q = (select(M.date_key, M.event_type, func.count()).where(*where(f))
         .group_by(M.date_key, M.event_type).order_by(M.date_key))
    lo_key, hi_key = lo.isoformat(), hi.isoformat()
    days: list[tuple[str, str, int]] = []
    undated = outside = 0
    with store._read() as s:
        for key, etype, k in s.execute(q):
            if key == UNDATED:
                undated += k
            elif not lo_key <= key <= hi_key:
                outside += k
            else:
                days.append((key, etype, k))
    if bucket == "auto":
        bucket = pick_bucket(_day(days[0][0]) if days else None, _day(days[-1][0]) if days else None)
    series: dict[str, dict] = {}
    for key, etype, k in days:
        t = bucket_of(key, bucket)
        b = series.setdefault(t, {"t": t, "by_type": {}, "total": 0})
        b["by_type"][etype] = b["by_type"].get(etype, 0) + k
        b["total"] += k
    out = sorted(series.values(), key=lambda b: b["t"])
    return {"bucket": bucket, "series": out, "total": sum(b["total"] for b in out), "undated": undated,
            "out_of_range": outside}


# --------------------------------------------------------------------------------------------- network


def actor_events(store, f: Filters) -> list[tuple[list[str], int, str | None, str | None]]:
    """(actor ids, events, first date, last date) per set of actors that the filtered events name
    together: the network's raw material, grouped in SQL (a few hundred rows, not one per event)."""
    dated = case((M.date_key < UNDATED, M.date_key), else_=None)
    q = (select(M.actor_ids, func.count(), func.min(dated), func.max(dated))
         .where(*where(f), M.actor_ids != "").group_by(M.actor_ids))
    with store._read() as s:
        return [([a for a in ids.split("|") if a], n, lo, hi) for ids, n, lo, hi in s.execute(q)]
