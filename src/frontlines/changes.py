"""What changed in the armed-actor landscape since a date: the raw material of a weekly brief.

Kinds, each item dated and with its evidence (pack affiliations cite "pack", extracted relations
their documents and sentences, events their sources):

* `new_alliance`: allied_with, member_of / part_of (joining a coalition or operations room),
  pledged_allegiance_to, merged_into, backed_by that start on or after the date;
* `split`: split_from; `defection`: defected_from;
* `leadership`: leader_of (a leader named for a group);
* `first_seen`: an actor whose earliest event or relation in the store is on or after the date.

A relation the text says has ended ("formerly", "no longer") is no new tie. A pack affiliation's date is its valid_from; an extracted relation's is its stated date, else its
document's publication date; a relation with neither cannot be placed and is left out.
"""
from __future__ import annotations

from datetime import date

from .network import _day, _iso

__all__ = ["KINDS", "detect_changes"]

KINDS = {
    "allied_with": "new_alliance",
    "member_of": "new_alliance",
    "part_of": "new_alliance",
    "pledged_allegiance_to": "new_alliance",
    "merged_into": "new_alliance",
    "backed_by": "new_alliance",
    "split_from": "split",
    "defected_from": "defection",
    "leader_of": "leadership",
}
ORDER = ["new_alliance", "split", "defection", "leadership", "first_seen"]


def _name(i: str, pack, names: dict[str, str]) -> str:
    a = pack.actors.get(i)
    return a.name if a else names.get(i, i)


def detect_changes(store, pack, since: date, until: date | None = None) -> list[dict]:
    """Changes dated in [since, until] (until open by default), ordered by kind then date."""
    names = {a["id"]: a["name"] for a in store.actors()}
    docs = {d["id"]: d for d in store.documents()}

    def in_range(d: date | None) -> bool:
        return d is not None and d >= since and (until is None or d <= until)

    grouped: dict[tuple, dict] = {}

    def add(kind: str, when: date, typ: str, src: str, tgt: str, evidence: dict) -> None:
        k = (kind, typ, src, tgt)
        item = grouped.get(k)
        if item is None:
            item = grouped[k] = {"kind": kind, "date": when.isoformat(), "type": typ, "source_id": src,
                                 "source": _name(src, pack, names), "target_id": tgt,
                                 "target": _name(tgt, pack, names), "hedged": True, "evidence": []}
        item["date"] = min(item["date"], when.isoformat())
        item["hedged"] = item["hedged"] and bool(evidence.get("hedged"))
        item["evidence"].append(evidence)

    for f in pack.affiliations:
        kind = KINDS.get(f.type)
        if kind and in_range(f.valid_from):
            add(kind, f.valid_from, f.type, f.source, f.target,
                {"kind": "pack", "pack": pack.name, "note": f.note, "valid_from": _iso(f.valid_from),
                 "valid_to": _iso(f.valid_to), "hedged": False})

    first: dict[str, tuple[date, dict]] = {}

    def seen(actor_id: str | None, when: date | None, ev: dict) -> None:
        if actor_id and when and (actor_id not in first or when < first[actor_id][0]):
            first[actor_id] = (when, ev)

    for r in store.relations():
        doc = docs.get(r["doc_id"] or "", {})
        when = _day(r["date"]) or _day(doc.get("published"))
        ev = {"kind": "document", "doc_id": r["doc_id"], "outlet": doc.get("outlet"), "published": doc.get("published"),
              "date": r["date"], "hedged": bool(r["hedged"]), "evidence": r["evidence"], "relation": r["type"]}
        seen(r["source_id"], when, ev)
        seen(r["target_id"], when, ev)
        kind = KINDS.get(r["type"])
        if r.get("valid_until"):
            kind = None  # "formerly a member of": the text reports its end, not a new tie
        if kind and in_range(when):
            add(kind, when, r["type"], r["source_id"], r["target_id"], ev)

    for e in store.events():
        when = _day(e.get("event_date"))
        src = (e.get("sources") or [{}])[0]
        ev = {"kind": "event", "event_id": e["id"], "date": e.get("event_date"), "event_type": e["event_type"],
              "sub_event_type": e["sub_event_type"], "location": e.get("location"), "source": e.get("source"),
              "doc_id": src.get("doc_id"), "evidence": src.get("evidence"), "hedged": bool(e.get("hedged"))}
        for aid in {e.get("actor1_id"), e.get("actor2_id")}:
            seen(aid, when, ev)

    items = list(grouped.values())
    for aid, (when, ev) in first.items():
        if in_range(when):
            items.append({"kind": "first_seen", "date": when.isoformat(), "type": "first_seen", "source_id": aid,
                          "source": _name(aid, pack, names), "target_id": None, "target": None,
                          "hedged": bool(ev.get("hedged")), "evidence": [ev]})
    items.sort(key=lambda i: (ORDER.index(i["kind"]), i["date"], i["source"], i["target"] or ""))
    return items
