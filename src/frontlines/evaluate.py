"""Score predictions against a gold file (`frontlines-gold/1`, see the gold FORMAT.md).

Pure: no pipeline, no database. Predictions are plain dicts, one per document id:

    {"processed": bool, "published": "YYYY-MM-DD" | None,
     "events": [EVENT OBJECT, ...], "relations": [RELATION OBJECT, ...]}

with the event and relation objects exactly as the store returns them. A gold document missing from
the predictions counts as not processed (its gold events are all false negatives); predictions for
documents that the gold does not annotate are ignored (listed under "ignored_documents"). A prediction
present without a "processed" key counts as processed; "processed": False only affects the
`documents.processed` count and the `published` check (any events it carries are still scored).

Decisions where FORMAT.md is silent (all documented again in `score`'s docstring):
- precision / recall / F1 are 0.0 when undefined (no predictions, no gold items).
- accuracy-style metrics ("matched", "same_event") are None (JSON null, shown "n/a") when they are
  computed over nothing.
- `alias_groups` extend gold actor lists: a gold list that holds one name of a group accepts all of them.
- `same_event` uses the transitive closure of the gold pairs (A~B and B~C make A~C a gold pair).
- a gold event with a null/missing date waives the date criterion; a missing `date_tolerance_days`
  defaults by `date_precision` (day 1, week 7, month 31; otherwise 1).
- a predicted `fatalities` of None counts as 0 (ACLED: unknown = 0).
"""
from __future__ import annotations

import json
import math
import statistics
from datetime import date, datetime
from itertools import combinations
from pathlib import Path
from typing import Any, Callable, Iterable

from frontlines.models import SYMMETRIC_RELATIONS
from frontlines.names import match_key
from frontlines.geo import haversine_km  # noqa: F401

SCHEMA = "frontlines-gold/1"
DEFAULT_TOLERANCE_KM = 10.0
_DEFAULT_DATE_TOLERANCE = {"day": 1, "week": 7, "month": 31}
_FALLBACK_DATE_TOLERANCE = 1


# --------------------------------------------------------------------------------------------------
# Loading and validating the gold
# --------------------------------------------------------------------------------------------------


class _GoldError(ValueError):
    pass


