"""The workbench API at scale: the materialised merged view, the shared filters, paging, map, timeline,
network and CSV, against real stores: one filled by the pipeline from 30 FA-KES records (data/demo),
and one of 100,000 events made of shifted copies of those (frontlines.synth).
"""
from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete

from frontlines.cli import process_into_store
from frontlines.merge import merge_manual, merged_events as computed_merged_events, split_event
from frontlines.pack import load_pack
from frontlines.pipeline import Pipeline
from frontlines.server import create_app
from frontlines.store import Store
from frontlines.store.schema import MergedEventDataRow, MergedEventRow
from frontlines.synth import synth_store

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo" / "fakes_idlib.jsonl"
N_DOCS = 30
PACK = load_pack("syria")


@pytest.fixture(scope="session")
def pipeline() -> Pipeline:
    return Pipeline("syria")


@pytest.fixture(scope="session")
def demo_file(tmp_path_factory, pipeline) -> Path:
    """A store the real pipeline filled from the first 30 demo records (FA-KES, none reserved)."""
    d = tmp_path_factory.mktemp("scale")
    src = d / "demo30.jsonl"
    src.write_text("".join(DEMO.read_text(encoding="utf-8").splitlines(keepends=True)[:N_DOCS]), encoding="utf-8")
    db = d / "demo30.db"
    store = Store(db)
    totals = process_into_store([str(src)], store, pipeline, quiet=True)
    assert totals["documents"] == N_DOCS and totals["events"] > 50
    store.close()
    return db


@pytest.fixture(scope="module")
def client(demo_file) -> TestClient:
    return TestClient(create_app(demo_file))


@pytest.fixture
def writable(demo_file, tmp_path):
    path = tmp_path / "copy.db"
    shutil.copy(demo_file, path)
    store = Store(path)
    token = store.create_token("alice")
    yield store, TestClient(create_app(store=store)), {"Authorization": f"Bearer {token}"}
    store.close()


