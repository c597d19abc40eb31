"""The store against real databases: idempotency, replacement, filters, failures, migrations.

Tests that take `store` or `store_url` run on SQLite and on PostgreSQL (tests/conftest.py).
"""
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
    "date_precision", "valid_until", "n_events", "last_date", "rule",
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


def test_idempotent_resave_adds_nothing(store_url: str):
    db = store_url
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


def test_migrations_match_schema(backend, store_url: str):
    Store(store_url).close()
    engine = create_engine(resolve_url(store_url))
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(ctx, metadata) == []
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        assert ctx.get_current_revision() == head
    names = set(inspect(engine).get_table_names())
    assert names == {t.name for t in metadata.sorted_tables} | {"alembic_version"}
    # and a schema created straight from the models is the same one the migrations build
    e2 = create_engine(resolve_url(backend.new_url()))
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


def test_every_command_finds_the_store_in_the_environment(store_url: str, monkeypatch: pytest.MonkeyPatch):
    """A team sets FRONTLINES_DB once (a path or a PostgreSQL URL) and every command uses that store."""
    from typer.testing import CliRunner

    from frontlines.cli import app

    monkeypatch.setenv("FRONTLINES_DB", store_url)
    res = CliRunner().invoke(app, ["token", "create", "--name", "carol"])
    assert res.exit_code == 0, res.output
    with Store(store_url) as s:
        assert [t["name"] for t in s.tokens()] == ["carol"]


def test_in_memory_store():
    with Store("sqlite:///:memory:") as s:
        s.save_result(make_result())
        assert len(s.events()) == 2


# ----------------------------------------------------------------------------- changed sources keep their reviews


def _reworded(text: str, old: str, new: str, ev: EventRecord) -> EventRecord:
    """`ev` as extraction would give it after `old` became `new` in the source (same facts)."""
    from dataclasses import replace

    shift = len(new) - len(old)
    cut = text.find(old)
    start = ev.evidence_start + (shift if ev.evidence_start > cut else 0)
    evidence = ev.evidence.replace(old, new)
    return replace(ev, evidence=evidence, evidence_start=start, evidence_end=start + len(evidence))


def test_event_key_ignores_offsets_and_whitespace():
    ev = make_result().events[1]
    from dataclasses import replace

    assert replace(ev, evidence_start=ev.evidence_start + 7, evidence_end=ev.evidence_end + 7).key() == ev.key()
    assert replace(ev, evidence="An  air strike hit the capital,\nkilling three, activists said.").key() == ev.key()
    assert replace(ev, evidence="Another sentence.").key() != ev.key()
    assert replace(ev, doc_id="doc2").key() != ev.key()


def test_one_byte_earlier_keeps_event_ids_and_edits(store: Store):
    r1 = make_result()
    store.save_result(r1)
    strike = next(e for e in store.events() if e["sub_event_type"] == "Air/drone strike")
    store.update_event(strike["id"], {"fatalities": 9}, "alice")
    text = r1.document.text.replace("Monday", "Mondays")  # earlier than the strike: its offsets move
    events = [_reworded(r1.document.text, "Monday", "Mondays", ev) for ev in r1.events]
    store.save_result(make_result(text=text, events=events))
    evs = store.events()
    # the strike's sentence is untouched: same id; the clash's own sentence changed (unreviewed: new id)
    assert len(evs) == 2 and {e["id"] for e in evs} == {strike["id"], events[0].key()}
    assert events[1].key() == r1.events[1].key() == strike["id"]
    kept = next(e for e in evs if e["id"] == strike["id"])
    assert kept["fatalities"] == 9 and kept["review_state"] == "edited"
    assert kept["sources"][0]["evidence_start"] == text.find("An air")


@pytest.mark.parametrize("state", ["edited", "confirmed", "rejected"])
def test_changed_evidence_carries_the_review_over(store: Store, state: str):
    r1 = make_result()
    store.save_result(r1)
    strike = next(e for e in store.events() if e["sub_event_type"] == "Air/drone strike")
    sid = strike["id"]
    store.update_event(sid, {"fatalities": 9}, "alice")
    if state != "edited":
        store.set_review_state(sid, state, "alice")
    # the strike's own sentence changes: its key changes, but it is the same event
    text = r1.document.text.replace("killing three", "killing 3")
    events = [_reworded(r1.document.text, "killing three", "killing 3", ev) for ev in r1.events]
    assert events[1].key() != sid
    counts = store.save_result(make_result(text=text, events=events))
    assert counts["events"] == 1  # only the unreviewed clash is re-created (as before)
    evs = store.events()
    assert len(evs) == 2 and sid in {e["id"] for e in evs} and events[1].key() not in {e["id"] for e in evs}
    kept = store.event(sid)
    assert kept["fatalities"] == 9 and kept["review_state"] == state
    assert kept["sources"][0]["evidence"] == events[1].evidence  # the new version's source
    fields = [r["field"] for r in kept["reviews"]]
    assert fields[0] == "fatalities" and fields[-1] == "source_changed"
    assert kept["reviews"][-1]["who"] == "frontlines" and kept["reviews"][-1]["before"] == events[1].key()
    # an unchanged re-save is still a no-op, and a later re-extraction keeps the id again
    assert store.save_result(make_result(text=text, events=events)) == {"documents": 0, "events": 0, "relations": 0}


