"""Knowledge packs: the loader, the syria pack against the seed gold, and a tiny second pack."""
from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from frontlines.names import fold_key, match_key
from frontlines.pack import (
    _ERA_RE,
    KnowledgePack,
    PackError,
    haversine_km,
    import_geonames,
    load_pack,
)

from shared_paths import ROOT, SHARED, SEED_GOLD as GOLD
TINY = Path(__file__).resolve().parent / "packs" / "tiny"

# Every actor name the seed gold uses, with the pack actor(s) it may denote. A gold list sometimes
# mixes two actors (Fa Ithbatu + Hurras al-Din; protesters + residents), hence sets. None: a person or
# an ad-hoc group the pack need not know (it may still resolve to nothing).
GOLD_NAMES: dict[str, set[str] | None] = {
    "Hay'at Tahrir al-Sham": {"hts"}, "Hayat Tahrir al-Sham": {"hts"}, "Tahrir al-Sham": {"hts"},
    "HTS": {"hts"}, "Jabhat al-Nusra": {"hts"}, "Nusra Front": {"hts"},
    "Hurras al-Din": {"hurras-al-din"}, "Horas al-Din": {"hurras-al-din"}, "Huras al-Din": {"hurras-al-din"},
    "Tanzim Hurras al-Din": {"hurras-al-din"},
    "Fa Ithbatu": {"fa-ithbatu"}, "Fa-Ithbatu": {"fa-ithbatu"}, "Fa Ithbatu Operations Room": {"fa-ithbatu"},
    "So Be Steadfast Operations Room": {"fa-ithbatu"}, "Fathbatu": {"fa-ithbatu"},
    "foreigners group": {"firqat-al-ghuraba"}, "the foreigners": {"firqat-al-ghuraba"},
    "Firqat al-Ghuraba": {"firqat-al-ghuraba"}, "Omar Omsen's group": {"firqat-al-ghuraba"},
    "Ansar al-Din": {"ansar-al-din"}, "Jabhat Ansar al-Din": {"ansar-al-din"},
    "Liwa al-Muqatlin al-Ansar": {"liwa-al-muqatlin-al-ansar"},
    "Ansar al-Tawhid": {"ansar-al-tawhid"},
    "Suqur al-Sham": {"suqur-al-sham"}, "Suqour al-Sham": {"suqur-al-sham"}, "Saqour al-Sham": {"suqur-al-sham"},
    "Islamic State": {"islamic-state"}, "ISIS": {"islamic-state"}, "ISIL": {"islamic-state"}, "IS": {"islamic-state"},
    "al-Qaeda": {"al-qaeda"}, "Al Qaeda": {"al-qaeda"}, "al-Qaida": {"al-qaeda"},
    "Free Syrian Army": {"fsa"}, "FSA": {"fsa"},
    "Ahrar al-Sham": {"ahrar-al-sham"}, "Harakat Ahrar al-Sham": {"ahrar-al-sham"},
    "Ahrar al-Sham Movement": {"ahrar-al-sham"},
    "Rad al-Ghuzat": {"rad-al-ghuzat"}, "Rad al-Ghuzat operations room": {"rad-al-ghuzat"},
    "Radd al-Ghuzat": {"rad-al-ghuzat"},
    "Jaysh al-Nasir": {"jaysh-al-nasr"}, "Jaysh al-Izza": {"jaysh-al-izza"}, "Free Idlib Army": {"free-idlib-army"},
    "Faylaq al-Sham": {"faylaq-al-sham"}, "Elite Army": {"elite-army"},
    "First Infantry Division": {"first-infantry-division"}, "Second Army": {"second-army"},
    "Jaysh al-Ahrar": {"jaysh-al-ahrar"}, "Nour al-Din al-Zenki Movement": {"zenki"}, "Zenki": {"zenki"},
    "National Salvation Government": {"salvation-government"}, "Salvation Government": {"salvation-government"},
    "salvation government": {"salvation-government"}, "NSG": {"salvation-government"},
    "Al-Mutasim Brigade": {"mutasim-brigade"}, "Liwa al-Mutasim": {"mutasim-brigade"},
    "al-Mu'tasim Brigade": {"mutasim-brigade"},
    "Euphrates Shield groups": {"euphrates-shield-groups"},
    # in 2017 the SNA did not exist yet: its predecessor, the Euphrates Shield groups, is the answer
    "Syrian National Army": {"sna", "euphrates-shield-groups"},
    "Turkish-backed militants": {"sna"},
    "YPG": {"ypg"}, "People's Protection Units": {"ypg"}, "Kurdish People's Protection Units": {"ypg"},
    "US-led coalition": {"coalition"},
    "Military Forces of the United States": {"mf-usa"},
    "Military Forces of Syria": {"mf-syria"}, "Syrian Army": {"mf-syria"},
    "Military Forces of Russia": {"mf-russia"}, "Russian special forces": {"mf-russia"}, "Russia": {"mf-russia"},
    "Military Forces of Turkey": {"mf-turkey"}, "Turkish Army": {"mf-turkey"}, "Turkish army": {"mf-turkey"},
    "Turkey": {"mf-turkey"},
    "Unidentified Military Forces": {"unidentified-military-forces"},
    "unidentified drone": {"unidentified-military-forces"},
    "Unidentified Armed Group (Syria)": {"unidentified-armed-group-syria"},
    "militants": {"unidentified-armed-group-syria"}, "Idlib militants": {"unidentified-armed-group-syria"},
    "Protesters (Syria)": {"protesters-syria"}, "protesters": {"protesters-syria"},
    "Rioters (Syria)": {"rioters-syria"}, "rioters": {"rioters-syria"},
    "Civilians (Syria)": {"civilians-syria"}, "civilians": {"civilians-syria"}, "activist": {"civilians-syria"},
    # residents who protest or riot: the generic civilian actor is an acceptable reading
    "residents of Binnish": {"civilians-syria", "protesters-syria", "rioters-syria"},
    "Binnish residents": {"civilians-syria", "protesters-syria", "rioters-syria"},
    # persons and an unnamed local faction
    "Hussam Hourani": None, "Abu Salah al-Uzbeki": None, "Abu Malek al-Tali": None, "Omar Omsen": None,
    "Omar Diaby": None, "Abu Dujana Binnish faction": None, "faction led by Abu Dujana Binnish": None,
    "Abu Dujana Binnish": None,
}

