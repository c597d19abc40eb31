"""The actor network: GraphML round-trip, as_of, around, derived clashed_with counts, changes, profiles."""
from __future__ import annotations

import io
import json
from datetime import date

import networkx as nx
import pytest

from frontlines import changes, merge, network
from frontlines.models import ActorRef, CleanedText, Document, DocumentResult, EventRecord, PlaceRef, RelationRecord
from frontlines.pack import load_pack
from frontlines.store import Store

HTS = dict(actor_id="hts", name="Hayat Tahrir al-Sham", inter=2)
HURRAS = dict(actor_id="hurras-al-din", name="Hurras al-Din", inter=2)
FA = dict(actor_id="fa-ithbatu", name="Fa Ithbatu Operations Room", inter=2)
ARMY = dict(actor_id="mf-syria", name="Military Forces of Syria", inter=1)
SARMADA = PlaceRef(surface="Sarmada", place_id="gn:sarmada", name="Sarmada", lat=36.1806, lon=36.7214, admin1="Idlib")
ARAB_SAID = PlaceRef(surface="Arab Said", place_id="gn:arabsaid", name="Arab Said", lat=35.9617, lon=36.55, admin1="Idlib")
KAFRANBEL = PlaceRef(surface="Kafr Nabl", place_id="gn:kafrnabl", name="Kafr Nabl", lat=35.6136, lon=36.5611, admin1="Idlib")


def _battle(doc_id: str, a: dict, b: dict, place: PlaceRef, day: date, text: str) -> EventRecord:
    return EventRecord(doc_id=doc_id, event_type="Battles", sub_event_type="Armed clash", actor1=ActorRef(a["name"], **a),
                       actor2=ActorRef(b["name"], **b), location=place, event_date=day, evidence=text,
                       evidence_start=0, evidence_end=len(text), confidence=0.8)


def _doc(doc_id: str, text: str, published: date, outlet: str, events=(), relations=()) -> DocumentResult:
    doc = Document(id=doc_id, text=text, source_path=f"/c/{doc_id}.txt", outlet=outlet, published=published)
    return DocumentResult(document=doc, cleaned=CleanedText(text, []), events=list(events), relations=list(relations))


@pytest.fixture(scope="module")
def pack():
    return load_pack("syria")


@pytest.fixture
def store(backend):
    """On SQLite and on PostgreSQL (tests/conftest.py)."""
    s = Store(backend.migrated_url())
    t1 = "HTS fighters clashed with Hurras al-Din in Sarmada. Hurras al-Din, a member group of Fa Ithbatu, resisted."
    t2 = "HTS and Hurras al-Din fighters clashed in Sarmada on Wednesday."  # the same battle, another outlet
    t3 = "HTS attacked Hurras al-Din positions in Arab Said."  # another battle
    t4 = "HTS clashed with Hurras al-Din in Kafr Nabl, reportedly."  # a later battle (after as_of)
    t5 = "Hurras al-Din is said to have joined the army."  # a hedged, invented relation
    s.save_result(_doc("d1", t1, date(2020, 6, 24), "SouthFront",
                       events=[_battle("d1", HTS, HURRAS, SARMADA, date(2020, 6, 24), t1)],
                       relations=[RelationRecord(doc_id="d1", type="member_of", source=ActorRef("Hurras al-Din", **HURRAS),
                                                 target=ActorRef("Fa Ithbatu", **FA), evidence=t1, confidence=0.75)]))
    s.save_result(_doc("d2", t2, date(2020, 6, 25), "Enab Baladi",
                       events=[_battle("d2", HURRAS, HTS, SARMADA, date(2020, 6, 24), t2)]))
    s.save_result(_doc("d3", t3, date(2020, 6, 26), "SOHR",
                       events=[_battle("d3", HTS, HURRAS, ARAB_SAID, date(2020, 6, 26), t3)]))
    s.save_result(_doc("d4", t4, date(2020, 8, 2), "SOHR",
                       events=[_battle("d4", HTS, HURRAS, KAFRANBEL, date(2020, 8, 1), t4)],
                       relations=[RelationRecord(doc_id="d4", type="leader_of", source=ActorRef("Abu Hammam al-Shami", actor_id=None),
                                                 target=ActorRef("Hurras al-Din", **HURRAS), date=date(2020, 8, 1),
                                                 evidence=t4, confidence=0.6)]))
    s.save_result(_doc("d5", t5, date(2020, 9, 1), "Rumours Daily",
                       relations=[RelationRecord(doc_id="d5", type="allied_with", source=ActorRef("Hurras al-Din", **HURRAS),
                                                 target=ActorRef("the army", **ARMY), hedged=True, evidence=t5,
                                                 confidence=0.4)]))
    merge.merge_events(s)
    yield s
    s.close()


