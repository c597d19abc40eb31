"""extract: ACLED-style events (and the actor/place mentions behind them) from an annotated spaCy Doc.

Reads: doc.ents from `annotate` (pack entities carry ent_id_), the dependency parse, the pack's
lexicons. Produces EventRecords whose arguments come from the dependency structure (subject/agent,
object, "between X and Y", "by X on Y", possessives), with anaphora ("the group", "its elements")
resolved to the last armed actor named before, the place taken from the event's own clause (or the
last place the passage named), dates resolved against the publication date, fatalities by ACLED's
rules, and claims marked as hedged with their claimant.

Knowledge lives in the pack; nothing here names a theatre.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from spacy.tokens import Doc, Span, Token

from . import attribution, casualties, coding
from . import dates as dates_mod
from . import frames
from .names import provisional_id
from .models import ARMED_INTER, SUB_EVENT_TYPES, ActorRef, Document, EventRecord, PlaceRef
from .pack import Actor, KnowledgePack

VIOLENT_TYPES = ("Battles", "Explosions/Remote violence", "Violence against civilians")
CIVILIAN_INTER, PROTESTER_INTER, RIOTER_INTER = 7, 6, 5
PLACE_LABELS = {"GPE", "LOC", "FAC"}
ACTOR_LABELS = {"ORG", "NORP"}
PLACE_SPECIFICITY = {"village": 0, "town": 0, "base": 0, "crossing": 0, "city": 1, "subdistrict": 2,
                     "district": 3, "region": 4, "governorate": 4, "country": 5}
# Unknown armed groups are recognised by how they are named.
_ARMED_NAME_RE = re.compile(
    r"^(?:the\s+)?(?:(?:jaysh|jaish|jabhat|jabhet|liwa|liwaa|harakat|harakat|faylaq|failaq|ansar|kataib|katibat|saraya|tajamu|firqat|alwiya|tanzim)\b"
    r"|.*\b(?:brigade|brigades|battalion|division|regiment|operations?\s+room|front|army|movement|legion|forces|militia|group)$)",
    re.I,
)
_LOCATIVE_PREPS = {"in", "at", "near", "inside", "outside", "around"}
_OWNER_VERBS = {"affiliate", "belong", "run", "control", "operate", "hold", "man", "own", "use"}
_PARA_BREAK = re.compile(r"\n[ \t]*\n")
_LED_BY_HEADS = {"faction", "group", "brigade", "unit", "militia", "battalion"}


@dataclass
class Mention:
    start: int  # token index
    end: int
    text: str
    kind: str  # actor | place
    actor: ActorRef | None = None
    place: PlaceRef | None = None
    inter: int | None = None
    generic: bool = False  # a generic actor (civilians, unidentified gunmen ...)

    @property
    def armed(self) -> bool:
        return self.inter in ARMED_INTER


def replace_actor(m: "Mention", ref: ActorRef, inter: int | None) -> "Mention":
    return Mention(m.start, m.end, m.text, m.kind, ref, m.place, inter, m.generic)


@dataclass
class Lexicon:
    single: dict[str, list[dict]]
    multi: list[tuple[tuple[str, ...], list[dict]]]
    raw: dict

    @classmethod
    def from_pack(cls, pack: KnowledgePack) -> "Lexicon":
        raw = pack.lexicons or {}
        single, multi = {}, []
        for key, rules in (raw.get("triggers") or {}).items():
            parts = tuple(key.lower().split())
            for rule in rules:
                if rule["sub"] not in SUB_EVENT_TYPES:
                    raise ValueError(f"lexicon trigger {key!r}: unknown sub-event type {rule['sub']!r}")
            if len(parts) == 1:
                single[parts[0]] = rules
            else:
                multi.append((parts, rules))
        multi.sort(key=lambda x: -len(x[0]))
        return cls(single, multi, raw)

    def words(self, key: str) -> set[str]:
        return {w.lower() for w in self.raw.get(key, [])}


def _lemma(t: Token) -> str:
    return t.lemma_.lower()


class Extractor:
    """Callable: (Doc, Document, published) -> (events, actor refs, place refs)."""

    # The sentence classifier picks the sub-type when the lexicon's conditions cannot decide between a
    # trigger's candidates (it is consulted only then: it costs more than the rest of the sentence).
    CHOOSE_CONFIDENCE = 0.5

    def __init__(self, pack: KnowledgePack, classifier=None):
        self.pack = pack
        self.classifier = classifier
        self.lex = Lexicon.from_pack(pack)
        self.hedge_words = self.lex.words("hedge_words")
        self.hedge_phrases = [p.lower() for p in self.lex.raw.get("hedge_phrases", [])]
        self.attribution = self.lex.words("attribution_verbs")
        self.irrealis_gov = self.lex.words("irrealis_governors")
        self.directive_gov = self.lex.words("directive_governors")
        self.irrealis_mod = self.lex.words("irrealis_modifiers")
        self.aggregate_mod = self.lex.words("aggregate_modifiers")
        self.campaign_verbs = self.lex.words("campaign_verbs")
        self.escalation_verbs = self.lex.words("escalation_verbs")
        self.habitual_adverbs = self.lex.words("habitual_adverbs")
        self.support_nouns = self.lex.words("support_nouns")
        self.background_phrases = [p.lower() for p in self.lex.raw.get("background_phrases", [])]
        self.facility_heads = {w.lower() for w in self.lex.raw.get("facility_heads", [])}
        roads = [re.escape(w.lower()) for w in self.lex.raw.get("road_heads", [])]
        road = rf"(?i:{'|'.join(roads)})\b"
        # "Aleppo-Lattakia highway" read from its first name, then from its second
        self._road_after_first = re.compile(rf"\s*[-–]\s*[\w'’]+(?:\s[\w'’]+)?\s+{road}") if roads else None
        self._road_after_second = re.compile(rf"\s+{road}") if roads else None
        self.anaphora_heads = self.lex.words("anaphora_heads")
        self.fatality_verbs = self.lex.words("fatality_verbs")
        self.fatality_nouns = self.lex.words("fatality_nouns")
        self.injury_verbs = self.lex.words("injury_verbs")
        self.harm_verbs = self.fatality_verbs | self.injury_verbs
        self.remains_verbs = self.lex.words("remains_verbs")
        self.remains_nouns = self.lex.words("remains_nouns")
        self.reciprocal = self.lex.words("reciprocal_triggers")
        self.force_heads = self.lex.words("force_heads")
        self.carried_agents = self.lex.words("passive_agent_carryover")
        self.attribution_cues = {" ".join(c.lower().split()) for c in self.lex.raw.get("attribution_cues", [])}
        self.opinion_verbs = self.lex.words("opinion_verbs")
        self.riot_escalation = self.lex.words("riot_escalation")
        self.territory_nouns = self.lex.words("territory_nouns")
        self.civilian_nouns = self.lex.words("civilian_nouns")
        self.weapon_heads = self.lex.words("weapon_heads")
        self.state_preps = self.lex.words("state_preps")
        self.departures = self.lex.words("departure_triggers")
        self.default_actors = {k: pack.actors[v] for k, v in (self.lex.raw.get("default_actors") or {}).items()
                               if v in pack.actors}
        self._unnamed_ids = {a.id for a in self.default_actors.values()}
        self.vague = {k.lower(): v for k, v in (self.lex.raw.get("vague_numbers") or {}).items()}
        self._group_name_re = _group_name_regex(self.lex.raw.get("armed_group_names") or {})
        self._generic_by_inter: dict[int, Actor] = {}
        for actor in pack.actors.values():
            if actor.kind == "generic" and actor.inter not in self._generic_by_inter:
                self._generic_by_inter[actor.inter] = actor

    # ------------------------------------------------------------------ mentions
    def actor_ref(self, actor: Actor, surface: str) -> ActorRef:
        return ActorRef(surface=surface, actor_id=actor.id, name=actor.acled_name or actor.name,
                        aliases=actor.all_names(), inter=actor.inter)

    def coded(self, ref: ActorRef | None) -> tuple[ActorRef | None, list[ActorRef]]:
        """ACLED's coding of an actor (pack `coded_as`): US forces in Syria act as the Global Coalition
        Against Daesh, with the US military as an associated actor. -> (actor, associates)"""
        actor = self.pack.actors.get(ref.actor_id) if ref is not None and ref.actor_id else None
        coded = self.pack.actors.get(actor.coded_as) if actor is not None and actor.coded_as else None
        if coded is None:
            return ref, []
        return self.actor_ref(coded, ref.surface), [ref]

    def _resolve_actor(self, text: str, ent_id: str, on: date | None) -> Actor | None:
        actor = self.pack.resolve_actor(text, on=on) if text else None
        if actor is None and ent_id in self.pack.actors:
            actor = self.pack.actors[ent_id]
        return actor

    def mentions(self, doc: Doc, published: date | None) -> list[Mention]:
        out: list[Mention] = []
        for ent in doc.ents:
            text = ent.text.strip()
            if not text or not any(c.isalpha() for c in text):
                continue
            if ent.label_ in PLACE_LABELS or (ent.ent_id_ and ent.ent_id_ in self.pack.places):
                m = self._place_mention(ent)
                if m:
                    out.append(m)
                    continue
                if ent.label_ == "GPE":  # a country or state name denotes its forces when it acts
                    actor = self.pack.resolve_actor(text, on=published)
                    if actor:
                        out.append(Mention(ent.start, ent.end, text, "actor", self.actor_ref(actor, text), inter=actor.inter,
                                           generic=actor.kind == "generic"))
                continue
            if ent.label_ in ACTOR_LABELS or ent.ent_id_ in self.pack.actors:
                if _describes_territory(ent):  # "rebel-held Idlib": the area, not the actor
                    continue
                actor = self._resolve_actor(text, ent.ent_id_, published)
                if actor is None and ent.label_ == "NORP":
                    actor = attribution.nationality_forces(ent, self.pack, self.force_heads, published)
                if actor is None and ent.label_ == "ORG":
                    actor = attribution.possessor_forces(ent, self.pack, self.force_heads, published)
                if actor:
                    out.append(Mention(ent.start, ent.end, text, "actor", self.actor_ref(actor, text), inter=actor.inter,
                                       generic=actor.kind == "generic"))
                elif ent.label_ == "ORG" and _ARMED_NAME_RE.match(text):
                    out.append(self.provisional(ent.start, ent.end, text))
            elif ent.label_ == "PERSON":
                m = self._led_by(doc, ent)
                if m:
                    out.append(m)
        out.extend(self._named_like_armed_groups(doc, out))
        out.extend(attribution.owners_of_forces(doc, out, self.pack, self.force_heads, published, self._make_mention))
        return attribution.attributed(doc, self._dedupe_mentions(out), self.attribution_cues)

    def _make_mention(self, start: int, end: int, text: str, actor: Actor) -> Mention:
        return Mention(start, end, text, "actor", self.actor_ref(actor, text), inter=actor.inter,
                       generic=actor.kind == "generic")

    def _named_like_armed_groups(self, doc: Doc, known: list[Mention]) -> list[Mention]:
        if self._group_name_re is None:
            return []
        taken = {i for m in known for i in range(m.start, m.end)}
        found = []
        for m in self._group_name_re.finditer(self._doc_text(doc)):
            span = doc.char_span(m.start(), m.end(), alignment_mode="expand")
            if span is None or any(t.i in taken for t in span):
                continue
            found.append(self.provisional(span.start, span.end, span.text))
        return found

    def provisional(self, start: int, end: int, text: str, inter: int = 2) -> Mention:
        clean = re.sub(r"^the\s+", "", text, flags=re.I)
        ref = ActorRef(surface=text, actor_id=provisional_id(text), name=clean, aliases=[clean], inter=inter, provisional=True)
        return Mention(start, end, text, "actor", ref, inter=inter)

    def _led_by(self, doc: Doc, person: Span) -> Mention | None:
        """'a local armed faction led by Abu Dujana Binnish' -> provisional actor 'Abu Dujana Binnish faction'."""
        root = person.root
        while root.dep_ in ("compound", "flat") and root.head != root:  # NER may split "Abu Dujana | Binnish"
            root = root.head
        if root.dep_ == "pobj" and root.head.lower_ == "by" and root.head.head.lemma_ == "lead":
            head = root.head.head.head
            if head.lemma_.lower() in _LED_BY_HEADS:
                name_toks = [t for t in root.subtree if t.i >= person.start and (t.pos_ == "PROPN" or t.dep_ in ("compound", "flat"))]
                end = max([person.end - 1, *(t.i for t in name_toks)]) + 1
                leader = person.doc[person.start:end].text
                name = f"{leader} {head.lemma_.lower()}"
                start = min(t.i for t in head.subtree)
                m = self.provisional(start, end, name)
                m.actor.aliases = [name, f"{head.lemma_.lower()} led by {leader}", leader]
                return m
        return None

    def _place_mention(self, ent: Span) -> Mention | None:
        sent_span = ent.sent  # found by walking the tokens: once
        sent = sent_span.text
        gaz = self.pack.gazetteer
        if len(ent) == 1 and ent.end < sent_span.end:
            # "Tal Qarrah", "Khan al-Assal": a generic head word of a longer name the pack lacks
            if gaz.is_fragment(ent.text, ent.doc[ent.end].text):
                return None
        if not self._counts_as_place(ent):
            return None
        place = gaz.lookup(ent.text, context=sent, doc_context=self._doc_text(ent.doc))
        if place is None:
            return None
        before = ent.doc[max(sent_span.start, ent.start - 4): ent.start].text.lower()
        after = ent.doc[ent.end: min(sent_span.end, ent.end + 3)].text.lower()
        # ACLED geo_precision 2: "near X", "the outskirts of X", "X countryside", "the countryside of X",
        # "X area", "the vicinity of X", "rural X" (located at X); 3: only a governorate or region
        near = bool(re.search(r"\b(?:near|nearby|around|outside|rural|(?:outskirts|vicinity|countryside|suburbs|"
                              r"surroundings|environs)\s+of|(?:north|south|east|west)\w*\s+of)(?:\s+the)?"
                              r"(?:\s+(?:town|village|city|area)\s+of)?\s*$", before)
                    or re.match(r"(?:'s\s+)?(?:\w+ern\s+)?(?:countryside|outskirts|suburbs|area|areas|vicinity|environs)\b",
                                after)
                    or re.search(r"(?i)\b(?:countryside|rural|outskirts|area)\b", ent.text))
        admin1, admin2, admin3 = place.admin1, place.admin2, place.admin3
        kind = place.kind
        precision = 1
        if kind == "country":  # the whole country: no admin unit to name
            admin1 = admin2 = admin3 = None
            precision = 3
        elif kind in ("governorate", "region"):
            precision = 3
        elif kind in ("district", "subdistrict") or near:
            precision = 2
        ref = PlaceRef(surface=ent.text, place_id=place.id, name=place.name, lat=place.lat, lon=place.lon,
                       admin1=admin1, admin2=admin2, admin3=admin3, kind=kind, geo_precision=precision,
                       country=self.pack.country, iso=self.pack.iso)
        return Mention(ent.start, ent.end, ent.text, "place", place=ref)

    _text_of: tuple = (None, "")

    def _doc_text(self, doc: Doc) -> str:
        """doc.text joins every token on each call: once per document is enough."""
        if self._text_of[0] is not doc:
            self._text_of = (doc, doc.text)
        return self._text_of[1]

    def _counts_as_place(self, ent: Span) -> bool:
        """The pack's place rules (Gazetteer.mention_allowed); a name that only a transliteration-folded
        key finds must not take an actor's name ("Russia")."""
        gaz = self.pack.gazetteer
        if not gaz.mention_allowed(ent):
            return False
        if self._names_a_facility(ent):
            return False
        text = ent.text.strip()
        if not ent.ent_id_ and not gaz.exact_candidates(text) and self.pack.resolve_actor(text) is not None:
            return False
        return True

    def _names_a_facility(self, ent: Span) -> bool:
        """"al-Villat street", "Al-Rawda mosque", "the Aleppo-Lattakia highway": a street, building or road
        named after a place is not that place (the lexicon's `facility_heads`; a road only when two places
        joined by a hyphen name it, since "the Idlib road near Saraqib" still says where)."""
        if ent.end < ent.sent.end and ent.doc[ent.end].lower_ in self.facility_heads:
            return True
        if self._road_after_first is None:
            return False
        text = self._doc_text(ent.doc)
        after = text[ent.end_char: ent.end_char + 60]
        before = text[max(0, ent.start_char - 40): ent.start_char]
        return bool(self._road_after_first.match(after)
                    or (_HYPHEN_BEFORE_RE.search(before) and self._road_after_second.match(after)))

    @staticmethod
    def _dedupe_mentions(ms: list[Mention]) -> list[Mention]:
        ms.sort(key=lambda m: (m.start, -(m.end - m.start)))
        out: list[Mention] = []
        for m in ms:
            if out and m.start < out[-1].end:
                continue
            out.append(m)
        return out

    # ------------------------------------------------------------------ helpers over the parse
    def _mention_at(self, index: dict[int, Mention], tok: Token) -> Mention | None:
        return index.get(tok.i)

    _BACKED = {"backed", "supported", "sponsored", "funded", "armed", "trained", "allied", "aligned"}

    def _is_backer(self, m: Mention, doc) -> bool:
        nxt = [doc[i] for i in range(m.end, min(m.end + 2, len(doc)))]
        if nxt and nxt[0].text in ("-", "–") and len(nxt) > 1:
            nxt = nxt[1:]
        return bool(nxt) and nxt[0].lower_ in self._BACKED

    def _first_actor_in(self, index: dict[int, Mention], tok: Token, skip_conj: bool = True) -> Mention | None:
        """The first actor mention inside tok's phrase (its subtree, conjuncts excluded)."""
        umbrella = attribution.umbrella(index, tok, self.pack, self._conjuncts(tok))
        if umbrella is not None:
            return umbrella
        m = index.get(tok.i)
        if m and m.kind == "actor" and not m.generic:
            # "HTS security forces", "Turkish military police": a named group before a state-forces noun owns them
            # "Turkish and Russian forces": the first of coordinated nationalities is actor1
            owner = next((index[c.i] for c in tok.children if c.dep_ in ("compound", "amod", "nmod") and c.i in index
                          and index[c.i] is not m and index[c.i].kind == "actor" and not index[c.i].generic
                          and index[c.i].end <= m.start
                          and ((m.inter == 1 and index[c.i].inter != 1)
                               or any(g.dep_ == "conj" and m.start <= g.i < m.end for g in c.children))), None)
            return owner or m
        # "the police station affiliated with HTS", "a checkpoint belonging to X": the owner, not the kind
        for c in tok.children:
            if c.dep_ in ("acl", "relcl") and c.lemma_.lower() in _OWNER_VERBS:
                for p in (g for prep in c.children if prep.dep_ in ("prep", "agent") for g in prep.children if g.dep_ == "pobj"):
                    owner = self._first_actor_in(index, p)
                    if owner is not None:
                        return owner
        stack = [tok]
        seen = []
        while stack:
            t = stack.pop()
            seen.append(t)
            for c in t.children:
                if skip_conj and c.dep_ in ("conj", "cc", "appos", "relcl", "acl") and t == tok:
                    continue
                if c.dep_ == "prep" and c.lower_ in _LOCATIVE_PREPS:
                    continue  # "detainees in an SDF prison": where they are, not who they are
                stack.append(c)
        found = [index[t.i] for t in sorted(seen, key=lambda t: t.i) if t.i in index and index[t.i].kind == "actor"]
        # "US-backed Syrian fighters": the backer qualifies the fighters, it is not them
        found = [m for m in found if not self._is_backer(m, tok.doc)]
        # "gunmen of the Islamic State": the named group, not the generic noun
        named = [m for m in found if not m.generic]
        return (named or found or [None])[0]

    def _conjuncts(self, tok: Token) -> list[Token]:
        out = [tok]
        for c in tok.children:
            if c.dep_ == "conj":
                out.extend(self._conjuncts(c))
        return out

    def _two_sides(self, tok: Token) -> tuple[list[Token], list[Token]]:
        """"between A, B and C against D": (A, B, C) fought D; without "against", every party is a side."""
        left = self._conjuncts(tok)
        right = [g for t in left for c in t.children if c.dep_ == "prep" and c.lower_ in ("against", "versus", "vs")
                 for p in c.children if p.dep_ == "pobj" for g in self._conjuncts(p)]
        return left, right

    def _between(self, index, pobjs: list[Token], salient, exclude) -> tuple[Mention | None, list[Mention], bool]:
        """(first party, the others, infighting?) of "between ..."; with "X and Y against Z", Z is the other side."""
        left, right = [], []
        for p in pobjs:
            lt, rt = self._two_sides(p)
            left += [m for m in (self._phrase_actor(index, x, salient, exclude) for x in lt) if m]
            right += [m for m in (self._phrase_actor(index, x, salient, exclude) for x in rt) if m]
        if not left:
            left, right = right, []
        if not left:
            return None, [], False
        agent = left[0]
        others = right if right else left[1:]
        targets = [x for x in others if x is not agent]
        alone = len(left) == 1 and not right and bool(pobjs) and self._members_of_one(pobjs[0])
        return agent, targets, alone

    @staticmethod
    def _same_clause(tok: Token, verb: Token) -> bool:
        t = tok
        while t != verb and t.head != t:
            t = t.head
            if t != verb and t.pos_ in ("VERB", "AUX"):
                return False
        return t == verb

    def anaphor(self, tok: Token, salient: list[Mention], exclude: set[str]) -> Mention | None:
        """'the group', 'the alliance', 'its elements', 'they' -> the last armed actor named before."""
        is_anaphor = False
        if tok.lemma_.lower() in self.anaphora_heads and any(c.lower_ in ("the", "this", "that", "its", "their") or c.dep_ == "poss" for c in tok.children):
            is_anaphor = True
        if tok.pos_ == "PRON" and tok.lower_ in ("it", "they", "its", "their", "them"):
            is_anaphor = True
        poss = [c for c in tok.children if c.dep_ == "poss"]
        if poss and (poss[0].lower_ in ("its", "their") or poss[0].lemma_.lower() in self.anaphora_heads):
            is_anaphor = True
        if not is_anaphor:
            return None
        if tok.pos_ == "PRON" or (poss and poss[0].pos_ == "PRON"):
            # a pronoun points at the nearest actor named before it; if that is not an armed group
            # ("the White Helmets said jets struck its centre"), it is not one either
            before = [m for m in salient if m.start < tok.i and m.actor and not m.generic]
            if not before or not before[-1].armed or before[-1].actor.actor_id in exclude:
                return None
            return before[-1]
        for m in reversed(salient):
            ref_id = m.actor.actor_id if m.actor else None
            if m.start < tok.i and m.armed and not m.generic and ref_id not in exclude:
                return m
        return None

    def _phrase_actor(self, index, tok: Token, salient, exclude) -> Mention | None:
        m = self._first_actor_in(index, tok)
        if m:
            return m
        # look inside for an anaphoric noun ("the group's elements")
        for t in sorted(tok.subtree, key=lambda t: t.i):
            a = self.anaphor(t, salient, exclude)
            if a:
                return a
        return None

    def subject_of(self, verb: Token) -> tuple[Token | None, bool]:
        """(subject token, passive?) following conj/xcomp chains up to the clause that has one."""
        t = verb
        # "a rebel opened fire before being executed": a passive verb with no subject of its own takes
        # the clause's subject as its patient, not its agent
        # "gunmen presumably IS opened fire": an actor's name read as an auxiliary does not make it passive
        passive = any(c.dep_ == "auxpass" and not c.ent_type_ for c in verb.children)
        for _ in range(4):
            for c in t.children:
                if c.dep_ in ("nsubj", "csubj"):
                    return c, passive and t != verb
                if c.dep_ == "nsubjpass":
                    return c, passive or t != verb
            if t.dep_ == "ccomp" and _lemma(t.head) in self.opinion_verbs and t.head != t \
                    and not any(c.dep_ in ("nsubj", "nsubjpass") for c in t.children):
                # "gunmen believed to belong to X shot a man": the clause's subject hangs from "believed"
                t = t.head
                continue
            if t.dep_ == "xcomp" and t.head != t:
                # object control: "prompting their comrades to set up checkpoints", "forced X to withdraw"
                controller = next((c for c in t.head.children if c.dep_ == "dobj"), None)
                if controller is not None:
                    return controller, passive
            if t.dep_ in ("conj", "xcomp", "advcl", "pcomp") and t.head != t:
                t = t.head
                if t.dep_ == "prep" and t.head != t:  # "After arresting X, HTS withdrew"
                    t = t.head
            else:
                break
        return None, False

    def is_irrealis(self, trig: Token) -> bool:
        t = trig
        for c in trig.children:
            if c.dep_ == "neg" or (c.dep_ == "amod" and c.lower_ in self.irrealis_mod) or c.lower_ in ("such",):
                return True
            if c.dep_ == "det" and c.lower_ in ("no", "such"):
                return True
        for depth in range(5):
            for c in t.children:
                if c.dep_ == "neg":
                    return True
                if c.dep_ == "aux" and c.lower_ in self.irrealis_gov:
                    return True
                if c.dep_ == "mark" and c.lower_ in ("if", "unless", "whether"):
                    return True
            if t.dep_ in ("xcomp", "ccomp", "dobj", "pobj", "advcl", "prep", "pcomp", "compound", "amod", "nsubj", "conj", "attr") and t.head != t:
                parent = t.head
                if t.dep_ in ("xcomp", "dobj", "ccomp") and parent.lemma_.lower() in self.irrealis_gov:
                    return True
                if t.dep_ == "xcomp" and parent.lemma_.lower() in self.directive_gov:
                    return True  # "called on the investigators to travel to ...", "urged them to attack"
                if t.dep_ == "prep" or t.dep_ == "pobj":
                    pass
                t = parent
            else:
                break
        return False

    def _is_tally(self, trig: Token) -> bool:
        """"coalition strikes have killed hundreds": plural strikes in the perfect, a running total."""
        if trig.tag_ not in ("NNS", "NNPS") or trig.dep_ not in ("nsubj", "nsubjpass"):
            return False
        return any(c.dep_ == "aux" and c.lower_ in ("has", "have") for c in trig.head.children)

    def _is_state(self, trig: Token) -> bool:
        return trig.dep_ == "pobj" and trig.head.lower_ in self.state_preps

    def _is_aggregate(self, trig: Token) -> bool:
        # "rebels regularly fire rockets into the capital": a habit, not an event
        verb = trig
        while verb.pos_ not in ("VERB", "AUX") and verb.head != verb and verb.dep_ in ("pobj", "prep", "dobj", "nsubj", "nsubjpass", "agent", "compound"):
            verb = verb.head  # "targeted by air strikes": the verb the noun hangs from
        if any(c.dep_ == "advmod" and c.lower_ in self.habitual_adverbs for c in verb.children):
            return True
        if trig.dep_ == "dobj" and _lemma(trig.head) in self.escalation_verbs:
            return True
        obj = self._object(trig) if trig.pos_ == "VERB" else None
        if obj is not None and any(c.lower_ in self.aggregate_mod for c in obj.children if c.dep_ in ("amod", "det", "nummod", "quantmod")):
            return True
        if trig.pos_ != "NOUN" or trig.tag_ not in ("NNS", "NNPS"):
            return False
        for c in trig.children:
            if c.lower_ in self.aggregate_mod:
                return True
        # "Russia began air strikes last September": the start of a campaign, not one strike on a place
        if (trig.dep_ == "dobj" and _lemma(trig.head) in self.campaign_verbs
                and not any(c.dep_ == "prep" and c.lower_ in ("on", "against", "at", "in")
                            for c in [*trig.children, *trig.head.children])):
            return True
        h = trig.head
        if h.dep_ == "prep" and h.lower_ == "of" and h.head.lemma_.lower() in self.aggregate_mod:
            return True
        return False

    # ------------------------------------------------------------------ triggers
    def triggers(self, sent: Span) -> list[tuple[Token, str, list[dict]]]:
        found: list[tuple[Token, str, list[dict]]] = []
        toks = list(sent)
        used: set[int] = set()
        lemmas = [_lemma(t) for t in toks]
        lowers = [t.lower_ for t in toks]
        starts: dict[str, list[int]] = {}  # where each word begins: a phrase is only tried where its first word stands
        for i, (a, b) in enumerate(zip(lemmas, lowers)):
            starts.setdefault(a, []).append(i)
            if b != a:
                starts.setdefault(b, []).append(i)
        for parts, rules in self.lex.multi:
            n = len(parts)
            for i in sorted(set(starts.get(parts[0], ()))):
                if i > len(toks) - n:
                    break
                window_l = lemmas[i: i + n]
                window_w = lowers[i: i + n]
                if all(p in (a, b) for p, a, b in zip(parts, window_l, window_w)):
                    if any(toks[j].i in used for j in range(i, i + n)):
                        continue
                    head = max(toks[i: i + n], key=lambda t: (t.pos_ in ("VERB", "NOUN"), -abs(t.i - t.head.i) if t.head in toks[i:i+n] else 0))
                    # the syntactic head of the phrase is the token whose head lies outside it
                    inside = {t.i for t in toks[i: i + n]}
                    heads = [t for t in toks[i: i + n] if t.head.i not in inside or t.head == t]
                    head = heads[0] if heads else toks[i + n - 1]
                    found.append((head, " ".join(parts), rules))
                    used.update(inside)
        for t, lem, low in zip(toks, lemmas, lowers):
            if t.i in used:
                continue
            rules = self.lex.single.get(lem) or self.lex.single.get(low)
            # "battle tanks", "combat drones": a noun modifying another noun names equipment, not an event
            if (rules and t.dep_ in ("compound", "amod") and t.pos_ != "VERB" and t.head.pos_ in ("NOUN", "PROPN") and t.head.i > t.i
                    and _lemma(t.head) not in self.weapon_heads):
                continue
            if rules and t.pos_ in ("VERB", "NOUN", "PROPN", "ADJ"):
                found.append((t, lem, rules))
        # "missile attack", "barrel bomb attack": when the head trigger's rules read the modifier
        # (modifier_lemma / context_lemma), the modifier is part of that one event, not a second one
        rules_at = {t.i: rules for t, _, rules in found}

        def read_by_head(t: Token) -> bool:
            head_rules = rules_at.get(t.head.i) if t.dep_ in ("compound", "amod") and t.head.i != t.i else None
            lem = _lemma(t)
            if bool(head_rules) and any(lem in (r.get("when") or {}).get(key, ())
                                        for r in head_rules for key in ("modifier_lemma", "context_lemma")):
                return True
            # "exchanged artillery shelling", "an exchange of fire": the object a trigger's rule names is
            # part of that one event (the rule's object_lemma), not a second one
            gov = t.head if t.dep_ == "dobj" else (t.head.head if t.dep_ == "pobj" and t.head.lower_ == "of" else None)
            gov_rules = rules_at.get(gov.i) if gov is not None and gov.i != t.i else None
            return bool(gov_rules) and any(lem in (r.get("when") or {}).get("object_lemma", ()) and r.get("absorbs_object")
                                           for r in gov_rules)

        return [f for f in found if not read_by_head(f[0])]

    @staticmethod
    def _own_subtree(trig: Token) -> list[Token]:
        """The trigger's phrase without coordinated clauses ("advanced ... and reached ...")."""
        out, stack = [], [trig]
        while stack:
            t = stack.pop()
            out.append(t)
            stack.extend(c for c in t.children if not (t == trig and c.dep_ in ("conj", "cc")))
        return out

    def _context_lemmas(self, trig: Token) -> set[str]:
        out = {_lemma(trig)}
        around = [trig.head, *trig.children, *trig.head.children]
        if trig.head.pos_ == "ADP" and trig.head.head != trig.head:  # "hit X with a guided missile": the verb
            around.append(trig.head.head)
        for t in around:
            out.add(_lemma(t))
            for c in t.children:
                if c.dep_ in ("compound", "amod", "pobj", "nmod"):
                    out.add(_lemma(c))
        return out

    def _object(self, trig: Token) -> Token | None:
        kids = list(trig.children)
        for c in kids:
            if c.dep_ in ("dobj", "attr", "oprd"):
                if c.pos_ == "ADJ":  # "shot dead a shepherd": the noun after the resultative
                    noun = next((k for k in kids if k.i > c.i and k.pos_ in ("NOUN", "PROPN")), None)
                    if noun is not None:
                        return noun
                    continue
                return c
        for c in trig.children:
            if c.dep_ == "prep" and c.lower_ == "of":
                for p in c.children:
                    if p.dep_ == "pobj":
                        return p
        if trig.pos_ == "VERB" and trig.dep_ == "amod" and trig.head.i > trig.i:
            return trig.head  # "tightened security", parsed as a noun phrase: the participle's noun is its object
        return None

    def _choose(self, rules, trig, agent, target, obj) -> dict | None:
        ctx = None
        for rule in rules:
            when = rule.get("when") or {}
            ok = True
            for key, want in when.items():
                if key == "pos":
                    ok = trig.pos_ in want
                elif key == "agent_inter":
                    ok = agent is not None and agent.inter in want
                elif key == "target_inter":
                    ok = target is not None and target.inter in want
                elif key == "agent_armed":
                    ok = agent is not None and agent.armed == want
                elif key == "target_armed":  # false: no armed target ("HTS arrested a man", "arrested two")
                    ok = (target is not None and target.armed) == want
                elif key == "head_lemma":  # "a drone targeted X": the verb the trigger is the subject of
                    ok = trig.dep_ in ("nsubj", "nsubjpass") and _lemma(trig.head) in want
                elif key == "object_count_min":  # "arrested dozens of civilians": a mass arrest
                    n = self._count_for_noun(obj) if obj is not None else None
                    ok = n is not None and n >= want
                elif key == "subtree_lemma":  # "advanced in the area towards X": anywhere in the trigger's own phrase
                    ok = any(_lemma(t) in want for t in self._own_subtree(trig))
                elif key == "sentence_lemma":  # "detainees in a prison rioted": the setting the sentence names
                    ok = any(_lemma(t) in want for t in trig.sent)
                elif key == "has_agent":
                    ok = (agent is not None) == want
                elif key == "subject_lemma":  # "a drone attacked ...": the instrument is the subject
                    subj, _ = self.subject_of(trig) if trig.pos_ in ("VERB", "AUX") else (None, False)
                    ok = subj is not None and (_lemma(subj) in want
                                               or any(_lemma(c) in want for c in subj.children if c.dep_ in ("compound", "amod")))
                elif key == "complement_lemma":  # "was found dead", "found killed", "found shot"
                    ok = any(_lemma(c) in want for c in trig.children if c.dep_ in ("oprd", "xcomp", "acomp", "ccomp", "advcl", "conj"))
                elif key == "has_object":
                    ok = (obj is not None or any(c.dep_ in ("ccomp", "xcomp") for c in trig.children)) == want
                elif key == "has_target":
                    ok = (target is not None) == want
                elif key == "object_civilian":
                    ok = (obj is not None and _lemma(obj) in self.civilian_nouns) == want
                elif key == "object_lemma":
                    ok = obj is not None and (_lemma(obj) in want or obj.lower_ in want)
                elif key == "object_person":  # "captured one of the leaders": people, not ground
                    ok = (obj is not None and self._is_person(obj)) == want
                elif key == "modifier_lemma":  # "barrel bomb attacks", "rocket attack"
                    mods = {_lemma(c) for c in trig.children if c.dep_ in ("compound", "amod", "nmod")}
                    ok = bool(mods & set(want))
                elif key == "context_lemma":
                    ctx = ctx if ctx is not None else self._context_lemmas(trig)
                    ok = bool(ctx & set(want))
                if not ok:
                    break
            if ok:
                return rule
        return None

    # ------------------------------------------------------------------ arguments
    def arguments(self, trig: Token, index, salient) -> tuple[Mention | None, list[Mention], Token | None]:
        agent: Mention | None = None
        targets: list[Mention] = []
        obj: Token | None = None
        exclude: set[str] = set()
        infighting = False

        def add_target(tok: Token):
            for c in self._conjuncts(tok):
                m = self._phrase_actor(index, c, salient, {agent.actor.actor_id} if agent and agent.actor else set())
                if m and m not in targets and m is not agent:
                    targets.append(m)

        if trig.pos_ == "VERB" or trig.pos_ == "AUX":
            subj, passive = self.subject_of(trig)
            if subj is None:  # "a regime sniper shot ...", parsed with the subject as a compound of the verb
                subj = next((c for c in trig.children if c.dep_ == "compound" and c.i < trig.i and c.pos_ in ("NOUN", "PROPN")), None)
            obj = self._object(trig)
            if obj is None:  # "shot and wounded a man": coordinated verbs share the object
                obj = next((o for c in trig.children if c.dep_ == "conj" and c.pos_ == "VERB"
                            for o in [self._object(c)] if o is not None), None)
            if passive:
                for c in trig.children:
                    if c.dep_ == "agent":
                        for p in c.children:
                            if p.dep_ == "pobj":
                                agent = self._phrase_actor(index, p, salient, exclude)
                if subj is not None:
                    add_target(subj)
            else:
                if subj is not None:
                    agent = self._phrase_actor(index, subj, salient, exclude)
                if obj is not None:
                    add_target(obj)
            if _lemma(trig) in self.reciprocal:
                # "exchanged shelling with Y": the other side hangs from the object
                if obj is not None:
                    for c in obj.children:
                        if c.dep_ == "prep" and c.lower_ in ("with", "against"):
                            for p in c.children:
                                if p.dep_ == "pobj":
                                    add_target(p)
            for c in trig.children:
                if c.dep_ == "prep" and (c.lower_ in ("against", "with", "on", "at", "targeting")
                                         or (c.lower_ == "from" and _lemma(trig) in self.departures)):
                    for p in c.children:
                        # "fighting with support from the coalition": an ally, not an enemy
                        if p.dep_ == "pobj" and not (c.lower_ == "with" and _lemma(p) in self.support_nouns):
                            add_target(p)
            if _lemma(trig) in self.reciprocal and not targets and subj is not None and not passive:
                # "X and Y clashed", "X and Y exchanged fire" (no "with Z"): the conjoined subjects fought each other
                for c in self._conjuncts(subj)[1:]:
                    add_target(c)
        else:  # nominal trigger: "clashes between X and Y", "drone attack by X on Y", "X's attack"
            for c in trig.children:
                if c.dep_ == "poss":
                    agent = self._phrase_actor(index, c, salient, exclude)
                if c.dep_ == "prep":
                    pobjs = [p for p in c.children if p.dep_ == "pobj"]
                    for p in pobjs:
                        if c.lower_ == "between":
                            a, ts, alone = self._between(index, [p], salient, exclude)
                            if a is not None and agent is None:
                                agent = a
                                targets.extend(ts)
                                infighting = alone  # "clashes between members of X": X fought itself
                        elif c.lower_ == "by":
                            agent = self._phrase_actor(index, p, salient, exclude)
                        elif c.lower_ in ("against", "on", "with", "targeting") or (c.lower_ == "from" and _lemma(trig) in self.departures):
                            add_target(p)
                            if obj is None and c.lower_ in ("against", "on", "targeting"):
                                obj = p  # "an attack on the HTS-held town of X": what was attacked
                        elif c.lower_ in ("at", "near", "outside") and _lemma(p) in self.territory_nouns:
                            add_target(p)  # "a blast near the headquarters of X": X was hit
                        elif c.lower_ == "of" and obj is None:
                            obj = p
                            if _lemma(trig) in self.remains_nouns:
                                add_target(p)  # "the body of a QSD member": the dead is the victim
                if (c.dep_ in ("compound", "amod") and c.i in index and index[c.i].kind == "actor" and agent is None
                        and not _opposed(c, index[c.i])):
                    agent = index[c.i]
            for c in trig.children:  # "a bomb planted by X", "an attack carried out by X"
                if c.dep_ in ("acl", "relcl") and agent is None:
                    for a in c.children:
                        if a.dep_ == "agent":
                            for p in a.children:
                                if p.dep_ == "pobj":
                                    agent = self._phrase_actor(index, p, salient, exclude)
            if trig.dep_ == "pobj" and trig.head.lower_ in ("in", "by", "during"):
                verb = trig.head.head
                if verb.pos_ == "VERB" and _lemma(verb) in self.harm_verbs:
                    victims = [self._phrase_actor(index, c, salient, exclude) for c in verb.children if c.dep_ == "nsubjpass"]
                    victims = [v for v in victims if v is not None]
                    if victims and targets and agent is None and victims[0] not in targets:
                        # "3 X fighters were killed in clashes with Y": the dead's side fought the other
                        agent, targets = targets[0], [victims[0], *targets[1:]]
                    elif not targets:
                        for c in verb.children:
                            if c.dep_ == "nsubjpass":
                                add_target(c)
            if trig.dep_ == "nsubj" and trig.head.pos_ == "VERB" and not targets:
                # "a roadside bomb struck a vehicle of the SDF": the verb's object is the target
                o = self._object(trig.head)
                if o is not None:
                    add_target(o)
            if agent is None and trig.dep_ in ("nsubj", "nsubjpass") and not targets:
                # "clashes took place [in the west of X] between A and B": the clause's "between", however deep
                # the parser hung it (not inside another clause)
                betweens = [c for c in trig.head.children if c.dep_ == "prep" and c.lower_ == "between"]
                if not betweens:
                    betweens = [t for t in trig.head.subtree if t.dep_ == "prep" and t.lower_ == "between"
                                and self._same_clause(t, trig.head)][:1]
                for c in betweens:
                    pobjs = [p for p in c.children if p.dep_ == "pobj"]
                    a, ts, alone = self._between(index, pobjs, salient, exclude)
                    if a is not None:
                        agent, targets, infighting = a, ts, alone
                        break
            if agent is None:
                # the verb that governs the noun: "staged demonstrations", "locked in combat", "lost ... in the clashes"
                # (through prepositions only: "decries the silence of X over the massacre" does not make
                # the speaker the perpetrator)
                gov = trig.head
                while gov.dep_ in ("prep", "pobj", "dobj", "compound", "conj") and gov.head != gov and gov.pos_ not in ("VERB", "AUX"):
                    if gov.pos_ in ("NOUN", "PROPN") and gov != trig:
                        break
                    gov = gov.head
                if gov.pos_ in ("VERB", "AUX") and gov != trig:
                    subj, passive = self.subject_of(gov)
                    if subj is not None and trig in subj.subtree:
                        # the trigger is the subject: its own "of X" names the perpetrator ("a bomber of
                        # X blew himself up"), other phrases the place or target ("a blast near the HQ of X")
                        subj = next((p for c in trig.children if c.dep_ == "prep" and c.lower_ == "of"
                                     for p in c.children if p.dep_ == "pobj"), None)
                    if subj is not None and not passive or (passive and subj is not None and gov.lemma_.lower() in ("lock", "engage", "involve")):
                        agent = self._phrase_actor(index, subj, salient, exclude)
        if agent is not None:
            targets = [t for t in targets if not (t.actor and agent.actor and t.actor.actor_id == agent.actor.actor_id)]
            if infighting and not targets:
                targets = [agent]  # ACLED codes infighting with the group on both sides
        return agent, targets, obj

    def _members_of_one(self, tok: Token) -> bool:
        """"members of X", "fighters of X": plural people of a single group (no second party named)."""
        return (tok.tag_ in ("NNS", "NNPS") and _lemma(tok) in self._MEMBERS
                and not any(c.dep_ == "conj" for c in tok.children)
                and any(c.dep_ == "prep" and c.lower_ in ("of", "from", "in") for c in tok.children))

    # ------------------------------------------------------------------ the rest of an event
    def _place_for(self, trig: Token, sent: Span, index, last_place: PlaceRef | None) -> PlaceRef | None:
        """The event's place: its own clause first, the most specific place there, the nearest.

        The country is a location only when nothing more specific is named: a sentence that names only
        the country outside the event's clause keeps the place the passage named last; one whose event
        clause itself names only the country is located at country level (no admin1, geo_precision 3).
        """
        places = [m for m in {id(m): m for m in (index.get(t.i) for t in sent) if m}.values() if m.kind == "place"]
        if not places:
            return last_place
        clause = {t.i for t in trig.subtree} | {t.i for t in trig.head.subtree}
        # the trigger's own arguments first: "groups positioned in Binnish shelled al-Fouaa" happened in al-Fouaa
        args = {t.i for c in trig.children if c.dep_ in ("dobj", "prep", "npadvmod") for t in c.subtree}
        specific = [m for m in places if m.place.kind != "country"]
        if specific:
            places = specific
        elif last_place is not None and last_place.kind != "country" and not any(m.start in clause for m in places):
            return last_place

        gaz = self.pack.gazetteer

        def score(m: Mention):
            in_clause = m.start in clause
            kind = m.place.kind or ""
            spec = PLACE_SPECIFICITY.get(kind, 0 if kind in ("neighbourhood", "airport", "site") else 2)
            if kind == "governorate" and any(p.kind == "city" for p in gaz.candidates(m.place.surface or "")):
                spec = PLACE_SPECIFICITY["city"]  # a bare "Aleppo": located at the governorate, but as telling as the city
            return (not (m.start in args and trig.pos_ == "VERB"), not in_clause, spec, abs(m.start - trig.i))

        return sorted(places, key=score)[0].place

    def _fatalities(self, sent: Span) -> tuple[int, int | None]:
        # the same figure with the same verb twice is one report told twice (a headline run into its
        # lead: "bomber kills six in ... bombing kills six and wounds 19"); ACLED takes the lower reading
        killed_seen: set[tuple[str, int]] = set()
        injured_seen: set[tuple[str, int]] = set()
        for t in sent:
            lem = _lemma(t)
            if lem in self.fatality_verbs or lem in self.fatality_nouns:
                n = self._count_for(t, require_people=(lem == "lose"))
                if n is None and lem in self.remains_nouns:
                    n = casualties.remains_count(t, self._count_for_noun, self.remains_verbs)
                if n:
                    killed_seen.add((lem, n))
            elif lem in ("claim", "take") and t.pos_ == "VERB":
                # "claimed the lives of 18 civilians"
                lives = [c for c in t.children if c.dep_ == "dobj" and _lemma(c) == "life"]
                of = [p for c in (lives[0].children if lives else []) if c.dep_ == "prep" and c.lower_ == "of"
                      for p in c.children if p.dep_ == "pobj"]
                n = self._count_for_noun(of[0]) if of else None
                if n:
                    killed_seen.add(("life", n))
            elif lem == "toll" and t.dep_ == "nsubj":
                # "the death toll ... reached at least 112"
                nums = [c for c in t.head.children if c.dep_ in ("dobj", "attr", "npadvmod")]
                nums += [p for c in t.head.children if c.dep_ == "prep" and c.lower_ in ("to", "at") for p in c.children if p.dep_ == "pobj"]
                n = next((x for x in (self._count_for_noun(c) for c in nums) if x), None)
                if n:
                    killed_seen.add(("toll", n))
            elif lem in self.injury_verbs:
                n = self._count_for(t)
                if n:
                    injured_seen.add((lem, n))
        killed = sum(n for _, n in killed_seen)
        injured = sum(n for _, n in injured_seen) if injured_seen else None
        return killed, injured

    def _count_for_noun(self, noun: Token) -> int | None:
        """The figure a noun phrase carries: "18 civilians", "Twenty-three civilians", "dozens of people".

        A bare year run into the phrase ("Published September 15 2016 Twenty-three civilians") is not a count.
        """
        n = self._number(noun)
        if n is not None:
            return n
        values = []
        for ch in noun.children:
            if ch.dep_ in ("nummod", "amod", "quantmod"):
                v = self._number(ch)
                if v is None:
                    continue
                # "Twenty-three": the tens come as a compound of the units
                v += sum(self._number(g) or 0 for g in ch.children if g.dep_ == "compound" and (self._number(g) or 0) % 10 == 0)
                values.append((bool(re.fullmatch(r"(19[5-9]\d|20\d\d)", ch.text)), v))
        counts = [v for is_year, v in values if not is_year] or [v for _, v in values]
        return counts[0] if counts else None

    def _number(self, tok: Token) -> int | None:
        low = casualties.range_low(tok, self._number_of)
        return low if low is not None else self._number_of(tok)

    def _number_of(self, tok: Token) -> int | None:
        if tok.like_num:
            txt = tok.text.replace(",", "")
            try:
                return int(float(txt))
            except ValueError:
                from_words = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                              "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
                              "fourteen": 14, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50}
                return from_words.get(tok.lower_)
        return self.vague.get(tok.lower_)

    _ROLES = {"leader", "commander", "official", "principal", "emir", "chief", "head", "spokesman", "pilot",
              "journalist", "hostage", "prisoner", "suspect", "figure", "deputy", "minister"}

    def _is_person(self, tok: Token) -> bool:
        if tok.ent_type_ == "PERSON":
            return True
        lem = _lemma(tok)
        if lem in self._PEOPLE or lem in self._ROLES or lem in self.civilian_nouns:
            return True
        # "one of the principals", "dozens of fighters"
        quantity = tok.like_num or tok.lower_ in self.vague or tok.lower_ in ("one", "some", "several", "many")
        of = [p for c in tok.children if c.dep_ == "prep" and c.lower_ == "of" for p in c.children if p.dep_ == "pobj"]
        return quantity and bool(of) and self._is_person(of[0])

    _PEOPLE = {"fighter", "member", "soldier", "civilian", "man", "men", "people", "person", "troop", "militant",
               "child", "woman", "life", "activist", "resident", "elements", "element", "officer", "guard"}
    _MEMBERS = _PEOPLE | {"faction", "rank", "element"}

    def _count_for(self, verb: Token, require_people: bool = False) -> int | None:
        # headline style, "23 Killed, Over 100 Injured in ...": the figure stands right before the participle
        if verb.i > 0 and verb.tag_ in ("VBN", "VBD") and verb.text[:1].isupper():
            n = self._number(verb.doc[verb.i - 1]) if verb.doc[verb.i - 1].like_num else None
            if n is not None:
                return n
        cands: list[Token] = []
        passive = any(c.dep_ == "nsubjpass" for c in verb.children)
        for c in verb.children:
            if c.dep_ in ("dobj", "nsubjpass") or (c.dep_ == "nsubj" and (passive or _lemma(verb) in ("die", "perish", "lose"))):
                cands.append(c)
        if not cands and verb.dep_ in ("xcomp", "oprd") and verb.head != verb:
            # "two people were reported killed": the count is the reporting verb's subject
            cands = [c for c in verb.head.children if c.dep_ == "nsubjpass"]
        if not cands and _lemma(verb) == "dead" and verb.head != verb:
            # "left 10 people dead" (parsed either way)
            if verb.dep_ == "amod" and verb.head.dep_ == "dobj" and _lemma(verb.head.head) == "leave":
                cands = [verb.head]
            elif verb.dep_ in ("oprd", "acomp", "xcomp", "ccomp") and _lemma(verb.head) in casualties.DEAD_GOVERNORS:
                # "was found dead", "shot dead a civilian"
                cands = [c for c in verb.head.children if c.dep_ in ("dobj", "nsubjpass")]
        if not cands and verb.pos_ == "NOUN":  # "the killing of a person"
            cands = [p for c in verb.children if c.dep_ == "prep" and c.lower_ == "of" for p in c.children if p.dep_ == "pobj"]
        if _lemma(verb) == "lose":  # "five members lost their lives" / "lost 13 of its fighters"
            objs = [c for c in verb.children if c.dep_ == "dobj"]
            if objs and objs[0].lemma_.lower() == "life":
                cands = [c for c in verb.children if c.dep_ == "nsubj"]
            elif objs and not (objs[0].like_num or any(ch.dep_ == "nummod" for ch in objs[0].children)):
                return None
        for c in cands:
            n = self._number(c)
            if n is not None:
                if require_people:
                    of = [p for ch in c.children if ch.lower_ == "of" for p in ch.children]
                    if of and _lemma(of[0]) not in self._PEOPLE:
                        return None
                return n
            n = self._count_for_noun(c)
            if n is not None:
                return n
            # "killing at least one civilian", "killed youth activist X": one named person
            if c.tag_ in ("NN",) and (_lemma(c) in self._PEOPLE or _lemma(c) in self.civilian_nouns or _lemma(c) == "commander"):
                return 1
            if c.tag_ == "NNP" and c.ent_type_ == "PERSON":
                return 1
            if c.dep_ in ("dobj", "nsubjpass") and c.lower_ in casualties.ONE_PERSON_PRONOUNS:
                return 1  # "..., killing him"
            if c.dep_ == "dobj" and c.lower_ in self.vague:
                return self.vague[c.lower_]
        return None

    _hedges_of: tuple = (None, {})

    def hedge(self, sent: Span, prev_hedged: bool) -> tuple[bool, str | None, str | None]:
        """(hedged, claimant, cue) of a sentence. Kept for the last document: relation extraction asks
        again about the same sentences right after event extraction."""
        if self._hedges_of[0] is not sent.doc:
            self._hedges_of = (sent.doc, {})
        memo = self._hedges_of[1]
        key = (sent.start, sent.end, prev_hedged)
        if key not in memo:
            memo[key] = self._hedge(sent, prev_hedged)
        return memo[key]

    def _hedge(self, sent: Span, prev_hedged: bool) -> tuple[bool, str | None, str | None]:
        text = sent.text.lower()
        cue = None
        for t in sent:
            if t.lower_ in self.hedge_words or _lemma(t) in self.hedge_words:
                cue = t.text
                break
        if cue is None:
            for p in self.hedge_phrases:
                if p in text and p != "according to":
                    cue = p
                    break
        # "According to them, ..." continues the claim of the sentence before
        if cue is None and prev_hedged and re.match(r"\s*according to (them|these|those|the same)", text):
            cue = "according to them"
        claimant = self._claimant(sent)
        return cue is not None, claimant, cue

    def _claimant(self, sent: Span) -> str | None:
        for t in sent:
            if t.lower_ == "according" and t.i + 1 < len(t.doc) and t.doc[t.i + 1].lower_ == "to":
                to = t.doc[t.i + 1]
                pobj = [c for c in to.children if c.dep_ == "pobj"]
                if pobj:
                    return t.doc[min(x.i for x in pobj[0].subtree): max(x.i for x in pobj[0].subtree) + 1].text
        for t in sent:
            if _lemma(t) in self.attribution and t.pos_ == "VERB":
                for c in t.children:
                    if c.dep_ in ("nsubj",) and c.pos_ != "PRON":
                        sub = list(c.subtree)
                        return t.doc[sub[0].i: sub[-1].i + 1].text
        return None

    # ------------------------------------------------------------------ main
    def __call__(self, doc: Doc, document: Document, published: date | None) -> tuple[list[EventRecord], list[Mention]]:
        mentions = self.mentions(doc, published)
        index: dict[int, Mention] = {}
        for m in mentions:
            for i in range(m.start, m.end):
                index[i] = m
        events: list[EventRecord] = []
        last_place: PlaceRef | None = None
        last_date: dates_mod.DatePick | None = None
        # a publication date inferred only as a lower bound: dates counted from it are month-precision at best
        day_unknown = (document.published_source == "inferred"
                       and (document.published_confidence or 0) <= dates_mod.BOUND_ONLY_CONFIDENCE)
        para_start = 0
        para_first_token = 0
        prev_hedged = False
        lemma_of: dict[int, str] = {}
        trig_at: dict[int, int] = {}
        text = self._doc_text(doc)
        sent_triggers = {sent.start: self.triggers(sent) for sent in doc.sents if sent.text.strip()}
        # the actors a sentence may refer back to: every one up to its end, backers ("X-backed") left out
        actor_mentions = [m for m in mentions if m.kind == "actor" and not self._is_backer(m, doc)]
        for sent in doc.sents:
            stext = sent.text  # a Span builds its text from its tokens on every call
            if not stext.strip():
                continue
            # paragraphs: a blank line between sentences resets what the passage carries over
            content_start = sent.start_char + len(stext) - len(stext.lstrip())
            if _PARA_BREAK.search(text, para_start, content_start) if para_start < content_start else False:
                last_date = None
                para_first_token = sent.start
            para_start = sent.start_char + len(stext.rstrip())
            salient = [m for m in actor_mentions if m.start < sent.end]
            sent_date = dates_mod.resolve_date(stext, published) if published else None
            hedged, claimant, cue = self.hedge(sent, prev_hedged)
            prev_hedged = hedged
            sent_places = [m for m in mentions if m.kind == "place" and sent.start <= m.start < sent.end]
            n_before = len(events)
            orphans: list[str] = []
            if _is_background(stext, published):
                continue
            day_named = bool(sent_date and sent_date.precision == 1 and not sent_date.source.lower().startswith("since")
                             and not re.search(rf"\bsince\s+(?:the\s+)?{re.escape(sent_date.source)}", stext, re.I)
                             # "since the offensive began on May 31": the day a campaign started, not an event's
                             and not re.search(rf"\bsince\b[^.;]{{0,80}}?\b(?:began|begun|launched|started|erupted)"
                                               rf"\s+(?:on\s+)?{re.escape(sent_date.source)}", stext, re.I))
            stext_lower = stext.lower()
            if not day_named and self.background_phrases and any(ph in stext_lower for ph in self.background_phrases):
                continue  # the war's origins told again ("protests inspired by the Arab Spring")
            if not day_named and _ONGOING_RE.search(stext):
                continue  # a campaign or a tally ("since January", "last year"), unless the sentence names the day
            for trig, key, rules in sent_triggers.get(sent.start, []):
                if self.is_irrealis(trig) or self._is_aggregate(trig) or self._is_state(trig):
                    continue
                if not day_named and self._is_tally(trig):
                    continue
                agent, targets, obj = self.arguments(trig, index, salient)
                if agent is None and _lemma(trig) in self.carried_agents and any(c.dep_ == "auxpass" for c in trig.children):
                    # "X raided the town. Ten men were arrested": the passive's agent is the force just named
                    agent = next((m for m in reversed(salient) if m.start < trig.i and m.armed and not m.generic
                                  and m.start >= para_first_token), None)
                rule = self._choose(rules, trig, agent, targets[0] if targets else None, obj)
                sub = rule["sub"] if rule else None
                decision: dict | None = None
                if sub is None and self.classifier is not None and (agent or targets):
                    target = targets[0] if targets else None
                    # only rules whose wording conditions are not what failed: the classifier weighs roles, not words
                    subs = [x for x in dict.fromkeys(r["sub"] for r in rules if not set(r.get("when") or {}) & _WORDING_CONDITIONS)
                            if _roles_fit(x, agent, target)]
                    if len(subs) > 1:
                        best, p = self.classifier.rank(stext, subs)[0]
                        sub = best if p >= self.CHOOSE_CONFIDENCE else None
                        decision = {"by": "classifier", "trigger": key, "candidates": subs, "p": round(float(p), 3),
                                    "sub_event_type": sub}
                if sub is None:
                    continue
                if decision is None:  # the lexicon rule that decided
                    decision = frames.rule_of(rules, rule, key)
                et = SUB_EVENT_TYPES[sub]
                agent, targets = self._default_actors(et, sub, agent, targets, sent, index, salient)
                if agent is None and et == "Explosions/Remote violence" and (targets or self._fatalities(sent)[0]):
                    agent = self._default_agent(sub, sent)
                if agent is None and rule and rule.get("unnamed_agent"):
                    # a wording that reports the deed, not the doer ("a body was found", "an IED exploded"):
                    # ACLED's unidentified actor of that kind is actor1
                    agent = self._default_agent(sub, sent, unnamed=True)
                if agent is None and not targets:
                    if et == "Explosions/Remote violence":
                        orphans.append(sub)  # may still type the killing it caused (see _fold_consequences)
                    continue
                if agent is None and et != "Explosions/Remote violence" and sub not in ("Arrests",):
                    # only remote violence is reported without its perpetrator often enough to keep
                    if not targets or et not in ("Violence against civilians",):
                        continue
                if et == "Battles" and agent is not None and not targets:
                    other = self._other_armed(sent, agent, mentions)
                    if other is not None:
                        targets = [other]
                    elif not (self._names_ground(obj, index) or any(
                            self._names_ground(p, index) for t in self._own_subtree(trig) if t.dep_ == "prep"
                            and t.lower_ in ("towards", "toward", "into") for p in t.children if p.dep_ == "pobj")):
                        continue  # a battle needs a second side, or ground taken ("recaptured Kafr Nabl", "advanced into X")
                if et == "Battles" and agent is None:
                    continue
                place = self._place_for(trig, sent, index, last_place)
                if place is None:
                    continue
                pick = sent_date or last_date
                if pick:
                    ev_date, precision = pick.date, pick.precision
                    if pick.relative and day_unknown:
                        precision = 3
                    date_from = f"{'this' if pick is sent_date else 'an earlier'} sentence: {pick.source!r}"
                elif published:
                    ev_date, precision = published, 3 if day_unknown else 2
                    date_from = "the publication date"
                else:
                    ev_date, precision = None, 3
                    date_from = "nothing"
                killed, injured = self._fatalities(sent) if coding.takes_fatalities(et, sub) else (0, None)
                per_target = targets if sub in ("Arrests", "Attack", "Abduction/forced disappearance") and targets else [targets[0] if targets else None]
                for tgt in per_target:
                    assoc2 = [t.actor for t in targets if t is not tgt and t.actor] if sub not in ("Arrests",) else []
                    a1, assoc1 = self.coded(agent.actor if agent else None)
                    a2, coded2 = self.coded(tgt.actor if tgt else None)
                    ev = EventRecord(
                        doc_id=document.id, event_type=et, sub_event_type=sub,
                        actor1=a1, assoc_actor_1=assoc1,
                        actor2=a2,
                        assoc_actor_2=coded2 + assoc2,
                        location=place, event_date=ev_date, time_precision=precision,
                        fatalities=killed, injured=injured,
                        evidence=stext.strip(), evidence_start=sent.start_char + (len(stext) - len(stext.lstrip())),
                        evidence_end=sent.end_char - (len(stext) - len(stext.rstrip())),
                        hedged=hedged, claimant=claimant if hedged else None, hedge_cue=cue, trigger=trig.text,
                        confidence=0.6 if agent and tgt else 0.45,
                        coding=frames.frame(
                            trig=trig, action=key, agent=agent, targets=[tgt] if tgt else [], place=place,
                            event_date=ev_date, time_precision=precision, date_from=date_from,
                            killed=killed, injured=injured, hedged=hedged,
                            claimant=claimant if hedged else None, hedge_cue=cue, event_type=et, decision=decision),
                    )
                    events.append(ev)
                    lemma_of[id(ev)] = _lemma(trig)
                    trig_at[id(ev)] = trig.i
            if sent_places:
                specific = sorted(sent_places, key=lambda m: PLACE_SPECIFICITY.get(m.place.kind or "", 2))
                last_place = specific[0].place
            self._fold_consequences(events, n_before, lemma_of, orphans)
            coding.fold_clashes_into_territory(events, n_before)
            coding.fold_shelling_into_clashes(events, n_before, self._unnamed_ids)
            self._count_once(events[n_before:], trig_at, sent)
            # a date carries over to the next sentences only when it dated an event here
            if sent_date and n_before != len(events):
                last_date = sent_date
        return merge_within_document(events), mentions

    def _default_agent(self, sub: str, sent: Span, unnamed: bool = False) -> Mention | None:
        """ACLED's 'unidentified' actor when a strike or blast is reported without its perpetrator
        (`unnamed`: for any type, when the lexicon's rule says its wording names no perpetrator)."""
        actor = self.default_actors.get(sub) or self.default_actors.get(SUB_EVENT_TYPES[sub])
        if actor is None and unnamed:
            actor = self.default_actors.get("unnamed")
        if actor is None:
            return None
        return Mention(sent.start, sent.start, actor.name, "actor", self.actor_ref(actor, actor.name), inter=actor.inter, generic=True)

    def _fold_consequences(self, events: list[EventRecord], start: int, lemma_of: dict[int, str], orphans: list[str]) -> None:
        """Within one sentence, a killing that follows a battle or strike is its outcome, not a new event.

        `orphans` are remote-violence sub-types whose trigger had no actor of its own ("airstrikes hit a
        market, killing 10"): the killing's actors then belong to that strike.
        """
        sentence_events = events[start:]
        if orphans:
            for e in sentence_events:
                if e.event_type in ("Violence against civilians", "Battles") and lemma_of.get(id(e)) in self.fatality_verbs:
                    e.event_type, e.sub_event_type = "Explosions/Remote violence", orphans[0]
                    lemma_of[id(e)] = "strike"
                    break
        main = [e for e in sentence_events if e.event_type in ("Battles", "Explosions/Remote violence")
                and lemma_of.get(id(e)) not in self.harm_verbs]
        if not main:
            return
        strikes = [e for e in main if e.event_type == "Explosions/Remote violence"]
        for e in sentence_events:
            # "a missile attack killed eleven fighters": the killing of armed men is the strike's outcome,
            # not a battle of its own
            harm = self.harm_verbs
            outcome_of_strike = (strikes and e.event_type == "Battles" and lemma_of.get(id(e)) in harm)
            # "X attacked a post of Y, killing a fighter": the killing is the attack's outcome, not a second battle
            same_side = [m for m in main if m.event_type == "Battles" and m is not e and e.event_type == "Battles"
                         and lemma_of.get(id(e)) in harm and _actor_key(m.actor1) == _actor_key(e.actor1)]
            if outcome_of_strike or same_side or (e.event_type == "Violence against civilians" and lemma_of.get(id(e)) in harm):
                # the dead of "air strikes killed 85 civilians as fighting raged" are the strikes'
                target = strikes[0] if strikes else (same_side[0] if same_side else main[0])
                if target.actor2 is None and e.actor2 is not None:
                    target.actor2 = e.actor2
                if target.actor1 is None and e.actor1 is not None:
                    target.actor1 = e.actor1
                target.fatalities = max(target.fatalities, e.fatalities)
                events.remove(e)

    def _count_once(self, sentence_events: list[EventRecord], trig_at: dict[int, int], sent: Span) -> None:
        """A sentence's dead are counted once (ACLED): "air strikes and artillery fire killed 19", "25 were
        killed in regime air strikes after rebels launched an offensive". The figure stays on the event
        whose trigger stands nearest the word that reports the deaths; the others get none."""
        fatal = [t.i for t in sent if _lemma(t) in self.fatality_verbs or _lemma(t) in self.fatality_nouns
                 or _lemma(t) in self.injury_verbs]
        for field in ("fatalities", "injured"):
            by_value: dict[int, list[EventRecord]] = {}
            for e in sentence_events:
                v = getattr(e, field)
                if v:
                    by_value.setdefault(v, []).append(e)
            for group in by_value.values():
                if len(group) < 2:
                    continue
                keep = min(group, key=lambda e: min(((_tree_distance(sent.doc[trig_at.get(id(e), sent.start)], sent.doc[i]),
                                                       abs(trig_at.get(id(e), 0) - i)) for i in fatal), default=(0, 0)))
                for e in group:
                    if e is not keep:
                        setattr(e, field, 0 if field == "fatalities" else None)

    def _names_ground(self, obj: Token | None, index) -> bool:
        """A town, a position, a named place, or control of one ("regained control of X")."""
        if obj is None:
            return False
        if _lemma(obj) in self.territory_nouns or (obj.i in index and index[obj.i].kind == "place"):
            return True
        return any(self._names_ground(p, index) for c in obj.children if c.dep_ == "prep" and c.lower_ in ("of", "over")
                   for p in c.children if p.dep_ == "pobj")

    def _other_armed(self, sent: Span, agent: Mention, mentions: list[Mention]) -> Mention | None:
        """The other armed side named in the sentence: 'X lost 13 fighters in the clashes and five members of Y died'."""
        aid = agent.actor.actor_id if agent.actor else None
        for m in mentions:
            # a generic side ("rebels") counts when it is a party, not a qualifier ("pro-militant sources")
            if (sent.start <= m.start < sent.end and m.kind == "actor" and m.armed
                    and (not m.generic or sent.doc[m.end - 1].dep_ not in ("compound", "amod", "poss", "nmod"))):
                if m.actor and m.actor.actor_id != aid:
                    return m
        return None

    def _default_actors(self, et, sub, agent, targets, sent, index, salient):
        """ACLED's generic actors where the text names a crowd, not a group.

        Returns (None, []) when the roles cannot be right: a protest "by" an army is a diplomatic
        protest, not a demonstration; civilians do not carry out air strikes (they are the victims).
        """
        if sub in ("Protest with intervention", "Excessive force against protesters") and agent is not None and agent.armed:
            targets, agent = [agent], None  # ACLED: the protesters are actor1, those who intervened actor2
        elif et in ("Protests", "Riots") and agent is not None and agent.armed and not agent.generic:
            return None, []
        if (et in VIOLENT_TYPES or (et == "Strategic developments" and sub != "Agreement")) \
                and agent is not None and agent.actor and agent.actor.actor_id in self.pack.actors:
            forces = self.pack.actors[agent.actor.actor_id].forces
            if forces:  # "the Assad regime bombed ...": the government's forces did
                agent = replace_actor(agent, self.actor_ref(self.pack.actors[forces], agent.text), self.pack.actors[forces].inter)
        if et in VIOLENT_TYPES and agent is not None and not agent.armed:
            targets = [agent, *targets]
            agent = None
            if et == "Battles":
                return None, []
        if et in ("Protests", "Riots"):
            wanted = PROTESTER_INTER if et == "Protests" else RIOTER_INTER
            generic = self._generic_by_inter.get(wanted)
            if generic and (agent is None or agent.inter in (CIVILIAN_INTER, PROTESTER_INTER, RIOTER_INTER) or agent.generic):
                surface = agent.text if agent else generic.name
                agent = Mention(agent.start if agent else sent.start, agent.end if agent else sent.start, surface, "actor",
                                self.actor_ref(generic, surface), inter=wanted, generic=True)
        if et == "Violence against civilians" and not targets:
            generic = self._generic_by_inter.get(CIVILIAN_INTER)
            if generic:
                targets = [Mention(sent.start, sent.start, generic.name, "actor", self.actor_ref(generic, generic.name), inter=CIVILIAN_INTER, generic=True)]
        return agent, targets


