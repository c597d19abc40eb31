"""The merged view, materialised in the `merged_events` table (0009).

One real-world event is a cluster of reports (merge.py); what every output shows is the merged dict
`merge.merge_members` computes from the cluster's member events. Computing that at every read costs
seconds at 100,000 events, so the store keeps it as rows, rewritten inside each write transaction
that changes a report (`Store._touch` marks the reports, `Store._tx` calls `refresh` before it
commits). Each row carries the merged dict (`data`) and copies of the columns the workbench
filters, sorts and aggregates on.

A cluster with rejected reports has two rows: its live reports merged (the default view) and all of
them (`include_rejected`); a cluster without has one row that serves both (see `VIEWS`).
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date

from sqlalchemy import delete, func, insert, select, true
from sqlalchemy.orm import Session

from ..names import match_key
from .schema import EventClusterRow, EventRow, EventSourceRow, MergedEventDataRow, MergedEventRow

BOTH, LIVE, ALL = 0, 1, 2  # MergedEventRow.view
REJECTED = "rejected"
_CHUNK = 500
# PostgreSQL: two writers that rewrite one cluster's rows (a run's batch and a reviewer's edit) would both
# delete, neither seeing the other's uncommitted insert, and the second insert would break the unique key.
# A transaction-scoped advisory lock per cluster, taken in sorted order, makes them take turns. (SQLite has
# one writer at a time anyway.)
_PG_CLUSTER_LOCKS = 0x46524D45  # "FRME": the namespace of these locks


def shown(include_rejected: bool):
    """The condition that selects the rows of one view."""
    # "= 1", not "IS 1": SQLite's planner reads the view's indexes in order only for an equality
    return (MergedEventRow.shown_all if include_rejected else MergedEventRow.shown) == true()


def mercator(lat: float | None, lon: float | None) -> tuple[float | None, float | None]:
    """Web Mercator x, y in 0..1 (x east, y south), as map tiles count them."""
    if lat is None or lon is None:
        return None, None
    lat = max(min(lat, 85.05112878), -85.05112878)
    x = (lon + 180.0) / 360.0
    r = math.radians(lat)
    y = (1.0 - math.log(math.tan(r) + 1.0 / math.cos(r)) / math.pi) / 2.0
    return x, y


def _dedup(items: Iterable[str | None]) -> list[str]:
    return [i for i in dict.fromkeys(items) if i]


def _bar(items: Iterable[str | None]) -> str:
    """'|a|b|': a list one LIKE '%|a|%' searches."""
    vals = [i for i in dict.fromkeys(items) if i]
    return "|" + "|".join(vals) + "|" if vals else ""


def _names(m: dict) -> list[str]:
    """The actor names the event itself carries (aliases live in the actors' tables: queries.actor_ids)."""
    return [m.get("actor1"), m.get("actor2"), *(m.get("assoc_actor_1") or []), *(m.get("assoc_actor_2") or [])]


# every alias of both actors, in every event: most of a merged event's bytes, and the same for all events of
# an actor, so `data` keeps the key (its place in the dict) and `finish` fills it from the actors' tables
_ALIASES = ("actor1_aliases", "actor2_aliases")


def folded(text: str) -> list[str]:
    """The forms a text is searched in: case-folded, and match_key's (accents, apostrophes, hyphens folded)."""
    return [f for f in dict.fromkeys((text.casefold().strip(), match_key(text))) if f]


def row_values(m: dict, cid: str, view: int) -> dict:
    """The table row for merged event `m` (a `merge_members` dict) of cluster `cid`."""
    names = [n for n in _names(m) if n]
    name_forms = [f for n in names for f in folded(n)]
    places = [m.get(k) for k in ("location", "admin1", "admin2", "admin3")]
    x, y = mercator(m.get("latitude"), m.get("longitude"))
    data = dict(m)
    data["source_scale"] = None  # from the pack, at read time
    data["merge_reason"] = []  # from the merges table, at read time
    for k in _ALIASES:
        data[k] = None  # from the actors' aliases, at read time
    return {
        "cluster_id": cid, "view": view, "shown": view in (BOTH, LIVE), "shown_all": view in (BOTH, ALL),
        "id": m["id"], "date_key": (m.get("event_date") or "~")[:10], "event_id_cnty": m.get("event_id_cnty"),
        "event_date": date.fromisoformat(m["event_date"]) if m.get("event_date") else None,
        "event_type": m["event_type"], "sub_event_type": m.get("sub_event_type"),
        "actor1": m.get("actor1"), "actor2": m.get("actor2"), "location": m.get("location"),
        "admin1": m.get("admin1"), "admin2": m.get("admin2"), "admin3": m.get("admin3"), "country": m.get("country"),
        "latitude": m.get("latitude"), "longitude": m.get("longitude"), "merc_x": x, "merc_y": y,
        "geo_precision": m.get("geo_precision"), "fatalities": int(m.get("fatalities") or 0),
        "hedged": bool(m.get("hedged")), "confidence": m.get("confidence"), "review_state": m["review_state"],
        "source": m.get("source"), "n_reports": int(m.get("n_reports") or 0),
        "actor_ids": _bar([m.get("actor1_id"), m.get("actor2_id")]),
        "doc_ids": _bar(src["doc_id"] for src in m.get("sources") or []),
        "actor_names": _bar(name_forms),
        "search": " | ".join([*name_forms, *(p.casefold() for p in places if p), (m.get("notes") or "").casefold()]),
        "data": data,
    }


def cluster_rows(cid: str, members: list[dict]) -> list[dict]:
    """The rows of one cluster from its member events (`Store.member_events()` dicts)."""
    from ..merge import merge_members

    size = len(members)
    live = [e for e in members if e.get("review_state") != REJECTED]
    if len(live) == size:
        return [row_values(merge_members(members, cid, size=size), cid, BOTH)]
    rows = [row_values(merge_members(live, cid, size=size), cid, LIVE)] if live else []
    rows.append(row_values(merge_members(members, cid, size=size), cid, ALL))
    return rows


def _insert(s: Session, rows: list[dict]) -> None:
    for i in range(0, len(rows), _CHUNK):
        chunk = rows[i: i + _CHUNK]
        s.execute(insert(MergedEventDataRow), [{"cluster_id": r["cluster_id"], "view": r["view"], "data": r["data"]}
                                              for r in chunk])
        s.execute(insert(MergedEventRow), [{k: v for k, v in r.items() if k != "data"} for r in chunk])


def joined(*cols):
    """select(cols) over merged_events joined with each row's dict (merged_event_data)."""
    return select(*cols).select_from(MergedEventRow).join(MergedEventDataRow, (MergedEventDataRow.cluster_id == MergedEventRow.cluster_id)
                              & (MergedEventDataRow.view == MergedEventRow.view))


def rebuild(store, s: Session) -> int:
    """Rewrite the whole table from the stored reports (inside the caller's write transaction `s`)."""
    s.execute(delete(MergedEventRow))
    s.execute(delete(MergedEventDataRow))
    groups: dict[str, list[dict]] = {}
    for e in store.member_events():
        groups.setdefault(e["cluster_id"], []).append(e)
    rows = [r for cid, members in groups.items() for r in cluster_rows(cid, members)]
    _insert(s, rows)
    return len(rows)


def clusters_of(s: Session, event_ids: Iterable[str]) -> set[str]:
    """The clusters these events belong to now (an event merge.py placed nowhere is its own)."""
    ids = list(dict.fromkeys(event_ids))
    out: set[str] = set()
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i: i + _CHUNK]
        placed = dict(s.execute(select(EventClusterRow.event_id, EventClusterRow.cluster_id)
                                .where(EventClusterRow.event_id.in_(chunk))).all())
        out.update(placed.get(e, e) for e in chunk)
    return out


