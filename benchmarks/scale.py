"""Scale: docs/s, peak memory and linearity of `frontlines run` per engine and worker count.

    .venv/bin/python benchmarks/scale.py --sizes 1000,10000 --engines local,process,ray --workers 1,2

Corpora of N documents are built from FA-KES (../shared/corpora/fakes/fakes.jsonl; the ids in
reserved_ids.txt are never read): each document joins 2-4 passages of about three sentences taken from
different articles (an article's first sentence, its dateline and headline, left out), is given an
outlet from one of them and a random publication date in 2012-2020, all from `--seed`. The corpus is
written line by line and read by the run as a stream: neither holds it in memory.

Each (size, engine, workers) is one `frontlines run` in a fresh process on a fresh SQLite store
(`local` runs once, whatever --workers says). Printed per run:
- docs/s over the processing (first to last document stored) and the whole wall time, start and the
  end-of-run merging included;
- ms per document in the first and in the last tenth of the corpus (flat when time is linear);
- peak RSS (VmHWM) of the run's own process and of its largest other process (a worker, a Ray actor
  or Ray's own services), polled from /proc every half second.

On a shared machine every number moves with what else runs; the process speed-up measured there is
below what the same cores give when nothing else does.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FAKES = ROOT.parent / "shared" / "corpora" / "fakes" / "fakes.jsonl"
RESERVED = FAKES.with_name("reserved_ids.txt")
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'])")
FIRST_DAY, LAST_DAY = date(2012, 1, 1), date(2020, 12, 31)


def passages(corpus: Path = FAKES) -> list[tuple[str, str]]:
    """(outlet, passage) of every unreserved article: its sentences after the first, three at a time.
    A fixed pool (FA-KES is 804 articles), whatever the size of the corpora built from it."""
    reserved = {ln.strip() for ln in RESERVED.read_text(encoding="utf-8").splitlines() if ln.strip() and not ln.startswith("#")}
    out = []
    with corpus.open(encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            if rec["id"] in reserved:
                continue
            sentences = _SENTENCE_RE.split(rec["text"].strip())[1:]
            for i in range(0, len(sentences) - 1, 3):
                out.append((rec.get("source") or "", " ".join(sentences[i:i + 3])))
    return out


def build_corpus(path: Path, n: int, seed: int, pool: list[tuple[str, str]]) -> Path:
    rng = random.Random(seed)
    span = (LAST_DAY - FIRST_DAY).days
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            picked = rng.sample(pool, rng.randint(2, 4))
            rec = {"id": f"scale-{seed}-{i:06d}", "text": "\n\n".join(p for _, p in picked),
                   "source": picked[0][0], "date": (FIRST_DAY + timedelta(days=rng.randrange(span))).isoformat()}
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return path


def _tree(pid: int) -> list[int]:
    """pid and its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="utf-8") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def _hwm_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def run_one(corpus: Path, n: int, engine: str, workers: int, folder: Path) -> dict:
    db = folder / f"{engine}-{workers}-{n}.db"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")])))
    env.pop("FRONTLINES_DB", None)
    cmd = [sys.executable, "-m", "frontlines.cli", "run", str(corpus), "--db", str(db), "-q", "--engine", engine]
    if engine != "local":
        cmd += ["--workers", str(workers)]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peaks: dict[int, float] = {}
    while proc.poll() is None:
        for pid in _tree(proc.pid):
            hwm = _hwm_mb(pid)
            if hwm is not None:
                peaks[pid] = max(peaks.get(pid, 0.0), hwm)
        time.sleep(0.5)
    wall = time.perf_counter() - started
    stderr = proc.stderr.read()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {stderr[-2000:]}")
    con = sqlite3.connect(db)
    stamps = [datetime.fromisoformat(t) for (t,) in con.execute("SELECT ingested_at FROM documents ORDER BY line")]
    con.close()
    tenth = max(1, len(stamps) // 10)

    def ms_per_doc(a: int, b: int) -> float:
        return 1000 * (stamps[b] - stamps[a]).total_seconds() / (b - a)

    processing = (stamps[-1] - stamps[0]).total_seconds()
    others = [mb for pid, mb in peaks.items() if pid != proc.pid]
    return {
        "size": n, "engine": engine, "workers": workers if engine != "local" else 1, "stored": len(stamps),
        "docs_s": (len(stamps) - 1) / processing if processing > 0 else float("nan"),
        "wall_docs_s": len(stamps) / wall, "wall_s": wall,
        "first_tenth_ms": ms_per_doc(0, tenth), "last_tenth_ms": ms_per_doc(len(stamps) - 1 - tenth, len(stamps) - 1),
        "rss_run_mb": peaks.get(proc.pid, 0.0), "rss_largest_other_mb": max(others, default=0.0),
        "processes": len(peaks),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--engines", default="local,process,ray")
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--keep", type=Path, help="keep corpora and stores in this folder (default: a temporary one)")
    ap.add_argument("--json", action="store_true", help="one JSON object per run instead of the table")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    engines = args.engines.split(",")
    workers = [int(w) for w in args.workers.split(",")]

    pool = passages()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        header = (f"{'docs':>7} {'engine':>8} {'workers':>7} {'docs/s':>7} {'wall docs/s':>11} {'first 10% ms/doc':>16} "
                  f"{'last 10% ms/doc':>15} {'RSS run MB':>10} {'RSS largest other MB':>20}")
        if not args.json:
            print(f"{len(pool)} passages from FA-KES; seed {args.seed}; {os.cpu_count()} CPUs")
            print(header)
        for n in sizes:
            corpus = build_corpus(folder / f"scale-{n}.jsonl", n, args.seed, pool)
            for engine in engines:
                for w in ([1] if engine == "local" else workers):
                    r = run_one(corpus, n, engine, w, folder)
                    if args.json:
                        print(json.dumps(r), flush=True)
                    else:
                        print(f"{r['size']:>7} {r['engine']:>8} {r['workers']:>7} {r['docs_s']:>7.1f} {r['wall_docs_s']:>11.1f} "
                              f"{r['first_tenth_ms']:>16.0f} {r['last_tenth_ms']:>15.0f} {r['rss_run_mb']:>10.0f} "
                              f"{r['rss_largest_other_mb']:>20.0f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
