"""Bounds on what a person may write into the store (the review API and the CLI share them).

`Store._normalise_changes` checks every event edit against these; the API's request models use the
same numbers so a bad request is answered 422 before it reaches the store. Each check raises
ValueError with a message meant for the person who sent the value.
"""
from __future__ import annotations

import math
from datetime import date, datetime, timedelta, timezone

MIN_EVENT_DATE = date(1900, 1, 1)
MAX_COUNT = 100_000  # fatalities, injured
MAX_NAME = 300  # actor names, aliases, places, admin units, reviewer and token names
MAX_NOTE = 2_000  # review notes
MAX_ID = 255  # actor, place and event ids
MAX_LIST = 100  # associated actors per side
# What the pipeline writes, bounded alike on SQLite and PostgreSQL. A PostgreSQL index entry holds at
# most ~2,700 bytes, so every indexed text the input decides stays under that in UTF-8 (4 bytes a
# character at most): a longer value is refused (ids) or shortened (failure records), on both backends.
MAX_DOC_ID = 500  # a document's id: its JSONL id, or its path under the folder
MAX_FAILURE_TEXT = 300  # a recorded failure's path and reason, each (the full text is printed at run time)


def max_event_date() -> date:
    """The latest event date accepted: tomorrow (UTC), so a report from any time zone fits."""
    return datetime.now(timezone.utc).date() + timedelta(days=1)


def check_event_date(value, what: str = "event_date") -> date | None:
    """A date (or YYYY-MM-DD text) within MIN_EVENT_DATE .. tomorrow; None stays None."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{what} {value[:40]!r} is not a date (YYYY-MM-DD)") from None
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        raise ValueError(f"{what} must be a date (YYYY-MM-DD) or null")
    hi = max_event_date()
    if not MIN_EVENT_DATE <= value <= hi:
        raise ValueError(f"{what} {value.isoformat()} is out of range: {MIN_EVENT_DATE.isoformat()} to {hi.isoformat()}")
    return value


def check_count(value, what: str) -> int:
    """A whole number 0 .. MAX_COUNT (not a bool, not a float, not a 65-bit monster)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what} must be a whole number from 0 to {MAX_COUNT:,}")
    if not 0 <= value <= MAX_COUNT:
        raise ValueError(f"{what} must be a whole number from 0 to {MAX_COUNT:,} (got {_short(value)})")
    return value


def check_int(value, what: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ValueError(f"{what} must be a whole number from {lo} to {hi} (got {_short(value)})")
    return value


def check_coordinate(value, what: str) -> float:
    """latitude within -90..90, longitude within -180..180 (finite numbers only)."""
    bound = 90 if what == "latitude" else 180
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{what} must be a number")
    try:
        value = float(value)
    except OverflowError:
        value = math.inf
    if not math.isfinite(value) or not -bound <= value <= bound:
        raise ValueError(f"{what} must be within -{bound}..{bound} (got {_short(value)})")
    return value


def check_text(value, what: str, limit: int = MAX_NAME, *, blank_ok: bool = False) -> str:
    """Text of at most `limit` characters (after trimming); blank only if `blank_ok`."""
    if not isinstance(value, str):
        raise ValueError(f"{what} must be text")
    value = value.strip()
    if not value and not blank_ok:
        raise ValueError(f"{what} cannot be empty")
    if len(value) > limit:
        raise ValueError(f"{what} is too long: {len(value):,} characters (at most {limit:,})")
    if "\x00" in value:
        raise ValueError(f"{what} cannot contain NUL characters")
    return value


def check_document_id(doc_id: str) -> str:
    """A document id the store can key on (MAX_DOC_ID characters at most), else ValueError."""
    if len(doc_id) > MAX_DOC_ID:
        raise ValueError(f"document id is too long: {len(doc_id):,} characters (at most {MAX_DOC_ID:,})")
    return doc_id


def clip(value: str, limit: int) -> str:
    """`value` cut to `limit` characters, the cut marked with "…"."""
    return value if len(value) <= limit else value[: limit - 1] + "…"


def check_name(value, what: str = "name") -> str:
    return check_text(value, what, MAX_NAME)


def check_note(value, what: str = "note") -> str | None:
    if value is None:
        return None
    return check_text(value, what, MAX_NOTE, blank_ok=True) or None


def _short(value) -> str:
    if isinstance(value, int) and value.bit_length() > 80:
        return "a number far too large" if value > 0 else "a number far too small"
    text = str(value)
    return text if len(text) <= 24 else text[:20] + "…"
