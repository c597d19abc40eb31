"""The armed-actor network over time: who is with whom, who fought whom, on what evidence.

Edges come from three places, each marked by `origin`:

* `pack`: the knowledge pack's affiliations (`affiliations.yaml`), with their valid_from/valid_to;
  their source is the pack itself (`{"kind": "pack", ...}`), shown as "pack";
* `extraction`: relations the pipeline extracted from documents (the `relations` table); each is
  observed on its stated date, else on its document's publication date; its sources are the
  documents with their evidence sentences; `hedged` when every report of it is a claim; one the text
  says has ended ("formerly", "no longer": `valid_until`) holds only before that date;
* `events` (derived, `derived=True`): `clashed_with` between actor1 and actor2 of Battles events,
  counted once per real-world event (merged clusters, see merge.py), with first/last dates.

`as_of` keeps what was valid on that day: a pack affiliation whose validity covers it, an extracted
relation observed on or before it, battles up to it. The same (source, type, target) from several
origins becomes one edge whose `sources` list all of them. `around(actor)` is the ego network of an
actor (its name resolved with the pack, then the store's aliases).

Export: GraphML and GEXF (networkx; Gephi and Cytoscape read both) and JSON. GraphML holds only
strings, numbers and booleans, so the graph is built with those only: lists and dicts are JSON
strings, a missing value is "" (a missing number: -1 for counts, never None), and every node and
every edge carries the same attribute keys, so a file read back with `networkx.read_graphml` gives
exactly the attributes written (`decode_attrs` turns the JSON strings back into lists).
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import networkx as nx

from .models import SYMMETRIC_RELATIONS

__all__ = [
    "EDGE_ATTRS",
    "JSON_ATTRS",
    "NODE_ATTRS",
    "Network",
    "actor_profile",
    "build_network",
    "decode_attrs",
    "resolve_actor_id",
    "role_of",
    "to_networkx",
    "write_graph",
]

SYMMETRIC = frozenset(SYMMETRIC_RELATIONS)
# attributes held as JSON strings in GraphML/GEXF (decode_attrs turns them back)
JSON_ATTRS = frozenset({"aliases", "sources", "periods", "leaders", "event_ids"})
NODE_ATTRS = ("label", "name", "acled_name", "inter", "kind", "aliases", "provisional", "in_pack",
              "active_from", "active_to", "leaders")
EDGE_ATTRS = ("type", "origin", "derived", "symmetric", "valid_from", "valid_to", "first_seen", "last_seen",
              "confidence", "hedged", "count", "source_names", "sources", "periods", "event_ids")


def _iso(d) -> str:
    if d is None:
        return ""
    return d.isoformat() if isinstance(d, date) else str(d)


def _day(value) -> date | None:
    if not value:
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


@dataclass
class Edge:
    source: str
    target: str
    type: str
    origin: set[str] = field(default_factory=set)
    derived: bool = False
    periods: list[dict] = field(default_factory=list)  # [{valid_from, valid_to, origin}]
    observed: list[date] = field(default_factory=list)  # dates it was reported/seen
    confidence: float = 0.0
    hedged_reports: int = 0
    reports: int = 0
    count: int = 0  # derived: number of real-world events
    sources: list[dict] = field(default_factory=list)
    event_ids: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.source, self.type, self.target)

    def absorb(self, other: "Edge") -> None:
        self.origin |= other.origin
        self.derived = self.derived and other.derived
        self.periods.extend(other.periods)
        self.observed.extend(other.observed)
        self.confidence = max(self.confidence, other.confidence)
        self.hedged_reports += other.hedged_reports
        self.reports += other.reports
        self.count += other.count
        self.sources.extend(other.sources)
        self.event_ids.extend(other.event_ids)

    @property
    def hedged(self) -> bool:
        return self.reports > 0 and self.hedged_reports == self.reports

    @property
    def valid_from(self) -> date | None:
        starts = [_day(p["valid_from"]) for p in self.periods]
        dated = [d for d in starts if d]
        firsts = dated + ([min(self.observed)] if self.observed else [])
        if self.periods and len(dated) < len(self.periods) and not self.observed:
            return None  # some period has an open start
        return min(firsts) if firsts else None

    @property
    def valid_to(self) -> date | None:
        ends = [_day(p["valid_to"]) for p in self.periods]
        if not ends or any(e is None for e in ends) or self.observed:
            return None
        return max(ends)


@dataclass
class Network:
    nodes: dict[str, dict]
    edges: list[Edge]
    as_of: date | None = None
    around: str | None = None

    def to_json(self) -> dict:
        return {
            "as_of": _iso(self.as_of) or None,
            "around": self.around,
            "nodes": [{"id": n, **decode_attrs(a)} for n, a in self.nodes.items()],
            "edges": [{"source": e.source, "target": e.target, **decode_attrs(_edge_attrs(e))} for e in self.edges],
        }


# --------------------------------------------------------------------------------------------- building


def _pack_edges(pack) -> list[Edge]:
    out = []
    for f in pack.affiliations:
        a, b = f.source, f.target
        if f.type in SYMMETRIC:
            a, b = sorted((a, b))
        out.append(Edge(a, b, f.type, origin={"pack"}, confidence=1.0, reports=1,
                        periods=[{"valid_from": _iso(f.valid_from), "valid_to": _iso(f.valid_to), "origin": "pack"}],
                        sources=[{"kind": "pack", "pack": pack.name, "version": pack.version, "note": f.note,
                                  "valid_from": _iso(f.valid_from), "valid_to": _iso(f.valid_to)}]))
    return out


def _relation_edges(store, published: dict[str, dict]) -> list[Edge]:
    out = []
    for r in store.relations():
        a, b = r["source_id"], r["target_id"]
        if not a or not b or a == b or r["derived"]:
            continue  # derived clashes are counted from the (merged) events themselves: _battle_edges
        if r["type"] in SYMMETRIC:
            a, b = sorted((a, b))
        doc = published.get(r["doc_id"] or "", {})
        seen = _day(r["date"]) or _day(doc.get("published"))
        until = _day(r.get("valid_until"))
        # "formerly", "no longer": it held before `until`, from a time the text does not give
        periods = [{"valid_from": "", "valid_to": _iso(until), "origin": "extraction"}] if until else []
        out.append(Edge(a, b, r["type"], origin={"extraction"}, derived=False, periods=periods,
                        observed=[seen] if seen and not until else [], confidence=float(r["confidence"] or 0.0),
                        hedged_reports=int(bool(r["hedged"])), reports=1,
                        sources=[{"kind": "document", "doc_id": r["doc_id"], "outlet": doc.get("outlet"),
                                  "published": doc.get("published"), "date": r["date"], "hedged": bool(r["hedged"]),
                                  "confidence": r["confidence"], "evidence": r["evidence"], "relation_id": r["id"]}]))
    return out


def _battle_edges(store, as_of: date | None) -> list[Edge]:
    out = []
    for e in store.merged_events():  # the materialised merged view (store/merged.py)
        if e["event_type"] != "Battles":
            continue
        a, b = e.get("actor1_id"), e.get("actor2_id")
        if not a or not b or a == b:
            continue
        d = _day(e.get("event_date"))
        if as_of is not None and (d is None or d > as_of):
            continue
        a, b = sorted((a, b))
        out.append(Edge(a, b, "clashed_with", origin={"events"}, derived=True, observed=[d] if d else [],
                        confidence=float(e.get("confidence") or 0.0), reports=1,
                        hedged_reports=int(bool(e.get("hedged"))), count=1, event_ids=[e["id"]],
                        sources=[{"kind": "event", "event_id": e["id"], "date": e.get("event_date"),
                                  "sub_event_type": e.get("sub_event_type"), "location": e.get("location"),
                                  "fatalities": e.get("fatalities"), "source": e.get("source"),
                                  "doc_ids": sorted({s["doc_id"] for s in e.get("sources") or []})}]))
    return out


def _valid_on(e: Edge, on: date) -> bool:
    if "pack" in e.origin:
        for p in e.periods:
            start, end = _day(p["valid_from"]), _day(p["valid_to"])
            if (start is None or start <= on) and (end is None or on <= end):
                return True
        return False
    if e.periods and not e.observed and all(_day(p["valid_to"]) is not None and _day(p["valid_to"]) <= on for p in e.periods):
        return False  # the text says it had ended by then
    if e.observed:
        return min(e.observed) <= on
    return True  # an undated report of an undated document (or a closed relation): we cannot place its start


def build_network(store, pack, *, as_of: date | None = None, around: str | None = None, depth: int = 1) -> Network:
    """The network (see the module docstring); `around` is an actor name or id."""
    docs = {d["id"]: d for d in store.documents()}
    parts = _pack_edges(pack) + _relation_edges(store, docs)
    if as_of is not None:
        parts = [e for e in parts if _valid_on(e, as_of)]
    parts += _battle_edges(store, as_of)
    edges: dict[tuple, Edge] = {}
    for e in parts:
        # pack affiliations and extracted relations on the same pair and type are one edge; derived
        # battle counts stay their own edge (marked derived) beside a reported clashed_with
        k = (*e.key, e.derived)
        if k in edges:
            edges[k].absorb(e)
        else:
            edges[k] = e
    out = sorted(edges.values(), key=lambda e: (e.source, e.type, e.target, e.derived))
    centre = None
    if around:
        centre = resolve_actor_id(around, store, pack)
        if centre is None:
            raise KeyError(f"no actor called {around!r} in the pack or the store")
        g = nx.Graph()
        g.add_node(centre)
        g.add_edges_from((e.source, e.target) for e in out)
        keep = set(nx.ego_graph(g, centre, radius=depth).nodes)
        out = [e for e in out if e.source in keep and e.target in keep
               and (depth > 1 or centre in (e.source, e.target))]
    ids = {centre} if centre else set()
    ids |= {i for e in out for i in (e.source, e.target)}
    return Network(nodes=_nodes(sorted(ids), store, pack), edges=out, as_of=as_of, around=centre)


def resolve_actor_id(name: str, store, pack) -> str | None:
    """Pack resolution first (names, aliases, abbreviations), then the store's actors and aliases."""
    if name in pack.actors:
        return name
    a = pack.resolve_actor(name)
    if a is not None:
        return a.id
    from .names import match_key

    from sqlalchemy import select

    from .store.schema import ActorAliasRow, ActorRow

    k = match_key(name)
    with store._read() as s:  # the actors and aliases only (store.actors() also counts every event)
        aliases: dict[str, list[str]] = {}
        for aid, alias in s.execute(select(ActorAliasRow.actor_id, ActorAliasRow.alias)):
            aliases.setdefault(aid, []).append(alias)
        for aid, nm, acled in s.execute(select(ActorRow.id, ActorRow.name, ActorRow.acled_name)
                                        .order_by(ActorRow.name, ActorRow.id)):
            if aid == name or k in {match_key(x) for x in [nm, acled, *aliases.get(aid, [])] if x}:
                return aid
    return None


