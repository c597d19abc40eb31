"""`frontlines graph --as-of` on the demo corpus shows the alliances and backers a reader draws.

The relations below were written down by reading the demo articles (data/demo/fakes_idlib.jsonl), each
with the article and the words that state it, before looking at what the pipeline makes of them. The
test runs the real pipeline on those articles only, into a temporary store, and reads the network the
`graph` command shows (the function behind it, and the command itself once).
"""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from frontlines import Pipeline
from frontlines.cli import app, process_into_store
from frontlines.names import match_key
from frontlines.network import build_network
from frontlines.store import Store

DEMO = Path(__file__).resolve().parent.parent / "data" / "demo" / "fakes_idlib.jsonl"

# (article, type, source, target, quote): what a reader of the article draws
READ = [
    ("fakes-1919191766", "backed_by", "Syrian Democratic Forces", "United States", "US-backed Syrian Democratic Forces"),
    ("fakes-1923102872", "backed_by", "Hezbollah", "Iran", "Iran-backed Lebanese Shia militia Hizballah"),
    ("fakes-1923102872", "allied_with", "Hezbollah", "Military Forces of Syria", "fighting alongside regime forces"),
    ("fakes-1923102872", "split_from", "Fateh al-Sham", "al-Qaeda", "former al-Qaeda affiliate Fateh al-Sham"),
    ("fakes-1923102889", "backed_by", "Military Forces of Syria", "Russia", "Syrian regime forces backed by Russia"),
    ("fakes-1924058060", "member_of", "Nusra Front", "al-Qaeda", "Al Qaeda affiliate Al Nusra Front"),
    ("fakes-1915433675", "leader_of", "Abu Hassan", "Nusra Front", "Abu Hassan an al-Nusra leader"),
]
# a tie the article says had ended by its publication (23 February 2015): "Former FSA Deputy Chief of Staff"
CLOSED = ("fakes-1915433675", "leader_of", "Haitham Afisi", "Free Syrian Army",
          "Former FSA Deputy Chief of Staff Colonel Haitham Afisi")
AS_OF = "2017-06-01"


def _articles() -> dict[str, str]:
    wanted = {r[0] for r in READ} | {CLOSED[0]}
    out = {}
    with DEMO.open(encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            if rec["id"] in wanted:
                out.setdefault(rec["id"], rec["text"])
    return out


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    store = Store(str(db))
    process_into_store([str(DEMO)], store, Pipeline("syria"), only_ids={r[0] for r in READ} | {CLOSED[0]}, quiet=True)
    yield store, db
    store.close()


def test_quotes_are_in_the_articles():
    texts = _articles()
    for doc, *_, quote in [*READ, CLOSED]:
        assert quote in texts[doc], (doc, quote)


def _names(net, node: str) -> set[str]:
    attrs = net.nodes[node]
    aliases = attrs["aliases"] if isinstance(attrs["aliases"], list) else json.loads(attrs["aliases"] or "[]")
    return {match_key(n) for n in [attrs["name"], attrs.get("acled_name") or "", *aliases] if n}


def _edge(net, doc: str, rtype: str, source: str, target: str):
    """The edge (either direction for a symmetric type) that the article itself supports."""
    s, t = match_key(source), match_key(target)
    for e in net.edges:
        if e.type != rtype or "extraction" not in e.origin:
            continue
        if not any(src.get("doc_id") == doc for src in e.sources):
            continue
        a, b = _names(net, e.source), _names(net, e.target)
        if (s in a and t in b) or (rtype in ("allied_with", "clashed_with") and s in b and t in a):
            return e
    return None


def test_graph_as_of_shows_what_a_reader_draws(demo_store):
    store, _ = demo_store
    from frontlines.pack import load_pack

    net = build_network(store, load_pack("syria"), as_of=date.fromisoformat(AS_OF))
    missing = [r for r in READ if _edge(net, *r[:4]) is None]
    assert not missing, missing


def test_a_closed_relation_is_gone_after_it_closed(demo_store):
    store, _ = demo_store
    from frontlines.pack import load_pack

    pack = load_pack("syria")
    doc, rtype, source, target, _ = CLOSED
    rel = [r for r in store.relations() if r["doc_id"] == doc and r["type"] == rtype and "Afisi" in r["source"]]
    assert rel and rel[0]["valid_until"] == "2015-02-23", rel
    # it held before the article (from a time the article does not give), not after
    assert _edge(build_network(store, pack, as_of=date(2015, 1, 1)), doc, rtype, source, target) is not None
    assert _edge(build_network(store, pack, as_of=date(2015, 3, 1)), doc, rtype, source, target) is None
    assert _edge(build_network(store, pack, as_of=date.fromisoformat(AS_OF)), doc, rtype, source, target) is None


def test_graph_command_json(demo_store):
    _, db = demo_store
    res = CliRunner().invoke(app, ["graph", "--as-of", AS_OF, "--format", "json", "--db", str(db)])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    extracted = {(e["type"], e["source"], e["target"]) for e in data["edges"] if "extraction" in e["origin"]}
    assert ("backed_by", "hezbollah", "mf-iran") in extracted
    assert not any("haitham-afisi" in e["source"] for e in data["edges"])
