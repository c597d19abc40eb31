"""A large store made of real extracted events, for benchmarks and scale tests of the workbench.

`synth_store` copies a real store (events extracted by the pipeline, their sources, clusters and
merged view) and adds shifted copies of its merged events until it holds `n_events` of them: each
copy moves a whole cluster by a number of days (staying between the source's first date and today)
and, for events placed at or near a place (geo_precision 1-2), by a small distance that keeps it
inside the pack's country outline; events known only to a governorate or the country keep their
place. Copies get new ids (`<id>~<copy>`). Documents, actors and relations are the source's.

Bulk SQL (sqlite3 executemany) on a copy of the file: 100,000 events take seconds, not the
minutes that running the pipeline (or rebuilding the merged view) would.
"""
from __future__ import annotations

import json
import random
import sqlite3
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from .merge import merged_id
from .store import Store, event_id_cnty
from .store.merged import BOTH, LIVE, mercator

JITTER_DEG = 0.03  # how far a copy of a placed event may move (about 3 km)


def _inside(pack):
    """point (lon, lat) -> inside the pack's country outline? (always True without an outline)"""
    path = pack.boundaries.get("admin0") if pack is not None else None
    if not path:
        return lambda lon, lat: True
    from shapely.geometry import Point, shape
    from shapely.prepared import prep

    geo = json.loads(Path(path).read_text(encoding="utf-8"))
    shapes = [shape(f["geometry"]) for f in geo.get("features", [])]
    if not shapes:
        return lambda lon, lat: True
    from shapely.ops import unary_union

    outline = prep(unary_union(shapes))
    return lambda lon, lat: outline.contains(Point(lon, lat))


def _cols(conn: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]


def _shift(value: str | None, days: int) -> str | None:
    if not value:
        return value
    return (date.fromisoformat(value[:10]) + timedelta(days=days)).isoformat()


