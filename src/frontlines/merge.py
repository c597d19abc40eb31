"""One event, many sources: merging the events that several documents report.

Two stored events are *candidates* for one real-world event when all of these hold (`compare`):

1. they come from different documents (one article's separate events are the extractor's business);
2. the same ACLED `event_type` (a Riots event and a Protests event about the same crowd stay two
   events); for "Strategic developments" also the same `sub_event_type`, whose sub-types are
   different kinds of happening (an arrest is not an agreement). Other sub-type differences are
   kept as a discrepancy;
3. the same place (place id, name, or coordinates within `SAME_PLACE_KM`) or nested places: the
   vaguer report names the subdistrict, district or governorate that holds the precise one
   (`same_or_nested_place`); two villages are two places however close they are. Non-nested places
   must also be within the km tolerance of the vaguer `geo_precision` (`KM_TOLERANCE`);
4. dates within a window set by the vaguer of the two `time_precision`s (`DAY_WINDOW`);
5. no conflicting actors (`actors_conflict`: a side named differently by the two, sides may be
   swapped, an "Unidentified ..." actor conflicts with nobody) and at least one actor in common
   (actor1, actor2 or associated, by resolved id).

Reposts come first: the events of copies of one article (`appearances`, dedup.py) with the same
type, sub-type, place and actors are one event whatever date each copy's publication date gave them.
Candidates are then grouped by union-find, closest pairs first (day gap, then distance), with complete
linkage: two groups join only when every member of one is a candidate pair with every member of the
other, so a chain of pairwise-close reports (04-02 at one village ~ 04-04 in the governorate ~ 04-08
at another village) never becomes one event. A group never takes two events of one document, nor
two events a reviewer split apart. Every merge is explained
(a `merges` row: per linking pair the distance in km, the day gap and the shared actors) and every
disagreement between the sources is recorded (a `discrepancies` row per field: fatalities, actors,
date, sub-event type, location, hedging), never averaged.

A reviewer can `split_event` (kept apart for good) and `merge_manual` (kept together for good);
`merge_events` re-run after new documents keeps both decisions: locked merges are applied first and
unconditionally, splits are constraints no automatic link may break.

The merged view is what every output shows (exports, `frontlines events`, the API's event list and
the workbench): `Store.merged_events(filters)` -> `merged_events` -> `merge_members` gives one dict per
real event, computed at read time from its members, addressed as `m-<cluster id>` (`merged_id`; an
event reported once keeps its own id): every source and evidence sentence, ACLED-style `source`
("Diyaruna; SouthFront") and `source_scale`, `n_reports`, the most conservative fatality count (the
lowest non-zero figure reported: a report silent about deaths is not a report of none; 0 when nobody
reports any), date and place from the reports that give them most precisely, fields a reviewer set on
a member winning over all of that, and the discrepancies, named per source in `notes` and `tags`.
Rejected members are left out. A review of a merged event is applied to each member (the API), where
`save_result` keeps it across re-runs. `Store.events()` stays one dict per stored event (a mention),
each with its `cluster_id`, which is what `frontlines eval` scores.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import delete, select

from .geo import haversine_km
from .store.db import _dedup

__all__ = [
    "DAY_WINDOW",
    "KM_TOLERANCE",
    "clusters",
    "compare",
    "discrepancies",
    "merge_events",
    "merge_manual",
    "merged_events",
    "split_event",
]

# ACLED time_precision (1 day, 2 week, 3 month) -> how many days apart two reports may date it
DAY_WINDOW = {1: 1, 2: 7, 3: 31}
# ACLED geo_precision (1 the place, 2 near it / part of a region, 3 a larger region) -> km tolerance
KM_TOLERANCE = {1: 5.0, 2: 25.0, 3: 75.0}
STRICT_SUB_EVENT_TYPES = frozenset({"Strategic developments"})
AUTO = "frontlines (auto)"


@dataclass
class _Ev:
    id: str
    docs: frozenset[str]
    outlets: tuple[str, ...]
    event_type: str
    sub_event_type: str
    date: date | None
    time_precision: int
    lat: float | None
    lon: float | None
    geo_precision: int
    location: str | None
    place_id: str | None
    admins: tuple[str, ...]
    actor1: tuple[str | None, str | None]
    actor2: tuple[str | None, str | None]
    assoc: dict[str, str] = field(default_factory=dict)  # id -> label of associated actors
    fatalities: int = 0
    hedged: bool = False
    review_state: str = "unreviewed"

    @property
    def actors(self) -> dict[str, str]:
        out = dict(self.assoc)
        for aid, label in (self.actor1, self.actor2):
            if aid:
                out[aid] = label or aid
        return out


def _key(text: str | None) -> str:
    from .names import match_key

    return match_key(text or "")


def _load(s) -> dict[str, _Ev]:
    from .store.schema import DocumentRow, EventRow, EventSourceRow

    docs: dict[str, set[str]] = {}
    outlets: dict[str, list[str]] = {}
    q = (select(EventSourceRow.event_id, EventSourceRow.doc_id, DocumentRow.outlet)
         .join(DocumentRow, DocumentRow.id == EventSourceRow.doc_id).order_by(EventSourceRow.id))
    for eid, did, outlet in s.execute(q):
        docs.setdefault(eid, set()).add(did)
        o = outlet or did
        if o not in outlets.setdefault(eid, []):
            outlets[eid].append(o)
    out: dict[str, _Ev] = {}
    for r in s.scalars(select(EventRow)):
        assoc = {}
        for ids, names in ((r.assoc_actor_1_ids, r.assoc_actor_1), (r.assoc_actor_2_ids, r.assoc_actor_2)):
            for i, n in zip(ids or [], names or []):
                if i:
                    assoc[i] = n
        out[r.id] = _Ev(
            id=r.id, docs=frozenset(docs.get(r.id, ())), outlets=tuple(outlets.get(r.id, ())),
            event_type=r.event_type, sub_event_type=r.sub_event_type, date=r.event_date,
            time_precision=int(r.time_precision or 1), lat=r.latitude, lon=r.longitude,
            geo_precision=int(r.geo_precision or 1), location=r.location, place_id=r.place_id,
            admins=tuple(_key(x) for x in (r.admin1, r.admin2, r.admin3) if x),
            actor1=(r.actor1_id, r.actor1), actor2=(r.actor2_id, r.actor2), assoc=assoc,
            fatalities=int(r.fatalities or 0), hedged=bool(r.hedged), review_state=r.review_state,
        )
    return out


SAME_PLACE_KM = 1.0  # two gazetteer entries this close are one place spelt two ways


def _unidentified(aid: str | None, label: str | None) -> bool:
    return "unidentified" in (aid or "").lower() or "unidentified" in (label or "").lower()


def _side_ok(x: tuple, y: tuple) -> bool:
    """One side of two reports agrees: same actor, or one of them does not name (or cannot name) it."""
    if not x[0] or not y[0]:
        return True
    return x[0] == y[0] or _unidentified(*x) or _unidentified(*y)


def actors_conflict(a: _Ev, b: _Ev) -> bool:
    """The two reports name different main actors (actor1), neither unidentified, and not as the two
    sides of one clash swapped. A different actor2 (who was hit, who the rioters fought) is a
    discrepancy the merged event shows, not a reason to keep two reports apart: sources often
    disagree on the target while agreeing on the attacker, place and day."""
    if _side_ok(a.actor1, b.actor1):
        return False
    if a.actor1[0] and (a.actor1[0] == b.actor2[0] or b.actor1[0] == a.actor2[0]):
        return False
    return True


def same_or_nested_place(a: _Ev, b: _Ev) -> str | None:
    """How a's and b's places agree ("same", "nested", "same coordinates"), or None when they do not.

    Nested: the vaguer report names a district/subdistrict/governorate that holds the precise one
    (a village in its subdistrict); two different villages, however close, are two places.
    """
    if a.place_id and a.place_id == b.place_id:
        return "same"
    ka, kb = _key(a.location), _key(b.location)
    if ka and ka == kb:
        return "same"
    if (ka and ka in b.admins and a.geo_precision >= b.geo_precision) or \
            (kb and kb in a.admins and b.geo_precision >= a.geo_precision):
        return "nested"
    # "Maarat al-Numan countryside" (geo_precision 2, near a town) holds the town itself
    vague, precise = (a, b) if a.geo_precision >= b.geo_precision else (b, a)
    kv, kp = _key(vague.location), _key(precise.location)
    if vague.geo_precision >= 2 and kp and kv != kp and kv.startswith(kp):
        return "nested"
    if None not in (a.lat, a.lon, b.lat, b.lon) and haversine_km(a.lat, a.lon, b.lat, b.lon) <= SAME_PLACE_KM:
        return "same coordinates"
    return None


def compare(a: _Ev, b: _Ev) -> dict | None:
    """Why a and b are one event (a dict for the `merges` row), or None when they may not be."""
    if a.docs & b.docs or not a.docs or not b.docs:
        return None
    if a.event_type != b.event_type:
        return None
    if a.event_type in STRICT_SUB_EVENT_TYPES and a.sub_event_type != b.sub_event_type:
        return None
    if a.date is None or b.date is None:
        return None
    gap = abs((a.date - b.date).days)
    window = max(DAY_WINDOW.get(a.time_precision, 31), DAY_WINDOW.get(b.time_precision, 31))
    if gap > window:
        return None
    place = same_or_nested_place(a, b)
    if place is None:
        return None
    tol = max(KM_TOLERANCE.get(a.geo_precision, 75.0), KM_TOLERANCE.get(b.geo_precision, 75.0))
    km = None
    if None not in (a.lat, a.lon, b.lat, b.lon):
        km = haversine_km(a.lat, a.lon, b.lat, b.lon)
        if km > tol and place != "nested":
            return None
    if actors_conflict(a, b):
        return None
    shared = sorted(set(a.actors) & set(b.actors))
    if not shared:
        return None
    return {
        "events": [a.id, b.id],
        "distance_km": None if km is None else round(km, 2),
        "km_tolerance": tol,
        "same_place_name": bool(a.location and _key(a.location) == _key(b.location)),
        "place": place,
        "day_gap": gap,
        "day_window": window,
        "shared_actors": [a.actors[i] for i in shared],
        "shared_actor_ids": shared,
        "event_type": a.event_type,
        "sub_event_types": sorted({a.sub_event_type, b.sub_event_type}),
    }


def _candidates(evs: dict[str, _Ev]) -> list[dict]:
    """Every compatible pair, found within blocks (event type, then a sliding date window)."""
    by_type: dict[str, list[_Ev]] = {}
    for e in evs.values():
        if e.date is not None and e.review_state != "rejected" and e.docs:
            by_type.setdefault(e.event_type, []).append(e)
    span = max(DAY_WINDOW.values())
    out = []
    for block in by_type.values():
        block.sort(key=lambda e: (e.date, e.id))
        for i, a in enumerate(block):
            for b in block[i + 1:]:
                if (b.date - a.date).days > span:
                    break
                why = compare(a, b)
                if why:
                    out.append(why)
    out.sort(key=lambda w: (w["day_gap"], w["distance_km"] if w["distance_km"] is not None else 1e9, w["events"]))
    return out


def _repost_links(s, evs: dict[str, _Ev]) -> list[dict]:
    """Pairs of events that are one event told by two copies of one article (`appearances`): same
    type, sub-type, place and actors, from documents of one repost group."""
    from .store.schema import AppearanceRow

    article = {r.doc_id: r.duplicate_of for r in s.scalars(select(AppearanceRow))}
    if not article:
        return []
    groups: dict[tuple, list[_Ev]] = {}
    for e in evs.values():
        if e.review_state == "rejected" or len(e.docs) != 1:
            continue
        (doc,) = e.docs
        root = article.get(doc, doc)
        key = (root, e.event_type, e.sub_event_type, e.place_id or _key(e.location), e.actor1[0], e.actor2[0])
        groups.setdefault(key, []).append(e)
    out = []
    for key, group in groups.items():
        group.sort(key=lambda e: e.id)
        for b in group[1:]:
            a = group[0]
            if a.docs == b.docs:
                continue
            gap = abs((a.date - b.date).days) if a.date and b.date else None
            out.append({"events": [a.id, b.id], "repost_of": key[0], "distance_km": 0.0, "km_tolerance": None,
                        "same_place_name": True, "place": "same", "day_gap": gap, "day_window": None,
                        "shared_actors": sorted({*a.actors.values()} & {*b.actors.values()}),
                        "shared_actor_ids": sorted(set(a.actors) & set(b.actors)), "event_type": a.event_type,
                        "sub_event_types": [a.sub_event_type]})
    return out


def _pair_ok(a: _Ev, b: _Ev, pairs: set) -> bool:
    return frozenset((a.id, b.id)) in pairs


class _Groups:
    """Union-find over event ids, each root holding its members' documents."""

    def __init__(self, evs: dict[str, _Ev]):
        self.parent = {i: i for i in evs}
        self.members = {i: {i} for i in evs}
        self.docs = {i: set(e.docs) for i, e in evs.items()}

    def find(self, x: str) -> str:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> str:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return ra
        if len(self.members[ra]) < len(self.members[rb]):
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.members[ra] |= self.members.pop(rb)
        self.docs[ra] |= self.docs.pop(rb)
        return ra


