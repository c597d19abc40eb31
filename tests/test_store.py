"""The store against real SQLite files: idempotency, replacement, filters, failures, migrations."""
from __future__ import annotations

import io
import json
from datetime import date, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, update

from frontlines.models import (
    ActorRef,
    CleanedText,
    Document,
    DocumentResult,
    EventRecord,
    IngestFailure,
    PlaceRef,
    RelationRecord,
    RemovedSpan,
)
from frontlines.store import Store, alembic_config, default_db_path, resolve_url
from frontlines.store.schema import EventRow, metadata

EVENT_KEYS = {
    "id", "event_id_cnty", "event_type", "sub_event_type", "event_date", "year", "time_precision",
    "actor1", "actor1_id", "actor1_aliases", "inter1", "assoc_actor_1", "actor2", "actor2_id",
    "actor2_aliases", "inter2", "assoc_actor_2", "location", "place_id", "latitude", "longitude",
    "admin1", "admin2", "admin3", "geo_precision", "country", "iso", "region", "fatalities",
    "injured", "hedged", "claimant", "hedge_cue", "confidence", "review_state", "sources", "source",
    "source_scale", "notes", "cluster_id", "timestamp",
}
RELATION_KEYS = {
    "id", "type", "source", "source_id", "source_aliases", "target", "target_id", "target_aliases",
    "date", "hedged", "derived", "confidence", "doc_id", "evidence", "evidence_start", "evidence_end",
}

# A fictional setting: no real pack data is needed to exercise the store.
HTS = dict(actor_id="pack:hts", name="Hayat Tahrir al-Sham", aliases=["HTS", "Tahrir al-Sham"], inter=2)
ARMY = dict(actor_id="pack:army", name="Military Forces of Freedonia", aliases=["the army", "government forces"], inter=1)
CIVS = dict(actor_id="pack:civilians", name="Civilians (Freedonia)", aliases=[], inter=7)
TOWN = PlaceRef(surface="Marisville", place_id="gn:1", name="Marisville", lat=35.5, lon=36.6,
                admin1="North Province", admin2="Marisville District", admin3="Marisville", country="Freedonia", iso=999)
CITY = PlaceRef(surface="the capital", place_id="gn:2", name="Capital City", lat=33.5, lon=36.3,
                admin1="Capital Governorate", admin2="Capital", country="Freedonia", iso=999)


def actor(surface: str, **kw) -> ActorRef:
    return ActorRef(surface=surface, **kw)


def make_result(doc_id: str = "doc1", text: str | None = None, *, outlet: str | None = "Freedonia Times",
                events: list[EventRecord] | None = None, relations: list[RelationRecord] | None = None,
                removed: list[RemovedSpan] | None = None) -> DocumentResult:
    text = text if text is not None else (
        "HTS fighters clashed with the army in Marisville on Monday. Share this article!\n"
        "An air strike hit the capital, killing three, activists said."
    )
    doc = Document(id=doc_id, text=text, source_path=f"/corpus/{doc_id}.txt", title=f"Title {doc_id}",
                   url=f"https://example.org/{doc_id}", outlet=outlet, published=date(2024, 3, 5),
                   published_source="metadata", published_confidence=1.0)
    if removed is None:
        i = text.find("Share this article!")
        removed = [RemovedSpan(i, i + len("Share this article!"), "share_prompt", "share cue")] if i >= 0 else []
    if events is None:
        hts = actor("HTS fighters", **HTS)
        army = actor("the army", **ARMY)
        events = [
            EventRecord(doc_id=doc_id, event_type="Battles", sub_event_type="Armed clash", actor1=hts, actor2=army,
                        assoc_actor_1=[actor("Jaysh al-Izza", actor_id="prov:jaysh-al-izza", name="Jaysh al-Izza", provisional=True)],
                        location=TOWN, event_date=date(2024, 3, 4), fatalities=2, evidence=text.split(".")[0] + ".",
                        evidence_start=0, evidence_end=len(text.split(".")[0]) + 1, confidence=0.8),
            EventRecord(doc_id=doc_id, event_type="Explosions/Remote violence", sub_event_type="Air/drone strike",
                        actor1=actor("unknown aircraft"), actor2=actor("civilians", **CIVS), location=CITY,
                        event_date=date(2024, 3, 5), fatalities=3, evidence="An air strike hit the capital, killing three, activists said.",
                        evidence_start=text.find("An air"), evidence_end=len(text), hedged=True, claimant="activists",
                        hedge_cue="said"),
        ]
    if relations is None:
        relations = [
            RelationRecord(doc_id=doc_id, type="clashed_with", source=actor("the army", **ARMY),
                           target=actor("HTS fighters", **HTS), date=date(2024, 3, 4), evidence="clashed", evidence_start=13),
        ]
    actors = [a for ev in events for a in (ev.actor1, ev.actor2) if a]
    return DocumentResult(document=doc, cleaned=CleanedText(text=text, removed=removed), events=events,
                          relations=relations, actors=actors, places=[TOWN, CITY])