def _group_name_regex(spec: dict) -> re.Pattern | None:
    """'Liwa Fursan al-Tilal', 'the Sultan Murad Division': how a theatre names its armed groups (pack data)."""
    prefixes = [re.escape(p) for p in spec.get("prefixes", [])]
    suffixes = [re.escape(p) for p in spec.get("suffixes", [])]
    articles = "|".join(re.escape(a) for a in spec.get("articles", []))
    word = rf"(?:(?:{articles})-)?[A-Z][\w'’]+" if articles else r"[A-Z][\w'’]+"
    alts = []
    if prefixes:
        alts.append(rf"\b(?:{'|'.join(prefixes)})\s+{word}(?:\s+{word}){{0,3}}")
    if suffixes:
        alts.append(rf"\b{word}(?:\s+{word}){{0,3}}\s+(?:{'|'.join(suffixes)})\b")
    return re.compile("|".join(alts)) if alts else None


def _opposed(tok: Token, m: "Mention") -> bool:
    """"an anti-IS raid", "anti-regime protests": the modifier names the side opposed."""
    doc = tok.doc
    before = doc[max(0, m.start - 2): m.start].text.lower().replace(" ", "")
    return before.endswith("anti-") or before.endswith("anti") or before.endswith("counter-")


_TERRITORY_SUFFIXES = {"held", "controlled", "run", "occupied", "dominated", "besieged"}