def _constraints(s, known: set[str]):
    from .store.schema import MergeRow

    locked: list = []
    apart: dict[str, set[str]] = {}
    for m in s.scalars(select(MergeRow).where(MergeRow.locked.is_(True)).order_by(MergeRow.id)):
        ids = [i for i in (m.event_ids or []) if i in known]
        if m.action == "merge" and len(ids) > 1:
            locked.append((m, ids))
        elif m.action == "split":
            for a in ids:
                for b in m.apart_from or []:
                    if b in known and b != a:
                        apart.setdefault(a, set()).add(b)
                        apart.setdefault(b, set()).add(a)
    return locked, apart


def merge_events(store, pack=None, *, who: str = AUTO) -> dict:
    """(Re)compute event clusters over the whole store; returns counts.

    Reviewer merges (locked) are applied first and never undone; reviewer splits are never re-merged.
    Automatic `merges` rows and all `discrepancies` are rewritten from scratch (the result depends
    only on what is stored and what reviewers decided). `pack` is accepted for symmetry with the
    other stages and is not needed.
    """
    from .store.schema import DiscrepancyRow, EventClusterRow, MergeRow, utcnow

    # exclusive: a concurrent run recomputes the same rows; one after the other, each from all stored
    with store._tx(exclusive=True) as s:
        evs = _load(s)
        g = _Groups(evs)
        locked, apart = _constraints(s, set(evs))
        for m, ids in locked:
            for i in ids[1:]:
                g.union(ids[0], i)
        locked_roots: dict = {}  # root -> the reviewer merge row its cluster holds
        for m, ids in locked:
            locked_roots.setdefault(g.find(ids[0]), m)
        links: list[dict] = []
        cands = _candidates(evs)
        pairs = {frozenset(w["events"]) for w in cands}
        # reposts first: the same article's events (one article posted by several sites, found by
        # dedup.py) are one event each whatever date each copy's own publication date gave them
        for why in _repost_links(s, evs):
            a, b = why["events"]
            ra, rb = g.find(a), g.find(b)
            if ra == rb or g.docs[ra] & g.docs[rb]:
                continue
            if any(apart.get(x, set()) & g.members[rb] for x in g.members[ra]):
                continue
            pairs.add(frozenset((a, b)))
            m_a, m_b = locked_roots.pop(ra, None), locked_roots.pop(rb, None)
            root = g.union(a, b)
            if m_a is not None or m_b is not None:
                locked_roots[root] = m_a or m_b
            links.append(why)
        for why in cands:
            a, b = why["events"]
            ra, rb = g.find(a), g.find(b)
            if ra == rb:
                continue
            if g.docs[ra] & g.docs[rb]:
                continue
            ma, mb = g.members[ra], g.members[rb]
            if any(apart.get(x, set()) & mb for x in ma):
                continue
            # complete linkage: every report of one group must be compatible with every report of the
            # other, so no chain of pairwise-close reports joins two different events
            if not all(_pair_ok(evs[x], evs[y], pairs) for x in ma for y in mb):
                continue
            m_a, m_b = locked_roots.pop(ra, None), locked_roots.pop(rb, None)
            root = g.union(a, b)
            if m_a is not None or m_b is not None:
                locked_roots[root] = m_a or m_b
            links.append(why)
        reviewer_of = {g.find(r): m for r, m in locked_roots.items()}

        groups: dict[str, set[str]] = {}
        for i in evs:
            groups.setdefault(g.find(i), set()).add(i)
        split_ids = set(apart)
        s.execute(delete(EventClusterRow))
        s.execute(delete(MergeRow).where(MergeRow.locked.is_(False)))
        s.execute(delete(DiscrepancyRow))
        s.flush()
        n_clusters = n_merged = n_disc = 0
        by_cluster_links: dict[str, list[dict]] = {}
        for why in links:
            by_cluster_links.setdefault(g.find(why["events"][0]), []).append(why)
        now = utcnow()
        reviewer_ids = {i for _m, ids in locked for i in ids}
        for root, members in groups.items():
            if len(members) == 1:
                (only,) = members
                if only in split_ids:
                    s.add(EventClusterRow(event_id=only, cluster_id=only, locked=True, assigned_by="reviewer split"))
                continue
            m = reviewer_of.get(root)
            cid = m.cluster_id if m is not None else min(members)
            n_clusters += 1
            n_merged += len(members)
            for i in sorted(members):
                s.add(EventClusterRow(event_id=i, cluster_id=cid, locked=i in reviewer_ids or i in split_ids,
                                      assigned_by=(m.merged_by if (m is not None and i in reviewer_ids) else who)))
            auto_links = by_cluster_links.get(root, [])
            if auto_links:
                s.add(MergeRow(cluster_id=cid, action="merge", event_ids=sorted(members), apart_from=None,
                               reason={"rule": _RULE, "links": auto_links,
                                       "reviewer_merge": m.id if m is not None else None},
                               merged_by=who, locked=False, created_at=now))
            if m is not None and m.cluster_id != cid:
                m.cluster_id = cid
            for d in _discrepancies([evs[i] for i in sorted(members)]):
                s.add(DiscrepancyRow(cluster_id=cid, field=d["field"], values=d["values"], kept=d["kept"], created_at=now))
                n_disc += 1
    return {"clusters": n_clusters, "events_merged": n_merged, "discrepancies": n_disc, "links": len(links)}


