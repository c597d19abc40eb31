"""Dates: the publication date of a document, and event dates relative to it.

Scraped text often carries no year ("on Friday (February 2nd)"), and metadata dates from scrapers are
often crawl dates. Order of trust: a dateline in the text > metadata > inference from the text's own
anchors (weekday-date pairs, the active dates of the actors it names, the latest date it mentions).
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
MONTHS["sept"] = 9
WEEKDAYS = {d.lower(): i for i, d in enumerate(calendar.day_name)}
WEEKDAYS.update({d.lower(): i for i, d in enumerate(calendar.day_abbr)})

_MONTH_RE = r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_DAY_RE = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_WEEKDAY_RE = r"(?P<weekday>mon|tue|wed|thu|fri|sat|sun)(?:day|sday|nesday|rsday|urday)?\.?"

# "Tuesday 12 July 2016", "Wed 05 Apr 2017", "July 12, 2016", "Date of publication 24 October 2016"
_FULL_DATE_RES = [
    re.compile(rf"\b(?:{_WEEKDAY_RE},?\s++)?{_DAY_RE}\s++{_MONTH_RE},?\s++(?P<year>(?:19|20)\d\d)\b", re.I),
    re.compile(rf"\b(?:{_WEEKDAY_RE},?\s++)?{_MONTH_RE}\s++{_DAY_RE},?\s++(?P<year>(?:19|20)\d\d)\b", re.I),
    re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<monthnum>[01]\d)-(?P<day>[0-3]\d)\b"),
]
_PUBLICATION_CUE = re.compile(r"(date of publication|published( on)?|posted( on)?|updated)\s*:?\s*$", re.I)

# day-month with no year, optionally with a weekday: "Friday (February 2nd)", "on February 3", "June 24"
# Whitespace runs are matched possessively (`\s*+`): two optional `\s*` around an optional
# separator otherwise try every split of a long run of spaces (quadratic on one match).  Nothing
# that follows a run can itself be whitespace, so the possessive forms match the same strings.
_GAP = r"\s*+[,(]?+\s*+"  # "Friday (February", "Friday, 2", "Friday the 2nd"
_YEAR_AHEAD = r"(?!\s*+,?+\s*+(?:19|20)\d\d)"  # not followed by a year
_WEEKDAY_DATE_RES = [
    re.compile(rf"\b{_WEEKDAY_RE}{_GAP}(?:the\s++)?{_MONTH_RE}\s++{_DAY_RE}\b", re.I),
    re.compile(rf"\b{_WEEKDAY_RE}{_GAP}(?:the\s++)?{_DAY_RE}\s++(?:of\s++)?{_MONTH_RE}\b", re.I),
]
_MONTH_DAY_RE = re.compile(rf"\b{_MONTH_RE}\s++{_DAY_RE}\b{_YEAR_AHEAD}", re.I)
_DAY_MONTH_RE = re.compile(rf"\b{_DAY_RE}\s++(?:of\s++)?{_MONTH_RE}\b{_YEAR_AHEAD}", re.I)
# "announced on Sunday" that is not the weekday of a stated date ("on Sunday, March 4")
_ON_WEEKDAY_RE = re.compile(rf"\bon\s++{_WEEKDAY_RE}\b(?!{_GAP}(?:the\s++)?{_MONTH_RE})", re.I)


@dataclass
class DatePick:
    date: date
    precision: int  # 1 day, 2 week, 3 month
    source: str  # the text it came from
    relative: bool = False  # counted from the publication date ("on Sunday", "last week"), not stated


# An inferred publication date with this confidence is only a lower bound (the text has no date at all):
# dates counted from it say nothing about the day.
BOUND_ONLY_CONFIDENCE = 0.3


@dataclass
class PublishedGuess:
    date: date
    source: str  # dateline | inferred
    confidence: float
    note: str = ""


def _month(m: re.Match) -> int:
    if m.groupdict().get("monthnum"):
        return int(m.group("monthnum"))
    name = m.group("month").lower().rstrip(".")
    return MONTHS.get(name) or MONTHS[name[:3]]


def _safe_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def find_dateline(text: str, head_chars: int = 300) -> tuple[date, str] | None:
    """A full date at the top of the text, or after a 'Date of publication' cue anywhere."""
    for rx in _FULL_DATE_RES:
        for m in rx.finditer(text):
            at_head = m.start() < head_chars
            cue = _PUBLICATION_CUE.search(text[max(0, m.start() - 40) : m.start()])
            if not (at_head or cue):
                continue
            d = _safe_date(int(m.group("year")), _month(m), int(m.group("day")))
            if d:
                return d, m.group(0)
    return None


def _weekday_year_ok(year: int, month: int, day: int, weekday: int) -> bool:
    d = _safe_date(year, month, day)
    return bool(d and d.weekday() == weekday)


def yearless_mentions(text: str) -> list[tuple[int, int, int | None]]:
    """(month, day, weekday or None) for every day-month mention without a year."""
    out: list[tuple[int, int, int | None]] = []
    # Characters already inside a mention: a plain day-month starting there is part of it.  A flag
    # per character (not a list of spans scanned for every match) keeps this linear; the matches
    # of one regex never overlap, so each regex marks every character at most once.
    taken = bytearray(len(text))
    for m in (m for rx in _WEEKDAY_DATE_RES for m in rx.finditer(text)):
        out.append((_month(m), int(m.group("day")), WEEKDAYS[m.group("weekday").lower()[:3]]))
        a, b = m.span()
        taken[a:b] = b"\x01" * (b - a)
    for rx in (_MONTH_DAY_RE, _DAY_MONTH_RE):
        for m in rx.finditer(text):
            if taken[m.start()]:
                continue
            day = int(m.group("day"))
            if 1 <= day <= 31:
                out.append((_month(m), day, None))
                a, b = m.span()
                taken[a:b] = b"\x01" * (b - a)
    return out


def infer_published(text: str, earliest: date | None, latest_year: int | None = None, why: str = "") -> PublishedGuess | None:
    """Guess a publication date from text with no reliable date.

    `earliest` is the newest founding date of the actors the text names, or of the dated events it
    refers to (the pack's anchors): nothing is written about them before they exist. News about a
    group clusters near that time, so the first year at or after it in which every weekday-date pair
    of the text holds is taken. The day is the day after the latest date the text mentions (news
    reports yesterday's events); with no date at all, the bound itself, with low confidence.
    """
    if earliest is None:
        return None
    earliest_year = earliest.year
    mentions = yearless_mentions(text)
    pairs = [(mo, d, wd) for mo, d, wd in mentions if wd is not None]
    upper = latest_year or earliest_year + 12
    year, confidence = earliest_year, 0.4
    for y in range(earliest_year, upper + 1):
        if all(_weekday_year_ok(y, mo, d, wd) for mo, d, wd in pairs):
            year = y
            confidence = 0.8 if pairs else 0.5
            break
    pinned = [d for d in (_safe_date(year, mo, dd) for mo, dd, wd in pairs) if d]
    if pinned:  # dates without a weekday lie before the pinned ones (a report looks back, not ahead)
        ref = max(pinned)
        days = pinned + [d for d in (_year_for(mo, dd, ref) for mo, dd, wd in mentions if wd is None) if d]
    else:
        days = [d for d in (_safe_date(year, mo, dd) for mo, dd, _ in mentions) if d]
    if days:
        latest = max(days)
        # a weekday named after the latest date ("announced on Sunday") moves it forward
        guess = latest + timedelta(days=1)
        for m in _ON_WEEKDAY_RE.finditer(text):
            wd = WEEKDAYS[m.group("weekday").lower()[:3]]
            delta = (wd - latest.weekday()) % 7
            if 0 < delta < 7:
                guess = max(guess, latest + timedelta(days=delta + 1))
        return PublishedGuess(guess, "inferred", confidence, note=f"year from actors' active dates and weekday-date pairs; day after latest date mentioned ({latest.isoformat()})")
    return PublishedGuess(max(earliest, date(year, 1, 1)), "inferred", BOUND_ONLY_CONFIDENCE,
                          note=f"no date in the text: no earlier than {earliest.isoformat()}{' (' + why + ')' if why else ''}")


_RELATIVE_WEEKDAY_RE = re.compile(rf"\b(?:on|last|this|since|late\s+on|early\s+on)\s+(?:early\s+|late\s+)?{_WEEKDAY_RE}\b", re.I)
_LAST_WEEK_RE = re.compile(r"\b(last|past|previous)\s+week\b", re.I)
_THIS_WEEK_RE = re.compile(r"\b(this|earlier this)\s+week\b", re.I)
_YESTERDAY_RE = re.compile(r"\byesterday\b", re.I)
_TODAY_RE = re.compile(r"\b(today|tonight|this morning|this evening)\b", re.I)
_EARLIER_IN_MONTH_RE = re.compile(rf"\b(?:earlier|early|late|later|mid)[\s-]+(?:in\s+|this\s+)?{_MONTH_RE}\b", re.I)
_IN_MONTH_RE = re.compile(rf"\bin\s+{_MONTH_RE}\b(?!\s+{_DAY_RE})", re.I)
_LAST_MONTH_RE = re.compile(r"\blast\s+month\b", re.I)


def _year_for(month: int, day: int, anchor: date) -> date | None:
    """The most recent (month, day) at or a little after the anchor: events precede their report."""
    for y in (anchor.year, anchor.year - 1):
        d = _safe_date(y, month, day)
        if d and d <= anchor + timedelta(days=3):
            return d
    return _safe_date(anchor.year, month, day)


def resolve_date(text: str, anchor: date) -> DatePick | None:
    """The date an event sentence states, resolved against the publication date."""
    for rx in _FULL_DATE_RES:
        m = rx.search(text)
        if m:
            d = _safe_date(int(m.group("year")), _month(m), int(m.group("day")))
            if d:
                return DatePick(d, 1, m.group(0))
    m = _WEEKDAY_DATE_RES[0].search(text) or _WEEKDAY_DATE_RES[1].search(text) or _MONTH_DAY_RE.search(text) or _DAY_MONTH_RE.search(text)
    if m and 1 <= int(m.group("day")) <= 31:
        d = _year_for(_month(m), int(m.group("day")), anchor)
        if d:
            return DatePick(d, 1, m.group(0))
    m = _EARLIER_IN_MONTH_RE.search(text)
    if m:
        month = _month(m)
        word = m.group(0).lower()
        day = 5 if word.startswith("early") else 25 if word.startswith("late") else 15
        y = anchor.year if month <= anchor.month else anchor.year - 1
        d = _safe_date(y, month, day)
        if d and d > anchor:
            d = anchor
        return DatePick(d, 3, m.group(0))
    m = _RELATIVE_WEEKDAY_RE.search(text)
    if m:
        wd = WEEKDAYS[m.group("weekday").lower()[:3]]
        back = (anchor.weekday() - wd) % 7
        if back == 0 and m.group(0).lower().startswith("last"):
            back = 7  # "last Monday" in Monday's paper is a week ago; "on Monday" is today (wire copy)
        return DatePick(anchor - timedelta(days=back), 1, m.group(0), relative=True)
    if _YESTERDAY_RE.search(text):
        return DatePick(anchor - timedelta(days=1), 1, "yesterday", relative=True)
    if _TODAY_RE.search(text):
        return DatePick(anchor, 1, "today", relative=True)
    if m := _LAST_WEEK_RE.search(text):
        return DatePick(anchor - timedelta(days=7), 2, m.group(0), relative=True)
    if m := _THIS_WEEK_RE.search(text):
        return DatePick(anchor - timedelta(days=anchor.weekday() // 2), 2, m.group(0), relative=True)
    if m := _LAST_MONTH_RE.search(text):
        first = anchor.replace(day=1) - timedelta(days=1)
        return DatePick(first.replace(day=15), 3, m.group(0), relative=True)
    m = _IN_MONTH_RE.search(text)
    if m:
        month = _month(m)
        y = anchor.year if month <= anchor.month else anchor.year - 1
        return DatePick(date(y, month, 15), 3, m.group(0))
    return None


_DATEPARSER_SETTINGS = {
    "PARSERS": ["custom-formats", "absolute-time"],  # no relative dates ("yesterday"), no timestamps
    "REQUIRE_PARTS": ["day", "month", "year"],
    "STRICT_PARSING": True,
    "RETURN_AS_TIMEZONE_AWARE": False,
    "PREFER_DAY_OF_MONTH": "first",
    "DATE_ORDER": "DMY",
}


# A metadata date is a short string: anything longer is text, not a date, and dateparser's cost grows
# fast with the length of what it is given (20 s on a 28 kB string), so it never sees one.
METADATA_DATE_MAX_CHARS = 100
# Only a number: "99999", "1.5e9", a 400-digit id.  Not a date (see parse_metadata_date).
_NUMERIC_RE = re.compile(r"[+-]?+(?:\d++\.?+\d*+|\.\d++)(?:[eE][+-]?+\d++)?+")
_DIGIT_RE = re.compile(r"\d")
_ISO_PREFIX_RE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]|$)")
_YMD_SLASH_RE = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})")
EARLIEST_METADATA_DATE = date(1900, 1, 1)


def parse_metadata_date(raw: object) -> date | None:
    """A metadata date: ISO first, then common written formats. None when it is not a full, plausible date.

    Plausible is 1900-01-01 up to tomorrow (time zones).  Numbers are refused, whether given as
    int/float or as a string of digits: a scraper's `date: 99999` is an id or a count far more often
    than a Unix timestamp, and read as one it became 1970-01-02 with full confidence (a 400-digit
    one raised OverflowError).  Strings longer than METADATA_DATE_MAX_CHARS are refused unparsed.
    """
    d: date | None = None
    if isinstance(raw, datetime):
        d = raw.date()
    elif isinstance(raw, date):
        d = raw
    elif isinstance(raw, str):
        s = raw.strip()
        if not s or len(s) > METADATA_DATE_MAX_CHARS or _NUMERIC_RE.fullmatch(s) or not _DIGIT_RE.search(s):
            return None  # (a full date has a day and a year: no digit, no date)
        iso = s[:-1] + "+00:00" if s.endswith(("Z", "z")) else s
        try:
            d = datetime.fromisoformat(iso).date()
        except (ValueError, OverflowError):
            try:
                d = date.fromisoformat(s[:10]) if _ISO_PREFIX_RE.match(s) else None
            except (ValueError, OverflowError):
                d = None
        if d is None:
            m = _YMD_SLASH_RE.fullmatch(s)
            if m:
                try:
                    d = date(int(m[1]), int(m[2]), int(m[3]))
                except (ValueError, OverflowError):
                    return None
        if d is None:
            import dateparser

            try:
                dt = dateparser.parse(s, settings=_DATEPARSER_SETTINGS)
            except Exception:  # noqa: BLE001 - dateparser raises all sorts on odd input
                dt = None
            d = dt.date() if dt else None
    # anything else - int, float, bool, None, containers - is not a date
    if d is None or d < EARLIEST_METADATA_DATE or d > date.today() + timedelta(days=1):
        return None
    return d