@pytest.fixture(scope="session")
def big_file(demo_file, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("big") / "big.db"
    report = synth_store(demo_file, out, 100_000, pack=PACK)
    assert report["events"] == 100_000
    return out


def _get(client, path, **params):
    r = client.get(path, params=params)
    assert r.status_code == 200, (path, params, r.status_code, r.text[:300])
    return r.json()


def _all_pages(client, **params) -> list[dict]:
    out, offset = [], 0
    while True:
        page = _get(client, "/api/events", limit=37, offset=offset, **params)
        out += page["events"]
        offset += 37
        if offset >= page["total"]:
            assert len(out) == page["total"]
            return out


def _comparable(events: list[dict]) -> list[dict]:
    return [{k: v for k, v in e.items() if k != "timestamp"} for e in events]


# ----------------------------------------------------------------------------- the materialised view


def _assert_table_is_current(store: Store) -> None:
    """The table (what every output reads) equals the merged view computed from the reports now."""
    scale = lambda o: (PACK.resolve_outlet(o).source_scale if PACK.resolve_outlet(o) else None)  # noqa: E731
    for include_rejected in (False, True):
        stored = store.merged_events(include_rejected=include_rejected, pack=PACK)
        sizes: dict[str, int] = {}
        members = store.member_events()
        for e in members:
            sizes[e["cluster_id"]] = sizes.get(e["cluster_id"], 0) + 1
        fresh = computed_merged_events(store, members, include_rejected=include_rejected, source_scale=scale, sizes=sizes)
        assert _comparable(stored) == _comparable(fresh)


def test_table_follows_every_kind_of_write(writable, demo_file, pipeline):
    store, client, auth = writable
    _assert_table_is_current(store)
    evs = store.merged_events()
    a, b, c, d = evs[0], evs[1], evs[2], evs[3]
    assert client.post(f"/api/events/{a['id']}/reject", json={"note": "not an event"}, headers=auth).status_code == 200
    assert client.patch(f"/api/events/{b['id']}", json={"fatalities": 7, "event_date": "2016-01-02"}, headers=auth).status_code == 200
    assert client.post(f"/api/events/{c['id']}/confirm", headers=auth).status_code == 200
    _assert_table_is_current(store)
    # a reviewer merges two events, then splits one off again
    merge_manual(store, [*c["event_ids"][:1], *d["event_ids"][:1]], who="alice")
    _assert_table_is_current(store)
    split_event(store, d["event_ids"][0], who="alice")
    _assert_table_is_current(store)
    # a document of a merged event stored again (its source changed), then merged again, as a run does
    from sqlalchemy import update

    from frontlines.store.schema import DocumentRow

    cluster = next(e for e in store.merged_events() if len(e["event_ids"]) > 1)
    with store.engine.begin() as conn:
        conn.execute(update(DocumentRow).where(DocumentRow.id == cluster["sources"][0]["doc_id"]).values(content_hash="stale"))
    assert process_into_store([str(demo_file.parent / "demo30.jsonl")], store, pipeline, quiet=True)["documents"] == 1
    assert cluster["id"] in {e["id"] for e in store.merged_events()}
    _assert_table_is_current(store)
    # an alias added to an actor shows in the aliases of its events
    actor = next(e["actor1_id"] for e in evs if e.get("actor1_id"))
    assert client.post(f"/api/actors/{actor}/aliases", json={"alias": "Zz Test Alias"}, headers=auth).status_code == 201
    assert any("Zz Test Alias" in e["actor1_aliases"] for e in store.merged_events())
    _assert_table_is_current(store)


def test_table_is_rebuilt_when_missing(demo_file, tmp_path):
    """A store upgraded to 0007 has reports but no merged rows: opening it builds them."""
    path = tmp_path / "old.db"
    shutil.copy(demo_file, path)
    with Store(path) as store:
        before = store.merged_events()
        with store._tx() as s:
            s.execute(delete(MergedEventRow))
            s.execute(delete(MergedEventDataRow))
        assert store.merged_events() == []
    with Store(path) as store:
        assert _comparable(store.merged_events()) == _comparable(before)


# ----------------------------------------------------------------------------- the event list


def test_pages_add_up_to_the_filtered_view(client, demo_file):
    with Store(demo_file) as store:
        everything = store.merged_events()
    pages = _all_pages(client)
    assert [e["id"] for e in pages] == [e["id"] for e in everything]
    assert _get(client, "/api/events")["total"] == len(everything)
    some = next(e for e in everything if e["event_type"] and e["admin1"])
    for params, ok in [
        ({"type": some["event_type"]}, lambda e: some["event_type"] in (e["event_type"], e["sub_event_type"])),
        ({"admin1": some["admin1"]}, lambda e: e["admin1"] == some["admin1"]),
        ({"precision": ["1", "2"]}, lambda e: e["geo_precision"] in (1, 2)),
        ({"since": "2016-01-01", "until": "2016-12-31"}, lambda e: "2016-01-01" <= (e["event_date"] or "") <= "2016-12-31"),
        ({"bbox": "36.0,35.5,37.0,36.5"}, lambda e: 36 <= e["longitude"] <= 37 and 35.5 <= e["latitude"] <= 36.5),
        ({"q": "idlib"}, lambda e: "idlib" in " ".join(str(e.get(k) or "") for k in ("notes", "location", "admin1", "admin2", "admin3", "actor1", "actor2")).lower()),
    ]:
        got = _all_pages(client, **params)
        assert got, params
        assert all(ok(e) for e in got), params
        assert len(got) == sum(1 for e in everything if ok(e)), params


def test_sorting(client):
    fat = _get(client, "/api/events", sort="fatalities", order="desc", limit=500)["events"]
    assert [e["fatalities"] for e in fat] == sorted((e["fatalities"] for e in fat), reverse=True)
    legacy = _get(client, "/api/events", sort="-fatalities", limit=500)["events"]
    assert [e["id"] for e in legacy] == [e["id"] for e in fat]
    types = _get(client, "/api/events", sort="event_type", limit=500)["events"]
    assert [e["event_type"].casefold() for e in types] == sorted(e["event_type"].casefold() for e in types)
    adm = [e["admin1"] for e in _get(client, "/api/events", sort="admin1", limit=500)["events"]]
    named = [a for a in adm if a]
    assert named == sorted(named, key=str.casefold) and adm[: len(named)] == named  # unknown last
    dates = [e["event_date"] for e in _get(client, "/api/events", sort="date", order="desc", limit=500)["events"] if e["event_date"]]
    assert dates == sorted(dates, reverse=True)


def test_fields_trims_the_events(client):
    page = _get(client, "/api/events", fields="event_date,fatalities", limit=5)
    assert page["events"] and all(set(e) == {"id", "event_date", "fatalities"} for e in page["events"])


# ----------------------------------------------------------------------------- map, timeline, network


def test_country_level_events_are_never_points(client):
    total = _get(client, "/api/events")["total"]
    vague = _all_pages(client, precision="3")
    placed = _get(client, "/api/events", precision=["1", "2"])["total"]
    assert vague, "the demo store has events known only to a governorate or the country"
    vague_ids = {e["id"] for e in vague}
    for zoom in (3, 6, 9, 12, 16):
        m = _get(client, "/api/map", zoom=zoom)
        assert m["total"] == total
        assert not vague_ids & {c["event_id"] for c in m["clusters"]}
        assert sum(c["count"] for c in m["clusters"]) == placed
        assert sum(u["count"] for u in m["units"]) == len(vague)
        for c in m["clusters"]:
            assert sum(c["by_type"].values()) == c["count"] and 0 <= c["approx"] <= c["count"]
            w, s, e, n = c["bbox"]
            assert w <= c["lon"] <= e and s <= c["lat"] <= n
            assert (c["event_id"] is not None) == (c["count"] == 1)
    # one of them, alone in a box around it: counted in its unit, no cluster at any zoom
    ev = next(e for e in vague if e["latitude"] is not None)
    box = f"{ev['longitude'] - 0.001},{ev['latitude'] - 0.001},{ev['longitude'] + 0.001},{ev['latitude'] + 0.001}"
    m = _get(client, "/api/map", zoom=8, bbox=box)
    assert m["clusters"] == [] and sum(u["count"] for u in m["units"]) == m["total"] >= 1
    assert {u["name"] for u in m["units"]} <= {e["admin1"] or e["country"] for e in vague}
    # finer zooms never make fewer clusters
    counts = [len(_get(client, "/api/map", zoom=z)["clusters"]) for z in (2, 6, 10, 14)]
    assert counts == sorted(counts)


@pytest.mark.parametrize("bucket", ["day", "week", "month", "auto"])
def test_timeline_adds_up_to_the_total(client, bucket):
    for params in ({}, {"type": "Battles"}, {"since": "2016-01-01", "until": "2016-06-30"}):
        total = _get(client, "/api/events", **params)["total"]
        t = _get(client, "/api/timeline", bucket=bucket, **params)
        assert t["bucket"] in ("day", "week", "month") and (bucket == "auto" or t["bucket"] == bucket)
        assert sum(b["total"] for b in t["series"]) + t["undated"] + t["out_of_range"] == total
        assert all(sum(b["by_type"].values()) == b["total"] for b in t["series"])
        ts = [b["t"] for b in t["series"]]
        assert ts == sorted(set(ts))
    week = _get(client, "/api/timeline", bucket="week")["series"]
    from datetime import date

    assert all(date.fromisoformat(b["t"]).weekday() == 0 for b in week)
    assert all(b["t"].endswith("-01") for b in _get(client, "/api/timeline", bucket="month")["series"])


def test_network_follows_the_filters(client):
    net = _get(client, "/api/network", top=500)
    ids = {n["id"] for n in net["nodes"]}
    assert net["nodes"] and net["total_actors"] >= len(ids)
    assert all(e["source"] in ids and e["target"] in ids for e in net["edges"])
    degree = {i: len({e["target"] if e["source"] == i else e["source"] for e in net["edges"] if i in (e["source"], e["target"])}) for i in ids}
    assert all(n["degree"] == degree[n["id"]] for n in net["nodes"])
    top = _get(client, "/api/network", top=3)
    assert len(top["nodes"]) == 3
    # one day, one event: only the actors of that event
    ev = next(e for e in _get(client, "/api/events", limit=500)["events"] if e["actor1_id"] and e["event_date"])
    day = _get(client, "/api/events", since=ev["event_date"], until=ev["event_date"], limit=500)["events"]
    actors = {x for e in day for x in (e["actor1_id"], e["actor2_id"]) if x}
    small = _get(client, "/api/network", since=ev["event_date"], until=ev["event_date"])
    assert {n["id"] for n in small["nodes"]} == actors
    assert sum(e["count"] for e in small["edges"] if e["type"] == "co_event") == sum(1 for e in day if e["actor1_id"] and e["actor2_id"] and e["actor1_id"] != e["actor2_id"])
    # an actor's neighbourhood
    around = _get(client, "/api/network", actor=ev["actor1_id"])
    assert around["around"] == ev["actor1_id"] and ev["actor1_id"] in {n["id"] for n in around["nodes"]}
    assert all(ev["actor1_id"] in (e["source"], e["target"]) for e in around["edges"])


# ----------------------------------------------------------------------------- CSV, reviews, bad input


def test_csv_streams_exactly_the_filtered_rows(client):
    for params in ({}, {"type": "Battles"}, {"since": "2016-01-01", "until": "2016-12-31", "precision": "1"}):
        r = client.get("/api/events.csv", params=params)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(r.text)))
        page = _all_pages(client, **params)
        assert [x["event_id_cnty"] for x in rows] == [e["event_id_cnty"] for e in page]


