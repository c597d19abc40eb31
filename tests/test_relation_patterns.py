"""The pack's relation patterns file: checked when the pack loads, errors name the file and the pattern."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from frontlines.pack import PackError, load_pack
from frontlines.relation_patterns import PatternError, parse_patterns

TINY = Path(__file__).resolve().parent / "packs" / "tiny"

GOOD = {
    "words": {"roles": ["spokesman"]},
    "patterns": [{
        "id": "appos_member_of", "type": "member_of",
        "source": {"node": "person", "person": True}, "target": {"node": "group"},
        "pattern": [
            {"RIGHT_ID": "person", "RIGHT_ATTRS": {"POS": "PROPN"}},
            {"LEFT_ID": "person", "REL_OP": ">", "RIGHT_ID": "role", "RIGHT_ATTRS": {"DEP": "appos", "LEMMA": {"IN": ["$roles"]}}},
            {"LEFT_ID": "role", "REL_OP": ">", "RIGHT_ID": "prep", "RIGHT_ATTRS": {"DEP": "prep"}},
            {"LEFT_ID": "prep", "REL_OP": ">", "RIGHT_ID": "group", "RIGHT_ATTRS": {"DEP": "pobj"}},
        ],
    }],
}


def _pack_with(tmp_path: Path, patterns: dict) -> Path:
    root = tmp_path / "tiny"
    shutil.copytree(TINY, root)
    (root / "relation_patterns.yaml").write_text(yaml.safe_dump(patterns), encoding="utf-8")
    manifest = yaml.safe_load((root / "manifest.yaml").read_text(encoding="utf-8"))
    manifest["files"]["relation_patterns"] = "relation_patterns.yaml"
    (root / "manifest.yaml").write_text(yaml.safe_dump(manifest), encoding="utf-8")
    return root


def test_word_lists_expand_in_patterns():
    patterns, words = parse_patterns(GOOD, {"relation_cues": {"leader_nouns": ["leader"]}}, "x.yaml")
    assert words["roles"] == ["spokesman"] and words["leader_nouns"] == ["leader"]
    # a proper noun keeps its lemma as written ("Spokesman"): the capitalised word is matched too
    assert patterns[0].pattern[1]["RIGHT_ATTRS"]["LEMMA"] == {"IN": ["spokesman", "Spokesman"]}
    assert patterns[0].source.person and patterns[0].target.node == "group"


def test_a_pack_loads_its_patterns(tmp_path):
    pack = load_pack(_pack_with(tmp_path, GOOD))
    assert [p.id for p in pack.relation_patterns.patterns] == ["appos_member_of"]


def test_a_pack_without_patterns_has_none():
    assert load_pack(TINY).relation_patterns.patterns == []


def _broken(**change) -> dict:
    p = {**GOOD["patterns"][0], **change}
    return {"words": GOOD["words"], "patterns": [p]}


@pytest.mark.parametrize("data, says", [
    (_broken(type="friends_with"), "unknown relation type 'friends_with'"),
    (_broken(target={"node": "nobody"}), "no node 'nobody'"),
    (_broken(source={"node": "person", "subject_of": "role"}), "exactly one of"),
    (_broken(pattern=[{"RIGHT_ID": "person", "RIGHT_ATTRS": {"LEMMA": {"IN": ["$nowhere"]}}}], target={"node": "person"}),
     "unknown word list '$nowhere'"),
    (_broken(pattern=[{"RIGHT_ID": "person", "RIGHT_ATTRS": {"POS": "PROPN"}},
                      {"LEFT_ID": "person", "REL_OP": "~~", "RIGHT_ID": "group", "RIGHT_ATTRS": {}}]),
     "pattern appos_member_of"),
    ({"words": GOOD["words"], "patterns": [GOOD["patterns"][0], GOOD["patterns"][0]]}, "duplicate id"),
    ({"patterns": [{"id": "x"}]}, "missing"),
])
def test_bad_pattern_file_names_file_and_pattern(tmp_path, data, says):
    with pytest.raises(PackError) as exc:
        load_pack(_pack_with(tmp_path, data))
    msg = str(exc.value)
    assert "relation_patterns.yaml" in msg and says in msg, msg


def test_parse_error_is_a_pattern_error():
    with pytest.raises(PatternError, match=r"x\.yaml: patterns\[0\]"):
        parse_patterns({"patterns": ["not a mapping"]}, {}, "x.yaml")