@pytest.fixture
def store(tmp_path: Path):
    s = Store(tmp_path / "fl.db")
    yield s
    s.close()


# ----------------------------------------------------------------------------- saving


def test_save_and_read_back(store: Store):
    counts = store.save_result(make_result(), region="Middle East", iso3="FRE")
    assert counts == {"documents": 1, "events": 2, "relations": 1}
    c = store.counts()
    assert c["documents"] == 1 and c["events"] == 2 and c["event_sources"] == 2 and c["relations"] == 1
    assert c["removed_spans"] == 1 and c["places"] == 2
    assert set(c) == {t.name for t in metadata.sorted_tables}

    events = store.events()
    assert [e["sub_event_type"] for e in events] == ["Armed clash", "Air/drone strike"]
    for e in events:
        assert set(e) == EVENT_KEYS
    json.dumps(events)  # plain JSON-able

    clash, strike = events
    assert clash["event_date"] == "2024-03-04" and clash["year"] == 2024
    assert clash["actor1"] == "Hayat Tahrir al-Sham" and clash["actor1_id"] == "pack:hts"
    assert clash["actor1_aliases"][0] == "Hayat Tahrir al-Sham"
    assert {"HTS", "Tahrir al-Sham", "HTS fighters"} <= set(clash["actor1_aliases"])
    assert clash["assoc_actor_1"] == ["Jaysh al-Izza"]
    assert clash["inter1"] == 2 and clash["inter2"] == 1
    assert clash["location"] == "Marisville" and clash["latitude"] == 35.5 and clash["longitude"] == 36.6
    assert clash["iso"] == 999 and clash["region"] == "Middle East" and clash["country"] == "Freedonia"
    assert clash["event_id_cnty"].startswith("FRE") and clash["event_id_cnty"][3:].isdigit()
    assert clash["review_state"] == "unreviewed" and clash["cluster_id"] == clash["id"]
    assert isinstance(clash["timestamp"], int) and abs(clash["timestamp"] - datetime.now().timestamp()) < 3600 * 24
    assert clash["source"] == "Freedonia Times" and clash["source_scale"] is None
    assert clash["sources"] == [{
        "doc_id": "doc1", "outlet": "Freedonia Times", "url": "https://example.org/doc1", "published": "2024-03-05",
        "evidence": "HTS fighters clashed with the army in Marisville on Monday.", "evidence_start": 0, "evidence_end": 59,
    }]
    assert clash["notes"] == "HTS fighters clashed with the army in Marisville on Monday."
    assert strike["hedged"] is True and strike["claimant"] == "activists"
    assert strike["notes"].endswith(" [claim by activists]")
    assert strike["inter2"] == 7 and strike["fatalities"] == 3

    rels = store.relations()
    assert len(rels) == 1 and set(rels[0]) == RELATION_KEYS
    rel = rels[0]
    assert rel["type"] == "clashed_with" and rel["derived"] is False and rel["doc_id"] == "doc1"
    assert rel["source_id"] == "pack:army" and "the army" in rel["source_aliases"]
    assert rel["target"] == "Hayat Tahrir al-Sham" and "HTS" in rel["target_aliases"]


def test_unknown_outlet_falls_back_to_doc_id(store: Store):
    store.save_result(make_result("wire7", outlet=None))
    assert {e["source"] for e in store.events()} == {"wire7"}
    assert store.events()[0]["event_id_cnty"].startswith("EVT")  # no iso3 given


def test_idempotent_resave_adds_nothing(tmp_path: Path):
    db = tmp_path / "fl.db"
    with Store(db) as s:
        assert s.save_result(make_result())["documents"] == 1
        before = s.counts()
        events_before = s.events()
        assert s.save_result(make_result()) == {"documents": 0, "events": 0, "relations": 0}
        assert s.counts() == before
        assert s.has_document("doc1", make_result().document.content_hash)
        assert not s.has_document("doc1", "0" * 64)
        assert not s.has_document("nope", make_result().document.content_hash)
    with Store(db) as s:  # reopening (migrations already at head) changes nothing either
        assert s.save_result(make_result()) == {"documents": 0, "events": 0, "relations": 0}
        assert s.counts() == before
        assert s.events() == events_before


