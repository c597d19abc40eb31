"""relations: relations between actors that a document states (member_of, defected_from, clashed_with ...).

Reads the dependency parse and the actor mentions `extract` found, plus the pack's `relation_cues`
lexicon. A cue is a word with a role in the parse, not a string: a verb cue ("defect from") takes its
source from the verb's subject and its target from the object of the preposition; a noun cue
("defection from", "member of", "clashes between") takes its source from the possessor, the subject
of "be", the noun it stands in apposition to, or the subject of the governing verb. Arguments that
are anaphora are resolved the way `extract` resolves them ("the alliance" -> the last armed actor
named before), plus what relations need on top: plural anaphora ("both these groups", "the two sides"
-> the last two actors), collective anaphora ("the operations room" -> the last operations room or
coalition), lists ("groups like A and B", "joined Y including A, B and C") and people who lead a
group (provisional actors). Negated and irrealis statements give nothing; hedged ones are marked.

The pack's structural patterns (relation_patterns.yaml: titles, "Y-backed X", coalitions, support,
renaming, takeovers) are matched by `relation_patterns` and their nodes resolved here like any cue's
arguments; `relation_dating` dates each relation and closes the ones the text says have ended;
`relation_events` (called by the pipeline) adds the clashes the document's events describe.

Knowledge lives in the pack; nothing here names a theatre.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from spacy.tokens import Doc, Span, Token

from .extract import Extractor, Mention
from .models import ARMED_INTER, SYMMETRIC_RELATIONS, ActorRef, Document, RelationRecord
from .names import fold_key, provisional_id
from .pack import KnowledgePack
from .relation_dating import closing_marker, date_relation
from .relation_patterns import Found as _Found
from .relation_patterns import apply_patterns

_PRONOUNS = {"it", "they", "its", "their", "them", "itself", "themselves"}
_DEMONSTRATIVES = {"the", "this", "that", "these", "those", "its", "their"}
_LIST_PREPS = {"including", "like", "include"}
_DEMONYM_ALIAS = re.compile(r"^([A-Z][a-z]+)\s+(?:army|armed forces|forces|military|troops|soldiers)$", re.I)


@dataclass
class _Cue:
    type: str
    lemma: str
    obj: str | None  # a direct object the verb must have ("pledge allegiance to")
    prep: str  # "-" = direct object


def _parse_cues(raw: dict | None) -> dict[str, list[_Cue]]:
    out: dict[str, list[_Cue]] = {}
    for rtype, phrases in (raw or {}).items():
        for phrase in phrases or []:
            parts = phrase.lower().split()
            if len(parts) < 2:
                continue
            cue = _Cue(rtype, parts[0], " ".join(parts[1:-1]) or None, parts[-1])
            out.setdefault(cue.lemma, []).append(cue)
    return out


class RelationExtractor:
    """Callable: (Doc, Document, published, mentions) -> RelationRecords stated in the document."""

    def __init__(self, pack: KnowledgePack, extractor: Extractor):
        self.pack = pack
        self.ex = extractor
        self._depth = 0
        self._in_pronoun = False
        raw = (pack.lexicons or {}).get("relation_cues") or {}
        # an older flat layout (type -> phrases) carries no structure we can use
        self.verb_cues = _parse_cues(raw.get("verbs"))
        self.noun_cues = _parse_cues(raw.get("nouns"))

        def words(key: str) -> set[str]:
            return {str(w).lower() for w in raw.get(key) or []}

        self.not_alliance = words("not_alliance_modifiers")
        self.backing_verbs = words("backing_verbs")
        self.equipment = words("equipment_nouns")
        # "IS breached Syrian army lines", "struck HTS positions": a group's positions stand for the group
        self.positions = words("position_nouns")
        self.leading_verbs = words("leading_verbs")
        self.leader_nouns = words("leader_nouns")
        self.founding_verbs = words("founding_verbs")
        self.former = words("former_markers")
        self.personnel = words("personnel_nouns") | self.leader_nouns
        self.collective_heads = {k.lower(): set(v) for k, v in (raw.get("collective_heads") or {}).items()}
        self.collective_kinds = words("collective_kinds")
        self.plural_heads = words("plural_heads")
        self.hedge_phrases = [p.lower() for p in raw.get("hedge_phrases") or []]
        self._hedge_res = [(p, re.compile(r"\b" + re.escape(p) + r"\b")) for p in self.hedge_phrases]  # once, not per sentence
        self.irrealis_gov = words("irrealis_governors")
        self.stative = words("stative_verbs")
        self.irrealis_dets = words("irrealis_determiners") or {"no"}
        self.subset_quantifiers = words("subset_quantifiers")
        self.ally_modifiers = words("ally_modifiers")
        self.auxiliary_heads = words("auxiliary_heads")
        self.auxiliaries = {str(k).lower(): str(v) for k, v in (raw.get("auxiliaries") or {}).items()}
        self.opinion = words("opinion_verbs")
        self.ended = words("ended_verbs")
        self.alias_markers = [p.lower() for p in raw.get("alias_markers") or []]
        self.patterns = pack.relation_patterns
        self.closing = {w.lower() for w in self.patterns.words.get("closing_markers", [])}
        self.affiliation_participles = {w.lower() for w in self.patterns.words.get("affiliation_participles", [])}
        self.opposition_prefixes = {w.lower() for w in self.patterns.words.get("opposition_prefixes", [])}
        self.cooperation = {w.lower() for w in self.patterns.words.get("cooperation_nouns", [])}
        self.unnamed = {str(v) for v in ((pack.lexicons or {}).get("default_actors") or {}).values()}
        # "Russian air power", "U.S. airstrikes": a state's means of war stand for its forces
        self.force_words = {w.lower() for key in ("force_heads", "force_means") for w in self.patterns.words.get(key, [])}
        self.demonyms = self._demonyms()
        self.capitals = self._capitals(raw.get("capitals") or {})
        self.unnamed_backed = self._unnamed_backed(raw.get("unnamed_backed") or {})
        self._split_index: dict | None = None
        # heads of state and government: the leaders the pack lists for a government actor
        self.heads_of_state = [_name_words(n) for a in pack.actors.values() if a.kind == "government"
                               for n in a.leaders]
        # ... and the forces that fight in their name ("fighters loyal to President Assad", "Assad's allies")
        self.head_of_state_forces = [(_name_words(n), pack.actors[a.forces]) for a in pack.actors.values()
                                     if a.kind == "government" and a.forces in pack.actors for n in a.leaders]

    # ------------------------------------------------------------------ pack helpers
    def _demonyms(self) -> dict[str, str]:
        """'Turkish' -> the pack's state forces, read off names like 'Turkish army' / 'Turkish forces'."""
        out: dict[str, str] = {}
        for actor in self.pack.actors.values():
            if actor.kind not in ("foreign_state", "state"):
                continue
            for name in actor.all_names():
                m = _DEMONYM_ALIAS.match(name)
                if m:
                    out.setdefault(m.group(1).lower(), actor.id)
        return out

    def _capitals(self, raw: dict) -> dict[str, str]:
        """'ankara' -> the pack's actor for Turkey's forces (lexicons: relation_cues.capitals)."""
        return {str(city).lower(): str(aid) for city, aid in raw.items() if str(aid) in self.pack.actors}

    def _unnamed_backed(self, raw: dict) -> dict:
        """lexicons relation_cues.unnamed_backed: the generic side a backer's unnamed fighters stand for."""
        ids = {k: str(raw.get(k) or "") for k in ("government", "government_camp", "other_camp")}
        if not raw or any(v not in self.pack.actors for v in ids.values()):
            return {}
        gov = ids["government"]
        camp = {gov} | {a.source if a.target == gov else a.target for a in self.pack.affiliations
                        if gov in (a.source, a.target) and a.type in ("allied_with", "backed_by")}
        protege: dict[str, set[str]] = {}
        for a in self.pack.affiliations:
            if a.type == "backed_by":
                protege.setdefault(a.target, set()).add(a.source)
        return {"heads": {str(w).lower() for w in raw.get("heads") or []}, "camp": camp, "protege": protege,
                "government_camp": self.pack.actors[ids["government_camp"]], "other_camp": self.pack.actors[ids["other_camp"]]}

    def unnamed_backed_side(self, tok: Token, backer: Mention) -> Mention | None:
        """"Iranian-backed militias", "Saudi-backed militants": fighters named only by their backer are the
        group named in the text that the pack says the backer backs, else the generic side of the backer's
        camp (the government's, if the pack ties the backer to it; else the opposition's)."""
        cfg = self.unnamed_backed
        if not cfg or tok.lemma_.lower() not in cfg["heads"] or backer.actor is None:
            return None
        # "militias of X", "X's militias", "Hezbollah militias": a group is named after all
        owners = [c for c in tok.children if c.dep_ in ("poss", "compound", "nmod") or (c.dep_ == "prep" and c.lower_ in ("of", "from"))]
        if any(self._ok(self._index.get(t.i)) for c in owners for t in c.subtree):
            return None
        if tok.dep_ == "pobj" and tok.head.lower_ == "of" and tok.head.head.pos_ == "NOUN":
            return None  # "a coalition of militias backed by X": the coalition is backed
        # "U.S.-backed fighters" in a text that names the SDF: the group the pack knows this backer backs
        proteges = cfg["protege"].get(backer.actor.actor_id, set())
        named = self._before(tok.i, set()) + [m for m in self._mentions if m.start > tok.i and self._ok(m)]
        for m in named:  # nearest before first, then the first after
            if m.actor.actor_id in proteges:
                return m
        side = cfg["government_camp"] if backer.actor.actor_id in cfg["camp"] else cfg["other_camp"]
        return Mention(tok.i, tok.i + 1, tok.text, "actor", self.ex.actor_ref(side, tok.text), inter=side.inter)

    def _kind(self, m: Mention) -> str | None:
        if not m.actor:
            return None
        a = self.pack.actors.get(m.actor.actor_id or "")
        if a is not None:
            return a.kind
        if m.actor.provisional and re.search(r"operations?\s+room|coalition", m.actor.label, re.I):
            return "operations_room"
        return None

    def _actor_mention(self, text: str, start: int, end: int, on: date | None) -> Mention | None:
        actor = self.pack.resolve_actor(text, on=on)
        if actor is None and text.lower() in self.demonyms:
            actor = self.pack.actors[self.demonyms[text.lower()]]
        if actor is None or actor.kind == "generic":
            return None
        return Mention(start, end, text, "actor", self.ex.actor_ref(actor, text), inter=actor.inter)

    # ------------------------------------------------------------------ mentions
    def _flat_name(self, tok: Token) -> Span:
        """A proper name as the parse chains it: 'Abu Dujana Binnish' (compounds of the last word)."""
        toks = [tok] + [c for c in tok.subtree if c.dep_ in ("compound", "punct") and c.i < tok.i and c.pos_ in ("PROPN", "PUNCT")]
        start = min(t.i for t in toks)
        while start < tok.i and tok.doc[start].pos_ == "PUNCT":
            start += 1
        return tok.doc[start: tok.i + 1]

    def _person(self, tok: Token) -> ActorRef | None:
        """A person named at tok (PERSON entity, or a proper name whose parts NER tagged as a person)."""
        cands = [tok] if tok.pos_ == "PROPN" else []
        cands += [t for t in tok.subtree if t.ent_type_ == "PERSON" and t.dep_ not in ("compound",)]
        for t in cands:
            name = self._flat_name(t)
            ents = [e for e in t.doc.ents if e.label_ == "PERSON" and name.start <= e.start < name.end]
            if not ents:
                continue
            # the person entity, extended to the end of the name when NER cut it short ("Abu Dujana| Binnish")
            name = t.doc[ents[0].start: max(ents[0].end, name.end)]
            text = name.text.strip()
            if self.pack.resolve_actor(text) is not None:
                continue
            aliases = [text, *self._aka(name)]
            return ActorRef(surface=text, actor_id=provisional_id(text), name=text, aliases=aliases, inter=None, provisional=True)
        return None

    def _aka(self, name: Span) -> list[str]:
        doc = name.doc
        window = doc[name.end: min(len(doc), name.end + 10)]
        low = window.text.lower()
        out = []
        for marker in self.alias_markers:
            pos = low.find(marker)
            if pos < 0 or pos > 8:
                continue
            for ent in doc.ents:
                if ent.label_ == "PERSON" and window.start <= ent.start < window.end and ent.start_char >= window.start_char + pos:
                    out.append(ent.text)
                    break
            break
        return out

    # ------------------------------------------------------------------ resolving an argument
    def _modifier_of_other(self, m: Mention) -> bool:
        """'FSA groups', 'HTS checkpoints', 'Tahrir al-Sham's attempts': the mention modifies another thing."""
        doc = self._doc
        roots = [t for t in doc[m.start: m.end] if t.head.i < m.start or t.head.i >= m.end or t.head == t]
        if not roots:
            return False
        r = roots[0]
        if r.dep_ not in ("compound", "nmod", "amod", "poss") or r.head == r:
            return False
        h = r.head
        if h.pos_ != "NOUN":
            return False
        lemma = h.lemma_.lower()
        if lemma in self.personnel or lemma in self.positions:
            return False
        # "the Hurras al-Din group" is the group; "FSA groups" are groups of it
        if (lemma in self.plural_heads or lemma in self.collective_heads) and h.tag_ == "NN":
            return False
        return True

    def _ok(self, m: Mention | None) -> bool:
        return m is not None and m.kind == "actor" and m.actor is not None and not m.generic

    def _ok_side(self, m: Mention | None) -> bool:
        """A named actor, or a generic armed one other than the pack's stand-ins for an unnamed perpetrator."""
        if self._ok(m):
            return True
        return (m is not None and m.kind == "actor" and m.actor is not None and m.armed
                and m.actor.actor_id not in self.unnamed)

    def _before(self, i: int, exclude: set[str], armed: bool = True) -> list[Mention]:
        out = []
        for m in reversed(self._mentions):
            if m.start >= i or not self._ok(m) or (armed and not m.armed):
                continue
            if m.actor.actor_id in exclude:
                continue
            out.append(m)
        return out

    def _last_distinct(self, i: int, n: int, exclude: set[str]) -> list[Mention]:
        out, seen = [], set(exclude)
        for m in self._before(i, exclude):
            if m.actor.actor_id not in seen:
                seen.add(m.actor.actor_id)
                out.append(m)
                if len(out) == n:
                    break
        return out if len(out) == n else []

    def _is_plural_anaphor(self, tok: Token) -> bool:
        kids = {c.lower_ for c in tok.children}
        if tok.lower_ == "both" and tok.dep_ in ("nsubj", "dep", "nsubjpass", "appos", "pobj"):
            return True
        if tok.lemma_.lower() in self.plural_heads and tok.tag_ in ("NNS", "NNPS"):
            return "both" in kids or "two" in kids
        if tok.lower_ == "two" and any(c.lower_ == "the" for c in tok.children):
            return True
        return False

    def _pronoun(self, tok: Token, exclude: set[str]) -> list[Mention]:
        verb = tok.head
        # "They call themselves 'the foreigners'": the name they are given
        for v in (verb, verb.head if verb.dep_ == "conj" else None):
            if v is None:
                continue
            for c in v.children:
                if c.dep_ in ("oprd",) and c.i in self._index and self._ok(self._index[c.i]):
                    return [self._index[c.i]]
        # the subject of the sentence so far (centering): "This faction was ... but its elements ..."
        sent = tok.sent
        for t in sent:
            if t.i >= tok.i:
                break
            if t.dep_ in ("nsubj", "nsubjpass") and t.lower_ not in _PRONOUNS and t.pos_ != "PRON":
                # "it", "its", "they" refer to a group, never to a person named as one (a head of state)
                self._in_pronoun = True
                try:
                    found = [m for m in self._np_list(t, exclude, allow_pronoun=False) if m.actor.actor_id not in exclude]
                finally:
                    self._in_pronoun = False
                if found:
                    return found
        m = self.ex.anaphor(tok, self._salient(tok.i), exclude)
        return [m] if self._ok(m) else []

    def _salient(self, i: int) -> list[Mention]:
        return [m for m in self._mentions if m.start < i and self._ok(m)]

    _MAX_DEPTH = 12  # noun phrases refer through each other; a bad parse must not make that a cycle

    def _np(self, tok: Token, exclude: set[str], allow_pronoun: bool = True, lists: bool = True) -> tuple[list[Mention], bool]:
        """The actor(s) a noun phrase headed by tok denotes, and whether they came by anaphora."""
        if self._depth >= self._MAX_DEPTH:
            return [], False
        self._depth += 1
        try:
            return self._np_inner(tok, exclude, allow_pronoun, lists)
        finally:
            self._depth -= 1

    def _np_inner(self, tok: Token, exclude: set[str], allow_pronoun: bool, lists: bool) -> tuple[list[Mention], bool]:
        m0 = self._index.get(tok.i)
        if m0 is not None and self._ok_side(m0):
            if self._modifier_of_other(m0):
                return [], False
            return [m0], False
        if m0 is None and not self._in_pronoun:
            forces = self._head_of_state_forces(tok)
            if forces is not None and forces.actor.actor_id not in exclude:
                return [forces], False
        if (m0 is None or m0.kind == "place") and tok.pos_ == "PROPN" and tok.lower_ in self.capitals:
            state = self.pack.actors[self.capitals[tok.lower_]]
            if state.id not in exclude:
                return [Mention(tok.i, tok.i + 1, tok.text, "actor", self.ex.actor_ref(state, tok.text),
                                inter=state.inter)], False
        low, lemma = tok.lower_, tok.lemma_.lower()
        # lists: "groups like A and B", "the room, including A, B and C"
        if lists:
            items = self._list_items(tok, exclude)
            if items:
                return items, False
        if self._is_plural_anaphor(tok):
            two = self._last_distinct(tok.i, 2, exclude)
            return two, True
        if allow_pronoun and low in _PRONOUNS and tok.pos_ == "PRON":
            return self._pronoun(tok, exclude), True
        # "the Islamic State group": the group the name before the head noun names, not an anaphor
        if lemma in self.ex.anaphora_heads or lemma in self.collective_heads:
            for c in tok.children:
                named = self._index.get(c.i) if c.dep_ in ("compound", "nmod") else None
                if self._ok_side(named) and named.actor.actor_id not in exclude:
                    return [named], False
        has_det = any(c.lower_ in _DEMONSTRATIVES or c.dep_ == "poss" for c in tok.children)
        if has_det and (lemma in self.collective_heads or lemma in self.ex.anaphora_heads):
            exclude = exclude | self._local_subject_ids(tok)
        # "the operations room", "the new coalition": the last collective actor of that kind
        if lemma in self.collective_heads and has_det:
            kinds = self.collective_heads[lemma]
            # "the rival coalition Fa Ithbatu": a name right after the description
            nxt = self._index.get(tok.i + 1)
            if self._ok(nxt) and nxt.actor.actor_id not in exclude:
                return [nxt], False
            for m in self._before(tok.i, exclude, armed=False):
                if self._kind(m) in kinds:
                    return [m], True
        # "the group", "this faction": the last actor named with that head noun, else the last armed actor
        if lemma in self.ex.anaphora_heads and has_det:
            nxt = self._index.get(tok.i + 1)
            if self._ok(nxt) and nxt.actor.actor_id not in exclude and nxt.start == tok.i + 1:
                return [nxt], False
            # nearest first within the sentence ("struck the HQ of X, killing the group's leader"),
            # then an actor named with the same head noun ("a faction led by P ... This faction"), then the last one
            in_sent = [m for m in self._before(tok.i, exclude) if m.start >= tok.sent.start]
            if in_sent:
                return [in_sent[0]], True
            same_head = [m for m in self._before(tok.i, exclude) if m.text.lower().split()[-1].rstrip("s") == lemma]
            if same_head:
                return [same_head[0]], True
            a = self.ex.anaphor(tok, self._salient(tok.i), exclude)
            if self._ok(a):
                return [a], True
        # "its elements", "members of X", "HTS fighters"
        if lemma in self.personnel:
            for c in tok.children:
                if c.dep_ == "poss":
                    if c.lower_ in _PRONOUNS:
                        return self._pronoun(c, exclude), True
                    got, ana = self._np(c, exclude)
                    if got:
                        return got, ana
                if c.dep_ in ("compound", "nmod") and c.i in self._index and self._ok(self._index[c.i]):
                    return [self._index[c.i]], False
                if c.dep_ == "prep" and c.lower_ in ("of", "from"):
                    for p in (x for x in c.children if x.dep_ == "pobj"):
                        got, ana = self._np(p, exclude)
                        if got:
                            return got, ana
                # "fighters loyal to X": X's fighters
                if c.dep_ in ("amod", "acl") and c.lemma_.lower() in self.ally_modifiers - {"allied", "ally"}:
                    for p in (x for x in c.children if x.dep_ == "prep" and x.lower_ == "to"):
                        for o in (x for x in p.children if x.dep_ == "pobj"):
                            got, ana = self._np(o, exclude)
                            if got:
                                return got, ana
        # a name inside the phrase: "militants from the coalition Fa Ithbatu", "a coalition named Y"
        if tok.pos_ in ("NOUN", "PROPN", "PRON"):
            skip = ("conj", "cc", "relcl", "appos", "punct", "amod", "npadvmod", "advmod", "det", "nummod", "acl")
            stack = [c for c in tok.children if c.dep_ not in skip
                     or (c.dep_ == "acl" and c.lemma_.lower() in ("name", "call", "know", "dub"))]
            seen = []
            while stack:
                t = stack.pop()
                seen.append(t)
                stack.extend(c for c in t.children if c.dep_ not in ("relcl", "conj", "cc", "amod", "npadvmod", "advmod"))
            for t in sorted(seen, key=lambda t: t.i):
                m = self._index.get(t.i)
                if self._ok(m) and m.actor.actor_id not in exclude and not self._modifier_of_other(m):
                    return [m], False
            if m0 is not None and m0.generic:
                # "militants from the rival coalition ...": look at what the generic noun belongs to
                for c in tok.children:
                    if c.dep_ == "prep":
                        for p in (x for x in c.children if x.dep_ == "pobj"):
                            got, ana = self._np(p, exclude)
                            if got:
                                return got, ana
            for t in sorted(seen, key=lambda t: t.i):
                if t.lemma_.lower() in self.collective_heads or t.lemma_.lower() in self.ex.anaphora_heads:
                    got, ana = self._np(t, exclude, allow_pronoun=False)
                    if got:
                        return got, ana
        if lemma in self.force_words:
            for c in tok.children:
                if c.dep_ in ("amod", "compound", "nmod") and c.i not in self._index:
                    m = self._actor_mention(c.text, c.i, c.i + 1, None)
                    if m is not None and m.actor.actor_id not in exclude:
                        return [m], False
        return [], False

    def _list_items(self, tok: Token, exclude: set[str]) -> list[Mention]:
        """'groups like A and B', 'the room, including A, B and C', 'such as A'."""
        items: list[Mention] = []
        for c in tok.children:
            if c.dep_ == "prep" and (c.lower_ in _LIST_PREPS or (c.lower_ == "as" and c.i > 0 and tok.doc[c.i - 1].lower_ == "such")):
                for p in (x for x in c.children if x.dep_ == "pobj"):
                    for q in self._conjuncts(p):
                        got, _ = self._np(q, exclude, allow_pronoun=False)
                        items.extend(m for m in got if m not in items)
        return items

    def _local_subject_ids(self, tok: Token) -> set[str]:
        """A description ('the alliance') never points back to the subject of its own clause."""
        t = tok
        for _ in range(8):
            if t.pos_ in ("VERB", "AUX") or t.head == t:
                break
            t = t.head
        if t.pos_ not in ("VERB", "AUX"):
            return set()
        subj, _ = self.ex.subject_of(t)
        if subj is None or tok in list(subj.subtree):
            return set()
        out = set()
        for x in subj.subtree:
            m = self._index.get(x.i)
            if self._ok(m):
                out.add(m.actor.actor_id)
        return out

    def _np_list(self, tok: Token, exclude: set[str], allow_pronoun: bool = True) -> list[Mention]:
        out: list[Mention] = []
        for c in self._conjuncts(tok):
            got, _ = self._np(c, exclude, allow_pronoun)
            for m in got:
                if m not in out:
                    out.append(m)
        return out

    def _args(self, tok: Token | None, exclude: set[str], lists: bool = True) -> tuple[list[Mention], bool]:
        if tok is None:
            return [], False
        out: list[Mention] = []
        ana = False
        for c in self._conjuncts(tok):
            got, a = self._np(c, exclude, lists=lists)
            ana = ana or a
            for m in got:
                if m not in out:
                    out.append(m)
        return out, ana

    @staticmethod
    def _conjuncts(tok: Token) -> list[Token]:
        out = [tok]
        for c in tok.children:
            if c.dep_ == "conj":
                out.extend(RelationExtractor._conjuncts(c))
        return out

    @staticmethod
    def _ids(ms) -> set[str]:
        return {m.actor.actor_id for m in ms if isinstance(m, Mention) and m.actor}

    # ------------------------------------------------------------------ clause structure
    def _clause_subject(self, verb: Token) -> Token | None:
        if verb.dep_ == "pcomp" and verb.head.lower_ in ("as", "of", "about", "for", "against"):
            return None
        subj, _ = self.ex.subject_of(verb)
        if subj is not None:
            if subj.lower_ in ("which", "who", "that") and subj.head.dep_ == "relcl":
                return subj.head.head
            return subj
        if verb.dep_ in ("relcl", "acl") and verb.head != verb:
            return verb.head
        for c in verb.children:
            if c.lower_ == "both" and c.dep_ in ("dep", "nsubj", "preconj"):
                return c
        return None

    def _preps(self, tok: Token, prep: str) -> list[Token]:
        out = []
        for c in tok.children:
            if c.dep_ in ("prep", "agent", "dative") and c.lower_ == prep:
                out.extend(p for p in c.children if p.dep_ in ("pobj", "pcomp"))
        return out

    def _governing_subject(self, noun: Token) -> Token | None:
        # "locked in combat with", "after days of fighting with", "launched raids against"
        if noun.dep_ not in ("pobj", "conj", "compound", "dobj"):
            return None
        gov = noun.head
        while gov.dep_ in ("prep", "pobj", "compound", "conj", "dobj") and gov.head != gov and gov.pos_ not in ("VERB", "AUX"):
            gov = gov.head
        if gov.pos_ in ("VERB", "AUX") and gov is not noun:
            subj, passive = self.ex.subject_of(gov)
            if subj is not None and (not passive or gov.lemma_.lower() in ("lock", "engage", "involve", "embroil")):
                return subj
        return None

    def _noun_source(self, cue: Token, node: Token, exclude: set[str], local_only: bool = False) -> tuple[list[Mention], bool]:
        # the cue is part of a name of its actor ("Russian airstrikes on X"): that actor
        own = self._index.get(cue.i)
        if self._ok(own) and own.actor.actor_id not in exclude:
            return [own], False
        # "an offensive by A and B on X"
        for t in (cue, node):
            agents = self._preps(t, "by")
            if agents:
                got, ana = self._args(agents[0], exclude)
                if got:
                    return got, ana
        for t in (cue, node):
            for c in t.children:
                if c.dep_ == "poss":
                    got, ana = self._np(c, exclude)
                    if got:
                        return got, ana
        if node.dep_ in ("attr", "oprd", "acomp"):
            subj = self._clause_subject(node.head)
            return self._args(subj, exclude)
        if node.dep_ == "appos":
            return self._args(node.head, exclude)
        if local_only or cue.lemma_.lower() in self._explicit_holder:
            return [], False
        subj = self._governing_subject(node)
        if subj is not None:
            got, ana = self._args(subj, exclude)
            got = [m for m in got if m.actor.actor_id not in exclude]
            return got, ana
        return [], False

    # ------------------------------------------------------------------ irrealis / hedges
    _PRESUPPOSING = {"as", "under", "after", "during", "since", "amid", "following", "despite", "in", "with", "of"}

    def _noun_irrealis(self, cue: Token) -> bool:
        """'no alliance with', 'a possible merger', 'plans for an alliance' -- but 'as part of a new truce' holds."""
        for c in cue.children:
            if c.dep_ == "neg" or (c.dep_ == "det" and c.lower_ in self.irrealis_dets) or (c.dep_ == "amod" and c.lower_ in self.ex.irrealis_mod):
                return True
        t = cue
        for _ in range(6):
            if t.pos_ in ("VERB", "AUX"):
                if t.lemma_.lower() in self.stative:  # "sought to maintain their allegiance": it holds
                    return any(c.dep_ == "neg" for c in t.children)
                for c in t.children:
                    if c.dep_ == "neg" or (c.dep_ == "aux" and c.lower_ in self.ex.irrealis_gov):
                        return True
                    if c.dep_ == "mark" and c.lower_ in ("if", "unless", "whether"):
                        return True
                if t.dep_ in ("xcomp", "ccomp") and t.head.lemma_.lower() in self.ex.irrealis_gov:
                    return True
                # "denied any alliance with", "discussed a merger with"
                if t.lemma_.lower() in self.irrealis_gov and any(c.dep_ == "dobj" and c.i <= cue.i and cue in c.subtree for c in t.children):
                    return True
                return False
            if t.dep_ == "pobj" and t.head.lower_ in self._PRESUPPOSING and t.head.head.pos_ in ("VERB", "AUX"):
                return False  # an adjunct presupposes what it names
            if t.head == t:
                break
            t = t.head
        return False

    def _irrealis(self, cue: Token, verb_cue: bool) -> bool:
        # "sought to maintain their allegiance": the relation already holds
        t = cue
        for _ in range(3):
            if t.lemma_.lower() in self.stative:
                return any(c.dep_ == "neg" for c in t.children)
            if t.head == t:
                break
            t = t.head
        if self.ex.is_irrealis(cue):
            return True
        if verb_cue:
            # "to repel any attack from X": the deed's object is hypothetical
            if any(c.dep_ == "dobj" and any(d.dep_ == "det" and d.lower_ in self.irrealis_dets for d in c.children)
                   for c in cue.children):
                return True
            t = cue
            for _ in range(3):
                if t.dep_ in ("xcomp", "ccomp") and t.head.lemma_.lower() in self.irrealis_gov:
                    return True
                if t.dep_ in ("xcomp", "conj") and t.head != t:
                    t = t.head
                else:
                    break
            if any(c.dep_ == "neg" for c in cue.children):
                return True
        else:
            gov = cue.head
            if cue.dep_ in ("attr", "acomp", "oprd") and any(c.dep_ == "neg" for c in gov.children):
                return True
        return False

    def hedge(self, sent: Span, prev: bool) -> tuple[bool, str | None]:
        hedged, _claimant, cue = self.ex.hedge(sent, prev)
        if hedged:
            return True, cue
        low = sent.text.lower()
        for p, rx in self._hedge_res:
            if rx.search(low):
                return True, p
        return False, None

    def _opinion(self, cue: Token) -> str | None:
        """'is widely believed to be a front for', 'seen as part of': the cue's clause is an opinion."""
        t = cue
        for _ in range(5):
            if t.head == t:
                break
            if t.dep_ not in ("attr", "xcomp", "ccomp", "pobj", "prep", "oprd", "acomp", "dobj"):
                break
            t = t.head
            if t.pos_ == "VERB" and t.lemma_.lower() in self.opinion:
                return t.text
        return None

    # ------------------------------------------------------------------ the cues
    def _verb_rules(self, t: Token, out: list[_Found]) -> None:
        lemma = t.lemma_.lower()
        cues = self.verb_cues.get(lemma) or self.verb_cues.get(t.lower_)
        if not cues or t.pos_ not in ("VERB", "AUX", "ADJ"):
            return
        subj_tok = self._clause_subject(t)
        _, passive = self.ex.subject_of(t)
        dobjs = [c for c in t.children if c.dep_ == "dobj"]
        for cue in cues:
            anchors = [t]
            if cue.obj:
                objs = [d for d in dobjs if d.lemma_.lower() == cue.obj or d.lower_ == cue.obj]
                if not objs:
                    continue
                anchors.append(objs[0])
            elif cue.prep == "-" and not dobjs:
                continue
            if cue.prep == "-":
                tgt_toks = [d for d in dobjs if not cue.obj or d.lemma_.lower() != cue.obj]
            else:
                tgt_toks = [p for a in anchors for p in self._preps(a, cue.prep)]
            if not tgt_toks:
                continue
            subj = subj_tok
            if cue.prep == "-" and passive:  # "Y was joined by X"
                agents = self._preps(t, "by")
                if not agents or subj_tok is None:
                    continue
                tgt_toks, subj = [subj_tok], agents[0]
            # the subject first: an object pronoun or description never points back to it ("forced to swear allegiance to it")
            sources, ana_s = self._args(subj, set())
            # "groups joined the room, including A, B and C": the list names who joined
            listed = [m for tt in tgt_toks for m in self._list_items(tt, set())]
            if listed and (not sources or (subj is not None and subj.tag_ == "NNS" and subj.i not in self._index)):
                sources = listed
            targets, ana_t = [], False
            for tt in tgt_toks:
                got, a = self._args(tt, self._ids(sources), lists=False)
                targets.extend(got)
                ana_t = ana_t or a
            targets = [m for m in targets if m.actor.actor_id not in self._ids(sources)]
            if not targets:
                continue
            if sources:
                out.append(_Found(cue.type, sources, targets, t, ana_s or ana_t))
            return

    @property
    def _explicit_holder(self) -> set[str]:
        """Nouns whose holder must be stated (possessor, 'X is a ...', 'X, a ...'): 'member', 'front'."""
        return {c.lemma for cues in self.noun_cues.values() for c in cues if c.type in ("member_of", "front_for")}

    def _noun_rules(self, t: Token, out: list[_Found]) -> None:
        if t.pos_ not in ("NOUN", "PROPN", "VERB"):
            return
        cues = self.noun_cues.get(t.lemma_.lower()) or self.noun_cues.get(t.lower_)
        if not cues:
            return
        if t.pos_ == "VERB" and t.dep_ not in ("pobj", "pcomp", "nsubj", "dobj"):  # a gerund used as a noun
            return
        node = t.head if t.dep_ == "compound" and t.head.pos_ in ("NOUN", "PROPN") else t
        for cue in cues:
            if cue.type == "allied_with" and any(c.lower_ in self.not_alliance or c.lemma_.lower() in self.not_alliance
                                                 for x in (t, node) for c in x.children):
                continue
            if (node.dep_ in ("nsubj", "nsubjpass") and node.head.lemma_.lower() in self.ended
                    and not any(c.dep_ == "prt" and c.lower_ == "out" for c in node.head.children)):
                continue  # "the truce between them collapsed"
            if cue.prep == "between":
                holders = [node]
                if node.dep_ in ("nsubj", "nsubjpass"):
                    holders.append(node.head)
                if node.dep_ == "conj":  # "a new agreement and truce between ..."
                    holders.append(node.head)
                for h in holders:
                    for p in self._preps(h, "between"):
                        parties, ana = [], False
                        for q in self._conjuncts(p):
                            got, a = self._np(q, {m.actor.actor_id for m in parties})
                            ana = ana or a
                            parties.extend(m for m in got if m not in parties)
                        if len(parties) >= 2:
                            out.append(_Found(cue.type, [parties[0]], parties[1:], t, ana, nominal=True))
                            return
                continue
            tgt_toks = self._preps(node, cue.prep) or (self._preps(t, cue.prep) if node != t else [])
            if not tgt_toks and node.dep_ == "pobj" and node.head.lower_ in ("in", "into") and node.head.head.pos_ == "VERB":
                tgt_toks = self._preps(node.head.head, cue.prep)  # "locked in combat | with X"
            if not tgt_toks:
                continue
            sources, ana_s = self._noun_source(t, node, set(), local_only=True)
            targets, ana_t = [], False
            for tt in tgt_toks:
                got, a = self._args(tt, self._ids(sources))
                targets.extend(got)
                ana_t = ana_t or a
            if not targets:
                continue
            if not sources:
                sources, ana_s = self._noun_source(t, node, self._ids(targets))
            sources = [m for m in sources if m.actor.actor_id not in self._ids(targets)]
            if sources:
                out.append(_Found(cue.type, sources, targets, t, ana_s or ana_t, nominal=True))
                return

    def _backing_rules(self, t: Token, out: list[_Found], on: date | None) -> None:
        lemma = t.lemma_.lower()
        if lemma not in self.backing_verbs or t.pos_ not in ("VERB", "ADJ"):
            return
        if t.dep_ in ("amod", "compound", "npadvmod"):
            return  # "Turkish-backed X" is a pattern of the pack (relation_patterns.yaml: compound_backed_by)
        subj, passive = self.ex.subject_of(t)
        agents = self._preps(t, "by")
        if t.dep_ == "acl" and agents:  # "X, backed by Y"
            backed, ana = self._args(t.head, set())
            if not backed:  # "militias backed by Iran": fighters named only by their backer
                backers = [m for a in agents for m in self._args(a, set())[0]]
                side = self.unnamed_backed_side(t.head, backers[0]) if backers else None
                backed = [side] if side is not None else []
        elif t.dep_ == "advcl" and agents:  # "Backed by Y, X advanced": the subject of the clause it opens
            backed, ana = self._args(self._clause_subject(t.head), set())
        elif passive and agents:  # "X is backed by Y", "X, which is backed by Y"
            backed, ana = self._args(self._clause_subject(t) or subj, set())
        elif not passive and subj is not None and t.pos_ == "VERB":  # "Y backs X"
            dobjs = [c for c in t.children if c.dep_ == "dobj"]
            if not dobjs:
                return
            backed, ana = self._args(dobjs[0], set())
            agents = [subj]
        else:
            return
        if not backed:
            return
        backers, ana2 = [], False
        for a in agents:
            if a.lemma_.lower() in self.equipment and not self._np(a, self._ids(backed), allow_pronoun=False, lists=False)[0]:
                # "forces backed by tanks (and ...)": backing by equipment; a conjunct after it is more
                # likely the other side of "between A backed by tanks and B" than a backer
                continue
            got, x = self._args(a, self._ids(backed))
            backers.extend(got)
            ana2 = ana2 or x
        backers = [m for m in backers if m.actor.actor_id not in self._ids(backed)]
        if backers:
            out.append(_Found("backed_by", backed, backers, t, ana or ana2))

    def _leader_rules(self, t: Token, out: list[_Found]) -> None:
        lemma = t.lemma_.lower()
        if lemma in self.leading_verbs and t.pos_ == "VERB":
            agents = self._preps(t, "by")
            if agents:  # "X led by P" / "they are led by P"
                person = self._person(agents[0])
                if person is None:
                    return
                led_tok = t.head if t.dep_ == "acl" else self._clause_subject(t)
                groups, ana = self._args(led_tok, set())
                if groups:
                    out.append(_Found("leader_of", [person], groups, t, ana))
                return
            subj, passive = self.ex.subject_of(t)
            dobjs = [c for c in t.children if c.dep_ == "dobj"]
            if subj is not None and not passive and dobjs:  # "P leads X"
                person = self._person(subj)
                groups, ana = self._args(dobjs[0], set())
                if person is not None and groups:
                    out.append(_Found("leader_of", [person], groups, t, ana))
            return
        # titles ("X commander, P", "P, the leader of X", "X's leader P") are patterns of the pack
        # (relation_patterns.yaml: appos_leader_of, title_leader_of, title_appos_leader_of)

    def _opponent_rules(self, t: Token, out: list[_Found]) -> None:
        """'the US-led anti-ISIS coalition': an actor named as against another fights it."""
        if t.lower_ not in self.opposition_prefixes:
            return
        doc, head = t.doc, t.head
        j = t.i + 1
        if j >= len(doc) or doc[j].text not in ("-", "\u2010", "\u2011"):
            return
        if head.i <= j + 1:
            return
        name = doc[j + 1: head.i]
        opp = self._actor_mention(name.text, name.start, name.end, None)
        owner = self._index.get(head.i)
        if opp is None or owner is None or owner.actor is None or not (opp.armed and owner.armed):
            return
        if owner.start <= t.i < owner.end and opp.actor.actor_id == owner.actor.actor_id:
            return
        out.append(_Found("clashed_with", [owner], [opp], t, rule="anti_named_opponent"))

    def _auxiliary_rules(self, t: Token, out: list[_Found]) -> None:
        """'the Syrian army and allied militias', 'troops allied to the regime': unnamed auxiliaries of a
        state's forces are the pack's generic auxiliary of that country (`auxiliaries`), allied with them."""
        if t.pos_ != "NOUN" or t.lemma_.lower() not in self.auxiliary_heads or t.i in self._index:
            return
        state_tok, cue = None, None
        mods = [c for c in t.children if c.lower_ in self.ally_modifiers or c.lemma_.lower() in self.ally_modifiers
                # "other forces fighting alongside them"
                or (c.dep_ == "acl" and any(p.dep_ == "prep" and p.lower_ == "alongside" for p in c.children))]
        if t.dep_ == "nsubj" and t.head.lower_ in self.ally_modifiers:
            mods.append(t.head)  # "Militiamen allied to X stepped up ..." parsed with 'allied' as the verb
        for c in mods:
            preps = [p for p in c.children if p.dep_ == "prep" and p.lower_ in ("to", "with", "alongside")]
            objs = [o for p in preps for o in p.children if o.dep_ == "pobj"]
            if objs:  # "troops allied to X"
                state_tok, cue = objs[0], c
            elif c.dep_ in ("amod", "compound") and t.dep_ == "conj":  # "X and allied militias"
                state_tok, cue = t.head, c
            elif c.dep_ in ("amod", "compound") and t.dep_ == "pobj" and t.head.lower_ == "with" \
                    and t.head.head.lemma_.lower() in self.cooperation and t.head.head.head.lower_ == "in":
                state_tok, cue = t.head.head.head.head, c  # "army units in cooperation with the supporting forces"
        if state_tok is None:
            return
        m = self._index.get(state_tok.i)
        if m is None and state_tok.lower_ in _PRONOUNS:  # "... fighting alongside them"
            got = self._pronoun(state_tok, set())
            m = got[0] if got else None
        actor = self.pack.actors.get(m.actor.actor_id or "") if m is not None and m.actor is not None else None
        if actor is not None and actor.forces:  # "the regime": its forces
            actor = self.pack.actors.get(actor.forces)
        if actor is None or actor.inter != 1 or (actor.country or "").lower() not in self.auxiliaries:
            return
        aux = self.pack.actors.get(self.auxiliaries[actor.country.lower()])
        if aux is None:
            return
        side = Mention(m.start, m.end, m.text, "actor", self.ex.actor_ref(actor, m.text), inter=actor.inter)
        text = t.doc[min(cue.i, t.i): max(cue.i, t.i) + 1].text
        helper = Mention(t.i, t.i + 1, text, "actor", self.ex.actor_ref(aux, text), inter=aux.inter)
        out.append(_Found("allied_with", [helper], [side], cue, rule="auxiliary_allied"))

    def _founding_rules(self, t: Token, out: list[_Found]) -> None:
        lemma = t.lemma_.lower()
        if lemma not in self.founding_verbs or t.pos_ != "VERB":
            return
        subj, passive = self.ex.subject_of(t)
        agents = self._preps(t, "by")
        if passive and agents and subj is not None:
            new, _ = self._args(subj, set())
            if not new:
                return
            # "established by former X ideologues": a split
            for a in agents:
                sub = list(a.subtree)
                if any(x.lower_ in self.former or x.lemma_.lower() in self.former for x in sub):
                    for x in sub:
                        m = self._index.get(x.i)
                        if self._ok(m) and m.actor.actor_id not in self._ids(new):
                            out.append(_Found("split_from", new, [m], t))
                            return
            if any(self._kind(m) in self.collective_kinds for m in new):  # "Y was formed by A and B"
                members = [m for a in agents for m in self._args(a, self._ids(new))[0]]
                if members:
                    out.append(_Found("member_of", members, new, t))
            return
        if passive or subj is None:
            return
        dobjs = [c for c in t.children if c.dep_ == "dobj"]
        if not dobjs:
            return
        new, _ = self._args(dobjs[0], set())
        new = [m for m in new if self._kind(m) in self.collective_kinds]
        if not new:
            return
        members, ana = self._args(subj, self._ids(new))
        members = [m for m in members if m.actor.actor_id not in self._ids(new)]
        if members:
            out.append(_Found("member_of", members, new, t, ana))

    # ------------------------------------------------------------------ main
    def __call__(self, doc: Doc, document: Document, published: date | None, mentions: list[Mention]) -> list[RelationRecord]:
        self._doc = doc
        actors = [m for m in mentions if m.kind == "actor" and m.actor is not None]
        index: dict[int, Mention] = {}
        for m in actors:
            for i in range(m.start, m.end):
                index[i] = m
        self._mentions, self._index = actors, index

        by_sent: dict[int, list] = {}
        for match in self.patterns.matches(doc):
            by_sent.setdefault(min(t.i for t in match[1].values()), []).append(match)
        records: list[RelationRecord] = []
        seen: dict[tuple, RelationRecord] = {}
        prev_hedged = False
        for sent in doc.sents:
            stext = sent.text  # a Span builds its text from its tokens on every call
            if not stext.strip():
                continue
            hedged, _cue = self.hedge(sent, prev_hedged)
            prev_hedged = hedged
            found: list[_Found] = []
            for t in sent:
                for rule in (self._verb_rules, self._noun_rules, self._leader_rules, self._founding_rules,
                             self._auxiliary_rules, self._opponent_rules):
                    rule(t, found)
                self._backing_rules(t, found, published)
            matches = [m for i in range(sent.start, sent.end) for m in by_sent.get(i, [])]
            found.extend(apply_patterns(self, matches, published))
            if not found:
                continue
            when = date_relation(sent, document, published)
            lead = len(stext) - len(stext.lstrip())
            trail = len(stext) - len(stext.rstrip())
            for f in found:
                if self._noun_irrealis(f.cue) if f.nominal else self._irrealis(f.cue, f.type != "leader_of"):
                    continue
                closed = closing_marker(f.cue, f.cue_tokens, self.closing, f.node_ids) is not None
                rtype = f.closed_type if closed and f.closed_type else f.type
                for s in f.sources:
                    for tg in f.targets:
                        src = s.actor if isinstance(s, Mention) else s
                        tgt = tg.actor if isinstance(tg, Mention) else tg
                        if src is None or tgt is None:
                            continue
                        a, b = src.actor_id or src.surface, tgt.actor_id or tgt.surface
                        if a == b:
                            continue
                        if rtype == "clashed_with" and not (src.inter in ARMED_INTER and tgt.inter in ARMED_INTER):
                            continue  # a fight is between armed actors: "an attack on a gathering of X's supporters"
                        src, tgt = self._state_branch(self._bracketed(s, src)), self._state_branch(self._bracketed(tg, tgt))
                        if self._diplomacy(src, tgt):
                            continue
                        if any(isinstance(x, Mention) and self._subset(x) for x in (s, tg)):
                            continue
                        if rtype in SIDE_TYPES and (self._affiliate_stand_in(src) or self._affiliate_stand_in(tgt)):
                            continue
                        # a provisional group named after its leader: "P leads the P faction" says nothing
                        if rtype == "leader_of" and tgt.provisional and src.label in tgt.aliases:
                            continue
                        key = (rtype, *sorted((a, b))) if rtype in SYMMETRIC_RELATIONS else (rtype, a, b)
                        if key in seen:
                            continue
                        is_hedged = hedged or self._opinion(f.cue) is not None
                        conf = 0.75 - (0.15 if f.anaphoric else 0) - (0.15 if is_hedged else 0)
                        rec = RelationRecord(
                            doc_id=document.id, type=rtype, source=src, target=tgt,
                            date=when.date, date_precision=when.precision, hedged=is_hedged,
                            valid_until=when.date if closed and rtype == f.type else None,
                            evidence=stext.strip(), evidence_start=sent.start_char + lead,
                            evidence_end=sent.end_char - trail, confidence=round(conf, 2), rule=f.rule,
                        )
                        seen[key] = rec
                        records.append(rec)
        return self._conventions(records)

    # ------------------------------------------------------------------ annotation conventions
    def _subset(self, m: Mention) -> bool:
        """'several FSA groups', 'some HTS factions': the mention names the group its units belong to."""
        if not self.subset_quantifiers:
            return False
        doc = self._doc
        roots = [t for t in doc[m.start: m.end] if t.head.i < m.start or t.head.i >= m.end or t.head == t]
        if not roots:
            return False
        root = roots[0]
        # the units' noun: the mention's head ("FSA groups") or inside it ("Jaysh al-Izza units")
        unit = root if root.tag_ == "NNS" else root.head if root.dep_ in ("compound", "nmod", "amod") else None
        if unit is None or unit.tag_ not in ("NNS", "NNPS"):
            return False
        # the parser often hangs the quantifier on the name ("Several US-backed FSA groups")
        quantifiers = [*unit.children, *(c for c in root.children if c.i < m.start)]
        return any(c.dep_ in ("det", "amod", "nummod", "quantmod") and c.lower_ in self.subset_quantifiers
                   for c in quantifiers)

    def _affiliate_stand_in(self, ref: ActorRef) -> bool:
        """'YPG-affiliated cells', 'al-Qaeda-linked militants': affiliates of the actor named before the hyphen,
        not the actor -- the fight or the alliance is theirs."""
        names = {n.lower() for n in (ref.label, *(ref.aliases or []))}
        for word in ref.surface.split():
            head, _, tail = word.rpartition("-")
            if head and tail.lower() in self.affiliation_participles and head.lower() in names:
                return True
        return False

    def _head_of_state_forces(self, tok: Token) -> Mention | None:
        """A head of state named as a side ('an ally of President Bashar al-Assad') stands for the forces
        that fight in his government's name, as ACLED codes them."""
        if tok.pos_ != "PROPN" or not self.head_of_state_forces:
            return None
        ent = next((e for e in tok.doc.ents if e.start <= tok.i < e.end and e.label_ == "PERSON"), None)
        full = ent if ent is not None else self._flat_name(tok)
        # the name without the titles before it ("Syria's President | Bashar Assad"): its longest tail
        for start in range(full.start, full.end):
            name = tok.doc[start: full.end]
            words = _name_words(name.text)
            for lead, forces in self.head_of_state_forces:
                if words and words <= lead:
                    return Mention(name.start, name.end, name.text, "actor", self.ex.actor_ref(forces, name.text),
                                   inter=forces.inter)
        return None

    def _bracketed(self, m, ref: ActorRef) -> ActorRef:
        """'Peoples Protection Forces (YPG)': a name the pack does not hold, followed by one it does in
        brackets, is that actor (the bracket gives the name its known abbreviation)."""
        if not ref.provisional or not isinstance(m, Mention):
            return ref
        doc = self._doc
        if m.end + 2 < len(doc) and doc[m.end].text == "(":
            inner = self._index.get(m.end + 1)
            if inner is not None and self._ok(inner) and not inner.actor.provisional and inner.end < len(doc) \
                    and doc[inner.end].text == ")":
                return inner.actor
        return ref

    def _state_branch(self, ref: ActorRef) -> ActorRef:
        """A name the pack does not hold, made of a state's demonym and a force word ('Russian Aerospace
        Defense Forces', 'Turkish Land Forces'), is a branch of that state's forces: the state actor."""
        if not ref.provisional:
            return ref
        words = ref.surface.split()
        if len(words) < 2 or words[0].lower() not in self.demonyms:
            return ref
        last = words[-1].lower()
        if last not in self.force_words and last.rstrip("s") not in self.force_words:
            return ref
        return self.ex.actor_ref(self.pack.actors[self.demonyms[words[0].lower()]], ref.surface)

    def _diplomacy(self, a: ActorRef, b: ActorRef) -> bool:
        """A capital tied to another state ("an agreement between Ankara and Moscow"): governments dealing."""
        def state(r: ActorRef) -> bool:
            actor = self.pack.actors.get(r.actor_id or "")
            return actor is not None and actor.kind in ("state", "foreign_state", "government")
        def capital(r: ActorRef) -> bool:
            return r.surface.lower() in self.capitals
        return (capital(a) and state(b)) or (capital(b) and state(a))

    def _own_forces(self, a: ActorRef, b: ActorRef) -> bool:
        """A government and the forces that fight in its name are one actor to ACLED: no tie between them."""
        x, y = self.pack.actors.get(a.actor_id or ""), self.pack.actors.get(b.actor_id or "")
        return x is not None and y is not None and (x.forces == y.id or y.forces == x.id)

    def _head_of_state(self, ref: ActorRef) -> bool:
        """'regime leader Bashar al-Assad', 'President Assad': a government's leader (the pack's `leaders` of a
        government actor); every word of the name is one of the leader's ('Maher al-Assad' is not)."""
        words = _name_words(ref.label)
        return bool(words) and any(words <= lead for lead in self.heads_of_state)

    def _described(self, ref: ActorRef) -> bool:
        """The actor is only described ("Turkish-backed militants"), by one of the pack's phrases, not named."""
        actor = self.pack.actors.get(ref.actor_id or "")
        if actor is None:
            return False
        surface = ref.surface.lower()
        named = {n.lower() for n in (actor.name, actor.acled_name, *actor.aliases, *actor.abbreviations) if n}
        return surface not in named and surface in {p.lower() for p in actor.phrases}

    def _conventions(self, records: list[RelationRecord]) -> list[RelationRecord]:
        """What the annotation guidelines (tests/gold/README.md) record, applied per document:
        - heads of state are not recorded as leaders (of their state's forces or anything else), and a
          government and its own forces are one side, with no tie between them;
        - a backer and its proxy acting together ("X and X-backed Y shelled ...") are a backing, not an
          alliance: a sentence that gives backed_by for a pair gives no allied_with for it;
        - a side the text only describes ("Turkish-backed militants") stands for the group(s) the document
          names in the same relation: when it names one ("Turkish-backed Suqur al-Sham"), the described side
          adds nothing;
        - "X offshoot", "X affiliate" for a group the pack records as having broken with X by then is a
          split ("al Qaeda offshoot Islamic State" in 2015)."""
        records = [self._broken_tie(r) for r in records]
        backed = {(tuple(sorted(_key(r.source, r.target))), r.evidence_start) for r in records if r.type == "backed_by"}
        out = [r for r in records
               if not (r.type == "allied_with" and (tuple(sorted(_key(r.source, r.target))), r.evidence_start) in backed)
               and not (r.type == "leader_of" and self._head_of_state(r.source))
               and not self._own_forces(r.source, r.target)]
        # (type, the other end, which end is described) of every relation whose described end has a named twin
        named = {(r.type, "target", _key(r.source, r.target)[1]) for r in out if not self._described(r.source)}
        named |= {(r.type, "source", _key(r.source, r.target)[0]) for r in out if not self._described(r.target)}
        kept = []
        for r in out:
            a, b = _key(r.source, r.target)
            if self._described(r.source) and (r.type, "target", b) in named:
                continue
            if r.type not in SYMMETRIC_RELATIONS and self._described(r.target) and (r.type, "source", a) in named:
                continue
            kept.append(r)
        return kept


    def _broken_tie(self, r: RelationRecord) -> RelationRecord:
        if r.type != "member_of" or not (r.source.actor_id and r.target.actor_id):
            return r
        for a in self._splits.get((r.source.actor_id, r.target.actor_id), []):
            if a.valid_from is None or r.date is None or a.valid_from <= r.date:
                return replace(r, type="split_from")
        return r

    @property
    def _splits(self) -> dict[tuple[str, str], list]:
        if self._split_index is None:
            self._split_index = {}
            for a in self.pack.affiliations:
                if a.type == "split_from":
                    self._split_index.setdefault((a.source, a.target), []).append(a)
        return self._split_index


# relations that put two actors on one side or against each other: a stand-in's tie is not its patron's
SIDE_TYPES = frozenset({"clashed_with", "allied_with"})


def _name_words(name: str) -> set[str]:
    """A person's name as a set of transliteration-folded words ('Bashar Al Assad' == 'Bashar al-Assad')."""
    return {k for k in (fold_key(w) for w in re.split(r"[\s\-\u2010\u2011]+", name)) if k}


def _key(src: ActorRef, tgt: ActorRef) -> tuple[str, str]:
    return (src.actor_id or src.surface, tgt.actor_id or tgt.surface)
