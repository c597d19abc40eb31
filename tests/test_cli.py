"""End to end through the CLI: real pack, real spaCy model, real SQLite files."""
from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from frontlines.cli import app
from frontlines.export import ACLED_COLUMNS

from shared_paths import SEED_GOLD as GOLD, SEEDS

runner = CliRunner()


def invoke(*args: str):
    result = runner.invoke(app, list(args), catch_exceptions=False)
    return result


@pytest.fixture(scope="module")
def seeded_db(tmp_path_factory) -> str:
    db = str(tmp_path_factory.mktemp("db") / "seeds.db")
    res = invoke("run", str(SEEDS), "--db", db, "--quiet")
    assert res.exit_code == 0, res.output
    return db


def _counts(db: str) -> dict:
    from frontlines.store import Store

    s = Store(db)
    try:
        return s.counts()
    finally:
        s.close()


def test_run_seeds_stores_events(seeded_db):
    counts = _counts(seeded_db)
    assert counts["documents"] == 5
    assert counts["events"] >= 10
    assert counts["removed_spans"] > 0


def test_second_run_adds_nothing(seeded_db):
    before = _counts(seeded_db)
    res = invoke("run", str(SEEDS), "--db", seeded_db, "--quiet")
    assert res.exit_code == 0
    after = _counts(seeded_db)
    before.pop("runs", None), after.pop("runs", None)
    assert after == before


def test_events_json_and_filters(seeded_db):
    res = invoke("events", "--db", seeded_db, "--json")
    rows = json.loads(res.stdout)
    assert isinstance(rows, list) and rows
    assert {"event_type", "sub_event_type", "actor1", "location", "latitude", "event_date", "sources"} <= set(rows[0])
    res = invoke("events", "--db", seeded_db, "--json", "--place", "Binnish", "--since", "2018-01-01", "--until", "2018-12-31")
    binnish = json.loads(res.stdout)
    assert binnish and all("binnish" in (e["location"] or "").lower() for e in binnish)
    assert all("2018-01-01" <= e["event_date"] <= "2018-12-31" for e in binnish)
    res = invoke("events", "--db", seeded_db, "--json", "--actor", "HTS", "--type", "Battles")
    battles = json.loads(res.stdout)
    assert battles and all(e["event_type"] == "Battles" for e in battles)
    res = runner.invoke(app, ["events", "--db", seeded_db, "--since", "yesterday"])
    assert res.exit_code == 2 and "not a date" in res.output


def test_export_acled_csv_has_acleds_31_columns(seeded_db, tmp_path):
    out = tmp_path / "events.csv"
    res = invoke("export", "--format", "acled-csv", "-o", str(out), "--db", seeded_db)
    assert res.exit_code == 0
    df = pd.read_csv(out)
    assert list(df.columns) == ACLED_COLUMNS and len(ACLED_COLUMNS) == 31
    # one row per real-world event: the reports of one event are merged (see test_merge.py)
    from frontlines.store import Store

    with Store(seeded_db) as st:
        clusters = {e["cluster_id"] for e in st.events()}
    assert len(df) == len(clusters) <= _counts(seeded_db)["events"]
    assert df["latitude"].notna().all()
    geo = tmp_path / "events.geojson"
    invoke("export", "--format", "geojson", "-o", str(geo), "--db", seeded_db)
    fc = json.loads(geo.read_text())
    assert fc["type"] == "FeatureCollection" and fc["features"]
    lon, lat = fc["features"][0]["geometry"]["coordinates"]
    assert 35 < lon < 43 and 32 < lat < 38  # Syria, [lon, lat] order


def test_no_event_from_boilerplate(seeded_db):
    gold = json.loads(GOLD.read_text())
    rows = json.loads(invoke("events", "--db", seeded_db, "--json").stdout)
    evidence = " ".join(s["evidence"] for e in rows for s in e["sources"]).lower()
    for doc in gold["documents"]:
        for s in doc["must_not"].get("text_from_boilerplate", []):
            assert s.lower() not in evidence
        for p in doc["must_not"].get("places", []):
            assert all((e["location"] or "").lower() != p.lower() for e in rows)


def test_eval_on_seeds_meets_the_bar():
    res = invoke("eval", "--gold", str(GOLD), str(SEEDS))
    assert res.exit_code == 0, res.output
    last = res.stdout.strip().splitlines()[-1]
    m = re.fullmatch(r"event F1 = (\d\.\d\d)", last)
    assert m, last
    report = json.loads(invoke("eval", "--gold", str(GOLD), str(SEEDS), "--json").stdout)
    assert report["documents"] == {"gold": 5, "processed": 5}
    assert report["must_not_violations"] == 0
    assert report["event"]["f1"] >= 0.60
    assert float(m.group(1)) == pytest.approx(report["event"]["f1"], abs=0.006)


