"""dates: datelines, year inference without metadata, relative dates against the publication date."""
from datetime import date

import pytest

from frontlines.dates import find_dateline, infer_published, parse_metadata_date, resolve_date, yearless_mentions


@pytest.mark.parametrize("text,expected", [
    ("Tuesday 12 July 2016 Rebels shelled the town.", date(2016, 7, 12)),
    ("Wed 05 Apr 2017 Strikes hit the market.", date(2017, 4, 5)),
    ("March 3, 2019 - Gunmen attacked a checkpoint.", date(2019, 3, 3)),
    ("x " * 300 + "Date of publication 24 October 2016", date(2016, 10, 24)),
])
def test_dateline(text, expected):
    found = find_dateline(text)
    assert found and found[0] == expected


def test_no_dateline_deep_in_the_text():
    assert find_dateline("word " * 200 + "the war began on 15 March 2011") is None


def test_year_from_weekday_date_pairs():
    # 9 March fell on a Friday in 2018 (not in 2017): the actors say "not before 2017"
    text = "Fighters stormed the village on Friday (March 9th). The council met on Sunday."
    guess = infer_published(text, earliest=date(2017, 1, 28))
    assert guess.date.year == 2018 and guess.source == "inferred"
    assert guess.date == date(2018, 3, 12)  # the day after the Sunday that followed
    assert guess.confidence >= 0.8


def test_year_only_when_nothing_else():
    guess = infer_published("Militants clashed with the army.", earliest=date(2019, 3, 2), why="X formed")
    assert guess.date == date(2019, 3, 2) and guess.confidence < 0.5 and "X formed" in guess.note
    assert infer_published("No actors here.", earliest=None) is None


def test_dates_without_weekday_lie_before_pinned_ones():
    mentions = yearless_mentions("The council formed on November 2nd. On Friday (February 2nd) troops moved.")
    assert (11, 2, None) in mentions and (2, 2, 4) in mentions
    guess = infer_published("The council formed on November 2nd. On Friday (February 2nd) troops moved.", date(2017, 11, 2))
    assert guess.date == date(2018, 2, 3)


@pytest.mark.parametrize("sentence,expected,precision", [
    ("Gunmen attacked the post on Friday (March 9th).", date(2018, 3, 9), 1),
    ("Late on March 10, a drone struck a car.", date(2018, 3, 10), 1),
    ("Protesters gathered last week.", date(2018, 3, 5), 2),
    ("The group announced on Sunday its split.", date(2018, 3, 11), 1),
    ("Earlier in March, police arrested two men.", date(2018, 3, 12), 3),
    ("Yesterday the army shelled the hills.", date(2018, 3, 11), 1),
    ("In January, rebels took the town.", date(2018, 1, 15), 3),
    ("On December 30, gunmen kidnapped a doctor.", date(2017, 12, 30), 1),
    ("Air strikes hit the town on Monday, a monitor said.", date(2018, 3, 12), 1),  # the paper's own day
    ("Air strikes hit the town last Monday.", date(2018, 3, 5), 1),
])
def test_relative_dates(sentence, expected, precision):
    pick = resolve_date(sentence, anchor=date(2018, 3, 12))
    assert pick is not None and pick.date == expected and pick.precision == precision


def test_no_date_in_sentence():
    assert resolve_date("Rebels clashed with the army near the dam.", date(2018, 3, 12)) is None


def test_metadata_dates():
    assert parse_metadata_date("2017-04-05") == date(2017, 4, 5)
    assert parse_metadata_date("2017-04-05T10:00:00Z") == date(2017, 4, 5)
    assert parse_metadata_date("5 April 2017") == date(2017, 4, 5)
    assert parse_metadata_date("") is None
    assert parse_metadata_date("Feb 5, 2018") == date(2018, 2, 5)
    assert parse_metadata_date("2018/02/05") == date(2018, 2, 5)
    # numbers are not dates (a scraper's id or count, not a Unix timestamp); nor is a paragraph
    assert parse_metadata_date(99999) is None and parse_metadata_date("99999") is None
    assert parse_metadata_date(int("9" * 400)) is None and parse_metadata_date("9" * 400) is None
    assert parse_metadata_date("5 April 2017 " * 10) is None


def test_events_of_an_undated_text_are_month_precision_at_best():
    """With no date in the text the publication date is only a lower bound (a group's founding):
    an event dated from it, or "on Sunday" counted from it, must not claim day or week precision."""
    from frontlines.pipeline import Pipeline

    pipe = Pipeline("syria")
    res = pipe.process_text("Hurras al-Din fighters clashed with Ahrar al-Sham in Sarmada. "
                            "On Sunday Hurras al-Din shelled positions of Ahrar al-Sham near Sarmada.", doc_id="undated")
    assert res.document.published_source == "inferred" and res.document.published_confidence <= 0.3
    assert res.events and all(e.time_precision == 3 for e in res.events)
    dated = pipe.process_text("Hurras al-Din fighters clashed with Ahrar al-Sham in Sarmada on Sunday.",
                              doc_id="dated", published=date(2019, 5, 20))
    assert dated.events[0].time_precision == 1 and dated.events[0].event_date == date(2019, 5, 19)