def refresh(store, s: Session, cluster_ids: Iterable[str]) -> None:
    """Rewrite the rows of these clusters from their current reports (none left: the rows go)."""
    from ..merge import merge_members  # noqa: F401 - fail early if merge cannot be imported

    cids = sorted(set(cluster_ids))
    if not cids:
        return
    if s.get_bind().dialect.name == "postgresql":
        for cid in cids:
            s.execute(select(func.pg_advisory_xact_lock(_PG_CLUSTER_LOCKS, func.hashtext(cid))))
    member_ids: dict[str, list[str]] = {}
    for i in range(0, len(cids), _CHUNK):
        chunk = cids[i: i + _CHUNK]
        s.execute(delete(MergedEventRow).where(MergedEventRow.cluster_id.in_(chunk)))
        s.execute(delete(MergedEventDataRow).where(MergedEventDataRow.cluster_id.in_(chunk)))
        for eid, cid in s.execute(select(EventClusterRow.event_id, EventClusterRow.cluster_id)
                                  .where(EventClusterRow.cluster_id.in_(chunk))):
            member_ids.setdefault(cid, []).append(eid)
        # an event merge.py placed nowhere is a cluster of its own, under its own id; that id can also
        # be the id of a cluster whose other reports still have rows (a document stored again, before
        # merge_events runs): it belongs to that group then, as Store.events() reports it
        placed = set(s.scalars(select(EventClusterRow.event_id).where(EventClusterRow.event_id.in_(chunk))))
        for c in s.scalars(select(EventRow.id).where(EventRow.id.in_(chunk))):
            if c not in placed:
                member_ids.setdefault(c, []).append(c)
    wanted = [e for ids in member_ids.values() for e in ids]
    if not wanted:
        return
    members = store.with_appearances(store.events(ids=wanted))
    locked = {}
    for i in range(0, len(wanted), _CHUNK):
        locked.update({k: list(v or []) for k, v in s.execute(
            select(EventRow.id, EventRow.reviewed_fields).where(EventRow.id.in_(wanted[i: i + _CHUNK])))})
    groups: dict[str, list[dict]] = {}
    for e in members:
        e["reviewed_fields"] = locked.get(e["id"], [])
        groups.setdefault(e["cluster_id"], []).append(e)
    _insert(s, [r for cid, ms in groups.items() for r in cluster_rows(cid, ms)])


