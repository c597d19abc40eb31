"""The store under concurrency, with real processes: `frontlines run` next to each other and next to
a reviewer editing through the served API, on one store: an SQLite file, and a PostgreSQL database
(tests taking `backend`, see tests/conftest.py). And a changed source keeps its review.

FA-KES records listed in ../shared/corpora/fakes/reserved_ids.txt are never read here.
"""
from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from frontlines.store import Store
from frontlines.store.snapshot import differences, snapshot

from shared_paths import FAKES, SEEDS

ROOT = Path(__file__).resolve().parents[1]
RESERVED = FAKES.with_name("reserved_ids.txt")
CLI = "from frontlines.cli import app; app()"


def _reserved() -> set[str]:
    return {ln.strip() for ln in RESERVED.read_text(encoding="utf-8").splitlines() if ln.strip() and not ln.startswith("#")}


def _fakes(path: Path, n: int, skip: int = 0) -> Path:
    """The first `n` FA-KES records after `skip` (reserved ones left out) as a JSONL file."""
    reserved = _reserved()
    out: list[str] = []
    seen = 0
    with FAKES.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip() or json.loads(line)["id"] in reserved:
                continue
            seen += 1
            if seen > skip:
                out.append(line if line.endswith("\n") else line + "\n")
            if len(out) >= n:
                break
    path.write_text("".join(out), encoding="utf-8")
    return path


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    env.pop("FRONTLINES_DB", None)
    return env


