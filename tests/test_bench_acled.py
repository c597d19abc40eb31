"""bench acled-notes: the scoring rules and the command on a hand-written fixture.

`tests/data/acled_notes_sample.jsonl` has the shape of ACLED's notes file, but its five notes and their
coding were written for this test (no ACLED row is in it): an air strike, a shelling and a protest the
pipeline must get right, an announcement that is no event, and a note with two shellings of which the
second is the one coded.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from frontlines.bench_acled import (ActorMatcher, Admin1Normaliser, Note, actor_keys, best_match, read_notes,
                                    score_note, summarise)
from frontlines.cli import app
from frontlines.models import ActorRef, EventRecord, PlaceRef
from frontlines.pack import load_pack

SAMPLE = Path(__file__).parent / "data" / "acled_notes_sample.jsonl"
LAST_LINE = re.compile(r"^ACLED notes: recall=(\d\.\d\d) type=(\d\.\d\d) subtype=(\d\.\d\d) actor1=(\d\.\d\d) "
                       r"admin1=(\d\.\d\d) within25km=(\d\.\d\d) fatalities=(\d\.\d\d)$")
runner = CliRunner()


@pytest.fixture(scope="module")
def syria():
    return load_pack("syria")


@pytest.fixture(scope="module")
def text_run():
    res = runner.invoke(app, ["bench", "acled-notes", str(SAMPLE)], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return res.output


@pytest.fixture(scope="module")
def json_run():
    res = runner.invoke(app, ["bench", "acled-notes", str(SAMPLE), "--json"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return json.loads(res.output)


def _actor(aid: str | None, label: str) -> ActorRef:
    return ActorRef(surface=label, actor_id=aid, name=label)


def _ev(et: str, sub: str, a1: ActorRef | None = None, a2: ActorRef | None = None, admin1: str | None = None,
        lat: float | None = None, lon: float | None = None, fat: int = 0) -> EventRecord:
    loc = PlaceRef(surface=admin1 or "x", admin1=admin1, lat=lat, lon=lon) if (admin1 or lat is not None) else None
    return EventRecord(doc_id="d", event_type=et, sub_event_type=sub, actor1=a1, actor2=a2, location=loc, fatalities=fat)


# ------------------------------------------------------------------------------------------------ rules


def test_actor_keys_fold_acled_naming():
    assert actor_keys("Military Forces of Syria (2000-)") == {"militaryforcesofsyria"}
    assert "militaryforcesofsyria" in actor_keys("Military Forces of Syria (2000-2024)")
    # a unit after the era: the force itself is a key too
    assert "militaryforcesofrusia" in actor_keys("Military Forces of Russia (2000-) Military Police")
    # "ABBR: name" and "ABBR - name" both give the name
    assert actor_keys("QSD: Syrian Democratic Forces") & actor_keys("SDF - Syrian Democratic Forces")
    assert actor_keys("HTS: Hayat Tahrir al Sham") & actor_keys("Hayat Tahrir al-Sham")
    assert not actor_keys("Military Forces of Syria (2000-)") & actor_keys("Military Forces of Russia (2000-)")
    assert not actor_keys("Civilians (Syria)") & actor_keys("Civilians (Turkey)")  # the country is no era
    assert actor_keys("") == set() and actor_keys(None) == set()


def test_actor_matcher_uses_the_pack_names_and_both_sides(syria):
    match = ActorMatcher(syria)
    regime = _actor("mf-syria", "Military Forces of Syria")
    civ = _actor("civilians-syria", "Civilians (Syria)")
    ev = _ev("Battles", "Armed clash", a1=civ, a2=regime)
    assert match("Military Forces of Syria (2000-)", ev)  # actor2 counts
    assert match("Military Forces of Syria (2000-) Military Intelligence", ev)
    assert not match("Military Forces of Turkey (2016-)", ev)
    # a unit of the army: our label is the unit, the pack's acled_name is the army's
    unit = _ev("Battles", "Armed clash", a1=_actor("fourth-division", "4th Armoured Division (Syria)"))
    assert match("Military Forces of Syria (2000-)", unit)
    assert not match("Military Forces of Syria (2000-)", None)
    assert not match("", ev)


def test_admin1_folds_spellings_but_keeps_rural_damascus(syria):
    norm = Admin1Normaliser(syria)
    for a, b in [("Idleb", "Idlib"), ("Dar'a", "Daraa"), ("Al-Hasakeh", "Hasakah"), ("Deir ez Zor", "Deir-ez-Zor"),
                 ("Lattakia", "Latakia"), ("As-Sweida", "Suwayda"), ("Ar-Raqqa", "Raqqa"), ("Tartous", "Tartus")]:
        assert norm(a) == norm(b), (a, b)
    assert norm("Rural Damascus") != norm("Damascus")  # ACLED keeps them apart
    assert norm("Hama") != norm("Homs")
    assert norm(None) is None and norm(" ") is None


def test_best_match_prefers_type_then_subtype_then_nearest():
    gold = {"event_type": "Explosions/Remote violence", "sub_event_type": "Air/drone strike",
            "latitude": 35.0, "longitude": 36.0}
    clash = _ev("Battles", "Armed clash", lat=35.0, lon=36.0)
    shelling = _ev("Explosions/Remote violence", "Shelling/artillery/missile attack", lat=35.0, lon=36.0)
    far = _ev("Explosions/Remote violence", "Air/drone strike", lat=36.0, lon=36.0)
    near = _ev("Explosions/Remote violence", "Air/drone strike", lat=35.1, lon=36.0)
    unlocated = _ev("Explosions/Remote violence", "Air/drone strike")
    assert best_match([clash, shelling], gold) is shelling
    assert best_match([clash, shelling, unlocated, far, near], gold) is near
    assert best_match([clash, unlocated], gold) is unlocated
    assert best_match([], gold) is None


def test_score_and_summary_count_over_all_notes(syria):
    gold = {"event_type": "Battles", "sub_event_type": "Armed clash", "actor1": "Military Forces of Syria (2000-)",
            "admin1": "Rural Damascus", "latitude": 33.57, "longitude": 36.40, "fatalities": 2}
    note = Note(id="n", text="", published=None, gold=gold)
    actors, admin1 = ActorMatcher(syria), Admin1Normaliser(syria)
    regime = _actor("mf-syria", "Military Forces of Syria")
    ok = score_note(note, [_ev("Battles", "Armed clash", a1=regime, admin1="Rural Damascus", lat=33.60, lon=36.42, fat=2),
                           _ev("Battles", "Armed clash")], actors, admin1)
    assert all(ok[m] for m in ("recall", "type", "subtype", "actor1", "admin1", "within25km", "fatalities"))
    assert ok["spurious"] == 1 and ok["km"] < 5
    # Damascus city is ~ 10 km away, but not ACLED's governorate; 1 fatality is not 2
    off = score_note(note, [_ev("Battles", "Armed clash", a2=_actor("rebels-syria", "Opposition Rebels (Syria)"),
                                admin1="Damascus", lat=33.51, lon=36.29, fat=1)], actors, admin1)
    assert off["recall"] and off["type"] and off["subtype"] and off["within25km"]
    assert not off["actor1"] and not off["admin1"] and not off["fatalities"] and off["spurious"] == 0
    none = score_note(note, [], actors, admin1)
    assert not any(none[m] for m in ("recall", "type", "subtype", "actor1", "admin1", "within25km", "fatalities"))
    s = summarise([ok, off, none])
    assert s["notes"] == 3 and s["recall"] == pytest.approx(2 / 3, abs=1e-3)
    assert s["actor1"] == pytest.approx(1 / 3, abs=1e-3) and s["within25km"] == pytest.approx(2 / 3, abs=1e-3)
    assert s["located"] == 2 and s["spurious"] == 1 and s["spurious_per_note"] == pytest.approx(1 / 3, abs=1e-3)


def test_read_notes_rejects_a_line_without_text(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"event_id_cnty": "X1", "event_date": "2020-01-01", "notes": " "}) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no notes text"):
        read_notes(bad)
    assert [n.id for n in read_notes(SAMPLE)] == ["TST0001", "TST0002", "TST0003", "TST0004", "TST0005"]


# ------------------------------------------------------------------------------------------------ command


def test_command_prints_the_last_line(text_run):
    last = text_run.strip().splitlines()[-1]
    m = LAST_LINE.match(last)
    assert m, last
    # four of the five notes are plain reports the pipeline gets right; the announcement is no event
    assert last == ("ACLED notes: recall=0.80 type=0.80 subtype=0.80 actor1=0.80 admin1=0.80 "
                    "within25km=0.80 fatalities=0.80")
    assert "Explosions/Remote violence" in text_run and "overall" in text_run


def test_json_report(json_run):
    assert set(json_run) >= {"file", "overall", "per_event_type", "subtype_confusion", "notes", "line"}
    o = json_run["overall"]
    assert set(o) >= {"notes", "recall", "type", "subtype", "actor1", "admin1", "within25km", "fatalities",
                      "median_km", "located", "events", "spurious", "spurious_per_note"}
    assert o["notes"] == 5 and o["recall"] == 0.8 and o["spurious"] == 1
    assert LAST_LINE.match(json_run["line"])
    assert set(json_run["per_event_type"]) == {"Explosions/Remote violence", "Protests", "Strategic developments"}
    notes = {r["id"]: r for r in json_run["notes"]}
    strike = notes["TST0001"]  # Russian air strike on Saraqib, 4 civilians killed
    assert strike["pred_sub_event_type"] == "Air/drone strike" and strike["actor1"] and strike["admin1"]
    assert strike["within25km"] and strike["fatalities"]
    assert notes["TST0004"]["events"] == 0 and not notes["TST0004"]["recall"]
    two = notes["TST0005"]  # two shellings: the SDF one near Tal Abyad is ACLED's
    assert two["events"] == 2 and two["spurious"] == 1
    assert two["actor1"] and two["within25km"] and two["pred_location"]


def test_limit():
    res = runner.invoke(app, ["bench", "acled-notes", str(SAMPLE), "--json", "--limit", "2"], catch_exceptions=False)
    assert res.exit_code == 0
    assert json.loads(res.output)["overall"]["notes"] == 2