def _edges(net, **match):
    return [e for e in net.edges if all(getattr(e, k) == v for k, v in match.items())]


def test_graphml_round_trips_every_attribute(store, pack):
    net = network.build_network(store, pack)
    g = network.to_networkx(net)
    assert g.number_of_edges() > 100  # the pack's affiliations are part of the network
    buf = io.BytesIO()
    network.write_graph(net, buf, "graphml")
    back = nx.read_graphml(io.BytesIO(buf.getvalue()), force_multigraph=True)
    assert isinstance(back, nx.MultiDiGraph)
    assert set(back.nodes) == set(g.nodes)
    for n, attrs in g.nodes(data=True):
        assert back.nodes[n] == attrs, n
    for u, v, k, attrs in g.edges(keys=True, data=True):
        got = back.get_edge_data(u, v, key=k)
        assert got == attrs, (u, v, k)
        for key, value in attrs.items():
            assert type(got[key]) is type(value), (key, value, got[key])
    assert back.graph["as_of"] == g.graph["as_of"] == ""
    # every node and every edge carries the same keys, lists and dicts decode back from JSON
    assert all(set(a) == set(network.NODE_ATTRS) for _, a in back.nodes(data=True))
    assert all(set(a) == set(network.EDGE_ATTRS) for *_, a in back.edges(data=True))
    fa = network.decode_attrs(back.nodes["fa-ithbatu"])
    assert "Fa-Ithbatu" in fa["aliases"]
    e = next(a for u, v, a in back.edges(data=True) if (u, v, a["type"]) == ("hurras-al-din", "fa-ithbatu", "member_of"))
    srcs = network.decode_attrs(e)["sources"]
    assert {s["kind"] for s in srcs} == {"pack", "document"}
    assert e["source_names"] == "pack; SouthFront"


def test_gexf_and_json_export(store, pack):
    net = network.build_network(store, pack, as_of=date(2020, 6, 30), around="Fa Ithbatu")
    buf = io.BytesIO()
    network.write_graph(net, buf, "gexf")
    g = nx.read_gexf(io.BytesIO(buf.getvalue()))
    assert "fa-ithbatu" in g.nodes and g.number_of_edges() == len(net.edges)
    out = io.StringIO()
    network.write_graph(net, out, "json")
    data = json.loads(out.getvalue())
    assert data["around"] == "fa-ithbatu" and data["as_of"] == "2020-06-30"
    assert all(isinstance(e["sources"], list) for e in data["edges"])


