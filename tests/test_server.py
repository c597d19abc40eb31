"""The workbench API against a real store filled by the real pipeline on the seeds, on SQLite and on
PostgreSQL (tests/conftest.py: `backend`).

Read tests share one seeded store; every test that writes gets its own copy of it (a copied file,
or a database created from the seeded one as its template).
"""
from __future__ import annotations

import csv
import hashlib
import io
from urllib.parse import quote
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from frontlines.cli import process_into_store
from frontlines.export import ACLED_COLUMNS
from frontlines.pipeline import Pipeline
from frontlines.server import create_app
from frontlines.store import Store
from frontlines.store.schema import DocumentRow

from frontlines.pack import load_pack
from shared_paths import SEEDS

# the labels events and store rows carry: the pack's ACLED names ("HTS: Hayat Tahrir al Sham")
HTS = load_pack("syria").actors["hts"].acled_name
HAD = load_pack("syria").actors["hurras-al-din"].acled_name

WRITE_ENDPOINTS = [
    ("patch", "/api/events/{eid}", {"fatalities": 3}),
    ("post", "/api/events/{eid}/confirm", {}),
    ("post", "/api/events/{eid}/reject", {"note": "duplicate"}),
    ("post", "/api/actors/{aid}/aliases", {"alias": "someone"}),
    ("post", "/api/actors/{aid}/merge", {"other_id": "x"}),
    ("post", "/api/actors/{aid}/split", {"name": "New", "aliases": ["a"]}),
    ("get", "/api/whoami", None),
]


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return Pipeline("syria")


@pytest.fixture(scope="module")
def seeded(backend, pipeline) -> str:
    """The seeds processed into a store; only ever copied (nothing stays connected to it)."""
    db = backend.new_url()
    store = Store(db)
    totals = process_into_store([str(SEEDS)], store, pipeline, quiet=True)
    assert totals["documents"] == 5 and totals["events"] > 0
    store.close()
    return db


@pytest.fixture(scope="module")
def client(backend, seeded) -> TestClient:
    """Read-only client over the shared seeded store."""
    return TestClient(create_app(backend.copy(seeded)))


class Writable:
    def __init__(self, db: str):
        self.db = db
        self.store = Store(db)
        self.token = self.store.create_token("alice")
        self.client = TestClient(create_app(store=self.store))
        self.auth = {"Authorization": f"Bearer {self.token}"}

    def events(self, **params) -> list[dict]:
        r = self.client.get("/api/events", params=params)
        assert r.status_code == 200, r.text
        return r.json()["events"]


@pytest.fixture
def w(backend, seeded) -> Writable:
    wr = Writable(backend.copy(seeded))
    yield wr
    wr.store.close()


def _binnish_feb(events: list[dict]) -> list[dict]:
    return [e for e in events if e["location"] == "Binnish" and (e["event_date"] or "").startswith("2018-02")]


def _force_rerun(store: Store, pipeline: Pipeline, doc_ids: set[str]) -> dict:
    """Re-run the pipeline on the seeds with these documents marked changed, so save_result rewrites them."""
    with store.engine.begin() as conn:
        conn.execute(update(DocumentRow).where(DocumentRow.id.in_(doc_ids)).values(content_hash="stale"))
    return process_into_store([str(SEEDS)], store, pipeline, quiet=True)


# ----------------------------------------------------------------------------- documentation, meta, app


def test_openapi_documents_every_endpoint(client):
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    for p in ("/api/events", "/api/events.csv", "/api/events/{event_id}", "/api/events/{event_id}/confirm",
              "/api/events/{event_id}/reject", "/api/actors", "/api/actors/{actor_id}", "/api/actors/{actor_id}/aliases",
              "/api/actors/{actor_id}/merge", "/api/actors/{actor_id}/split", "/api/relations", "/api/documents",
              "/api/documents/{doc_id}", "/api/sources", "/api/reviews", "/api/meta", "/api/boundaries/{level}",
              "/api/whoami"):
        assert p in paths, p
    assert "patch" in paths["/api/events/{event_id}"]
    # write endpoints declare the bearer scheme; reads don't
    assert paths["/api/events/{event_id}"]["patch"].get("security")
    assert not paths["/api/events"]["get"].get("security")
    assert spec["components"]["securitySchemes"]["token"]["scheme"].lower() == "bearer"


