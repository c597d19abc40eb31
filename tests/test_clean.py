"""Tests for boilerplate removal (src/frontlines/clean.py): real seeds + synthetic pages."""
from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from frontlines.clean import clean_text
from frontlines.models import CleanedText

from shared_paths import SEED_GOLD, SEEDS
KINDS = {"comments", "spam", "share_prompt", "donation", "player", "chrome", "caption"}


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def _norm(s: str) -> str:
    s = s.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    s = re.sub(r"[()\[\]{}\"]", "", s)  # gold evidence sometimes skips brackets: "(ISIS) has" -> "ISIS has"
    return re.sub(r"\s+", " ", s).strip().lower()


def _fragments(evidence: str) -> list[str]:
    return [f.strip() for f in re.split(r"\.\.\.|…", evidence) if f.strip()]


def _check_invariants(raw: str, cleaned: CleanedText) -> None:
    """Length kept, newlines kept, spans sorted/disjoint/whole-line, blanks exactly the spans."""
    out = cleaned.text
    assert len(out) == len(raw)
    prev_end = -1
    covered = [False] * len(raw)
    for sp in cleaned.removed:
        assert sp.kind in KINDS, sp
        assert sp.reason, sp
        assert 0 <= sp.start < sp.end <= len(raw), sp
        assert sp.start >= prev_end, "spans overlap or are unsorted"
        prev_end = sp.end
        seg = raw[sp.start : sp.end]
        # offsets point at real text, not at padding
        assert not seg[0].isspace() and not seg[-1].isspace(), (sp, seg)
        # whole lines: only indentation before, only trailing blanks after, on the same lines
        line_start = max(raw.rfind("\n", 0, sp.start), raw.rfind("\r", 0, sp.start)) + 1
        assert raw[line_start : sp.start].strip() == "", (sp, raw[line_start : sp.start])
        nl = [p for p in (raw.find("\n", sp.end), raw.find("\r", sp.end)) if p != -1]
        line_end = min(nl) if nl else len(raw)
        assert raw[sp.end : line_end].strip() == "", (sp, raw[sp.end : line_end])
        assert out[sp.start : sp.end].strip() == ""
        for k in range(sp.start, sp.end):
            covered[k] = True
    for k, (a, b) in enumerate(zip(raw, out)):
        if a in "\r\n":
            assert b == a
        elif covered[k]:
            assert b == " "
        else:
            assert b == a


def _removed_text(raw: str, cleaned: CleanedText, kind: str | None = None) -> str:
    return "\n".join(raw[s.start : s.end] for s in cleaned.removed if kind is None or s.kind == kind)


# ---------------------------------------------------------------------------------------------
# real seeds against the gold
# ---------------------------------------------------------------------------------------------


def _gold_docs() -> list[dict]:
    if not SEED_GOLD.exists():
        return []
    return json.loads(SEED_GOLD.read_text(encoding="utf-8"))["documents"]


GOLD_DOCS = _gold_docs()


@pytest.mark.skipif(not GOLD_DOCS or not SEEDS.is_dir(), reason="shared seeds/gold not available")
@pytest.mark.parametrize("doc", GOLD_DOCS, ids=[d["doc"] for d in GOLD_DOCS])
def test_seed_against_gold(doc: dict) -> None:
    raw = (SEEDS / f"{doc['doc']}.txt").read_text(encoding="utf-8")
    cleaned = clean_text(raw)
    _check_invariants(raw, cleaned)
    body = _norm(cleaned.text)

    for bad in doc.get("must_not", {}).get("text_from_boilerplate", []):
        assert _norm(bad) not in body, f"boilerplate survived: {bad!r}"
        assert _norm(bad) in _norm(_removed_text(raw, cleaned)), f"not inside a removed span: {bad!r}"

    for rec in doc.get("events", []) + doc.get("relations", []):
        for frag in _fragments(rec["evidence"]):
            assert _norm(frag) in body, f"{rec.get('id', rec.get('type'))}: evidence lost: {frag!r}"


