"""One event, one row: every output shows merged events, built from FA-KES reports (data/demo is FA-KES).

Both directions on real text: the three reposts of one Daily Sabah story (Urum al-Kubra, 2 April 2017)
collapse to one air strike and one clash; the 8 April strike at Urum al-Joz and the Khan Shaykhun
reports of other days stay apart. Then a reviewer edits one merged event and rejects another through
the API, `frontlines run` runs again, and the export shows the edit and not the rejected event.
"""
from __future__ import annotations

import csv
import io
import json
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from typer.testing import CliRunner

from frontlines.cli import app
from frontlines.merge import DAY_WINDOW
from frontlines.server import create_app
from frontlines.store import Store
from frontlines.store.schema import DocumentRow

from shared_paths import RESERVED, SEEDS

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo" / "fakes_idlib.jsonl"
REPOSTS = ("fakes-1918398786", "fakes-1924058140", "fakes-1924058141")  # one Daily Sabah story, three times
OTHERS = (
    "fakes-1919191763", "fakes-1923102878", "fakes-1923848140", "fakes-1924058142",  # 8 April, Urum al-Joz / Idlib
    "fakes-1923102872", "fakes-1923848141", "fakes-1918150030",  # Khan Shaykhun, 4 and 6 April
)
runner = CliRunner()


def _reserved() -> set[str]:
    if not RESERVED.is_file():
        return set()
    return {x.strip() for x in RESERVED.read_text().splitlines() if x.strip() and not x.startswith("#")}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    want = set(REPOSTS + OTHERS) - _reserved()
    lines = [ln for ln in DEMO.read_text(encoding="utf-8").splitlines() if ln.strip() and json.loads(ln)["id"] in want]
    seen, out = set(), []
    for ln in lines:  # the demo file repeats two ids; keep the first of each
        i = json.loads(ln)["id"]
        if i not in seen:
            seen.add(i)
            out.append(ln)
    assert set(REPOSTS) <= seen
    path = tmp_path_factory.mktemp("fakes") / "fakes_subset.jsonl"
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


def _run(corpus: Path, db: Path):
    res = runner.invoke(app, ["run", str(corpus), "--db", str(db), "--quiet"], catch_exceptions=False)
    assert res.exit_code == 0, res.output