def _parse_iso(value: Any) -> date | None:
    """ISO date (or datetime) string / date object -> date; None/'' -> None; anything else raises."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            pass
    raise ValueError(f"not an ISO date: {value!r}")


def _as_name_list(value: Any, where: str, field: str, *, nullable: bool) -> list[str] | None:
    if value is None:
        if nullable:
            return None
        raise _GoldError(f"{where}: '{field}' must not be null")
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _GoldError(f"{where}: '{field}' must be a list of names (strings)")
    if not value:
        if nullable:
            return None
        raise _GoldError(f"{where}: '{field}' must not be empty")
    return list(value)


def _check_number(value: Any, where: str, field: str) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _GoldError(f"{where}: '{field}' must be a number or null, got {value!r}")


def _check_date(value: Any, where: str, field: str) -> None:
    if value is None:
        return
    try:
        _parse_iso(value)
    except ValueError:
        raise _GoldError(f"{where}: '{field}' is not an ISO date: {value!r}") from None


def _validate(gold: Any, origin: str) -> None:
    def fail(msg: str) -> None:
        raise _GoldError(f"{origin}: {msg}")

    if not isinstance(gold, dict):
        fail("the gold file must be one JSON object")
    schema = gold.get("schema")
    if schema != SCHEMA:
        fail(f"unsupported schema {schema!r} (expected {SCHEMA!r})")
    docs = gold.get("documents")
    if not isinstance(docs, list):
        fail("'documents' must be a list")
    seen_docs: dict[str, set[str]] = {}
    try:
        for i, doc in enumerate(docs):
            where = f"documents[{i}]"
            if not isinstance(doc, dict):
                raise _GoldError(f"{where}: must be an object")
            doc_id = doc.get("doc")
            if not isinstance(doc_id, str) or not doc_id:
                raise _GoldError(f"{where}: missing required field 'doc' (a non-empty string)")
            where = f"document {doc_id!r}"
            if doc_id in seen_docs:
                raise _GoldError(f"{where}: duplicate document id")
            _check_date(doc.get("published"), where, "published")
            events = doc.get("events", [])
            if not isinstance(events, list):
                raise _GoldError(f"{where}: 'events' must be a list")
            ids: set[str] = set()
            for j, ev in enumerate(events):
                ew = f"{where} events[{j}]"
                if not isinstance(ev, dict):
                    raise _GoldError(f"{ew}: must be an object")
                for field in ("id", "event_type", "sub_event_type", "actor1"):
                    if field not in ev:
                        raise _GoldError(f"{ew}: missing required field '{field}'")
                if not isinstance(ev["id"], str) or not ev["id"]:
                    raise _GoldError(f"{ew}: 'id' must be a non-empty string")
                ew = f"{where} event {ev['id']!r}"
                if ev["id"] in ids:
                    raise _GoldError(f"{ew}: duplicate event id")
                ids.add(ev["id"])
                if not isinstance(ev["event_type"], str) or not ev["event_type"].strip():
                    raise _GoldError(f"{ew}: 'event_type' must be a non-empty string")
                _as_name_list(ev["sub_event_type"], ew, "sub_event_type", nullable=False)
                _as_name_list(ev["actor1"], ew, "actor1", nullable=False)
                _as_name_list(ev.get("actor2"), ew, "actor2", nullable=True)
                if ev.get("assoc_actor_1") is not None:
                    _as_name_list(ev["assoc_actor_1"], ew, "assoc_actor_1", nullable=True)
                _check_date(ev.get("date"), ew, "date")
                for field in ("lat", "lon", "tolerance_km", "date_tolerance_days", "fatalities"):
                    _check_number(ev.get(field), ew, field)
                loc = ev.get("location")
                if loc is not None and not isinstance(loc, str):
                    raise _GoldError(f"{ew}: 'location' must be a string or null")
                if (ev.get("lat") is None) != (ev.get("lon") is None):
                    raise _GoldError(f"{ew}: 'lat' and 'lon' must be given together")
                if not loc and ev.get("lat") is None:
                    raise _GoldError(f"{ew}: needs a 'location' name or 'lat'/'lon' coordinates")
            rels = doc.get("relations", [])
            if not isinstance(rels, list):
                raise _GoldError(f"{where}: 'relations' must be a list")
            for j, rel in enumerate(rels):
                rw = f"{where} relations[{j}]"
                if not isinstance(rel, dict):
                    raise _GoldError(f"{rw}: must be an object")
                for field in ("type", "source", "target"):
                    if field not in rel:
                        raise _GoldError(f"{rw}: missing required field '{field}'")
                if not isinstance(rel["type"], str) or not rel["type"].strip():
                    raise _GoldError(f"{rw}: 'type' must be a non-empty string")
                _as_name_list(rel["source"], rw, "source", nullable=False)
                _as_name_list(rel["target"], rw, "target", nullable=False)
            must_not = doc.get("must_not")
            if must_not is not None:
                if not isinstance(must_not, dict):
                    raise _GoldError(f"{where}: 'must_not' must be an object")
                for field in ("actors", "places", "text_from_boilerplate"):
                    val = must_not.get(field)
                    if val is not None and (
                        not isinstance(val, list) or not all(isinstance(v, str) for v in val)
                    ):
                        raise _GoldError(f"{where}: 'must_not.{field}' must be a list of strings")
            seen_docs[doc_id] = ids

        same = gold.get("same_event", [])
        if same is None:
            same = []
        if not isinstance(same, list):
            raise _GoldError("'same_event' must be a list of [\"DOC#EVENT\", \"DOC#EVENT\"] pairs")
        for k, group in enumerate(same):
            if not isinstance(group, list) or len(group) < 2 or not all(isinstance(r, str) for r in group):
                raise _GoldError(f"same_event[{k}]: must be a list of at least two \"DOC#EVENT\" strings")
            for ref in group:
                doc_id, sep, ev_id = ref.rpartition("#")
                if not sep or not doc_id or not ev_id:
                    raise _GoldError(f"same_event[{k}]: {ref!r} is not of the form \"DOC#EVENT\"")
                if doc_id not in seen_docs:
                    raise _GoldError(f"same_event[{k}]: unknown document {doc_id!r} in {ref!r}")
                if ev_id not in seen_docs[doc_id]:
                    raise _GoldError(f"same_event[{k}]: unknown event {ev_id!r} in {ref!r}")
        groups = gold.get("alias_groups", [])
        if groups is None:
            groups = []
        if not isinstance(groups, list) or not all(
            isinstance(g, list) and all(isinstance(n, str) for n in g) for g in groups
        ):
            raise _GoldError("'alias_groups' must be a list of lists of names")
    except _GoldError as exc:
        raise _GoldError(f"{origin}: {exc}") from None


def load_gold(path: str | Path) -> dict:
    """Read and validate a `frontlines-gold/1` file; ValueError naming the file and the problem."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"{p}: cannot read gold file ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise ValueError(f"{p}: gold file is not UTF-8 ({exc})") from exc
    try:
        gold = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{p}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from exc
    _validate(gold, str(p))
    return gold