def events_of_docs(s: Session, doc_ids: Iterable[str]) -> set[str]:
    """Events these documents report."""
    docs = list(dict.fromkeys(doc_ids))
    out: set[str] = set()
    for i in range(0, len(docs), _CHUNK):
        out.update(s.scalars(select(EventSourceRow.event_id).where(EventSourceRow.doc_id.in_(docs[i: i + _CHUNK]))))
    return out


def events_of_actors(s: Session, actor_ids: Iterable[str]) -> set[str]:
    """Events naming these actors on either side (their aliases show in the merged event)."""
    ids = list(dict.fromkeys(actor_ids))
    out: set[str] = set()
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i: i + _CHUNK]
        out.update(s.scalars(select(EventRow.id).where(EventRow.actor1_id.in_(chunk) | EventRow.actor2_id.in_(chunk))))
    return out


def ensure_built(store) -> None:
    """Fill the table of a store that has reports but no rows (one just upgraded to 0009)."""
    with store._read() as s:
        empty = s.scalar(select(func.count()).select_from(select(MergedEventRow.pk).limit(1).subquery())) == 0
        has_events = s.scalar(select(func.count()).select_from(select(EventRow.id).limit(1).subquery())) > 0
    if empty and has_events:
        with store._tx() as s:
            rebuild(store, s)


def finish(store, events: list[dict], *, pack=None, all_clusters: bool = False) -> list[dict]:
    """Add to merged event dicts read from the table what depends on other tables or on the pack:
    `merge_reason` (merge.py's merge decisions) and `source_scale` (the pack's outlets). Changes the
    dicts in place. `all_clusters`: the dicts are the whole view, so every merge row is read at once."""
    from ..merge import merges

    want = {e.get(f"actor{n}_id") for e in events for n in "12" if e.get(f"actor{n}_aliases") is None} - {None}
    if want or any(e.get(k) is None for e in events for k in _ALIASES):
        with store._read() as s:
            aliases = store._aliases(s, want)
        for e in events:
            for n in "12":
                if e.get(f"actor{n}_aliases") is None:
                    aid, label = e.get(f"actor{n}_id"), e.get(f"actor{n}")
                    e[f"actor{n}_aliases"] = _dedup([*aliases.get(aid, []), label] if aid else [label])
    ids = [e["cluster_id"] for e in events]
    why: dict[str, list] = {}
    if ids:
        for m in (merges(store) if all_clusters else merges(store, cluster_ids=ids)):
            if m["action"] == "merge":
                why.setdefault(m["cluster_id"], []).append(m)
    scales: dict[str, str | None] = {}
    for e in events:
        e["merge_reason"] = why.get(e["cluster_id"], [])
        if pack is not None:
            outlets = list(dict.fromkeys(src.get("outlet") or src["doc_id"] for src in e.get("sources") or []))
            found = []
            for o in outlets:
                if o not in scales:
                    hit = pack.resolve_outlet(o)
                    scales[o] = hit.source_scale if hit is not None else None
                if scales[o] and scales[o] not in found:
                    found.append(scales[o])
            e["source_scale"] = "-".join(found) if found else None
    return events