GOV_SYNONYMS = {"idlib": "idleb", "latakia": "lattakia", "hasakah": "alhasakeh", "raqqa": "arraqqa",
                "deirezzor": "deirezzor", "daraa": "dara", "tartus": "tartous", "suwayda": "assweida"}


def norm_gov(name: str | None) -> str:
    k = match_key(name or "").replace("'", "")
    return GOV_SYNONYMS.get(k, k)


@pytest.fixture(scope="module")
def syria() -> KnowledgePack:
    return load_pack("syria")


@pytest.fixture(scope="module")
def gold() -> dict:
    if not GOLD.exists():
        pytest.skip("shared/gold not available")
    return json.loads(GOLD.read_text(encoding="utf-8"))


def _gold_actor_lists(doc: dict) -> list[list[str]]:
    out = []
    for e in doc["events"]:
        for k in ("actor1", "actor2", "assoc_actor_1", "assoc_actor_2"):
            if e.get(k):
                out.append(e[k])
    for r in doc.get("relations", []):
        out += [r["source"], r["target"]]
    return out


# ------------------------------------------------------------------ syria pack: loading


def test_syria_pack_loads_fast_and_is_complete(syria):
    assert syria.name == "syria" and syria.iso == 760 and syria.iso3 == "SYR" and syria.region == "Middle East"
    assert syria.country == "Syria"
    assert len(syria.actors) >= 150
    assert len(syria.places) >= 700
    assert len(syria.outlets) >= 40
    assert isinstance(syria.lexicons, dict)
    assert load_pack("syria") is syria  # cached: loaded once per process
    assert load_pack(syria.root) is syria


def test_every_gold_name_is_covered_by_the_table(gold):
    names = {n for doc in gold["documents"] for lst in _gold_actor_lists(doc) for n in lst}
    names |= {n for g in gold["alias_groups"] for n in g}
    assert not names - set(GOLD_NAMES), "new gold names: add them to GOLD_NAMES"


def test_gold_actor_names_resolve(syria, gold):
    failures = []
    for doc in gold["documents"]:
        on = date.fromisoformat(doc["published"])
        for lst in _gold_actor_lists(doc):
            for n in lst:
                want = GOLD_NAMES[n]
                if want is None:
                    continue
                got = syria.resolve_actor(n, on=on)
                if got is None or got.id not in want:
                    failures.append((doc["doc"][:3], n, got and got.id, want))
    assert not failures


def test_alias_groups_resolve_to_one_actor(syria, gold):
    for group in gold["alias_groups"]:
        ids = {syria.resolve_actor(n, on=date(2018, 6, 1)).id for n in group}
        assert len(ids) == 1, (group, ids)


