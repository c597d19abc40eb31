"""Tests for the scorer (src/frontlines/evaluate.py) against the gold format of FORMAT.md."""
from __future__ import annotations

import copy
import io
import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from frontlines.evaluate import (
    format_report,
    gold_doc_ids,
    haversine_km,
    load_gold,
    score,
    summary_line,
)

from shared_paths import SEED_GOLD

EVENT_KEYS = {"matched", "event", "relation", "same_event", "published", "documents", "must_not_violations"}


@pytest.fixture(scope="module")
def gold() -> dict:
    if not SEED_GOLD.exists():
        pytest.skip("seed gold not available")
    return load_gold(SEED_GOLD)


# --------------------------------------------------------------------------------------------------
# prediction builders (the store's event / relation objects, built by hand from gold entries)
# --------------------------------------------------------------------------------------------------


def pred_event(doc_id: str, g: dict, *, cluster_id: str | None = None, **overrides) -> dict:
    ev = {
        "id": f"{doc_id}:{g['id']}",
        "cluster_id": cluster_id or f"c:{doc_id}:{g['id']}",
        "event_type": g["event_type"],
        "sub_event_type": g["sub_event_type"][0],
        "event_date": g["date"],
        "actor1": g["actor1"][0],
        "actor1_aliases": list(g["actor1"][1:]),
        "actor2": g["actor2"][0] if g.get("actor2") else None,
        "actor2_aliases": list(g["actor2"][1:]) if g.get("actor2") else [],
        "assoc_actor_1": list(g.get("assoc_actor_1") or []),
        "location": g["location"],
        "latitude": g["lat"],
        "longitude": g["lon"],
        "fatalities": g["fatalities"] if g["fatalities"] is not None else 0,
        "hedged": g["hedged"],
        "sources": [{"doc_id": doc_id, "evidence": g["evidence"]}],
        "notes": None,
    }
    ev.update(overrides)
    return ev


def pred_relation(doc_id: str, g: dict, **overrides) -> dict:
    rel = {
        "type": g["type"],
        "source": g["source"][0],
        "source_aliases": list(g["source"][1:]),
        "target": g["target"][0],
        "target_aliases": list(g["target"][1:]),
        "date": g["date"],
        "hedged": g["hedged"],
        "evidence": g["evidence"],
        "doc_id": doc_id,
    }
    rel.update(overrides)
    return rel


def perfect_predictions(gold: dict, *, include_optional: bool = False, share_clusters: bool = True) -> dict:
    """Every non-optional gold event and every relation, as the store would return them."""
    cluster_of: dict[str, str] = {}
    if share_clusters:
        for k, group in enumerate(gold.get("same_event", [])):
            for ref in group:
                cluster_of[ref] = f"same-{k}"
    preds = {}
    for doc in gold["documents"]:
        d = doc["doc"]
        events = [
            pred_event(d, e, cluster_id=cluster_of.get(f"{d}#{e['id']}"))
            for e in doc["events"]
            if include_optional or not e.get("optional")
        ]
        preds[d] = {
            "processed": True,
            "published": doc.get("published"),
            "events": events,
            "relations": [pred_relation(d, r) for r in doc.get("relations", [])],
        }
    return preds


def doc_of(gold: dict, doc_id: str) -> dict:
    return next(d for d in gold["documents"] if d["doc"] == doc_id)


def only_doc(gold: dict, doc_id: str, events: list[dict], relations: list[dict] | None = None) -> dict:
    preds = {d: {"processed": True, "published": None, "events": [], "relations": []} for d in gold_doc_ids(gold)}
    preds[doc_id]["events"] = events
    preds[doc_id]["relations"] = relations or []
    return preds


def n_required(gold: dict) -> int:
    return sum(not e.get("optional") for d in gold["documents"] for e in d["events"])


# --------------------------------------------------------------------------------------------------
# loading
# --------------------------------------------------------------------------------------------------


def test_load_seed_gold(gold):
    assert gold["schema"] == "frontlines-gold/1"
    ids = gold_doc_ids(gold)
    assert len(ids) == 5 and ids[0] == "000_374bc49b221b3923"


def test_load_gold_bad_schema(tmp_path):
    p = tmp_path / "bad.gold.json"
    p.write_text(json.dumps({"schema": "frontlines-gold/0", "documents": []}))
    with pytest.raises(ValueError, match=r"bad\.gold\.json.*schema"):
        load_gold(p)