@pytest.mark.skipif(not SEEDS.is_dir(), reason="shared seeds not available")
def test_seed_kinds_and_reasons() -> None:
    """The deciding signal is the right one, not an accident of another rule."""
    by_doc = {p.stem: p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt")}
    kinds = {}
    for name, raw in by_doc.items():
        kinds[name] = {s.kind for s in clean_text(raw).removed}
    assert kinds["000_374bc49b221b3923"] == {"share_prompt", "comments"}
    assert {"player", "comments"} <= kinds["002_b3c6f5e11149f3a4"]
    assert {"donation", "caption", "comments", "spam"} <= kinds["003_6f3c69765b944649"]
    assert kinds["004_58f572fc6bbb9d98"] == {"chrome"}
    # the photo caption is article text (it is gold evidence) and must stay
    raw0 = by_doc["000_374bc49b221b3923"]
    assert _norm("Binnish staged demonstrations against Tahrir al-Sham last week. [Photo courtesy of Ahmed al-Hassoun]") in _norm(
        clean_text(raw0).text
    )


@pytest.mark.skipif(not SEEDS.is_dir(), reason="shared seeds not available")
def test_seed_crlf_gives_same_decisions() -> None:
    for p in sorted(SEEDS.glob("*.txt")):
        raw = p.read_text(encoding="utf-8")
        crlf = raw.replace("\n", "\r\n")
        a, b = clean_text(raw), clean_text(crlf)
        _check_invariants(crlf, b)
        assert [s.kind for s in a.removed] == [s.kind for s in b.removed]
        assert [raw[s.start : s.end] for s in a.removed] == [
            crlf[s.start : s.end].replace("\r\n", "\n") for s in b.removed
        ]


@pytest.mark.skipif(not SEEDS.is_dir(), reason="shared seeds not available")
def test_seed_without_markers_still_finds_the_thread() -> None:
    """The change-point detector alone (no 'Notify of' & co.) still cuts the comment tail."""
    raw = (SEEDS / "003_6f3c69765b944649.txt").read_text(encoding="utf-8")
    raw = re.sub(r"(?m)^(Notify of|Newest Most Voted|Inline Feedbacks|View all comments)$", "", raw)
    cleaned = clean_text(raw)
    _check_invariants(raw, cleaned)
    text = _norm(cleaned.text)
    for bad in ("Pave Way IV", "Anthony Paul Mapes", "Rat Shack", "Google paying", "drinking game"):
        assert _norm(bad) not in text
    assert _norm("Local experts believe that what happened in Binnish") in text


# ---------------------------------------------------------------------------------------------
# synthetic pages (not from the seeds)
# ---------------------------------------------------------------------------------------------

ARTICLE = """Gunmen kill two soldiers at checkpoint near Tafas

By Staff Reporter in Amman

Gunmen opened fire on a government checkpoint near the town of Tafas in western Daraa on Tuesday, killing two soldiers and wounding three others, a local monitoring group said.

The attackers fled towards the nearby farmland after the exchange of fire, according to the Daraa 24 network, which said security forces later sealed off the area.

Residents gather outside the destroyed checkpoint in Tafas on Wednesday. [Photo: Daraa 24]

Local tensions

"We have asked the committee to hand over the men, but I do not think they will listen to us," a member of the town's negotiation committee told reporters.

The incident is the third of its kind this month. Earlier attacks targeted:
- a military intelligence patrol in Nawa
- a checkpoint on the road to Muzayrib
- a police station in Jasim

No group has claimed responsibility for the attack.
"""

WORDPRESS_TAIL = """
Share this:
Twitter
Facebook
WhatsApp

Like this article? Share it with your friends!

3 thoughts on "Gunmen kill two soldiers at checkpoint near Tafas"

    karim_87
    March 3, 2021 at 4:12 pm

    This keeps happening and nobody does anything. Who do you think is behind it?

    Reply
    Omar S.
    March 3, 2021 at 6:40 pm

    Same people as always lol. The regime won't protect you.

    Reply

Leave a Reply Cancel reply
Your email address will not be published. Required fields are marked *
"""

DISQUS_TAIL = """

Hannah Kessler
2 hours ago
Why would anyone believe the monitoring group? You never know who funds them.

Reply

truthseeker99
an hour ago
I live near Daraa and my cousin says it was a personal feud, not an attack on the army!!

Reply

Mark T
45 minutes ago
thanks for posting this, nobody else covers the south :)
"""

THREAD_TAIL = """

  • Nadia R

    Again the same story, when will it stop? I am tired of reading this.

    • bluebird

      you never know, maybe next year...

      • Nadia R

        I doubt it.

  • George K

    Good reporting as always.
"""


def test_plain_article_unchanged() -> None:
    cleaned = clean_text(ARTICLE)
    assert cleaned.text == ARTICLE
    assert cleaned.removed == []


def test_wordpress_thread_and_share_block() -> None:
    raw = ARTICLE + WORDPRESS_TAIL
    cleaned = clean_text(raw)
    _check_invariants(raw, cleaned)
    assert cleaned.text[: len(ARTICLE)] == ARTICLE  # the body is untouched
    tail = _norm(cleaned.text[len(ARTICLE) :])
    assert tail == ""
    kinds = {s.kind for s in cleaned.removed}
    assert {"share_prompt", "comments"} <= kinds
    assert "Share this:" in _removed_text(raw, cleaned, "share_prompt")
    assert "karim_87" in _removed_text(raw, cleaned, "comments")


def test_disqus_style_thread_without_markers() -> None:
    """No comment widget at all: usernames + timestamps + informal replies are enough."""
    raw = ARTICLE + DISQUS_TAIL
    cleaned = clean_text(raw)
    _check_invariants(raw, cleaned)
    assert cleaned.text[: len(ARTICLE)] == ARTICLE
    assert _norm(cleaned.text[len(ARTICLE) :]) == ""
    assert {s.kind for s in cleaned.removed} == {"comments"}


def test_bullet_reply_thread() -> None:
    raw = ARTICLE + THREAD_TAIL
    cleaned = clean_text(raw)
    _check_invariants(raw, cleaned)
    assert cleaned.text[: len(ARTICLE)] == ARTICLE
    assert _norm(cleaned.text[len(ARTICLE) :]) == ""


def test_bulleted_list_in_article_is_not_a_thread() -> None:
    raw = ARTICLE.replace("- a ", "• a ") + "\nThe army said it would respond to the attack, a spokesman said on Wednesday.\n"
    cleaned = clean_text(raw)
    assert cleaned.removed == []


def test_spam_line_in_comments_and_in_body() -> None:
    spam = (
        "Start earning 85 dollars per hour working from home with easy jobs!!! I made $6,300 last month "
        "visit >>> http://www.EasyCash-Jobs.example/earn$now ★★★★★★★★★★\n"
    )
    raw = ARTICLE.replace("No group has claimed", spam + "\nNo group has claimed")
    cleaned = clean_text(raw)
    _check_invariants(raw, cleaned)
    assert [s.kind for s in cleaned.removed] == ["spam"]
    assert "No group has claimed responsibility" in cleaned.text
    assert "85 dollars" not in cleaned.text


def test_news_money_is_not_spam() -> None:
    raw = (
        "Smugglers earned up to $300 million a year from fuel sales, officials said, while fighters "
        "were paid 100 dollars per month, according to a report published at https://example.org/report.\n"
    )
    assert clean_text(raw).removed == []


def test_donation_widget_player_and_image_chrome() -> None:
    raw = (
        "$0\n€1,250\n10,000 $\nMARCH 2024\n\n"
        + "Gunmen kill two soldiers at checkpoint near Tafas\n\nDonate to Levant Monitor\n\n"
        + "Loading video player...\n\nClick to enlarge the photo\n\n"
        + ARTICLE.split("\n", 2)[2]
        + "\nSupport independent journalism\n"
    )
    cleaned = clean_text(raw)
    _check_invariants(raw, cleaned)
    got = {raw[s.start : s.end].split("\n")[0]: s.kind for s in cleaned.removed}
    assert got["$0"] == "donation"
    assert got["MARCH 2024"] == "donation"
    assert got["Donate to Levant Monitor"] == "donation"
    assert got["Loading video player..."] == "player"
    assert got["Click to enlarge the photo"] == "caption"
    assert got["Support independent journalism"] == "donation"
    assert "Gunmen kill two soldiers at checkpoint near Tafas" in cleaned.text
    assert "Residents gather outside the destroyed checkpoint" in cleaned.text


def test_site_chrome_at_top_and_bottom() -> None:
    raw = "Skip to content\nMenu\nSearch\n\n" + ARTICLE + "\nTags: Daraa, Tafas\nRelated articles\n© 2024 Levant Monitor\n"
    cleaned = clean_text(raw)
    _check_invariants(raw, cleaned)
    assert {s.kind for s in cleaned.removed} == {"chrome"}
    assert _norm(cleaned.text) == _norm(ARTICLE)


def test_comment_count_above_the_body_is_not_a_section() -> None:
    raw = "Gunmen kill two soldiers at checkpoint near Tafas\n4 comments\n\n" + ARTICLE.split("\n", 2)[2]
    cleaned = clean_text(raw)
    _check_invariants(raw, cleaned)
    assert [raw[s.start : s.end] for s in cleaned.removed] == ["4 comments"]
    assert "No group has claimed responsibility for the attack." in cleaned.text


# ---------------------------------------------------------------------------------------------
# edge cases
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["", "   ", "\n\n", "\r\n"])
def test_empty_and_blank(raw: str) -> None:
    cleaned = clean_text(raw)
    assert cleaned.text == raw
    assert cleaned.removed == []