def _run(db: Path | str, *inputs: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", CLI, "run", *map(str, inputs), "--db", str(db), "-q"],
                            cwd=ROOT, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _finish(proc: subprocess.Popen, timeout: float = 600) -> str:
    out, _ = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, out
    return out


def _is_sqlite(db: Path | str) -> bool:
    return "://" not in str(db)


def _integrity(db: Path | str) -> str:
    if not _is_sqlite(db):
        return "ok"  # PostgreSQL checks its own pages; nothing like SQLite's integrity_check to ask
    con = sqlite3.connect(db)
    try:
        return con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()


CONTENT_TABLES = ("documents", "events", "event_sources", "relations", "actors", "actor_aliases", "places",
                  "removed_spans", "event_clusters", "merges", "discrepancies", "appearances", "document_signatures")


def _content_counts(db: Path | str) -> dict[str, int]:
    with Store(db) as s:
        c = s.counts()
    return {t: c[t] for t in CONTENT_TABLES}


# ----------------------------------------------------------------------------- opening


def test_concurrent_opens_of_a_fresh_store(store_url: str):
    db = store_url
    barrier = threading.Barrier(6)
    errors: list[BaseException] = []

    def open_it():
        try:
            barrier.wait()
            with Store(db) as s:
                s.counts()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert _integrity(db) == "ok"
    with Store(db) as s, s.engine.connect() as conn:
        assert len(conn.exec_driver_sql("SELECT version_num FROM alembic_version").all()) == 1
        if _is_sqlite(db):
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_writers_wait_for_each_other_and_readers_never_wait(store_url: str):
    """A second writer of the same row queues instead of failing (SQLite: BEGIN IMMEDIATE and the busy
    timeout; PostgreSQL: the row lock), and a reader never waits."""
    from frontlines.store.schema import RunRow

    db = store_url
    a, b = Store(db), Store(db)
    run = b.start_run(["/x"])
    held, release = threading.Event(), threading.Event()

    def long_writer():
        with a._tx() as s:
            s.get(RunRow, run).documents = 1
            s.flush()
            held.set()
            release.wait(60)  # hold the write lock until the test lets go

    t = threading.Thread(target=long_writer)
    t.start()
    held.wait()
    assert len(b.runs()) == 1  # a reader in WAL mode does not wait for the writer (it returns while the lock is held)
    assert not release.is_set() and t.is_alive()
    second = threading.Thread(target=b.finish_run, args=(run,), kwargs={"documents": 2})
    second.start()
    second.join(0.3)
    assert second.is_alive()  # a second writer waits for the lock...
    release.set()
    t.join()
    second.join(30)
    assert not second.is_alive()  # ...then succeeds
    assert b.runs()[0]["documents"] == 2
    a.close(), b.close()


# ----------------------------------------------------------------------------- runs at once


@pytest.mark.slow
def test_two_runs_at_once_on_a_fresh_store(backend, tmp_path: Path):
    """Both runs migrate the same fresh store and store the same documents (sharing actors, places,
    signatures, clusters): both succeed, and the store is the one a single run makes."""
    inputs = [SEEDS, _fakes(tmp_path / "few.jsonl", 12)]
    clean = backend.new_url()
    _finish(_run(clean, *inputs))

    db = backend.new_url()
    procs = [_run(db, *inputs), _run(db, *inputs)]
    for p in procs:
        _finish(p)
    assert _integrity(db) == "ok"
    assert _content_counts(db) == _content_counts(clean)
    with Store(db) as s, Store(clean) as c:
        assert {e["id"] for e in s.events()} == {e["id"] for e in c.events()}
        assert len(s.runs()) == 2 and all(r["finished_at"] for r in s.runs())
        two, one = snapshot(s), snapshot(c)
        assert differences(two, one) == [] and two == one


# ----------------------------------------------------------------------------- a reviewer during a run


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_reviewer_edits_during_a_run(backend, tmp_path: Path):
    import httpx
    import uvicorn

    from frontlines.server import create_app

    db = backend.new_url()
    _finish(_run(db, _fakes(tmp_path / "seed.jsonl", 80)))
    store = Store(db)
    token = store.create_token("reviewer")
    events = store.events()
    assert len(events) >= 50, len(events)

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(store=store), host="127.0.0.1", port=port, log_level="warning"))
    serving = threading.Thread(target=server.run, daemon=True)
    serving.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    assert server.started

    # the run: the seeded records again (skipped) and 70 new ones
    run = _run(db, tmp_path / "seed.jsonl", _fakes(tmp_path / "more.jsonl", 70, skip=80))
    runs_before = 1
    deadline = time.monotonic() + 300
    while len(store.runs()) == runs_before and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)  # until the run has loaded its models and begun storing

    n_edits, n_workers = 200, 4
    plan = [(k, events[k % len(events)]["id"], 1000 + k) for k in range(n_edits)]
    results: list[tuple[int, str, int, int, float, bool]] = []
    lock = threading.Lock()

    def worker(w: int):
        # each event belongs to one worker, and a worker's edits are sequential: the last one must stick
        mine = [p for p in plan if events.index(next(e for e in events if e["id"] == p[1])) % n_workers == w]
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120,
                          headers={"Authorization": f"Bearer {token}"}) as client:
            for k, eid, value in mine:
                during = run.poll() is None
                t0 = time.monotonic()
                r = client.patch(f"/api/events/{eid}", json={"fatalities": value})
                with lock:
                    results.append((k, eid, value, r.status_code, time.monotonic() - t0, during))

    with ThreadPoolExecutor(n_workers) as pool:
        list(pool.map(worker, range(n_workers)))
    _finish(run)
    server.should_exit = True
    serving.join(timeout=10)

    assert len(results) == n_edits
    failed = [(k, code) for k, _e, _v, code, _t, _d in results if not 200 <= code < 300]
    assert failed == []
    assert any(d for *_rest, d in results), "no edit arrived while the run was going"
    latencies = sorted(t for *_r, t, _d in results)
    print(f"edits during the run: {sum(d for *_r, d in results)}/{n_edits}; "
          f"p50 {latencies[len(latencies) // 2]:.3f}s p95 {latencies[int(len(latencies) * 0.95)]:.3f}s")

    last: dict[str, int] = {}
    for k, eid, value, *_ in sorted(results):
        last[eid] = value
    now = {e["id"]: e for e in store.events()}
    for eid, value in last.items():
        assert now[eid]["fatalities"] == value, eid  # nothing lost, not even under a run
        assert now[eid]["review_state"] == "edited"
    audit = [r for r in store.reviews(entity="event") if r["field"] == "fatalities" and r["who"] == "reviewer"]
    assert len(audit) == n_edits
    assert sorted(r["after"] for r in audit) == sorted(v for _k, _e, v, *_ in results)
    assert len(store.documents()) == 150
    store.close()
    assert _integrity(db) == "ok"