def _describes_territory(ent: Span) -> bool:
    doc = ent.doc
    i = ent.end
    if i + 1 < len(doc) and doc[i].text == "-" and doc[i + 1].lower_ in _TERRITORY_SUFFIXES:
        return True
    return False


_YEAR_RE = re.compile(r"\b(19[5-9]\d|20\d\d)\b")


def _is_background(sentence: str, published: date | None) -> bool:
    """A sentence anchored in an earlier year ("erupted in March 2011") tells history, not news."""
    if published is None:
        return False
    years = [int(y) for y in _YEAR_RE.findall(sentence)]
    return bool(years) and max(years) < published.year


# "last year", "since last September", "since January", "since 2015": a campaign or a tally over time,
# not one event on one day
_MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"
_WEEKDAYS = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_ONGOING_RE = re.compile(rf"\blast year\b|\bsince (?:(?:last|early|late|mid)[- ])?(?:year|month|week|{_MONTHS}|{_WEEKDAYS}|\d{{4}}|the (?:start|beginning|outbreak))\b"
                         r"|\b(?:over|in|during|within) (?:the )?(?:past |last |previous )?(?:less than |more than |about )?(?:a |\w+ )?(?:weeks|months|years)\b"
                         r"|\bsince\b[^.;]{0,60}?\b(?:began|begun|launched|started|erupted|broke out|intervened|entered)\b"
                         r"|\b(?:two|three|four|five|six|seven|several|\d+) (?:days|weeks|months) of\b", re.I)


