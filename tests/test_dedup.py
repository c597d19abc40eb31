"""Near-duplicate articles (MinHash/LSH over the cleaned text): reposts found, FA-KES not over-merged."""
from __future__ import annotations

import difflib
import json
from datetime import date

import pytest

from frontlines import dedup
from frontlines.models import CleanedText, Document, DocumentResult
from frontlines.store import Store

from shared_paths import FAKES, SEEDS

# Other sites' boilerplate, written for this test (none of it is in the seeds): site chrome before the
# article, and comment threads, widgets, spam and donation boxes after it.
HEADS = [
    "Home | World | Middle East | Opinion | Video\nSubscribe to our newsletter\n\n",
    "Menu\nSearch\nLog in\n\nBREAKING NEWS\n\n",
    "Skip to content\nShare on Facebook  Share on Twitter  Email\n\n",
    "Advertisement\n\n",
    "Latest | Politics | Economy | Sport\nSign in\n\n",
]
TAILS = [
    "\n\nShare this:\nTwitter\nFacebook\nWhatsApp\n\nRelated\n\n12 thoughts on this article\n\n"
    "• AbuKhalid\nMarch 3, 2018 at 4:12 pm\n    Allah protect the people of Idlib, these groups are all the same\n    Reply\n"
    "• truthseeker99\nMarch 3, 2018 at 6:40 pm\n    lol fake news as always, who pays you??\n    Reply\n\n"
    "Leave a Reply\nYour email address will not be published. Required fields are marked *\n",
    "\n\nSupport independent journalism. Donate $5 a month.\nDonate now\n\n47 Comments\nNewest | Oldest | Most voted\n"
    "syria_watcher: Same story every week, nothing changes\nmike_b: where is the UN?? pathetic\n",
    "\n\nWork from home and earn $90/hour!!! Visit www.easy-cash-now.biz for details $$$\n\nTags: Syria, Idlib, HTS\n\n"
    "View all comments (3)\nKarim: they should all leave Idlib\n",
    "\n\nWas this article helpful? Yes | No\n\nRead more:\n- Turkey warns Russia\n- Aid convoy reaches Atareb\n\n"
    "© 2020 Example News Network. All rights reserved.\n",
    "\n\nListen to this article 00:00 / 03:12\n\nComments\nNotify of\nnew follow-up comments\n\nOldest\n"
    "sam: good analysis thank you\n",
]


def _seeds() -> list[tuple[str, str]]:
    files = sorted(SEEDS.glob("*.txt"))
    assert len(files) == 5
    return [(p.stem, p.read_text(encoding="utf-8")) for p in files]


def _reposts() -> list[tuple[str, str, str]]:
    """(repost id, text, the seed it copies): the seed under another site's header and footer."""
    return [(f"repost-{sid}", HEADS[i] + text + TAILS[i], sid) for i, (sid, text) in enumerate(_seeds())]


def _fakes() -> list[dict]:
    if not FAKES.is_file():
        pytest.skip(f"FA-KES corpus not found at {FAKES}")
    return [json.loads(line) for line in FAKES.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_shingles_ignore_case_punctuation_and_spacing():
    assert dedup.shingles("A b, C d E!") == dedup.shingles("a  B c\nD e")
    assert len(dedup.shingles("one two three four five six")) == 2


def test_reposts_of_the_seeds_under_other_boilerplate_are_all_found():
    reposts = _reposts()
    # the boilerplate differs enough that the raw texts alone would not be called duplicates
    for rid, text, sid in reposts:
        raw = dict(_seeds())[sid]
        assert dedup.signature(raw).jaccard(dedup.signature(text)) < 1.0
    found = dedup.find_duplicates([*_seeds(), *((rid, text) for rid, text, _ in reposts)])
    got = {d.doc_id: d.duplicate_of for d in found}
    assert got == {rid: sid for rid, _, sid in reposts}
    assert all(d.similarity >= dedup.THRESHOLD for d in found)


def test_seeds_are_not_duplicates_of_each_other():
    assert dedup.find_duplicates(_seeds()) == []


def test_fakes_no_false_merge_and_reposts_found_among_them():
    """804 FA-KES records plus the seeds and their reposts, in one index.

    FA-KES repeats some records (same id: one article) and holds the same article more than once
    under different ids, identical or differing by a dateline ("BEIRUT "), a trailing "." or a photo
    caption. A merge of two different texts counts as false unless an independent, exact measure
    (character-level alignment of the cleaned texts, difflib) confirms they are the same article.
    """
    fakes = _fakes()
    assert len(fakes) == 804
    text_of = {}
    for r in fakes:
        text_of.setdefault(r["id"], r["text"])
    reposts = _reposts()
    found = dedup.find_duplicates([*((r["id"], r["text"]) for r in fakes), *_seeds(),
                                   *((rid, text) for rid, text, _ in reposts)])
    got = {d.doc_id: d.duplicate_of for d in found}
    for rid, _, sid in reposts:
        assert got.get(rid) == sid
    for sid, _ in _seeds():
        assert sid not in got  # a seed is nobody's copy and nothing in FA-KES copies it
    false = []
    for d in found:
        if d.doc_id.startswith("repost-"):
            continue
        a, b = text_of[d.doc_id], text_of[d.duplicate_of]
        if a == b:
            continue  # the same text under two ids: the same article
        # the cleaner blanks boilerplate in place (same length): compare the words that remain
        ratio = difflib.SequenceMatcher(None, " ".join(dedup.cleaned(a).split()), " ".join(dedup.cleaned(b).split()),
                                        autojunk=False).ratio()
        if ratio < 0.85:
            false.append((d, round(ratio, 3)))
    assert false == []


def test_dedup_store_records_appearances(tmp_path):
    store = Store(tmp_path / "d.db")
    seeds = dict(_seeds())
    for i, (doc_id, text) in enumerate([(sid, seeds[sid]) for sid in sorted(seeds)[:2]]
                                       + [(rid, text) for rid, text, _ in _reposts()[:2]]):
        doc = Document(id=doc_id, text=text, source_path=f"/x/{doc_id}.txt", published=date(2020, 1, 1 + i))
        store.save_result(DocumentResult(document=doc, cleaned=CleanedText(text, [])))
    dups = dedup.dedup_store(store)
    sids = sorted(seeds)[:2]
    assert {d.doc_id: d.duplicate_of for d in dups} == {f"repost-{sids[0]}": sids[0], f"repost-{sids[1]}": sids[1]}
    apps = dedup.appearances(store)
    assert sorted(apps) == sids and all(len(v) == 1 for v in apps.values())
    # idempotent: a second run gives the same rows
    dedup.dedup_store(store)
    assert dedup.appearances(store) == apps
    assert store.counts()["appearances"] == 2
    # signatures are stored once per document; a second run reads them instead of re-hashing the texts
    assert store.counts()["document_signatures"] == 4
    from sqlalchemy import select

    from frontlines.store.schema import DocumentSignatureRow

    with store._tx() as s:
        before = {r.doc_id: r.hashvalues for r in s.scalars(select(DocumentSignatureRow))}
    dedup.dedup_store(store)
    with store._tx() as s:
        assert {r.doc_id: r.hashvalues for r in s.scalars(select(DocumentSignatureRow))} == before
    store.close()