def test_changed_hash_replaces_document_rows(store: Store):
    store.save_result(make_result())
    old_ids = {e["id"] for e in store.events()}
    # someone reviewed the air strike: it must survive the re-ingest
    strike_id = next(e["id"] for e in store.events() if e["sub_event_type"] == "Air/drone strike")
    with store.engine.begin() as conn:
        conn.execute(update(EventRow).where(EventRow.id == strike_id).values(review_state="confirmed"))

    text2 = "Government forces shelled Marisville on Tuesday, residents said. Donate now!"
    ev2 = EventRecord(doc_id="doc1", event_type="Explosions/Remote violence", sub_event_type="Shelling/artillery/missile attack",
                      actor1=actor("Government forces", **ARMY), location=TOWN, event_date=date(2024, 3, 5),
                      evidence=text2[:63], evidence_start=0, evidence_end=63)
    i = text2.find("Donate now!")
    r2 = make_result(text=text2, events=[ev2], relations=[],
                     removed=[RemovedSpan(i, i + 11, "donation", "donate cue"), RemovedSpan(0, 0, "chrome")])
    assert store.save_result(r2) == {"documents": 1, "events": 1, "relations": 0}

    c = store.counts()
    assert c["documents"] == 1 and c["relations"] == 0 and c["removed_spans"] == 2
    ids = {e["id"] for e in store.events()}
    assert ev2.key() in ids
    assert strike_id in ids  # reviewed: kept
    assert not (old_ids - {strike_id}) & ids  # the unreviewed clash is gone
    assert c["events"] == 2 and c["event_sources"] == 1
    kept = next(e for e in store.events() if e["id"] == strike_id)
    assert kept["review_state"] == "confirmed" and kept["sources"] == []

    doc = store.document("doc1")
    assert doc["text"] == text2 and doc["content_hash"] == r2.document.content_hash
    assert [sp["kind"] for sp in doc["removed"]] == ["chrome", "donation"]
    assert doc["cleaned_text"].endswith(" " * 11) and len(doc["cleaned_text"]) == len(text2)
    # saving the same new version again is a no-op
    assert store.save_result(r2) == {"documents": 0, "events": 0, "relations": 0}


def test_duplicate_records_within_a_document_collapse(store: Store):
    r = make_result()
    r.events.append(r.events[0])
    r.relations.append(RelationRecord(doc_id="doc1", type="clashed_with", source=actor("HTS", **HTS),
                                      target=actor("army", **ARMY)))  # symmetric: same key as the first
    assert store.save_result(r) == {"documents": 1, "events": 2, "relations": 1}
    assert store.counts()["event_sources"] == 2


# ----------------------------------------------------------------------------- reading and filters


def _filter_store(store: Store) -> None:
    store.save_result(make_result("doc1"))
    t = "Protesters gathered in the capital on an unknown date."
    undated = EventRecord(doc_id="doc2", event_type="Protests", sub_event_type="Peaceful protest",
                          actor1=actor("Protesters", actor_id="pack:protesters", name="Protesters (Freedonia)", inter=6),
                          location=CITY, event_date=None, evidence=t, evidence_start=0, evidence_end=len(t))
    store.save_result(make_result("doc2", text=t, events=[undated], relations=[]))


def test_events_filters(store: Store):
    _filter_store(store)
    subs = lambda evs: [e["sub_event_type"] for e in evs]  # noqa: E731
    # ordering: by date, undated last
    assert subs(store.events()) == ["Armed clash", "Air/drone strike", "Peaceful protest"]
    # actor: names, aliases, surfaces, associated actors; case-insensitive substring
    assert subs(store.events(actor="hts")) == ["Armed clash"]
    assert subs(store.events(actor="tahrir al-sham")) == ["Armed clash"]
    assert subs(store.events(actor="GOVERNMENT FORCES")) == ["Armed clash"]
    assert subs(store.events(actor="izza")) == ["Armed clash"]
    assert subs(store.events(actor="civilians")) == ["Air/drone strike"]
    assert subs(store.events(actor="unknown aircraft")) == ["Air/drone strike"]
    assert subs(store.events(actor="Hayat Tahrir al Sham")) == ["Armed clash"]  # hyphen/space folded
    assert store.events(actor="nobody at all") == []
    # type: event_type or sub_event_type, case-insensitive exact
    assert subs(store.events(type="battles")) == ["Armed clash"]
    assert subs(store.events(type="air/drone strike")) == ["Air/drone strike"]
    assert store.events(type="Air") == []
    # place: location / admin substring
    assert subs(store.events(place="marisville")) == ["Armed clash"]
    assert subs(store.events(place="north prov")) == ["Armed clash"]
    assert subs(store.events(place="capital")) == ["Air/drone strike", "Peaceful protest"]
    # dates inclusive; undated excluded once a bound is given
    assert subs(store.events(since=date(2024, 3, 5))) == ["Air/drone strike"]
    assert subs(store.events(until=date(2024, 3, 4))) == ["Armed clash"]
    assert subs(store.events(since=date(2024, 3, 4), until=date(2024, 3, 5))) == ["Armed clash", "Air/drone strike"]
    # documents
    assert subs(store.events(doc_ids=["doc2"])) == ["Peaceful protest"]
    assert store.events(doc_ids=[]) == []
    # combined
    assert subs(store.events(actor="army", type="Battles", place="Maris", since=date(2024, 1, 1))) == ["Armed clash"]