def test_meta_and_boundaries(client):
    meta = client.get("/api/meta").json()
    assert meta["pack"] == "syria" and meta["counts"]["documents"] == 5
    assert "Battles" in meta["event_types"] and meta["first_date"] <= "2018-02-02" <= meta["last_date"]
    assert set(meta["boundary_levels"]) >= {"admin0", "admin1", "admin2"}
    lim = meta["limits"]  # the SPA's form bounds, the same the store enforces
    assert (lim["min_event_date"], lim["max_count"], lim["max_name"], lim["max_note"]) == ("1900-01-01", 100_000, 300, 2000)
    assert lim["max_event_date"] > "2025-01-01"
    gj = client.get("/api/boundaries/admin1")
    assert gj.status_code == 200 and gj.headers["content-type"].startswith("application/geo+json")
    names = {f["properties"]["adm1_name"] for f in gj.json()["features"]}
    assert "Idleb" in names and len(names) == 14
    r = client.get("/api/boundaries/admin9")
    assert r.status_code == 404 and "admin1" in r.json()["detail"]


def test_spa_is_served_with_a_strict_csp(client):
    r = client.get("/")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert '<script type="module" src="/static/js/main.js">' in r.text
    js = client.get("/static/js/main.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    # the app never feeds markup to the DOM
    web = Path(__file__).resolve().parents[1] / "src" / "frontlines" / "web" / "js"
    for f in web.glob("*.js"):
        src = f.read_text()
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert sink not in src, f"{f.name} uses {sink}"
    assert client.get("/api/nope").status_code == 404


# ----------------------------------------------------------------------------- events: reading


def test_events_filters(client):
    all_ = client.get("/api/events").json()
    assert all_["total"] == len(all_["events"]) > 0
    feb = client.get("/api/events", params={"since": "2018-02-01", "until": "2018-02-28"}).json()["events"]
    assert feb and all("2018-02-01" <= e["event_date"] <= "2018-02-28" for e in feb)
    assert _binnish_feb(feb)
    ev = feb[0]
    assert {"reviewed_fields", "sources", "event_id_cnty", "actor1_aliases"} <= set(ev)
    # type (event or sub-event type), actor (alias), place, bbox, hedged, reviewed, doc_id
    battles = client.get("/api/events", params={"type": "Battles"}).json()["events"]
    assert battles and all(e["event_type"] == "Battles" for e in battles)
    hts = client.get("/api/events", params={"actor": "HTS"}).json()["events"]
    assert hts and all(HTS in (e["actor1"], e["actor2"], *e["assoc_actor_1"], *e["assoc_actor_2"]) for e in hts)
    binnish = client.get("/api/events", params={"place": "binnish"}).json()["events"]
    assert binnish and all(e["location"] == "Binnish" for e in binnish)
    box = client.get("/api/events", params={"bbox": "36.6,35.9,36.8,36.0"}).json()["events"]
    assert box and all(36.6 <= e["longitude"] <= 36.8 and 35.9 <= e["latitude"] <= 36.0 for e in box)
    hedged = client.get("/api/events", params={"hedged": "true"}).json()["events"]
    assert all(e["hedged"] for e in hedged)
    plain = client.get("/api/events", params={"hedged": "false"}).json()["events"]
    assert len(hedged) + len(plain) == all_["total"]
    assert client.get("/api/events", params={"reviewed": "true"}).json()["total"] == 0
    assert client.get("/api/events", params={"reviewed": "false"}).json()["total"] == all_["total"]
    doc = feb[0]["sources"][0]["doc_id"]
    by_doc = client.get("/api/events", params={"doc_id": doc}).json()["events"]
    assert by_doc and all(any(s["doc_id"] == doc for s in e["sources"]) for e in by_doc)
    # sorting and paging
    by_fat = client.get("/api/events", params={"sort": "-fatalities"}).json()["events"]
    assert [e["fatalities"] for e in by_fat] == sorted((e["fatalities"] for e in by_fat), reverse=True)
    page = client.get("/api/events", params={"limit": 2, "offset": 1}).json()
    assert page["total"] == all_["total"] and [e["id"] for e in page["events"]] == [e["id"] for e in all_["events"][1:3]]


@pytest.mark.parametrize(
    "params",
    [
        {"since": "yesterday"},
        {"until": "2018-02-30"},
        {"since": "2018-03-01", "until": "2018-02-01"},
        {"bbox": "36,35"},
        {"bbox": "a,b,c,d"},
        {"bbox": "37,35,36,36"},
        {"bbox": "36,95,37,96"},
        {"hedged": "maybe"},
        {"reviewed": "sometimes"},
        {"review_state": "pending"},
        {"type": "Picnics"},
        {"sort": "colour"},
        {"limit": "0"},
        {"limit": "many"},
        {"offset": "-1"},
    ],
)
def test_events_bad_parameters_are_422(client, params):
    r = client.get("/api/events", params=params)
    assert r.status_code == 422, (params, r.status_code, r.text)
    assert r.json()["detail"]
    r = client.get("/api/events.csv", params={k: v for k, v in params.items() if k not in ("review_state", "sort", "limit", "offset")})
    assert r.status_code in (200, 422) and r.status_code != 500


def test_events_csv_is_acled(client):
    r = client.get("/api/events.csv", params={"since": "2018-02-01", "until": "2018-02-28"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert list(rows[0].keys()) == ACLED_COLUMNS
    n = client.get("/api/events", params={"since": "2018-02-01", "until": "2018-02-28"}).json()["total"]
    assert len(rows) == n and all(x["event_date"].startswith("2018-02") for x in rows)
    assert any(x["location"] == "Binnish" for x in rows)


def test_get_event(client):
    ev = client.get("/api/events").json()["events"][0]
    one = client.get(f"/api/events/{ev['id']}").json()
    assert one["id"] == ev["id"] and one["reviews"] == [] and one["reviewed_fields"] == []
    r = client.get("/api/events/no-such-event")
    assert r.status_code == 404 and "no-such-event" in r.json()["detail"]


# ----------------------------------------------------------------------------- auth


def test_write_endpoints_need_a_token(client):
    eid = client.get("/api/events").json()["events"][0]["id"]
    aid = client.get("/api/actors").json()[0]["id"]
    for method, path, body in WRITE_ENDPOINTS:
        url = path.format(eid=eid, aid=aid)
        kwargs = {} if body is None else {"json": body}
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer "}):
            r = getattr(client, method)(url, headers=headers, **kwargs)
            assert r.status_code == 401, (method, url, headers, r.status_code)
            assert r.headers.get("www-authenticate") == "Bearer"
    # and nothing changed
    assert client.get("/api/reviews").json() == []
    assert client.get(f"/api/events/{eid}").json()["review_state"] == "unreviewed"


def test_tokens_are_stored_hashed(w):
    with w.store.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT name, token_hash FROM api_tokens").all()
    assert rows == [("alice", hashlib.sha256(w.token.encode()).hexdigest())]
    if w.store.engine.dialect.name == "sqlite":
        assert w.token.encode() not in Path(w.db).read_bytes()
    assert w.client.get("/api/whoami", headers=w.auth).json() == {"who": "alice"}
    tid = w.store.tokens()[0]["id"]
    assert w.store.revoke_token(tid)
    assert w.client.get("/api/whoami", headers=w.auth).status_code == 401


def test_token_cli(backend, seeded):
    from typer.testing import CliRunner

    from frontlines.cli import app

    path = backend.copy(seeded)
    res = CliRunner().invoke(app, ["token", "create", "--name", "bob", "--db", path])
    assert res.exit_code == 0, res.output
    token = res.stdout.strip().splitlines()[-1]
    assert token.startswith("fl_")
    with Store(path) as s:
        assert s.check_token(token) == "bob" and s.check_token(token + "x") is None
    res = CliRunner().invoke(app, ["token", "create", "--name", " ", "--db", path])
    assert res.exit_code != 0


# ----------------------------------------------------------------------------- events: review


def test_edit_is_logged_and_survives_a_rerun(w, pipeline):
    ev = _binnish_feb(w.events())[0]
    doc_id = ev["sources"][0]["doc_id"]
    new_fat = ev["fatalities"] + 7
    r = w.client.patch(f"/api/events/{ev['id']}", json={"fatalities": new_fat}, headers=w.auth)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["fatalities"] == new_fat and out["review_state"] == "edited" and out["reviewed_fields"] == ["fatalities"]
    log = {x["field"]: x for x in out["reviews"]}
    assert log["fatalities"]["before"] == ev["fatalities"] and log["fatalities"]["after"] == new_fat
    assert log["fatalities"]["who"] == "alice" and log["fatalities"]["at"]
    assert log["review_state"]["before"] == "unreviewed" and log["review_state"]["after"] == "edited"
    assert w.events(reviewed="true")[0]["id"] == ev["id"]

    # a plain re-run skips unchanged documents; a forced one re-extracts and re-saves this document
    process_into_store([str(SEEDS)], w.store, pipeline, quiet=True)
    totals = _force_rerun(w.store, pipeline, {doc_id})
    assert totals["documents"] == 1
    again = w.client.get(f"/api/events/{ev['id']}").json()
    assert again["fatalities"] == new_fat  # the reviewed field stuck
    assert again["review_state"] == "edited" and again["sources"]  # the machine's sources came back
    assert again["event_type"] == ev["event_type"] and again["location"] == ev["location"]


def test_edit_type_actors_place_date(w, pipeline):
    ev = _binnish_feb(w.events())[0]
    changes = {"event_type": "Battles", "sub_event_type": "Armed clash", "actor1": "HTS", "actor2": "Jaysh al-Mahdi (test)",
               "location": "Sarmada", "event_date": "2018-02-10"}
    r = w.client.patch(f"/api/events/{ev['id']}", json=changes, headers=w.auth)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["event_type"] == "Battles" and out["sub_event_type"] == "Armed clash" and out["event_date"] == "2018-02-10"
    assert out["actor1"] == HTS  # resolved through the stored aliases
    assert out["actor2_id"] == "prov:jaysh-al-mahdi-test"  # unknown: a provisional actor
    assert out["location"] == "Sarmada" and out["admin1"] == "Idleb" and 36.1 < out["latitude"] < 36.3
    assert {"event_type", "actor1", "actor1_id", "location", "latitude", "event_date"} <= set(out["reviewed_fields"])
    _force_rerun(w.store, pipeline, {s["doc_id"] for s in ev["sources"]})
    again = w.client.get(f"/api/events/{ev['id']}").json()
    for k in ("event_type", "sub_event_type", "actor1", "actor2", "location", "latitude", "event_date"):
        assert again[k] == out[k], k
    # sub-event type alone, consistent with the type
    r = w.client.patch(f"/api/events/{ev['id']}", json={"sub_event_type": "Non-state actor overtakes territory"}, headers=w.auth)
    assert r.status_code == 200 and r.json()["event_type"] == "Battles"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"fatalities": -1},
        {"fatalities": "many"},
        {"fatalities": 1.5},
        {"event_type": "Picnics"},
        {"sub_event_type": "Peaceful protest", "event_type": "Battles"},
        {"event_date": "2018-02-31"},
        {"time_precision": 7},
        {"colour": "red"},
        {"review_state": "confirmed"},
        {"latitude": 35.9},
        {"latitude": 123, "longitude": 36},
        {"actor1": ""},
        {"hedged": "perhaps"},
    ],
)
def test_bad_edits_are_4xx(w, body):
    ev = w.events()[0]
    r = w.client.patch(f"/api/events/{ev['id']}", json=body, headers=w.auth)
    assert r.status_code == 422, (body, r.status_code, r.text)
    assert r.json()["detail"]
    assert w.client.get(f"/api/events/{ev['id']}").json()["reviews"] == []


