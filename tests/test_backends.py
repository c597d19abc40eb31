"""SQLite and PostgreSQL give the same store for the same inputs: the seeds, and records PostgreSQL
used to refuse (a NUL character in a text, an id and an outlet longer than 255 characters).

Needs PostgreSQL (tests/conftest.py: skipped without FRONTLINES_TEST_PG_URL, failed under CI).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import SqliteBackend, postgres_backend
from frontlines.cli import process_into_store
from frontlines.pipeline import Pipeline
from frontlines.store import Store
from frontlines.store.snapshot import differences, snapshot
from shared_paths import SEEDS


@pytest.fixture(scope="module")
def pg():
    backend = postgres_backend()  # first: skipped (or failed) before the models load
    yield backend
    backend.close()


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return Pipeline("syria")


def _odd_inputs(folder: Path) -> Path:
    """A folder of records that once worked on SQLite only: a NUL character in a text, an outlet over 255
    characters, and a file so deep in sub-folders that its id (its path under the folder) is 300 long."""
    text = ("Syrian government forces shelled the town of Binnish in Idlib on Monday,\u0000 killing three civilians, "
            "activists said.")
    records = [
        {"id": "nul-1", "text": text, "source": "Idlib Monitor", "date": "2018-02-05"},
        {"id": "long-outlet", "text": text.replace("\u0000", "").replace("three", "four"),
         "source": "The " + "Very " * 58 + "Long Gazette", "date": "2018-02-05"},
    ]
    folder.mkdir()
    (folder / "odd.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    deep = folder.joinpath(*[f"{c}" * 70 for c in "abcd"])
    deep.mkdir(parents=True)
    (deep / "report.txt").write_text(text.replace("\u0000", "").replace("Binnish", "Saraqib"), encoding="utf-8")
    return folder


def test_the_same_inputs_give_the_same_store_on_both_backends(pg, pipeline, tmp_path):
    inputs = [str(SEEDS), str(_odd_inputs(tmp_path / "odd"))]
    snaps, totals = {}, {}
    for backend in (SqliteBackend(tmp_path), pg):
        with Store(backend.new_url()) as store:
            totals[backend.name] = process_into_store(inputs, store, pipeline, quiet=True)
            snaps[backend.name] = snapshot(store, pack=pipeline.pack)
    lite, post = snaps["sqlite"], snaps["postgresql"]
    assert totals["sqlite"] == totals["postgresql"]
    assert totals["sqlite"]["failures"] == 0 and totals["sqlite"]["documents"] == 8
    assert differences(lite, post) == []
    assert lite == post
    # the odd records were stored and extracted, alike
    docs = {d["id"]: d for d in lite["documents"]}
    deep = "/".join(c * 70 for c in "abcd") + "/report"
    assert docs["nul-1"]["n_events"] > 0 and len(docs["long-outlet"]["outlet"]) > 255
    assert docs[deep]["n_events"] > 0 and len(deep) > 255
    assert len(lite["merged_events"]) > 10


def test_a_store_survives_the_server_dropping_its_connections(pg):
    """A long `frontlines serve` on PostgreSQL: connections the server ended are replaced, not failed."""
    url = pg.new_url()
    with Store(url) as store:
        assert store.counts()["documents"] == 0  # a pooled connection now exists
        with pg.admin.connect() as conn:
            ended = conn.exec_driver_sql(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %(db)s",
                {"db": url.rsplit("/", 1)[1].split("?")[0]}).scalar()
        assert ended >= 1
        assert store.counts()["documents"] == 0
        assert store.create_token("dana").startswith("fl_")


def test_a_database_that_does_not_exist_is_a_clear_error(pg):
    from sqlalchemy.engine import make_url
    from typer.testing import CliRunner

    from frontlines.cli import app

    missing = make_url(pg.new_url()).set(database="fl_no_such_database", password="s3cret")
    url = missing.render_as_string(hide_password=False)
    res = CliRunner().invoke(app, ["events", "--db", url])
    assert res.exit_code == 2, res.output
    assert "cannot open the store postgresql+psycopg://" in res.output and "fl_no_such_database" in res.output
    assert "does not exist" in res.output and "s3cret" not in res.output and "Traceback" not in res.output