def test_relations_documents_and_document(store: Store):
    _filter_store(store)
    assert [r["doc_id"] for r in store.relations()] == ["doc1"]
    assert store.relations(doc_ids=["doc2"]) == []
    docs = store.documents()
    assert [d["id"] for d in docs] == ["doc1", "doc2"]
    assert docs[0]["n_events"] == 2 and docs[1]["n_events"] == 1 and docs[0]["n_relations"] == 1
    assert "text" not in docs[0] and docs[0]["published"] == "2024-03-05"
    d = store.document("doc1")
    assert d["removed"] == [{"start": 60, "end": 79, "kind": "share_prompt", "reason": "share cue"}]
    assert d["text"][60:79] == "Share this article!" and d["cleaned_text"][60:79] == " " * 19
    assert "\n" in d["cleaned_text"] and len(d["cleaned_text"]) == len(d["text"])
    assert store.document("missing") is None
    json.dumps(docs), json.dumps(d)


# ----------------------------------------------------------------------------- actors


def test_provisional_actors_are_stored_and_flagged(store: Store):
    store.save_result(make_result())
    with store.engine.connect() as conn:
        rows = {r.id: r for r in conn.exec_driver_sql("SELECT id, name, acled_name, provisional, needs_review FROM actors")}
        aliases = [tuple(r) for r in conn.exec_driver_sql("SELECT actor_id, alias, normalized FROM actor_aliases")]
    # explicitly provisional
    assert rows["prov:jaysh-al-izza"].provisional and rows["prov:jaysh-al-izza"].needs_review
    # no actor_id at all: gets a provisional id from its surface, nothing dropped
    assert rows["prov:unknown-aircraft"].provisional and rows["prov:unknown-aircraft"].needs_review
    assert rows["prov:unknown-aircraft"].name == "unknown aircraft"
    # resolved
    assert not rows["pack:hts"].provisional and not rows["pack:hts"].needs_review
    assert rows["pack:hts"].acled_name == "Hayat Tahrir al-Sham"
    assert ("pack:hts", "HTS fighters", "htsfighters") in aliases
    assert ("pack:hts", "HTS", "hts") in aliases
    strike = next(e for e in store.events() if e["sub_event_type"] == "Air/drone strike")
    assert strike["actor1_id"] == "prov:unknown-aircraft" and strike["actor1_aliases"] == ["unknown aircraft"]
    # a second document adds new aliases to a known actor without duplicating old ones
    t = "Tahrir al-Sham militants clashed with government forces near Marisville."
    ev = EventRecord(doc_id="doc9", event_type="Battles", sub_event_type="Armed clash",
                     actor1=actor("Tahrir al-Sham militants", **HTS), actor2=actor("government forces", **ARMY),
                     location=TOWN, event_date=date(2024, 3, 9), evidence=t, evidence_end=len(t))
    store.save_result(make_result("doc9", text=t, events=[ev], relations=[]))
    with store.engine.connect() as conn:
        hts_aliases = [r[0] for r in conn.exec_driver_sql("SELECT alias FROM actor_aliases WHERE actor_id = 'pack:hts'")]
    assert sorted(hts_aliases) == sorted(["HTS", "Tahrir al-Sham", "HTS fighters", "Tahrir al-Sham militants"])


# ----------------------------------------------------------------------------- failures and runs