def test_rejected_hidden_everywhere_and_the_note_logged(writable):
    store, client, auth = writable
    before = {p: _get(client, p) for p in ("/api/events", "/api/map", "/api/timeline")}
    ev = next(e for e in _get(client, "/api/events", precision=["1", "2"], limit=500)["events"] if e["actor1_id"])
    r = client.post(f"/api/events/{ev['id']}/reject", json={"note": "a duplicate of another report"}, headers=auth)
    assert r.status_code == 200
    after = {p: _get(client, p) for p in ("/api/events", "/api/map", "/api/timeline")}
    assert after["/api/events"]["total"] == before["/api/events"]["total"] - 1
    assert ev["id"] not in {e["id"] for e in _all_pages(client)}
    assert after["/api/map"]["total"] == before["/api/map"]["total"] - 1
    assert sum(c["count"] for c in after["/api/map"]["clusters"]) == sum(c["count"] for c in before["/api/map"]["clusters"]) - 1
    assert after["/api/timeline"]["total"] + after["/api/timeline"]["undated"] == before["/api/timeline"]["total"] + before["/api/timeline"]["undated"] - 1
    shown = _all_pages(client, include_rejected="true")
    assert ev["id"] in {e["id"] for e in shown} and len(shown) == before["/api/events"]["total"]
    assert _get(client, "/api/map", include_rejected="true")["total"] == before["/api/map"]["total"]
    log = _get(client, "/api/reviews", action="reject")
    assert log["total"] >= 1
    item = log["items"][0]
    assert item["who"] == "alice" and item["note"] == "a duplicate of another report" and item["when"].endswith("+00:00")
    assert item["event_id"] in ev["event_ids"]
    assert _get(client, "/api/reviews", event_id=ev["id"])["total"] == log["total"]
    assert _get(client, "/api/reviews", user="bob")["total"] == 0
    # newest first
    client.post(f"/api/events/{ev['id']}/confirm", json={"note": "on second thought"}, headers=auth)
    items = _get(client, "/api/reviews")["items"]
    assert items[0]["action"] == "confirm" and items[0]["note"] == "on second thought"
    assert [i["id"] for i in items] == sorted((i["id"] for i in items), reverse=True)


