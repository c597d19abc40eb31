"""Select the FA-KES articles of the relation gold (tests/gold/fakes_relations.*.gold.json).

The rule is fixed here so the set is reproducible and not hand-picked to suit any system:
an article qualifies when its id is unique in the corpus, not reserved, not in the demo corpus,
its text is 600..3500 characters long (short enough to annotate in full), it names armed actors of at
least two different kinds (ARMED_CUES below) and contains relation-bearing wording (RELATION_CUES).
Qualifying articles are shuffled with SEED, then drawn round-robin over (outlet, year) strata so
that outlets and years are spread; the first N form the set, which is split with SPLIT_SEED into
DEV_SIZE development articles and the rest held out.

The cue lists are the selector's own, written from general knowledge of the Syrian war; they are
deliberately not the product pack's lexicon, so selection does not depend on what the system knows.

    python tools/select_relation_gold.py [--shared ../shared] [--n 52]

prints one line per article: split, id, outlet, date.
"""
from __future__ import annotations

import argparse
import collections
import json
import random
import re
from pathlib import Path

SEED = 13
SPLIT_SEED = 1313
DEV_SIZE = 40
MIN_CHARS, MAX_CHARS = 600, 3500

# Kinds of armed actor; an article must name at least two different kinds.
ARMED_CUES = {
    "state_syria": r"\b(syrian (arab )?army|regime forces|government forces|pro-government|assad forces|syrian troops|saa)\b",
    "isis": r"\b(isis|isil|islamic state|daesh|daish)\b",
    "nusra_hts": r"\b(nusra|tahrir al-sham|hts|fateh al-sham|fatah al-sham)\b",
    "fsa_rebels": r"\b(free syrian army|fsa|rebels?|opposition fighters|armed opposition)\b",
    "islamist_factions": r"\b(ahrar al-sham|jaish al-islam|jaysh al-islam|faylaq|jaish al-fatah|jaysh al-fath|zenki|army of conquest)\b",
    "kurdish": r"\b(ypg|ypj|sdf|syrian democratic forces|pkk|pyd|kurdish (forces|fighters|militia))\b",
    "hezbollah_iran": r"\b(hezbollah|hizbollah|irgc|revolutionary guard|iranian (forces|militias?))\b",
    "russia": r"\b(russian (air|war)|russian (forces|jets|aircraft|military))\b",
    "turkey": r"\b(turkish (army|forces|military|troops|jets))\b",
    "us_coalition": r"\b(us-led|coalition (air|strikes|forces|jets|aircraft))\b",
    "militia": r"\b(militias?|national defen[cs]e forces|ndf|shabiha)\b",
}
RELATION_CUES = (
    r"\b(backed|commander|leader|spokesman|joined|alliance|coalition|faction|affiliated|formerly|loyal"
    r"|clash(es|ed)?|drove out|captured|in support of|allied|pledged|defected|split|linked to|brigade)\b"
)


def load_ids(path: Path) -> set[str]:
    return {line.strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")}


def qualifies(text: str) -> bool:
    if not (MIN_CHARS <= len(text) <= MAX_CHARS):
        return False
    low = text.lower()
    kinds = sum(1 for pat in ARMED_CUES.values() if re.search(pat, low))
    return kinds >= 2 and re.search(RELATION_CUES, low) is not None


def select(shared: Path, repo: Path, n: int) -> list[tuple[str, dict]]:
    rows = [json.loads(line) for line in (shared / "corpora/fakes/fakes.jsonl").open(encoding="utf-8")]
    counts = collections.Counter(r["id"] for r in rows)
    reserved = load_ids(shared / "corpora/fakes/reserved_ids.txt")
    demo = {json.loads(line)["id"] for line in (repo / "data/demo/fakes_idlib.jsonl").open(encoding="utf-8")}
    pool = [r for r in rows if counts[r["id"]] == 1 and r["id"] not in reserved and r["id"] not in demo
            and qualifies(r["text"])]
    random.Random(SEED).shuffle(pool)
    strata: dict[tuple, list[dict]] = collections.defaultdict(list)
    for r in pool:
        strata[(r["source"], r["date"][:4])].append(r)
    order = sorted(strata, key=lambda k: (k[0], k[1]))
    random.Random(SEED).shuffle(order)
    chosen: list[dict] = []
    while len(chosen) < n and any(strata.values()):
        for key in order:
            if strata[key] and len(chosen) < n:
                chosen.append(strata[key].pop(0))
    ids = [r["id"] for r in chosen]
    random.Random(SPLIT_SEED).shuffle(ids)
    dev = set(ids[:DEV_SIZE])
    return [("dev" if r["id"] in dev else "heldout", r) for r in chosen]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    repo = Path(__file__).resolve().parents[1]
    ap.add_argument("--shared", type=Path, default=repo.parent / "shared")
    ap.add_argument("--n", type=int, default=52)
    args = ap.parse_args()
    for split, r in select(args.shared, repo, args.n):
        print(split, r["id"], r["source"], r["date"], sep="\t")


if __name__ == "__main__":
    main()