def _nodes(ids: Iterable[str], store, pack) -> dict[str, dict]:
    stored = {a["id"]: a for a in store.actors()}
    out = {}
    for i in ids:
        p = pack.actors.get(i)
        s = stored.get(i, {})
        name = p.name if p else s.get("name") or i
        aliases = list(dict.fromkeys([*(p.all_names() if p else []), *(s.get("aliases") or [])]))
        out[i] = {
            "label": name,
            "name": name,
            "acled_name": (p.acled_name if p else s.get("acled_name")) or "",
            "inter": int(p.inter if p else (s.get("inter") if s.get("inter") is not None else -1)),
            "kind": (p.kind if p else s.get("kind")) or "",
            "aliases": json.dumps(aliases, ensure_ascii=False),
            "provisional": bool(s.get("provisional")) if not p else False,
            "in_pack": p is not None,
            "active_from": _iso(p.active_from) if p else "",
            "active_to": _iso(p.active_to) if p else "",
            "leaders": json.dumps(list(p.leaders) if p else [], ensure_ascii=False),
        }
    return out


def _source_name(src: dict) -> str:
    if src["kind"] == "pack":
        return "pack"
    if src["kind"] == "event":
        return src.get("source") or src["event_id"]
    return src.get("outlet") or src.get("doc_id") or "?"


