"""Reposts collapse BEFORE extraction: a near-duplicate of a stored (or earlier) article is stored as an
appearance with no events of its own, and the merged view counts it as a report of its group's events.

FA-KES text (data/demo): the Daily Sabah story of 2 April 2017 (Urum al-Kubra) and its repost
fakes-1924058140, plus a copy of the story under another site's boilerplate written for this test.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from frontlines.cli import app, predictions_from_store
from frontlines.dedup import appearances
from frontlines.store import Store
from frontlines.store.schema import DocumentRow

from shared_paths import RESERVED

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo" / "fakes_idlib.jsonl"
STORY, REPOST = "fakes-1918398786", "fakes-1924058140"
runner = CliRunner()


def _reserved() -> set[str]:
    if not RESERVED.is_file():
        return set()
    return {x.strip() for x in RESERVED.read_text().splitlines() if x.strip() and not x.startswith("#")}


def _records() -> dict[str, dict]:
    out: dict[str, dict] = {}
    for ln in DEMO.read_text(encoding="utf-8").splitlines():
        if ln.strip():
            r = json.loads(ln)
            out.setdefault(r["id"], r)
    return out


def _copy(story: dict, doc_id: str, published: str) -> dict:
    """The story on another site: its chrome before, a comment thread after, another outlet and date."""
    text = ("Home | World | Middle East | Opinion | Video\nSubscribe to our newsletter\n\n" + story["text"] +
            "\n\nShare this:\nTwitter\nFacebook\n\n3 thoughts on this article\n\nLeave a Reply\n"
            "Your email address will not be published.\n")
    return {**story, "id": doc_id, "text": text, "source": "SOHR", "date": published}


def _write(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _run(*paths: Path, db: Path) -> None:
    res = runner.invoke(app, ["run", *map(str, paths), "--db", str(db), "--quiet"], catch_exceptions=False)
    assert res.exit_code == 0, res.output


def _counts(st: Store) -> dict:
    return {k: v for k, v in st.counts().items() if k != "runs"}


def _kubra(st: Store) -> list[dict]:
    return [m for m in st.merged_events() if m["location"] == "Urum al-Kubra" and m["event_date"] == "2017-04-02"]


@pytest.fixture(scope="module")
def story() -> dict:
    if {STORY, REPOST} & _reserved():
        pytest.skip("the story is reserved")
    return _records()[STORY]


def test_repost_is_stored_unextracted_and_counted(story, tmp_path):
    recs = _records()
    copy = _copy(story, "sabah-copy", "2017-04-03")
    corpus = _write(tmp_path / "c.jsonl", [story, recs[REPOST], copy])
    db = tmp_path / "r.db"
    _run(corpus, db=db)
    with Store(db) as st:
        docs = {d["id"]: d for d in st.documents()}
        assert set(docs) == {STORY, REPOST, "sabah-copy"}  # stored, text and metadata
        assert docs[STORY]["n_events"] > 0
        assert docs[REPOST]["n_events"] == 0 and docs["sabah-copy"]["n_events"] == 0
        assert not st.events(doc_ids=[REPOST, "sabah-copy"]) and not st.relations(doc_ids=[REPOST, "sabah-copy"])
        assert {a["doc_id"] for a in appearances(st)[STORY]} == {REPOST, "sabah-copy"}
        kubra = _kubra(st)
        assert sorted(m["sub_event_type"] for m in kubra) == ["Air/drone strike", "Armed clash"]
        for m in kubra:  # one extracted report, three counted; both outlets named
            assert len(m["event_ids"]) == 1 and m["n_reports"] == 3
            assert {s["doc_id"] for s in m["sources"]} == {STORY, REPOST, "sabah-copy"}
            assert set(m["source"].split("; ")) == {"Daily Sabah", "Syrian Observatory for Human Rights"}
            assert m["notes"].startswith("3 reports")
        # a filter on the repost finds the events it reports
        assert {m["id"] for m in st.merged_events(doc_ids=[REPOST])} == {m["id"] for m in kubra}
        # the eval scores a repost with the predictions of the copy that was extracted
        preds = predictions_from_store(st, {STORY, REPOST})
        assert preds[REPOST]["events"] and [e["id"] for e in preds[REPOST]["events"]] == [e["id"] for e in preds[STORY]["events"]]
        assert len(preds[REPOST]["relations"]) == len(preds[STORY]["relations"])
        before = (_counts(st), sorted((m["id"], m["n_reports"]) for m in st.merged_events()))
    res = runner.invoke(app, ["documents", "--db", str(db), "--json"], catch_exceptions=False)
    listed = {d["id"]: d for d in json.loads(res.stdout)}
    assert listed[REPOST]["n_events"] == 0 and "sabah-copy" in listed

    # a second run adds nothing; one that re-extracts every document ends the same
    _run(corpus, db=db)
    with Store(db) as st:
        assert (_counts(st), sorted((m["id"], m["n_reports"]) for m in st.merged_events())) == before
    with Store(db) as st, st.engine.begin() as conn:
        conn.execute(update(DocumentRow).values(content_hash="stale"))
    _run(corpus, db=db)
    with Store(db) as st:
        assert {d["id"]: d["n_events"] for d in st.documents()}[REPOST] == 0
        assert sorted(m["n_reports"] for m in _kubra(st)) == [3, 3]

    # a later run brings a copy that sorts first (same day, smaller id): stored unextracted too; dedup
    # names it canonical (earliest published, then smallest id), the events stay with the copy that was extracted, and it is counted
    early = _write(tmp_path / "e.jsonl", [_copy(story, "a-early-copy", "2017-04-02")])
    _run(early, db=db)
    with Store(db) as st:
        assert {d["id"]: d["n_events"] for d in st.documents()}["a-early-copy"] == 0
        assert {a["doc_id"] for a in appearances(st)["a-early-copy"]} == {STORY, REPOST, "sabah-copy"}
        assert sorted(m["n_reports"] for m in _kubra(st)) == [4, 4]

    # the copy with the events changes (here: re-extracted alone): it is extracted again, not held as a
    # repost of the canonical copy, which has no events of its own
    with Store(db) as st, st.engine.begin() as conn:
        conn.execute(update(DocumentRow).where(DocumentRow.id == STORY).values(content_hash="stale"))
    _run(corpus, db=db)
    with Store(db) as st:
        n = {d["id"]: d["n_events"] for d in st.documents()}
        assert n[STORY] > 0 and n["a-early-copy"] == n[REPOST] == n["sabah-copy"] == 0
        assert sorted(m["n_reports"] for m in _kubra(st)) == [4, 4]