def test_load_gold_missing_field_names_file_and_event(tmp_path):
    doc = {"doc": "d1", "events": [{"id": "E1", "sub_event_type": ["Attack"], "actor1": ["X"],
                                    "location": "Here", "lat": 1.0, "lon": 1.0, "date": "2020-01-01"}]}
    p = tmp_path / "missing.json"
    p.write_text(json.dumps({"schema": "frontlines-gold/1", "documents": [doc]}))
    with pytest.raises(ValueError, match=r"missing\.json.*'d1'.*event_type"):
        load_gold(p)


def test_load_gold_invalid_json_and_missing_file(tmp_path):
    p = tmp_path / "broken.json"
    p.write_text("{not json")
    with pytest.raises(ValueError, match=r"broken\.json.*JSON"):
        load_gold(p)
    with pytest.raises(ValueError, match=r"nope\.json"):
        load_gold(tmp_path / "nope.json")


def test_load_gold_unknown_same_event_ref(tmp_path):
    p = tmp_path / "ref.json"
    p.write_text(json.dumps({"schema": "frontlines-gold/1", "documents": [{"doc": "a", "events": []}],
                             "same_event": [["a#E1", "b#E1"]]}))
    with pytest.raises(ValueError, match=r"ref\.json.*same_event"):
        load_gold(p)


# --------------------------------------------------------------------------------------------------
# events
# --------------------------------------------------------------------------------------------------


def test_output_keys(gold):
    report = score(gold, {})
    assert EVENT_KEYS <= set(report)
    assert {"precision", "recall", "f1", "tp", "fp", "fn"} <= set(report["event"])
    assert {"sub_event_type_acc", "actor1_acc", "actor2_acc", "fatalities_exact",
            "date_error_days_mean", "location_error_km_median"} <= set(report["matched"])
    assert {"precision", "recall", "f1"} <= set(report["relation"])
    assert {"precision", "recall"} <= set(report["same_event"])
    assert {"checked", "year_correct", "day_within_3"} <= set(report["published"])
    json.dumps(report)  # JSON-serialisable


def test_perfect_prediction(gold):
    report = score(gold, perfect_predictions(gold))
    ev = report["event"]
    assert ev == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "tp": n_required(gold), "fp": 0, "fn": 0}
    m = report["matched"]
    assert m["sub_event_type_acc"] == 1.0
    assert m["actor1_acc"] == 1.0 and m["actor2_acc"] == 1.0
    assert m["fatalities_exact"] == 1.0
    assert m["date_error_days_mean"] == 0.0
    assert m["location_error_km_median"] == 0.0
    assert report["relation"]["f1"] == 1.0
    assert report["same_event"] == {**report["same_event"], "precision": 1.0, "recall": 1.0}
    assert report["documents"] == {"gold": 5, "processed": 5}
    assert report["published"]["checked"] == 5
    assert report["published"]["year_correct"] == 5 and report["published"]["day_within_3"] == 5
    assert report["must_not_violations"] == 0
    assert summary_line(report) == "event F1 = 1.00"


def test_empty_prediction(gold):
    for preds in ({}, {d: {"processed": True, "published": None, "events": [], "relations": []}
                       for d in gold_doc_ids(gold)}):
        report = score(gold, preds)
        assert report["event"]["f1"] == 0.0 and report["event"]["recall"] == 0.0
        assert report["event"]["fn"] == n_required(gold) and report["event"]["tp"] == 0
        assert report["relation"]["recall"] == 0.0
        assert report["matched"]["actor1_acc"] is None
        assert report["same_event"]["recall"] is None and report["same_event"]["precision"] is None
        assert summary_line(report) == "event F1 = 0.00"
    assert score(gold, {})["documents"]["processed"] == 0


def test_missing_document_counts_as_unprocessed(gold):
    preds = perfect_predictions(gold)
    missing = "002_b3c6f5e11149f3a4"
    del preds[missing]
    report = score(gold, preds)
    n_missing = sum(not e.get("optional") for e in doc_of(gold, missing)["events"])
    assert report["event"]["fn"] == n_missing
    assert report["event"]["precision"] == 1.0
    assert report["documents"]["processed"] == 4
    assert report["published"]["checked"] == 4