def synth_store(source: str | Path, out: str | Path, n_events: int = 100_000, *, seed: int = 0, pack=None) -> dict:
    """Write a store of `n_events` merged events to `out` from the real ones in `source` (see module doc)."""
    source, out = Path(source), Path(out)
    Store(source).close()  # at the current schema, merged view built
    if out.exists():
        raise FileExistsError(f"{out}: already exists")
    src = sqlite3.connect(source)
    conn = sqlite3.connect(out)
    src.backup(conn)  # a consistent copy, WAL included
    src.close()
    conn.execute("PRAGMA journal_mode=OFF")  # a new file: nothing to protect until it is built
    conn.execute("PRAGMA synchronous=OFF")
    ev_cols, src_cols, cl_cols, m_cols = (_cols(conn, t) for t in ("events", "event_sources", "event_clusters", "merged_events"))
    datas = {(c, v): d for c, v, d in conn.execute("SELECT cluster_id, view, data FROM merged_event_data")}
    rows_m = [dict(zip(m_cols, r)) for r in conn.execute(f"SELECT {', '.join(m_cols)} FROM merged_events ORDER BY cluster_id, view")]
    base = sorted({r["cluster_id"] for r in rows_m if r["view"] in (BOTH, LIVE)})
    if not base:
        raise ValueError(f"{source}: no events to copy")
    by_cluster: dict[str, list[dict]] = {}
    for r in rows_m:
        by_cluster.setdefault(r["cluster_id"], []).append(r)
    members: dict[str, list[str]] = {}
    for eid, cid in conn.execute("SELECT event_id, cluster_id FROM event_clusters"):
        members.setdefault(cid, []).append(eid)
    events = {r[0]: r for r in conn.execute(f"SELECT {', '.join(ev_cols)} FROM events")}
    for cid in by_cluster:
        members.setdefault(cid, [cid])
    sources: dict[str, list[tuple]] = {}
    for r in conn.execute(f"SELECT {', '.join(src_cols)} FROM event_sources"):
        sources.setdefault(r[src_cols.index("event_id")], []).append(r)
    clustered = {r[0]: r for r in conn.execute(f"SELECT {', '.join(cl_cols)} FROM event_clusters")}
    iso3 = None
    if events:
        first = next(iter(events.values()))
        cnty = first[ev_cols.index("event_id_cnty")] or ""
        iso3 = cnty[:3] if cnty[:3].isalpha() else None

    dates = [r["event_date"] for r in rows_m if r["event_date"]]
    lo, hi = date.fromisoformat(min(dates)[:10]), date.fromisoformat(max(dates)[:10])
    today = datetime.now(timezone.utc).date()
    room = max((today - hi).days, 0)  # a copy moves 0..room days later, so it stays between lo and today
    inside = _inside(pack)
    rnd = random.Random(seed)
    ix = {c: i for i, c in enumerate(ev_cols)}
    sx = {c: i for i, c in enumerate(src_cols)}
    new_ev, new_src, new_cl, new_m, new_data = [], [], [], [], []
    have = len(base)
    copy = 0
    while have < n_events:
        copy += 1
        days = rnd.randint(0, room) if room else 0
        for cid in base:
            if have >= n_events:
                break
            have += 1
            dx = dy = 0.0
            rows = by_cluster[cid]
            lat, lon = rows[0]["latitude"], rows[0]["longitude"]
            if lat is not None and lon is not None and (rows[0]["geo_precision"] or 1) < 3:
                dx, dy = rnd.uniform(-JITTER_DEG, JITTER_DEG), rnd.uniform(-JITTER_DEG, JITTER_DEG)
                if not inside(lon + dx, lat + dy):
                    dx = dy = 0.0
            suffix = f"~{copy}"
            ids = {e: e + suffix for e in members[cid]}
            new_cid = cid + suffix
            for e, ne in ids.items():
                r = list(events[e])
                r[ix["id"]] = ne
                r[ix["event_id_cnty"]] = event_id_cnty(ne, iso3)
                r[ix["event_date"]] = _shift(r[ix["event_date"]], days)
                if (r[ix["geo_precision"]] or 1) < 3 and r[ix["latitude"]] is not None:
                    r[ix["latitude"]] += dy
                    r[ix["longitude"]] += dx
                new_ev.append(r)
                for s in sources.get(e, []):
                    s = list(s)
                    s[sx["id"]] = None
                    s[sx["event_id"]] = ne
                    new_src.append(s)
                if e in clustered:
                    c = list(clustered[e])
                    c[0], c[1] = ne, new_cid
                    new_cl.append(c)
            size = len(members[cid])
            for row in rows:
                m = dict(row)
                data = json.loads(datas[(m["cluster_id"], m["view"])])
                m["pk"] = None
                m["cluster_id"] = new_cid
                m["id"] = data["id"] = merged_id(new_cid, size)
                data["cluster_id"] = new_cid
                data["event_ids"] = [ids.get(e, e) for e in data.get("event_ids") or []]
                for d in data.get("discrepancies") or []:
                    for v in d.get("values") or []:
                        v["event_id"] = ids.get(v.get("event_id"), v.get("event_id"))
                data["event_id_cnty"] = m["event_id_cnty"] = _renamed_cnty(data.get("event_id_cnty"), events, ids,
                                                                          ix["event_id_cnty"], iso3)
                if m["event_date"]:
                    m["event_date"] = data["event_date"] = m["date_key"] = _shift(m["event_date"], days)
                    data["year"] = int(m["event_date"][:4])
                if (m["geo_precision"] or 1) < 3 and m["latitude"] is not None:
                    m["latitude"] = data["latitude"] = m["latitude"] + dy
                    m["longitude"] = data["longitude"] = m["longitude"] + dx
                    m["merc_x"], m["merc_y"] = mercator(m["latitude"], m["longitude"])
                new_data.append((new_cid, m["view"], json.dumps(data, ensure_ascii=False)))
                new_m.append([m[c] for c in m_cols])
    q = lambda table, cols: f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"  # noqa: E731
    tables = ("events", "event_sources", "event_clusters", "merged_events", "merged_event_data")
    # indexes are built once at the end, not updated row by row
    indexes = [sql for (sql,) in conn.execute(
        f"SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN {tables}")]
    with conn:
        for (name,) in conn.execute(
                f"SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN {tables}").fetchall():
            conn.execute(f'DROP INDEX "{name}"')
        conn.executemany(q("events", ev_cols), new_ev)
        conn.executemany(q("event_sources", src_cols), new_src)
        conn.executemany(q("event_clusters", cl_cols), new_cl)
        conn.executemany(q("merged_events", m_cols), new_m)
        conn.executemany(q("merged_event_data", ["cluster_id", "view", "data"]), new_data)
        for sql in indexes:
            conn.execute(sql)
    conn.execute("ANALYZE")
    conn.close()
    Store(out).close()  # back to WAL mode, as every store is opened
    return {"events": have, "copies": copy, "reports_added": len(new_ev), "base_events": len(base)}


def _renamed_cnty(cnty: str | None, events: dict, ids: dict, k: int, iso3: str | None) -> str | None:
    """The event_id_cnty of the copy of the report that gave the merged event its own."""
    for e, ne in ids.items():
        if events[e][k] == cnty:
            return event_id_cnty(ne, iso3)
    return cnty
