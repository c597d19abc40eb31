"""What a store holds, as plain data that does not depend on the backend or on when it was written.

Two stores filled from the same inputs (SQLite and PostgreSQL, one run or two at once) must give equal
snapshots: tests/test_backends.py and benchmarks/backends.py compare them. Left out: the times rows
were written (an event's `timestamp`, a document's ingest time, a failure's), the run that wrote
them and integer row ids; everything else the read methods return is in.
"""
from __future__ import annotations

# read-method keys that say when (or by which run) a row was written, not what it holds
WHEN = frozenset({"timestamp", "ingested_at", "created_at", "run_id"})
# tables whose rows are the content (runs, reviews and tokens are the history of the store)
CONTENT = ("documents", "removed_spans", "events", "event_sources", "relations", "actors", "actor_aliases",
           "places", "appearances", "document_signatures", "event_clusters", "merges", "discrepancies", "failures")


def _plain(value):
    """`value` without WHEN keys at any depth, nor integer ids: row numbers each backend hands out
    its own way (a sequence on PostgreSQL); every id that names content is text."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()
                if k not in WHEN and not (k == "id" and isinstance(v, int))}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def snapshot(store, pack=None) -> dict:
    """{"counts", "merged_events", "events", "relations", "documents", "failures"} of `store`."""
    counts = store.counts()
    return {
        "counts": {t: counts[t] for t in CONTENT},
        "merged_events": _plain(store.merged_events(include_rejected=True, pack=pack)),
        "events": _plain(store.events()),
        "relations": _plain(store.relations()),
        "documents": _plain(store.documents()),
        "failures": _plain(store.failures()),
    }


def differences(a: dict, b: dict, limit: int = 5) -> list[str]:
    """Where two snapshots differ (at most `limit` lines per part), for a readable assertion message."""
    out: list[str] = []
    for part in a:
        if a[part] == b.get(part):
            continue
        if isinstance(a[part], dict):
            out += [f"{part}.{k}: {a[part][k]!r} != {b[part].get(k)!r}" for k in a[part] if a[part][k] != b[part].get(k)][:limit]
            continue
        if len(a[part]) != len(b[part]):
            out.append(f"{part}: {len(a[part])} rows != {len(b[part])} rows")
        n = 0
        for x, y in zip(a[part], b[part]):
            if x != y and n < limit:
                n += 1
                keys = sorted(k for k in set(x) | set(y) if x.get(k) != y.get(k))
                out.append(f"{part} {x.get('id')!r}: " + "; ".join(f"{k}: {x.get(k)!r} != {y.get(k)!r}" for k in keys))
    return out
