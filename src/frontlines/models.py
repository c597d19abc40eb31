"""Typed records that flow between the stages.

ingest -> Document | IngestFailure
clean  -> CleanedText (same length as the input: removed spans are blanked, so offsets never shift)
annotate/extract/resolve -> EventRecord, RelationRecord (inside a DocumentResult)
store  -> rows; export/eval read them back.
"""
from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

EVENT_TYPES: dict[str, list[str]] = {
    "Battles": [
        "Armed clash",
        "Government regains territory",
        "Non-state actor overtakes territory",
    ],
    "Explosions/Remote violence": [
        "Chemical weapon",
        "Air/drone strike",
        "Suicide bomb",
        "Shelling/artillery/missile attack",
        "Remote explosive/landmine/IED",
        "Grenade",
    ],
    "Violence against civilians": [
        "Sexual violence",
        "Attack",
        "Abduction/forced disappearance",
    ],
    "Protests": [
        "Peaceful protest",
        "Protest with intervention",
        "Excessive force against protesters",
    ],
    "Riots": ["Violent demonstration", "Mob violence"],
    "Strategic developments": [
        "Agreement",
        "Arrests",
        "Change to group/activity",
        "Disrupted weapons use",
        "Headquarters or base established",
        "Looting/property destruction",
        "Non-violent transfer of territory",
        "Other",
    ],
}
SUB_EVENT_TYPES: dict[str, str] = {sub: et for et, subs in EVENT_TYPES.items() for sub in subs}
# ACLED inter codes of armed actors: state forces, rebels, political and identity militias, external forces
ARMED_INTER = frozenset({1, 2, 3, 4, 8})

RELATION_TYPES = (
    "member_of",
    "allied_with",
    "clashed_with",
    "split_from",
    "defected_from",
    "pledged_allegiance_to",
    "leader_of",
    "backed_by",
    "front_for",
)
SYMMETRIC_RELATIONS = frozenset({"allied_with", "clashed_with"})

# ACLED time_precision: 1 = day, 2 = week (or a few days), 3 = month (or vaguer).
TimePrecision = Literal[1, 2, 3]
PublishedSource = Literal["metadata", "dateline", "inferred"]


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_MAX_REASON = 500


def safe_path(path: object) -> str:
    """A path as a printable, storable str: undecodable bytes (the lone surrogates `os.listdir` and
    `sys.argv` use for them) become `\\xNN`, so nothing downstream (print, SQLite, JSON) meets a surrogate."""
    s = os.fspath(path) if isinstance(path, os.PathLike) else str(path)
    if isinstance(s, bytes):
        return s.decode("utf-8", "backslashreplace")
    if not _SURROGATE_RE.search(s):
        return s
    try:
        return os.fsencode(s).decode("utf-8", "backslashreplace")
    except UnicodeError:  # a surrogate that is not an escaped byte (e.g. from JSON "\\ud800")
        return escape_surrogates(s)


def escape_surrogates(s: str) -> str:
    """Lone surrogates in text (valid in a Python str, not in UTF-8) written as `\\udXXX`."""
    return _SURROGATE_RE.sub(lambda m: f"\\u{ord(m.group()):04x}", s)


def has_surrogates(s: str) -> bool:
    return bool(_SURROGATE_RE.search(s))


def disambiguated_id(doc_id: str, source_path: str) -> str:
    """The id for a file whose natural id is already taken by a different file: `id~` + 8 hex digits
    of its absolute path (stable across runs for the same file)."""
    return f"{doc_id}~{path_tag(source_path)}"


def path_tag(source_path: str) -> str:
    return hashlib.sha1(real_path(source_path).encode("utf-8", "backslashreplace")).hexdigest()[:8]


def same_file(a: str | None, b: str | None) -> bool:
    """Do two stored source paths name the same file? (absolute paths, symbolic links resolved)"""
    if not a or not b:
        return False
    return a == b or real_path(a) == real_path(b)


def real_path(p: str) -> str:
    try:
        return os.path.realpath(p)
    except (OSError, ValueError, RuntimeError):
        return os.path.abspath(p)


def one_line(reason: object, limit: int = _MAX_REASON) -> str:
    """A failure reason as one short line (exception messages can span lines or run to megabytes)."""
    s = " ".join(escape_surrogates(str(reason)).split())
    return s if len(s) <= limit else s[: limit - 1] + "…"


@dataclass
class Document:
    """One article as read from disk, before cleaning."""

    id: str
    text: str
    source_path: str
    title: str | None = None
    url: str | None = None
    outlet: str | None = None
    published: date | None = None
    published_source: PublishedSource | None = None
    # 0..1: how sure we are of `published` (1.0 for metadata that agrees with the text).
    published_confidence: float | None = None
    # A disagreement between metadata and a dateline, kept for the analyst.
    published_note: str | None = None
    line: int | None = None  # 1-based line in a JSONL corpus
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        # A name with undecodable bytes must never reach print() or SQLite as a lone surrogate.
        self.source_path = safe_path(self.source_path)
        self.id = safe_path(self.id)

    @property
    def content_hash(self) -> str:
        return content_hash(self.text)


