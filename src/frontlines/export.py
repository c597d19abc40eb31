"""Exports of stored events: ACLED-style CSV, JSON, GeoJSON.

All writers take event dicts, normally the merged events `Store.merged_events()` returns (one per
real-world event, see frontlines.merge.merge_members; `Store.events()` gives one per report), and an
open text file handle, and return the number of events written.
"""
from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from typing import IO

ACLED_COLUMNS = [
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
]

POLITICAL_VIOLENCE = "Political violence"
DEMONSTRATIONS = "Demonstrations"
STRATEGIC = "Strategic developments"

# ACLED codebook: the disorder type follows the event type, with two sub-event exceptions.
_DISORDER_BY_EVENT = {
    "Battles": POLITICAL_VIOLENCE,
    "Explosions/Remote violence": POLITICAL_VIOLENCE,
    "Violence against civilians": POLITICAL_VIOLENCE,
    "Protests": DEMONSTRATIONS,
    "Riots": DEMONSTRATIONS,
    "Strategic developments": STRATEGIC,
}
_DISORDER_BY_SUB_EVENT = {
    # state/armed violence against peaceful demonstrators counts as both
    "Excessive force against protesters": f"{POLITICAL_VIOLENCE}; {DEMONSTRATIONS}",
    # mobs attacking people are political violence rather than a demonstration
    "Mob violence": POLITICAL_VIOLENCE,
}
CIVILIANS_INTER = 7

# CSV injection (OWASP): a spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def safe_cell(value):
    """A CSV cell no spreadsheet will execute: text starting with = + - @ tab CR or LF gets a leading '.

    Numbers (ints, floats, and text that is just a number such as "-3" or "-35.2") are left as they are,
    so negative coordinates stay numbers; None and other non-text values pass through unchanged.
    Every CSV writer of the project sends its cells through this.
    """
    if not isinstance(value, str) or not value or not value.startswith(FORMULA_TRIGGERS):
        return value
    if _NUMBER.fullmatch(value):
        return value
    return "'" + value


def safe_row(row):
    """`safe_cell` over a dict's values or a sequence's items (same shape back)."""
    if isinstance(row, dict):
        return {k: safe_cell(v) for k, v in row.items()}
    return [safe_cell(v) for v in row]


def disorder_type(event_type: str | None, sub_event_type: str | None = None) -> str:
    if sub_event_type in _DISORDER_BY_SUB_EVENT:
        return _DISORDER_BY_SUB_EVENT[sub_event_type]
    return _DISORDER_BY_EVENT.get(event_type or "", "")


def _int_or_none(value) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def interaction(inter1, inter2) -> int | None:
    """ACLED's interaction code: the two inter codes as sorted digits (2, 1 -> 12); one actor -> x10."""
    codes = sorted(c for c in (_int_or_none(inter1), _int_or_none(inter2)) if c is not None)
    if not codes:
        return None
    if len(codes) == 1:
        return codes[0] * 10
    return int(f"{codes[0]}{codes[1]}")


def civilian_targeting(event: dict) -> str:
    dt = disorder_type(event.get("event_type"), event.get("sub_event_type"))
    if POLITICAL_VIOLENCE in dt and _int_or_none(event.get("inter2")) == CIVILIANS_INTER:
        return "Civilian targeting"
    return ""


def tags(event: dict) -> str:
    if event.get("tags"):  # a merged event's own tags (claims, reports, where the sources disagree)
        return str(event["tags"])
    if not event.get("hedged"):
        return ""
    claimant = event.get("claimant")
    return f"hedged claim by {claimant}" if claimant else "hedged claim"


def _join(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value if v)
    return str(value)


def _source(event: dict) -> str:
    if event.get("source"):
        return str(event["source"])
    seen: list[str] = []
    for src in event.get("sources") or []:
        name = src.get("outlet") or src.get("doc_id")
        if name and name not in seen:
            seen.append(name)
    return "; ".join(seen)


def acled_row(event: dict) -> dict:
    """One event dict as an ACLED CSV row (every value a str or int; missing -> "")."""
    blank = lambda v: "" if v is None else v  # noqa: E731
    date = event.get("event_date")
    year = event.get("year")
    if year is None and date:
        year = int(str(date)[:4])
    row = {col: blank(event.get(col)) for col in ACLED_COLUMNS}  # most columns are the event's own fields
    row.update(
        event_id_cnty=blank(event.get("event_id_cnty") or event.get("id")),
        event_date=blank(date),
        year=blank(year),
        disorder_type=disorder_type(event.get("event_type"), event.get("sub_event_type")),
        assoc_actor_1=_join(event.get("assoc_actor_1")),
        assoc_actor_2=_join(event.get("assoc_actor_2")),
        interaction=blank(interaction(event.get("inter1"), event.get("inter2"))),
        civilian_targeting=civilian_targeting(event),
        source=_source(event),
        fatalities=int(event.get("fatalities") or 0),
        tags=tags(event),
    )
    return row


def write_acled_csv(events: list[dict], fh: IO[str]) -> int:
    """ACLED-style CSV: exactly ACLED_COLUMNS, in order. Open `fh` with newline="".

    Text cells that a spreadsheet would run as a formula are neutralised (`safe_cell`).
    """
    writer = csv.DictWriter(fh, fieldnames=ACLED_COLUMNS, extrasaction="raise")
    writer.writeheader()
    n = 0
    for ev in events:
        writer.writerow(safe_row(acled_row(ev)))
        n += 1
    return n


def iter_acled_csv(batches: Iterable[list[dict]]) -> Iterator[str]:
    """`write_acled_csv` a batch at a time: the header, then one piece of CSV text per batch (for streaming)."""
    buf = io.StringIO(newline="")
    writer = csv.DictWriter(buf, fieldnames=ACLED_COLUMNS, extrasaction="raise")
    writer.writeheader()
    for batch in batches:
        for ev in batch:
            writer.writerow(safe_row(acled_row(ev)))
        yield buf.getvalue()
        buf.seek(0)
        buf.truncate()
    if buf.tell():
        yield buf.getvalue()


def write_json(events: list[dict], fh: IO[str]) -> int:
    """The event objects as a JSON array (round-trips to the same dicts)."""
    events = list(events)
    json.dump(events, fh, ensure_ascii=False, indent=2, default=str)
    fh.write("\n")
    return len(events)


def _scalar(value) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def write_geojson(events: list[dict], fh: IO[str]) -> int:
    """A FeatureCollection of Points ([lon, lat]); events without coordinates are skipped.

    Properties: every scalar field of the event, the joined `source`, and the associated actors
    joined with "; " (lists and the nested `sources` are left out).
    """
    features = []
    for ev in events:
        lat, lon = ev.get("latitude"), ev.get("longitude")
        if lat is None or lon is None or lat == "" or lon == "":
            continue
        props = {k: v for k, v in ev.items() if _scalar(v)}
        props["source"] = _source(ev)
        for key in ("assoc_actor_1", "assoc_actor_2"):
            if key in ev:
                props[key] = _join(ev.get(key))
        features.append(
            {
                "type": "Feature",
                "id": ev.get("id"),
                "geometry": {"type": "Point", "coordinates": [float(lon), float(lat)]},
                "properties": props,
            }
        )
    json.dump({"type": "FeatureCollection", "features": features}, fh, ensure_ascii=False, indent=2, default=str)
    fh.write("\n")
    return len(features)
