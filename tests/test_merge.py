"""Event merging across documents: one event, several sources, the discrepancy kept, reviewers obeyed."""
from __future__ import annotations

from datetime import date

import pytest

from frontlines import merge
from frontlines.models import ActorRef, CleanedText, Document, DocumentResult, EventRecord, PlaceRef
from frontlines.store import Store

# Two hand-written reports of one shelling (seven dead says one, five the other) and one unrelated clash.
TEXT_A = ("Regime shelling kills seven civilians in Maarat al-Numan\n\nMaarat al-Numan, March 10, 2019 - Seven "
          "civilians were killed on Sunday when Syrian government forces shelled the town of Maarat al-Numan in "
          "southern Idlib, local activists said.\n")
TEXT_B = ("Five dead in artillery attack on Maarat al-Numan\n\nMarch 11, 2019 - Syrian government forces shelled "
          "Maarat al-Numan on Sunday, killing five civilians, a war monitor said.\n")
TEXT_C = ("Clashes near Jisr al-Shughur\n\nMarch 12, 2019 - Hayat Tahrir al-Sham fighters clashed with Syrian "
          "government forces near Jisr al-Shughur on Tuesday, leaving three fighters dead, a war monitor said.\n")

ARMY = dict(actor_id="mf-syria", name="Military Forces of Syria", inter=1)
CIVS = dict(actor_id="civilians-syria", name="Civilians (Syria)", inter=7)
HTS = dict(actor_id="hts", name="Hayat Tahrir al-Sham", inter=2)
MAARAT = PlaceRef(surface="Maarat al-Numan", place_id="gn:maarat", name="Maarat al-Numan", lat=35.6433, lon=36.6744,
                  admin1="Idlib", country="Syria", iso=760)
MAARAT_NEAR = PlaceRef(surface="southern Idlib", place_id="gn:maarat-near", name="Maarat al-Numan countryside",
                       lat=35.66, lon=36.70, admin1="Idlib", country="Syria", iso=760, geo_precision=2)
JISR = PlaceRef(surface="Jisr al-Shughur", place_id="gn:jisr", name="Jisr al-Shughur", lat=35.8126, lon=36.3176,
                admin1="Idlib", country="Syria", iso=760)


def _result(doc_id: str, text: str, outlet: str, published: date, events: list[EventRecord]) -> DocumentResult:
    doc = Document(id=doc_id, text=text, source_path=f"/corpus/{doc_id}.txt", outlet=outlet, published=published,
                   published_source="dateline", published_confidence=0.95)
    return DocumentResult(document=doc, cleaned=CleanedText(text, []), events=events)


def _shelling(doc_id: str, text: str, *, killed: int, day: date, place: PlaceRef = MAARAT,
              sub: str = "Shelling/artillery/missile attack") -> EventRecord:
    sentence = text.split("\n\n")[1].strip()
    start = text.index(sentence)
    return EventRecord(doc_id=doc_id, event_type="Explosions/Remote violence", sub_event_type=sub,
                       actor1=ActorRef("Syrian government forces", **ARMY), actor2=ActorRef("civilians", **CIVS),
                       location=place, event_date=day, fatalities=killed, evidence=sentence, evidence_start=start,
                       evidence_end=start + len(sentence), confidence=0.8)


def _clash() -> EventRecord:
    sentence = TEXT_C.split("\n\n")[1].strip()
    start = TEXT_C.index(sentence)
    return EventRecord(doc_id="c", event_type="Battles", sub_event_type="Armed clash",
                       actor1=ActorRef("Hayat Tahrir al-Sham fighters", **HTS),
                       actor2=ActorRef("Syrian government forces", **ARMY), location=JISR,
                       event_date=date(2019, 3, 12), fatalities=3, evidence=sentence, evidence_start=start,
                       evidence_end=start + len(sentence), confidence=0.8)


def _fill(store: Store) -> None:
    store.save_result(_result("a", TEXT_A, "Enab Baladi", date(2019, 3, 10),
                              [_shelling("a", TEXT_A, killed=7, day=date(2019, 3, 10))]))
    store.save_result(_result("b", TEXT_B, "SOHR", date(2019, 3, 11),
                              [_shelling("b", TEXT_B, killed=5, day=date(2019, 3, 10))]))
    store.save_result(_result("c", TEXT_C, "SOHR", date(2019, 3, 12), [_clash()]))


@pytest.fixture
def store(backend):
    """On SQLite and on PostgreSQL (tests/conftest.py)."""
    s = Store(backend.migrated_url())
    _fill(s)
    yield s
    s.close()


def _by_doc(store: Store) -> dict[str, dict]:
    return {e["sources"][0]["doc_id"]: e for e in store.events()}