def test_text_without_newlines() -> None:
    raw = ARTICLE.replace("\n", " ")
    cleaned = clean_text(raw)
    assert cleaned.text == raw and cleaned.removed == []


def test_windows_line_endings() -> None:
    raw = (ARTICLE + WORDPRESS_TAIL).replace("\n", "\r\n")
    cleaned = clean_text(raw)
    _check_invariants(raw, cleaned)
    n = len(ARTICLE.replace("\n", "\r\n"))
    assert cleaned.text[:n] == raw[:n]
    assert cleaned.text[n:].strip() == ""


def test_one_very_long_line_is_kept() -> None:
    # its speed is checked as a ratio in tests/test_slow_paths.py, never as a time
    raw = "Fighters clashed near the town of Binnish on Friday, a local activist said. " * 150_000  # ~11 MB
    cleaned = clean_text(raw)
    assert cleaned.removed == [] and cleaned.text == raw


def test_large_page_is_linear() -> None:
    unit = ARTICLE + "\n"
    small, big = unit * 200, unit * 2000
    t0 = time.process_time()
    clean_text(small)
    t_small = time.process_time() - t0
    t0 = time.process_time()
    cleaned = clean_text(big)
    t_big = time.process_time() - t0
    assert len(cleaned.text) == len(big)
    assert t_big < max(0.5, 30 * t_small)  # CPU time: 10x the text, nowhere near 100x the time


def test_related_links_at_the_end_of_a_run_on_line():
    """Text that lost its line breaks still ends in a related-links block: it goes, the article stays."""
    body = "Russian jets struck the town of Saraqib on Sunday killing five civilians the monitor said. " * 8
    junk = "Related News Regime attacks kill 16 civilians in Idlib | Sochi talks Category News"
    cleaned = clean_text(body + "Source Agencies " + junk)
    assert "Related News" not in cleaned.text and "kill 16" not in cleaned.text
    assert cleaned.text.startswith(body) and len(cleaned.text) == len(body + "Source Agencies " + junk)
    assert [sp.kind for sp in cleaned.removed] == ["chrome"]
    # early in a document the same words are prose ("related news reports"): kept
    early = "Related News outlets reported that fighting resumed near Saraqib on Sunday. " + body
    assert clean_text(early).text == early
