"""Throughput: the full Frontlines pipeline vs bare spaCy `nlp.pipe`, same documents, one process.

    .venv/bin/python benchmarks/throughput.py [CORPUS ...] [--limit N] [--no-store]

Default corpus: FA-KES (../shared/corpora/fakes/fakes.jsonl, 804 articles). The full pipeline is
ingest -> clean -> annotate (spaCy + the pack's EntityRuler) -> extract/resolve -> store (a fresh
SQLite file, a transaction per batch as `frontlines run` writes). Bare spaCy runs the same model,
without the pack's ruler, over the same raw texts. The two alternate chunk by chunk (64 documents), so
that a busy machine slows both alike. Prints docs/s, ms/doc (wall and CPU), peak RSS, and the ratio
pipeline/bare-spaCy (docs/s over docs/s, and the same in CPU time).
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

    # Both are loaded before any timing: model loading is not throughput. The peak RSS of bare spaCy is
    # read before the pipeline is built (the process holds both afterwards).
    bare = load_spacy()
    bare_rss = peak_rss_mb()
    pipeline = Pipeline(args.pack)
    region, iso3 = pipeline.pack.region, pipeline.pack.manifest.get("iso3")

    # Interleaved: a chunk with bare spaCy, the same chunk with the pipeline, and so on, so that other
    # work on the machine slows both alike. Wall time gives docs/s; CPU time (this process) is printed
    # too, the steadier figure on a shared machine.
    chunk = 4 * pipeline.batch_size
    wall = {"bare": 0.0, "pipe": 0.0}
    cpu = {"bare": 0.0, "pipe": 0.0}
    n_events = 0
    with tempfile.TemporaryDirectory() as tmp:
        store = None if args.no_store else Store(str(Path(tmp) / "bench.db"))
        for start in range(0, len(docs), chunk):
            part = docs[start:start + chunk]
            w, c = time.perf_counter(), time.process_time()
            for _ in bare.pipe([d.text for d in part], batch_size=pipeline.batch_size):
                pass
            wall["bare"] += time.perf_counter() - w
            cpu["bare"] += time.process_time() - c
            w, c = time.perf_counter(), time.process_time()
            pending = []
            for result in pipeline.process(part):
                n_events += len(result.events)
                pending.append(result)
                if len(pending) >= pipeline.batch_size:  # a transaction per batch, as `frontlines run` writes
                    if store is not None:
                        store.save_results(pending, region=region, iso3=iso3)
                    pending = []
            if store is not None and pending:
                store.save_results(pending, region=region, iso3=iso3)
            wall["pipe"] += time.perf_counter() - w
            cpu["pipe"] += time.process_time() - c
        if store is not None:
            store.close()
    pipe_rss = peak_rss_mb()

    n = len(docs)
    rows = [
        ("bare spaCy nlp.pipe", n / wall["bare"], 1000 * wall["bare"] / n, 1000 * cpu["bare"] / n, bare_rss),
        ("frontlines pipeline" + ("" if not args.no_store else " (no store)"), n / wall["pipe"],
         1000 * wall["pipe"] / n, 1000 * cpu["pipe"] / n, pipe_rss),
    ]
    print(f"{'':28} {'docs/s':>8} {'ms/doc':>8} {'CPU ms/doc':>11} {'peak RSS MB':>12}")
    for name, dps, ms, cms, rss in rows:
        print(f"{name:28} {dps:8.1f} {ms:8.1f} {cms:11.1f} {rss:12.0f}")
    print(f"events extracted: {n_events}")
    print(f"ratio pipeline/bare-spaCy = {wall['bare'] / wall['pipe']:.2f} (docs/s over docs/s; "
          f"CPU time: {cpu['bare'] / cpu['pipe']:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