def test_location_twenty_km_off_does_not_match(gold):
    d = "004_58f572fc6bbb9d98"
    g = doc_of(gold, d)["events"][0]  # Idlib, tolerance 60? check below
    tol = g.get("tolerance_km", 10)
    # move north by tolerance + 20 km, and give the place another name
    shift = (tol + 20) / 111.2
    far = pred_event(d, g, location="Somewhere Else", latitude=g["lat"] + shift)
    report = score(gold, only_doc(gold, d, [far]))
    assert report["event"]["tp"] == 0 and report["event"]["fp"] == 1
    assert haversine_km(g["lat"], g["lon"], g["lat"] + shift, g["lon"]) > tol

    # 20 km off with the default tolerance (10 km) and a different name: no match
    d0 = "000_374bc49b221b3923"
    g0 = doc_of(gold, d0)["events"][0]
    assert "tolerance_km" not in g0
    off = pred_event(d0, g0, location="Elsewhere", latitude=g0["lat"] + 20 / 111.2)
    r0 = score(gold, only_doc(gold, d0, [off]))
    assert r0["event"]["tp"] == 0 and r0["event"]["fp"] == 1
    # ... but 5 km off matches, and its location error is reported
    near = pred_event(d0, g0, location="Elsewhere", latitude=g0["lat"] + 5 / 111.2)
    r1 = score(gold, only_doc(gold, d0, [near]))
    assert r1["event"]["tp"] == 1
    assert r1["matched"]["location_error_km_median"] == pytest.approx(5.0, abs=0.05)
    # ... and a prediction 20 km off but with the same normalised place name matches
    same_name = pred_event(d0, g0, location="  binnish ", latitude=g0["lat"] + 20 / 111.2)
    assert score(gold, only_doc(gold, d0, [same_name]))["event"]["tp"] == 1


def test_date_type_and_actor_criteria(gold):
    d = "000_374bc49b221b3923"
    g = doc_of(gold, d)["events"][0]  # tolerance 6 days
    base = date.fromisoformat(g["date"])
    tol = g["date_tolerance_days"]

    def tp(ev):
        return score(gold, only_doc(gold, d, [ev]))["event"]["tp"]

    assert tp(pred_event(d, g, event_date=(base + timedelta(days=tol)).isoformat())) == 1
    assert tp(pred_event(d, g, event_date=(base + timedelta(days=tol + 1)).isoformat())) == 0
    assert tp(pred_event(d, g, event_date=None)) == 0
    assert tp(pred_event(d, g, event_type="Battles")) == 0  # no Battles in this document
    assert tp(pred_event(d, g, actor1="Somebody", actor1_aliases=[], actor2=None, actor2_aliases=[])) == 0
    # one actor matching either gold list is enough (here: gold actor2 given as predicted actor1,
    # written differently: case, apostrophe, hyphen, leading "the")
    swapped = pred_event(d, g, actor1="the HAY’AT TAHRIR AL SHAM", actor1_aliases=[], actor2="x", actor2_aliases=[])
    assert tp(swapped) == 1
    r = score(gold, only_doc(gold, d, [swapped]))
    assert r["matched"]["actor1_acc"] == 0.0 and r["matched"]["actor2_acc"] == 0.0
    # matching on an alias the system holds
    alias = pred_event(d, g, actor1="Unknown name", actor1_aliases=["Binnish residents"], actor2=None, actor2_aliases=[])
    r = score(gold, only_doc(gold, d, [alias]))
    assert r["event"]["tp"] == 1 and r["matched"]["actor1_acc"] == 1.0 and r["matched"]["actor2_acc"] == 0.0


def test_matched_metrics(gold):
    d = "001_b367991746375330"
    e1, e2 = doc_of(gold, d)["events"][:2]  # E1 fatalities 18
    p1 = pred_event(d, e1, fatalities=13, sub_event_type="Government regains territory",
                    event_date=(date.fromisoformat(e1["date"]) + timedelta(days=2)).isoformat())
    p2 = pred_event(d, e2, actor2=None, actor2_aliases=[],
                    event_date=(date.fromisoformat(e2["date"]) - timedelta(days=4)).isoformat())
    r = score(gold, only_doc(gold, d, [p1, p2]))
    assert r["event"]["tp"] == 2
    m = r["matched"]
    assert m["sub_event_type_acc"] == 0.5
    assert m["fatalities_exact"] == 0.5
    assert m["actor1_acc"] == 1.0 and m["actor2_acc"] == 0.5
    assert m["date_error_days_mean"] == 3.0