BAD = [
    ("/api/events", {"bbox": "36,35,37"}),
    ("/api/map", {"bbox": "36,35,37"}),
    ("/api/map", {"zoom": "99"}),
    ("/api/map", {"zoom": "-1"}),
    ("/api/events", {"limit": str(10**9)}),
    ("/api/events", {"limit": "501"}),
    ("/api/events", {"sort": "colour"}),
    ("/api/events", {"order": "sideways"}),
    ("/api/events", {"fields": "a,<b>"}),
    ("/api/timeline", {"bucket": "year"}),
    ("/api/network", {"top": "0"}),
    ("/api/network", {"top": "501"}),
    ("/api/reviews", {"action": "explode"}),
    ("/api/reviews", {"since": "9999-99-99"}),
]
SHARED_BAD = [{"since": "9999-99-99"}, {"until": "2018-02-30"}, {"type": "<script>alert(1)</script>"},
              {"sub_type": "Battles"}, {"precision": "4"}, {"precision": "x"}, {"bbox": "a,b,c,d"},
              {"bbox": "37,35,36,36"}, {"since": "2018-03-01", "until": "2018-02-01"}, {"include_rejected": "perhaps"}]


@pytest.mark.parametrize("path,params", BAD + [(p, b) for p in ("/api/events", "/api/events.csv", "/api/map",
                                                                "/api/timeline", "/api/network") for b in SHARED_BAD])