def test_gold_places_geocode_within_tolerance(syria, gold):
    failures = []
    for doc in gold["documents"]:
        coords = {}
        for e in doc["events"]:
            place = syria.gazetteer.lookup(e["location"], e.get("evidence", ""))
            tol = e.get("tolerance_km") or 10
            if place is None:
                failures.append((e["location"], None))
                continue
            d = haversine_km(place.lat, place.lon, e["lat"], e["lon"])
            if d > tol or norm_gov(place.admin1) != norm_gov(e["admin1"]):
                failures.append((e["location"], place.id, round(d, 1), place.admin1, e["admin1"]))
            coords[e["location"]] = (e["lat"], e["lon"], tol, e["admin1"])
        for name in doc["places"]:
            place = syria.gazetteer.lookup(name)
            if place is None:
                failures.append((name, None))
                continue
            if name in coords:
                lat, lon, tol, a1 = coords[name]
                if haversine_km(place.lat, place.lon, lat, lon) > tol or norm_gov(place.admin1) != norm_gov(a1):
                    failures.append((name, place.id))
            else:  # a place named without an event (Saraqib): it must at least be in Syria's north-west
                assert place.admin1 in ("Idleb", "Aleppo", "Hama", "Lattakia"), (name, place.admin1)
    assert not failures


def test_gold_must_not_places_are_not_syrian(syria, gold):
    for doc in gold["documents"]:
        for name in doc.get("must_not", {}).get("places", []):
            if name == "Taftanaz":  # named only in a comment; it is a real Syrian town
                assert syria.gazetteer.lookup(name) is not None
                continue
            assert syria.gazetteer.lookup(name) is None, name


# ------------------------------------------------------------------ syria pack: resolution


def test_nusra_resolves_by_date(syria):
    assert syria.resolve_actor("Nusra", on=date(2013, 1, 1)).id == "jabhat-al-nusra"
    assert syria.resolve_actor("Nusra", on=date(2018, 1, 1)).id == "hts"
    assert syria.resolve_actor("Nusra", on=date(2017, 10, 5)).id == "hts"
    assert syria.resolve_actor("Nusra", on=date(2016, 10, 1)).id == "jabhat-fatah-al-sham"
    assert syria.resolve_actor("Jabhat al-Nusra").id == "jabhat-al-nusra"
    assert syria.resolve_actor("Jabhat al-Nusra", on=date(2019, 5, 1)).id == "hts"
    assert syria.resolve_actor("HTS", on=date(2020, 6, 25)).id == "hts"


def test_abbreviations_are_case_sensitive(syria):
    assert syria.resolve_actor("IS").id == "islamic-state"
    assert syria.resolve_actor("is") is None
    assert syria.resolve_actor("HTS").id == "hts"
    assert syria.resolve_actor("SDF").id == "sdf"


def test_transliteration_variants_and_fuzzy(syria):
    assert syria.resolve_actor("Hay’at Tahrir al-Sham").id == "hts"
    assert syria.resolve_actor("Hayyat Tahrir ash-Sham").id == "hts"
    assert syria.resolve_actor("the Hayyat").id == "hts"
    assert syria.resolve_actor("Hurras al-Deen").id == "hurras-al-din"
    assert syria.resolve_actor("Jaish al-Nasr").id == "jaysh-al-nasr"
    assert syria.resolve_actor("Harakat Ahrar ash-Sham al-Islamiya").id == "ahrar-al-sham"
    assert syria.resolve_actor("Hay'at Tahrir al-Sham (HTS)").id == "hts"
    assert syria.resolve_actor("Rouse the Believers Operation Room").id == "wa-harid-al-muminin"
    assert syria.resolve_actor("Abu Dujana Binnish faction") is None
    assert syria.resolve_actor("13th Divison").id == "division-13"
    assert syria.resolve_actor("Something Entirely Unknown Brigade") is None