def test_edit_errors_not_found_and_bad_json(w):
    r = w.client.patch("/api/events/nope", json={"fatalities": 1}, headers=w.auth)
    assert r.status_code == 404
    ev = w.events()[0]
    r = w.client.patch(f"/api/events/{ev['id']}", content=b"{not json", headers={**w.auth, "Content-Type": "application/json"})
    assert r.status_code == 422
    r = w.client.patch(f"/api/events/{ev['id']}", json=[1, 2], headers=w.auth)
    assert r.status_code == 422


def test_confirm_and_reject(w, pipeline):
    evs = _binnish_feb(w.events())
    a, b = evs[0], evs[1]
    r = w.client.post(f"/api/events/{a['id']}/confirm", headers=w.auth)
    assert r.status_code == 200 and r.json()["review_state"] == "confirmed"
    r = w.client.post(f"/api/events/{b['id']}/reject", json={"note": "same as another report"}, headers=w.auth)
    assert r.status_code == 200 and r.json()["review_state"] == "rejected"
    notes = [x for x in r.json()["reviews"] if x["field"] == "note"]
    assert notes and notes[0]["after"] == "same as another report"
    assert {e["id"] for e in w.events(review_state="rejected")} == {b["id"]}
    # rejected events stay out of the CSV unless asked for
    csv_ids = w.client.get("/api/events.csv").text
    assert b["event_id_cnty"] not in csv_ids
    assert b["event_id_cnty"] in w.client.get("/api/events.csv", params={"include_rejected": "true"}).text
    _force_rerun(w.store, pipeline, {a["sources"][0]["doc_id"], b["sources"][0]["doc_id"]})
    assert w.client.get(f"/api/events/{a['id']}").json()["review_state"] == "confirmed"
    assert w.client.get(f"/api/events/{b['id']}").json()["review_state"] == "rejected"
    assert w.client.post("/api/events/nope/confirm", headers=w.auth).status_code == 404
    assert w.client.post(f"/api/events/{a['id']}/reject", json={"note": 5, "x": 1}, headers=w.auth).status_code == 422
    log = w.client.get("/api/reviews", params={"entity": "event"}).json()
    # a review of a merged event applies to every report behind it
    assert {x["entity_id"] for x in log} == {*a["event_ids"], *b["event_ids"]} and all(x["who"] == "alice" for x in log)