def test_actor2_null_gold(gold):
    d = "001_b367991746375330"
    # gold E4 is optional with actor2 null; build a tiny gold copy where it is required
    g2 = copy.deepcopy(gold)
    doc = doc_of(g2, d)
    doc["events"] = [e for e in doc["events"] if e["id"] == "E4"]
    doc["events"][0]["optional"] = False
    e4 = doc["events"][0]
    ok = score(g2, only_doc(g2, d, [pred_event(d, e4)]))
    assert ok["event"]["tp"] == 1 and ok["matched"]["actor2_acc"] == 1.0
    bad = score(g2, only_doc(g2, d, [pred_event(d, e4, actor2="HTS")]))
    assert bad["matched"]["actor2_acc"] == 0.0


def test_fatalities_null_not_scored(gold):
    d = "002_b3c6f5e11149f3a4"
    e8 = next(e for e in doc_of(gold, d)["events"] if e["id"] == "E8")
    assert e8["fatalities"] is None
    r = score(gold, only_doc(gold, d, [pred_event(d, e8, fatalities=7)]))
    assert r["event"]["tp"] == 1 and r["matched"]["fatalities_exact"] is None


def test_one_to_one_matching(gold):
    d = "000_374bc49b221b3923"
    g = doc_of(gold, d)["events"][0]
    dup = [pred_event(d, g), pred_event(d, g, id="dup")]
    r = score(gold, only_doc(gold, d, dup))
    assert r["event"]["tp"] == 1 and r["event"]["fp"] == 1


def test_maximum_matching_not_greedy(tmp_path):
    """P1 can match G1 or G2, P2 only G1: a greedy G1<-P1 would lose a match."""
    ev = {"event_type": "Battles", "sub_event_type": ["Armed clash"], "date": "2020-01-10",
          "date_tolerance_days": 2, "actor1": ["A"], "actor2": ["B"], "location": "Town",
          "lat": 10.0, "lon": 10.0, "fatalities": 0}
    g = {"schema": "frontlines-gold/1", "documents": [{"doc": "x", "events": [
        {**ev, "id": "E1"}, {**ev, "id": "E2", "date": "2020-01-13"}]}]}
    base = {"event_type": "Battles", "sub_event_type": "Armed clash", "actor1": "A", "actor2": "B",
            "location": "Town", "latitude": 10.0, "longitude": 10.0, "fatalities": 0}
    p1 = {**base, "id": "P1", "event_date": "2020-01-11"}  # within 2 of E1 (10th) and E2 (13th)
    p2 = {**base, "id": "P2", "event_date": "2020-01-09"}  # only E1
    r = score(g, {"x": {"processed": True, "events": [p1, p2], "relations": []}})
    assert r["event"]["tp"] == 2 and r["event"]["fp"] == 0


def test_optional_events_neither_help_nor_hurt(gold):
    without = score(gold, perfect_predictions(gold))
    with_opt = score(gold, perfect_predictions(gold, include_optional=True))
    assert with_opt["event"] == without["event"]
    assert with_opt["matched"] == without["matched"]
    assert sum(r["optional_matched"] for r in with_opt["per_document"]) == sum(
        e.get("optional", False) for d in gold["documents"] for e in d["events"])
    # an optional event predicted alone: not a TP, not an FP
    d = "004_58f572fc6bbb9d98"
    opt = next(e for e in doc_of(gold, d)["events"] if e.get("optional"))
    r = score(gold, only_doc(gold, d, [pred_event(d, opt)]))
    assert r["event"]["tp"] == 0 and r["event"]["fp"] == 0


def test_unmatched_and_per_document(gold):
    d = "004_58f572fc6bbb9d98"
    e1 = doc_of(gold, d)["events"][0]
    junk = pred_event(d, e1, id="junk", event_type="Protests")
    r = score(gold, only_doc(gold, d, [junk]))
    assert any(fp["id"] == "junk" for fp in r["unmatched"]["false_positives"])
    assert any(m["doc"] == d and m["id"] == "E1" for m in r["unmatched"]["missed"])
    row = next(x for x in r["per_document"] if x["doc"] == d)
    assert (row["tp"], row["fp"], row["fn"]) == (0, 1, 1)


# --------------------------------------------------------------------------------------------------
# relations
# --------------------------------------------------------------------------------------------------