_RULE = ("different documents; same event_type (and sub_event_type for Strategic developments); "
         "the same place or nested places (a village in its subdistrict/district/governorate); "
         "dates within the window of the vaguer time_precision (1: 1, 2: 7, 3: 31 days); "
         "no conflicting actors and at least one shared actor; every member compatible with every other")


def conservative_fatalities(values: Iterable[int | None]) -> int:
    """ACLED: the most conservative figure, i.e. the lowest non-zero one reported (0 when none is)."""
    nz = [int(v) for v in values if v]
    return min(nz) if nz else 0


def _discrepancies(members: list[_Ev]) -> list[dict]:
    def per_source(getter) -> list[dict]:
        return [{"event_id": e.id, "doc_ids": sorted(e.docs), "source": "; ".join(e.outlets), "value": getter(e)}
                for e in members]

    fields = {
        "fatalities": (lambda e: e.fatalities, lambda vals: conservative_fatalities(vals)),
        "event_date": (lambda e: e.date.isoformat() if e.date else None, None),
        "sub_event_type": (lambda e: e.sub_event_type, None),
        "actor1": (lambda e: e.actor1[1], None),
        "actor2": (lambda e: e.actor2[1], None),
        "location": (lambda e: e.location, None),
        "hedged": (lambda e: e.hedged, None),
    }
    keyed = {"actor1": lambda e: e.actor1[0] or _key(e.actor1[1]), "actor2": lambda e: e.actor2[0] or _key(e.actor2[1])}
    rep = _representative(members)
    out = []
    for name, (get, keep) in fields.items():
        k = keyed.get(name, get)
        if len({repr(k(e)) for e in members}) <= 1:
            continue
        vals = per_source(get)
        kept = keep([v["value"] for v in vals]) if keep else get(rep)
        out.append({"field": name, "values": vals, "kept": kept})
    return out


