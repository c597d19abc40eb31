"""FastAPI app: the JSON API under /api/ and the single-page app (src/frontlines/web) at /."""
import base64
import hashlib
import math
import re
import threading
from collections import OrderedDict
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, HTTPException, Path as PathParam, Query, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.gzip import GZipMiddleware
from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..export import iter_acled_csv
from ..models import EVENT_TYPES, RELATION_TYPES
from ..store import audit, limits, queries
from ..store.db import REVIEW_STATES, ReviewConflict
from .auth import require_token

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
# Swagger UI, vendored from npm (tools/web/package.json, copied by tools/vendor_web.py): /docs loads nothing remote.
SWAGGER_UI = "/static/vendor/swagger-ui"

# Served on every response: nothing but our own files may run or load. /docs adds the hash of the
# one inline script FastAPI's Swagger page carries (docs_csp), nothing else. Leaflet and cytoscape
# style elements through the CSSOM (el.style.x = ...), which style-src does not govern; the one inline
# stylesheet is cytoscape's fixed `.__________cytoscape_container { position: relative; }`, allowed by
# its hash (CYTOSCAPE_STYLE). No 'unsafe-inline', no 'unsafe-eval'.
CYTOSCAPE_STYLE = "'sha256-pgvDUBa4IjFA2yuSJ2cqcyxmNYJMborsd0ORcRv9vw8='"
CSP = (
    f"default-src 'self'; script-src 'self'; style-src 'self' {CYTOSCAPE_STYLE}; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


def docs_csp(html: str) -> str:
    """CSP for a page whose inline <script>s are allowed by their SHA-256 (and no other inline code)."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(m.group(1).encode()).digest()).decode() + "'"
        for m in _INLINE_SCRIPT.finditer(html)
    )
    return CSP.replace("script-src 'self'", f"script-src 'self' {hashes}".rstrip(), 1)

# gazetteer kind -> the zoom from which the map labels places of that kind (see /api/places)
LABEL_KINDS = {"city": 0, "town": 8, "village": 10, "neighbourhood": 13}

EVENT_SORT_KEYS = (
    "event_date", "event_type", "sub_event_type", "actor1", "actor2", "location", "admin1", "admin2",
    "fatalities", "hedged", "review_state", "source", "confidence", "event_id_cnty", "n_reports",
)

TAGS = [
    {"name": "events", "description": "ACLED-style events, filtered; review (edit/confirm/reject) needs a token."},
    {"name": "actors", "description": "Actors with aliases; merge, split and alias need a token."},
    {"name": "relations", "description": "Actor-actor relations found in the documents."},
    {"name": "documents", "description": "Source articles with removed boilerplate and evidence offsets."},
    {"name": "sources", "description": "Outlets behind the documents."},
    {"name": "reviews", "description": "The audit log: who changed what, when, before and after."},
    {"name": "meta", "description": "Counts, taxonomy, pack boundaries."},
]


# --------------------------------------------------------------------------- request/response models


class Problem(BaseModel):
    detail: Any = Field(description="What was wrong with the request.")


# The same bounds the store enforces (frontlines.store.limits), declared here too so a bad request is
# answered 422 with the field named, and the limits show in the OpenAPI schema.
Name = Annotated[str, Field(max_length=limits.MAX_NAME)]
Count = Annotated[int, Field(ge=0, le=limits.MAX_COUNT)]


class EventPatch(BaseModel):
    """Fields a reviewer may change; only the ones sent are changed (and then never overwritten by a re-run)."""

    model_config = ConfigDict(extra="forbid")

    event_type: str | None = Field(None, max_length=200, description="ACLED event type (see /api/meta).")
    sub_event_type: str | None = Field(None, max_length=200, description="ACLED sub-event type belonging to event_type.")
    event_date: date | None = Field(
        None, description=f"YYYY-MM-DD, from {limits.MIN_EVENT_DATE.isoformat()} to tomorrow (UTC).")
    time_precision: Literal[1, 2, 3] | None = None
    actor1: Name | None = Field(None, description="Actor name, alias or id (unknown names become provisional actors).")
    actor2: Name | None = Field(None, description="Actor name, alias or id; empty string or null clears it.")
    location: Name | None = Field(None, description="Place name; resolved in the pack's gazetteer unless latitude/longitude are sent.")
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    admin1: Name | None = None
    admin2: Name | None = None
    admin3: Name | None = None
    fatalities: Count | None = Field(None, description=f"0 to {limits.MAX_COUNT:,}.")
    injured: Count | None = Field(None, description=f"0 to {limits.MAX_COUNT:,}.")
    hedged: bool | None = None

    @field_validator("event_date")
    @classmethod
    def _date_in_range(cls, v: date | None) -> date | None:
        return limits.check_event_date(v)


class ReviewNote(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str | None = Field(None, max_length=limits.MAX_NOTE, description="Why (kept in the audit log).")


class AliasIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    alias: str = Field(min_length=1, max_length=limits.MAX_NAME)


class MergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    other_id: str = Field(min_length=1, max_length=limits.MAX_ID, description="The actor folded into this one (it disappears).")


class SplitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=limits.MAX_NAME, description="Name of the new actor.")
    aliases: list[Name] = Field(min_length=1, max_length=limits.MAX_LIST,
                                description="Aliases of this actor that belong to the new one.")


class EventList(BaseModel):
    total: int
    offset: int
    limit: int
    events: list[dict[str, Any]]


# --------------------------------------------------------------------------- helpers


def _bbox(value: str | None) -> tuple[float, float, float, float] | None:
    if value is None or value == "":
        return None
    parts = value.split(",")
    try:
        if len(parts) != 4:
            raise ValueError
        w, s, e, n = (float(p) for p in parts)
    except ValueError:
        raise HTTPException(422, f"bbox {value!r}: expected four numbers west,south,east,north") from None
    if not (-180 <= w <= e <= 180 and -90 <= s <= n <= 90):
        raise HTTPException(422, f"bbox {value!r}: need -180<=west<=east<=180 and -90<=south<=north<=90")
    return w, s, e, n


def _printable(value, limit: int = 200):
    """`value` with non-finite floats and 64-bit-busting ints as text and long text cut: JSON-safe and short."""
    if isinstance(value, dict):
        return {k: _printable(v, limit) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_printable(v, limit) for v in value[:50]]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 63:
        return "a number too large"
    if isinstance(value, str) and len(value) > limit:
        return value[:limit] + f"… ({len(value):,} characters)"
    return value


def _bad(exc: Exception) -> HTTPException:
    if isinstance(exc, ReviewConflict):
        return HTTPException(status.HTTP_409_CONFLICT, str(exc))
    if isinstance(exc, KeyError):
        return HTTPException(status.HTTP_404_NOT_FOUND, f"not found: {exc.args[0] if exc.args else ''}")
    return HTTPException(422, str(exc))


ERRORS = {401: {"model": Problem, "description": "No token or a wrong one."},
          404: {"model": Problem}, 409: {"model": Problem}, 422: {"model": Problem}}


# --------------------------------------------------------------------------- the app


def create_app(db: str | Path | None = None, pack: str = "syria", store=None) -> FastAPI:
    """The workbench over the store at `db` (or an open `store`), with boundaries from `pack`."""
    from ..pack import load_pack
    from ..store import Store

    app = FastAPI(
        title="Frontlines workbench API",
        version="1",
        description=(
            "Events, actors, relations, documents and sources from a Frontlines store, and the review "
            "endpoints that correct them. Reads are open; writes need `Authorization: Bearer <token>` "
            "(`frontlines token create`). Every change is logged (who, when, before, after) and "
            "`frontlines run` never overwrites a field a person set."
        ),
        openapi_tags=TAGS,
        docs_url=None,  # served below from the vendored Swagger UI, not a CDN
        redoc_url=None,
    )
    app.state.store = store if store is not None else Store(db)
    app.state.pack = load_pack(pack)
    S = lambda: app.state.store  # noqa: E731
    Who = Annotated[str, Depends(require_token)]
    EventId = Annotated[str, PathParam(min_length=1, max_length=255, description="The event's id.")]
    ActorId = Annotated[str, PathParam(min_length=1, max_length=255, description="The actor's id.")]

    # JSON and CSV shrink five- to tenfold; the workbench's filter changes stay small on the wire
    app.add_middleware(GZipMiddleware, minimum_size=1000)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)  # /docs sets its own (docs_csp)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response

    # ------------------------------------------------------------------ meta

    @app.get("/api/meta", tags=["meta"], summary="Counts, taxonomy, date range and boundary levels")
    def meta() -> dict:
        store = S()
        counts = store.counts(("documents", "events", "actors", "relations", "reviews"))
        dates = store.event_dates()
        lo, hi = queries.date_range(store, queries.Filters(), limits.MIN_EVENT_DATE, limits.max_event_date())
        p = app.state.pack
        return {
            "pack": p.name,
            "country": p.manifest.get("country"),
            "iso": p.manifest.get("iso"),  # ISO 3166 numeric: the map leaves this country out of world-atlas's
            "bbox": p.manifest.get("bbox"),  # [min_lon, min_lat, max_lon, max_lat]: the map draws the countries around it
            "counts": {k: counts.get(k, 0) for k in ("documents", "events", "actors", "relations", "reviews")},
            "first_date": dates[0],
            "last_date": dates[1],
            # the range the timeline spans: merged events, none before 1900 or after tomorrow (typos)
            "date_min": lo.isoformat() if lo else None,
            "date_max": hi.isoformat() if hi else None,
            "event_types": EVENT_TYPES,
            "relation_types": list(RELATION_TYPES),
            "review_states": list(REVIEW_STATES),
            "boundary_levels": sorted(p.boundaries),
            "writes_need_token": True,
            "limits": {"min_event_date": limits.MIN_EVENT_DATE.isoformat(),
                       "max_event_date": limits.max_event_date().isoformat(), "max_count": limits.MAX_COUNT,
                       "max_name": limits.MAX_NAME, "max_note": limits.MAX_NOTE},
        }

    @app.get("/api/boundaries/{level}", tags=["meta"], summary="The pack's boundaries at one admin level (GeoJSON)",
             responses={200: {"content": {"application/geo+json": {}}}, 404: {"model": Problem}})
    def boundaries(level: Annotated[str, PathParam(description="admin0 | admin1 | admin2 | admin3")]):
        path = app.state.pack.boundaries.get(level)
        if path is None or not Path(path).is_file():
            raise HTTPException(404, f"no boundaries {level!r}; levels: {', '.join(sorted(app.state.pack.boundaries))}")
        return FileResponse(path, media_type="application/geo+json")

    # Place labels on the map: which gazetteer kinds are labelled from which zoom (Leaflet's zoom: the
    # whole country is about 6-7), biggest first (kind, then population, then how often ACLED names it).
    label_places = None

    @app.get("/api/places", tags=["meta"], responses={422: {"model": Problem}},
             summary="The biggest gazetteer places in a map view, for labels")
    def places(
        zoom: Annotated[float, Query(ge=0, le=22, description="The map's zoom (Leaflet/Web Mercator levels).")],
        bbox: Annotated[str | None, Query(description="min_lon,min_lat,max_lon,max_lat", examples=["36,35.5,37,36.5"])] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 60,
    ) -> list[dict]:
        nonlocal label_places
        if label_places is None:
            ranked = [p for p in app.state.pack.gazetteer.places.values()
                      if p.kind in LABEL_KINDS and p.lat is not None and p.lon is not None]
            ranked.sort(key=lambda p: (LABEL_KINDS[p.kind], -(p.population or 0), -(p.events or 0), p.name))
            label_places = ranked
        box = _bbox(bbox)
        out = []
        for p in label_places:
            if LABEL_KINDS[p.kind] > zoom:
                continue
            if box and not (box[0] <= p.lon <= box[2] and box[1] <= p.lat <= box[3]):
                continue
            out.append({"id": p.id, "name": p.name, "kind": p.kind, "lat": p.lat, "lon": p.lon,
                        "population": p.population, "admin1": p.admin1})
            if len(out) >= limit:
                break
        return out

    # ------------------------------------------------------------------ events

    ALL_TYPES = {t.lower() for et, subs in EVENT_TYPES.items() for t in (et, *subs)}
    SUB_TYPES = {t.lower() for subs in EVENT_TYPES.values() for t in subs}

    def filters(
        since: Annotated[date | None, Query(description="From this date (YYYY-MM-DD), inclusive.")] = None,
        until: Annotated[date | None, Query(description="Up to this date (YYYY-MM-DD), inclusive.")] = None,
        type: Annotated[list[str] | None, Query(max_length=200, description="Event type or sub-event type (repeatable).")] = None,  # noqa: A002
        sub_type: Annotated[list[str] | None, Query(max_length=200, description="Sub-event type (repeatable).")] = None,
        actor: Annotated[str | None, Query(max_length=500, description="Actor id, or name or alias (substring).")] = None,
        admin1: Annotated[list[str] | None, Query(max_length=300, description="Governorate (repeatable).")] = None,
        q: Annotated[str | None, Query(max_length=500, description="Words in the actors, place or notes.")] = None,
        precision: Annotated[list[int] | None, Query(description="geo_precision 1, 2 or 3 (repeatable).")] = None,
        include_rejected: Annotated[bool, Query(description="Rejected events are left out unless this is true.")] = False,
        bbox: Annotated[str | None, Query(max_length=200, description="west,south,east,north", examples=["36,35.5,37,36.5"])] = None,
        place: Annotated[str | None, Query(max_length=500, description="Location or admin1-3 (substring).")] = None,
        hedged: Annotated[bool | None, Query(description="Only hedged claims (true) or only plain reports (false).")] = None,
        reviewed: Annotated[bool | None, Query(description="Only events a person reviewed (true) or not (false).")] = None,
        review_state: Annotated[Literal["unreviewed", "edited", "confirmed", "rejected"] | None, Query()] = None,
        doc_id: Annotated[str | None, Query(max_length=255, description="Only events this document reports.")] = None,
    ) -> queries.Filters:
        """The filters every workbench read shares (the event list, CSV, map, timeline, network)."""
        if since and until and since > until:
            raise HTTPException(422, f"since ({since}) is after until ({until})")
        for t in type or []:
            if t.strip().lower() not in ALL_TYPES:
                raise HTTPException(422, f"unknown type {t[:80]!r}: use an event type or sub-event type from /api/meta")
        for t in sub_type or []:
            if t.strip().lower() not in SUB_TYPES:
                raise HTTPException(422, f"unknown sub_type {t[:80]!r}: use a sub-event type from /api/meta")
        for p in precision or []:
            if p not in (1, 2, 3):
                raise HTTPException(422, f"precision {p}: use 1 (place), 2 (near a place) or 3 (governorate or country)")
        return queries.resolve_actor(S(), queries.Filters(
            since=since, until=until, types=[t for t in type or [] if t.strip()], sub_types=list(sub_type or []),
            actor=(actor or "").strip() or None, admin1=[a for a in admin1 or [] if a.strip()], q=(q or "").strip() or None,
            precision=list(precision or []), include_rejected=include_rejected, bbox=_bbox(bbox),
            place=(place or "").strip() or None, hedged=hedged, reviewed=reviewed, review_state=review_state,
            doc_ids=queries.with_groups(S(), [doc_id]) if doc_id else None))

    Filter = Annotated[queries.Filters, Depends(filters)]

    # The aggregates (map, timeline, network) are pure functions of the filters and the merged view:
    # kept for the view's current version (queries.version), so analysts on the same view, or one
    # zooming back and forth, share one computation; any write changes the version.
    aggregates: OrderedDict = OrderedDict()
    aggregates_lock = threading.Lock()

    def cached(name: str, f: queries.Filters, args: tuple, compute):
        key = (name, repr(f), args, queries.version(S()))
        with aggregates_lock:
            if key in aggregates:
                aggregates.move_to_end(key)
                return aggregates[key]
        out = compute()
        with aggregates_lock:
            aggregates[key] = out
            while len(aggregates) > 256:
                aggregates.popitem(last=False)
        return out

    @app.get("/api/events", tags=["events"], response_model=EventList, responses={422: {"model": Problem}},
             summary="Merged events, filtered, sorted and paged in SQL, with the total")
    def list_events(
        f: Filter,
        sort: Annotated[str, Query(description=f"date, fatalities, event_type, admin1 (or {', '.join(k for k in EVENT_SORT_KEYS if k not in ('event_type', 'admin1', 'fatalities'))}); "
                                               "a leading '-' sorts descending")] = "date",
        order: Annotated[Literal["asc", "desc"], Query()] = "asc",
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
        offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
        fields: Annotated[str | None, Query(max_length=2000, pattern=r"^[a-z0-9_]+(,[a-z0-9_]+)*$",
                                            description="Only these keys of each event (comma-separated; `id` always): "
                                                        "a table needs a tenth of the bytes.")] = None,
    ) -> dict:
        field = sort[1:] if sort.startswith("-") else sort
        if field not in queries.SORTS:
            raise HTTPException(422, f"cannot sort by {sort!r}; use date, fatalities, event_type or admin1 "
                                     f"(or {', '.join(EVENT_SORT_KEYS)}); '-' or order=desc to reverse")
        page = queries.events_page(S(), f, sort=field, descending=sort.startswith("-") or order == "desc",
                                   limit=limit, offset=offset, pack=app.state.pack)
        if fields:
            keep = {"id", *fields.split(",")}
            page["events"] = [{k: v for k, v in e.items() if k in keep} for e in page["events"]]
        return page

    @app.get("/api/events.csv", tags=["events"], summary="The same filters, as ACLED's 31-column CSV (streamed)",
             responses={200: {"content": {"text/csv": {}}}, 422: {"model": Problem}})
    def events_csv(f: Filter):
        chunks = iter_acled_csv(queries.iter_events(S(), f, pack=app.state.pack))
        return StreamingResponse(chunks, media_type="text/csv; charset=utf-8",
                                 headers={"Content-Disposition": 'attachment; filename="frontlines-events.csv"'})

    @app.get("/api/map", tags=["events"], responses={422: {"model": Problem}},
             summary="The filtered events for a map at one zoom: grid clusters, and counts per admin unit")
    def map_view(f: Filter, zoom: Annotated[int, Query(ge=0, le=22, description="Web Mercator zoom level.")] = 6) -> dict:
        """Events placed at a place or near one (geo_precision 1, 2) are clustered on a grid of about
        60 screen pixels at `zoom` (`approx`: how many are near a place only); events known only to a
        governorate or the country (3) are never points: they are counted per unit in `units`."""
        return cached("map", f, (zoom,), lambda: queries.map_view(S(), f, zoom))

    @app.get("/api/timeline", tags=["events"], responses={422: {"model": Problem}},
             summary="Counts of the filtered events per day, week or month and event type")
    def timeline(f: Filter, bucket: Annotated[Literal["day", "week", "month", "auto"], Query(
            description="auto: the finest that gives at most ~400 buckets")] = "auto") -> dict:
        """`series` lists the buckets with events (`t`: the bucket's first day); events without a
        date (`undated`) or dated before 1900 or after tomorrow (`out_of_range`) are counted apart."""
        lo, hi = limits.MIN_EVENT_DATE, limits.max_event_date()
        return cached("timeline", f, (bucket, lo, hi), lambda: queries.timeline(S(), f, bucket, lo, hi))

    @app.get("/api/network", tags=["actors"], responses={422: {"model": Problem}},
             summary="Actors of the filtered events and their relations valid in the period")
    def network(f: Filter, top: Annotated[int, Query(ge=1, le=500, description="Keep this many actors, by degree.")] = 60) -> dict:
        """Nodes: the actors of the filtered events (`events`: how many; `degree`: distinct neighbours).
        Edges: `co_event` between two actors of one event (count, first, last date), and the pack's
        affiliations and extracted relations valid at some time in since..until. With `actor`, the
        events are those of that actor and the graph is its neighbourhood."""
        from ..network import resolve_actor_id, workbench_graph

        store = S()
        around = None
        if f.actor:
            around = resolve_actor_id(f.actor, store, app.state.pack)
        return cached("network", f, (top, around), lambda: workbench_graph(
            store, app.state.pack, queries.actor_events(store, f), since=f.since, until=f.until, top=top, around=around))

    def _targets(event_id: str) -> list[str]:
        ids = S().review_targets(event_id)
        if not ids:
            raise HTTPException(404, f"no event {event_id!r}")
        return ids

    def _merged(event_id: str) -> dict:
        ev = S().merged_event(event_id, pack=app.state.pack)
        if ev is None:
            raise HTTPException(404, f"no event {event_id!r}")
        return ev

    @app.get("/api/events/{event_id}", tags=["events"], responses={404: {"model": Problem}},
             summary="One merged event with its sources, discrepancies, mentions, reviewed fields and review history")
    def get_event(event_id: EventId) -> dict:
        return _merged(event_id)

    @app.get("/api/events/{event_id}/mentions", tags=["events"], responses={404: {"model": Problem}},
             summary="The reports (member events) behind one merged event, rejected ones included")
    def get_mentions(event_id: EventId) -> list[dict]:
        return _merged(event_id)["mentions"]

    @app.patch("/api/events/{event_id}", tags=["events"], responses=ERRORS,
               summary="Edit an event (type, actors, place, date, fatalities...); needs a token")
    def patch_event(event_id: EventId, body: EventPatch, who: Who) -> dict:
        """An edit of a merged event (id `m-...`) applies to every report behind it, so it shows in the
        merged event and survives re-runs (each report keeps its `reviewed_fields`); a report's own id
        edits that report only. Answers with the merged event."""
        changes = body.model_dump(exclude_unset=True)
        if not changes:
            raise HTTPException(422, "send at least one field to change")
        for n in ("actor1", "actor2"):
            if n in changes and isinstance(changes[n], str) and not changes[n].strip():
                changes[n] = None
        if changes.get("location") and "latitude" not in changes and "longitude" not in changes:
            place = app.state.pack.gazetteer.lookup(changes["location"])
            if place is not None:
                changes.update({"place_id": place.id, "location": place.name, "latitude": place.lat,
                                "longitude": place.lon, "admin1": place.admin1, "admin2": place.admin2,
                                "admin3": place.admin3})
        if ("latitude" in changes) != ("longitude" in changes):
            raise HTTPException(422, "send latitude and longitude together")
        ids = _targets(event_id)
        # a report a reviewer rejected stays as it is when its merged event is edited
        rejected = {e["id"] for e in S().events(ids=ids) if e["review_state"] == "rejected"} if len(ids) > 1 else set()
        try:
            for i in ids:
                if i in rejected:
                    continue
                S().update_event(i, dict(changes), who)
        except (KeyError, ValueError) as exc:
            raise _bad(exc) from None
        return _merged(event_id)

    def _set_state(event_id: str, who: str, note: str | None, action) -> dict:
        ids = _targets(event_id)
        try:
            for i in ids:
                action(i, who, note)
        except (KeyError, ValueError) as exc:
            raise _bad(exc) from None
        return _merged(event_id)

    @app.post("/api/events/{event_id}/confirm", tags=["events"], responses=ERRORS, summary="Confirm an event; needs a token")
    def confirm_event(event_id: EventId, who: Who, body: ReviewNote | None = None) -> dict:
        return _set_state(event_id, who, body.note if body else None, S().confirm_event)

    @app.post("/api/events/{event_id}/reject", tags=["events"], responses=ERRORS,
              summary="Reject an event (a merged event m-...: every report of it; a report's id: that report); needs a token")
    def reject_event(event_id: EventId, who: Who, body: ReviewNote | None = None) -> dict:
        return _set_state(event_id, who, body.note if body else None, S().reject_event)

    # ------------------------------------------------------------------ actors

    @app.get("/api/actors", tags=["actors"], summary="Actors with aliases and counts")
    def list_actors(q: Annotated[str | None, Query(max_length=500, description="Name or alias (substring).")] = None,
                    limit: Annotated[int, Query(ge=1, le=10000)] = 1000) -> list[dict]:
        return S().actors(q or None)[:limit]

    @app.get("/api/actors/{actor_id}", tags=["actors"], responses={404: {"model": Problem}},
             summary="One actor with aliases, merged ids and review history")
    def get_actor(actor_id: ActorId) -> dict:
        a = S().actor(actor_id)
        if a is None:
            raise HTTPException(404, f"no actor {actor_id!r}")
        return a

    @app.post("/api/actors/{actor_id}/aliases", tags=["actors"], status_code=201, responses=ERRORS,
              summary="Add an alias; needs a token")
    def add_alias(actor_id: ActorId, body: AliasIn, who: Who) -> dict:
        try:
            return S().add_alias(actor_id, body.alias, who)
        except (KeyError, ValueError) as exc:
            raise _bad(exc) from None

    @app.post("/api/actors/{actor_id}/merge", tags=["actors"], responses=ERRORS,
              summary="Merge another actor into this one (later runs follow); needs a token")
    def merge_actor(actor_id: ActorId, body: MergeIn, who: Who) -> dict:
        try:
            return S().merge_actors(actor_id, body.other_id, who)
        except (KeyError, ValueError) as exc:
            raise _bad(exc) from None

    @app.post("/api/actors/{actor_id}/split", tags=["actors"], status_code=201, responses=ERRORS,
              summary="Split aliases (and the events naming them) off into a new actor; needs a token")
    def split_actor(actor_id: ActorId, body: SplitIn, who: Who) -> dict:
        try:
            return S().split_actor(actor_id, body.aliases, body.name, who)
        except (KeyError, ValueError) as exc:
            raise _bad(exc) from None

    # ------------------------------------------------------------------ relations, documents, sources, reviews

    @app.get("/api/relations", tags=["relations"], responses={422: {"model": Problem}}, summary="Relations, filtered")
    def list_relations(
        type: Annotated[str | None, Query(description=f"One of {', '.join(RELATION_TYPES)}.")] = None,  # noqa: A002
        actor: Annotated[str | None, Query(max_length=500, description="Actor name or alias (substring) on either side.")] = None,
        since: date | None = None,
        until: date | None = None,
        doc_id: Annotated[str | None, Query(max_length=255)] = None,
    ) -> list[dict]:
        if type and type not in RELATION_TYPES:
            raise HTTPException(422, f"unknown relation type {type!r}; one of {', '.join(RELATION_TYPES)}")
        if since and until and since > until:
            raise HTTPException(422, f"since ({since}) is after until ({until})")
        rows = S().relations(doc_ids=[doc_id] if doc_id else None)
        if type:
            rows = [r for r in rows if r["type"] == type]
        if since:
            rows = [r for r in rows if r["date"] and r["date"] >= since.isoformat()]
        if until:
            rows = [r for r in rows if r["date"] and r["date"] <= until.isoformat()]
        if actor:
            from ..store.db import _contains

            rows = [r for r in rows if _contains(actor, [*r["source_aliases"], *r["target_aliases"]])]
        return rows

    @app.get("/api/documents", tags=["documents"], summary="Documents (metadata, no text)")
    def list_documents() -> list[dict]:
        return S().documents()

    @app.get("/api/documents/{doc_id:path}", tags=["documents"], responses={404: {"model": Problem}},
             summary="One document: text, removed spans, and the offsets of every event's and relation's evidence")
    def get_document(doc_id: Annotated[str, PathParam(min_length=1, max_length=255)]) -> dict:
        store = S()
        doc = store.document(doc_id)
        if doc is None:
            raise HTTPException(404, f"no document {doc_id!r}")
        evidence = []
        doc_events = store.events(doc_ids=[doc_id])
        merged_ids = store.merged_ids([ev["id"] for ev in doc_events])
        for ev in doc_events:
            for src in ev["sources"]:
                if src["doc_id"] == doc_id:
                    # id: the merged event the report belongs to (what the workbench opens); mention_id: the report
                    evidence.append({"kind": "event", "id": merged_ids[ev["id"]], "mention_id": ev["id"], "label": f"{ev['event_type']}: {ev['sub_event_type']}",
                                     "event_date": ev["event_date"], "review_state": ev["review_state"],
                                     "start": src["evidence_start"], "end": src["evidence_end"], "text": src["evidence"]})
        for rel in store.relations(doc_ids=[doc_id]):
            if rel["evidence_start"] is not None and rel["evidence_end"] is not None:
                evidence.append({"kind": "relation", "id": rel["id"], "label": f"{rel['source']} {rel['type']} {rel['target']}",
                                 "event_date": rel["date"], "review_state": None,
                                 "start": rel["evidence_start"], "end": rel["evidence_end"], "text": rel["evidence"]})
        evidence.sort(key=lambda e: (e["start"], e["end"], e["id"]))
        return {**doc, "evidence": evidence}

    @app.get("/api/sources", tags=["sources"], summary="Outlets with document and event counts")
    def list_sources() -> list[dict]:
        return S().sources()

    @app.get("/api/reviews", tags=["reviews"], responses={422: {"model": Problem}},
             summary="The audit log, newest first, filtered and paged")
    def list_reviews(
        user: Annotated[str | None, Query(max_length=limits.MAX_NAME, description="Who (the token's name).")] = None,
        action: Annotated[str | None, Query(max_length=64, description=f"One of {', '.join(audit.ACTIONS)}.")] = None,
        event_id: Annotated[str | None, Query(max_length=255, description="An event (a merged id: all its reports).")] = None,
        since: Annotated[date | None, Query(description="From this day (UTC), inclusive.")] = None,
        until: Annotated[date | None, Query(description="Up to this day (UTC), inclusive.")] = None,
        entity: Annotated[Literal["event", "actor"] | None, Query()] = None,
        entity_id: Annotated[str | None, Query(max_length=255)] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
    ) -> dict:
        """Items: who, when (ISO 8601 with the zone), action, event_id (or actor_id), field, before,
        after, and the note a reviewer gave with a confirm or reject."""
        if action is not None and action not in audit.ACTIONS:
            raise HTTPException(422, f"unknown action {action[:40]!r}; one of {', '.join(audit.ACTIONS)}")
        if since and until and since > until:
            raise HTTPException(422, f"since ({since}) is after until ({until})")
        ids = None
        if event_id:
            ids = set(S().review_targets(event_id)) or {event_id}
        return audit.page(S().reviews(entity=entity, entity_id=entity_id), user=user, action=action, event_ids=ids,
                          since=since, until=until, limit=limit, offset=offset)

    @app.get("/api/whoami", tags=["reviews"], responses={401: {"model": Problem}},
             summary="Check a token: the name changes will be recorded under")
    def whoami(who: Who) -> dict:
        return {"who": who}

    # ------------------------------------------------------------------ interactive docs, offline

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url=app.openapi_url, title=f"{app.title} - docs",
            swagger_js_url=f"{SWAGGER_UI}/swagger-ui-bundle.js", swagger_css_url=f"{SWAGGER_UI}/swagger-ui.css",
            swagger_favicon_url=f"{SWAGGER_UI}/favicon-32x32.png",
            swagger_ui_parameters={"validatorUrl": None},  # no badge fetched from validator.swagger.io
        )
        html = page.body.decode()
        return HTMLResponse(html, headers={"Content-Security-Policy": docs_csp(html)})

    @app.exception_handler(OverflowError)
    async def too_large(request: Request, exc: OverflowError):  # a number too large for the database
        return JSONResponse({"detail": f"a number is too large: {exc}"}, status_code=422)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        # FastAPI's own handler echoes each bad input: an inf (JSON 1e400) made it fail with a 500,
        # and a 100,000-character name came back whole. Same shape, inputs made printable and short.
        return JSONResponse({"detail": _printable(jsonable_encoder(exc.errors()))}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        # FastAPI answers 400 when json.loads itself fails, e.g. on an integer of more than 4300 digits;
        # a body we cannot read is a 422 like any other malformed JSON.
        if exc.status_code == 400 and exc.detail == "There was an error parsing the body":
            return JSONResponse({"detail": "the body is not JSON we can read (malformed, or a number far too large)"},
                                status_code=422)
        return await http_exception_handler(request, exc)

    # ------------------------------------------------------------------ the single-page app

    @app.get("/", include_in_schema=False)
    def index():
        return FileResponse(WEB_DIR / "index.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=WEB_DIR), name="static")
    return app