def test_actor_records(syria):
    hts = syria.actors["hts"]
    # the ACLED join (acled_actors.yaml) gives ACLED's own name; the pack's former one stays an alias
    assert hts.acled_name == "HTS: Hayat Tahrir al Sham" and hts.inter == 2
    assert "Hayat Tahrir al-Sham" in hts.aliases
    assert "jabhat-fatah-al-sham" in hts.predecessors
    names = hts.all_names()
    assert names[0] == "Hay'at Tahrir al-Sham" and "HTS" in names and len(names) == len(set(names))
    ghuraba = syria.actors["firqat-al-ghuraba"]
    assert {"Omar Omsen", "Omar Diaby"} <= set(ghuraba.leaders)
    assert syria.actors["fa-ithbatu"].active_from == date(2020, 6, 12)
    for generic in ("Military Forces of Syria", "Military Forces of Russia", "Military Forces of Turkey",
                    "Military Forces of the United States", "Opposition Rebels (Syria)", "Civilians (Syria)",
                    "Protesters (Syria)", "Rioters (Syria)", "Unidentified Armed Group (Syria)",
                    "Unidentified Military Forces"):
        assert fold_key(_ERA_RE.sub(" ", syria.resolve_actor(generic).acled_name)) == fold_key(generic)
    for phrase, aid in [("regime forces", "mf-syria"), ("government troops", "mf-syria"), ("SAA", "mf-syria"),
                        ("Russian warplanes", "mf-russia"), ("gunmen", "unidentified-armed-group-syria"),
                        ("residents", "civilians-syria"), ("Turkish-backed militants", "sna")]:
        assert syria.resolve_actor(phrase, on=date(2019, 1, 1)).id == aid, phrase


def test_affiliations(syria):
    rels = {(f.source, f.type, f.target) for f in syria.affiliations_of("hurras-al-din")}
    assert ("hurras-al-din", "member_of", "fa-ithbatu") in rels
    assert ("hurras-al-din", "pledged_allegiance_to", "al-qaeda") in rels
    assert ("firqat-al-ghuraba", "pledged_allegiance_to", "hurras-al-din") in rels
    assert ("salvation-government", "front_for", "hts") in {
        (f.source, f.type, f.target) for f in syria.affiliations_of("hts")}
    rad = [f for f in syria.affiliations_of("rad-al-ghuzat") if f.type == "member_of"]
    assert len(rad) == 10 and all(f.valid_from == date(2018, 2, 3) for f in rad)


def test_search_actors(syria):
    assert syria.search_actors("nusra")[0].id in ("jabhat-al-nusra", "hts")
    assert "zenki" in [a.id for a in syria.search_actors("Zinki", limit=5)]


def test_outlets(syria):
    for code in ("ahram", "manar", "alalam", "alaraby", "dailysabah", "sana", "sputnik", "etilaf", "trt",
                 "jordantimes", "reuters", "arabiya", "nna", "asharqalawsat", "tass"):
        assert syria.resolve_outlet(code) is not None, code
    assert syria.resolve_outlet("Diyaruna").id == "diyaruna"
    assert syria.resolve_outlet("SouthFront").id == "southfront"
    assert syria.resolve_outlet("The Syrian Observer (Alsouria Net)").id == "syrian-observer"
    assert syria.resolve_outlet("Alsouria Net").id == "alsouria-net"
    assert syria.resolve_outlet("SOHR").id == "sohr"
    assert syria.resolve_outlet("https://www.syriahr.com/en/12345/").id == "sohr"
    assert syria.resolve_outlet("https://english.alarabiya.net/News/middle-east").id == "arabiya"
    assert syria.resolve_outlet("https://example.org/x") is None
    assert all(o.source_scale for o in syria.outlets.values())


# ------------------------------------------------------------------ syria pack: gazetteer


def test_binnish_and_benin_are_syrian_villages(syria):
    g = syria.gazetteer
    for name in ("Binnish", "Benin", "Binin"):
        p = g.lookup(name)
        assert p is not None and p.kind not in ("country",) and p.admin1 == "Idleb", name
        assert all(c.kind != "country" or c.name == "Syria" for c in g.candidates(name))
    assert haversine_km(g.lookup("Benin").lat, g.lookup("Benin").lon, 35.69, 36.57) < 5


def test_idlib_city_vs_province(syria):
    g = syria.gazetteer
    # ACLED's habit: a governorate's bare name is the governorate; the city only when the text says so
    assert g.lookup("Idlib").kind == "governorate"
    assert g.lookup("Idlib city").kind == "city"
    assert g.lookup("Idlib", context="protests in the city of Idlib").kind == "city"
    assert g.lookup("Idlib province").kind == "governorate"
    assert g.lookup("Idlib governorate").id == g.lookup("Idleb province").id
    assert g.lookup("Idlib", context="tensions continue growing in Idlib province").kind == "governorate"
    assert g.lookup("Idlib", context="in the countryside of Idlib").kind == "governorate"
    assert g.lookup("Idlib", context="near the western entrance to Idlib city").kind == "city"
    assert g.lookup("Idlib city").kind == "city"
    assert g.lookup("rural Idlib").kind == "governorate"