def _edge_attrs(e: Edge) -> dict:
    return {
        "type": e.type,
        "origin": "+".join(sorted(e.origin)),
        "derived": bool(e.derived),
        "symmetric": e.type in SYMMETRIC,
        "valid_from": _iso(e.valid_from),
        "valid_to": _iso(e.valid_to),
        "first_seen": _iso(min(e.observed)) if e.observed else "",
        "last_seen": _iso(max(e.observed)) if e.observed else "",
        "confidence": round(float(e.confidence), 4),
        "hedged": bool(e.hedged),
        "count": int(e.count if e.derived else e.reports),
        "source_names": "; ".join(dict.fromkeys(_source_name(s) for s in e.sources)),
        "sources": json.dumps(e.sources, ensure_ascii=False, default=str),
        "periods": json.dumps(e.periods, ensure_ascii=False),
        "event_ids": json.dumps(e.event_ids),
    }


def decode_attrs(attrs: dict) -> dict:
    """The GraphML-safe attributes with their JSON strings decoded (for JSON output and readers)."""
    return {k: (json.loads(v) if k in JSON_ATTRS and isinstance(v, str) and v else v) for k, v in attrs.items()}


def to_networkx(net: Network) -> nx.MultiDiGraph:
    """A MultiDiGraph whose every attribute is a str, int, float or bool (GraphML/GEXF-safe)."""
    g = nx.MultiDiGraph(name="frontlines actor network", as_of=_iso(net.as_of), around=net.around or "")
    for n, attrs in net.nodes.items():
        g.add_node(n, **attrs)
    for k, e in enumerate(net.edges):
        ekey = f"{e.type}{'~derived' if e.derived else ''}"
        g.add_edge(e.source, e.target, key=f"{ekey}#{k}", **_edge_attrs(e))
    return g


