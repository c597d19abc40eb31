"""attribution: which actor a mention stands for, by ACLED's conventions of naming who acted.

- "unknown gunmen presumably IS", "gunmen believed to belong to IS": the group the attackers are
  attributed to (`attributed`);
- "a Turkish drone", "Russian military police": a nationality on a weapon or unit names that state's
  forces (`nationality_forces`); "a regime sniper": a modifier the pack knows names whose forces
  (`owners_of_forces`);
- "X and Y factions, operating under Z", "rebels under Z": the operation or coalition Z (`umbrella`).

Functions over the parse and the pack; the extractor's Mention objects are created through a factory
and copied with dataclasses.replace, so this module does not import the extractor.
"""
from __future__ import annotations

import dataclasses
from datetime import date
from typing import Callable

from spacy.tokens import Doc, Span, Token

from .models import ARMED_INTER
from .pack import Actor, KnowledgePack

UMBRELLA_KINDS = ("operations_room", "coalition")


def attributed(doc: Doc, mentions: list, cues: set[str]) -> list:
    """A generic armed mention followed by an attribution cue and a named armed group takes that group's
    identity (the named mention stays as it is)."""
    if not cues:
        return mentions
    for i, m in enumerate(mentions[:-1]):
        if not (m.kind == "actor" and m.generic and m.armed):
            continue
        nxt = mentions[i + 1]
        if nxt.kind != "actor" or nxt.generic or not nxt.armed or nxt.start - m.end > 5:
            continue
        between = " ".join(t.lower_ for t in doc[m.end: nxt.start])
        if between.strip(" ,") in cues:
            mentions[i] = dataclasses.replace(m, actor=nxt.actor, inter=nxt.inter, generic=False)
    return mentions


def nationality_forces(ent: Span, pack: KnowledgePack, force_heads: set[str], on: date | None) -> Actor | None:
    """"a Turkish drone": a nationality adjective on a weapon or unit noun names that state's forces."""
    root = ent.root
    if root.dep_ not in ("amod", "compound") or root.head.lemma_.lower() not in force_heads:
        return None
    return pack.resolve_actor(f"{ent.text.strip()} forces", on=on)


def possessor_forces(ent: Span, pack: KnowledgePack, force_heads: set[str], on: date | None) -> Actor | None:
    """"Russia's Aerospace Forces", "Turkey's Special Forces": a unit name the pack does not know, headed
    by a unit noun and owned by a state, is that state's forces."""
    root = ent.root
    # a proper name keeps its plural as lemma ("Forces")
    if root.lemma_.lower() not in force_heads and root.lower_.removesuffix("s") not in force_heads:
        return None
    for c in root.children:
        if c.dep_ == "poss" and c.i < ent.start:
            actor = pack.resolve_actor(c.text, on=on)
            if actor is not None and actor.kind in ("state", "foreign_state"):
                return actor
    return None


def owners_of_forces(doc: Doc, known: list, pack: KnowledgePack, force_heads: set[str], on: date | None,
                     make: Callable[[int, int, str, Actor], object]) -> list:
    """"a regime sniper", "government soldiers": a bare modifier the pack knows, on a weapon or unit noun,
    names whose forces they are (the phrase rulers tag such words only as whole names)."""
    taken = {i for m in known for i in range(m.start, m.end)}
    found = []
    for tok in doc:
        if (tok.i in taken or tok.dep_ not in ("compound", "amod") or tok.pos_ not in ("NOUN", "PROPN", "ADJ")
                or tok.head.lemma_.lower() not in force_heads or tok.head.i <= tok.i):
            continue
        actor = pack.resolve_actor(tok.text, on=on)
        if actor is None or actor.kind == "generic" or actor.inter not in ARMED_INTER:
            continue
        found.append(make(tok.i, tok.i + 1, tok.text, actor))
    return found


def umbrella(index: dict, tok: Token, pack: KnowledgePack, conjuncts: list[Token]):
    """The operation or coalition the fighters of tok's phrase act under, if the phrase names one."""
    sides = {t.i for t in conjuncts}
    for t in tok.subtree:
        if t.dep_ != "prep" or t.lower_ != "under":
            continue
        # "factions operating under OPS": the pack's verbs through which fighters act under an operation
        if not (t.head.i in sides or (t.head.lemma_.lower() in pack.naming.get("under_verbs", ())
                                      and t.head.head.i in sides)):
            continue
        for p in t.children:
            m = index.get(p.i) if p.dep_ == "pobj" else None
            if (m and m.kind == "actor" and m.actor and m.actor.actor_id in pack.actors
                    and pack.actors[m.actor.actor_id].kind in UMBRELLA_KINDS):
                return m
    return None