# ----------------------------------------------------------------------------- actors


def test_actors_read(client):
    actors = client.get("/api/actors").json()
    hts = next(a for a in actors if a["name"] == HTS)
    assert hts["n_events"] > 0 and "HTS" in hts["aliases"]
    assert client.get("/api/actors", params={"q": "tahrir"}).json()[0]["id"] == hts["id"]
    one = client.get(f"/api/actors/{hts['id']}").json()
    assert one["id"] == hts["id"] and one["merged_from"] == [] and one["reviews"] == []
    assert client.get("/api/actors/nobody").status_code == 404
    assert client.get("/api/actors", params={"limit": 0}).status_code == 422


def test_add_alias(w):
    aid = next(a["id"] for a in w.client.get("/api/actors").json() if a["name"] == HTS)
    r = w.client.post(f"/api/actors/{aid}/aliases", json={"alias": "Tahrir al-Sham Committee"}, headers=w.auth)
    assert r.status_code == 201 and "Tahrir al-Sham Committee" in r.json()["aliases"]
    assert w.events(actor="Tahrir al-Sham Committee")  # the new alias finds its events
    assert w.client.post(f"/api/actors/{aid}/aliases", json={"alias": "Tahrir al-Sham Committee"}, headers=w.auth).status_code == 409
    assert w.client.post(f"/api/actors/{aid}/aliases", json={"alias": ""}, headers=w.auth).status_code == 422
    assert w.client.post(f"/api/actors/{aid}/aliases", json={"alias": "   "}, headers=w.auth).status_code == 422
    assert w.client.post(f"/api/actors/{aid}/aliases", json={}, headers=w.auth).status_code == 422
    assert w.client.post("/api/actors/nobody/aliases", json={"alias": "x"}, headers=w.auth).status_code == 404
    log = w.client.get("/api/reviews", params={"entity": "actor", "entity_id": aid}).json()
    assert [(x["field"], x["after"], x["who"]) for x in log] == [("alias", "Tahrir al-Sham Committee", "alice")]