def _bad_inputs(folder: Path) -> dict[str, str]:
    folder.mkdir()
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (folder / "latin1.txt").write_bytes("Des combats à Idlib ont tué cinq personnes.".encode("latin-1"))
    (folder / "broken.html").write_text("<html><head><title>x</title></head><body><div><script>var a=1;</script>")
    (folder / "corpus.jsonl").write_text(
        json.dumps({"id": "ok-1", "text": "Government forces shelled the town of Saraqib on Monday, killing three civilians.", "date": "2019-05-06"})
        + "\n{not json\n" + json.dumps({"id": "no-text"}) + "\n"
    )
    (folder / "good.txt").write_text("Rebels clashed with government forces near Saraqib on Tuesday.\n")
    return {"empty.txt": "empty file", "binary.txt": "binary content", "latin1.txt": "not valid UTF-8",
            "broken.html": "no extractable article text", "corpus.jsonl": "invalid JSON"}


def test_bad_inputs_are_reported_and_the_run_goes_on(tmp_path):
    expected = _bad_inputs(tmp_path / "in")
    db = str(tmp_path / "bad.db")
    res = invoke("run", str(tmp_path / "in"), "--db", db, "--quiet")
    assert res.exit_code == 0
    for name, reason in expected.items():
        assert re.search(rf"{re.escape(name)}.*{re.escape(reason)}", res.stderr), (name, res.stderr)
    assert re.search(r"corpus\.jsonl:2: invalid JSON", res.stderr)
    assert re.search(r"corpus\.jsonl:3: record has no 'text'", res.stderr)
    counts = _counts(db)
    assert counts["documents"] == 2  # ok-1 and good
    assert counts["failures"] == 6
    listed = json.loads(invoke("failures", "--db", db, "--json").stdout)
    reasons = {Path(f["path"]).name: f["reason"] for f in listed}
    assert reasons["latin1.txt"].startswith("not valid UTF-8") and reasons["binary.txt"].startswith("binary content")


def test_run_exits_nonzero_only_when_nothing_processed(tmp_path):
    folder = tmp_path / "only_bad"
    folder.mkdir()
    (folder / "empty.txt").write_bytes(b"")
    res = runner.invoke(app, ["run", str(folder), "--db", str(tmp_path / "x.db"), "--quiet"])
    assert res.exit_code == 1
    assert "empty file" in res.stderr


def test_actors_and_places_search():
    res = invoke("actors", "Hayyat Tahrir al-Sham")
    assert "Tahrir" in res.stdout
    res = invoke("places", "Binnish")
    assert "Idl" in res.stdout


def test_gazetteer_import_geonames_command(tmp_path):
    import shutil

    pack = tmp_path / "tiny"
    shutil.copytree(Path(__file__).parent / "packs" / "tiny", pack)
    gn = tmp_path / "ML.txt"
    gn.write_text("\t".join(["2460596", "Ansongo", "Ansongo", "Ansongho", "15.6597", "0.5022", "P", "PPLA2", "ML", "",
                             "", "", "", "", "32709", "", "262", "Africa/Bamako", "2020-01-01"]) + "\n")
    res = invoke("gazetteer", "import", "geonames", str(gn), "--pack", str(pack))
    assert res.exit_code == 0 and "added 1 places" in res.stdout
    assert "Ansongo" in (pack / "places.csv").read_text()
    res = runner.invoke(app, ["gazetteer", "import", "geonames", str(tmp_path / "missing.txt"), "--pack", str(pack)])
    assert res.exit_code == 2 and "no such file" in res.output


def test_eval_on_a_jsonl_corpus_with_another_gold(tmp_path):
    """eval works for any gold in the format, over JSONL corpora, processing only the gold's documents."""
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("\n".join(json.dumps(r) for r in [
        {"id": "n-1", "date": "2019-05-20", "source": "reuters",
         "text": "Government forces shelled the village of Kafr Nabudah on Sunday, killing three civilians."},
        {"id": "n-2", "date": "2019-05-20", "text": "Unrelated text that the gold does not name."},
    ]) + "\n")
    gold = tmp_path / "g.json"
    gold.write_text(json.dumps({"schema": "frontlines-gold/1", "documents": [{
        "doc": "n-1", "published": "2019-05-20", "events": [{
            "id": "E1", "event_type": "Explosions/Remote violence", "sub_event_type": ["Shelling/artillery/missile attack"],
            "date": "2019-05-19", "date_precision": "day", "date_tolerance_days": 1,
            "actor1": ["Military Forces of Syria"], "actor2": ["Civilians (Syria)"], "location": "Kafr Nabudah",
            "lat": 35.44, "lon": 36.50, "tolerance_km": 10, "fatalities": 3, "optional": False, "hedged": False,
            "evidence": "Government forces shelled the village"}],
        "relations": [], "places": ["Kafr Nabudah"], "must_not": {}}], "same_event": [], "alias_groups": []}))
    report = json.loads(invoke("eval", "--gold", str(gold), str(corpus), "--json").stdout)
    assert report["documents"] == {"gold": 1, "processed": 1}
    assert report["event"]["tp"] == 1 and report["event"]["fp"] == 0
    assert report["matched"]["fatalities_exact"] == 1.0


def test_documents_say_where_the_date_came_from(seeded_db):
    docs = {d["id"]: d for d in json.loads(invoke("documents", "--db", seeded_db, "--json").stdout)}
    d = docs["000_374bc49b221b3923"]
    assert d["published"] == "2018-02-05" and d["published_source"] == "inferred" and d["published_confidence"] >= 0.8
    assert d["outlet"] == "Diyaruna"
    assert "inferred" in invoke("documents", "--db", seeded_db).stdout