_HYPHEN_BEFORE_RE = re.compile(r"[\w'’]\s*[-–]\s*$")
_WORDING_CONDITIONS = {"pos", "object_lemma", "object_civilian", "object_person", "modifier_lemma", "context_lemma", "has_object",
                       "subject_lemma", "complement_lemma", "head_lemma", "object_count_min", "subtree_lemma",
                       "sentence_lemma"}


def _roles_fit(sub: str, agent: "Mention | None", target: "Mention | None") -> bool:
    """Hard constraints of ACLED's definitions that no classifier may overrule."""
    et = SUB_EVENT_TYPES[sub]
    if et == "Battles":
        return bool(agent and agent.armed and target and target.armed)
    if et == "Violence against civilians":
        return bool(agent and agent.armed and (target is None or target.inter == CIVILIAN_INTER))
    if et in ("Protests", "Riots"):
        return agent is None or not agent.armed
    return True


def _actor_key(ref: ActorRef | None) -> str:
    return (ref.actor_id or ref.surface) if ref else ""


def _tree_distance(a: Token, b: Token) -> int:
    """Edges between two tokens of one parse (through their lowest common ancestor)."""
    path_a = [a, *a.ancestors]
    depth = {t.i: d for d, t in enumerate(path_a)}
    for d_b, t in enumerate([b, *b.ancestors]):
        if t.i in depth:
            return depth[t.i] + d_b
    return len(path_a) + 50  # different sentences: as far as can be


