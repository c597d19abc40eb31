"""Throughput: the full Frontlines pipeline vs bare spaCy `nlp.pipe`, same documents, one process.

    .venv/bin/python benchmarks/throughput.py [CORPUS ...] [--limit N] [--no-store]

Default corpus: FA-KES (../shared/corpora/fakes/fakes.jsonl, 804 articles). The full pipeline is
ingest -> clean -> annotate (spaCy + the pack's EntityRuler) -> extract/resolve -> store (a fresh
SQLite file). Bare spaCy runs the same model, without the pack's ruler, over the same raw texts.
Prints docs/s, ms/doc, peak RSS, and the ratio pipeline/bare-spaCy (docs/s over docs/s).
"""
from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpora" / "fakes" / "fakes.jsonl"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", nargs="*", default=[str(DEFAULT_CORPUS)])
    ap.add_argument("--limit", type=int, default=None, help="only the first N documents")
    ap.add_argument("--no-store", action="store_true", help="leave the store out of the pipeline timing")
    ap.add_argument("--pack", default="syria")
    args = ap.parse_args(argv)

    from frontlines.ingest import iter_documents
    from frontlines.models import Document
    from frontlines.pipeline import Pipeline
    from frontlines.annotate import load_spacy
    from frontlines.store import Store

    docs = [d for d in iter_documents(args.corpus) if isinstance(d, Document)]
    if args.limit:
        docs = docs[: args.limit]
    if not docs:
        print("no documents", file=sys.stderr)
        return 1
    chars = sum(len(d.text) for d in docs)
    print(f"{len(docs)} documents, {chars / 1e6:.2f} M characters, from {', '.join(args.corpus)}")

    # Bare spaCy first, so model loading isn't counted in either timing.
    bare = load_spacy()
    texts = [d.text for d in docs]
    t0 = time.perf_counter()
    for _ in bare.pipe(texts, batch_size=16):
        pass
    bare_s = time.perf_counter() - t0
    bare_rss = peak_rss_mb()

    pipeline = Pipeline(args.pack)
    with tempfile.TemporaryDirectory() as tmp:
        store = None if args.no_store else Store(str(Path(tmp) / "bench.db"))
        t0 = time.perf_counter()
        n_events = 0
        for result in pipeline.process(docs):
            n_events += len(result.events)
            if store is not None:
                store.save_result(result, region=pipeline.pack.region, iso3=pipeline.pack.manifest.get("iso3"))
        pipe_s = time.perf_counter() - t0
        if store is not None:
            store.close()
    pipe_rss = peak_rss_mb()

    n = len(docs)
    rows = [
        ("bare spaCy nlp.pipe", n / bare_s, 1000 * bare_s / n, bare_rss),
        ("frontlines pipeline" + ("" if not args.no_store else " (no store)"), n / pipe_s, 1000 * pipe_s / n, pipe_rss),
    ]
    print(f"{'':28} {'docs/s':>8} {'ms/doc':>8} {'peak RSS MB':>12}")
    for name, dps, ms, rss in rows:
        print(f"{name:28} {dps:8.1f} {ms:8.1f} {rss:12.0f}")
    print(f"events extracted: {n_events}")
    print(f"ratio pipeline/bare-spaCy = {(n / pipe_s) / (n / bare_s):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