def test_merge_actors_sticks_across_runs(w, pipeline):
    actors = {a["name"]: a for a in w.client.get("/api/actors").json()}
    keep, other = actors[HTS], actors[HAD]
    other_events = [e for e in w.events() if other["id"] in (e["actor1_id"], e["actor2_id"])]
    assert other_events
    r = w.client.post(f"/api/actors/{keep['id']}/merge", json={"other_id": other["id"]}, headers=w.auth)
    assert r.status_code == 200, r.text
    merged = r.json()
    assert merged["merged_from"] == [other["id"]] and HAD in merged["aliases"]
    assert w.client.get(f"/api/actors/{other['id']}").status_code == 404
    ids = {e["id"] for e in w.events() if keep["id"] in (e["actor1_id"], e["actor2_id"])}
    assert {e["id"] for e in other_events} <= ids
    assert not [e for e in w.events() if other["id"] in (e["actor1_id"], e["actor2_id"])]
    # re-extracting the documents files the merged actor's mentions under the kept one
    _force_rerun(w.store, pipeline, {s["doc_id"] for e in other_events for s in e["sources"]})
    assert not [e for e in w.events() if other["id"] in (e["actor1_id"], e["actor2_id"])]
    assert w.client.get(f"/api/actors/{other['id']}").status_code == 404
    assert w.client.post(f"/api/actors/{keep['id']}/merge", json={"other_id": keep["id"]}, headers=w.auth).status_code == 409
    assert w.client.post(f"/api/actors/{keep['id']}/merge", json={"other_id": "nobody"}, headers=w.auth).status_code == 404
    assert w.client.post(f"/api/actors/{keep['id']}/merge", json={}, headers=w.auth).status_code == 422


def test_split_actor(w):
    actors = w.client.get("/api/actors").json()
    hts = next(a for a in actors if a["name"] == HTS)
    alias = "HTS"
    r = w.client.post(f"/api/actors/{hts['id']}/split", json={"name": "HTS splinter", "aliases": [alias]}, headers=w.auth)
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["new"]["id"] == "user:hts-splinter" and alias in out["new"]["aliases"]
    assert alias not in out["from"]["aliases"]
    moved = [e for e in w.events() if "user:hts-splinter" in (e["actor1_id"], e["actor2_id"])]
    for e in moved:
        assert "actor1_id" in e["reviewed_fields"]
    assert w.client.post(f"/api/actors/{hts['id']}/split", json={"name": "HTS splinter", "aliases": ["Hayat Tahrir al-Sham"]},
                         headers=w.auth).status_code in (409, 422)
    assert w.client.post(f"/api/actors/{hts['id']}/split", json={"name": "X", "aliases": ["not an alias"]}, headers=w.auth).status_code == 422
    assert w.client.post(f"/api/actors/{hts['id']}/split", json={"name": "X", "aliases": []}, headers=w.auth).status_code == 422
    assert w.client.post("/api/actors/nobody/split", json={"name": "X", "aliases": ["a"]}, headers=w.auth).status_code == 404


