"""coding: ACLED's rules for how one sentence's events are coded together.

- "X took control of Y after clashes with Z": ACLED codes the change of territory, not a clash besides
  it; the clash gives the territory event its other side and its dead.
"""
from __future__ import annotations

from .models import EventRecord

TERRITORY_SUBTYPES = ("Government regains territory", "Non-state actor overtakes territory")


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
