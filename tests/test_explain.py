"""`frontlines explain`: the frame read from the text, the codebook rule that coded it, the evidence."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from frontlines.cli import app

ARTICLE = ("Syrian government forces shelled the town of Binnish in Idlib on Monday, killing three civilians.\n\n"
           "Rebels claimed that government warplanes had struck a market in Saraqib on Tuesday, killing four people.\n")


@pytest.fixture(scope="module")
def store_with_events(tmp_path_factory) -> str:
    folder = tmp_path_factory.mktemp("explain")
    (folder / "doc.jsonl").write_text(json.dumps({"id": "doc-1", "date": "2019-05-22", "text": ARTICLE}) + "\n")
    db = str(folder / "x.db")
    res = CliRunner().invoke(app, ["run", str(folder / "doc.jsonl"), "--db", db, "--quiet"])
    assert res.exit_code == 0, res.output
    return db


def _events(db: str) -> list[dict]:
    return json.loads(CliRunner().invoke(app, ["events", "--db", db, "--json"]).stdout)


def test_every_event_keeps_its_frame_and_rule(store_with_events):
    events = _events(store_with_events)
    assert events
    for ev in events:
        full = json.loads(CliRunner().invoke(app, ["explain", ev["id"], "--db", store_with_events, "--json"]).stdout)
        frame, rule = full["coding"]["frame"], full["coding"]["coding"]
        assert rule["sub_event_type"] == ev["sub_event_type"] and rule["event_type"] == ev["event_type"]
        assert rule["by"] in ("lexicon", "classifier") and rule["trigger"]
        assert frame["trigger"].lower() in full["sources"][0]["evidence"].lower()
        assert frame["place"]["geo_precision"] == ev["geo_precision"]


def test_explain_prints_the_frame_the_rule_and_the_evidence(store_with_events):
    shelling = next(e for e in _events(store_with_events) if e["sub_event_type"] == "Shelling/artillery/missile attack")
    # by the ACLED-style id too
    res = CliRunner().invoke(app, ["explain", shelling["event_id_cnty"], "--db", store_with_events])
    assert res.exit_code == 0, res.output
    out = " ".join(res.stdout.split())
    assert 'shell ("shelled")' in out
    assert "Syrian government forces -> Military Forces of Syria" in out and "(state forces)" in out
    assert "lexicons.yaml, trigger 'shell'" in out and "-> Shelling/artillery/missile attack -> Explosions/Remote violence" in out
    assert "3 killed" in out and "stated as fact" in out
    assert "Syrian government forces shelled the town of Binnish" in out


def test_a_hedged_report_names_its_claim(store_with_events):
    strike = [e for e in _events(store_with_events) if e["sub_event_type"] == "Air/drone strike"]
    assert strike and strike[0]["hedged"]
    full = json.loads(CliRunner().invoke(app, ["explain", strike[0]["id"], "--db", store_with_events, "--json"]).stdout)
    assert full["coding"]["frame"]["claim"]["hedged"] is True


def test_unknown_event_is_one_clear_error(store_with_events):
    res = CliRunner().invoke(app, ["explain", "nope", "--db", store_with_events])
    assert res.exit_code == 2 and "no event 'nope'" in res.output