# ----------------------------------------------------------------------------- relations, documents, sources, reviews


def test_relations(client):
    r = client.get("/api/relations")
    assert r.status_code == 200 and isinstance(r.json(), list)
    for rel in r.json():
        assert {"type", "source_id", "target_id", "evidence_start"} <= set(rel)
    assert client.get("/api/relations", params={"type": "allied_with", "actor": "HTS"}).status_code == 200
    assert client.get("/api/relations", params={"type": "friends_with"}).status_code == 422
    assert client.get("/api/relations", params={"since": "2020-01-01", "until": "2019-01-01"}).status_code == 422
    assert client.get("/api/relations", params={"since": "soon"}).status_code == 422


def test_documents(client):
    docs = client.get("/api/documents").json()
    assert len(docs) == 5 and all("text" not in d for d in docs)
    ev = _binnish_feb(client.get("/api/events").json()["events"])[0]
    src = ev["sources"][0]
    doc = client.get(f"/api/documents/{src['doc_id']}").json()
    assert doc["text"] and doc["removed"] and doc["evidence"]
    for sp in doc["removed"]:
        assert 0 <= sp["start"] <= sp["end"] <= len(doc["text"]) and sp["kind"]
    mine = [x for x in doc["evidence"] if x["id"] == ev["id"]]
    assert mine and mine[0]["start"] == src["evidence_start"] and mine[0]["end"] == src["evidence_end"]
    for x in doc["evidence"]:
        assert doc["text"][x["start"]: x["end"]] == x["text"]
    assert client.get("/api/documents/nope").status_code == 404


def test_sources_and_reviews(client):
    sources = client.get("/api/sources").json()
    assert sum(s["documents"] for s in sources) == 5
    assert client.get("/api/reviews").json() == []
    assert client.get("/api/reviews", params={"entity": "planet"}).status_code == 422
    assert client.get("/api/reviews", params={"limit": -3}).status_code == 422


# ----------------------------------------------------------------------------- bounds on every write


def _sizes(store: Store) -> dict:
    return store.counts()  # rows per table: reviews, actors, aliases, places...


HUGE = 9223372036854775808  # 2**63: one past SQLite's INTEGER


@pytest.mark.parametrize(
    "body",
    [
        {"fatalities": HUGE},
        {"fatalities": -HUGE},
        {"fatalities": 10**40},
        {"fatalities": 100_001},
        {"injured": HUGE},
        {"injured": 100_001},
        {"time_precision": HUGE},
        {"hedged": HUGE},
        {"event_date": "9999-12-31"},
        {"event_date": "0001-01-01"},
        {"event_date": "1899-12-31"},
        {"event_date": "2999-01-01"},
        {"actor1": "A" * 100_000},
        {"actor2": "B" * 301},
        {"location": "L" * 301},
        {"admin1": "X" * 301},
        {"latitude": 10**400, "longitude": 36},
        {"latitude": 35, "longitude": -HUGE},
        {"event_type": "E" * 100_000},
    ],
)
def test_out_of_bounds_edits_are_422_and_store_nothing(w, body):
    ev = w.events()[0]
    before = _sizes(w.store)
    r = w.client.patch(f"/api/events/{ev['id']}", json=body, headers=w.auth)
    assert r.status_code == 422, (list(body), r.status_code, r.text[:300])
    assert r.json()["detail"]
    assert _sizes(w.store) == before  # no review row, no provisional actor, no place
    assert w.client.get(f"/api/events/{ev['id']}").json()["reviews"] == []


def test_json_ints_beyond_64_bits_are_422_everywhere(w):
    ev = w.events()[0]
    aid = w.client.get("/api/actors").json()[0]["id"]
    before = _sizes(w.store)
    raw = [
        ("patch", f"/api/events/{ev['id']}", b'{"fatalities": 9223372036854775808}'),
        ("patch", f"/api/events/{ev['id']}", b'{"fatalities": 1' + b"0" * 5000 + b"}"),
        ("patch", f"/api/events/{ev['id']}", b'{"latitude": 1e400, "longitude": 1}'),
        ("patch", f"/api/events/{ev['id']}", b'{"event_date": 99999999999999999999999}'),
        ("post", f"/api/events/{ev['id']}/confirm", b'{"note": 18446744073709551616}'),
        ("post", f"/api/events/{ev['id']}/reject", b'{"note": 18446744073709551616}'),
        ("post", f"/api/actors/{aid}/aliases", b'{"alias": 18446744073709551616}'),
        ("post", f"/api/actors/{aid}/merge", b'{"other_id": 18446744073709551616}'),
        ("post", f"/api/actors/{aid}/split", b'{"name": "x", "aliases": [18446744073709551616]}'),
    ]
    for method, url, body in raw:
        r = getattr(w.client, method)(url, content=body, headers={**w.auth, "Content-Type": "application/json"})
        assert r.status_code == 422, (url, body[:60], r.status_code, r.text[:300])
    for params in ({"limit": str(HUGE)}, {"offset": str(HUGE)}, {"offset": "1" + "0" * 5000}):
        assert w.client.get("/api/events", params=params).status_code == 422, params
    assert w.client.get("/api/reviews", params={"limit": str(HUGE)}).status_code == 422
    assert _sizes(w.store) == before


