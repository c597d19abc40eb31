"""The frame of an event mention — what the text says happened — and the rule that coded it.

The extractor reads a trigger and its arguments from the parse; this module writes them down as a
plain, JSON-able frame (action, agent, targets and what kind they are, instrument, place, time,
casualties, claim) next to the codebook decision that turned the frame into an ACLED event type and
sub-event type (which lexicon rule, with which conditions, or the classifier and its confidence).
The store keeps it on the event (`events.coding`) and `frontlines explain EVENT_ID` prints it, so a
reviewer can see why an event was coded the way it was, and a wrong coding points at its rule.
"""
from __future__ import annotations

from datetime import date

from spacy.tokens import Token

# ACLED's inter codes as the kind of party a frame's agent or target is.
INTER_KIND = {
    1: "state forces",
    2: "rebel group",
    3: "political militia",
    4: "identity militia",
    5: "rioters",
    6: "protesters",
    7: "civilians",
    8: "external or other forces",
}
# Dependents of a trigger that name how it was done ("drone strike", "barrel bomb", "with an IED").
_MODIFIER_DEPS = ("compound", "amod", "nmod")
_INSTRUMENT_PREPS = ("with", "by", "using")


def party(mention) -> dict | None:
    """An agent or target: the words of the text, the actor they resolved to, and its kind."""
    if mention is None:
        return None
    actor = mention.actor
    return {
        "text": mention.text,
        "actor": actor.label if actor else None,
        "actor_id": actor.actor_id if actor else None,
        "kind": INTER_KIND.get(mention.inter),
    }


def instrument(trig: Token, argument_tokens: set[int]) -> str | None:
    """What the act was carried out with, as the text words it (None when it does not say)."""
    words = [c.text for c in trig.children if c.dep_ in _MODIFIER_DEPS and c.i not in argument_tokens]
    for prep in trig.children:
        if prep.dep_ == "prep" and prep.lower_ in _INSTRUMENT_PREPS:
            words += [o.text for o in prep.children if o.dep_ == "pobj" and o.i not in argument_tokens]
    return " ".join(words) or None


def rule_of(rules: list[dict], rule: dict, key: str) -> dict:
    """The lexicon rule that decided, as `explain` shows it: the trigger, which of its rules, the conditions."""
    i = next(i for i, r in enumerate(rules) if r is rule)
    return {"by": "lexicon", "trigger": key, "rule": i + 1, "of": len(rules),
            "when": dict(rule.get("when") or {}), "sub_event_type": rule["sub"]}


def frame(
    *,
    trig: Token,
    action: str,
    agent,
    targets: list,
    place,
    event_date: date | None,
    time_precision: int,
    date_from: str,
    killed: int,
    injured: int | None,
    hedged: bool,
    claimant: str | None,
    hedge_cue: str | None,
    event_type: str,
    decision: dict,
) -> dict:
    """One event mention's frame and coding, as stored in `events.coding`."""
    argument_tokens = {i for m in [agent, *targets] if m is not None for i in range(m.start, m.end)}
    return {
        "frame": {
            "action": action,
            "trigger": trig.text,
            "agent": party(agent),
            "targets": [party(t) for t in targets],
            "instrument": instrument(trig, argument_tokens),
            "place": None if place is None else {
                "text": place.surface, "name": place.name, "kind": place.kind,
                "geo_precision": place.geo_precision,
            },
            "time": {"date": event_date.isoformat() if event_date else None, "precision": time_precision,
                     "from": date_from},
            "killed": killed,
            "injured": injured,
            "claim": {"hedged": hedged, "claimant": claimant, "cue": hedge_cue},
        },
        "coding": {**decision, "event_type": event_type},
    }