def _representative(members: list[_Ev]) -> _Ev:
    """The member whose fields the merged event shows: most precise date, then place, then id."""
    return min(members, key=lambda e: (e.time_precision, e.geo_precision, e.id))


# ----------------------------------------------------------------------------------------- reading


def clusters(store) -> dict[str, list[str]]:
    """cluster id -> member event ids, for clusters of more than one event."""
    from .store.schema import EventClusterRow

    out: dict[str, list[str]] = {}
    with store._read() as s:
        for r in s.scalars(select(EventClusterRow).order_by(EventClusterRow.cluster_id, EventClusterRow.event_id)):
            out.setdefault(r.cluster_id, []).append(r.event_id)
    return {c: ids for c, ids in out.items() if len(ids) > 1}


def discrepancies(store, cluster_id: str | None = None) -> list[dict]:
    from .store.schema import DiscrepancyRow

    with store._read() as s:
        q = select(DiscrepancyRow).order_by(DiscrepancyRow.cluster_id, DiscrepancyRow.id)
        if cluster_id is not None:
            q = q.where(DiscrepancyRow.cluster_id == cluster_id)
        return [{"cluster_id": r.cluster_id, "field": r.field, "values": r.values, "kept": r.kept} for r in s.scalars(q)]


def merges(store, cluster_id: str | None = None) -> list[dict]:
    from .store.schema import MergeRow

    with store._read() as s:
        q = select(MergeRow).order_by(MergeRow.id)
        if cluster_id is not None:
            q = q.where(MergeRow.cluster_id == cluster_id)
        return [{"id": r.id, "cluster_id": r.cluster_id, "action": r.action, "event_ids": list(r.event_ids or []),
                 "apart_from": r.apart_from, "reason": r.reason, "merged_by": r.merged_by, "locked": bool(r.locked),
                 "created_at": r.created_at.isoformat() if r.created_at else None} for r in s.scalars(q)]


