"""relation_dating: when a stated relation holds, and whether the text says it no longer does.

A relation carries the date its sentence gives (`dates.resolve_date`, the machinery events use), else
its document's publication date, with the precision of whichever it took (ACLED's 1 day, 2 week,
3 month): a publication date that is only a lower bound (inferred from names in the text) is month
precision at best.

"Formerly", "previously", "no longer", "ex-" (the pack's `closing_markers`) say a relation has ended:
it is kept with `valid_until` = its date (it no longer held then) rather than opened on that date.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from spacy.tokens import Span, Token

from . import dates as dates_mod
from .models import Document

__all__ = ["RelationDate", "closing_marker", "date_relation"]

_CLOSING_DEPS = ("advmod", "amod", "neg", "npadvmod", "compound", "nmod", "dep")


@dataclass(frozen=True)
class RelationDate:
    date: date | None
    precision: int | None  # 1 day, 2 week, 3 month; None when undated
    stated: bool  # the sentence gives it (else: the publication date)


def _publication_precision(document: Document) -> int:
    if document.published_source in (None, "metadata", "dateline"):
        return 1
    conf = document.published_confidence or 0.0
    return 3 if conf <= dates_mod.BOUND_ONLY_CONFIDENCE else 2


def date_relation(sent: Span, document: Document, published: date | None) -> RelationDate:
    pick = dates_mod.resolve_date(sent.text, published) if published else None
    if pick is not None:
        return RelationDate(pick.date, pick.precision, True)
    if published is None:
        return RelationDate(None, None, False)
    return RelationDate(published, _publication_precision(document), False)


def _marks(tok: Token, markers: set[str], own: frozenset) -> str | None:
    for c in tok.children:
        if c.dep_ in _CLOSING_DEPS and c.lower_ in markers and c.i not in own:
            if c.lower_ == "longer" and not any(x.lower_ == "no" for x in c.children):
                continue  # "longer" closes only as "no longer"
            return c.text
    doc = tok.doc
    # "ex-commander": the prefix is a token of its own before the hyphen
    if tok.i >= 2 and doc[tok.i - 1].tag_ == "HYPH" and doc[tok.i - 2].lower_ in markers:
        return doc[tok.i - 2].text
    return None


def closing_marker(cue: Token, cue_tokens: tuple, markers: set[str], own: frozenset = frozenset()) -> str | None:
    """The word that closes the relation cued at `cue` (and the other cue tokens of a pattern):
    on the cue, or on the verb whose complement the cue is ("X is no longer part of Y"). A marker that
    is itself part of the wording matched (`own`: "formerly known as") closes nothing."""
    if not markers:
        return None
    cands = [cue, *cue_tokens]
    for t in list(cands):
        if t.dep_ in ("compound", "nmod") and t.head != t:  # "Former FSA chief P": the title's bearer
            cands.append(t.head)
        if t.dep_ in ("attr", "acomp", "oprd", "appos", "pobj") and t.head != t:
            cands.append(t.head)
            if t.dep_ == "pobj" and t.head.head != t.head:
                cands.append(t.head.head)
    for t in cands:
        m = _marks(t, markers, own)
        if m:
            return m
    return None
