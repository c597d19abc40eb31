"""relation_events: relations that a document's events already describe.

Every Battles event between two armed actors (ACLED inter codes in `models.ARMED_INTER`) says they
fought, and so does a strike (Explosions/Remote violence) that the text aims at an armed actor. Per document and actor pair they become one `clashed_with` relation, `derived=True`, with the
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
_OPPOSITE = {"clashed_with": "allied_with", "allied_with": "clashed_with"}


# ACLED event types whose actor1 and actor2 are two sides that fought (a strike's target is its actor2)
CLASH_EVENT_TYPES = frozenset({"Battles", "Explosions/Remote violence"})


def _armed(ref: ActorRef | None, unnamed: frozenset[str]) -> bool:
    """An armed actor the text names: ACLED's stand-ins for an unnamed perpetrator relate nobody."""
    return ref is not None and ref.inter in ARMED_INTER and bool(ref.actor_id or ref.surface) \
        and ref.actor_id not in unnamed


def _pair(a: ActorRef, b: ActorRef) -> tuple[str, str]:
    return tuple(sorted((a.actor_id or a.surface, b.actor_id or b.surface)))  # type: ignore[return-value]


def _add(out: dict, rtype: str, a: ActorRef, b: ActorRef, ev: EventRecord, doc_id: str) -> None:
    key = (rtype, *_pair(a, b))
    if key[1] == key[2]:
        return
    rec = out.get(key)
    if rec is None:
        out[key] = RelationRecord(
            doc_id=doc_id, type=rtype, source=a, target=b, date=ev.event_date,
            date_precision=ev.time_precision if ev.event_date else None, last_date=ev.event_date,
            hedged=ev.hedged, evidence=ev.evidence, evidence_start=ev.evidence_start,
            evidence_end=ev.evidence_end, confidence=ev.confidence, derived=True, count=1, rule=f"events:{rtype}",
        )
        return
    rec.count += 1
    rec.hedged = rec.hedged and ev.hedged  # a claim only when every report of it is one
    rec.confidence = max(rec.confidence, ev.confidence)
    if ev.event_date is not None:
        if rec.date is None or ev.event_date < rec.date:
            rec.date, rec.date_precision = ev.event_date, ev.time_precision
        if rec.last_date is None or ev.event_date > rec.last_date:
            rec.last_date = ev.event_date


def battle_relations(events: list[EventRecord], doc_id: str, unnamed: frozenset[str] = frozenset()) -> list[RelationRecord]:
    """One derived relation per type and actor pair of the document's events (see the module doc)."""
    out: dict[tuple[str, str, str], RelationRecord] = {}
    for ev in events:
        if ev.event_type not in CLASH_EVENT_TYPES:
            continue
        # associated actors are left out: on a strike's target side they are often its victims, not allies
        if _armed(ev.actor1, unnamed) and _armed(ev.actor2, unnamed):
            _add(out, _TYPE, ev.actor1, ev.actor2, ev, doc_id)
    return list(out.values())


# ties that put two actors on one side: an event that has them fight each other has its sides wrong
SAME_SIDE = frozenset({"member_of", "allied_with", "backed_by", "front_for", "pledged_allegiance_to"})


def with_battle_relations(relations: list[RelationRecord], events: list[EventRecord], doc_id: str,
                          unnamed: frozenset[str] = frozenset(), affiliations=()) -> list[RelationRecord]:
    """`relations` (stated) plus the derived ones; a stated relation of the same type and pair absorbs its
    derived one (keeps its evidence, takes the events' count and last date). No clash is derived between
    two actors the document (or the pack's `affiliations`, on the event's date) puts on one side: the
    event has a coalition fighting its own member ("the Army of Conquest, which includes Nusra, began its
    assault") or allies fighting each other."""
    one_side = {_pair(r.source, r.target) for r in relations if r.type in SAME_SIDE}
    same_sentence = {(_pair(r.source, r.target), r.evidence_start) for r in relations if r.type in SAME_SIDE}
    # a sentence that puts two actors on one side does not also have them fight: the clash read is wrong
    relations = [r for r in relations if r.type != _TYPE or (_pair(r.source, r.target), r.evidence_start) not in same_sentence]
    stated = {(r.type, *_pair(r.source, r.target)): r for r in relations if r.type in SYMMETRIC_RELATIONS}
    out = list(relations)
    for d in battle_relations(events, doc_id, unnamed):
        pair = _pair(d.source, d.target)
        if pair in one_side or any(_same_side(f, pair, d.date) for f in affiliations):
            continue
        other = stated.get((_OPPOSITE[d.type], *_pair(d.source, d.target)))
        if other is not None and other.evidence_start == d.evidence_start:
            continue  # the sentence says they were on one side ("an offensive by A and B"): the event's sides are wrong
        s = stated.get((d.type, *_pair(d.source, d.target)))
        if s is None:
            out.append(d)
            continue
        s.count = d.count
        if d.date is not None and (s.date is None or d.date < s.date):
            s.date, s.date_precision = d.date, d.date_precision
        s.last_date = max(x for x in (s.last_date, d.last_date, s.date) if x is not None) if (d.last_date or s.date) else None
    return out


def _same_side(f, pair: tuple[str, str], on) -> bool:
    if f.type not in SAME_SIDE or tuple(sorted((f.source, f.target))) != pair:
        return False
    return on is None or ((f.valid_from is None or f.valid_from <= on) and (f.valid_to is None or on <= f.valid_to))