_DATE_FIELDS = ("event_date", "year", "time_precision")
_PLACE_FIELDS = ("location", "place_id", "latitude", "longitude", "admin1", "admin2", "admin3", "geo_precision",
                 "country", "iso", "region")
# field -> how two members' values are compared for a discrepancy (read time, from the member dicts)
_DISC_FIELDS = {
    "fatalities": lambda e: int(e.get("fatalities") or 0),
    "event_date": lambda e: e.get("event_date"),
    "sub_event_type": lambda e: e.get("sub_event_type"),
    "actor1": lambda e: e.get("actor1_id") or _key(e.get("actor1")),
    "actor2": lambda e: e.get("actor2_id") or _key(e.get("actor2")),
    "location": lambda e: e.get("place_id") or _key(e.get("location")),
    "hedged": lambda e: bool(e.get("hedged")),
}


def _outlet(e_src: dict) -> str:
    return e_src.get("outlet") or e_src["doc_id"]


def _member_discrepancies(members: list[dict]) -> list[dict]:
    """Where the reports of one event disagree, per field: every source's value and the one kept."""
    out = []
    for name, key in _DISC_FIELDS.items():
        if len({repr(key(e)) for e in members}) <= 1:
            continue
        vals = [{"event_id": e["id"], "doc_ids": sorted({s["doc_id"] for s in e.get("sources") or []}),
                 "source": "; ".join(_dedup(_outlet(s) for s in e.get("sources") or [])),
                 "value": (int(e.get("fatalities") or 0) if name == "fatalities" else
                           bool(e.get("hedged")) if name == "hedged" else e.get(name))}
                for e in members]
        out.append({"field": name, "values": vals})
    return out