def test_spelling_variants_and_admin_names(syria):
    g = syria.gazetteer
    assert g.lookup("Lattakia").id == g.lookup("Latakia").id
    assert g.lookup("Deir Ezzor").id == g.lookup("Deir al-Zour").id == g.lookup("Deir ez-Zor").id
    assert g.lookup("Hasakah province").id == g.lookup("Al-Hasakeh governorate").id
    assert g.lookup("Raqqa").kind == "governorate" and g.lookup("Raqqa city").kind == "city"
    assert g.lookup("Damascus").kind == "city"  # a governorate of one district is the city itself
    assert g.lookup("Khan Sheikhoun").admin1 == "Idleb"
    assert g.lookup("Maaret al-Numan").admin1 == "Idleb"
    assert g.lookup("Hmeimim").kind == "base" and g.lookup("Hmeimim").admin1 == "Lattakia"
    assert g.lookup("Bab al-Hawa").kind == "crossing"
    govs = {p.name for p in syria.places.values() if p.kind == "governorate"}
    assert {"Idleb", "Lattakia", "Rural Damascus", "Al-Hasakeh", "Deir-ez-Zor", "Ar-Raqqa", "Tartous"} <= govs
    # every admin1 in the file is an OCHA governorate name
    assert {p.admin1 for p in syria.places.values() if p.admin1} <= govs
    assert g.lookup("Tehran") is None and g.lookup("Shiraz") is None


def test_admin_for_point_in_polygon(syria):
    assert syria.gazetteer.admin_for(35.9566, 36.7138)[0] == "Idleb"
    assert syria.gazetteer.admin_for(36.4723, 37.0947)[:2] == ("Aleppo", "A'zaz")
    assert syria.gazetteer.admin_for(35.401, 35.949)[0] == "Lattakia"
    assert syria.gazetteer.admin_for(48.85, 2.35) == (None, None, None)


def test_collision_prefers_places_near_the_context(syria):
    g = syria.gazetteer
    # several Syrian places share a name; the one near the article's other places wins
    by_name: dict[str, list] = {}
    for p in syria.places.values():
        if p.kind in ("city", "town", "village"):
            by_name.setdefault(p.name, []).append(p)
    dup = next((ps for ps in by_name.values()
                if len(ps) > 1 and len({p.admin1 for p in ps}) > 1 and all(p.admin1 for p in ps)), None)
    if dup is None:
        pytest.skip("no colliding names")
    for target in dup:
        anchor = next(p for p in syria.places.values()
                      if p.kind == "governorate" and p.admin1 == target.admin1)
        got = g.lookup(target.name, context=f"fighting near {target.name} in {anchor.name} province")
        assert got.admin1 == target.admin1


def test_entity_patterns(syria):
    import spacy

    pats = syria.entity_patterns()
    assert all({"label", "pattern", "id"} <= set(p) for p in pats)
    from frontlines.annotate import add_pack_rulers

    nlp = add_pack_rulers(spacy.blank("en"), syria)
    for text, want in [
        ("Hay'at Tahrir al-Sham attacked.", ("ORG", "hts")),
        ("Hay’at Tahrir al-Sham attacked.", ("ORG", "hts")),
        ("Clashes with HTS in Idlib.", ("ORG", "hts")),
        ("Clashes with hayat tahrir al-sham.", ("ORG", "hts")),
        ("The Turkish Army shelled them.", ("ORG", "mf-turkey")),
        ("A drone hit Hmeimim Air Base.", ("FAC", "x:hmeimim-air-base")),
        ("They raided Benin.", ("GPE", "x:binin")),
        ("Protests in Binnish.", ("GPE", "gn:171451")),
        ("Fighting in the Jabal al-Zawiya area.", ("LOC", "x:jabal-al-zawiya")),
    ]:
        ents = [(e.label_, e.ent_id_) for e in nlp(text).ents]
        assert want in ents, (text, ents)
    # lowercase "is" is not the Islamic State
    assert not [e for e in nlp("This is it.").ents if e.ent_id_ == "islamic-state"]


# ------------------------------------------------------------------ validation