def write_graph(net: Network, fh, fmt: str) -> None:
    """Write GraphML, GEXF (bytes handles) or JSON (a text handle)."""
    if fmt == "json":
        fh.write(json.dumps(net.to_json(), ensure_ascii=False, indent=1, default=str) + "\n")
        return
    g = to_networkx(net)
    if fmt == "graphml":
        nx.write_graphml(g, fh, named_key_ids=True)
    elif fmt == "gexf":
        nx.write_gexf(g, fh)
    else:
        raise ValueError(f"unknown format {fmt!r} (graphml, gexf or json)")


# --------------------------------------------------------------------------------------------- reading


ROLES = {  # (type, the ego is the source?) -> what the other actor is to the ego
    ("member_of", False): "member",
    ("member_of", True): "member of",
    ("part_of", False): "part",
    ("part_of", True): "part of",
    ("clashed_with", True): "adversary",
    ("clashed_with", False): "adversary",
    ("allied_with", True): "ally",
    ("allied_with", False): "ally",
    ("split_from", True): "split from",
    ("split_from", False): "splinter",
    ("defected_from", True): "defected from",
    ("defected_from", False): "defector",
    ("pledged_allegiance_to", True): "pledged allegiance to",
    ("pledged_allegiance_to", False): "pledged to it",
    ("leader_of", True): "led",
    ("leader_of", False): "leader",
    ("backed_by", True): "backer",
    ("backed_by", False): "backs",
    ("front_for", True): "fronts for",
    ("front_for", False): "front",
    ("merged_into", True): "merged into",
    ("merged_into", False): "absorbed",
    ("successor_of", True): "successor of",
    ("successor_of", False): "successor",
}


def role_of(edge_type: str, ego_is_source: bool) -> str:
    return ROLES.get((edge_type, ego_is_source), edge_type)


