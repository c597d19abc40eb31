"""The gazetteer at village scale: transliteration-tolerant names, disambiguation by the unit the sentence
names, ACLED geo_precision, and ordinary words that stay words. Every sentence here is written for the
test (none comes from an evaluation set)."""
from __future__ import annotations

from datetime import date

import pytest

from frontlines.names import place_key, place_skeleton
from frontlines.pack import Gazetteer, Place, load_pack

PUB = date(2020, 5, 4)


@pytest.fixture(scope="module")
def syria():
    return load_pack("syria")


@pytest.fixture(scope="module")
def pipe():
    from frontlines.pipeline import Pipeline

    return Pipeline("syria")


def _located(pipe, text):
    evs = pipe.process_text(text, doc_id="t", published=PUB).events
    assert evs, text
    return evs[0].location


# ------------------------------------------------------------------ keys


@pytest.mark.parametrize("a,b", [
    ("Ma'arat al-Nu'man", "Maarat Al Numan"),
    ("Maarrat an-Nouman", "Ma'arrat al-Numan"),
    ("Deir ez-Zor", "Deir-ez-Zor"),
    ("Al-Qusayr", "Qusair"),
    ("Tal Rifaat", "Tell Rifat"),
    ("Hasakeh", "Al-Hasakah"),
    ("Jisr al-Shughur", "Jisr ash-Shugour"),
    ("Sheikh Maqsoud", "Shaykh Maqsud"),
])
def test_place_key_folds_transliterations(a, b):
    assert place_key(a) == place_key(b)


def test_place_key_keeps_different_names_apart():
    assert place_key("Kafr Nubl") != place_key("Kafr Nabuda")
    assert place_key("Hama") != place_key("Homs")
    assert place_skeleton("Saraqeb") == place_skeleton("Saraqib")
    assert place_skeleton("Tal") == ""  # too short to loosen


# ------------------------------------------------------------------ a small world


def _world() -> Gazetteer:
    P = Place
    places = {p.id: p for p in [
        P("g:a", "Alpha", "governorate", 35.0, 37.0, admin1="Alpha"),
        P("g:b", "Beta", "governorate", 33.0, 36.0, admin1="Beta"),
        P("c:a", "Alpha", "city", 35.1, 37.1, admin1="Alpha", population=100000),
        P("d:a1", "Alpha", "district", 35.1, 37.1, admin1="Alpha", admin2="Alpha"),
        P("d:a2", "Gamma", "district", 35.4, 37.4, admin1="Alpha", admin2="Gamma"),
        P("t:g", "Gamma", "town", 35.4, 37.4, admin1="Alpha", population=20000),
        P("v:m1", "Mulayha", "village", 35.5, 37.5, admin1="Alpha"),  # near Gamma
        P("v:m2", "Mulayha", "village", 33.1, 36.1, admin1="Beta"),
        P("v:m3", "Mulayha", "village", 34.9, 36.8, admin1="Alpha"),  # far from Gamma
        P("v:h1", "Hameh", "village", 33.2, 36.2, admin1="Beta"),
        P("c:h", "Hama", "city", 35.13, 36.75, admin1="Alpha", population=500000),
    ]}
    return Gazetteer(places)


def test_exact_spelling_beats_a_folded_one():
    g = _world()
    assert g.lookup("Hameh").id == "v:h1"  # the village's own spelling
    assert g.lookup("Hama").id == "c:h"  # the city's own spelling
    assert {p.id for p in g.candidates("Al-Hamah")} == {"c:h", "v:h1"}  # folded: both, the larger first
    assert g.lookup("Al-Hamah").id == "c:h"


def test_the_unit_the_sentence_names_decides_a_shared_name():
    g = _world()
    assert g.lookup("Mulayha", context="Shells fell on Mulayha in Beta on Monday.").id == "v:m2"
    assert g.lookup("Mulayha", context="Clashes hit Mulayha, in Beta's northern countryside.").id == "v:m2"
    assert g.lookup("Mulayha", context="Drones struck Mulayha in western Beta.").id == "v:m2"
    # "village X in the countryside of Y in Z": X near Y, in Z
    ctx = "Troops entered the village of Mulayha in the eastern countryside of Gamma in Alpha."
    assert g.lookup("Mulayha", context=ctx).id == "v:m1"


def test_a_bare_governorate_name_is_the_governorate():
    g = _world()
    assert g.lookup("Alpha").id == "g:a"
    assert g.lookup("Alpha city").id == "c:a"
    assert g.lookup("Alpha", context="Protesters gathered in the city of Alpha.").id == "c:a"
    assert g.lookup("Alpha province").id == "g:a"


# ------------------------------------------------------------------ the syria pack


def test_transliterations_resolve_to_one_village(syria):
    g = syria.gazetteer
    ids = {g.lookup(n).id for n in ("Maarat al-Numan", "Ma'arrat an-Nu'man", "Maarrat al-Nouman",
                                     "Ma'arat Al Numan")}
    assert len(ids) == 1
    assert len({g.lookup(n).id for n in ("Saraqib", "Saraqeb", "Sarakib")}) == 1


def test_same_name_pair_follows_the_governorate(syria):
    g = syria.gazetteer
    hasakeh = g.lookup("Mbarkiyeh", context="A mine exploded in Mbarkiyeh in Al-Hasakeh province.")
    homs = g.lookup("Mbarkiyeh", context="A mine exploded in Mbarkiyeh in the countryside of Homs.")
    assert hasakeh.admin1 == "Al-Hasakeh" and homs.admin1 == "Homs"


def test_ocha_places_keep_their_pcodes(syria):
    withp = [p for p in syria.places.values() if (p.pcode or "").startswith("C")]
    assert len(withp) >= 7600  # every OCHA community is a place, or merged into one
    assert syria.gazetteer.lookup("Aleppo city").pcode == "C1007"


def test_near_a_village_is_geo_precision_2(pipe):
    loc = _located(pipe, "Regime forces shelled rebel positions near Saraqib on Monday.")
    assert loc.name == "Saraqib" and loc.geo_precision == 2
    loc = _located(pipe, "Regime forces shelled rebel positions in Saraqib on Monday.")
    assert loc.geo_precision == 1


def test_governorate_only_is_geo_precision_3_at_the_governorate(pipe, syria):
    loc = _located(pipe, "Regime forces shelled rebel positions in Idlib on Monday.")
    gov = syria.places["ocha:SY07"]
    assert loc.kind == "governorate" and loc.geo_precision == 3
    assert (loc.lat, loc.lon) == (gov.lat, gov.lon)
    loc = _located(pipe, "Regime forces shelled rebel positions in Idlib city on Monday.")
    assert loc.kind == "city" and loc.geo_precision == 1


def test_countryside_of_a_town_is_the_town_at_precision_2(pipe):
    loc = _located(pipe, "Turkish forces shelled a farm in the western countryside of Saraqib in Idlib on Monday.")
    assert loc.name == "Saraqib" and loc.geo_precision == 2


def test_common_words_are_not_places(pipe, syria):
    nlp_doc = pipe.nlp("Workers at the Station and the Bridge said Hamra residents fled the Hospital.")
    assert not [e for e in nlp_doc.ents if e.ent_id_ in syria.places]
    assert syria.gazetteer.lookup("Station") is None
    # a village named like a common word counts after a cue
    doc = pipe.nlp("Regime forces shelled the village of Hamra on Monday.")
    assert any(e.ent_id_ in syria.places and e.text == "Hamra" for e in doc.ents)