def test_two_reports_of_one_event_become_one_cluster(store):
    res = merge.merge_events(store)
    assert res["clusters"] == 1 and res["events_merged"] == 2
    ev = _by_doc(store)
    assert ev["a"]["cluster_id"] == ev["b"]["cluster_id"]
    assert ev["c"]["cluster_id"] == ev["c"]["id"] != ev["a"]["cluster_id"]  # the clash stands alone
    assert len(store.events()) == 3  # the store still holds one row per report

    merged = [m for m in merge.merged_events(store) if len(m["event_ids"]) > 1]
    assert len(merged) == 1
    m = merged[0]
    assert sorted(m["event_ids"]) == sorted([ev["a"]["id"], ev["b"]["id"]])
    assert m["source"] == "Enab Baladi; SOHR"
    assert {s["doc_id"] for s in m["sources"]} == {"a", "b"}  # every source and its evidence sentence
    assert all(s["evidence"] for s in m["sources"])
    assert m["fatalities"] == 5  # the most conservative figure, not 7 and not an average
    assert "sources disagree on fatalities" in m["notes"]

    disc = merge.discrepancies(store, m["cluster_id"])
    assert [d["field"] for d in disc] == ["fatalities"]
    assert sorted((v["source"], v["value"]) for v in disc[0]["values"]) == [("Enab Baladi", 7), ("SOHR", 5)]
    assert disc[0]["kept"] == 5

    # explainable: the merge row says why
    (row,) = merge.merges(store, m["cluster_id"])
    (link,) = row["reason"]["links"]
    assert link["distance_km"] == 0.0 and link["day_gap"] == 0
    assert set(link["shared_actor_ids"]) == {"mf-syria", "civilians-syria"}
    assert row["merged_by"] == merge.AUTO and not row["locked"]


def test_rerun_is_stable(store):
    merge.merge_events(store)
    first = {e["id"]: e["cluster_id"] for e in store.events()}
    merge.merge_events(store)
    assert {e["id"]: e["cluster_id"] for e in store.events()} == first
    assert len(merge.merges(store)) == 1 and len(merge.discrepancies(store)) == 1


def test_reviewer_split_survives_a_rerun(store):
    merge.merge_events(store)
    ev = _by_doc(store)
    merge.split_event(store, ev["b"]["id"], who="alice")
    ev = _by_doc(store)
    assert ev["a"]["cluster_id"] != ev["b"]["cluster_id"]
    # re-running, and re-running after new documents arrive, does not merge them back
    merge.merge_events(store)
    store.save_result(_result("d", TEXT_A.replace("Seven", "Six") + "\nUpdated.", "Syria Call", date(2019, 3, 11),
                              [_shelling("d", TEXT_A.replace("Seven", "Six") + "\nUpdated.", killed=6,
                                         day=date(2019, 3, 10))]))
    merge.merge_events(store)
    ev = _by_doc(store)
    assert ev["a"]["cluster_id"] != ev["b"]["cluster_id"]
    assert ev["d"]["cluster_id"] in (ev["a"]["cluster_id"], ev["b"]["cluster_id"])  # a new report may join one
    splits = [m for m in merge.merges(store) if m["action"] == "split"]
    assert len(splits) == 1 and splits[0]["merged_by"] == "alice" and splits[0]["locked"]
    assert any(r["field"] == "cluster" and r["who"] == "alice" for r in store.reviews(entity="event"))


def test_reviewer_merge_is_never_split_by_a_rerun(store):
    merge.merge_events(store)
    ev = _by_doc(store)
    # the reviewer says the clash is the same event as the shelling (the rules would never say so)
    merge.merge_manual(store, [ev["a"]["id"], ev["c"]["id"]], who="bob")
    for _ in range(2):
        merge.merge_events(store)
        ev = _by_doc(store)
        assert ev["a"]["cluster_id"] == ev["c"]["cluster_id"]
    # and splitting it again is a reviewer's decision too
    merge.split_event(store, ev["c"]["id"], who="bob")
    merge.merge_events(store)
    ev = _by_doc(store)
    assert ev["c"]["cluster_id"] == ev["c"]["id"] and ev["a"]["cluster_id"] == ev["b"]["cluster_id"]


def test_merge_rules(store):
    evs = {e.docs and next(iter(e.docs)): e for e in _loaded(store)}
    a, b, c = evs["a"], evs["b"], evs["c"]
    assert merge.compare(a, b) is not None
    assert merge.compare(a, c) is None  # other type, place and actors
    # same document: never
    assert merge.compare(a, a) is None
    # too far apart in time for day precision, inside the window for week precision
    far = _replace(b, date=date(2019, 3, 14))
    assert merge.compare(a, far) is None
    assert merge.compare(a, _replace(far, time_precision=2)) is not None
    # distance: 3 km apart is within a town's tolerance, 30 km is not, unless the place is vague
    near = _replace(b, lat=a.lat + 0.027)
    assert merge.compare(a, near) is not None
    away = _replace(b, lat=a.lat + 0.27)
    assert merge.compare(a, away) is None
    assert merge.compare(a, _replace(away, geo_precision=3)) is not None
    # no shared actor: no merge
    assert merge.compare(a, _replace(b, actor1=("hts", "HTS"), actor2=(None, None))) is None
    # Riots and Protests about one crowd stay apart; Strategic developments need the same sub-type
    assert merge.compare(a, _replace(b, event_type="Battles")) is None
    sd_a = _replace(a, docs=a.docs, event_type="Strategic developments", sub_event_type="Arrests")
    sd_b = _replace(b, event_type="Strategic developments", sub_event_type="Agreement")
    assert merge.compare(sd_a, sd_b) is None
    assert merge.compare(sd_a, _replace(sd_b, sub_event_type="Arrests")) is not None