def _describe(d: dict, kept) -> str:
    """'fatalities: 5 (SOHR), 7 (Enab Baladi); kept 5'."""
    def show(v):
        if d["field"] == "hedged":
            return "claimed" if v else "reported as fact"
        return "none" if v in (None, "") else str(v)

    by_value: dict[str, list[str]] = {}
    for v in d["values"]:
        by_value.setdefault(show(v["value"]), []).extend(x for x in v["source"].split("; ") if x)
    parts = [f"{val} ({', '.join(_dedup(srcs)) or '?'})" for val, srcs in by_value.items()]
    return f"{d['field']}: " + ", ".join(parts) + ("" if d["field"] == "hedged" else f"; kept {show(kept)}")


MERGED_PREFIX = "m-"


def merged_id(cluster_id: str, size: int) -> str:
    """The id a merged event is addressed by: `m-<cluster id>` for a cluster of several reports (so it
    never collides with a report's own id), the event's own id for an event reported once."""
    return f"{MERGED_PREFIX}{cluster_id}" if size > 1 else cluster_id


def merge_members(members: list[dict], cid: str, *, source_scale=None, size: int | None = None) -> dict:
    """One merged event from its member event dicts (`Store.events()` shape), computed at read time.

    - `id`: `merged_id` (m-<cluster id>, or the event's id when it is reported once; `size` is the
      cluster's size, rejected members included); `cluster_id`; `event_ids`: the members (mentions);
    - `sources`: every report and its evidence sentence; `source`: the outlets "A; B";
      `source_scale`: the outlets' scales from the pack (`source_scale(outlet) -> str | None`);
      `n_reports`: distinct documents (a repost is a report), `n_outlets`: distinct outlets;
    - date fields from the member with the most precise date, place fields from the member with the
      most precise place; the rest from the representative (most precise date, then place, then id);
    - `fatalities`: the lowest non-zero figure reported (ACLED's most conservative figure);
    - a field a reviewer set on a member (its `reviewed_fields`) wins over everything above;
    - `discrepancies` (field, per-source values, kept), summarised in `notes` and `tags`;
    - `review_state`: rejected/confirmed only when every member is; edited when any member is.
    """
    members = sorted(members, key=lambda e: e["id"])
    by_date = min(members, key=lambda e: (e.get("time_precision") or 3, e.get("event_date") is None,
                                          e.get("event_date") or "", e["id"]))
    by_place = min(members, key=lambda e: (e.get("geo_precision") or 3, e.get("latitude") is None, e["id"]))
    rep = min(members, key=lambda e: (e.get("time_precision") or 3, e.get("geo_precision") or 3, e["id"]))
    m = dict(rep)
    for f in _DATE_FIELDS:
        m[f] = by_date.get(f)
    for f in _PLACE_FIELDS:
        m[f] = by_place.get(f)
    for n in ("1", "2"):  # a side the representative leaves empty is filled from a report that names it
        if not m.get(f"actor{n}"):
            other = next((e for e in members if e.get(f"actor{n}")), None)
            if other is not None:
                for f in (f"actor{n}", f"actor{n}_id", f"actor{n}_aliases", f"inter{n}"):
                    m[f] = other.get(f)
    seen, sources = set(), []
    for e in members:
        for src in e.get("sources") or []:
            k = (src["doc_id"], src.get("evidence_start"))
            if k not in seen:
                seen.add(k)
                sources.append(src)
    sources.sort(key=lambda src: (src.get("published") is None, src.get("published") or "", src["doc_id"]))
    outlets = _dedup(_outlet(src) for src in sources)
    m["id"] = merged_id(cid, len(members) if size is None else size)
    m["cluster_id"] = cid
    m["event_ids"] = [e["id"] for e in members]
    m["sources"] = sources
    m["source"] = "; ".join(outlets)
    if source_scale is not None:
        scales = _dedup(source_scale(o) for o in outlets)
        m["source_scale"] = "-".join(scales) if scales else None
    m["n_reports"] = len({src["doc_id"] for src in sources})
    m["n_outlets"] = len(outlets)
    m["fatalities"] = conservative_fatalities(e.get("fatalities") for e in members)
    m["hedged"] = all(e.get("hedged") for e in members)
    m["claimant"] = next((e.get("claimant") for e in members if e.get("claimant")), None) if m["hedged"] else None
    m["confidence"] = max((e.get("confidence") or 0.0 for e in members), default=None)
    for n in ("1", "2"):
        names = [x for e in members for x in (e.get(f"assoc_actor_{n}") or [])]
        main = {e.get(f"actor{n}") for e in members} | {m.get(f"actor{n}")}
        m[f"assoc_actor_{n}"] = [x for x in _dedup(names) if x not in main]
    # a reviewer's word wins: fields a person set on a member
    reviewed: list[str] = []
    for e in members:
        if e.get("review_state") == "rejected":
            continue
        for f in e.get("reviewed_fields") or []:
            if f in e:
                m[f] = e[f]
                if f == "event_date":
                    m["year"] = int(e[f][:4]) if e[f] else None
            if f not in reviewed:
                reviewed.append(f)
    if "fatalities" in reviewed:  # reviewers gave figures: the most conservative of theirs
        m["fatalities"] = conservative_fatalities(e.get("fatalities") for e in members
                                                  if "fatalities" in (e.get("reviewed_fields") or ())
                                                  and e.get("review_state") != "rejected")
    m["reviewed_fields"] = reviewed
    states = {e.get("review_state") or "unreviewed" for e in members}
    m["review_state"] = (states.pop() if len(states) == 1 else
                         "edited" if "edited" in states or reviewed else "unreviewed")
    disc = _member_discrepancies(members)
    for d in disc:
        d["kept"] = m.get(d["field"]) if d["field"] != "hedged" else m["hedged"]
    m["discrepancies"] = disc
    m["merge_reason"] = []
    evidence = " ".join(_dedup(src.get("evidence") for src in sources)).strip()
    notes = evidence
    if len(members) > 1 or m["n_reports"] > 1:
        notes = f"{m['n_reports']} reports ({m['source']}). " + notes
    if m["hedged"]:
        notes += f" [claim by {m['claimant']}]" if m.get("claimant") else " [unconfirmed claim]"
    if disc:
        notes += " [sources disagree on " + ", ".join(d["field"] for d in disc) + ": " + \
                 " | ".join(_describe(d, d["kept"]) for d in disc) + "]"
    m["notes"] = notes.strip()
    tags = []
    if m["hedged"]:
        tags.append(f"hedged claim by {m['claimant']}" if m.get("claimant") else "hedged claim")
    elif any(e.get("hedged") for e in members):
        tags.append("claim vs fact: some sources report it as a claim")
    if m["n_reports"] > 1:
        tags.append(f"reports={m['n_reports']}")
    if disc:
        tags.append("sources disagree: " + ", ".join(d["field"] for d in disc))
    m["tags"] = "; ".join(tags)
    return m