def actor_profile(store, pack, name: str) -> dict:
    """Everything known about one actor: aliases, type, affiliations as a timeline, leaders, events by
    month; every line with the sources behind it ("pack" for the knowledge pack)."""
    from .merge import merged_events

    aid = resolve_actor_id(name, store, pack)
    if aid is None:
        raise KeyError(f"no actor called {name!r} in the pack or the store")
    node = _nodes([aid], store, pack)[aid]
    p = pack.actors.get(aid)
    net = build_network(store, pack, around=aid)
    timeline = []
    for e in net.edges:
        if aid not in (e.source, e.target):
            continue
        a = _edge_attrs(e)
        ego_src = e.source == aid
        other = e.target if ego_src else e.source
        timeline.append({
            "type": e.type, "role": role_of(e.type, ego_src), "other_id": other,
            "other": net.nodes.get(other, {}).get("name", other), "direction": "out" if ego_src else "in",
            "valid_from": a["valid_from"], "valid_to": a["valid_to"], "first_seen": a["first_seen"],
            "derived": e.derived, "count": a["count"], "hedged": a["hedged"], "confidence": a["confidence"],
            "source_names": a["source_names"], "sources": e.sources,
        })
    timeline.sort(key=lambda t: (t["valid_from"] or t["first_seen"] or "0000", t["type"], t["other"]))
    leaders = [{"name": n, "sources": ["pack"]} for n in (p.leaders if p else [])]
    for t in timeline:
        if t["type"] == "leader_of" and t["direction"] == "in":
            leaders.append({"name": t["other"], "since": t["valid_from"] or t["first_seen"],
                            "sources": t["source_names"].split("; ")})
    by_month: dict[str, dict] = {}
    for ev in merged_events(store):
        ids = {ev.get("actor1_id"), ev.get("actor2_id")}
        if aid not in ids and not any(aid == x for x in ev.get("assoc_actor_1_ids", []) or []):
            continue
        month = (ev.get("event_date") or "undated")[:7]
        m = by_month.setdefault(month, {"month": month, "events": 0, "fatalities": 0, "by_type": {}, "sources": [],
                                        "event_ids": []})
        m["events"] += 1
        m["fatalities"] += int(ev.get("fatalities") or 0)
        m["by_type"][ev["event_type"]] = m["by_type"].get(ev["event_type"], 0) + 1
        m["event_ids"].append(ev["id"])
        for s in (ev.get("source") or "").split("; "):
            if s and s not in m["sources"]:
                m["sources"].append(s)
    return {
        "id": aid,
        "name": node["name"],
        "acled_name": node["acled_name"],
        "inter": node["inter"],
        "kind": node["kind"],
        "in_pack": node["in_pack"],
        "active_from": node["active_from"],
        "active_to": node["active_to"],
        "aliases": json.loads(node["aliases"]),
        "predecessors": list(p.predecessors) if p else [],
        "successors": list(p.successors) if p else [],
        "note": p.note if p else "",
        "affiliations": timeline,
        "leaders": leaders,
        "events_by_month": [by_month[k] for k in sorted(by_month)],
    }


# --------------------------------------------------------------------------------------------- workbench


def _overlaps(e: Edge, since: date | None, until: date | None) -> bool:
    """Was `e` valid at some time during since..until (either end open)? A pack affiliation: one of its
    periods overlaps; an extracted relation holds from when it was first reported on."""
    if "pack" in e.origin:
        for p in e.periods:
            start, end = _day(p["valid_from"]), _day(p["valid_to"])
            if (until is None or start is None or start <= until) and (since is None or end is None or since <= end):
                return True
        return False
    if e.observed and until is not None:
        return min(e.observed) <= until
    return True


