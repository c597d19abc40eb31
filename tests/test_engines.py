"""Engines (`frontlines run --engine local|process|ray`): the store a run makes is the same whichever
engine annotated and extracted, because reading, cleaning, the repost filter and every write stay in
the one calling process, in input order.

The corpus: the seeds, 20 FA-KES records (reserved ones never read) and a repost of one of them under
other boilerplate, so the order-dependent repost filter is part of what is compared.
"""
from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from frontlines.cli import app, process_into_store
from frontlines.engines import LocalEngine, ProcessEngine, RayEngine
from frontlines.pipeline import Pipeline
from frontlines.store import Store

from shared_paths import FAKES, RESERVED, SEEDS

# columns that say when a row was written, not what it holds
WHEN = {"ingested_at", "created_at", "detected_at", "at", "started_at", "finished_at", "last_used_at", "id@runs"}
TABLES = ("documents", "removed_spans", "actors", "actor_aliases", "places", "events", "event_sources", "relations",
          "failures", "appearances", "event_clusters", "merges", "discrepancies", "document_signatures")


def _corpus(folder: Path) -> list[str]:
    reserved = {ln.strip() for ln in RESERVED.read_text(encoding="utf-8").splitlines() if ln.strip() and not ln.startswith("#")}
    records = []
    with FAKES.open(encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            if rec["id"] not in reserved:
                records.append(rec)
            if len(records) == 20:
                break
    repost = dict(records[3], id=f"{records[3]['id']}-repost")
    repost["text"] = repost["text"] + "\n\nShare this article on Facebook\nLeave a comment below"
    records.insert(12, repost)
    path = folder / "fakes20.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return [str(SEEDS), str(path)]


def _dump(db: Path) -> dict[str, list[tuple]]:
    """Every row of every table that results make, without the columns that record when."""
    con = sqlite3.connect(db)
    out = {}
    for table in TABLES:
        cols = [r[1] for r in con.execute(f"PRAGMA table_info({table})") if r[1] not in WHEN]
        if table in ("failures", "merges", "discrepancies", "removed_spans", "actor_aliases"):
            cols = [c for c in cols if c != "id"]  # autoincrement ids: the rows, not their numbers
        quoted = ", ".join(f'"{c}"' for c in cols)  # "values" is a column name and an SQL keyword
        out[table] = sorted(con.execute(f"SELECT {quoted} FROM {table}").fetchall(), key=repr)
    con.close()
    return out


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return Pipeline("syria")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> list[str]:
    return _corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="module")
def local_store(tmp_path_factory, pipeline, corpus) -> tuple[Path, dict]:
    db = tmp_path_factory.mktemp("local") / "local.db"
    totals = process_into_store(corpus, Store(db), pipeline, quiet=True, engine=LocalEngine(pipeline))
    return db, totals


def test_local_engine_is_the_pipeline(local_store, corpus):
    db, totals = local_store
    dump = _dump(db)
    assert totals["documents"] == 26 and totals["failures"] == 0
    assert totals["reposts"] == 1  # the repost is stored, not extracted
    assert len(dump["events"]) > 20 and len(dump["relations"]) > 10 and dump["event_clusters"]
    assert ("-repost" in repr(dump["appearances"]))


def test_process_engine_makes_the_same_store(tmp_path, pipeline, corpus, local_store):
    engine = ProcessEngine(pipeline, workers=2, lookahead=1)  # lookahead 1: batches come back one by one
    totals = process_into_store(corpus, Store(tmp_path / "process.db"), pipeline, quiet=True, engine=engine)
    assert totals["documents"] == local_store[1]["documents"]
    assert _dump(tmp_path / "process.db") == _dump(local_store[0])


@pytest.mark.slow
def test_ray_engine_makes_the_same_store(tmp_path, pipeline, corpus, local_store):
    pytest.importorskip("ray", reason="Ray is not installed (pip install 'ray[data]', pinned in requirements.lock)")
    engine = RayEngine(pipeline, workers=2, window=2)  # several Ray Data windows in one run
    totals = process_into_store(corpus, Store(tmp_path / "ray.db"), pipeline, quiet=True, engine=engine)
    assert totals["documents"] == local_store[1]["documents"]
    assert _dump(tmp_path / "ray.db") == _dump(local_store[0])


def test_an_unknown_engine_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(app, ["run", str(SEEDS), "--db", str(tmp_path / "x.db"), "--engine", "spark"])
    assert result.exit_code == 2
    said = re.sub(r"[\s│]+", " ", result.output)  # whatever width the error box was drawn at
    assert "'spark' is not an engine (use one of: local, process, ray)" in said
    assert not (tmp_path / "x.db").exists()


def test_a_batch_write_keeps_the_documents_that_can_be_stored(tmp_path, pipeline):
    """One transaction per batch, but a document that cannot be stored fails alone."""
    from frontlines.models import EventRecord

    texts = ["Regime forces shelled Binnish on 3 May 2019, killing two civilians.",
             "Protesters gathered in Idlib city on 4 May 2019.",
             "Hayyat Tahrir al-Sham fighters clashed with regime forces near Kafr Nabl on 5 May 2019."]
    results = [pipeline.process_text(t, doc_id=f"d{i}") for i, t in enumerate(texts)]
    # an event with no type breaks the events table's NOT NULL rule: the database refuses it
    results[1].events.append(EventRecord(doc_id="d1", event_type=None, sub_event_type=None, actor1=None))
    store = Store(tmp_path / "batch.db")
    outcomes = store.save_results(results, region="Middle East", iso3="SYR")
    assert [isinstance(o, Exception) for o in outcomes] == [False, True, False]
    assert sorted(d["id"] for d in store.documents()) == ["d0", "d2"]
    assert outcomes[0]["documents"] == outcomes[2]["documents"] == 1