def test_failures_are_deduplicated(store: Store):
    run = store.start_run(["/corpus"])
    assert store.record_failure(IngestFailure("/corpus/a.jsonl", "invalid JSON", line=3), run_id=run) is True
    assert store.record_failure(IngestFailure("/corpus/a.jsonl", "invalid JSON", line=3), run_id=run) is False
    assert store.record_failure(IngestFailure("/corpus/a.jsonl", "invalid JSON", line=4)) is True
    assert store.record_failure(IngestFailure("/corpus/b.pdf", "unsupported format")) is True
    assert store.record_failure(IngestFailure("/corpus/b.pdf", "unsupported format")) is False
    assert store.record_failure(IngestFailure("/corpus/b.pdf", "empty text")) is True
    fails = store.failures()
    assert [(f["path"], f["line"], f["reason"]) for f in fails] == [
        ("/corpus/a.jsonl", 3, "invalid JSON"), ("/corpus/a.jsonl", 4, "invalid JSON"),
        ("/corpus/b.pdf", None, "unsupported format"), ("/corpus/b.pdf", None, "empty text"),
    ]
    assert fails[0]["run_id"] == run and fails[1]["run_id"] is None
    assert store.counts()["failures"] == 4


def test_runs(store: Store):
    run = store.start_run(["/a", "/b"])
    assert isinstance(run, str) and run
    store.finish_run(run, documents=3, events=7, failures=1, ignored=5)
    (r,) = store.runs()
    assert r["id"] == run and r["paths"] == ["/a", "/b"] and r["finished_at"] is not None
    assert (r["documents"], r["events"], r["failures"]) == (3, 7, 1)
    with pytest.raises(KeyError):
        store.finish_run("no-such-run")


# ----------------------------------------------------------------------------- schema and locations


def test_migrations_match_schema(tmp_path: Path):
    db = tmp_path / "m.db"
    Store(db).close()
    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(ctx, metadata) == []
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        assert ctx.get_current_revision() == head
    names = set(inspect(engine).get_table_names())
    assert names == {t.name for t in metadata.sorted_tables} | {"alembic_version"}
    # and a schema created straight from the models is the same one the migrations build
    db2 = tmp_path / "direct.db"
    e2 = create_engine(f"sqlite:///{db2}")
    metadata.create_all(e2)
    i1, i2 = inspect(engine), inspect(e2)
    for t in metadata.sorted_tables:
        cols = lambda i: [(c["name"], str(c["type"]), c["nullable"]) for c in i.get_columns(t.name)]  # noqa: E731
        assert cols(i1) == cols(i2), t.name
        assert sorted(x["name"] for x in i1.get_indexes(t.name)) == sorted(x["name"] for x in i2.get_indexes(t.name))
    engine.dispose(), e2.dispose()


def test_migrations_render_for_postgresql():
    """Offline (--sql) upgrade for PostgreSQL: the same migrations, no SQLite-only SQL."""
    cfg = alembic_config("postgresql://user@localhost/frontlines")
    buf = io.StringIO()
    cfg.output_buffer = buf
    command.upgrade(cfg, "head", sql=True)
    sql = buf.getvalue()
    assert "CREATE TABLE events" in sql and "CREATE TABLE event_sources" in sql
    assert "AUTOINCREMENT" not in sql.upper().replace("AUTOINCREMENT=", "")
    assert "SERIAL" in sql.upper() or "IDENTITY" in sql.upper()


def test_path_and_url_open_the_same_file(tmp_path: Path):
    db = tmp_path / "nested" / "dir" / "fl.db"
    with Store(db) as s:  # parent dirs created
        s.save_result(make_result())
        assert s.url == f"sqlite:///{db.resolve().as_posix()}"
    assert db.exists()
    with Store(str(db)) as s:
        assert s.counts()["documents"] == 1
    with Store(f"sqlite:///{db}") as s:
        assert s.url == f"sqlite:///{db}"
        assert s.counts()["documents"] == 1
        assert s.save_result(make_result())["documents"] == 0


def test_env_override_and_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    target = tmp_path / "from_env" / "env.db"
    monkeypatch.setenv("FRONTLINES_DB", str(target))
    with Store() as s:
        assert s.url == f"sqlite:///{target.resolve().as_posix()}"
        s.save_result(make_result())
    assert target.exists()
    # an explicit argument wins over the environment
    other = tmp_path / "explicit.db"
    with Store(other) as s:
        assert s.counts()["documents"] == 0
    # the environment may hold a URL too
    monkeypatch.setenv("FRONTLINES_DB", f"sqlite:///{target}")
    with Store() as s:
        assert s.counts()["documents"] == 1
    monkeypatch.delenv("FRONTLINES_DB")
    assert resolve_url(None) == f"sqlite:///{default_db_path().resolve().as_posix()}"
    assert default_db_path().name == "frontlines.db"
    assert resolve_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"


def test_in_memory_store():
    with Store("sqlite:///:memory:") as s:
        s.save_result(make_result())
        assert len(s.events()) == 2