def test_carry_over_matches_on_the_extracted_values_not_the_edited_ones(store: Store):
    r1 = make_result()
    store.save_result(r1)
    clash = next(e for e in store.events() if e["event_type"] == "Battles")
    store.update_event(clash["id"], {"sub_event_type": "Government regains territory", "event_date": "2024-03-03"}, "alice")
    text = r1.document.text.replace("clashed with", "fought")
    events = [_reworded(r1.document.text, "clashed with", "fought", ev) for ev in r1.events]
    store.save_result(make_result(text=text, events=events))
    evs = store.events(type="Battles")
    assert [e["id"] for e in evs] == [clash["id"]]
    assert evs[0]["sub_event_type"] == "Government regains territory" and evs[0]["event_date"] == "2024-03-03"


def test_carry_over_loosens_step_by_step(store: Store):
    r1 = make_result()
    store.save_result(r1)
    strike = next(e for e in store.events() if e["sub_event_type"] == "Air/drone strike")
    store.confirm_event(strike["id"], "alice")
    # new wording, and the victims are no longer named: still the same strike (actor1, place, date agree)
    from dataclasses import replace

    new_ev = replace(r1.events[1], actor2=None, evidence="An air strike hit the capital, activists said.")
    store.save_result(make_result(text=r1.document.text + " ", events=[r1.events[0], new_ev]))
    evs = store.events(type="Air/drone strike")
    assert [e["id"] for e in evs] == [strike["id"]] and evs[0]["review_state"] == "confirmed"


def test_unmatched_reviewed_event_is_kept_and_flagged(store: Store):
    r1 = make_result()
    store.save_result(r1)
    strike = next(e for e in store.events() if e["sub_event_type"] == "Air/drone strike")
    store.update_event(strike["id"], {"fatalities": 4}, "alice")
    text = "HTS fighters clashed with the army in Marisville on Monday."
    store.save_result(make_result(text=text, events=[r1.events[0]], removed=[]))
    kept = store.event(strike["id"])
    assert kept is not None and kept["fatalities"] == 4 and kept["sources"] == []
    flag = kept["reviews"][-1]
    assert flag["field"] == "source_changed" and "no matching event" in flag["after"]["note"]
    assert len(store.events(type="Air/drone strike")) == 1


def test_concurrent_duplicate_save_is_retried(store: Store, monkeypatch: pytest.MonkeyPatch):
    """A concurrent writer stored the same document first: save_result rolls back and retries, never crashes."""
    from sqlalchemy.exc import IntegrityError

    real = Store._save_result
    calls = []

    def racing(self, s, result, **kw):
        calls.append(1)
        if len(calls) == 1:
            raise IntegrityError("INSERT INTO documents", {}, Exception("UNIQUE constraint failed: documents.id"))
        return real(self, s, result, **kw)

    monkeypatch.setattr(Store, "_save_result", racing)
    assert store.save_result(make_result())["documents"] == 1
    assert len(calls) == 2 and store.counts()["documents"] == 1


# ----------------------------------------------------------------------------- tokens and time zones


def test_token_names_are_unique(store: Store):
    store.create_token("alice")
    with pytest.raises(ValueError, match="token name 'alice' is taken"):
        store.create_token("alice")
    with pytest.raises(ValueError, match="is taken"):
        store.create_token("  alice ")
    assert [t["name"] for t in store.tokens()] == ["alice"]
    store.revoke_token(store.tokens()[0]["id"])
    assert store.create_token("alice").startswith("fl_")  # a revoked name is free again


def test_token_cli_refuses_a_taken_name(store_url: str):
    from typer.testing import CliRunner

    from frontlines.cli import app

    db = store_url
    assert CliRunner().invoke(app, ["token", "create", "--name", "bob", "--db", db]).exit_code == 0
    res = CliRunner().invoke(app, ["token", "create", "--name", "bob", "--db", db])
    assert res.exit_code != 0 and "token name 'bob' is taken" in res.output