def gold_doc_ids(gold: dict) -> list[str]:
    """The annotated document ids, in gold order."""
    return [d["doc"] for d in gold.get("documents", [])]


# --------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------


def _float(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _safe_date(value: Any) -> date | None:
    try:
        return _parse_iso(value)
    except ValueError:
        return None


def _name_of(value: Any) -> str | None:
    """A name from a string, or from an actor/place-like dict ({"name"} / {"surface"})."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, dict):
        for k in ("name", "label", "surface"):
            if isinstance(value.get(k), str) and value[k].strip():
                return value[k].strip()
    return None


def _keys(names: Iterable[Any]) -> set[str]:
    out = set()
    for n in names:
        n = _name_of(n)
        if n:
            k = match_key(n)
            if k:
                out.add(k)
    return out


def _pred_actor_keys(obj: dict, field: str, aliases_field: str) -> set[str]:
    names: list[Any] = [obj.get(field)]
    extra = obj.get(aliases_field)
    if isinstance(extra, (list, tuple)):
        names.extend(extra)
    if isinstance(obj.get(field), dict):  # tolerate an embedded actor object with its own aliases
        names.extend(obj[field].get("aliases") or [])
    return _keys(names)


def _prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "tp": tp, "fp": fp, "fn": fn}


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def _max_matching(
    n_left: int,
    candidates: Callable[[int], list[int]],
    blocked: set[int] | None = None,
) -> dict[int, int]:
    """Maximum bipartite matching (Kuhn's augmenting paths). Returns {left: right}.

    `candidates(i)` lists the right vertices left vertex i may take, best first: the first free one is
    tried first, so ties between maximum matchings fall towards better pairs. `blocked` right vertices
    are unavailable (already used by an earlier phase)."""
    blocked = blocked or set()
    cand = [[j for j in candidates(i) if j not in blocked] for i in range(n_left)]
    owner: dict[int, int] = {}  # right -> left

    def augment(i: int, seen: set[int]) -> bool:
        for j in cand[i]:  # a free candidate first, so that better-ranked earlier pairs are not disturbed
            if j not in owner and j not in seen:
                seen.add(j)
                owner[j] = i
                return True
        for j in cand[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in owner or augment(owner[j], seen):
                owner[j] = i
                return True
        return False

    for i in range(n_left):
        augment(i, set())
    return {i: j for j, i in owner.items()}


# --------------------------------------------------------------------------------------------------
# Gold preparation (normalised copies; the caller's dict is not modified)
# --------------------------------------------------------------------------------------------------


class _AliasExpander:
    def __init__(self, groups: list[list[str]]):
        self.by_key: dict[str, set[str]] = {}
        for g in groups or []:
            keys = _keys(g)
            for k in keys:
                self.by_key.setdefault(k, set()).update(keys)

    def expand(self, names: list[str] | None) -> set[str] | None:
        if names is None:
            return None
        keys = _keys(names)
        out = set(keys)
        for k in keys:
            out |= self.by_key.get(k, set())
        return out


def _prepare_gold_event(ev: dict, alias: _AliasExpander) -> dict:
    precision = ev.get("date_precision")
    tol_days = ev.get("date_tolerance_days")
    if tol_days is None:
        tol_days = _DEFAULT_DATE_TOLERANCE.get(precision, _FALLBACK_DATE_TOLERANCE)
    tol_km = ev.get("tolerance_km")
    subs = ev["sub_event_type"]
    if isinstance(subs, str):
        subs = [subs]
    return {
        "raw": ev,
        "id": ev["id"],
        "event_type": ev["event_type"].strip().casefold(),
        "subs": {s.strip().casefold() for s in subs},
        "date": _safe_date(ev.get("date")),
        "tol_days": float(tol_days),
        "actor1": alias.expand(_as_name_list(ev["actor1"], "", "actor1", nullable=False)),
        "actor2": alias.expand(_as_name_list(ev.get("actor2"), "", "actor2", nullable=True)),
        "loc_key": match_key(ev["location"]) if ev.get("location") else None,
        "lat": _float(ev.get("lat")),
        "lon": _float(ev.get("lon")),
        "tol_km": float(tol_km) if tol_km is not None else DEFAULT_TOLERANCE_KM,
        "fatalities": ev.get("fatalities"),
        "optional": bool(ev.get("optional", False)),
    }


def _prepare_gold_relation(rel: dict, alias: _AliasExpander) -> dict:
    return {
        "raw": rel,
        "type": rel["type"].strip().casefold(),
        "source": alias.expand(_as_name_list(rel["source"], "", "source", nullable=False)),
        "target": alias.expand(_as_name_list(rel["target"], "", "target", nullable=False)),
        "optional": bool(rel.get("optional", False)),
    }


def _prepare_pred_event(ev: dict) -> dict:
    return {
        "raw": ev,
        "id": ev.get("id"),
        "cluster_id": ev.get("cluster_id"),
        "event_type": (ev.get("event_type") or "").strip().casefold(),
        "sub": (ev.get("sub_event_type") or "").strip().casefold(),
        "date": _safe_date(ev.get("event_date")),
        "actor1": _pred_actor_keys(ev, "actor1", "actor1_aliases"),
        "actor2": _pred_actor_keys(ev, "actor2", "actor2_aliases"),
        "loc_key": match_key(_name_of(ev.get("location")) or "") or None,
        "lat": _float(ev.get("latitude")),
        "lon": _float(ev.get("longitude")),
        "fatalities": ev.get("fatalities"),
    }


def _prepare_pred_relation(rel: dict) -> dict:
    return {
        "raw": rel,
        "type": (rel.get("type") or "").strip().casefold(),
        "source": _pred_actor_keys(rel, "source", "source_aliases"),
        "target": _pred_actor_keys(rel, "target", "target_aliases"),
    }


# --------------------------------------------------------------------------------------------------
# Matching criteria
# --------------------------------------------------------------------------------------------------


def _distance(g: dict, p: dict) -> float | None:
    if None in (g["lat"], g["lon"], p["lat"], p["lon"]):
        return None
    return haversine_km(g["lat"], g["lon"], p["lat"], p["lon"])


def _event_match(g: dict, p: dict) -> tuple | None:
    """None when p cannot match g; else a sort key (lower = better pair) for tie-breaking."""
    if not p["event_type"] or p["event_type"] != g["event_type"]:
        return None
    dist = _distance(g, p)
    same_name = g["loc_key"] is not None and p["loc_key"] == g["loc_key"]
    if not same_name and not (dist is not None and dist <= g["tol_km"] + 1e-9):
        return None
    if p["date"] is None:
        return None
    date_err = abs((p["date"] - g["date"]).days) if g["date"] is not None else 0
    if date_err > g["tol_days"]:
        return None
    gold_actors = g["actor1"] | (g["actor2"] or set())
    if not ((p["actor1"] | p["actor2"]) & gold_actors):
        return None
    return (
        0 if p["sub"] in g["subs"] else 1,
        0 if p["actor1"] & g["actor1"] else 1,
        0 if ((not p["actor2"]) if g["actor2"] is None else bool(p["actor2"] & g["actor2"])) else 1,
        date_err,
        dist if dist is not None else (0.0 if same_name else math.inf),
    )


def _relation_match(g: dict, p: dict) -> tuple | None:
    if not p["type"] or p["type"] != g["type"]:
        return None
    if p["source"] & g["source"] and p["target"] & g["target"]:
        return (0,)
    if g["type"] in SYMMETRIC_RELATIONS and p["source"] & g["target"] and p["target"] & g["source"]:
        return (1,)
    return None


def _two_phase_match(golds: list[dict], preds: list[dict], crit: Callable[[dict, dict], tuple | None]):
    """Non-optional gold first (maximum matching), then optional gold among the predictions left.
    Returns {gold index: pred index}."""
    keys = [[crit(g, p) for p in preds] for g in golds]

    def cands(gi: int) -> list[int]:
        ok = [(k, pj) for pj, k in enumerate(keys[gi]) if k is not None]
        return [pj for _, pj in sorted(ok)]

    required = [i for i, g in enumerate(golds) if not g["optional"]]
    optional = [i for i, g in enumerate(golds) if g["optional"]]
    first = _max_matching(len(required), lambda i: cands(required[i]))
    result = {required[i]: pj for i, pj in first.items()}
    second = _max_matching(len(optional), lambda i: cands(optional[i]), blocked=set(result.values()))
    result.update({optional[i]: pj for i, pj in second.items()})
    return result


# --------------------------------------------------------------------------------------------------
# must_not
# --------------------------------------------------------------------------------------------------


def _event_evidence_texts(ev: dict, doc_id: str) -> list[str]:
    texts: list[str] = []
    for src in ev.get("sources") or []:
        if isinstance(src, dict):
            if src.get("doc_id") not in (None, doc_id):
                continue  # evidence from another document of a merged event is not this doc's problem
            if isinstance(src.get("evidence"), str):
                texts.append(src["evidence"])
        elif isinstance(src, str):
            texts.append(src)
    for field in ("notes", "evidence"):
        if isinstance(ev.get(field), str):
            texts.append(ev[field])
    return texts


def _event_actor_names(ev: dict) -> list[Any]:
    names: list[Any] = []
    for field, aliases in (("actor1", "actor1_aliases"), ("actor2", "actor2_aliases")):
        names.append(ev.get(field))
        names.extend(ev.get(aliases) or [])
    for field in ("assoc_actor_1", "assoc_actor_2"):
        val = ev.get(field)
        if isinstance(val, (list, tuple)):
            names.extend(val)
        elif val:
            names.append(val)
    return names


def _must_not(doc_id: str, must_not: dict, events: list[dict], relations: list[dict]) -> list[str]:
    places = _keys(must_not.get("places") or [])
    actors = _keys(must_not.get("actors") or [])
    boiler = [(b, b.casefold()) for b in must_not.get("text_from_boilerplate") or [] if b.strip()]
    out: list[str] = []

    def boiler_hit(texts: list[str]) -> str | None:
        for t in texts:
            low = t.casefold()
            for original, folded in boiler:
                if folded in low:
                    return original
        return None

    for ev in events:
        label = f"{doc_id}: event {ev.get('id')!r} ({ev.get('event_type')})"
        loc = _name_of(ev.get("location"))
        if loc and match_key(loc) in places:
            out.append(f"{label} located at must_not place {loc!r}")
        hit = _keys(_event_actor_names(ev)) & actors
        if hit:
            out.append(f"{label} has must_not actor(s) {sorted(hit)}")
        b = boiler_hit(_event_evidence_texts(ev, doc_id))
        if b:
            out.append(f"{label} evidence contains boilerplate text {b!r}")
    for rel in relations:
        label = f"{doc_id}: relation {rel.get('type')} {rel.get('source')!r} -> {rel.get('target')!r}"
        names = [rel.get("source"), rel.get("target"), *(rel.get("source_aliases") or []),
                 *(rel.get("target_aliases") or [])]
        hit = _keys(names) & actors
        if hit:
            out.append(f"{label} has must_not actor(s) {sorted(hit)}")
        b = boiler_hit([rel["evidence"]] if isinstance(rel.get("evidence"), str) else [])
        if b:
            out.append(f"{label} evidence contains boilerplate text {b!r}")
    return out


# --------------------------------------------------------------------------------------------------
# Scoring
# --------------------------------------------------------------------------------------------------


def _brief_gold(doc_id: str, g: dict) -> dict:
    raw = g["raw"]
    return {"doc": doc_id, "id": raw["id"], "event_type": raw["event_type"], "location": raw.get("location"),
            "date": raw.get("date"), "evidence": raw.get("evidence")}


def _brief_pred(doc_id: str, p: dict) -> dict:
    raw = p["raw"]
    evidence = next((s.get("evidence") for s in raw.get("sources") or []
                     if isinstance(s, dict) and s.get("evidence")), None)
    return {"doc": doc_id, "id": raw.get("id"), "event_type": raw.get("event_type"),
            "sub_event_type": raw.get("sub_event_type"), "location": _name_of(raw.get("location")),
            "event_date": raw.get("event_date"), "actor1": _name_of(raw.get("actor1")),
            "actor2": _name_of(raw.get("actor2")), "evidence": evidence}


def score(gold: dict, predictions: dict[str, dict]) -> dict:
    """Score `predictions` (doc id -> prediction dict) against `gold` as FORMAT.md defines.

    Undefined cases: P/R/F1 are 0.0 when their denominator is 0; the "matched" metrics and the
    same_event precision/recall are None when computed over nothing (no matched pairs, no scorable
    gold pairs, no merges). Matched metrics are over pairs with non-optional gold events only.
    same_event: recall over gold same-event pairs (transitive closure of `same_event`) whose two gold
    events were both matched (optional gold events included), = fraction whose predictions share a
    non-null cluster_id; precision over pairs of matched gold events in different documents whose
    predictions share a cluster_id, = fraction that are gold same-event pairs.
    """
    _validate(gold, "<gold>")
    predictions = predictions or {}
    alias = _AliasExpander(gold.get("alias_groups") or [])
    gold_ids = gold_doc_ids(gold)
    gold_set = set(gold_ids)

    totals = {"tp": 0, "fp": 0, "fn": 0, "rtp": 0, "rfp": 0, "rfn": 0}
    by_type: dict[str, dict[str, int]] = {}  # relation type -> tp/fp/fn
    n_processed = 0
    per_document: list[dict] = []
    matches: list[dict] = []
    unmatched: dict[str, list] = {"missed": [], "false_positives": [], "missed_relations": [],
                                  "false_positive_relations": []}
    must_not_details: list[str] = []
    pairs: list[tuple[dict, dict]] = []  # (gold prepared, pred prepared), non-optional gold only
    # "DOC#EID" -> (doc, cluster_id) for every matched gold event (optional included)
    matched_gold: dict[str, tuple[str, Any]] = {}
    published = {"checked": 0, "year_correct": 0, "day_within_3": 0, "missing": 0}

    for doc in gold["documents"]:
        doc_id = doc["doc"]
        pred = predictions.get(doc_id)
        processed = isinstance(pred, dict) and bool(pred.get("processed", True))
        pred = pred if isinstance(pred, dict) else {}
        n_processed += processed
        p_events_raw = [e for e in pred.get("events") or [] if isinstance(e, dict)]
        p_rels_raw = [r for r in pred.get("relations") or [] if isinstance(r, dict)]

        # events
        g_events = [_prepare_gold_event(e, alias) for e in doc.get("events") or []]
        p_events = [_prepare_pred_event(e) for e in p_events_raw]
        m = _two_phase_match(g_events, p_events, _event_match)
        n_required = sum(not g["optional"] for g in g_events)
        tp = sum(1 for gi in m if not g_events[gi]["optional"])
        opt = len(m) - tp
        fp = len(p_events) - len(m)
        fn = n_required - tp
        for gi, g in enumerate(g_events):
            if gi in m:
                p = p_events[m[gi]]
                matches.append({"doc": doc_id, "gold": g["id"], "pred": p["id"], "optional": g["optional"]})
                matched_gold[f"{doc_id}#{g['id']}"] = (doc_id, p["cluster_id"])
                if not g["optional"]:
                    pairs.append((g, p))
            elif not g["optional"]:
                unmatched["missed"].append(_brief_gold(doc_id, g))
        used = set(m.values())
        unmatched["false_positives"].extend(
            _brief_pred(doc_id, p) for pj, p in enumerate(p_events) if pj not in used)

        # relations
        g_rels = [_prepare_gold_relation(r, alias) for r in doc.get("relations") or []]
        p_rels = [_prepare_pred_relation(r) for r in p_rels_raw]
        rm = _two_phase_match(g_rels, p_rels, _relation_match)
        _count_by_type(by_type, g_rels, p_rels, rm)
        rtp = sum(1 for gi in rm if not g_rels[gi]["optional"])
        rfp = len(p_rels) - len(rm)
        rfn = sum(not g["optional"] for g in g_rels) - rtp
        for gi, g in enumerate(g_rels):
            if gi not in rm and not g["optional"]:
                raw = g["raw"]
                unmatched["missed_relations"].append(
                    {"doc": doc_id, "type": raw["type"], "source": raw["source"][0] if isinstance(raw["source"], list) else raw["source"],
                     "target": raw["target"][0] if isinstance(raw["target"], list) else raw["target"],
                     "evidence": raw.get("evidence")})
        rused = set(rm.values())
        for pj, p in enumerate(p_rels):
            if pj not in rused:
                raw = p["raw"]
                unmatched["false_positive_relations"].append(
                    {"doc": doc_id, "type": raw.get("type"), "source": _name_of(raw.get("source")),
                     "target": _name_of(raw.get("target")), "evidence": raw.get("evidence"),
                     "rule": raw.get("rule")})

        # must_not
        violations = _must_not(doc_id, doc.get("must_not") or {}, p_events_raw, p_rels_raw)
        must_not_details.extend(violations)

        # published
        gold_pub = _safe_date(doc.get("published"))
        if gold_pub is not None and processed:
            published["checked"] += 1
            pred_pub = _safe_date(pred.get("published"))
            if pred_pub is None:
                published["missing"] += 1
            else:
                published["year_correct"] += pred_pub.year == gold_pub.year
                published["day_within_3"] += abs((pred_pub - gold_pub).days) <= 3

        for k, v in (("tp", tp), ("fp", fp), ("fn", fn), ("rtp", rtp), ("rfp", rfp), ("rfn", rfn)):
            totals[k] += v
        per_document.append({
            "doc": doc_id, "processed": processed, "gold_events": n_required, "predicted_events": len(p_events),
            "tp": tp, "fp": fp, "fn": fn, "optional_matched": opt,
            "relation_tp": rtp, "relation_fp": rfp, "relation_fn": rfn,
            "must_not_violations": len(violations),
        })

    # matched-pair metrics
    n = len(pairs)
    sub_ok = sum(p["sub"] in g["subs"] for g, p in pairs)
    a1_ok = sum(bool(p["actor1"] & g["actor1"]) for g, p in pairs)
    a2_ok = sum((not p["actor2"]) if g["actor2"] is None else bool(p["actor2"] & g["actor2"]) for g, p in pairs)
    fat_pairs = [(g, p) for g, p in pairs if g["fatalities"] is not None]
    fat_ok = sum(_fatalities(p["fatalities"]) == g["fatalities"] for g, p in fat_pairs)
    date_errs = [abs((p["date"] - g["date"]).days) for g, p in pairs if g["date"] and p["date"]]
    dists = [d for g, p in pairs if (d := _distance(g, p)) is not None]
    matched = {
        "pairs": n,
        "sub_event_type_acc": _ratio(sub_ok, n),
        "actor1_acc": _ratio(a1_ok, n),
        "actor2_acc": _ratio(a2_ok, n),
        "fatalities_exact": _ratio(fat_ok, len(fat_pairs)),
        "date_error_days_mean": round(statistics.fmean(date_errs), 4) if date_errs else None,
        "location_error_km_median": round(statistics.median(dists), 4) if dists else None,
    }

    same_event = _score_same_event(gold, matched_gold)
    ignored = sorted(d for d in predictions if d not in gold_set)

    return {
        "documents": {"gold": len(gold_ids), "processed": n_processed},
        "event": _prf(totals["tp"], totals["fp"], totals["fn"]),
        "matched": matched,
        "relation": _prf(totals["rtp"], totals["rfp"], totals["rfn"]),
        "relation_by_type": {t: _prf(c["tp"], c["fp"], c["fn"]) for t, c in sorted(by_type.items())},
        "same_event": same_event,
        "published": published,
        "must_not_violations": len(must_not_details),
        "must_not_details": must_not_details,
        "per_document": per_document,
        "matches": matches,
        "unmatched": unmatched,
        "ignored_documents": ignored,
    }


def _count_by_type(by_type: dict, g_rels: list[dict], p_rels: list[dict], rm: dict[int, int]) -> None:
    """tp/fp/fn per relation type, counted as the totals are (a match to an optional gold counts neither way)."""
    def row(t: str) -> dict[str, int]:
        return by_type.setdefault(t or "?", {"tp": 0, "fp": 0, "fn": 0})

    used = set(rm.values())
    for gi, g in enumerate(g_rels):
        if g["optional"]:
            continue
        row(g["type"])["tp" if gi in rm else "fn"] += 1
    for pj, p in enumerate(p_rels):
        if pj not in used:
            row(p["type"])["fp"] += 1


def _fatalities(value: Any) -> int | None:
    if value is None:
        return 0
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _score_same_event(gold: dict, matched_gold: dict[str, tuple[str, Any]]) -> dict:
    # union-find over gold refs -> gold same-event groups (transitive closure)
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for group in gold.get("same_event") or []:
        for ref in group[1:]:
            parent[find(ref)] = find(group[0])
    groups: dict[str, list[str]] = {}
    for ref in list(parent):
        groups.setdefault(find(ref), []).append(ref)
    gold_pairs = {frozenset(p) for members in groups.values() for p in combinations(sorted(members), 2)}

    scorable = [p for p in gold_pairs if all(r in matched_gold for r in p)]

    def merged(a: str, b: str) -> bool:
        ca, cb = matched_gold[a][1], matched_gold[b][1]
        return ca is not None and ca == cb

    recalled = sum(merged(*sorted(p)) for p in scorable)
    merges = [frozenset((a, b)) for a, b in combinations(sorted(matched_gold), 2)
              if matched_gold[a][0] != matched_gold[b][0] and merged(a, b)]
    correct = sum(p in gold_pairs for p in merges)
    return {
        "precision": _ratio(correct, len(merges)),
        "recall": _ratio(recalled, len(scorable)),
        "gold_pairs": len(gold_pairs),
        "pairs_scored": len(scorable),
        "pairs_merged": recalled,
        "merges": len(merges),
        "merges_correct": correct,
    }


# --------------------------------------------------------------------------------------------------
# Presentation
# --------------------------------------------------------------------------------------------------


def summary_line(report: dict) -> str:
    return f"event F1 = {report['event']['f1']:.2f}"


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def format_report(report: dict):
    """Rich renderables (a Group of tables) showing every metric and the per-document counts."""
    from rich.console import Group
    from rich.table import Table

    metrics = Table(title="Evaluation", show_header=True, header_style="bold")
    metrics.add_column("section")
    metrics.add_column("metric")
    metrics.add_column("value", justify="right")
    docs = report.get("documents", {})
    metrics.add_row("documents", "gold", _fmt(docs.get("gold")))
    metrics.add_row("", "processed", _fmt(docs.get("processed")))
    for section in ("event", "relation"):
        vals = report.get(section, {})
        first = True
        for key in ("precision", "recall", "f1", "tp", "fp", "fn"):
            if key in vals:
                metrics.add_row(section if first else "", key, _fmt(vals[key]))
                first = False
    for rtype, vals in (report.get("relation_by_type") or {}).items():
        metrics.add_row(f"relation: {rtype}", "P / R / F1 (tp fp fn)",
                        f"{_fmt(vals.get('precision'))} / {_fmt(vals.get('recall'))} / {_fmt(vals.get('f1'))}"
                        f" ({vals.get('tp')} {vals.get('fp')} {vals.get('fn')})")
    first = True
    for key, val in report.get("matched", {}).items():
        metrics.add_row("matched" if first else "", key, _fmt(val))
        first = False
    first = True
    for key, val in report.get("same_event", {}).items():
        metrics.add_row("same_event" if first else "", key, _fmt(val))
        first = False
    first = True
    for key, val in report.get("published", {}).items():
        metrics.add_row("published" if first else "", key, _fmt(val))
        first = False
    metrics.add_row("must_not", "violations", _fmt(report.get("must_not_violations")))

    per_doc = Table(title="Per document", show_header=True, header_style="bold")
    cols = [("doc", "doc"), ("processed", "proc"), ("gold_events", "gold"), ("predicted_events", "pred"),
            ("tp", "tp"), ("fp", "fp"), ("fn", "fn"), ("optional_matched", "opt"),
            ("relation_tp", "rel tp"), ("relation_fp", "rel fp"), ("relation_fn", "rel fn"),
            ("must_not_violations", "must_not")]
    for _, title in cols:
        if title == "doc":
            per_doc.add_column(title, overflow="fold", min_width=12)
        else:
            per_doc.add_column(title, justify="right")
    for row in report.get("per_document", []):
        per_doc.add_row(*(_fmt(row.get(k)) for k, _ in cols))

    parts: list = [metrics, per_doc]
    details = report.get("must_not_details") or []
    if details:
        viol = Table(title="must_not violations", show_header=False)
        viol.add_column("violation")
        for d in details:
            viol.add_row(d)
        parts.append(viol)
    return Group(*parts)