def test_vaguer_place_and_different_sub_type_merge_with_discrepancies(tmp_path):
    s = Store(tmp_path / "v.db")
    s.save_result(_result("a", TEXT_A, "Enab Baladi", date(2019, 3, 10),
                          [_shelling("a", TEXT_A, killed=0, day=date(2019, 3, 10))]))
    s.save_result(_result("b", TEXT_B, "SOHR", date(2019, 3, 11),
                          [_shelling("b", TEXT_B, killed=5, day=date(2019, 3, 11), place=MAARAT_NEAR,
                                     sub="Air/drone strike")]))
    merge.merge_events(s)
    (m,) = [m for m in merge.merged_events(s) if len(m["event_ids"]) > 1]
    assert m["fatalities"] == 5  # a report silent about deaths does not lower the count to 0
    assert m["location"] == "Maarat al-Numan"  # the more precise place is shown
    assert {d["field"] for d in m["discrepancies"]} == {"fatalities", "event_date", "sub_event_type", "location"}
    s.close()


def _loaded(store: Store):
    with store._tx() as s:
        return list(merge._load(s).values())


def _replace(e, **kw):
    from dataclasses import replace

    if "docs" not in kw:
        kw["docs"] = frozenset({"other"})
    return replace(e, **kw)


def test_frontlines_run_merges_across_documents(tmp_path):
    """End to end: `frontlines run` stores, finds duplicates, merges; eval-facing cluster_id is set."""
    import json

    from typer.testing import CliRunner

    from frontlines.cli import app

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in (("a", TEXT_A), ("b", TEXT_B), ("c", TEXT_C)):
        (corpus / f"{name}.txt").write_text(text, encoding="utf-8")
    (corpus / "a-repost.txt").write_text("Menu\nSearch\n\n" + TEXT_A + "\n\n3 Comments\nsam: terrible news\n",
                                         encoding="utf-8")
    db = str(tmp_path / "run.db")
    runner = CliRunner()
    res = runner.invoke(app, ["run", str(corpus), "--db", db, "--quiet"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    s = Store(db)
    try:
        from frontlines import dedup

        assert dedup.appearances(s) == {"a": [{"doc_id": "a-repost", "similarity": 1.0}]}
        # the repost is stored but not extracted: only the copy read first ("a-repost.txt" sorts before
        # "a.txt") has events of its own, and each copy reports them (Store.with_appearances)
        own = {src["doc_id"] for e in s.events() for src in e["sources"]}
        assert len(own & {"a", "a-repost"}) == 1
        by_doc: dict[str, set[str]] = {}
        for e in s.with_appearances(s.events()):
            for src in e["sources"]:
                by_doc.setdefault(src["doc_id"], set()).add(e["cluster_id"])
        assert by_doc["a"] & by_doc["b"]  # the shelling, reported twice, is one event
        assert not (by_doc["c"] & (by_doc["a"] | by_doc["b"]))  # the clash is another
    finally:
        s.close()
    res = runner.invoke(app, ["clusters", "--db", db, "--json"], catch_exceptions=False)
    rows = json.loads(res.output)
    assert any({"a", "b"} <= {src["doc_id"] for src in r["sources"]} for r in rows)


def test_reposts_of_one_article_are_one_event_whatever_date_each_copy_gave(tmp_path):
    """Two copies of one article (an appearance, dedup.py) dated from different publication dates."""
    from frontlines.store.schema import AppearanceRow

    s = Store(tmp_path / "r.db")
    s.save_result(_result("a", TEXT_A, "Enab Baladi", date(2019, 3, 10),
                          [_shelling("a", TEXT_A, killed=7, day=date(2019, 3, 10))]))
    s.save_result(_result("a2", TEXT_A, "Orient News", date(2019, 3, 14),
                          [_shelling("a2", TEXT_A, killed=7, day=date(2019, 3, 14))]))
    merge.merge_events(s)
    assert len({e["cluster_id"] for e in s.events()}) == 2  # four days apart: two events by the rules
    with s._tx() as tx:
        tx.add(AppearanceRow(doc_id="a2", duplicate_of="a", similarity=1.0, method="test"))
    merge.merge_events(s)
    (m,) = s.merged_events()
    assert m["n_reports"] == 2 and m["source"] == "Enab Baladi; Orient News"
    assert m["event_date"] == "2019-03-10" or m["event_date"] == "2019-03-14"
    assert "event_date" in {d["field"] for d in m["discrepancies"]}
    (row,) = merge.merges(s, m["cluster_id"])
    assert row["reason"]["links"][0]["repost_of"] == "a"
    s.close()