# ----------------------------------------------------------------------------- a changed source


@pytest.mark.slow
def test_changed_source_keeps_its_review(tmp_path: Path):
    from frontlines.cli import process_into_store
    from frontlines.pipeline import Pipeline

    src = _fakes(tmp_path / "docs.jsonl", 10)
    pipeline = Pipeline("syria")
    store = Store(tmp_path / "c.db")
    process_into_store([str(src)], store, pipeline, quiet=True)

    # an event whose evidence does not start the text, in a document with a byte before it to change
    docs = {d["id"]: store.document(d["id"]) for d in store.documents()}
    target = None
    for e in store.events():
        src0 = e["sources"][0]
        if src0["evidence_start"] > 20:
            target = e
            break
    assert target is not None
    doc_id = target["sources"][0]["doc_id"]
    before_ids = {e["id"] for e in store.events(doc_ids=[doc_id])}
    store.update_event(target["id"], {"fatalities": 77}, "alice")

    # one byte, earlier in the text than the event's evidence: a letter of the first word
    text = docs[doc_id]["text"]
    i = next(j for j, ch in enumerate(text[: target["sources"][0]["evidence_start"]]) if ch.isalpha() and ch.islower())
    changed = text[:i] + ("x" if text[i] != "x" else "y") + text[i + 1:]
    lines = src.read_text(encoding="utf-8").splitlines(keepends=True)
    for n, line in enumerate(lines):
        rec = json.loads(line)
        if rec["id"] == doc_id:
            rec["text"] = changed  # the stored text is the record's (newlines normalised) with one byte changed
            lines[n] = json.dumps(rec, ensure_ascii=False) + "\n"
    src.write_text("".join(lines), encoding="utf-8")

    totals = process_into_store([str(src)], store, pipeline, quiet=True)
    assert totals["documents"] == 1  # only the changed one was re-done
    after = store.events(doc_ids=[doc_id])
    edited = [e for e in after if e["fatalities"] == 77]
    assert [e["id"] for e in edited] == [target["id"]]
    kept = store.event(target["id"])
    assert kept["review_state"] == "edited" and kept["sources"]  # still reported by the new text
    assert any(r["field"] == "fatalities" and r["after"] == 77 and r["who"] == "alice" for r in kept["reviews"])

    def signature(e: dict) -> tuple:
        return (e["event_type"], e["sub_event_type"], e["actor1_id"], e["actor2_id"], e["place_id"])

    same = [e for e in after if signature(e) == signature(kept)]
    assert [e["id"] for e in same] == [target["id"]]  # no unreviewed copy beside it
    assert len(after) == len({e["id"] for e in after})
    store.close()
    assert _integrity(tmp_path / "c.db") == "ok"


# ----------------------------------------------------------------------------- crashes


def _documents_in(db: Path) -> int:
    try:
        con = sqlite3.connect(db, timeout=30)
        try:
            return con.execute("SELECT count(*) FROM documents").fetchone()[0]
        finally:
            con.close()
    except sqlite3.OperationalError:  # not created yet
        return 0


@pytest.mark.slow
def test_kill_9_at_several_points_then_a_rerun_equals_a_clean_run(tmp_path: Path):
    src = _fakes(tmp_path / "k.jsonl", 40)
    clean = tmp_path / "clean.db"
    _finish(_run(clean, src))

    db = tmp_path / "killed.db"
    # right at the start (opening / migrating), then mid-run at a few document counts
    for stop in (None, 5, 18, 33):
        proc = _run(db, src)
        deadline = time.monotonic() + 300
        if stop is None:
            time.sleep(0.3)
        else:
            while _documents_in(db) < stop and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
        proc.kill()  # SIGKILL
        proc.wait()
        assert _integrity(db) == "ok"
    _finish(_run(db, src))
    assert _integrity(db) == "ok"
    assert _content_counts(db) == _content_counts(clean)
    with Store(db) as s, Store(clean) as c:
        strip = lambda evs: sorted((e["id"], e["fatalities"], e["cluster_id"], e["event_date"]) for e in evs)  # noqa: E731
        assert strip(s.events()) == strip(c.events())