def workbench_graph(store, pack, events: list[tuple[list[str], int, str | None, str | None]], *, since: date | None = None,
                    until: date | None = None, top: int = 60, around: str | None = None) -> dict:
    """The workbench's network over the filtered events: their actors, a `co_event` edge between two
    actors of one event (count, first and last date), and the stored relations (pack affiliations,
    extracted relations) valid during since..until between those actors, or touching `around`.
    Keeps the `top` actors by degree; with `around` (an actor id), that actor's neighbourhood."""
    n_events: dict[str, int] = {}
    co: dict[tuple[str, str], dict] = {}
    for ids, n, first, last in events:  # queries.actor_events: per set of actors named together
        ids = list(dict.fromkeys(ids))
        for i in ids:
            n_events[i] = n_events.get(i, 0) + n
        for x in range(len(ids)):
            for y in range(x + 1, len(ids)):
                a, b = sorted((ids[x], ids[y]))
                e = co.setdefault((a, b), {"source": a, "target": b, "type": "co_event", "count": 0,
                                           "first": None, "last": None})
                e["count"] += n
                if first and (e["first"] is None or first < e["first"]):
                    e["first"] = first
                if last and (e["last"] is None or last > e["last"]):
                    e["last"] = last
    present = set(n_events)
    edges = list(co.values())
    docs = _published(store)
    merged_rel: dict[tuple, Edge] = {}
    for e in _pack_edges(pack) + _relation_edges(store, docs):
        if not _overlaps(e, since, until):
            continue
        inside = e.source in present and e.target in present
        if not (inside or (around and around in (e.source, e.target))):
            continue
        if e.key in merged_rel:
            merged_rel[e.key].absorb(e)
        else:
            merged_rel[e.key] = e
    for e in merged_rel.values():
        last = max(e.observed) if e.observed else e.valid_to
        edges.append({"source": e.source, "target": e.target, "type": e.type, "count": e.reports,
                      "first": _iso(e.valid_from) or None, "last": _iso(last) or None,
                      "origin": "+".join(sorted(e.origin)), "hedged": e.hedged})
    neighbours: dict[str, set[str]] = {i: set() for i in present}
    for e in edges:
        neighbours.setdefault(e["source"], set()).add(e["target"])
        neighbours.setdefault(e["target"], set()).add(e["source"])
    rank = sorted(neighbours, key=lambda i: (-len(neighbours[i]), -n_events.get(i, 0), i))
    if around:
        near = neighbours.get(around, set())
        order = {i: k for k, i in enumerate(rank)}
        keep = {around} | set(sorted(near, key=order.__getitem__)[: max(top - 1, 0)])
    else:
        keep = set(rank[:top])
    labels = _labels(store, pack, keep)
    nodes = [{"id": i, "label": labels[i][0], "inter": labels[i][1], "degree": len(neighbours.get(i, ())),
              "events": n_events.get(i, 0)} for i in rank if i in keep]
    return {"nodes": nodes, "edges": [e for e in edges if e["source"] in keep and e["target"] in keep],
            "total_actors": len(neighbours), "around": around}


def _published(store) -> dict[str, dict]:
    """doc id -> {outlet, published}: what `_relation_edges` reads of the documents (not their text)."""
    from sqlalchemy import select

    from .store.schema import DocumentRow

    with store._read() as s:
        return {i: {"outlet": o, "published": _iso(p) or None}
                for i, o, p in s.execute(select(DocumentRow.id, DocumentRow.outlet, DocumentRow.published))}


def _labels(store, pack, ids: Iterable[str]) -> dict[str, tuple[str, int | None]]:
    """id -> (name, ACLED inter code) from the pack, else the store, else the id itself."""
    from sqlalchemy import select

    from .store.schema import ActorRow

    ids = sorted(ids)
    out = {}
    for i in ids:
        p = pack.actors.get(i)
        if p is not None:
            out[i] = (p.name, p.inter)
    rest = [i for i in ids if i not in out]
    with store._read() as s:
        for k in range(0, len(rest), 500):
            for aid, name, inter in s.execute(select(ActorRow.id, ActorRow.name, ActorRow.inter)
                                              .where(ActorRow.id.in_(rest[k: k + 500]))):
                out[aid] = (name, inter)
    return {i: out.get(i, (i, None)) for i in ids}
