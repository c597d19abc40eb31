"""SQLite vs PostgreSQL: the same corpus run into a fresh store on each, timed, and the stores compared.

    .ci/pg-start /tmp/pg                          # prints the URL of a throwaway server
    .venv/bin/python benchmarks/backends.py --pg URL [CORPUS ...] [--limit N]

Default corpus: the first 100 FA-KES records (../shared/corpora/fakes/fakes.jsonl), those reserved for
evaluation left out. The PostgreSQL store is a new database created on URL's server (dropped at the
end), the SQLite one a temporary file. The pipeline (models loaded once) runs the corpus into each;
prints seconds and docs/s per backend, what each store holds, and whether the two are identical
(`frontlines.store.snapshot`: merged events, reports, relations, documents, failures, row counts).
Exit status 1 when they differ.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FAKES = ROOT.parent / "shared" / "corpora" / "fakes" / "fakes.jsonl"


def first_records(corpus: Path, n: int, out: Path) -> Path:
    """The first `n` records of a JSONL corpus, leaving out FA-KES ids reserved for evaluation."""
    reserved_file = corpus.with_name("reserved_ids.txt")
    reserved = set()
    if reserved_file.exists():
        reserved = {ln.strip() for ln in reserved_file.read_text(encoding="utf-8").splitlines()
                    if ln.strip() and not ln.startswith("#")}
    kept: list[str] = []
    with corpus.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip() and json.loads(line).get("id") not in reserved:
                kept.append(line.rstrip("\n") + "\n")
            if len(kept) >= n:
                break
    out.write_text("".join(kept), encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", nargs="*", help="files or folders (default: FA-KES, see --limit)")
    ap.add_argument("--pg", default=os.environ.get("FRONTLINES_TEST_PG_URL"),
                    help="SQLAlchemy URL of a PostgreSQL database on a server where we may create one "
                         "(default: $FRONTLINES_TEST_PG_URL)")
    ap.add_argument("--limit", type=int, default=100, help="FA-KES records when no corpus is given (default 100)")
    ap.add_argument("--pack", default="syria")
    args = ap.parse_args(argv)
    if not args.pg:
        ap.error("--pg URL (or $FRONTLINES_TEST_PG_URL) is needed: start a server with .ci/pg-start")

    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from frontlines.cli import process_into_store
    from frontlines.pipeline import Pipeline
    from frontlines.store import Store
    from frontlines.store.snapshot import differences, snapshot

    with tempfile.TemporaryDirectory() as tmp:
        inputs = args.corpus or [str(first_records(FAKES, args.limit, Path(tmp) / "fakes.jsonl"))]
        server = make_url(args.pg)
        name = f"frontlines_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        urls = {"sqlite": str(Path(tmp) / "bench.db"),
                "postgresql": server.set(database=name).render_as_string(hide_password=False)}
        pipeline = Pipeline(args.pack)
        snaps: dict[str, dict] = {}
        try:
            for backend, url in urls.items():
                with Store(url) as store:
                    t0 = time.perf_counter()
                    totals = process_into_store(inputs, store, pipeline, quiet=True)
                    secs = time.perf_counter() - t0
                    snaps[backend] = snapshot(store, pack=pipeline.pack)
                c = snaps[backend]["counts"]
                print(f"{backend:>10}: {secs:6.1f} s, {totals['seen'] / secs:5.1f} docs/s; {c['documents']} documents, "
                      f"{c['events']} reports, {len(snaps[backend]['merged_events'])} merged events, "
                      f"{c['relations']} relations, {c['failures']} failures")
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()
    diff = differences(snaps["sqlite"], snaps["postgresql"])
    same = not diff and snaps["sqlite"] == snaps["postgresql"]
    print("identical stores" if same else "stores differ:\n  " + "\n  ".join(diff or ["(see snapshot)"]))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