@dataclass
class IngestFailure:
    path: str
    reason: str
    line: int | None = None

    def __post_init__(self) -> None:
        self.path = safe_path(self.path)
        self.reason = one_line(self.reason)

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.reason}"


@dataclass
class RemovedSpan:
    """A stretch of the raw text that clean judged to be boilerplate."""

    start: int
    end: int
    kind: str  # comments | spam | share_prompt | donation | player | chrome | caption ...
    reason: str = ""  # the signal that decided it, for the workbench


@dataclass
class CleanedText:
    """`text` has the same length as the input; removed spans are replaced by spaces (newlines kept)."""

    text: str
    removed: list[RemovedSpan]


@dataclass
class ActorRef:
    """An actor as mentioned in a document, and what it resolved to."""

    surface: str
    actor_id: str | None = None  # pack id, or "prov:<slug>" for a provisional actor
    name: str | None = None  # ACLED-style name when resolved, else the surface
    aliases: list[str] = field(default_factory=list)  # every name we hold for it (for matching)
    inter: int | None = None  # ACLED inter code
    provisional: bool = False

    @property
    def label(self) -> str:
        return self.name or self.surface


@dataclass
class PlaceRef:
    surface: str
    place_id: str | None = None
    name: str | None = None
    lat: float | None = None
    lon: float | None = None
    admin1: str | None = None
    admin2: str | None = None
    admin3: str | None = None
    kind: str | None = None
    # ACLED geo_precision: 1 = the place itself, 2 = near a place / part of a region, 3 = a larger region
    geo_precision: int = 1
    country: str | None = None
    iso: int | None = None


@dataclass
class EventRecord:
    doc_id: str
    event_type: str
    sub_event_type: str
    actor1: ActorRef | None
    actor2: ActorRef | None = None
    assoc_actor_1: list[ActorRef] = field(default_factory=list)
    assoc_actor_2: list[ActorRef] = field(default_factory=list)
    location: PlaceRef | None = None
    event_date: date | None = None
    time_precision: int = 1
    fatalities: int = 0
    injured: int | None = None
    evidence: str = ""
    evidence_start: int = 0
    evidence_end: int = 0
    hedged: bool = False
    claimant: str | None = None
    hedge_cue: str | None = None
    trigger: str = ""
    confidence: float = 0.5
    # the frame and the codebook rule behind the coding (see frames.py); `frontlines explain` prints it
    coding: dict = field(default_factory=dict)

    def key(self) -> str:
        """Stable identity within a document: re-running never creates a second row.

        Built from what the event is (type, actors, place) and the normalised evidence sentence,
        never from character offsets: an edit elsewhere in the source keeps every other event's id.
        """
        parts = [
            self.doc_id,
            self.event_type,
            self.sub_event_type,
            self.actor1.actor_id or self.actor1.surface if self.actor1 else "",
            self.actor2.actor_id or self.actor2.surface if self.actor2 else "",
            self.location.place_id or self.location.surface if self.location else "",
            " ".join(self.evidence.split()).casefold(),
        ]
        return hashlib.sha1("|".join(parts).encode()).hexdigest()[:16]


@dataclass
class RelationRecord:
    doc_id: str
    type: str
    source: ActorRef
    target: ActorRef
    date: date | None = None
    hedged: bool = False
    evidence: str = ""
    evidence_start: int = 0
    evidence_end: int = 0
    confidence: float = 0.5
    # 1 day, 2 week, 3 month (ACLED's time_precision) of `date`: the sentence's date, else the publication's
    date_precision: int | None = None
    # the text says the relation has ended ("formerly", "no longer", "ex-"): it no longer held on this date
    valid_until: date | None = None
    # derived from events (clashed_with of Battles events), not stated in a sentence: `count` events
    # between `date` (the first) and `last_date`
    derived: bool = False
    count: int = 1
    last_date: date | None = None
    rule: str = ""  # the pattern or cue kind that found it

    def key(self) -> str:
        a = self.source.actor_id or self.source.surface
        b = self.target.actor_id or self.target.surface
        if self.type in SYMMETRIC_RELATIONS:
            a, b = sorted([a, b])
        return hashlib.sha1(f"{self.doc_id}|{self.type}|{a}|{b}".encode()).hexdigest()[:16]


@dataclass
class DocumentResult:
    """Everything the pipeline learned from one document."""

    document: Document
    cleaned: CleanedText
    events: list[EventRecord] = field(default_factory=list)
    relations: list[RelationRecord] = field(default_factory=list)
    actors: list[ActorRef] = field(default_factory=list)  # every actor mention resolved in the body
    places: list[PlaceRef] = field(default_factory=list)  # every place mention resolved in the body