def _export(db: Path, *extra: str) -> list[dict]:
    res = runner.invoke(app, ["export", "--format", "acled-csv", "--db", str(db), *extra], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return list(csv.DictReader(io.StringIO(res.stdout)))


@pytest.fixture(scope="module")
def db(corpus, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("merged") / "m.db"
    _run(corpus, path)
    return path


def _window(a: dict, b: dict) -> int:
    return max(DAY_WINDOW.get(a["time_precision"] or 3, 31), DAY_WINDOW.get(b["time_precision"] or 3, 31))


def test_reposts_collapse_and_other_events_stay_apart(db):
    with Store(db) as st:
        merged = st.merged_events()
        mentions = {e["id"]: e for e in st.events()}
    kubra = [m for m in merged if m["location"] == "Urum al-Kubra" and m["event_date"] == "2017-04-02"]
    by_type = {m["sub_event_type"]: m for m in kubra}
    assert sorted(by_type) == ["Air/drone strike", "Armed clash"] and len(kubra) == 2
    for m in kubra:  # one event each, every repost counted as a report
        assert m["n_reports"] == 3 and {s["doc_id"] for s in m["sources"]} == set(REPOSTS)
        assert m["source"] == "Daily Sabah"
    assert by_type["Air/drone strike"]["fatalities"] == 5
    # the 8 April strike at Urum al-Joz is its own event, never joined to Urum al-Kubra
    joz = [m for m in merged if m["location"] == "Urum al-Joz" and m["event_date"] == "2017-04-08"]
    assert joz
    for m in merged:
        places = {mentions[i]["location"] for i in m["event_ids"]}
        assert not {"Urum al-Kubra", "Urum al-Joz"} <= places, m["event_ids"]
        assert not ({"Urum al-Kubra", "Khan Shaykhun"} <= places)
        # every pair of its reports is compatible in date at their precision
        members = [mentions[i] for i in m["event_ids"]]
        for a in members:
            for b in members:
                gap = abs((date.fromisoformat(a["event_date"]) - date.fromisoformat(b["event_date"])).days)
                assert gap <= _window(a, b), (a["id"], b["id"])


def test_export_is_one_row_per_merged_event(db):
    rows = _export(db)
    with Store(db) as st:
        merged = st.merged_events()
    assert len(rows) == len(merged) < len(Store(db).events())
    keys = Counter((r["event_date"], r["location"], r["sub_event_type"], r["actor1"], r["actor2"]) for r in rows)
    assert all(n == 1 for n in keys.values()), [k for k, n in keys.items() if n > 1]
    assert sum(int(r["fatalities"]) for r in rows) == sum(m["fatalities"] for m in merged)
    strike = next(r for r in rows if r["location"] == "Urum al-Kubra" and r["sub_event_type"] == "Air/drone strike"
                  and r["event_date"] == "2017-04-02")
    assert strike["source"] == "Daily Sabah" and "reports=3" in strike["tags"] and strike["notes"].startswith("3 reports")
    assert strike["source_scale"]  # from the pack's outlets.yaml
    # where sources disagree the row says so, naming the claims
    disagree = [r for r in rows if "sources disagree" in r["tags"]]
    assert disagree and all("sources disagree on" in r["notes"] for r in disagree)
    # the mentions stay available
    res = runner.invoke(app, ["events", "--db", str(db), "--json", "--mentions"], catch_exceptions=False)
    assert len(json.loads(res.stdout)) == len(Store(db).events())


def test_review_of_merged_events_survives_a_rerun(corpus, tmp_path):
    path = tmp_path / "review.db"
    _run(corpus, path)
    store = Store(path)
    token = store.create_token("alice")
    client = TestClient(create_app(store=store))
    auth = {"Authorization": f"Bearer {token}"}
    events = client.get("/api/events").json()["events"]
    strike = next(e for e in events if e["location"] == "Urum al-Kubra" and e["sub_event_type"] == "Air/drone strike"
                  and e["event_date"] == "2017-04-02")
    clash = next(e for e in events if e["location"] == "Urum al-Kubra" and e["sub_event_type"] == "Armed clash")
    # 1924058140 is a repost of 1918398786 (stored, not extracted); 1924058141 is rewritten enough to be
    # extracted, and its strike is merged: two reports extracted, three counted
    assert len(strike["event_ids"]) == 2 and strike["n_reports"] == 3
    r = client.get(f"/api/events/{strike['id']}/mentions")
    assert r.status_code == 200 and {m["id"] for m in r.json()} == set(strike["event_ids"])

    r = client.patch(f"/api/events/{strike['id']}", json={"fatalities": 4}, headers=auth)
    assert r.status_code == 200, r.text
    assert r.json()["fatalities"] == 4 and r.json()["review_state"] == "edited"
    assert strike["id"].startswith("m-") and all(not i.startswith("m-") for i in strike["event_ids"])
    # a report's own id reviews that report only
    one = strike["event_ids"][0]
    r = client.post(f"/api/events/{one}/confirm", headers=auth)
    assert r.status_code == 200 and r.json()["id"] == strike["id"]
    states = {m["id"]: m["review_state"] for m in client.get(f"/api/events/{strike['id']}/mentions").json()}
    assert states[one] == "confirmed" and sum(v == "confirmed" for v in states.values()) == 1
    r = client.post(f"/api/events/{clash['id']}/reject", json={"note": "not a clash"}, headers=auth)
    assert r.status_code == 200 and r.json()["review_state"] == "rejected"
    assert clash["id"] not in {e["id"] for e in client.get("/api/events").json()["events"]}
    assert clash["id"] in {e["id"] for e in client.get("/api/events", params={"include_rejected": "true"}).json()["events"]}
    store.close()

    # re-run: once as is, once with every document re-extracted
    _run(corpus, path)
    with Store(path) as st, st.engine.begin() as conn:
        conn.execute(update(DocumentRow).values(content_hash="stale"))
    _run(corpus, path)

    rows = _export(path)
    kubra = [r for r in rows if r["location"] == "Urum al-Kubra" and r["event_date"] == "2017-04-02"]
    assert [(r["sub_event_type"], r["fatalities"]) for r in kubra] == [("Air/drone strike", "4")]
    assert "Armed clash" in {r["sub_event_type"] for r in _export(path, "--include-rejected")}
    res = runner.invoke(app, ["events", "--db", str(path), "--json"], catch_exceptions=False)
    assert not [e for e in json.loads(res.stdout) if e["sub_event_type"] == "Armed clash" and e["location"] == "Urum al-Kubra"]