def test_bounds_are_inclusive(w):
    from datetime import datetime, timedelta, timezone

    ev = w.events()[0]
    tomorrow = (datetime.now(timezone.utc).date() + timedelta(days=1)).isoformat()
    for body in ({"fatalities": 100_000}, {"injured": 0}, {"event_date": "1900-01-01"}, {"event_date": tomorrow},
                 {"actor2": "N" * 300}, {"latitude": -90, "longitude": 180}):
        r = w.client.patch(f"/api/events/{ev['id']}", json=body, headers=w.auth)
        assert r.status_code == 200, (body, r.text[:300])
    out = w.client.get(f"/api/events/{ev['id']}").json()
    assert out["fatalities"] == 100_000 and out["event_date"] == tomorrow and out["actor2"] == "N" * 300


def test_actor_and_note_bounds(w):
    actors = w.client.get("/api/actors").json()
    hts = next(a for a in actors if a["name"] == HTS)
    ev = w.events()[0]
    before = _sizes(w.store)
    n_reviews = len(w.client.get("/api/reviews").json())
    bad = [
        ("post", f"/api/actors/{hts['id']}/aliases", {"alias": "a" * 301}),
        ("post", f"/api/actors/{hts['id']}/aliases", {"alias": "a" * 100_000}),
        ("post", f"/api/actors/{hts['id']}/split", {"name": "n" * 301, "aliases": ["HTS"]}),
        ("post", f"/api/actors/{hts['id']}/split", {"name": "ok", "aliases": ["HTS", "a" * 301]}),
        ("post", f"/api/actors/{hts['id']}/split", {"name": "ok", "aliases": ["HTS"] * 101}),
        ("post", f"/api/actors/{hts['id']}/merge", {"other_id": "x" * 256}),
        ("post", f"/api/events/{ev['id']}/reject", {"note": "n" * 2001}),
        ("post", f"/api/events/{ev['id']}/confirm", {"note": "n" * 100_000}),
    ]
    for method, url, body in bad:
        r = getattr(w.client, method)(url, json=body, headers=w.auth)
        assert r.status_code == 422, (url, r.status_code, r.text[:200])
    assert _sizes(w.store) == before and len(w.client.get("/api/reviews").json()) == n_reviews
    # the limits themselves are fine
    r = w.client.post(f"/api/actors/{hts['id']}/aliases", json={"alias": "a" * 300}, headers=w.auth)
    assert r.status_code == 201, r.text[:200]
    r = w.client.post(f"/api/events/{ev['id']}/reject", json={"note": "n" * 2000}, headers=w.auth)
    assert r.status_code == 200, r.text[:200]


def test_store_checks_edits_without_the_api(w):
    """The store's own checks (what a CLI or a script meets): ValueError, nothing written."""
    ev = w.events()[0]
    before = _sizes(w.store)
    for changes in ({"fatalities": HUGE}, {"fatalities": 100_001}, {"injured": -1}, {"event_date": "9999-12-31"},
                    {"event_date": "0001-01-01"}, {"actor1": "A" * 100_000}, {"actor2": 12}, {"location": "L" * 301},
                    {"latitude": float("nan"), "longitude": 1.0}, {"latitude": 1.0, "longitude": 1e308},
                    {"time_precision": True}, {"iso": HUGE}, {"inter1": HUGE}, {"assoc_actor_1": ["x" * 301]},
                    {"assoc_actor_1": "not a list"}, {"claimant": "c" * 301}, {"sub_event_type": ["x"]}, [1, 2]):
        with pytest.raises(ValueError):
            w.store.update_event(ev["id"], changes, "script")
    with pytest.raises(ValueError):
        w.store.add_alias(ev["actor1_id"], "a" * 301, "script")
    with pytest.raises(ValueError):
        w.store.split_actor(ev["actor1_id"], ["x" * 301], "new", "script")
    with pytest.raises(ValueError):
        w.store.reject_event(ev["id"], "script", "n" * 2001)
    assert _sizes(w.store) == before and w.store.reviews() == []