def _write_pack(root: Path, actors: str, places: str | None = None, affiliations: str | None = None,
                manifest_extra: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    files = "  actors: actors.yaml\n  places: places.csv\n"
    if affiliations is not None:
        files += "  affiliations: affiliations.yaml\n"
        (root / "affiliations.yaml").write_text(affiliations, encoding="utf-8")
    (root / "manifest.yaml").write_text(
        f"name: broken\nversion: '1'\ncountry: Nowhere\niso: 999\n{manifest_extra}files:\n{files}", encoding="utf-8")
    (root / "actors.yaml").write_text(actors, encoding="utf-8")
    (root / "places.csv").write_text(
        places or "id,name,kind,lat,lon,admin1,admin2,admin3,variants,arabic,population,source\n"
                   "p1,Town,town,10,10,,,,,,,\n", encoding="utf-8")
    return root


GOOD_ACTOR = "actors:\n- {id: a, name: A, inter: 2, kind: rebel}\n"


@pytest.mark.parametrize("actors, message", [
    ("actors:\n- {id: x, name: X, kind: rebel}\n", "actors.yaml: actor 'x': missing field 'inter'"),
    ("actors:\n- {id: x, name: X, inter: 9, kind: rebel}\n", "actor 'x': bad inter code 9"),
    ("actors:\n- {id: x, name: X, inter: 2, kind: rebel}\n- {id: x, name: Y, inter: 2, kind: rebel}\n",
     "actor 'x': duplicate id"),
    ("actors:\n- {id: x, name: X, inter: 2, kind: rebel, active_from: 2019-13-01}\n", "bad date"),
    ("actors:\n- {id: x, name: X, inter: 2, kind: rebel, active_from: 'last year'}\n", "bad date"),
    ("actors:\n- {id: x, name: X, inter: 2, kind: rebel, successors: [ghost]}\n",
     "actor 'x': successor 'ghost' is not a known actor"),
    ("actors:\n- {id: x, name: X, inter: 2, kind: rebel, active_from: 2020, active_to: 2019}\n", "is after"),
    ("actors:\n- {id: x, name: X, inter: 2, kind: rebel, colour: red}\n", "unknown field"),
])
def test_validation_errors(tmp_path, actors, message):
    root = _write_pack(tmp_path / "broken", actors)
    with pytest.raises(PackError) as exc:
        load_pack(root)
    assert message in str(exc.value)
    assert "broken/" in str(exc.value)


def test_validation_errors_affiliations_places_manifest(tmp_path):
    root = _write_pack(tmp_path / "b1", GOOD_ACTOR,
                       affiliations="affiliations:\n- {source: a, target: nobody, type: member_of}\n")
    with pytest.raises(PackError, match="target 'nobody' is not a known actor"):
        load_pack(root)
    root = _write_pack(tmp_path / "b2", GOOD_ACTOR, affiliations="affiliations:\n- {source: a, target: a, type: loves}\n")
    with pytest.raises(PackError, match="unknown type 'loves'"):
        load_pack(root)
    places = ("id,name,kind,lat,lon\np1,Town,town,10,10\np1,Other,town,11,11\n")
    with pytest.raises(PackError, match="places.csv:3: place 'p1': duplicate id"):
        load_pack(_write_pack(tmp_path / "b3", GOOD_ACTOR, places=places))
    with pytest.raises(PackError, match="unknown kind 'castle'"):
        load_pack(_write_pack(tmp_path / "b4", GOOD_ACTOR, places="id,name,kind,lat,lon\np1,T,castle,1,1\n"))
    with pytest.raises(PackError, match="outside the pack's bbox"):
        load_pack(_write_pack(tmp_path / "b5", GOOD_ACTOR, manifest_extra="bbox: [0, 0, 1, 1]\n",
                              places="id,name,kind,lat,lon\np1,T,town,40,40\n"))
    (tmp_path / "b6").mkdir()
    (tmp_path / "b6" / "manifest.yaml").write_text("name: x\nversion: 1\n", encoding="utf-8")
    with pytest.raises(PackError, match="missing field 'country'"):
        load_pack(tmp_path / "b6")
    with pytest.raises(PackError, match="not found"):
        load_pack(tmp_path / "nowhere")
    with pytest.raises(PackError, match="not found"):
        load_pack("no-such-pack")


def test_a_valid_minimal_pack_loads(tmp_path):
    pack = load_pack(_write_pack(tmp_path / "ok", GOOD_ACTOR))
    assert pack.resolve_actor("A").id == "a"
    assert pack.lexicons == {} and pack.outlets == {} and pack.affiliations == []


# ------------------------------------------------------------------ the tiny pack


def test_tiny_pack_resolves_its_own_world(syria):
    tiny = load_pack(TINY)
    assert tiny.name == "tiny" and tiny.iso == 466 and tiny.country == "Mali"
    assert set(tiny.lexicons["triggers"]) >= {"clash", "attack"}  # a minimal trigger set of its own
    assert tiny.resolve_actor("JNIM").id == "jnim"
    assert tiny.resolve_actor("FAMa").id == "mf-mali"
    assert tiny.resolve_actor("Malian army").id == "mf-mali"
    assert tiny.resolve_actor("Ansar Dine", on=date(2013, 1, 1)).id == "ansar-dine"
    assert tiny.resolve_actor("Ansar Dine", on=date(2019, 1, 1)).id == "jnim"
    assert tiny.gazetteer.lookup("Tombouctou").id == "t:timbuktu"
    assert tiny.gazetteer.lookup("Mopti city").kind == "city"
    assert tiny.gazetteer.lookup("Mopti region").kind == "governorate"
    assert tiny.resolve_outlet("https://www.studiotamani.org/x").id == "studio-tamani"
    # it knows nothing of Syria
    for name in ("HTS", "Hay'at Tahrir al-Sham", "Military Forces of Syria", "Free Syrian Army"):
        assert tiny.resolve_actor(name) is None, name
    for name in ("Idlib", "Binnish", "Damascus"):
        assert tiny.gazetteer.lookup(name) is None
    assert tiny.gazetteer.admin_for(35.9, 36.7) == (None, None, None)
    assert {p["id"] for p in tiny.entity_patterns()} <= set(tiny.actors) | set(tiny.places)


def test_import_geonames(tmp_path):
    root = tmp_path / "tiny"
    shutil.copytree(TINY, root)
    rows = [
        # geonameid name asciiname alternatenames lat lon fclass fcode cc cc2 a1 a2 a3 a4 pop elev dem tz moddate
        ["2460596", "Ansongo", "Ansongo", "Ansongo,Ansongho", "15.6597", "0.5022", "P", "PPLA2", "ML", "",
         "", "", "", "", "32709", "", "262", "Africa/Bamako", "2020-01-01"],
        ["2455290", "Kidal", "Kidal", "", "18.4411", "1.4078", "P", "PPLA", "ML", "", "", "", "", "", "25617",
         "", "455", "Africa/Bamako", "2020-01-01"],
        ["9999991", "Tessalit Camp", "Tessalit Camp", "", "20.24", "0.98", "S", "MILB", "ML", "", "", "", "",
         "", "0", "", "500", "Africa/Bamako", "2020-01-01"],
        ["9999992", "Some Hill", "Some Hill", "", "20.0", "1.0", "T", "HLL", "ML", "", "", "", "", "", "0", "",
         "500", "Africa/Bamako", "2020-01-01"],
        ["9999993", "Paris", "Paris", "", "48.85", "2.35", "P", "PPLC", "FR", "", "", "", "", "", "2000000", "",
         "35", "Europe/Paris", "2020-01-01"],
    ]
    gn = tmp_path / "ML.txt"
    gn.write_text("\n".join("\t".join(r) for r in rows) + "\n", encoding="utf-8")
    assert import_geonames(root, gn) == 3  # Ansongo, Kidal (a new gn: id), the camp; not the hill, not Paris
    assert import_geonames(root, gn) == 0  # ids already present are skipped
    bad = tmp_path / "bad.txt"
    bad.write_text("name,lat,lon\nX,1,2\n", encoding="utf-8")
    with pytest.raises(PackError, match="not a GeoNames dump"):
        import_geonames(root, bad)
    pack = load_pack(root)
    p = pack.places["gn:2460596"]
    assert p.name == "Ansongo" and p.kind == "town" and p.population == 32709 and "Ansongho" in p.variants
    assert pack.places["gn:9999991"].kind == "base"
    assert pack.gazetteer.lookup("Ansongo").id == "gn:2460596"


def test_import_geonames_assigns_admin_by_polygon(tmp_path, syria):
    root = tmp_path / "syria"
    shutil.copytree(syria.root, root)
    before = len(syria.places)
    gn = tmp_path / "SY.txt"
    gn.write_text("\t".join(["99999001", "Qaryat Test", "Qaryat Test", "", "35.95", "36.70", "P", "PPL", "SY",
                             "", "", "", "", "", "700", "", "", "Asia/Damascus", "2020-01-01"]) + "\n"
                  + (SHARED / "geo" / "geonames_cities500_SY.tsv").read_text(encoding="utf-8").splitlines()[0]
                  + "\n", encoding="utf-8")
    added = import_geonames(root, gn)
    assert added >= 1
    pack = load_pack(root)
    assert len(pack.places) == before + added
    p = pack.places["gn:99999001"]
    assert p.kind == "village" and p.admin1 == "Idleb"


def test_tiny_pack_end_to_end():
    """Pipeline(<tiny pack>) turns a Sahel-style article into an event at a tiny-pack place, by tiny-pack actors."""
    from frontlines.pipeline import Pipeline

    pipe = Pipeline(TINY)
    text = ("JNIM militants attacked Malian soldiers near Menaka on Tuesday, killing four soldiers, the army said.\n\n"
            "Residents of Gao said the town was calm.")
    result = pipe.process_text(text, doc_id="sahel-1", published=date(2019, 5, 2))
    assert result.events, "the tiny pack's lexicon should yield an event"
    ev = result.events[0]
    assert ev.location is not None and ev.location.place_id in pipe.pack.places
    assert ev.location.place_id == "t:menaka" and ev.location.admin1 == "Menaka"
    assert ev.location.country == "Mali" and ev.location.iso == 466
    ids = {a.actor_id for a in (ev.actor1, ev.actor2) if a}
    assert ids and ids <= set(pipe.pack.actors)
    assert ids == {"jnim", "mf-mali"}
    assert ev.event_type == "Battles" and ev.fatalities == 4


# ------------------------------------------------------------------ syria gazetteer: disambiguation


def test_generic_heads_are_fragments_not_places(syria):
    g = syria.gazetteer
    assert {"tal", "kafr", "deir", "khan"} <= g.generic_heads
    assert g.is_fragment("Tal", "Qarrah") and g.is_fragment("Khan", "al")
    assert not g.is_fragment("Tal", "said") and not g.is_fragment("Aleppo", "Hama")
    assert g.lookup("Khan") is None  # a bare generic word is no variant of a village


def test_rural_and_countryside_name_the_governorate(syria):
    g = syria.gazetteer
    assert g.lookup("rural Damascus").id == g.lookup("Rural Damascus").id
    assert g.lookup("rural Damascus").kind == "governorate" and g.lookup("rural Damascus").admin1 == "Rural Damascus"
    assert g.lookup("Damascus countryside").admin1 == "Rural Damascus"
    assert g.lookup("Damascus", context="shelling in the Damascus countryside").admin1 == "Rural Damascus"
    assert g.lookup("Damascus", context="in the countryside of Damascus").admin1 == "Rural Damascus"
    assert g.lookup("Idlib", context="protests in the Idlib countryside").kind == "governorate"
    assert g.lookup("Eastern Ghouta").admin1 == "Rural Damascus"
    assert g.lookup("Damascus").kind == "city" and g.lookup("Damascus").admin1 == "Damascus"


def test_shared_names_follow_the_article(syria):
    g = syria.gazetteer
    # Mallah: a town in As-Sweida and the farms north of Aleppo; Zahraa: Aleppo town, Homs quarter
    assert g.lookup("Mallah", context="fighting at Mallah", doc_context="Battles raged north of Aleppo.").admin1 == "Aleppo"
    assert g.lookup("Zahraa", context="a car bomb in Zahraa", doc_context="Homs was hit again.").admin1 == "Homs"
    assert g.lookup("Zahraa", context="shells fell on Nubl and Zahraa").admin1 == "Aleppo"
    assert g.lookup("Hader", context="the village of Hader", doc_context="on the Golan Heights").admin1 == "Quneitra"
    # spellings that belong to another place are gone
    assert g.lookup("Adra").admin1 == "Rural Damascus"
    assert g.lookup("Deir Ezour city").id == g.lookup("Deir ez-Zor city").id


def test_a_city_is_never_a_fragment_of_a_longer_name(syria):
    g = syria.gazetteer
    assert g.is_fragment("Tal", "Qarrah")  # a generic toponym head before an unknown name
    assert not g.is_fragment("Damascus", "Thursday")  # a city followed by a word: still the city
    assert not g.is_fragment("Aleppo", "Sunday")


def test_shared_names_follow_the_article_not_themselves(syria):
    """"al-Midan" is a neighbourhood of Damascus and of Aleppo: the name must not vote for itself, and
    the governorate the article names most decides."""
    g = syria.gazetteer
    sentence = "A car bomb went off near a police station in the al-Midan neighbourhood on Monday."
    article = ("Two blasts shook Damascus on Monday. " + sentence +
               " Residents of Damascus said the police had closed the roads. Aleppo saw no attacks that day."
               " Damascus has been hit before.")
    assert g.lookup("al-Midan", context=sentence, doc_context=article).admin1 == "Damascus"
    aleppo = "Shelling hit Aleppo's old city on Sunday. " + sentence + " Aleppo's governor visited the site."
    assert g.lookup("al-Midan", context=sentence, doc_context=aleppo).admin1 == "Aleppo"
