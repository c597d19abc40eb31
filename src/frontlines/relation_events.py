"""relation_events: clashed_with relations that a document's Battles events already describe.

Every Battles event between two armed actors (ACLED inter codes in `models.ARMED_INTER`) says they
fought. Per document and actor pair they become one `clashed_with` relation, `derived=True`, with the
number of events (`count`), the first event's date as `date` and the last one's as `last_date`, and the
first event's sentence as evidence. A clashed_with the text states in words (`relations`) for the same
pair wins: it keeps its own evidence and takes the events' count and dates.

Across documents the network counts battles per real-world event (merged clusters, network.py), so it
reads derived relations from the events, not from these rows; these rows are what the store, the eval
and `frontlines changes` see of a document.
"""
from __future__ import annotations

from .models import ARMED_INTER, SYMMETRIC_RELATIONS, ActorRef, EventRecord, RelationRecord

__all__ = ["battle_relations", "with_battle_relations"]

_TYPE = "clashed_with"


def _armed(ref: ActorRef | None) -> bool:
    return ref is not None and ref.inter in ARMED_INTER and bool(ref.actor_id or ref.surface)


def _pair(a: ActorRef, b: ActorRef) -> tuple[str, str]:
    return tuple(sorted((a.actor_id or a.surface, b.actor_id or b.surface)))  # type: ignore[return-value]


def battle_relations(events: list[EventRecord], doc_id: str) -> list[RelationRecord]:
    """One derived clashed_with per actor pair of the document's Battles events (see the module doc)."""
    out: dict[tuple[str, str], RelationRecord] = {}
    for ev in events:
        if ev.event_type != "Battles" or not (_armed(ev.actor1) and _armed(ev.actor2)):
            continue
        key = _pair(ev.actor1, ev.actor2)
        if key[0] == key[1]:
            continue
        rec = out.get(key)
        if rec is None:
            out[key] = RelationRecord(
                doc_id=doc_id, type=_TYPE, source=ev.actor1, target=ev.actor2, date=ev.event_date,
                date_precision=ev.time_precision if ev.event_date else None, last_date=ev.event_date,
                hedged=ev.hedged, evidence=ev.evidence, evidence_start=ev.evidence_start,
                evidence_end=ev.evidence_end, confidence=ev.confidence, derived=True, count=1, rule="battle_events",
            )
            continue
        rec.count += 1
        rec.hedged = rec.hedged and ev.hedged  # a claim only when every report of it is one
        rec.confidence = max(rec.confidence, ev.confidence)
        if ev.event_date is not None:
            if rec.date is None or ev.event_date < rec.date:
                rec.date, rec.date_precision = ev.event_date, ev.time_precision
            if rec.last_date is None or ev.event_date > rec.last_date:
                rec.last_date = ev.event_date
    return list(out.values())


def with_battle_relations(relations: list[RelationRecord], events: list[EventRecord], doc_id: str) -> list[RelationRecord]:
    """`relations` (stated) plus the derived clashes; a stated clash of the same pair absorbs its derived one."""
    stated = {_pair(r.source, r.target): r for r in relations if r.type == _TYPE and _TYPE in SYMMETRIC_RELATIONS}
    out = list(relations)
    for d in battle_relations(events, doc_id):
        s = stated.get(_pair(d.source, d.target))
        if s is None:
            out.append(d)
            continue
        s.count = d.count
        s.last_date = d.last_date if s.last_date is None else max(s.last_date, d.last_date or s.last_date)
    return out