def test_csv_export_neutralises_reviewer_formulas(w):
    ev = _binnish_feb(w.events())[0]
    r = w.client.patch(f"/api/events/{ev['id']}", json={"actor2": '=HYPERLINK("http://evil.example","x")',
                                                        "location": "@SUM(A1:A9)", "latitude": -33.25, "longitude": -70.5},
                       headers=w.auth)
    assert r.status_code == 200, r.text
    text = w.client.get("/api/events.csv").text
    row = next(x for x in csv.DictReader(io.StringIO(text)) if x["event_id_cnty"] == ev["event_id_cnty"])
    assert row["actor2"] == '\'=HYPERLINK("http://evil.example","x")' and row["location"] == "'@SUM(A1:A9)"
    assert (row["latitude"], row["longitude"]) == ("-33.25", "-70.5")  # numbers stay numbers
    for cells in csv.reader(io.StringIO(text)):
        for v in cells:
            assert not v or v[0] not in "=+@\t\r" and not (v[0] == "-" and not v[1:2].isdigit()), v


# ----------------------------------------------------------------------------- /docs, offline


def test_docs_are_served_from_local_files(client):
    r = client.get("/docs")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    import re

    urls = re.findall(r'(?:src|href)\s*=\s*["\']([^"\']+)', r.text)
    assert urls and all(u.startswith("/") and not u.startswith("//") for u in urls), urls
    assert "http://" not in r.text and "https://" not in r.text and "cdn" not in r.text.lower()
    csp = r.headers["content-security-policy"]
    assert "script-src 'self' 'sha256-" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    for u in urls:
        got = client.get(u)
        assert got.status_code == 200 and got.content, u
    js = client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js")
    assert "javascript" in js.headers["content-type"] and b"SwaggerUIBundle" in js.content
    assert "text/css" in client.get("/static/vendor/swagger-ui/swagger-ui.css").headers["content-type"]
    assert "Apache License" in client.get("/static/vendor/swagger-ui/LICENSE").text
    assert client.get("/openapi.json").status_code == 200
    assert client.get("/redoc").status_code == 404  # not vendored, so not served
    # every other page keeps the strict policy
    assert client.get("/").headers["content-security-policy"].startswith("default-src 'self'; script-src 'self';")


def test_vendored_files_match_the_lockfile():
    import json as _json

    root = Path(__file__).resolve().parents[1]
    lock = _json.loads((root / "tools" / "web" / "package-lock.json").read_text())
    pinned = lock["packages"]["node_modules/swagger-ui-dist"]["version"]
    assert _json.loads((root / "tools" / "web" / "package.json").read_text())["dependencies"]["swagger-ui-dist"] == pinned
    vendor = root / "src" / "frontlines" / "web" / "vendor" / "swagger-ui"
    assert (vendor / "VERSION").read_text().split() == ["swagger-ui-dist", pinned]
    for f in ("swagger-ui-bundle.js", "swagger-ui.css", "LICENSE"):
        assert (vendor / f).stat().st_size > 0


def test_review_cli_checks_names(backend, seeded):
    from typer.testing import CliRunner

    from frontlines.cli import app

    path = backend.copy(seeded)
    with Store(path) as s:
        before = s.counts()
        eids = [e["id"] for e in s.events()[:2]]
    runs = [["token", "create", "--name", "n" * 301], ["token", "create", "--name", "n" * 100_000],
            ["split", eids[0], "--who", "w" * 301], ["merge", *eids, "--who", "w" * 100_000]]
    for args in runs:
        res = CliRunner().invoke(app, [*args, "--db", path])
        assert res.exit_code == 2 and "too long" in res.output, (args[:2], res.exit_code, res.output[-300:])
    with Store(path) as s:
        assert s.counts() == before and s.tokens() == []
    res = CliRunner().invoke(app, ["token", "create", "--name", "n" * 300, "--db", path])
    assert res.exit_code == 0, res.output


def test_a_document_from_a_subfolder_is_served(pipeline, tmp_path, store_url):
    """Files found in sub-folders have ids with a '/' ("other/000_x"): the document route serves them."""
    corpus = tmp_path / "corpus"
    (corpus / "other").mkdir(parents=True)
    text = "Syrian government forces shelled the town of Binnish in Idlib on Monday, killing three civilians."
    (corpus / "000_x.txt").write_text(text, encoding="utf-8")
    (corpus / "other" / "000_x.txt").write_text(text.replace("three", "four"), encoding="utf-8")
    store = Store(store_url)
    process_into_store([str(corpus)], store, pipeline, quiet=True)
    client = TestClient(create_app(store=store))
    ids = sorted(d["id"] for d in client.get("/api/documents").json())
    assert ids == ["000_x", "other/000_x"]
    for doc_id in ids:
        r = client.get(f"/api/documents/{quote(doc_id, safe='')}")
        assert r.status_code == 200 and r.json()["id"] == doc_id
    store.close()