def _fold_escalations(events: list[EventRecord]) -> list[EventRecord]:
    """A demonstration that turned violent is one riot (ACLED), not a protest and a riot.

    Only when the text puts both on the same day at the same place; a protest "last week" and a riot
    "on Friday" stay two events.
    """
    riots = [e for e in events if e.event_type == "Riots" and e.time_precision == 1]
    out = []
    for e in events:
        if e.event_type == "Protests" and e.time_precision == 1:
            twin = next((r for r in riots if r.event_date == e.event_date and r.location and e.location
                         and r.location.place_id == e.location.place_id), None)
            if twin is not None:
                if twin.actor2 is None and e.actor2 is not None:
                    twin.actor2 = e.actor2
                continue
        out.append(e)
    return out


def merge_within_document(events: list[EventRecord]) -> list[EventRecord]:
    """One event per (type, place, day, actor pair): sentences that retell an event add detail, not rows."""
    events = _fold_escalations(events)
    out: list[EventRecord] = []
    for ev in events:
        pair = frozenset(filter(None, (_actor_key(ev.actor1), _actor_key(ev.actor2))))
        place = ev.location.place_id or ev.location.surface if ev.location else ""
        twin = None
        for o in out:
            opair = frozenset(filter(None, (_actor_key(o.actor1), _actor_key(o.actor2))))
            oplace = o.location.place_id or o.location.surface if o.location else ""
            if o.event_type != ev.event_type or oplace != place:
                continue
            if ev.event_type == "Strategic developments" and o.sub_event_type != ev.sub_event_type:
                continue  # an arrest and a new checkpoint are two developments, not one retold
            if not (pair == opair or (pair and opair and (pair <= opair or opair <= pair) and len(pair | opair) <= 2)):
                continue
            if o.event_date and ev.event_date:
                gap = abs((o.event_date - ev.event_date).days)
                if gap and not (gap <= 7 and max(o.time_precision, ev.time_precision) >= 2):
                    continue
            twin = o
            break
        if twin is None:
            out.append(ev)
            continue
        # keep the most informative retelling: a day-precise date, a second actor, a figure
        if ev.time_precision < twin.time_precision and ev.event_date:
            twin.event_date, twin.time_precision = ev.event_date, ev.time_precision
        if twin.actor2 is None and ev.actor2 is not None and _actor_key(ev.actor2) != _actor_key(twin.actor1):
            twin.actor2 = ev.actor2
        if twin.actor1 is None and ev.actor1 is not None:
            twin.actor1 = ev.actor1
        if ev.fatalities > twin.fatalities:
            twin.fatalities = ev.fatalities
            twin.evidence, twin.evidence_start, twin.evidence_end = ev.evidence, ev.evidence_start, ev.evidence_end
        if ev.injured and (twin.injured or 0) < ev.injured:
            twin.injured = ev.injured
        twin.hedged = twin.hedged and ev.hedged
        if not twin.hedged:
            twin.claimant = twin.hedge_cue = None
    return out