def test_migration_0005_renames_duplicate_token_names(store_url: str):
    from sqlalchemy import text

    from frontlines.store import upgrade

    db = store_url
    engine = create_engine(resolve_url(db))
    upgrade(engine, "0004")
    with engine.begin() as conn:
        for i, name in enumerate(["alice", "alice", "bob", "alice"]):
            conn.execute(text("INSERT INTO api_tokens (name, token_hash, created_at) VALUES (:n, :h, '2026-01-01 00:00:00')"),
                         {"n": name, "h": f"h{i}"})
    engine.dispose()
    with Store(db) as s:
        assert [t["name"] for t in s.tokens()] == ["alice", "alice #2", "bob", "alice #4"]
        with pytest.raises(ValueError, match="taken"):
            s.create_token("bob")


def test_timestamps_are_utc_with_the_zone(store: Store):
    from datetime import timezone

    store.save_result(make_result())
    eid = store.events()[0]["id"]
    before = datetime.now(timezone.utc)
    store.update_event(eid, {"fatalities": 7}, "alice")
    store.create_token("zed")
    for r in store.reviews(entity="event", entity_id=eid):
        assert r["at"].endswith("+00:00")
        at = datetime.fromisoformat(r["at"])
        assert at.utcoffset().total_seconds() == 0 and abs((at - before).total_seconds()) < 60
    t = store.tokens()[0]
    assert t["created_at"].endswith("+00:00") and t["last_used_at"] is None
    run = store.start_run(["/x"])
    store.finish_run(run)
    assert all(v.endswith("+00:00") for v in (store.runs()[0]["started_at"], store.runs()[0]["finished_at"]))
    # stored naive (UTC) on every backend, so SQLite and PostgreSQL rows compare alike
    from frontlines.store.schema import ReviewRow
    from sqlalchemy import select

    with store._read() as s:
        assert all(a.tzinfo is None for a in s.scalars(select(ReviewRow.at)))


# ----------------------------------------------------------------------------- SQLite settings


def test_new_store_is_wal_with_a_busy_timeout(tmp_path: Path):
    with Store(tmp_path / "w.db") as s:
        with s.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert (tmp_path / "w.db.lock").exists()


def test_opening_a_store_at_head_runs_no_migration(store_url: str, monkeypatch: pytest.MonkeyPatch):
    import frontlines.store.db as dbmod

    Store(store_url).close()
    monkeypatch.setattr(dbmod, "upgrade", lambda *a, **k: pytest.fail("migrated a store already at head"))
    Store(store_url).close()


# ----------------------------------------------------------------------------- the same inputs on every backend


def test_nul_characters_are_stored_as_the_replacement_character(store: Store):
    """PostgreSQL's text cannot hold NUL: every backend stores U+FFFD instead, so offsets still hold."""
    text = "HTS fighters\x00 clashed with the army in Marisville.\x00 Share this article!"
    r = make_result("nul\x00doc", text=text, outlet="Free\x00donia Times")
    r.document.extra = {"note": "a\x00b"}
    assert store.save_result(r)["documents"] == 1
    doc = store.document("nul\x00doc")
    assert doc["id"] == "nul\ufffddoc" and doc["outlet"] == "Free\ufffddonia Times"
    assert doc["text"] == text.replace("\x00", "\ufffd") and len(doc["text"]) == len(text)
    i = text.find("Share this article!")
    assert doc["text"][i:i + 19] == "Share this article!"  # the removed span still points at it
    clash = store.events()[0]
    ev = clash["sources"][0]
    assert doc["text"][ev["evidence_start"]:ev["evidence_end"]] == ev["evidence"]
    assert "\x00" not in json.dumps(store.events(), ensure_ascii=False)
    assert store.has_document("nul\x00doc", r.document.content_hash)
    assert store.save_result(r) == {"documents": 0, "events": 0, "relations": 0}  # the same input again: nothing new
    assert store.record_failure(IngestFailure("/corpus/x\x00.jsonl", "bad\x00 line", line=1)) is True
    assert store.failures()[0]["path"] == "/corpus/x\ufffd.jsonl"


