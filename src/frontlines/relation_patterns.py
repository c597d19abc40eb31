"""relation_patterns: the pack's relation patterns (spaCy DependencyMatcher patterns over the parse).

A pack states the structures that carry relations once, as data (`relation_patterns.yaml`, see the
syria pack's file for the format): appositions and titles, compound modifiers ("Y-backed X"),
coalition phrasing, support, renaming, takeovers. This module checks and loads that file and finds
its matches in a parsed document; `relations.RelationExtractor` turns a match's nodes into actors the
way it resolves any argument. Nothing here names a theatre.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from spacy.matcher import DependencyMatcher
from spacy.tokens import Doc, Token

from .models import ARMED_INTER, RELATION_TYPES

__all__ = ["ArgSpec", "PatternSet", "RelationPattern", "parse_patterns"]


class PatternError(ValueError):
    """A relation pattern file that cannot be used; the message names the file and the pattern."""


@dataclass(frozen=True)
class ArgSpec:
    node: str
    person: bool = False  # a person named at the node (a provisional actor), not a group
    subject: bool = False  # the subject of the node's clause, not the node itself
    literal: bool = False  # only an actor named at the node: no anaphora ("drove the terrorist groups back")
    prefix: bool = False  # the name before the hyphen of the node's word ("U.S.-backed": U.S.)


@dataclass(frozen=True)
class RelationPattern:
    id: str
    type: str
    source: ArgSpec
    target: ArgSpec
    pattern: list
    closed_type: str | None = None
    source_kinds: frozenset[str] = frozenset()
    target_kinds: frozenset[str] = frozenset()
    both_armed: bool = False  # both sides must be armed actors (ACLED inter 1-4, 8)

    @property
    def arg_nodes(self) -> set[str]:
        return {self.source.node, self.target.node}


def _arg(raw, where: str, nodes: set[str]) -> ArgSpec:
    if not isinstance(raw, dict):
        raise PatternError(f"{where}: expected a mapping like {{node: NAME}} or {{subject_of: NAME}}")
    unknown = set(raw) - {"node", "person", "subject_of", "literal", "prefix"}
    if unknown:
        raise PatternError(f"{where}: unknown field(s) {sorted(unknown)}")
    if ("node" in raw) == ("subject_of" in raw):
        raise PatternError(f"{where}: give exactly one of 'node' and 'subject_of'")
    name = raw.get("node") or raw.get("subject_of")
    if name not in nodes:
        raise PatternError(f"{where}: no node {name!r} in the pattern (nodes: {sorted(nodes)})")
    return ArgSpec(node=str(name), person=bool(raw.get("person")), subject="subject_of" in raw,
                   literal=bool(raw.get("literal")), prefix=bool(raw.get("prefix")))


def _expand(value, words: dict[str, list[str]], where: str):
    """"$name" items of IN / NOT_IN lists become the words of that list. A LEMMA list also holds the
    capitalised words: spaCy keeps a proper noun's lemma as written ("Former FSA Deputy Chief")."""
    if isinstance(value, dict):
        out = {k: _expand(v, words, where) for k, v in value.items()}
        lemma = out.get("LEMMA")
        if isinstance(lemma, dict):
            for op in ("IN", "NOT_IN"):
                if isinstance(lemma.get(op), list):
                    items = [w for w in lemma[op] if isinstance(w, str)]
                    lemma[op] = list(dict.fromkeys([*lemma[op], *(w[:1].upper() + w[1:] for w in items)]))
        return out
    if isinstance(value, list):
        out: list = []
        for item in value:
            if isinstance(item, str) and item.startswith("$"):
                name = item[1:]
                if name not in words:
                    raise PatternError(f"{where}: unknown word list {item!r}")
                out.extend(words[name])
            else:
                out.append(_expand(item, words, where))
        return out
    return value