def merged_events(store, events: list[dict] | None = None, *, include_rejected: bool = False,
                  source_scale=None, sizes: dict[str, int] | None = None) -> list[dict]:
    """One dict per real-world event (see `merge_members`), ordered by date then id.

    `events` are the member events to group (default: every stored event). Rejected members are left
    out (a cluster all of whose members are rejected disappears) unless `include_rejected`.
    """
    events = store.member_events() if events is None else events
    if sizes is None:
        sizes = {}
        for e in events:
            sizes[e["cluster_id"]] = sizes.get(e["cluster_id"], 0) + 1
    if not include_rejected:
        events = [e for e in events if e.get("review_state") != "rejected"]
    groups: dict[str, list[dict]] = {}
    for e in events:
        groups.setdefault(e["cluster_id"], []).append(e)
    why: dict[str, list] = {}
    for mrow in merges(store):
        if mrow["action"] == "merge":
            why.setdefault(mrow["cluster_id"], []).append(mrow)
    out = []
    for cid, members in groups.items():
        m = merge_members(members, cid, source_scale=source_scale, size=sizes.get(cid, len(members)))
        m["merge_reason"] = why.get(cid, [])
        out.append(m)
    out.sort(key=lambda e: (e.get("event_date") is None, e.get("event_date") or "", e["id"]))
    return out