def test_relation_scores_by_type(gold):
    d = "000_374bc49b221b3923"
    rels = doc_of(gold, d)["relations"]
    kept = rels[0]
    wrong = pred_relation(d, kept, type="allied_with")
    r = score(gold, only_doc(gold, d, [], [pred_relation(d, kept), wrong]))
    by_type = r["relation_by_type"]
    assert by_type[kept["type"]]["tp"] == 1
    assert by_type["allied_with"]["tp"] == 0 and by_type["allied_with"]["fp"] == 1 and by_type["allied_with"]["precision"] == 0.0
    # the per-type counts add up to the totals
    for k in ("tp", "fp", "fn"):
        assert sum(v[k] for v in by_type.values()) == r["relation"][k]
    # every gold type of every document is listed
    assert {x["type"] for doc in gold["documents"] for x in doc.get("relations", [])} <= set(by_type)


def test_symmetric_relation_matches_reversed(gold):
    d = "001_b367991746375330"
    rels = doc_of(gold, d)["relations"]
    clash = next(r for r in rels if r["type"] == "clashed_with")
    rev = pred_relation(d, clash, source=clash["target"][0], source_aliases=[],
                        target=clash["source"][0], target_aliases=[])
    r = score(gold, only_doc(gold, d, [], [rev]))
    assert r["relation"]["tp"] == 1 and r["relation"]["fp"] == 0


def test_asymmetric_relation_reversed_does_not_match(gold):
    d = "001_b367991746375330"
    rels = doc_of(gold, d)["relations"]
    leader = next(r for r in rels if r["type"] == "leader_of")
    rev = pred_relation(d, leader, source=leader["target"][0], source_aliases=list(leader["target"][1:]),
                        target=leader["source"][0], target_aliases=list(leader["source"][1:]))
    r = score(gold, only_doc(gold, d, [], [rev]))
    assert r["relation"]["tp"] == 0 and r["relation"]["fp"] == 1


def test_relation_wrong_type_and_duplicates(gold):
    d = "000_374bc49b221b3923"
    rel = doc_of(gold, d)["relations"][0]
    preds = [pred_relation(d, rel), pred_relation(d, rel), pred_relation(d, rel, type="allied_with")]
    r = score(gold, only_doc(gold, d, [], preds))
    assert r["relation"]["tp"] == 1 and r["relation"]["fp"] == 2


# --------------------------------------------------------------------------------------------------
# must_not
# --------------------------------------------------------------------------------------------------


def test_must_not_violations(gold):
    d = "002_b3c6f5e11149f3a4"
    doc = doc_of(gold, d)
    e1 = doc["events"][0]
    boiler = pred_event(d, e1, id="b", sources=[{"doc_id": d, "evidence": "... loading THE PLAYER... now"}])
    place = pred_event(d, e1, id="p", location="tehran", latitude=35.69, longitude=51.39)
    actor = pred_event(d, e1, id="a", actor2="Some group", actor2_aliases=["Popular Mobilization Units"])
    assoc = pred_event(d, e1, id="s", assoc_actor_1=["IRGC"])
    notes = pred_event(d, e1, id="n", notes="seen in a comment by Jens Holm")
    clean = pred_event(d, e1, id="c")
    rel = pred_relation(d, doc["relations"][0], target="Quds Force", target_aliases=[],
                        evidence="Willing Conscience said so")
    r = score(gold, only_doc(gold, d, [boiler, place, actor, assoc, notes, clean], [rel]))
    # boilerplate (1) + place (1) + actor (1) + assoc actor (1) + notes boilerplate (1)
    # + relation actor (1) + relation boilerplate (1)
    assert r["must_not_violations"] == 7
    assert len(r["must_not_details"]) == 7
    assert any("tehran" in s.lower() for s in r["must_not_details"])
    assert next(x for x in r["per_document"] if x["doc"] == d)["must_not_violations"] == 7


def test_must_not_boilerplate_in_first_seed(gold):
    d = "000_374bc49b221b3923"
    e = doc_of(gold, d)["events"][0]
    ev = pred_event(d, e, sources=[{"doc_id": d, "evidence": "do you like this article? Tell us"}])
    r = score(gold, only_doc(gold, d, [ev]))
    assert r["must_not_violations"] == 1
    assert r["event"]["tp"] == 1  # violations are reported separately, not as matching failures


