"""Pathological inputs: long lines of digits, words, date fragments, URLs, whitespace runs; names that
are paragraphs; numbers and huge strings as metadata dates.

Cost tests never assert an absolute time (machines and load differ): they run a function on an
input and on one 10x larger of the same shape and assert the CPU-time ratio stays well below what a
quadratic path gives (~10 for linear work, ~100 for quadratic; the bound is 30).  CPU time
(`time.process_time`) of the fastest of a few runs keeps other processes on the machine out of it.
"""
from __future__ import annotations

import random
import time
from datetime import date, datetime, timedelta

import pytest

from frontlines import dates
from frontlines.clean import clean_text
from frontlines.dates import find_dateline, infer_published, parse_metadata_date, resolve_date, yearless_mentions
from frontlines.pack import MAX_NAME_CHARS, KnowledgePack, load_pack

RATIO = 30  # 10x the input: linear ~10, quadratic ~100


def _cpu(fn, arg, reps: int) -> float:
    best = float("inf")
    for _ in range(reps):
        t = time.process_time()
        fn(arg)
        best = min(best, time.process_time() - t)
    return max(best, 2e-4)  # below the timer's useful resolution the ratio means nothing


def _assert_linear(fn, make, small: int, large: int = 0) -> None:
    """fn(make(large)) costs at most RATIO times fn(make(small)) for large = 10 * small."""
    large = large or 10 * small
    a, b = make(small), make(large)
    ratio = _cpu(fn, b, 1) / _cpu(fn, a, 3)
    if ratio >= RATIO:  # one slow run (a busy machine) is not a verdict: measure again, harder
        ratio = _cpu(fn, b, 3) / _cpu(fn, a, 5)
    assert ratio < RATIO, f"{fn.__name__}: {len(b)} chars cost {ratio:.0f}x {len(a)} chars"


