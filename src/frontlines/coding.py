"""coding: ACLED's rules for how one sentence's events are coded together.

- "X took control of Y after clashes with Z": ACLED codes the change of territory, not a clash besides
  it; the clash gives the territory event its other side and its dead.
- "clashes between X and Y amid shelling by X", "X shelled the area while exchanging fire with Y": clashes
  with shelling are one armed clash (ACLED); the shelling by either side is part of it.
"""
from __future__ import annotations

from .models import EventRecord

TERRITORY_SUBTYPES = ("Government regains territory", "Non-state actor overtakes territory")


def takes_fatalities(event_type: str, sub_event_type: str) -> bool:
    """Can the sentence's dead be this event's? Not a strategic development (no violence), and not a
    peaceful protest: protesters met with force are 'Excessive force against protesters' or 'Protest with
    intervention', so dead reported beside a peaceful protest died in another event."""
    return event_type != "Strategic developments" and sub_event_type != "Peaceful protest"


def fold_clashes_into_territory(events: list[EventRecord], start: int) -> None:
    """Within one sentence (events[start:]), fold armed clashes into the territory change they led to."""
    sentence = events[start:]
    taken = [e for e in sentence if e.sub_event_type in TERRITORY_SUBTYPES]
    if not taken:
        return
    for e in sentence:
        if e.sub_event_type != "Armed clash":
            continue
        target = taken[0]
        if target.actor2 is None:
            for side in (e.actor2, e.actor1):
                if side is not None and (target.actor1 is None or side.actor_id != target.actor1.actor_id):
                    target.actor2 = side
                    break
        target.fatalities = max(target.fatalities, e.fatalities)
        events.remove(e)


def fold_shelling_into_clashes(events: list[EventRecord], start: int, unnamed: set[str]) -> None:
    """Within one sentence, shelling by a side of an armed clash (or by no one named) is part of the clash."""
    sentence = events[start:]
    clashes = [e for e in sentence if e.sub_event_type == "Armed clash"]
    if not clashes:
        return
    for e in list(sentence):
        if e.sub_event_type != "Shelling/artillery/missile attack":
            continue
        by = e.actor1.actor_id if e.actor1 else None
        for c in clashes:
            sides = {x.actor_id for x in (c.actor1, c.actor2) if x is not None}
            if by is None or by in sides or by in unnamed:
                c.fatalities = max(c.fatalities, e.fatalities)
                events.remove(e)
                break