def test_bad_parameters_are_422(client, path, params):
    r = client.get(path, params=params)
    assert r.status_code == 422, (path, params, r.status_code, r.text[:200])
    assert r.json()["detail"]


def test_meta_date_range(client):
    meta = _get(client, "/api/meta")
    t = _get(client, "/api/timeline", bucket="day")["series"]
    assert meta["date_min"] == t[0]["t"] and meta["date_max"] == t[-1]["t"]
    assert "1900-01-01" <= meta["date_min"] <= meta["date_max"]


# ----------------------------------------------------------------------------- 100,000 events


@pytest.mark.slow
def test_a_hundred_thousand_events(big_file, demo_file):
    c = TestClient(create_app(big_file))
    page = _get(c, "/api/events", limit=500, offset=99_900)
    assert page["total"] == 100_000 and len(page["events"]) == 100
    m = _get(c, "/api/map", zoom=7)
    assert m["total"] == 100_000
    assert sum(x["count"] for x in m["clusters"]) + sum(u["count"] for u in m["units"]) == 100_000
    with Store(demo_file) as small:
        vague = sum(1 for e in small.merged_events() if (e["geo_precision"] or 1) >= 3)
        n_small = len(small.merged_events())
    # every copy of an event known only to its unit stays in that unit, never a point
    assert sum(u["count"] for u in m["units"]) == _get(c, "/api/events", precision="3")["total"] >= vague * (100_000 // n_small)
    t = _get(c, "/api/timeline")
    assert t["bucket"] in ("week", "month") and len(t["series"]) <= 400
    assert t["total"] + t["undated"] + t["out_of_range"] == 100_000
    net = _get(c, "/api/network")
    assert 0 < len(net["nodes"]) <= 60
    # a synthetic event is a whole event: its page, its reports, its sources
    ev = page["events"][-1]
    one = _get(c, f"/api/events/{ev['id']}")
    assert one["id"] == ev["id"] and one["mentions"] and one["sources"]
    # still in Syria: inside the pack's outline box
    assert all(32 <= e["latitude"] <= 37.5 and 35.5 <= e["longitude"] <= 42.5 for e in page["events"] if e["latitude"] is not None)
    month = {"since": "2020-03-01", "until": "2020-03-31"}
    n = _get(c, "/api/events", **month)["total"]
    rows = list(csv.DictReader(io.StringIO(c.get("/api/events.csv", params=month).text)))
    assert len(rows) == n > 0