def _rep(unit: str, n: int) -> str:
    return (unit * (n // len(unit) + 1))[:n]


def _lines(unit: str, width: int, n: int) -> str:
    return "\n".join([_rep(unit, width)] * max(1, n // (width + 1)))


# ---------------------------------------------------------------------------------------------
# clean_text
# ---------------------------------------------------------------------------------------------

ONE_LINE = {
    "digits": "1234567890",
    "words": "alpha bravo charlie delta echo foxtrot ",
    "date fragments": "5 May ",
    "url-like": "https://example.com/a?b=$c=>d ",
    "url without spaces": "http://x.y/a$=>",
    "comment-marker-like": "12 comments ",
    "money rate": "$5 per ",
    "unclosed quotes": ",“",
    "whitespace": " ",
}


@pytest.mark.parametrize("unit", list(ONE_LINE.values()), ids=list(ONE_LINE))
def test_clean_text_is_linear_on_one_long_line(unit):
    _assert_linear(clean_text, lambda n: "x" + _rep(unit, n) + "x", 100_000, 1_000_000)


@pytest.mark.parametrize("unit", ["1234567890", "$5 per hour ", ",“", "9,99.9"], ids=["digits", "money", "quotes", "number"])
def test_clean_text_cost_does_not_grow_with_line_length(unit):
    """The same 100 kB as 200 lines of 490 characters or as 20 lines of 4900: the line checks are
    linear in the line's length (they used to be quadratic up to the 5000-character check limit:
    one line of 5000 digits took 0.7 s in the money-per-hour regex)."""
    short = _lines(unit, 490, 100_000)
    long_ = _lines(unit, 4_900, 100_000)
    ratio = _cpu(clean_text, long_, 2) / _cpu(clean_text, short, 2)
    assert ratio < 4, f"long lines cost {ratio:.1f}x short ones"


def test_clean_text_is_linear_on_many_lines():
    _assert_linear(clean_text, lambda n: _lines("$5 per hour, I reckon ", 290, n), 20_000, 200_000)


def test_clean_text_keeps_its_invariants_on_long_lines():
    for unit in ONE_LINE.values():
        raw = _rep(unit, 100_000) + "\n" + _lines(unit, 4_900, 20_000)
        cleaned = clean_text(raw)
        assert len(cleaned.text) == len(raw)
        assert [i for i, c in enumerate(raw) if c == "\n"] == [i for i, c in enumerate(cleaned.text) if c == "\n"]


def test_money_rate_spam_still_found():
    from frontlines.clean import _spam_signals, _split_lines

    for line in ("I earn 98 US dollars per hour working from home, visit http://x.co/$=>", "make money: $85 / hr work from home online jobs"):
        assert "money per hour" in _spam_signals(_split_lines(line)[0])


# ---------------------------------------------------------------------------------------------
# dates
# ---------------------------------------------------------------------------------------------

DATE_SHAPES = {
    "day month": "5 May ",
    "weekday month day": "Friday May 5 ",
    "month day comma": "May 5, ",
    "weekday then spaces": "Friday" + " " * 2000,
    "month day then spaces": "May 5" + " " * 2000 + ",",
}


@pytest.mark.parametrize("unit", list(DATE_SHAPES.values()), ids=list(DATE_SHAPES))
def test_yearless_mentions_is_linear(unit):
    _assert_linear(yearless_mentions, lambda n: _rep(unit, n) + "x", 20_000, 200_000)


@pytest.mark.parametrize("unit", ["5 May ", "Friday" + " " * 5000, "alpha bravo 2018 "], ids=["day month", "spaces", "words"])
def test_find_dateline_is_linear(unit):
    _assert_linear(find_dateline, lambda n: _rep(unit, n), 20_000, 200_000)


def test_weekday_before_whitespace_run_is_linear():
    """`\\s*[,(]?\\s*` tried every split of a whitespace run after a weekday (quadratic on one match)."""
    anchor = date(2018, 3, 12)
    _assert_linear(lambda s: resolve_date(s, anchor), lambda n: "on Friday" + " " * n + "x", 20_000, 200_000)
    _assert_linear(lambda s: infer_published(s, anchor), lambda n: "on Friday" + " " * n + "May 5", 20_000, 200_000)


def test_yearless_mentions_unchanged_by_the_span_flags():
    text = ("The council formed on November 2nd. On Friday (February 2nd) troops moved. "
            "Friday, 2 of March; March 3 2018; 4 March, 2019; June 31; 40 May; Sunday the 5th of May.")
    assert yearless_mentions(text) == [(2, 2, 4), (3, 2, 4), (5, 5, 6), (11, 2, None), (6, 31, None)]


@pytest.mark.parametrize("raw, expected", [
    ("2018-02-05", date(2018, 2, 5)),
    ("2018-02-05T10:00:00Z", date(2018, 2, 5)),
    ("2018-02-05 10:00:00+03:00", date(2018, 2, 5)),
    ("5 February 2018", date(2018, 2, 5)),
    ("Feb 5, 2018", date(2018, 2, 5)),
    ("2018/02/05", date(2018, 2, 5)),
    ("  2018-02-05  ", date(2018, 2, 5)),
    (datetime(2018, 2, 5, 23, 59), date(2018, 2, 5)),
    (date(1900, 1, 1), date(1900, 1, 1)),
])
def test_metadata_date_formats(raw, expected):
    assert parse_metadata_date(raw) == expected


@pytest.mark.parametrize("raw", [
    99999, 1_517_788_800, 1.5e9, float("nan"), float("inf"), int("9" * 400), True, False, None, [], {},
    "99999", "1517788800", "9" * 400, "1e10", "-5", "3.14", " 12345 ",
    "1899-12-31", date(1899, 12, 31), "2018-13-45", "2018/02/30", "sometime last week", "",
])
def test_metadata_date_refuses_numbers_and_implausible_values(raw):
    assert parse_metadata_date(raw) is None


def test_metadata_date_range_ends_tomorrow():
    today = date.today()
    assert parse_metadata_date((today + timedelta(days=1)).isoformat()) == today + timedelta(days=1)
    assert parse_metadata_date((today + timedelta(days=2)).isoformat()) is None
    assert parse_metadata_date(datetime.now() + timedelta(days=30)) is None


def test_long_metadata_strings_never_reach_dateparser(monkeypatch):
    import dateparser

    calls = []
    monkeypatch.setattr(dateparser, "parse", lambda s, **kw: calls.append(s))
    for raw in ("5 May 2018 " * 2_600, "x" * 28_000, "Published on " + "very " * 30 + "5 February 2018"):
        assert len(raw) > dates.METADATA_DATE_MAX_CHARS
        assert parse_metadata_date(raw) is None
    assert calls == []
    parse_metadata_date("5 February 2018")  # a short written date still goes to dateparser
    assert calls == ["5 February 2018"]


# ---------------------------------------------------------------------------------------------
# pack: actors, places, outlets
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def syria() -> KnowledgePack:
    return load_pack("syria")


NAME_SHAPES = {
    "words": "Jaysh al-Islam Hay'at Tahrir al-Sham Free Syrian Army ",
    "parens": "(",
    "parens and names": "HTS (Nusra) ",
    "of": "residents of ",
    "spaces": " ",
    "digits": "13th Division ",
}


@pytest.mark.parametrize("unit", list(NAME_SHAPES.values()), ids=list(NAME_SHAPES))
def test_long_names_resolve_to_nothing_in_linear_time(syria, unit):
    def make(n):
        return "x" + _rep(unit, n) + "x"

    for n in (MAX_NAME_CHARS + 10, 8_000, 100_000):
        s = make(n)
        assert syria.resolve_actor(s) is None
        assert syria.gazetteer.lookup(s, context=s[:2000]) is None
        assert syria.resolve_outlet(s) is None
        assert syria.search_actors(s) == [] and syria.gazetteer.search(s) == []
    _assert_linear(syria.resolve_actor, make, 100_000, 1_000_000)
    _assert_linear(syria.gazetteer.lookup, make, 100_000, 1_000_000)


def test_names_within_the_bound_still_resolve(syria):
    assert syria.resolve_actor(" " * 400 + "Hay'at Tahrir al-Sham" + "\n" * 400).id == "hts"
    assert syria.resolve_actor("Hayat Tahrir al Shaam").id == "hts"  # fuzzy
    assert syria.resolve_actor("residents of Binnish") is not None  # generic head
    assert syria.gazetteer.lookup(" " * 400 + "Idlib" + " " * 400) is not None
    long_url = "https://www.sana.sy/en/?p=" + "1" * 2_000
    assert syria.resolve_outlet(long_url).id == "sana"  # a URL may be long


def test_fuzzy_actor_length_filter_is_safe(syria):
    """Keys too long to reach the threshold against any pack key are refused before rapidfuzz: the
    filter never refuses a key that could have matched."""
    from rapidfuzz import fuzz

    from frontlines.names import fold_key
    from frontlines.pack import FUZZY_THRESHOLD

    keys = syria._fuzzy_keys
    longest = max(keys, key=len)
    refused = 0
    for extra in range(0, 30):
        k = longest + ("qz" * extra)[:extra]  # (fold_key would shrink "qq" to "q")
        if len(k) * FUZZY_THRESHOLD > syria._fuzzy_max_len * (200 - FUZZY_THRESHOLD):
            refused += 1
            assert max(fuzz.ratio(k, key) for key in keys) < FUZZY_THRESHOLD
            assert fold_key(k) == k and syria._fuzzy(k) == []
    assert refused > 0


# ---------------------------------------------------------------------------------------------
# fuzz: nothing raises
# ---------------------------------------------------------------------------------------------

_ALPHABET = list("0123456789 ,.;:()[]\"'“”-–/$€=>!?@#\n\t") + [
    "May ", "Friday ", "on ", "the ", "of ", "2018", "5th ", "al-", "Hay'at ", "HTS", "per hour ", "http://",
    "www.", "comments ", "ا", "é", "\u200b", "\r\n", " " * 40, "9" * 30, "Z",
]


def test_fuzz_nothing_raises(syria, monkeypatch):
    import dateparser

    rng = random.Random(0)

    def fake_parse(s, **kw):  # dateparser's own cost (50 ms a string, 2 s of locale set-up) is not
        err = rng.choice([None, None, ValueError, OverflowError, TypeError, RecursionError])  # ours;
        if err:  # what parse_metadata_date must survive is whatever it raises
            raise err(s)
        return None

    monkeypatch.setattr(dateparser, "parse", fake_parse)
    anchor = date(2018, 3, 12)
    for i in range(200):
        n = rng.choice([1, 5, 20, 80, 300, 2_000])
        s = "".join(rng.choice(_ALPHABET) for _ in range(n))
        cleaned = clean_text(s)
        assert len(cleaned.text) == len(s)
        yearless_mentions(s)
        find_dateline(s)
        resolve_date(s, anchor)
        infer_published(s, anchor)
        parse_metadata_date(s)
        syria.resolve_actor(s)
        syria.resolve_actor(s[:60])
        syria.gazetteer.lookup(s[:60], context=s)
        syria.resolve_outlet(s[:60])
    for _ in range(50):
        x = rng.random() * 10.0 ** rng.randint(0, 300)
        big = int("".join(rng.choice("0123456789") for _ in range(rng.randint(1, 500))))
        for raw in (x, -x, int(x), big, -big, str(big), str(x)):
            assert parse_metadata_date(raw) is None