# --------------------------------------------------------------------------------------------------
# same_event
# --------------------------------------------------------------------------------------------------


def test_same_event_not_merged(gold):
    r = score(gold, perfect_predictions(gold, share_clusters=False))
    assert r["same_event"]["recall"] == 0.0
    assert r["same_event"]["precision"] is None  # no merges at all: undefined


def test_same_event_wrong_merge_penalised(gold):
    preds = perfect_predictions(gold)
    # also merge 000#E1 with 003#E2 (gold keeps them apart)
    a = next(e for e in preds["000_374bc49b221b3923"]["events"] if e["id"].endswith(":E1"))
    b = next(e for e in preds["003_6f3c69765b944649"]["events"] if e["id"].endswith(":E2"))
    a["cluster_id"] = b["cluster_id"]
    r = score(gold, preds)
    assert r["same_event"]["recall"] == 1.0
    # merged pairs across docs: the 2 gold pairs + (000#E1, 003#E2) + (000#E1, 000#E3 is same doc: excluded)
    assert r["same_event"]["merges"] == 3 and r["same_event"]["merges_correct"] == 2
    assert r["same_event"]["precision"] == round(2 / 3, 4)


# --------------------------------------------------------------------------------------------------
# published
# --------------------------------------------------------------------------------------------------


def test_published(gold):
    preds = perfect_predictions(gold)
    ids = gold_doc_ids(gold)
    pub0 = date.fromisoformat(doc_of(gold, ids[0])["published"])
    preds[ids[0]]["published"] = (pub0 + timedelta(days=2)).isoformat()   # within 3
    preds[ids[1]]["published"] = (date.fromisoformat(doc_of(gold, ids[1])["published"])
                                  .replace(year=2019)).isoformat()        # wrong year
    preds[ids[2]]["published"] = None                                     # missing
    preds[ids[3]]["processed"] = False                                    # not checked
    r = score(gold, preds)
    assert r["published"]["checked"] == 4
    assert r["published"]["year_correct"] == 2
    assert r["published"]["day_within_3"] == 2
    assert r["documents"]["processed"] == 4


# --------------------------------------------------------------------------------------------------
# generality: a hand-made gold file, not the seeds
# --------------------------------------------------------------------------------------------------