# ----------------------------------------------------------------------------------------- review


def _cluster_of(s, event_id: str) -> tuple[str, list[str]]:
    from .store.schema import EventClusterRow

    row = s.get(EventClusterRow, event_id)
    if row is None:
        return event_id, [event_id]
    ids = list(s.scalars(select(EventClusterRow.event_id).where(EventClusterRow.cluster_id == row.cluster_id)))
    return row.cluster_id, sorted(ids)


def split_event(store, event_id: str, who: str | None = None, pack=None) -> dict:
    """A reviewer takes `event_id` out of its merged event; no later run merges them again."""
    from .store.schema import EventRow, MergeRow, ReviewRow, utcnow

    with store._tx() as s:
        if s.get(EventRow, event_id) is None:
            raise KeyError(event_id)
        cid, members = _cluster_of(s, event_id)
        others = [i for i in members if i != event_id]
        if not others:
            raise ValueError(f"event {event_id} is not merged with any other event")
        # a reviewer merge that held it no longer does
        for m in s.scalars(select(MergeRow).where(MergeRow.action == "merge", MergeRow.locked.is_(True))):
            if event_id in (m.event_ids or []):
                rest = [i for i in m.event_ids if i != event_id]
                if len(rest) > 1:
                    m.event_ids = rest
                else:
                    s.delete(m)
        s.add(MergeRow(cluster_id=cid, action="split", event_ids=[event_id], apart_from=others,
                       reason={"note": "split by a reviewer"}, merged_by=who, locked=True, created_at=utcnow()))
        s.add(ReviewRow(entity="event", entity_id=event_id, field="cluster", before=cid, after=event_id,
                        who=who, at=utcnow()))
    merge_events(store, pack)
    return {"event_id": event_id, "from_cluster": cid, "apart_from": others}


def merge_manual(store, event_ids: list[str], who: str | None = None, pack=None) -> dict:
    """A reviewer declares `event_ids` one event; no later run splits them."""
    from .store.schema import EventRow, MergeRow, ReviewRow, utcnow

    ids = sorted(dict.fromkeys(event_ids))
    if len(ids) < 2:
        raise ValueError("name at least two events to merge")
    with store._tx() as s:
        for i in ids:
            if s.get(EventRow, i) is None:
                raise KeyError(i)
        # earlier splits between these events are withdrawn
        for m in s.scalars(select(MergeRow).where(MergeRow.action == "split")):
            if set(m.event_ids or []) & set(ids):
                rest = [i for i in (m.apart_from or []) if not (i in ids and set(m.event_ids) & set(ids))]
                if rest:
                    m.apart_from = rest
                else:
                    s.delete(m)
        cid = min(ids)
        s.add(MergeRow(cluster_id=cid, action="merge", event_ids=ids, apart_from=None,
                       reason={"note": "merged by a reviewer"}, merged_by=who, locked=True, created_at=utcnow()))
        for i in ids:
            s.add(ReviewRow(entity="event", entity_id=i, field="cluster", before=None, after=cid, who=who, at=utcnow()))
    merge_events(store, pack)
    return {"cluster_id": cid, "event_ids": ids}
