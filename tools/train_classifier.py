"""Cross-validate the sub-event classifier on its own hand-written examples (no benchmark data).

    .venv/bin/python tools/train_classifier.py [--folds 5] [--backend auto|minilm|tfidf]

Prints accuracy and macro F1 over ACLED labels for a grid of (lexical weight, L2); the constants
LEXICAL_WEIGHT and L2 in src/frontlines/classify.py were chosen with it. The classifier itself trains
at first use (seconds) from src/frontlines/data/subevent_examples.jsonl, so nothing is shipped from here.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from frontlines.classify import (  # noqa: E402
    _INDEX, ACLED_SUB_EVENT_TYPES, LABELS, HashedTfidfEmbedder, LexicalScorer, _embed_examples, load_examples,
    make_embedder, softmax, train_logreg,
)
from frontlines.pack import load_pack  # noqa: E402


def macro_f1(y: np.ndarray, p: np.ndarray, labels: list[int]) -> float:
    f1s = []
    for c in labels:
        tp = int(((p == c) & (y == c)).sum())
        fp = int(((p == c) & (y != c)).sum())
        fn = int(((p != c) & (y == c)).sum())
        if tp + fn == 0:
            continue
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return float(np.mean(f1s))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--backend", default="auto")
    ap.add_argument("--pack", default="syria")
    ap.add_argument("--errors", action="store_true", help="list the misclassified examples at the default setting")
    args = ap.parse_args(argv)

    exs = [e for e in load_examples()]
    texts = [e.text for e in exs]
    y = np.array([_INDEX[e.label] for e in exs])
    is_def = np.array([e.source == "codebook" for e in exs])
    emb = make_embedder(args.backend)
    if isinstance(emb, HashedTfidfEmbedder):
        emb.fit(texts)
        x = emb.embed(texts)
    else:
        x = _embed_examples(emb, texts, "")
    lex = LexicalScorer(load_pack(args.pack)).scores(texts)
    # deterministic stratified folds: the i-th example of each class goes to fold i % k
    fold = np.zeros(len(exs), dtype=int)
    seen: dict[int, int] = {}
    for i, c in enumerate(y):
        fold[i] = seen.get(c, 0) % args.folds
        seen[c] = seen.get(c, 0) + 1
    acled = [_INDEX[s] for s in ACLED_SUB_EVENT_TYPES]
    print(f"{len(exs)} examples, {len(set(y.tolist()))} labels, backend {emb.name}")
    best = None
    for l2 in (1e-4, 1e-3, 1e-2):
        logits = np.zeros((len(exs), len(LABELS)))
        for k in range(args.folds):
            tr = fold != k
            w, b = train_logreg(x[tr], y[tr], len(LABELS), l2=l2)
            logits[~tr] = x[~tr] @ w + b
        for lw in (0.0, 0.5, 1.0, 1.5, 2.0, 3.0):
            pred = softmax(logits + lw * lex).argmax(1)
            mask = ~is_def  # score the hand-written sentences (definitions are not news)
            acc = float((pred[mask] == y[mask]).mean())
            f1 = macro_f1(y[mask], pred[mask], acled)
            print(f"l2={l2:g} lexical={lw:<4} accuracy={acc:.3f} macro-F1(ACLED)={f1:.3f}")
            if best is None or f1 > best[0]:
                best = (f1, l2, lw, pred)
    lex_only = lex.argmax(1)
    print(f"lexical only: accuracy={(lex_only == y).mean():.3f}")
    print(f"best: l2={best[1]:g} lexical={best[2]} macro-F1={best[0]:.3f}")
    if args.errors:
        for i in np.nonzero(best[3] != y)[0]:
            print(f"  {LABELS[y[i]]:<36} -> {LABELS[best[3][i]]:<36} {texts[i]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