def test_handmade_gold_file(tmp_path):
    g = {
        "schema": "frontlines-gold/1",
        "documents": [
            {"doc": "fakes-1", "outlet": "X", "published": "2021-03-04", "published_precision": "day",
             "events": [
                 {"id": "E1", "event_type": "Battles", "sub_event_type": ["Armed clash"],
                  "date": "2021-03-01", "date_precision": "day", "date_tolerance_days": 1,
                  "actor1": ["Blue Army"], "actor2": ["Red Militia", "Reds"], "location": "Alpha",
                  "admin1": "North", "lat": 10.0, "lon": 20.0, "tolerance_km": 30, "fatalities": 3,
                  "optional": False, "hedged": False, "evidence": "Blue Army fought Red Militia"},
                 {"id": "E2", "event_type": "Protests", "sub_event_type": ["Peaceful protest"],
                  "date": "2021-03-02", "actor1": ["Protesters (Nowhere)"], "actor2": None,
                  "location": "Beta", "lat": None, "lon": None, "fatalities": 0, "optional": False},
             ],
             "relations": [{"type": "allied_with", "source": ["Blue Army"], "target": ["Green Front"],
                            "date": None, "hedged": False, "evidence": "allies"}],
             "places": ["Alpha", "Beta"],
             "must_not": {"actors": ["Purple Gang"], "places": ["Gamma"],
                          "text_from_boilerplate": ["Subscribe now"]}},
            {"doc": "fakes-2", "published": "2021-03-05", "events": [
                {"id": "E1", "event_type": "Battles", "sub_event_type": ["Armed clash"], "date": "2021-03-01",
                 "date_tolerance_days": 2, "actor1": ["Reds"], "actor2": ["Blue Army"], "location": "Alpha",
                 "lat": 10.0, "lon": 20.0, "fatalities": None}],
             "relations": []},
        ],
        "same_event": [["fakes-1#E1", "fakes-2#E1"]],
        "alias_groups": [["Red Militia", "Reds", "Crimson Brigade"]],
    }
    path = tmp_path / "hand.gold.json"
    path.write_text(json.dumps(g))
    gold = load_gold(path)
    assert gold_doc_ids(gold) == ["fakes-1", "fakes-2"]

    def ev(**kw):
        base = {"id": "p", "cluster_id": None, "event_type": "Battles", "sub_event_type": "Armed clash",
                "event_date": "2021-03-01", "actor1": "Blue Army", "actor1_aliases": [], "actor2": None,
                "actor2_aliases": [], "assoc_actor_1": [], "location": "Alpha", "latitude": 10.1,
                "longitude": 20.1, "fatalities": 3, "hedged": False, "sources": [], "notes": None}
        base.update(kw)
        return base

    preds = {
        "fakes-1": {"processed": True, "published": "2021-03-05", "events": [
            # 25 km off (tolerance 30), actor2 known only through the alias group
            ev(id="a", cluster_id="K", actor2="Crimson Brigade", latitude=10.0 + 25 / 111.2, longitude=20.0),
            # no coordinates: matched by normalised place name
            ev(id="b", event_type="Protests", sub_event_type="Peaceful protest", event_date="2021-03-03",
               actor1="protesters (nowhere)", location="BETA", latitude=None, longitude=None, fatalities=0),
            # a false positive with a must_not place, actor and boilerplate
            ev(id="c", event_type="Riots", location="Gamma", actor2="Purple Gang",
               sources=[{"doc_id": "fakes-1", "evidence": "SUBSCRIBE NOW to read"}]),
        ], "relations": [
            {"type": "allied_with", "source": "Green Front", "source_aliases": [], "target": "Blue Army",
             "target_aliases": [], "date": None, "hedged": False, "evidence": "x", "doc_id": "fakes-1"}]},
        "fakes-2": {"processed": True, "published": "2021-03-05", "events": [
            ev(id="d", cluster_id="K", actor1="Crimson Brigade", actor2="Blue Army", event_date="2021-03-03",
               latitude=10.0, longitude=20.0, fatalities=1)], "relations": []},
        "not-in-gold": {"processed": True, "events": [ev()], "relations": []},
    }
    r = score(gold, preds)
    assert r["event"]["tp"] == 3 and r["event"]["fp"] == 1 and r["event"]["fn"] == 0
    assert r["event"]["precision"] == 0.75 and r["event"]["recall"] == 1.0
    assert r["event"]["f1"] == round(2 * 0.75 / 1.75, 4)
    assert r["matched"]["actor2_acc"] == 1.0  # 'Crimson Brigade' via alias_groups; protest actor2 null
    assert r["matched"]["fatalities_exact"] == 1.0  # fakes-2 gold fatalities null: not scored
    assert r["matched"]["date_error_days_mean"] == round((0 + 1 + 2) / 3, 4)
    assert r["matched"]["location_error_km_median"] == pytest.approx(25.0 / 2, abs=0.5)  # 25 and 0
    assert r["relation"]["f1"] == 1.0
    assert r["same_event"]["recall"] == 1.0 and r["same_event"]["precision"] == 1.0
    assert r["must_not_violations"] == 3
    assert r["published"] == {**r["published"], "checked": 2, "year_correct": 2, "day_within_3": 2}
    assert r["ignored_documents"] == ["not-in-gold"]
    assert summary_line(r) == f"event F1 = {r['event']['f1']:.2f}"


def test_gold_dict_not_modified(gold):
    before = json.dumps(gold, sort_keys=True)
    score(gold, perfect_predictions(gold, include_optional=True))
    assert json.dumps(gold, sort_keys=True) == before


def test_format_report_renders_every_metric(gold):
    from rich.console import Console

    report = score(gold, perfect_predictions(gold))
    buf = io.StringIO()
    Console(file=buf, width=200, color_system=None).print(format_report(report))
    text = buf.getvalue()
    for name in ("precision", "recall", "f1", "sub_event_type_acc", "actor1_acc", "actor2_acc",
                 "fatalities_exact", "date_error_days_mean", "location_error_km_median",
                 "same_event", "checked", "year_correct", "day_within_3", "violations"):
        assert name in text, name
    for d in gold_doc_ids(gold):
        assert d in text
    for rtype in report["relation_by_type"]:  # relation scores by type are in the table
        assert f"relation: {rtype}" in text, rtype
    empty = io.StringIO()
    Console(file=empty, width=200, color_system=None).print(format_report(score(gold, {})))
    assert "n/a" in empty.getvalue()