def test_long_ids_names_and_outlets_are_stored_alike(store: Store):
    """Values that were VARCHAR(255) (fine on SQLite, "value too long" on PostgreSQL) are TEXT now."""
    from frontlines.store import limits

    long_id = "d" * limits.MAX_DOC_ID
    long_name = "Liwa " + "x" * (limits.MAX_NAME - 5)
    r = make_result(long_id, outlet="o" * 2000)
    # no name is longer than MAX_NAME: such a spelling is not kept
    r.events[0].actor1 = actor("HTS fighters", **{**HTS, "aliases": [*HTS["aliases"], long_name, "y" * (limits.MAX_NAME + 1)]})
    assert store.save_result(r) == {"documents": 1, "events": 2, "relations": 1}
    assert store.document(long_id)["outlet"] == "o" * 2000
    aliases = store.events(actor="hts")[0]["actor1_aliases"]
    assert long_name in aliases and "y" * (limits.MAX_NAME + 1) not in aliases
    assert store.create_token("t" * limits.MAX_NAME).startswith("fl_")  # names up to MAX_NAME, as documented

    too_long = make_result("d" * (limits.MAX_DOC_ID + 1))
    with pytest.raises(ValueError, match=r"document id is too long: 501 characters \(at most 500\)"):
        store.save_result(too_long)
    with pytest.raises(ValueError, match="document id is too long"):
        store.resolve_document_id(too_long.document)
    # a failure's path and reason are clipped alike (the whole message was printed at run time)
    assert store.record_failure(IngestFailure("/p/" + "q" * 5000, "r" * 5000, line=2)) is True
    f = store.failures()[0]
    assert len(f["path"]) == len(f["reason"]) == limits.MAX_FAILURE_TEXT and f["reason"].endswith("…")
    assert store.record_failure(IngestFailure("/p/" + "q" * 5000, "r" * 5000, line=2)) is False


def test_migration_0007_keeps_the_rows_and_takes_long_values(store_url: str):
    from sqlalchemy import text

    from frontlines.store import upgrade

    engine = create_engine(resolve_url(store_url))
    upgrade(engine, "0006")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO documents (id, content_hash, source_path, text, outlet, ingested_at) "
                          "VALUES ('old', 'h', '/old.txt', 'old text', 'Old Times', '2026-01-01 00:00:00')"))
    engine.dispose()
    with Store(store_url) as s:
        assert s.document("old")["outlet"] == "Old Times"
        assert s.save_result(make_result("n" * 400, outlet="z" * 400))["documents"] == 1
        assert {d["id"] for d in s.documents()} == {"old", "n" * 400}


def test_concurrent_writers_share_actors_and_places(store_url: str):
    """Writers storing documents that name the same new actors, aliases and places, at the same moment
    and in opposite orders: every document is kept, every shared row once.

    On PostgreSQL the writers really run side by side (upserts; a transaction that loses a race or a
    deadlock is run again); SQLite queues them."""
    import threading

    Store(store_url).close()
    rounds, writers = 6, 4
    stores = [Store(store_url) for _ in range(writers)]
    barrier = threading.Barrier(writers)
    errors: list[BaseException] = []

    def result(r: int, k: int) -> DocumentResult:
        a = actor(f"Liwa {r} North", actor_id=f"pack:north-{r}", name=f"Liwa {r} North", aliases=[f"North {r}", f"N{r}"], inter=2)
        b = actor(f"Liwa {r} South", actor_id=f"pack:south-{r}", name=f"Liwa {r} South", aliases=[f"South {r}", f"S{r}"], inter=2)
        first, second = (a, b) if k % 2 == 0 else (b, a)  # opposite orders: the classic deadlock
        village = PlaceRef(surface=f"Village {r}", place_id=f"gn:v{r}", name=f"Village {r}", lat=35.0, lon=36.0)
        places = [village, TOWN] if k % 2 == 0 else [TOWN, village]
        text = f"{first.surface} clashed with {second.surface} in Village {r}, writer {k} reports."
        ev = EventRecord(doc_id=f"r{r}w{k}", event_type="Battles", sub_event_type="Armed clash", actor1=first,
                         actor2=second, location=village, event_date=date(2024, 3, 4), evidence=text,
                         evidence_start=0, evidence_end=len(text))
        res = make_result(f"r{r}w{k}", text=text, events=[ev], relations=[])
        res.places = places
        return res

    def write(k: int) -> None:
        try:
            for r in range(rounds):
                barrier.wait(60)
                stores[k].save_result(result(r, k))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=write, args=(k,)) for k in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in stores:
        s.close()
    assert errors == []
    with Store(store_url) as s:
        c = s.counts()
        assert c["documents"] == rounds * writers and c["events"] == rounds * writers
        assert c["places"] == rounds + 1 and c["actors"] == 2 * rounds
        # each actor: its name, two aliases and its surface, once each
        assert c["actor_aliases"] == 2 * rounds * 3
        assert len(s.events(actor="North 3")) == writers
