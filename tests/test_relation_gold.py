"""The hand-annotated FA-KES relation gold (tests/gold/): it loads with the scorer's own loader, has
the documented size, never touches a reserved article, and every evidence quote is in its article."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from frontlines.evaluate import gold_doc_ids, load_gold
from frontlines.models import RELATION_TYPES

from shared_paths import FAKES, RESERVED

GOLD_DIR = Path(__file__).resolve().parent / "gold"
DEV = GOLD_DIR / "fakes_relations.dev.gold.json"
HELDOUT = GOLD_DIR / "fakes_relations.heldout.gold.json"
MIN_DOCS = {DEV: 40, HELDOUT: 12}


@pytest.fixture(scope="module", params=[DEV, HELDOUT], ids=["dev", "heldout"])
def gold(request) -> tuple[Path, dict]:
    return request.param, load_gold(request.param)


def test_size_and_relations(gold):
    path, data = gold
    docs = data["documents"]
    assert len(docs) >= MIN_DOCS[path]
    with_relations = [d for d in docs if d.get("relations")]
    assert len(with_relations) >= 0.9 * len(docs)
    for d in docs:
        for rel in d.get("relations", []):
            assert rel["type"] in RELATION_TYPES, (d["doc"], rel)
            assert rel["evidence"].strip() and isinstance(rel["hedged"], bool), (d["doc"], rel)


def test_no_duplicate_relation_in_a_document(gold):
    # the scorer matches one-to-one: a duplicated gold relation could never be fully recalled
    _, data = gold
    for d in data["documents"]:
        keys = [(r["type"], r["source"][0], r["target"][0]) for r in d["relations"]]
        assert len(keys) == len(set(keys)), d["doc"]


def test_dev_and_heldout_are_disjoint():
    dev = set(gold_doc_ids(load_gold(DEV)))
    heldout = set(gold_doc_ids(load_gold(HELDOUT)))
    assert not dev & heldout


def _reserved() -> set[str]:
    if not RESERVED.exists():
        pytest.skip("../shared reserved_ids.txt not available")
    return {line.strip() for line in RESERVED.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")}


def test_no_reserved_article(gold):
    reserved = _reserved()
    assert reserved  # the list is not empty, so the check below means something
    _, data = gold
    assert not set(gold_doc_ids(data)) & reserved


def test_evidence_is_verbatim_in_the_article(gold):
    if not FAKES.exists():
        pytest.skip("../shared FA-KES corpus not available")
    _, data = gold
    wanted = set(gold_doc_ids(data))
    texts: dict[str, list[str]] = {}
    with FAKES.open(encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            if rec["id"] in wanted:
                texts.setdefault(rec["id"], []).append(rec["text"])
    for d in data["documents"]:
        assert len(texts.get(d["doc"], [])) == 1, f"{d['doc']}: not exactly one record in the corpus"
        text = texts[d["doc"]][0]
        for rel in d["relations"]:
            assert rel["evidence"] in text, (d["doc"], rel["evidence"])


def test_every_article_meets_the_selection_rule(gold):
    # the rule of tools/select_relation_gold.py (README in tests/gold): the set was not hand-picked
    if not FAKES.exists():
        pytest.skip("../shared FA-KES corpus not available")
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "select_relation_gold", Path(__file__).resolve().parents[1] / "tools" / "select_relation_gold.py")
    selector = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(selector)
    _, data = gold
    wanted = set(gold_doc_ids(data))
    with FAKES.open(encoding="utf-8") as fh:
        texts = {rec["id"]: rec["text"] for rec in map(json.loads, fh) if rec["id"] in wanted}
    assert all(selector.qualifies(texts[doc_id]) for doc_id in wanted)