def _word_lists(data: dict, lexicons: dict, label: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    cues = (lexicons or {}).get("relation_cues") or {}
    for source in (lexicons or {}, cues, data.get("words") or {}):  # later sources win: the pattern file's own
        if not isinstance(source, dict):
            raise PatternError(f"{label}: words: expected a mapping of name -> list of words")
        for name, items in source.items():
            if isinstance(items, list) and all(isinstance(w, str) for w in items):
                out[str(name)] = [str(w) for w in items]
    return out


def parse_patterns(data, lexicons: dict | None, label: str) -> tuple[list[RelationPattern], dict[str, list[str]]]:
    """The patterns and word lists of a relation pattern file; PatternError names the file and pattern."""
    if data is None:
        return [], {}
    if not isinstance(data, dict):
        raise PatternError(f"{label}: expected a mapping with 'patterns'")
    unknown = set(data) - {"version", "words", "patterns"}
    if unknown:
        raise PatternError(f"{label}: unknown field(s) {sorted(unknown)}")
    words = _word_lists(data, lexicons or {}, label)
    raw = data.get("patterns") or []
    if not isinstance(raw, list):
        raise PatternError(f"{label}: patterns: expected a list")
    out: list[RelationPattern] = []
    seen: set[str] = set()
    for i, p in enumerate(raw):
        where = f"{label}: patterns[{i}]"
        if not isinstance(p, dict):
            raise PatternError(f"{where}: expected a mapping")
        pid = p.get("id")
        where = f"{where} ({pid})" if pid else where
        missing = [k for k in ("id", "type", "source", "target", "pattern") if k not in p]
        if missing:
            raise PatternError(f"{where}: missing {missing}")
        bad = set(p) - {"id", "type", "source", "target", "pattern", "closed_type", "source_kinds", "target_kinds",
                        "both_armed"}
        if bad:
            raise PatternError(f"{where}: unknown field(s) {sorted(bad)}")
        if pid in seen:
            raise PatternError(f"{where}: duplicate id")
        seen.add(pid)
        for key in ("type", "closed_type"):
            if p.get(key) is not None and p[key] not in RELATION_TYPES:
                raise PatternError(f"{where}: {key}: unknown relation type {p[key]!r} (one of {', '.join(RELATION_TYPES)})")
        nodes_raw = p["pattern"]
        if not isinstance(nodes_raw, list) or not nodes_raw or not all(isinstance(n, dict) for n in nodes_raw):
            raise PatternError(f"{where}: pattern: expected a non-empty list of DependencyMatcher nodes")
        nodes = {str(n.get("RIGHT_ID")) for n in nodes_raw}
        pattern = _expand(nodes_raw, words, where)
        out.append(RelationPattern(
            id=str(pid), type=p["type"], source=_arg(p["source"], f"{where}: source", nodes),
            target=_arg(p["target"], f"{where}: target", nodes), pattern=pattern, closed_type=p.get("closed_type"),
            source_kinds=frozenset(p.get("source_kinds") or ()), target_kinds=frozenset(p.get("target_kinds") or ()),
            both_armed=bool(p.get("both_armed")),
        ))
    return out, words


class PatternSet:
    """The patterns of a pack, compiled once per vocabulary; `matches(doc)` gives (pattern, {node: token})."""

    def __init__(self, patterns: list[RelationPattern], words: dict[str, list[str]], label: str = "relation patterns"):
        self.patterns = patterns
        self.words = words
        self.label = label
        self._matcher: DependencyMatcher | None = None
        self._vocab = None
        self._names: dict[str, list[str]] = {}

    def _compile(self, vocab) -> DependencyMatcher:
        if self._matcher is not None and self._vocab is vocab:
            return self._matcher
        matcher = DependencyMatcher(vocab, validate=True)
        for p in self.patterns:
            try:
                matcher.add(p.id, [p.pattern])
            except (ValueError, KeyError) as exc:  # spaCy's pattern validation: name the pattern
                raise PatternError(f"{self.label}: pattern {p.id}: {exc}") from None
            self._names[p.id] = [str(n["RIGHT_ID"]) for n in p.pattern]
        self._matcher, self._vocab = matcher, vocab
        return matcher

    def validate(self, vocab) -> None:
        self._compile(vocab)

    def matches(self, doc: Doc) -> list[tuple[RelationPattern, dict[str, Token]]]:
        if not self.patterns:
            return []
        matcher = self._compile(doc.vocab)
        by_id = {p.id: p for p in self.patterns}
        out, seen = [], set()
        for match_id, token_ids in matcher(doc):
            pid = doc.vocab.strings[match_id]
            p = by_id[pid]
            nodes = {name: doc[i] for name, i in zip(self._names[pid], token_ids)}
            key = (pid, tuple(sorted((k, t.i) for k, t in nodes.items())))
            if key not in seen:
                seen.add(key)
                out.append((p, nodes))
        out.sort(key=lambda m: min(t.i for t in m[1].values()))
        return out


def load_pattern_set(root: Path, fname: str | None, lexicons: dict, read_yaml) -> PatternSet:
    """The pack's pattern file (`files: relation_patterns` in its manifest); empty when it has none."""
    if not fname:
        return PatternSet([], {})
    label = f"{root.name}/{fname}"
    patterns, words = parse_patterns(read_yaml(root / fname, label), lexicons, label)
    return PatternSet(patterns, words, label)


# --------------------------------------------------------------------------------------------- applying


@dataclass
class Found:
    """A relation found in a sentence, before dating: its sides (mentions or person refs) and its cue."""

    type: str
    sources: list
    targets: list
    cue: Token
    anaphoric: bool = False
    nominal: bool = False
    rule: str = ""
    closed: bool = False
    closed_type: str | None = None
    cue_tokens: tuple = ()
    node_ids: frozenset = frozenset()  # tokens the pattern matched: a marker among them is its wording


def apply_patterns(ex, matches: list[tuple[RelationPattern, dict[str, Token]]], on) -> list[Found]:
    """Matches (of one sentence) -> Found relations; `ex` is the RelationExtractor whose argument
    resolution (mentions, anaphora, lists, people) turns a node into actors."""
    out: list[Found] = []
    for p, nodes in matches:
        # the source first: an anaphor on the other side never points back to it
        sources, ana_s = _resolve(ex, p.source, nodes, p, set(), on)
        sources = [m for m in sources if _kind_ok(ex, m, p.source_kinds, p.both_armed)]
        if not sources and p.type == "backed_by" and p.source.node:
            # "Iranian-backed militias": no group named, the backer says whose fighters they are
            targets, ana_t = _resolve(ex, p.target, nodes, p, set(), on)
            sides = [ex.unnamed_backed_side(nodes[p.source.node], t) for t in targets if getattr(t, "actor", None) is not None]
            sources = [m for m in sides if m is not None][:1]
        if not sources:
            continue
        targets, ana_t = _resolve(ex, p.target, nodes, p, ex._ids(sources), on)
        targets = [m for m in targets if _kind_ok(ex, m, p.target_kinds, p.both_armed)]
        if not targets:
            continue
        if p.both_armed and (_disjoined(nodes[p.source.node]) or not _coordinated(nodes[p.target.node])):
            continue  # "by the regime or Russian warplanes": one of them, not both together
        cue_toks = tuple(t for name, t in nodes.items() if name not in p.arg_nodes)
        cue = cue_toks[0] if cue_toks else nodes[p.source.node]
        nominal = cue.pos_ in ("NOUN", "PROPN")
        out.append(Found(p.type, sources, targets, cue, ana_s or ana_t, nominal=nominal, rule=p.id,
                         closed_type=p.closed_type, cue_tokens=cue_toks,
                         node_ids=frozenset(t.i for t in nodes.values())))
    return out


def _disjoined(tok: Token) -> bool:
    return any(c.dep_ in ("cc", "preconj") and c.lower_ in ("or", "either", "nor", "neither") for c in tok.children)


def _coordinated(tok: Token) -> bool:
    """A conjunct joined by a real coordinator ("A, B and C"), not a comma a lost parse took for one."""
    if tok.dep_ != "conj":
        return True
    head = tok.head
    while head.dep_ == "conj" and head.head != head:
        head = head.head
    return any(t.dep_ == "cc" and t.lower_ in ("and", "as", "&") for t in head.subtree)


def _kind_ok(ex, m, kinds: frozenset[str], armed: bool = False) -> bool:
    if armed and not (getattr(m, "actor", None) is not None and m.actor.inter in ARMED_INTER):
        return False
    return not kinds or ex._kind(m) in kinds


def _resolve(ex, spec: ArgSpec, nodes: dict[str, Token], p: RelationPattern, exclude: set[str], on):
    tok = nodes[spec.node]
    if spec.subject:
        tok = ex._clause_subject(tok)
        if tok is None:
            return [], False
    if spec.prefix:
        name = tok.text.rsplit("-", 1)[0]
        got = ex._actor_mention(name, tok.i, tok.i + 1, on) if name and name != tok.text else None
        return ([got], False) if got is not None and got.actor.actor_id not in exclude else ([], False)
    if spec.person:
        person = ex._person(tok)
        return ([person], False) if person is not None else ([], False)
    m = ex._index.get(tok.i)
    others = [nodes[n] for n in p.arg_nodes if n != spec.node] + [t for n, t in nodes.items() if n not in p.arg_nodes]
    # the noun a cue modifies ("al-Qaeda-linked |Nusra and the FSA"): the modifier is its own, not its conjuncts'
    modified = any(t.head == tok and t != tok and t.dep_ in _MODIFIER_DEPS for n, t in nodes.items() if n not in p.arg_nodes)
    if m is not None and any(m.start <= o.i < m.end for o in others):
        # one name spans both sides ("US-backed Syrian Democratic Forces" is how the pack names the SDF):
        # the side at this node is the part of the name this node heads; the head of the whole name
        # is the group the name denotes when its own part names nothing ("Turkish-backed |rebels")
        inside = [o for o in others if m.start <= o.i < m.end]
        own = _own_span(tok, inside)
        got = ex._actor_mention(own.text, own.start, own.end, on) if own is not None else None
        if got is None and all(o.i < tok.i for o in inside) and ex._ok(m):
            got = m
        if got is None or got.actor.actor_id in exclude:
            return [], False
        return [got], False
    if ex._ok_side(m) and m.actor.actor_id not in exclude:
        # the pattern says what role the name plays (a modifier of a title is the group); a generic armed
        # side ("Saudi-backed militants", "rebels backed by X") counts where the text names no group.
        # The names joined to it play the same role ("against the army troops and NDF").
        got = [m]
        # only for an argument of the cue (not a name in apposition to it), and never over the other side
        conjuncts = ex._conjuncts(tok)[1:] if (tok.dep_ in _ARGUMENT_DEPS and not modified
                                               and tok.head in nodes.values()) else []
        for c in conjuncts:
            if any(o in c.subtree for o in others):
                continue
            more, _ = ex._np(c, exclude | ex._ids(got), allow_pronoun=False)
            got += [x for x in more if x not in got]
        return got, False
    got, ana = ex._np(tok, exclude) if modified else ex._args(tok, exclude)
    if ana and spec.literal:
        return [], False
    got = [g for g in got if g.actor.actor_id not in exclude]
    if not got and m is None and tok.dep_ != "pobj":
        # a modifier the annotator did not take for a name on its own ("Turkish|-backed"): the pack's word for it
        name = tok.doc[tok.left_edge.i: tok.i + 1]
        one = ex._actor_mention(name.text, name.start, name.end, on)
        if one is not None and one.actor.actor_id not in exclude:
            got = [one]
    return got, ana


_ARGUMENT_DEPS = ("pobj", "dobj", "nsubj", "nsubjpass")
_MODIFIER_DEPS = ("amod", "compound", "nmod", "acl")


def _own_span(tok: Token, others: list[Token]):
    """The tokens of a name part headed by tok, cut where another node of the match begins: the
    modifier before a hyphen ("al-Qaeda|-affiliated"), or the head after it ("US-backed |SDF")."""
    doc = tok.doc
    before = [o.i for o in others if o.i > tok.i]
    after = [o.i for o in others if o.i < tok.i]
    if before:  # tok is a modifier: from the start of its run to the hyphen before the next node
        end = min(before)
        while end > tok.i + 1 and doc[end - 1].tag_ == "HYPH":
            end -= 1
        start = tok.i
        while start > 0 and doc[start - 1].head.i in (tok.i, tok.head.i, end) and doc[start - 1].i not in after \
                and doc[start - 1].pos_ in ("PROPN", "NOUN", "PUNCT", "ADJ") and doc[start - 1].dep_ != "det":
            start -= 1
        while start < end and doc[start].pos_ == "PUNCT":
            start += 1
        return doc[start:end] if start < end else None
    if after:  # tok is the head: from after the last other node to tok
        start = max(after) + 1
        while start <= tok.i and doc[start].pos_ == "PUNCT":
            start += 1
        return doc[start: tok.i + 1] if start <= tok.i else None
    return None