def test_as_of_filters_by_validity(store, pack):
    # the pack: Zenki was in HTS from 2017-01-28 to 2017-07-20, then defected
    early = network.build_network(store, pack, as_of=date(2017, 3, 1))
    late = network.build_network(store, pack, as_of=date(2020, 6, 30))
    assert _edges(early, source="zenki", target="hts", type="member_of")
    assert not _edges(early, source="zenki", target="hts", type="defected_from")
    assert not _edges(late, source="zenki", target="hts", type="member_of")
    assert _edges(late, source="zenki", target="hts", type="defected_from")
    # Fa Ithbatu was formed 2020-06-12: nothing of it before
    assert not [e for e in network.build_network(store, pack, as_of=date(2020, 6, 1)).edges
                if "fa-ithbatu" in (e.source, e.target)]
    # an extracted relation is not known before its document says it
    assert not _edges(late, type="allied_with", source="hurras-al-din", target="mf-syria")
    assert _edges(network.build_network(store, pack, as_of=date(2020, 9, 30)), type="allied_with",
                  source="hurras-al-din", target="mf-syria")


def test_around_gives_the_ego_network_with_roles_and_sources(store, pack):
    net = network.build_network(store, pack, as_of=date(2020, 6, 30), around="So Be Steadfast")  # an alias
    assert net.around == "fa-ithbatu"
    assert all("fa-ithbatu" in (e.source, e.target) for e in net.edges)
    members = {e.source for e in net.edges if e.type == "member_of" and e.target == "fa-ithbatu"}
    assert {"hurras-al-din", "ansar-al-din", "liwa-al-muqatlin-al-ansar"} <= members
    (fight,) = [e for e in net.edges if e.type == "clashed_with"]
    assert {fight.source, fight.target} == {"fa-ithbatu", "hts"}
    assert network.role_of("clashed_with", True) == "adversary" and network.role_of("member_of", False) == "member"
    assert all(e.sources for e in net.edges)
    with pytest.raises(KeyError):
        network.build_network(store, pack, around="No Such Brigade")


def test_derived_clashed_with_counts_real_events(store, pack):
    net = network.build_network(store, pack)
    (derived,) = _edges(net, type="clashed_with", source="hts", target="hurras-al-din", derived=True)
    # Sarmada reported twice (one merged event), Arab Said, Kafr Nabl: three battles
    assert derived.count == 3
    attrs = network._edge_attrs(derived)
    assert attrs["derived"] is True and attrs["count"] == 3 and attrs["origin"] == "events"
    assert attrs["first_seen"] == "2020-06-24" and attrs["last_seen"] == "2020-08-01"
    assert attrs["source_names"] == "SouthFront; Enab Baladi; SOHR"  # the Sarmada battle: both its sources
    (as_of,) = _edges(network.build_network(store, pack, as_of=date(2020, 6, 30)), type="clashed_with",
                      source="hts", target="hurras-al-din", derived=True)
    assert as_of.count == 2


def test_changes_since(store, pack):
    items = changes.detect_changes(store, pack, date(2020, 6, 1), date(2020, 12, 31))
    kinds = {(i["kind"], i["source_id"], i["target_id"]) for i in items}
    assert ("new_alliance", "hurras-al-din", "fa-ithbatu") in kinds
    assert ("new_alliance", "hurras-al-din", "mf-syria") in kinds
    assert any(k == "leadership" and t == "hurras-al-din" for k, _s, t in kinds)
    assert ("first_seen", "hts", None) in kinds
    assert all(i["evidence"] for i in items)
    hedged = next(i for i in items if i["type"] == "allied_with" and i["source_id"] == "hurras-al-din")
    assert hedged["hedged"] is True
    assert not [i for i in items if i["date"] < "2020-06-01"]


def test_actor_profile(store, pack):
    prof = network.actor_profile(store, pack, "Horas al-Din")
    assert prof["id"] == "hurras-al-din" and "Huras al-Din" in prof["aliases"]
    roles = {(a["role"], a["other_id"]) for a in prof["affiliations"]}
    assert ("member of", "fa-ithbatu") in roles and ("adversary", "hts") in roles
    assert any(ld["name"] == "Abu Hammam al-Shami" for ld in prof["leaders"])
    months = {m["month"]: m for m in prof["events_by_month"]}
    assert months["2020-06"]["events"] == 2 and months["2020-08"]["events"] == 1
    assert "SOHR" in months["2020-08"]["sources"]
