"""casualties: how many dead a phrase reports, where the wording is not a verb of killing.

ACLED codes the dead an event leaves; a note that a body was found reports one death ("the body of a
man was found"), "the bodies of 2 civilians" two. A plural with no figure gives no count (ACLED takes the
most conservative reading).
"""
from __future__ import annotations

from typing import Callable

from spacy.tokens import Token

# verbs whose resultative "dead" counts their object: "left 10 people dead", "shot dead a civilian"
DEAD_GOVERNORS = {"leave", "find", "shoot", "gun", "stab", "beat", "hack", "burn"}
# a pronoun for one person: "..., killing him"
ONE_PERSON_PRONOUNS = {"him", "her", "he", "she"}

def _found(noun: Token, verbs: set[str]) -> bool:
    t = noun
    for _ in range(3):  # "the body of a man was found", "found the body", "a man's body was found"
        if t.lemma_.lower() in verbs:
            return True
        if t.head == t:
            break
        t = t.head
    return any(c.lemma_.lower() in verbs for c in noun.children)


def remains_count(noun: Token, count_for_noun: Callable[[Token], int | None], found_verbs: set[str]) -> int | None:
    """Deaths reported by a noun for remains ("body", "corpse"): 1 for one, the figure for several.
    `found_verbs` (the lexicon's `remains_verbs`) report remains being come upon, not a tally of bodies."""
    if not _found(noun, found_verbs):
        return None
    n = count_for_noun(noun)
    if n:
        return n
    of = [p for c in noun.children if c.dep_ == "prep" and c.lower_ == "of" for p in c.children if p.dep_ == "pobj"]
    if of and noun.tag_ in ("NNS", "NNPS"):
        n = count_for_noun(of[0])
        if n:
            return n
    return 1 if noun.tag_ in ("NN", "NNP") else None


def range_low(tok: Token, number: Callable[[Token], int | None]) -> int | None:
    """"between 2 to 4 fighters", "2-4 fighters", "from 5 to 7": ACLED takes the most conservative figure,
    the lower bound. `tok` is the upper figure as the parser attached it; None when it is no range's end."""
    doc = tok.doc
    i = tok.i
    if i < 2 or doc[i - 1].lower_ not in ("to", "-", "–", "or", "and"):
        return None
    first = doc[i - 2]
    if not first.like_num:
        return None
    if doc[i - 1].lower_ == "and" and (i < 3 or doc[i - 3].lower_ != "between"):
        return None  # "2 and 4" is a range only after "between"
    lo, hi = number(first), number(tok)
    if lo is None or hi is None:
        return None
    return min(lo, hi)
