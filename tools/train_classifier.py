"""Tune and check the sub-event classifier on our own data (no benchmark data).

    .venv/bin/python tools/train_classifier.py [--folds 5] [--backend auto|mpnet|tfidf] [--errors]
    .venv/bin/python tools/train_classifier.py --dev [--grid] [--errors]

Without `--dev`: stratified cross-validation on the hand-written training examples
(src/frontlines/data/subevent_examples.jsonl), accuracy and macro F1 over the ACLED labels for a grid
of (lexical weight, L2).

With `--dev`: train on all the training examples and score the hand-labelled FA-KES development set
(src/frontlines/data/subevent_dev.jsonl): per-class F1 and the support-weighted F1 over the 25 ACLED
types, computed exactly as the CASE 2021 bench does (`bench_case.score`: an ACLED prediction on a
NONE/DIPLO/... sentence is a false positive, a non-ACLED prediction on an ACLED sentence a miss).
`--grid` also sweeps the lexical weight, L2, the kNN weight and the truncation window.

The constants LEXICAL_WEIGHT, L2, KNN_WEIGHT, KNN_K and WINDOW in src/frontlines/classify.py were
chosen with it. The classifier itself trains at first use (seconds), so nothing is shipped from here.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from frontlines import classify as C  # noqa: E402
from frontlines.bench_case import score  # noqa: E402
from frontlines.classify import (  # noqa: E402
    _INDEX, ACLED_SUB_EVENT_TYPES, LABELS, LexicalScorer, _embed_examples, load_examples, softmax, train_logreg,
)
from frontlines.encoder import HashedTfidfEmbedder, make_embedder  # noqa: E402
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


def _embed(emb, texts: list[str], window: int | None) -> np.ndarray:
    if window is None:
        window = C.WINDOW
    texts = [C.window_text(t, emb_tok(emb), window) for t in texts]
    if isinstance(emb, HashedTfidfEmbedder):
        return emb.embed(texts)
    return _embed_examples(emb, texts, f"win{window}")


def emb_tok(emb):
    return getattr(emb, "tok", None)


def cross_validate(args, exs, emb) -> None:
    texts = [e.text for e in exs]
    y = np.array([_INDEX[e.label] for e in exs])
    is_def = np.array([e.source == "codebook" for e in exs])
    if isinstance(emb, HashedTfidfEmbedder):
        emb.fit(texts)
    x = _embed(emb, texts, None)
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


def dev_eval(args, exs, emb) -> None:
    dev = load_examples(C.DEV_PATH)
    tr_texts = [e.text for e in exs]
    y = np.array([_INDEX[e.label] for e in exs])
    dev_texts = [e.text for e in dev]
    gold = [e.label for e in dev]
    if isinstance(emb, HashedTfidfEmbedder):
        emb.fit(tr_texts)
    lexs = LexicalScorer(load_pack(args.pack))
    lex = lexs.scores(dev_texts)
    print(f"{len(exs)} training examples, {len(dev)} dev sentences "
          f"({sum(g in ACLED_SUB_EVENT_TYPES for g in gold)} with an ACLED label), backend {emb.name}")

    def run(l2, lw, kw, k, window):
        x = _embed(emb, tr_texts, window)
        xd = _embed(emb, dev_texts, window)
        w, b = C._trained(x, y, l2)
        z = xd @ w + b + lw * lex
        if kw:
            z = z + kw * C.knn_scores(xd, x, y, k)
        return [LABELS[i] for i in z.argmax(1)]

    settings = [(C.L2, C.LEXICAL_WEIGHT, C.KNN_WEIGHT, C.KNN_K, C.WINDOW)]
    if args.grid:
        for window in (0, 64):
            for l2 in (1e-4, 1e-3, 1e-2):
                for lw in (0.5, 1.0, 1.5):
                    for kw in (0.0, 5.0, 10.0):
                        settings.append((l2, lw, kw, C.KNN_K, window))
    results = []
    for s in settings:
        pred = run(*s)
        res = score(gold, pred)
        results.append((res["weighted_f1"], s, pred, res))
        print(f"l2={s[0]:g} lexical={s[1]} knn={s[2]}x{s[3]} window={s[4]}: weighted F1 (ACLED 25) = "
              f"{res['weighted_f1']:.3f}  macro {res['macro_f1']:.3f}  accuracy {res['accuracy']:.3f}")
    f1, s, pred, res = results[0]
    print("\nper class at the shipped setting:")
    for lab, c in res["per_class"].items():
        if c["support"] or c["predicted"]:
            print(f"  {lab:<38} F1 {c['f1']:.2f}  support {c['support']:>3}  predicted {c['predicted']:>3}")
    non = [(g, p) for g, p in zip(gold, pred) if g not in ACLED_SUB_EVENT_TYPES]
    print(f"non-ACLED dev sentences labelled non-ACLED: {sum(p not in ACLED_SUB_EVENT_TYPES for _, p in non)}/{len(non)}")
    print(f"\nweighted F1 (ACLED 25) on the dev set = {f1:.3f}")
    if args.grid:
        best = max(results, key=lambda r: r[0])
        print(f"best in grid: {best[1]} -> {best[0]:.3f}")
    if args.errors:
        for g, p, t in zip(gold, pred, dev_texts):
            if g != p:
                print(f"  {g:<36} -> {p:<36} {t[:160]}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--backend", default="auto")
    ap.add_argument("--pack", default="syria")
    ap.add_argument("--dev", action="store_true", help="score the FA-KES development set instead of cross-validating")
    ap.add_argument("--grid", action="store_true", help="with --dev: sweep the settings")
    ap.add_argument("--errors", action="store_true", help="list the misclassified sentences")
    args = ap.parse_args(argv)
    exs = load_examples()
    emb = make_embedder(args.backend)
    if args.dev:
        dev_eval(args, exs, emb)
    else:
        cross_validate(args, exs, emb)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
