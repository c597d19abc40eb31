"""Knowledge packs: everything specific to a theatre, as data files.

A pack is a folder (``packs/<name>/``) holding a ``manifest.yaml`` and the files it lists: actors,
affiliations, places, outlets, lexicons and administrative boundaries. This module loads and
validates a pack and answers the questions the pipeline asks of it (which actor is this name, which
place is this name, which outlet is this URL). It knows nothing about any particular conflict:
see docs/PACK_FORMAT.md for the format.
"""
from __future__ import annotations

import csv
import functools
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Iterable

from spacy.lang.en.stop_words import STOP_WORDS as _STOP_WORDS
from urllib.parse import urlparse

import yaml
from rapidfuzz import fuzz, process

from frontlines.geo import haversine_km  # noqa: F401 (re-exported)
from frontlines.models import RELATION_TYPES
from frontlines.names import fold_key, place_key, place_skeleton, strip_accents

PACKS_DIR = Path(__file__).resolve().parent / "packs"

INTER_CODES = {
    1: "State forces",
    2: "Rebel groups",
    3: "Political militias",
    4: "Identity militias",
    5: "Rioters",
    6: "Protesters",
    7: "Civilians",
    8: "External/other forces",
}
AFFILIATION_TYPES = frozenset(RELATION_TYPES) | {"merged_into", "successor_of", "part_of"}
PLACE_KINDS = (
    "country", "governorate", "district", "subdistrict", "city", "town", "village",
    "neighbourhood", "base", "airport", "crossing", "site", "region",
)
SOURCE_SCALES = ("International", "National", "Regional", "Subnational", "Other", "New media")
PLACE_COLUMNS = [
    "id", "name", "kind", "lat", "lon", "admin1", "admin2", "admin3",
    "variants", "arabic", "population", "source", "pcode", "events",
]

# Fuzzy matching of actor names (only when no exact name, alias or phrase matched): rapidfuzz
# `fuzz.ratio` on `fold_key`s (0..100). The best key must score >= FUZZY_THRESHOLD, beat the best key of
# any *other* actor by >= FUZZY_MARGIN, and carry the same numbers ("13th" vs "30th"). Chosen with a
# leave-one-out study on the syria pack (each name removed in turn, then resolved against the rest;
# see docs/PACK_FORMAT.md, "Resolution"): at 90/5, 203 of 216 accepted answers were right and the 13
# wrong ones were minimal pairs the pack holds both sides of (Jaysh al-Islam / Jaysh al-Salam); the
# seed spellings Horas al-Din, Huras al-Din, Jaysh al-Nasir, Hay'at/Hayat Tahrir al-Sham, Fathbatu
# still resolve with their own alias removed. Keys shorter than FUZZY_MIN_LEN are never fuzzy-matched.
FUZZY_THRESHOLD = 90
FUZZY_MARGIN = 5
FUZZY_MIN_LEN = 6
# A surface string longer than this is not a name (the longest actor name of the syria pack has 65
# characters, the longest place name 30): resolve_actor, search_actors, Gazetteer.lookup,
# Gazetteer.search and resolve_outlet answer "no match" at once instead of running their regexes,
# the generic-head suffix scan (quadratic in the number of words) and rapidfuzz over every key on
# it (an 8 kB string took 2.35 s).
MAX_NAME_CHARS = 300

# Priority of the kind of name (lower wins when one key names several actors and dates don't decide).
_PRIO_NAME, _PRIO_ALIAS, _PRIO_ABBR, _PRIO_PHRASE = 0, 1, 2, 3

# Gazetteer: the order in which kinds win a plain name ("Idlib" -> the city, not the governorate).
_KIND_RANK = {
    "city": 0, "town": 1, "village": 2, "neighbourhood": 3, "base": 3, "airport": 3, "crossing": 3,
    "site": 4, "subdistrict": 5, "district": 6, "governorate": 7, "region": 8, "country": 9,
}
_ADMIN_KINDS = ("governorate", "district", "subdistrict")
_GOV_WORDS = r"(?:province|governorate|countryside|region|gov\.?|countrysides)"
_RURAL_WORDS = r"(?:countryside|countrysides|suburbs|outskirts)"  # the area around a place: "X countryside"
_DIR_WORDS = (r"(?:(?:north|south)[\s\-]?(?:east|west)(?:ern)?|(?:north|south|east|west|central)(?:ern)?)")
# "X in (the) (western) countryside of Y", "X, in Y's northern countryside", "X in western Y", "X east of Y"
_SCOPE_TAIL = (
    r"(?:\s+(?:village|town|city|area|district|subdistrict|camp|neighbou?rhood))?\s*,?\s+"
    r"(?:in|of|near|outside|(?:north|south|east|west)(?:[\s\-]?(?:east|west))?\s+of)\s+(?:the\s+)?"
    rf"(?:{_DIR_WORDS}\s+)?(?:(?:countryside|outskirts|suburbs|province|governorate|district|subdistrict|region|"
    r"parts?|desert|areas?)\s+of\s+)?(?:rural\s+)?"
    r"(?P<y>[A-Z][\w'’\-]*(?:\s+(?:al|el|ash|as|ad|ar|an|az|at|Al|El)[\-\s][\w'’\-]+|\s+[A-Z][\w'’\-]+){0,3})"
)
_SCOPE_TAIL_RE = re.compile(_SCOPE_TAIL)
SCOPE_KM = 30.0  # "X in the countryside of Y": X lies within this distance of Y
_CITY_WORDS = r"(?:city|town|village)"
_FAC_KINDS = {"base", "crossing", "airport", "site"}
_ADMIN_OR_CITY = {"country", "governorate", "district", "subdistrict", "city"}
# a word that begins this many multi-word place names is a generic toponym head (Gazetteer.generic_heads)
GENERIC_HEAD_MIN = 4


class PackError(ValueError):
    """A pack could not be loaded: the message names the file and the record at fault."""


# --------------------------------------------------------------------------------------------
# records


@dataclass
class Actor:
    id: str
    name: str
    acled_name: str
    inter: int
    kind: str
    aliases: list[str] = field(default_factory=list)
    arabic: list[str] = field(default_factory=list)
    abbreviations: list[str] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)
    active_from: date | None = None
    active_to: date | None = None
    predecessors: list[str] = field(default_factory=list)
    successors: list[str] = field(default_factory=list)
    leaders: list[str] = field(default_factory=list)
    country: str | None = None
    note: str = ""
    # for a government or authority: the actor that fights in its name (ACLED codes violence by a
    # government as its military forces)
    forces: str | None = None
    # ACLED codes what this actor does in the pack's theatre under another actor (with this one as an
    # associate): US forces in Syria appear as the Global Coalition Against Daesh (actor_naming.yaml)
    coded_as: str | None = None

    def all_names(self) -> list[str]:
        """name, acled_name, aliases, abbreviations, phrases: deduplicated, order kept."""
        out: list[str] = []
        seen: set[str] = set()
        for n in [self.name, self.acled_name, *self.aliases, *self.abbreviations, *self.phrases]:
            if n and n not in seen:
                seen.add(n)
                out.append(n)
        return out

    def active_on(self, on: date) -> bool:
        if self.active_from and on < self.active_from:
            return False
        if self.active_to and on > self.active_to:
            return False
        return True


@dataclass
class Affiliation:
    source: str
    target: str
    type: str
    valid_from: date | None = None
    valid_to: date | None = None
    note: str = ""


@dataclass
class Place:
    id: str
    name: str
    kind: str
    lat: float
    lon: float
    admin1: str | None = None
    admin2: str | None = None
    admin3: str | None = None
    variants: list[str] = field(default_factory=list)
    arabic: str | None = None
    population: int | None = None
    source: str = ""
    pcode: str | None = None  # OCHA p-code of the community / neighbourhood / admin unit
    events: int | None = None  # how many ACLED events the source lists at this place (a prominence score)

    def all_names(self) -> list[str]:
        out: list[str] = []
        for n in [self.name, *self.variants]:
            if n and n not in out:
                out.append(n)
        return out


@dataclass
class Anchor:
    """A dated phrase of the theatre ("the Idlib de-escalation zone"): a text that names it is no older."""
    phrases: list[str]
    since: date
    note: str = ""


@dataclass
class Outlet:
    id: str
    name: str
    aliases: list[str] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)
    owner: str | None = None
    country: str | None = None
    stance: str | None = None
    language: list[str] = field(default_factory=list)
    source_scale: str | None = None


# --------------------------------------------------------------------------------------------
# helpers


def _parse_date(value: Any, *, end: bool, where: str) -> date | None:
    """ISO date, 'YYYY-MM' or a bare year. A year/month as an end date means its last day."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    s = str(value).strip()
    m = re.fullmatch(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", s)
    if not m:
        raise PackError(f"{where}: bad date {value!r} (want YYYY, YYYY-MM or YYYY-MM-DD)")
    y, mo, d = int(m.group(1)), m.group(2), m.group(3)
    try:
        if d:
            return date(y, int(mo), int(d))
        if mo:
            mo_i = int(mo)
            if not end:
                return date(y, mo_i, 1)
            nxt = date(y + (mo_i == 12), mo_i % 12 + 1, 1)
            return date.fromordinal(nxt.toordinal() - 1)
        return date(y, 12, 31) if end else date(y, 1, 1)
    except ValueError as e:
        raise PackError(f"{where}: bad date {value!r} ({e})") from None


def _str_list(value: Any, where: str, fname: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
        raise PackError(f"{where}: field '{fname}' must be a list of strings")
    return [str(v) for v in value]


def _apostrophe_variants(name: str) -> list[str]:
    out = [name]
    if "'" in name:
        out.append(name.replace("'", "’"))
    if "’" in name:
        out.append(name.replace("’", "'"))
    if "-" in name:
        out += [v.replace("-", " ") for v in list(out)]
    return list(dict.fromkeys(out))


def _is_case_sensitive_abbr(s: str) -> bool:
    """Short ALL-CAPS forms (IS, HTS, SDF) are matched case-sensitively only."""
    letters = [c for c in s if c.isalpha()]
    return len(s) <= 6 and bool(letters) and any(c.isupper() for c in letters)


_LATIN_RE = re.compile(r"^[A-Za-z0-9\s'’`\-.,()/&]+$")


# --------------------------------------------------------------------------------------------
# gazetteer



@functools.lru_cache(maxsize=4096)
def _hint_patterns(name: str) -> tuple[re.Pattern, re.Pattern, re.Pattern, re.Pattern]:
    """The context patterns of `Gazetteer._context_hint` for one name, compiled once (re's own cache holds
    512 patterns, fewer than the names a corpus brings, so they were compiled again and again)."""
    esc = re.escape(name)
    return (
        re.compile(rf"(?i)\b{esc}(?:'s)?\s+(?:{_DIR_WORDS}\s+)?{_GOV_WORDS}\b|\b(?:rural|countryside\s+of|provinces?\s+of|governorates?\s+of)\s+(?:\w+\s+and\s+)?{esc}\b"),
        re.compile(rf"(?i)\b{esc}(?:'s)?\s+(?:province|governorate|gov\b|region)"
                   rf"|\b(?:province|governorate)s?\s+of\s+(?:\w+\s+and\s+)?{esc}\b"),
        re.compile(rf"(?i)\b{esc}\s+{_CITY_WORDS}\b|\b(?:city|town)\s+of\s+{esc}\b"),
        re.compile(rf"(?i)\b{esc}\s+(?:city|town|village)\s+of\b"),
    )

class Gazetteer:
    """Place lookup over a pack's places, with admin assignment from its boundaries."""

    def __init__(self, places: dict[str, Place], boundaries: dict[str, Path] | None = None,
                 rules: dict | None = None):
        self.places = places
        self._boundaries = boundaries or {}
        self.rules = PlaceRules.from_dict(rules or {})
        self._index: dict[str, list[Place]] = {}
        for p in places.values():
            for n in p.all_names():
                k = fold_key(n)
                if k:
                    bucket = self._index.setdefault(k, [])
                    if not any(q.id == p.id for q in bucket):
                        bucket.append(p)
            if p.arabic:
                self._index.setdefault(p.arabic.strip(), []).append(p)
        # transliteration-tolerant indexes (built on first use), tried only when the exact index has nothing
        self._pindex: dict[str, list[Place]] | None = None
        self._sindex: dict[str, list[Place]] = {}
        self._keys = list(self._index)
        self._tree = None
        self._spots: dict[str, list] = {}
        self._admins: dict[str, list[Place]] = {}
        for p in places.values():
            if p.kind == "governorate":
                self._admins.setdefault("governorate", []).append(p)
        self._heads: frozenset[str] | None = None
        self._districts: Counter | None = None
        self._stop_cache: dict[str, bool] = {}
        self._cue_cache: dict[str, bool] = {}
        self._bulk_cache: dict[str, bool] = {}

    # -- which mentions count ---------------------------------------------------------------
    def is_stop_name(self, name: str) -> bool:
        """A one-word name that is never a place on its own (place_rules.yaml `stop_names`)."""
        hit = self._stop_cache.get(name)
        if hit is None:
            if len(self._stop_cache) > 50000:
                self._stop_cache.clear()
            hit = self._stop_cache[name] = fold_key(name) in self.rules.stop_keys
        return hit

    def is_curated(self, p: Place) -> bool:
        return p.source.startswith(self.rules.curated_sources)

    def is_prominent(self, p: Place) -> bool:
        """A curated city, town, region, admin unit or site, or a curated place with 1,000+ people."""
        return self.is_curated(p) and (p.kind not in ("village", "neighbourhood") or (p.population or 0) >= 1000)

    def bulk_only(self, name: str) -> bool:
        """No place of a curated source (place_rules.yaml curated_sources) carries the name."""
        hit = self._bulk_cache.get(name)
        if hit is None:
            if len(self._bulk_cache) > 50000:
                self._bulk_cache.clear()
            hit = self._bulk_cache[name] = not any(self.is_curated(p) for p in self.candidates(name))
        return hit

    def needs_cue(self, name: str) -> bool:
        """A name that counts as a place only after a cue ("in X", "the village of X", "X town"): short
        one-word names, listed common words, one-word names that only bulk lists (no curated source) carry,
        and bulk-only names that begin with a generic head or a personal-name head ("Abu Rajab")."""
        hit = self._cue_cache.get(name)
        if hit is None:
            if len(self._cue_cache) > 50000:
                self._cue_cache.clear()
            hit = self._cue_cache[name] = self._needs_cue(name)
        return hit

    def _needs_cue(self, name: str) -> bool:
        words = re.split(r"[\s\-]+", name.strip())
        if len(words) > 1:
            return self.is_stop_name(words[0]) and self.bulk_only(name)
        k = fold_key(name)
        if k in self.rules.cue_keys or sum(c.isalpha() for c in name) <= self.rules.cue_max_letters:
            return True
        return self.bulk_only(name)

    _ARTICLE_START = re.compile(r"(?i)^(?:al|el|ash|as|ad|ar|at|az|an)[\s\-]")

    def mention_allowed(self, span) -> bool:
        """Whether a spaCy span naming a place counts under the pack's place rules (place_rules.yaml):
        written with a capital; not a one-word stop name (a generic head, an English word); not the tail
        of a longer name ("Abu | Malek", "Tall al Ahmar | al Gharbi": after a capitalised generic head
        or, for a name that begins with an article, any capitalised proper noun); and, for a short,
        common or bulk-list-only one-word name, after a cue ("in X", "the village of X", "X town")."""
        text = span.text.strip()
        if re.search(r"[A-Za-z]", text) and not re.search(r"[A-Z]", text):
            return False
        if len(span) == 1 and self.is_stop_name(text):
            return False
        doc = span.doc
        sent_start = span.sent.start if doc.has_annotation("SENT_START") else 0
        prev = doc[span.start - 1] if span.start > sent_start else None
        if prev is not None and prev.text[:1].isupper() and not prev.is_sent_start:
            if self.is_stop_name(prev.text) and not self.exact_candidates(f"{prev.text} {text}") and self.needs_cue(text):
                return False
            if self._ARTICLE_START.match(text) and prev.pos_ == "PROPN" and prev.ent_type_ not in ("GPE", "FAC", "LOC", "ORG"):
                return False
            # "Mohamad Abu Rajab": a bulk-list name right after a capitalised proper noun is part of a longer name
            if prev.pos_ == "PROPN" and not prev.ent_type_ and prev.lower_ not in self.rules.cue_before \
                    and self.bulk_only(text):
                return False
        if self.needs_cue(text) and not self.has_cue(span):
            return False
        return True

    def has_cue(self, span) -> bool:
        """A cue word (place_rules.yaml cue_before) within two tokens before the span, or a place noun
        (cue_after) right after it."""
        doc = span.doc
        has_sents = doc.has_annotation("SENT_START")
        sent_start = span.sent.start if has_sents else 0
        sent_end = span.sent.end if has_sents else len(doc)
        before = {t.lower_ for t in doc[max(sent_start, span.start - 2): span.start]}
        after = doc[span.end].lower_ if span.end < sent_end else ""
        return bool(before & self.rules.cue_before or after in self.rules.cue_after)

    # -- generic toponym heads --------------------------------------------------------------
    @property
    def generic_heads(self) -> frozenset[str]:
        """fold_keys of words that begin many multi-word place names ("Tal", "Kafr", "Deir", "Khan").

        Derived from the pack's own names: a word that starts >= GENERIC_HEAD_MIN multi-word names of
        distinct places is a generic toponym head, so a bare "Tal" before an unknown name ("Tal Qarrah")
        is a fragment of that name, not the place that happens to have "Tal" as a variant.
        """
        if self._heads is None:
            counts: dict[str, int] = {}
            for p in self.places.values():
                firsts = set()
                for n in p.all_names():
                    words = re.split(r"[\s\-]+", n.strip())
                    if len(words) > 1:
                        firsts.add(fold_key(words[0]))
                for k in firsts:
                    counts[k] = counts.get(k, 0) + 1
            # a city or admin unit is a place in its own right even when it begins other names
            # ("Damascus countryside", "Aleppo airport"): "Damascus Thursday" is Damascus
            named = {fold_key(p.name) for p in self.places.values() if p.kind in _ADMIN_OR_CITY}
            self._heads = frozenset(k for k, c in counts.items() if c >= GENERIC_HEAD_MIN and k and k not in named)
        return self._heads

    def is_fragment(self, word: str, next_word: str | None) -> bool:
        """True when `word` (a one-word place match) is only the head of a longer, unknown name.

        "Tal" + "Qarrah", "Khan" + "Al-Assal": the word is a generic toponym head and the next word
        continues the name (capitalised, or an Arabic article "al-", "el-" ...).
        """
        if not next_word:
            return False
        nxt = next_word.strip()
        if not nxt:
            return False
        article = bool(re.fullmatch(r"(?i)(?:al|el|ash|as|ad|ar|at|az|an|ath|ul)(?:-.*)?", nxt))
        return fold_key(word) in self.generic_heads and (nxt[:1].isupper() or article)

    # -- candidates -------------------------------------------------------------------------
    def candidates(self, name: str) -> list[Place]:
        name = name.strip()
        if not name:
            return []
        out = list(self._index.get(fold_key(name), []))
        if not out and name in self._index:
            out = list(self._index[name])
        if not out:
            out = self.folded_candidates(name)
        return sorted(out, key=self._rank)

    def exact_candidates(self, name: str) -> list[Place]:
        """Places with this name or variant (fold_key: case, accents, apostrophes, hyphens, al-/el-)."""
        return sorted(self._index.get(fold_key(name.strip()), []), key=self._rank)

    def folded_candidates(self, name: str) -> list[Place]:
        """Transliteration-tolerant candidates (names.place_key, then for long names place_skeleton).

        Only equality of keys: a village never snaps to a differently named place that merely looks alike."""
        if self._pindex is None:
            self._build_folded()
        out = list(self._pindex.get(place_key(name), []))
        if not out:
            sk = place_skeleton(name)
            if sk and len(sk) >= 5:
                out = list(self._sindex.get(sk, []))
        return sorted(out, key=self._rank)

    def _build_folded(self) -> None:
        pindex: dict[str, list[Place]] = {}
        sindex: dict[str, list[Place]] = {}
        for p in self.places.values():
            for n in p.all_names():
                for idx, k in ((pindex, place_key(n)), (sindex, place_skeleton(n))):
                    if k:
                        bucket = idx.setdefault(k, [])
                        if not bucket or bucket[-1].id != p.id:
                            bucket.append(p)
        self._sindex = sindex
        self._pindex = pindex

    def _rank(self, p: Place) -> tuple:
        # a hand-written place (a base, a crossing the pack's authors named on purpose; place_rules.yaml
        # `hand_sources`) ranks with the villages and before a bulk-list village of the same name: bare
        # "Hmeimim" is the air base
        hand = p.source.startswith(self.rules.hand_sources)
        kind = _KIND_RANK.get(p.kind, 5)
        return (min(kind, 2) if hand else kind, not hand, -(p.population or 0), -(p.events or 0), p.id)

    def _strip_qualifiers(self, name: str) -> tuple[str, str | None]:
        """'Idlib province' -> ('Idlib', 'admin'); 'Idlib countryside' -> ('Idlib', 'rural');
        'Idlib city' -> ('Idlib', 'city')."""
        s = name.strip()
        m = re.fullmatch(rf"(?i)(?:the\s+)?(.+?)\s+({_GOV_WORDS})", s)
        if m:
            return m.group(1), "rural" if re.fullmatch(_RURAL_WORDS, m.group(2).lower()) else "admin"
        m = re.fullmatch(r"(?i)(?:the\s+)?(?:rural|greater|eastern|western|northern|southern)\s+(.+)", s)
        if m and self.candidates(m.group(1)):
            return m.group(1), "rural"
        m = re.fullmatch(rf"(?i)(?:the\s+)?({_GOV_WORDS})\s+of\s+(.+)", s)
        if m:
            return m.group(2), "rural" if re.fullmatch(_RURAL_WORDS, m.group(1).lower()) else "admin"
        m = re.fullmatch(rf"(?i)(?:the\s+)?(.+?)\s+{_CITY_WORDS}", s)
        if m and self.candidates(m.group(1)):
            return m.group(1), "city"
        m = re.fullmatch(rf"(?i)(?:the\s+)?{_CITY_WORDS}\s+of\s+(.+)", s)
        if m:
            return m.group(1), "city"
        return s, None

    def _context_hint(self, name: str, context: str) -> str | None:
        if not context:
            return None
        admin_re, province_re, city_re, city_of_re = _hint_patterns(name)
        admin = admin_re.search(context)
        rural = bool(admin) and not province_re.search(context)
        city = city_re.search(context)
        # 'the rural Idlib city of Binnish': 'Idlib city' there is not the city of Idlib
        if city and city_of_re.search(context):
            city = None
        if admin and not city:
            return "rural" if rural else "admin"
        if city and not admin:
            return "city"
        return None

    def lookup(self, name: str, context: str = "", doc_context: str = "") -> Place | None:
        """Best place for a surface name.

        `context` (the sentence) decides admin unit vs. city and, for names several places share, which
        one; `doc_context` (the whole article) is the fallback for the latter when the sentence names no
        other place.  A name longer than MAX_NAME_CHARS is no place name: None.
        """
        if len(name) > MAX_NAME_CHARS and len(name.strip()) > MAX_NAME_CHARS:
            return None
        if self.is_stop_name(name.strip()):
            return None  # "Khan", "Station": a generic head or an ordinary word is no place on its own
        base, hint = self._strip_qualifiers(name)
        if hint is not None and len(name.split()) > 1:
            whole = self.candidates(name)  # "Rural Damascus", "Idlib province": a name of its own
            if whole:
                base = name
        cands = self.candidates(base)  # equal keys only: no loose ratio, a village never snaps to a look-alike
        if not cands:
            return None
        hint = hint or self._context_hint(base, context)
        scoped = self._scoped(name, cands, context) if context else None
        if scoped:
            cands = scoped  # "X in Dar'a": the X there, whatever list knows it
        elif any(self.is_prominent(p) for p in cands):
            # a namesake only bulk lists know (an OCHA hamlet "Gollan") does not take a name a known town,
            # region or admin unit of a curated source carries (the Golan) unless the sentence places it
            cands = [p for p in cands if self.is_curated(p)]
        govs = [p for p in cands if p.kind == "governorate"]
        pops = [p for p in cands if p.kind not in _ADMIN_KINDS and p.kind not in ("region", "country")]
        if hint in ("admin", "rural"):
            own = self._qualified_unit(base, context)  # "Damascus countryside" -> Rural Damascus
            if own is not None:
                return own
            admins = [p for p in cands if p.kind in _ADMIN_KINDS]
            # "the countryside of Tell Abiad" is the area around the town (located at it, geo_precision 2);
            # a governorate's countryside, or "X province/district", is the admin unit
            if hint == "rural" and not govs and pops:
                admins = []
            if admins:
                return sorted(admins, key=lambda p: -_KIND_RANK[p.kind])[0]
        if hint is None and govs and pops and self._bare_means_unit(govs[0], pops):
            # ACLED's habit: a governorate's name alone is the governorate; the capital only when the
            # text says the city ("Idlib city", "the city of Idlib")
            return govs[0]
        if hint == "city" or hint is None or hint == "rural":
            if pops:
                cands = pops
        if scoped is not None and not scoped:
            # "X in Dar'a" and no X the pack knows lies there: another X the pack lacks; the sentence's
            # unit locates the event instead of a namesake far away
            return None
        if len(cands) > 1 and (context or doc_context):
            cands = self._by_context(base, cands, context, doc_context)
        return cands[0]

    def _bare_means_unit(self, gov: Place, pops: list[Place]) -> bool:
        """A bare name shared by a governorate and its capital means the governorate, unless the
        governorate is the city itself (a governorate of a single district: Damascus)."""
        city = next((p for p in pops if p.admin1 == gov.admin1 and p.kind in ("city", "town")), None)
        if city is None:
            return False
        if self._districts is None:
            self._districts = Counter(p.admin1 for p in self.places.values() if p.kind == "district")
        return self._districts.get(gov.admin1, 0) != 1

    def _scoped(self, name: str, cands: list[Place], context: str, depth: int = 0) -> list[Place] | None:
        """Candidates inside the unit the sentence names right after the name: "X in Dar'a", "X in the
        western countryside of Y in Z" (X near Y, Y in Z), "X, in Hama's northern countryside", "X east of
        Y" (near the town Y). None: the sentence names no such unit; []: it does, and no candidate fits."""
        m = None
        i = context.find(name)
        while i >= 0 and m is None:  # the name as a word, then the tail (one compiled pattern for all names)
            j = i + len(name)
            if not (i and re.match(r"[\w'’\-]", context[i - 1])) and not re.match(r"[\w'’\-]", context[j:j + 1]):
                m = _SCOPE_TAIL_RE.match(context, j)
            i = context.find(name, i + 1)
        if not m:
            return None
        words = re.sub(r"['’]s$", "", m.group("y")).split()
        while words:
            y = " ".join(words)
            ycands = [p for p in self.exact_candidates(y) if p.kind != "country"]  # "in north-western Syria"
            if ycands:
                break
            words.pop()
        else:
            return None
        if depth < 2 and len(ycands) > 1:
            ycands = self._scoped(y, ycands, context[m.start("y"):], depth + 1) or ycands
        ygovs = [p for p in ycands if p.kind == "governorate"]
        ypops = [p for p in ycands if p.kind not in _ADMIN_KINDS and p.kind not in ("region", "country")]
        relative = re.search(r"(?i)(?:north|south|east|west)\w*\s+of\s+(?:the\s+)?$", context[m.start():m.start("y")])
        # m.start() is where the tail begins (right after the name)
        if relative and ypops:  # "X east of Hama": near the city
            ygovs = []
        if ygovs and not (ypops and not self._bare_means_unit(ygovs[0], ypops)) or not ypops:
            units = {p.admin1 for p in ycands if p.kind in _ADMIN_KINDS or p.kind == "region"}
            units |= {p.admin1 for p in ygovs}
            inside = [p for p in cands if p.admin1 in units]
            if inside or ygovs:
                return inside
        near = [p for p in cands if min(haversine_km(p.lat, p.lon, q.lat, q.lon) for q in ypops or ycands) <= SCOPE_KM]
        if near:
            return sorted(near, key=lambda p: min(haversine_km(p.lat, p.lon, q.lat, q.lon) for q in ypops or ycands))
        units = {p.admin1 for p in ycands}
        return [p for p in cands if p.admin1 in units]

    def _qualified_unit(self, name: str, context: str) -> Place | None:
        """An admin unit or region named by the qualified phrase itself ("rural X", "X countryside")."""
        if not context:
            return None
        esc = re.escape(name)
        for m in re.finditer(rf"(?i)\b(?:rural|countryside\s+of|suburbs\s+of)\s+{esc}\b|\b{esc}\s+(?:countryside|suburbs)\b", context):
            phrase = re.sub(r"(?i)^(countryside|suburbs)\s+of\s+(.+)$", r"\2 \1", m.group(0))
            for p in self.candidates(phrase):
                if p.kind in _ADMIN_KINDS or p.kind == "region":
                    return p
        return None

    def _by_context(self, name: str, cands: list[Place], context: str, doc_context: str = "") -> list[Place]:
        """Prefer candidates near the other places the context names (colliding village names).

        The sentence's places are the anchors; when it names none, the article's (`doc_context`) are.
        """
        anchors = self._anchors(name, context)
        if not anchors and doc_context:
            anchors = self._anchors(name, doc_context)
        if not anchors:
            return cands
        best_rank = _KIND_RANK.get(cands[0].kind, 5)
        # the governorate the context names most often wins ("Midan" in an article about Damascus that
        # mentions Aleppo once); then the nearest to any anchor
        admin1_count = Counter(a.admin1 for a in anchors if a.admin1)

        order = {p.id: i for i, p in enumerate(cands)}

        def score(p: Place) -> tuple:
            d = min(haversine_km(p.lat, p.lon, a.lat, a.lon) for a in anchors)
            # a place of a curated source before a namesake only bulk lists know (other places the article
            # names are weak evidence for an obscure village over a known town; "X in Y" is handled by
            # _scoped); distances compared in 25 km steps: within a step the larger place (the rank) wins
            return (not self.is_curated(p), -admin1_count.get(p.admin1, 0), _KIND_RANK.get(p.kind, 5) - best_rank > 2,
                    int(d // 25), order[p.id])

        return sorted(cands, key=score)

    _SPOT_RE = re.compile(r"\b[A-Z][\w'’\-]+(?:\s+(?:al|el|ash|as|ad|ar|Al|El)[\-\s][\w'’]+|\s+[A-Z][\w'’\-]+)?")

    def _context_spots(self, context: str) -> list[tuple[str, str, list[Place], list[Place]]]:
        """Capitalised phrases of a context with the places they (or their first word) name; cached,
        because an article is the context of every place it names."""
        hit = self._spots.get(context)
        if hit is not None:
            return hit
        spots = []
        for m in self._SPOT_RE.finditer(context):
            surface = re.sub(r"['’]s$", "", m.group(0))  # "Aleppo's governor"
            first = surface.split()[0]
            # exact names only: a transliteration-folded match is too weak to anchor another name
            spots.append((fold_key(surface), fold_key(first), self.exact_candidates(surface),
                          self.exact_candidates(first)))
        if len(self._spots) > 256:
            self._spots.clear()
        self._spots[context] = spots
        return spots

    def _anchors(self, name: str, context: str) -> list[Place]:
        anchors: list[Place] = []
        if not context:
            return anchors
        key = fold_key(name)
        own = {p.id for p in self.candidates(name)}  # "Midan" in "al-Midan" is the name itself, not an anchor
        for surface_key, first_key, found, found_first in self._context_spots(context):
            if surface_key == key:
                continue
            if not found and first_key != key:
                found = found_first
            if own & {p.id for p in found}:
                continue
            # an anchor must be unambiguous: one or two spots, or a city and the admin units named after it
            if found and (len({(round(p.lat, 1), round(p.lon, 1)) for p in found}) <= 2
                          or len({p.admin1 for p in found}) == 1):
                anchors.append(found[0])
        return anchors

    def search(self, query: str, limit: int = 20) -> list[Place]:
        if len(query) > MAX_NAME_CHARS and len(query.strip()) > MAX_NAME_CHARS:
            return []
        k = fold_key(query)
        if not k:
            return []
        hits = process.extract(k, self._keys, scorer=fuzz.WRatio, limit=limit * 3)
        out: list[Place] = []
        for key, _score, _ in hits:
            for p in sorted(self._index[key], key=self._rank):
                if p not in out:
                    out.append(p)
        return out[:limit]

    # -- point in polygon -------------------------------------------------------------------
    def _load_tree(self):
        if self._tree is None:
            self._tree = AdminIndex.from_files(self._boundaries)
        return self._tree

    def admin_for(self, lat: float, lon: float) -> tuple[str | None, str | None, str | None]:
        return self._load_tree().admin_for(lat, lon)


@dataclass
class PlaceRules:
    """place_rules.yaml: how names become places (see docs/PACK_FORMAT.md). Defaults: no restriction
    beyond a 3-character minimum, so a pack without the file behaves as before."""

    min_length: int = 3
    cue_max_letters: int = 0
    stop_keys: frozenset = frozenset()
    cue_keys: frozenset = frozenset()
    curated_sources: tuple = ("",)
    hand_sources: tuple = ()
    cue_before: frozenset = frozenset()
    cue_after: frozenset = frozenset()

    @classmethod
    def from_dict(cls, d: dict) -> "PlaceRules":
        if not d:
            return cls()
        return cls(
            min_length=int(d.get("min_length", 3)),
            cue_max_letters=int(d.get("cue_max_letters", 0)),
            stop_keys=frozenset(fold_key(str(n)) for n in d.get("stop_names") or []),
            cue_keys=frozenset(fold_key(str(n)) for n in d.get("cue_names") or []),
            curated_sources=tuple(str(x) for x in d.get("curated_sources") or [""]),
            hand_sources=tuple(str(x) for x in d.get("hand_sources") or []),
            cue_before=frozenset(str(w).lower() for w in d.get("cue_before") or []),
            cue_after=frozenset(str(w).lower() for w in d.get("cue_after") or []),
        )


_PLACE_RULE_FIELDS = {"min_length", "cue_max_letters", "stop_names", "cue_names", "curated_sources",
                      "hand_sources", "cue_before", "cue_after"}


class AdminIndex:
    """Point-in-polygon over admin boundaries (GeoJSON) with a shapely STRtree per level."""

    # property names tried for each level's English name (OCHA COD-AB style first)
    NAME_PROPS = {
        "admin1": ("adm1_name", "ADM1_EN", "admin1Name_en", "NAME_1", "name"),
        "admin2": ("adm2_name", "ADM2_EN", "admin2Name_en", "NAME_2", "name"),
        "admin3": ("adm3_name", "ADM3_EN", "admin3Name_en", "NAME_3", "name"),
    }

    def __init__(self, levels: dict[str, tuple[list, list[dict]]]):
        from shapely import STRtree

        self.levels = {}
        for lvl, (geoms, props) in levels.items():
            self.levels[lvl] = (STRtree(geoms), geoms, props)

    @classmethod
    def from_files(cls, files: dict[str, Path]) -> "AdminIndex":
        from shapely.geometry import shape

        levels = {}
        for lvl in ("admin1", "admin2", "admin3"):
            path = files.get(lvl)
            if not path or not Path(path).exists():
                continue
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            geoms, props = [], []
            for f in data.get("features", []):
                if not f.get("geometry"):
                    continue
                geoms.append(shape(f["geometry"]))
                props.append(f.get("properties") or {})
            levels[lvl] = (geoms, props)
        return cls(levels)

    def _name(self, lvl: str, props: dict) -> str | None:
        for k in self.NAME_PROPS[lvl]:
            if props.get(k):
                return str(props[k])
        return None

    def properties_at(self, lat: float, lon: float, level: str) -> dict | None:
        from shapely.geometry import Point

        if level not in self.levels:
            return None
        tree, geoms, props = self.levels[level]
        pt = Point(lon, lat)
        for i in tree.query(pt, predicate="intersects"):
            return props[int(i)]
        # on a coastline or just outside a simplified edge: nearest polygon within ~2 km
        i = tree.nearest(pt)
        if i is not None and geoms[int(i)].distance(pt) < 0.02:
            return props[int(i)]
        return None

    def admin_for(self, lat: float, lon: float) -> tuple[str | None, str | None, str | None]:
        out = []
        for lvl in ("admin1", "admin2", "admin3"):
            props = self.properties_at(lat, lon, lvl)
            out.append(self._name(lvl, props) if props else None)
        return out[0], out[1], out[2]


# --------------------------------------------------------------------------------------------
# the pack


class KnowledgePack:
    def __init__(self, root: Path, manifest: dict, actors: dict[str, Actor], affiliations: list[Affiliation],
                 places: dict[str, Place], outlets: dict[str, Outlet], lexicons: dict,
                 boundaries: dict[str, Path], anchors: list[Anchor] | None = None, naming: dict | None = None,
                 place_rules: dict | None = None):
        self.root = root
        # actor naming conventions (actor_naming.yaml): unit words, member heads, "operating under" cues
        self.naming: dict = naming or {}
        self._member_heads = sorted(self.naming.get("member_heads") or [], key=len, reverse=True)
        cues, heads = self.naming.get("under_cues") or [], self.naming.get("under_heads") or []
        self._under_re = re.compile(r"(?i)(?:%s)\s+(?:%s)\s+(?:the\s+)?(.+)" % (
            "|".join(re.escape(h) for h in heads),
            "|".join(re.escape(c) for c in sorted(cues, key=len, reverse=True)))) if cues and heads else None
        self.manifest = manifest
        self.name: str = manifest["name"]
        self.version: str = str(manifest["version"])
        self.country: str = manifest.get("country", "")
        self.iso: int = int(manifest.get("iso") or 0)
        self.iso3: str | None = manifest.get("iso3")
        self.region: str = manifest.get("region", "")
        self.description: str = manifest.get("description", "")
        self.languages: list[str] = list(manifest.get("languages") or [])
        self.bbox: list[float] | None = manifest.get("bbox")
        self.actors = actors
        self.affiliations = affiliations
        self.places = places
        self.outlets = outlets
        self.lexicons = lexicons
        from .relation_patterns import PatternSet

        self.relation_patterns = PatternSet([], {})  # load_pack sets the pack's own (relation_patterns.yaml)
        self.boundaries = boundaries
        self.anchors = anchors or []
        self._anchor_re = [(re.compile(r"\b(?:" + "|".join(re.escape(p) for p in a.phrases) + r")\b", re.I), a)
                           for a in self.anchors]
        self.gazetteer = Gazetteer(places, boundaries, place_rules)
        self._patterns: list[dict] | None = None
        self._build_actor_index()
        self._build_outlet_index()

    def anchors_in(self, text: str) -> list[Anchor]:
        """The dated phrases a text names (the publication date can be no earlier than any of them)."""
        return [a for rx, a in self._anchor_re if rx.search(text)]

    def __repr__(self) -> str:
        return (f"<KnowledgePack {self.name} {self.version}: {len(self.actors)} actors, "
                f"{len(self.places)} places, {len(self.outlets)} outlets>")

    # -- actors -----------------------------------------------------------------------------
    def _build_actor_index(self) -> None:
        self._fold: dict[str, list[tuple[str, int]]] = {}
        self._abbr: dict[str, list[str]] = {}
        self._order = {aid: i for i, aid in enumerate(self.actors)}

        def add(key: str, aid: str, prio: int) -> None:
            if not key:
                return
            bucket = self._fold.setdefault(key, [])
            for i, (a, p) in enumerate(bucket):
                if a == aid:
                    if prio < p:
                        bucket[i] = (aid, prio)
                    return
            bucket.append((aid, prio))

        for a in self.actors.values():
            for n in (a.name, a.acled_name):
                add(fold_key(n), a.id, _PRIO_NAME)
            for n in a.aliases:
                add(fold_key(n), a.id, _PRIO_ALIAS)
            for n in a.arabic:
                add(n.strip(), a.id, _PRIO_ALIAS)
            for n in a.phrases:
                add(fold_key(n), a.id, _PRIO_PHRASE)
            for n in a.abbreviations:
                self._abbr.setdefault(n, [])
                if a.id not in self._abbr[n]:
                    self._abbr[n].append(a.id)
                if not _is_case_sensitive_abbr(n):
                    add(fold_key(n), a.id, _PRIO_ABBR)
        self._fuzzy_keys = [k for k, v in self._fold.items()
                            if len(k) >= FUZZY_MIN_LEN and any(p < _PRIO_PHRASE for _, p in v)]
        self._fuzzy_max_len = max(map(len, self._fuzzy_keys), default=0)
        self._phrase_keys = {k for k, v in self._fold.items() if any(p == _PRIO_PHRASE for _, p in v)}
        self._unit_words = {fold_key(w) for w in self.naming.get("unit_words") or []}
        self._unit_index: dict[str, set[str]] = {}
        for a in self.actors.values():
            for n in (a.name, a.acled_name, *a.aliases):
                k = self._unit_key(_ERA_RE.sub(" ", _ABBR_PREFIX_RE.sub(r"\2", n)))
                if k:
                    self._unit_index.setdefault(k, set()).add(a.id)

    def _follow(self, aid: str, on: date, seen: set[str] | None = None) -> str | None:
        """The actor of aid's predecessor/successor chain that was active on `on` (or None)."""
        seen = seen if seen is not None else set()
        if aid in seen or aid not in self.actors:
            return None
        seen.add(aid)
        a = self.actors[aid]
        if a.active_on(on):
            return aid
        nxt = a.successors if (a.active_to and on > a.active_to) else a.predecessors
        for b in nxt:
            hit = self._follow(b, on, seen)
            if hit:
                return hit
        return None

    def _pick(self, cands: list[tuple[str, int]], on: date | None) -> Actor | None:
        if not cands:
            return None
        if on is not None:
            mapped: list[tuple[int, int, str]] = []
            for aid, prio in cands:
                hit = self._follow(aid, on)
                if hit:
                    mapped.append((prio, self._order[aid], hit))
            if mapped:
                return self.actors[min(mapped)[2]]
        aid = min(cands, key=lambda c: (c[1], self._order[c[0]]))[0]
        return self.actors[aid]

    def _exact(self, name: str) -> list[tuple[str, int]]:
        s = name.strip().strip("\"“”")
        if s in self._abbr:
            return [(aid, _PRIO_ABBR) for aid in self._abbr[s]]
        k = fold_key(s)
        if k in self._fold:
            return list(self._fold[k])
        if s in self._fold:  # Arabic
            return list(self._fold[s])
        # ACLED: "QSD: Syrian Democratic Forces" -> the full name, else the abbreviation
        m = _ABBR_PREFIX_RE.fullmatch(s)
        if m:
            return self._exact(m.group(2)) or self._exact(m.group(1))
        # ACLED's era: "Military Forces of Syria (2000-)", "Military Forces of Syria (2000-) 4th Armored
        # Division" -> the unit if the pack knows it, else the force
        m = _ERA_RE.search(s)
        if m:
            force, unit = s[: m.start()].strip(), s[m.end():].strip()
            if unit:
                return self._exact(f"{force} {unit}") or self._exact(unit) or self._exact(force)
            return self._exact(force)
        # "Nusra [HTS]", "Hay'at Tahrir al-Sham (HTS)"
        m = re.fullmatch(r"(.+?)\s*[\(\[]([^\)\]]+)[\)\]]", s)
        if m:
            return self._exact(m.group(1)) or self._exact(m.group(2))
        # "Hamza Division - Aleppo", "SDF - Syrian Democratic Forces": the name before the dash, else after
        m = re.fullmatch(r"(.{2,}?)\s+[-\u2013\u2014]\s+(.{2,})", s)
        if m:
            return self._exact(m.group(1)) or self._exact(m.group(2))
        return []

    def _named(self, name: str) -> list[tuple[str, int]]:
        """Exact matches on a name, alias or abbreviation (not on an everyday phrase)."""
        return [c for c in self._exact(name) if c[1] < _PRIO_PHRASE]

    def _convention(self, name: str) -> list[tuple[str, int]]:
        """Naming conventions of the pack (actor_naming.yaml), tried after exact names.

        - "<group> security forces / members / fighters ..." -> the group ("HTS security forces");
        - "<factions> operating under <group>" -> the group;
        - unit-size words as interchangeable heads of a faction's name ("X Brigade" = "X Division",
          "Liwa X" = "X Brigade"), when exactly one actor's name matches and the name has no number.
        """
        s = re.sub(r"(?i)^(?:the|some|several|many|local|unidentified)\s+", "", name.strip())
        low = s.lower()
        for head in self._member_heads:
            if low.endswith(" " + head.lower()):
                rest = s[: len(s) - len(head)].strip()
                rest = re.sub(r"(?i)(?:'s|’s)$", "", rest).strip()
                hit = self._named(rest) if rest else []
                # "the SNA's Hamza Division fighters": the unit, else the group that owns it
                m = re.fullmatch(r"(.+?)(?:'s|’s)\s+(.+)", rest) if rest and not hit else None
                if m:
                    hit = self._named(m.group(2)) or self._named(m.group(1))
                if hit:
                    return hit
        if self._under_re is not None:
            m = self._under_re.fullmatch(s)
            if m:
                hit = self._exact(m.group(1))
                if hit:
                    return hit
        ukey = self._unit_key(s)
        if ukey and ukey in self._unit_index:
            ids = self._unit_index[ukey]
            if len(ids) == 1:
                return [(next(iter(ids)), _PRIO_ALIAS)]
        return []

    def _unit_key(self, name: str) -> str | None:
        """The words of a faction's name other than its unit-size words, sorted ("quds"), or None when
        the name has no unit word, carries a number, or nothing distinctive is left."""
        units = self._unit_words
        if not units or re.search(r"\d|\b(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth)\b",
                                  name, re.I):
            return None
        toks = [k for k in (fold_key(w) for w in re.split(r"[\s\-]+", name)) if k]  # fold_key drops spaces
        rest = [t for t in toks if t not in units and t not in ("al", "el", "ad", "ash", "as", "ar", "at", "az")]
        if len(rest) == len(toks) or not rest:
            return None
        key = " ".join(sorted(rest))
        return key if len(key.replace(" ", "")) >= 4 else None

    def _generic_head(self, name: str) -> list[tuple[str, int]]:
        """'residents of Binnish' / 'Binnish residents' / 'Idlib militants' -> the generic phrase."""
        s = re.sub(r"(?i)^(?:the|some|several|many|local|unidentified)\s+", "", name.strip())
        m = re.fullmatch(r"(?i)(.+?)\s+(?:of|from|in)\s+.+", s)
        if m and fold_key(m.group(1)) in self._phrase_keys:
            return [c for c in self._fold[fold_key(m.group(1))] if c[1] == _PRIO_PHRASE]
        toks = s.split()
        for i in range(1, len(toks)):
            k = fold_key(" ".join(toks[i:]))
            if k in self._phrase_keys:
                return [c for c in self._fold[k] if c[1] == _PRIO_PHRASE]
        return []

    def _fuzzy(self, name: str) -> list[tuple[str, int]]:
        k = fold_key(name)
        if len(k) < FUZZY_MIN_LEN:
            return []
        # fuzz.ratio(a, b) <= 200 * len(b) / (len(a) + len(b)) for len(a) >= len(b): a key more than
        # 11/9 times longer than every pack key can never reach FUZZY_THRESHOLD (90)
        if len(k) * FUZZY_THRESHOLD > self._fuzzy_max_len * (200 - FUZZY_THRESHOLD):
            return []
        hits = process.extract(k, self._fuzzy_keys, scorer=fuzz.ratio, limit=12)
        if not hits or hits[0][1] < FUZZY_THRESHOLD:
            return []
        best_key, best_score = hits[0][0], hits[0][1]
        if re.findall(r"\d+", best_key) != re.findall(r"\d+", k):  # "13th Division" is not "30th Division"
            return []
        # a spelling variant differs inside the name; a name found whole inside another lacks a word of
        # it ("armed forces" is not the "US Armed Forces", "Islamic Front" not the "Islamic Front of X")
        short, long_ = sorted((k, best_key), key=len)
        if short in long_ and len(long_) - len(short) >= 2:
            return []
        best_ids = {aid for aid, _ in self._fold[best_key]}
        runner_up = max((s for key, s, _ in hits if not best_ids & {a for a, _ in self._fold[key]}), default=0)
        if best_score - runner_up < FUZZY_MARGIN:  # two actors almost equally close: abstain
            return []
        return [c for c in self._fold[best_key] if c[1] < _PRIO_PHRASE]

    def resolve_actor(self, name: str, on: date | None = None) -> Actor | None:
        """The pack actor a surface name denotes (None when it denotes none).

        Order: exact abbreviation (case-sensitive) -> fold_key of names/aliases/phrases (with ACLED's
        "ABBR: Name" and "(2000-)" era forms) -> the pack's naming conventions (`_convention`) -> generic
        head noun ('residents of X') -> fuzzy (ratio >= FUZZY_THRESHOLD). When one key names several
        actors, or the actor named was not active on `on`, predecessor/successor chains pick the
        actor active on `on`.
        """
        if not name or not name.strip():
            return None
        if len(name) > MAX_NAME_CHARS and len(name.strip()) > MAX_NAME_CHARS:
            return None  # not a name: a sentence, a paragraph, a run-on line
        for step in (self._exact, self._convention, self._generic_head, self._fuzzy):
            cands = step(name)
            if cands:
                return self._pick(cands, on)
        return None

    def search_actors(self, query: str, limit: int = 20) -> list[Actor]:
        if len(query) > MAX_NAME_CHARS and len(query.strip()) > MAX_NAME_CHARS:
            return []
        k = fold_key(query)
        if not k:
            return []
        out: list[Actor] = []
        direct = self._exact(query)
        for aid, _ in sorted(direct, key=lambda c: c[1]):
            if self.actors[aid] not in out:
                out.append(self.actors[aid])
        hits = process.extract(k, list(self._fold), scorer=fuzz.WRatio, limit=limit * 4)
        for key, _score, _ in hits:
            for aid, _p in self._fold[key]:
                a = self.actors[aid]
                if a not in out:
                    out.append(a)
        return out[:limit]

    def affiliations_of(self, actor_id: str) -> list[Affiliation]:
        return [f for f in self.affiliations if f.source == actor_id or f.target == actor_id]

    # -- outlets ----------------------------------------------------------------------------
    def _build_outlet_index(self) -> None:
        self._outlet_keys: dict[str, str] = {}
        self._outlet_domains: dict[str, str] = {}
        for o in self.outlets.values():
            for n in [o.id, o.name, *o.aliases]:
                self._outlet_keys.setdefault(fold_key(n), o.id)
            for d in o.domains:
                self._outlet_domains[d.lower().removeprefix("www.")] = o.id

    def resolve_outlet(self, name_or_url: str) -> Outlet | None:
        s = (name_or_url or "").strip()
        if not s:
            return None
        host = None
        if "://" in s or s.startswith("www."):
            try:
                host = urlparse(s if "://" in s else "http://" + s).hostname
            except ValueError:  # "http://[x": an invalid IPv6 host
                return None
        elif re.fullmatch(r"[\w\-]+(\.[\w\-]+)+(/.*)?", s) and " " not in s:
            host = s.split("/")[0]
        if host:
            host = host.lower().removeprefix("www.")
            parts = host.split(".")
            for i in range(len(parts) - 1):
                oid = self._outlet_domains.get(".".join(parts[i:]))
                if oid:
                    return self.outlets[oid]
            return None
        if len(s) > MAX_NAME_CHARS:  # a URL may be long; a name may not
            return None
        oid = self._outlet_keys.get(fold_key(s))
        if not oid:
            m = re.fullmatch(r"(.+?)\s*\((.+)\)", s)  # "The Syrian Observer (Alsouria Net)"
            if m:
                return self.resolve_outlet(m.group(1)) or self.resolve_outlet(m.group(2))
            k = fold_key(s)
            if len(k) >= FUZZY_MIN_LEN:
                hit = process.extractOne(k, list(self._outlet_keys), scorer=fuzz.ratio, score_cutoff=FUZZY_THRESHOLD)
                oid = self._outlet_keys[hit[0]] if hit else None
        return self.outlets.get(oid) if oid else None

    # -- spaCy patterns ---------------------------------------------------------------------
    def entity_patterns(self) -> list[dict]:
        """spaCy EntityRuler patterns for every actor name and place name of the pack."""
        if self._patterns is None:
            self._patterns = self._make_patterns()
        return list(self._patterns)

    def _make_patterns(self) -> list[dict]:
        """Phrase patterns (plain strings, matched by spaCy's PhraseMatcher, which is fast at this size).

        `case_sensitive` patterns must match the text as written (abbreviations such as "IS", one-word
        place names that are also English words); the rest match case-insensitively.
        """
        tok = _blank_tokenizer()
        out: list[dict] = []
        seen: set[tuple] = set()

        def add(label: str, pid: str, text: str, case_sensitive: bool) -> None:
            for v in _apostrophe_variants(text):
                v = v.strip()
                if not v:
                    continue
                key = (label, pid, case_sensitive, v if case_sensitive else v.lower())
                if key in seen:
                    continue
                seen.add(key)
                out.append({"label": label, "pattern": v, "id": pid, "case_sensitive": case_sensitive})

        for a in self.actors.values():
            for n in [a.name, a.acled_name, *a.aliases, *a.phrases]:
                add("ORG", a.id, n, False)
            for n in a.arabic:
                add("ORG", a.id, n, True)
            for n in a.abbreviations:
                add("ORG", a.id, n, _is_case_sensitive_abbr(n))
        rules = self.gazetteer.rules
        actor_keys = {fold_key(n) for a in self.actors.values() for n in [a.name, a.acled_name, *a.aliases, *a.phrases]}
        for p in self.places.values():
            label = "FAC" if p.kind in _FAC_KINDS else "LOC" if p.kind == "region" else "GPE"
            for n in p.all_names():
                if len(n) < max(3, rules.min_length):
                    continue
                # one-word names that are also English words ("Has", "Tell") must be capitalised to count
                single = len(tok(n)) == 1
                if single and (n.lower() in _STOP_WORDS or self.gazetteer.is_stop_name(n)):
                    continue
                if p.kind not in _ADMIN_OR_CITY and fold_key(n) in actor_keys:
                    continue  # a village called like an actor: the actor wins
                add(label, p.id, n, single)
            if p.arabic:
                add(label, p.id, p.arabic, True)
        return out


@functools.lru_cache(maxsize=1)
def _blank_tokenizer():
    import spacy

    return spacy.blank("en").tokenizer


# --------------------------------------------------------------------------------------------
# loading


def _rel(root: Path, fname: str) -> str:
    return f"{root.parent.name}/{root.name}/{fname}"


class _PackLoader(yaml.SafeLoader):
    """SafeLoader that leaves dates as strings, so the pack's own date checks give clear errors."""


_PackLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _read_yaml(path: Path, label: str) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_PackLoader)  # noqa: S506 (safe loader)
    except FileNotFoundError:
        raise PackError(f"{label}: file not found") from None
    except yaml.YAMLError as e:
        raise PackError(f"{label}: invalid YAML: {e}") from None


def _records(data: Any, key: str, label: str) -> list[dict]:
    if data is None:
        return []
    if isinstance(data, dict):
        data = data.get(key, [])
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise PackError(f"{label}: expected a list of {key} (mappings)")
    return data


_ACTOR_FIELDS = {
    "id", "name", "acled_name", "inter", "kind", "aliases", "arabic", "abbreviations", "phrases",
    "active_from", "active_to", "predecessors", "successors", "leaders", "country", "note",
    "affiliations", "forces",
}


def _load_actors(root: Path, fname: str,
                 extra: list[tuple[str, list[dict]]] | None = None) -> tuple[dict[str, Actor], list[dict]]:
    label = _rel(root, fname)
    rows = _records(_read_yaml(root / fname, label), "actors", label)
    labelled = [(label, i, r) for i, r in enumerate(rows)]
    for xlabel, xrows in extra or []:
        labelled += [(xlabel, i, r) for i, r in enumerate(xrows)]
    actors: dict[str, Actor] = {}
    inline_affs: list[dict] = []
    for rlabel, i, r in labelled:
        aid = r.get("id")
        where = f"{rlabel}: actor {aid!r}" if aid else f"{rlabel}: actor #{i + 1}"
        for req in ("id", "name", "inter", "kind"):
            if r.get(req) in (None, ""):
                raise PackError(f"{where}: missing field '{req}'")
        if not re.fullmatch(r"[a-z0-9][a-z0-9_\-.]*", str(aid)):
            raise PackError(f"{where}: id must be a lowercase slug")
        if aid in actors:
            raise PackError(f"{where}: duplicate id")
        unknown = set(r) - _ACTOR_FIELDS
        if unknown:
            raise PackError(f"{where}: unknown field(s) {sorted(unknown)}")
        try:
            inter = int(r["inter"])
        except (TypeError, ValueError):
            inter = -1
        if inter not in INTER_CODES:
            raise PackError(f"{where}: bad inter code {r['inter']!r} (want 1-8)")
        a = Actor(
            id=aid,
            name=str(r["name"]),
            acled_name=str(r.get("acled_name") or r["name"]),
            inter=inter,
            kind=str(r["kind"]),
            aliases=_str_list(r.get("aliases"), where, "aliases"),
            arabic=_str_list(r.get("arabic"), where, "arabic"),
            abbreviations=_str_list(r.get("abbreviations"), where, "abbreviations"),
            phrases=_str_list(r.get("phrases"), where, "phrases"),
            active_from=_parse_date(r.get("active_from"), end=False, where=f"{where}: active_from"),
            active_to=_parse_date(r.get("active_to"), end=True, where=f"{where}: active_to"),
            predecessors=_str_list(r.get("predecessors"), where, "predecessors"),
            successors=_str_list(r.get("successors"), where, "successors"),
            leaders=_str_list(r.get("leaders"), where, "leaders"),
            country=r.get("country"),
            note=str(r.get("note") or ""),
            forces=r.get("forces"),
        )
        if a.active_from and a.active_to and a.active_from > a.active_to:
            raise PackError(f"{where}: active_from {a.active_from} is after active_to {a.active_to}")
        actors[aid] = a
        for aff in r.get("affiliations") or []:
            if not isinstance(aff, dict):
                raise PackError(f"{where}: affiliations must be mappings")
            inline_affs.append({"source": aid, **aff, "_where": where})
    for a in actors.values():
        if a.forces is not None and a.forces not in actors:
            raise PackError(f"{label}: actor {a.id!r}: forces {a.forces!r} is not a known actor")
        for fld in ("predecessors", "successors"):
            for ref in getattr(a, fld):
                if ref not in actors:
                    raise PackError(f"{label}: actor {a.id!r}: {fld[:-1]} {ref!r} is not a known actor")
        # keep chains symmetric so date resolution works in both directions
        for p in a.predecessors:
            if a.id not in actors[p].successors:
                actors[p].successors.append(a.id)
        for s in a.successors:
            if a.id not in actors[s].predecessors:
                actors[s].predecessors.append(a.id)
    return actors, inline_affs


def _load_affiliations(root: Path, fname: str | None, actors: dict[str, Actor],
                       inline: list[dict]) -> list[Affiliation]:
    rows: list[tuple[str, dict]] = []
    if fname:
        label = _rel(root, fname)
        for i, r in enumerate(_records(_read_yaml(root / fname, label), "affiliations", label)):
            rows.append((f"{label}: affiliation #{i + 1}", r))
    for r in inline:
        r = dict(r)
        rows.append((r.pop("_where") + " affiliation", r))
    out = []
    for where, r in rows:
        for req in ("source", "target", "type"):
            if not r.get(req):
                raise PackError(f"{where}: missing field '{req}'")
        where = f"{where} ({r['source']} {r['type']} {r['target']})"
        for end in ("source", "target"):
            if r[end] not in actors:
                raise PackError(f"{where}: {end} {r[end]!r} is not a known actor")
        if r["type"] not in AFFILIATION_TYPES:
            raise PackError(f"{where}: unknown type {r['type']!r} (want one of {sorted(AFFILIATION_TYPES)})")
        f = Affiliation(
            source=r["source"], target=r["target"], type=r["type"],
            valid_from=_parse_date(r.get("valid_from"), end=False, where=f"{where}: valid_from"),
            valid_to=_parse_date(r.get("valid_to"), end=True, where=f"{where}: valid_to"),
            note=str(r.get("note") or ""),
        )
        if f.valid_from and f.valid_to and f.valid_from > f.valid_to:
            raise PackError(f"{where}: valid_from is after valid_to")
        out.append(f)
    return out


def read_places_csv(path: Path, label: str, bbox: list[float] | None = None) -> dict[str, Place]:
    places: dict[str, Place] = {}
    try:
        fh = path.open(encoding="utf-8", newline="")
    except FileNotFoundError:
        raise PackError(f"{label}: file not found") from None
    with fh:
        reader = csv.DictReader(fh)
        missing = [c for c in ("id", "name", "kind", "lat", "lon") if c not in (reader.fieldnames or [])]
        if missing:
            raise PackError(f"{label}: missing column(s) {missing}")
        for line, r in enumerate(reader, start=2):
            pid = (r.get("id") or "").strip()
            where = f"{label}:{line}: place {pid!r}"
            if not pid or not (r.get("name") or "").strip():
                raise PackError(f"{where}: missing id or name")
            if pid in places:
                raise PackError(f"{where}: duplicate id")
            kind = (r.get("kind") or "").strip()
            if kind not in PLACE_KINDS:
                raise PackError(f"{where}: unknown kind {kind!r} (want one of {list(PLACE_KINDS)})")
            try:
                lat, lon = float(r["lat"]), float(r["lon"])
            except (TypeError, ValueError):
                raise PackError(f"{where}: bad lat/lon {r.get('lat')!r}, {r.get('lon')!r}") from None
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise PackError(f"{where}: lat/lon out of range")
            if bbox and not (bbox[0] - 1 <= lon <= bbox[2] + 1 and bbox[1] - 1 <= lat <= bbox[3] + 1):
                raise PackError(f"{where}: ({lat}, {lon}) lies outside the pack's bbox {bbox}")
            pop = (r.get("population") or "").strip()
            places[pid] = Place(
                id=pid, name=r["name"].strip(), kind=kind, lat=lat, lon=lon,
                admin1=(r.get("admin1") or None), admin2=(r.get("admin2") or None),
                admin3=(r.get("admin3") or None),
                variants=[v for v in (r.get("variants") or "").split("|") if v],
                arabic=(r.get("arabic") or None),
                population=int(float(pop)) if pop else None,
                source=r.get("source") or "",
                pcode=(r.get("pcode") or "").strip() or None,
                events=int(r["events"]) if (r.get("events") or "").strip() else None,
            )
    return places


def _load_outlets(root: Path, fname: str | None) -> dict[str, Outlet]:
    if not fname:
        return {}
    label = _rel(root, fname)
    out: dict[str, Outlet] = {}
    for i, r in enumerate(_records(_read_yaml(root / fname, label), "outlets", label)):
        oid = r.get("id")
        where = f"{label}: outlet {oid!r}" if oid else f"{label}: outlet #{i + 1}"
        for req in ("id", "name"):
            if not r.get(req):
                raise PackError(f"{where}: missing field '{req}'")
        if oid in out:
            raise PackError(f"{where}: duplicate id")
        scale = r.get("source_scale")
        if scale and scale not in SOURCE_SCALES:
            raise PackError(f"{where}: bad source_scale {scale!r} (want one of {list(SOURCE_SCALES)})")
        out[oid] = Outlet(
            id=oid, name=str(r["name"]),
            aliases=_str_list(r.get("aliases"), where, "aliases"),
            domains=[d.lower() for d in _str_list(r.get("domains"), where, "domains")],
            owner=r.get("owner"), country=r.get("country"), stance=r.get("stance"),
            language=_str_list(r.get("language"), where, "language"),
            source_scale=scale,
        )
    return out


_MANIFEST_REQUIRED = ("name", "version", "country", "files")


def _load(root: Path) -> KnowledgePack:
    mlabel = _rel(root, "manifest.yaml")
    if not (root / "manifest.yaml").exists():
        raise PackError(f"{mlabel}: file not found (is {root} a pack?)")
    manifest = _read_yaml(root / "manifest.yaml", mlabel)
    if not isinstance(manifest, dict):
        raise PackError(f"{mlabel}: expected a mapping")
    for req in _MANIFEST_REQUIRED:
        if manifest.get(req) in (None, ""):
            raise PackError(f"{mlabel}: missing field '{req}'")
    files = manifest["files"]
    if not isinstance(files, dict):
        raise PackError(f"{mlabel}: 'files' must be a mapping")
    for req in ("actors", "places"):
        if not files.get(req):
            raise PackError(f"{mlabel}: files: missing '{req}'")
    bbox = manifest.get("bbox")
    if bbox is not None and (not isinstance(bbox, list) or len(bbox) != 4):
        raise PackError(f"{mlabel}: bbox must be [min_lon, min_lat, max_lon, max_lat]")
    if manifest.get("iso") is not None and not str(manifest["iso"]).isdigit():
        raise PackError(f"{mlabel}: iso must be the numeric ISO 3166 code")

    extra: list[tuple[str, list[dict]]] = []
    acled: dict = {}
    if files.get("acled_actors"):
        alabel = _rel(root, files["acled_actors"])
        acled = _read_yaml(root / files["acled_actors"], alabel) or {}
        if not isinstance(acled, dict):
            raise PackError(f"{alabel}: expected a mapping")
        extra.append((alabel, _records(acled.get("actors"), "actors", alabel)))
    actors, inline = _load_actors(root, files["actors"], extra)
    if files.get("acled_actors"):
        _apply_acled_names(actors, acled.get("acled_names") or {}, _rel(root, files["acled_actors"]))
    naming: dict = {}
    if files.get("actor_naming"):
        # without the ACLED join (tools/build_syria_actors.py builds it) phrases of its actors are skipped
        naming = _load_naming(root, files["actor_naming"], actors, strict=bool(files.get("acled_actors")))
    affiliations = _load_affiliations(root, files.get("affiliations"), actors, inline)
    places = read_places_csv(root / files["places"], _rel(root, files["places"]), bbox)
    outlets = _load_outlets(root, files.get("outlets"))
    lexicons: dict = {}
    if files.get("lexicons"):
        lex = _read_yaml(root / files["lexicons"], _rel(root, files["lexicons"]))
        if lex is not None and not isinstance(lex, dict):
            raise PackError(f"{_rel(root, files['lexicons'])}: expected a mapping")
        lexicons = lex or {}
    anchors = _load_anchors(root, files.get("anchors"))
    place_rules: dict = {}
    if files.get("place_rules"):
        label = _rel(root, files["place_rules"])
        place_rules = _read_yaml(root / files["place_rules"], label) or {}
        if not isinstance(place_rules, dict):
            raise PackError(f"{label}: expected a mapping")
        unknown = sorted(set(place_rules) - _PLACE_RULE_FIELDS)
        if unknown:
            raise PackError(f"{label}: unknown field(s) {unknown}")
    relation_patterns = _load_relation_patterns(root, files.get("relation_patterns"), lexicons)
    boundaries: dict[str, Path] = {}
    for lvl, rel in (files.get("boundaries") or {}).items():
        p = root / rel
        if not p.exists():
            raise PackError(f"{mlabel}: boundaries: {lvl}: {rel} not found")
        boundaries[lvl] = p
    pack = KnowledgePack(root, manifest, actors, affiliations, places, outlets, lexicons, boundaries, anchors,
                         naming=naming, place_rules=place_rules)
    pack.relation_patterns = relation_patterns
    return pack


def _load_relation_patterns(root: Path, fname: str | None, lexicons: dict):
    """relation_patterns.yaml: relations as dependency patterns (frontlines.relation_patterns), checked
    here (spaCy's own pattern validation included) so a bad pattern fails the pack load, naming it."""
    from spacy.vocab import Vocab

    from .relation_patterns import PatternError, load_pattern_set

    try:
        patterns = load_pattern_set(root, fname, lexicons, _read_yaml)
        patterns.validate(Vocab())
    except PatternError as exc:
        raise PackError(str(exc)) from None
    return patterns


# "QSD: Syrian Democratic Forces" (ACLED writes an abbreviation, a colon and the full name)
_ABBR_PREFIX_RE = re.compile(r"([A-Za-z][A-Za-z0-9'\-]{1,11})\s*:\s+(\S.*)")
# ACLED's era of a state's forces: "(2000-)", "(2017-2021)"
_ERA_RE = re.compile(r"\(\s*\d{4}\s*-\s*(?:\d{4})?\s*\)")


def _apply_acled_names(actors: dict[str, Actor], table: Any, label: str) -> None:
    """acled_actors.yaml `acled_names`: actor id -> the ACLED names that denote it, output label first.

    The first becomes the actor's `acled_name` (the label events carry); every one, and the pack's former
    acled_name, stays a name of the actor (alias), and an "ABBR: " prefix becomes an abbreviation.
    """
    if not isinstance(table, dict):
        raise PackError(f"{label}: acled_names must map actor ids to lists of names")
    for aid, names in table.items():
        if aid not in actors:
            raise PackError(f"{label}: acled_names: {aid!r} is not a known actor")
        names = _str_list(names, f"{label}: acled_names: {aid!r}", "names")
        if not names:
            continue
        a = actors[aid]
        old = a.acled_name
        a.acled_name = names[0]
        for n in [old, *names]:
            if n and n != a.name and n not in a.aliases:
                a.aliases.append(n)
            m = _ABBR_PREFIX_RE.fullmatch(n or "")
            if m and m.group(1) not in a.abbreviations:
                a.abbreviations.append(m.group(1))


def _load_naming(root: Path, fname: str, actors: dict[str, Actor], strict: bool = True) -> dict:
    """actor_naming.yaml: naming conventions (unit words, member heads, compounds, coded_as, phrases, of_heads).

    Applied to the actors at load: `compounds` (prefix x head) and `phrases` become phrases of their actor
    (a phrase listed here is taken over from any other actor that held it), `coded_as` sets
    Actor.coded_as. The word lists drive KnowledgePack._convention.
    """
    label = _rel(root, fname)
    data = _read_yaml(root / fname, label) or {}
    if not isinstance(data, dict):
        raise PackError(f"{label}: expected a mapping")
    known = {"unit_words", "member_heads", "under_cues", "under_heads", "under_verbs", "compounds", "coded_as",
             "phrases", "abbreviations", "of_heads"}
    unknown = set(data) - known
    if unknown:
        raise PackError(f"{label}: unknown field(s) {sorted(unknown)}")

    def ref(aid: Any, where: str) -> Actor:
        if aid not in actors:
            raise PackError(f"{label}: {where}: {aid!r} is not a known actor")
        return actors[aid]

    def give(a: Actor, phrases: Iterable[str]) -> None:
        keys = {fold_key(p) for p in phrases}
        for other in actors.values():
            if other is not a and other.phrases:
                other.phrases = [p for p in other.phrases if fold_key(p) not in keys]
        for p in phrases:
            if p not in a.phrases:
                a.phrases.append(p)

    for i, c in enumerate(data.get("compounds") or []):
        if not isinstance(c, dict):
            raise PackError(f"{label}: compounds #{i + 1}: expected a mapping")
        a = ref(c.get("actor"), f"compounds #{i + 1}")
        prefixes = _str_list(c.get("prefixes"), f"{label}: compounds #{i + 1}", "prefixes")
        heads = _str_list(c.get("heads"), f"{label}: compounds #{i + 1}", "heads")
        made = [f"{p} {h}" for p in prefixes for h in heads]
        # a compound never takes a name, alias or phrase away from another actor
        taken = {fold_key(n) for o in actors.values() if o is not a for n in o.all_names()}
        a.phrases += [m for m in made if fold_key(m) not in taken and m not in a.phrases]
    for aid, phrases in (data.get("phrases") or {}).items():
        if not strict and aid not in actors:
            continue
        give(ref(aid, "phrases"), _str_list(phrases, f"{label}: phrases: {aid!r}", "phrases"))
    for aid, abbrs in (data.get("abbreviations") or {}).items():
        if not strict and aid not in actors:
            continue
        a = ref(aid, "abbreviations")
        a.abbreviations += [x for x in _str_list(abbrs, f"{label}: abbreviations: {aid!r}", "abbreviations")
                            if x not in a.abbreviations]
    # "Army of Islam" is also written "Islam Army": English puts a one-word complement before the head
    of_heads = {h.lower() for h in _str_list(data.get("of_heads"), label, "of_heads")}
    if of_heads:
        taken = {fold_key(n): o.id for o in actors.values() for n in o.all_names()}
        for a in actors.values():
            for n in [a.name, *a.aliases]:
                m = re.fullmatch(r"(?:the\s+)?(\w+)\s+of\s+(?:the\s+)?(\w+)", n.strip(), re.I)
                if not m or m.group(1).lower() not in of_heads:
                    continue
                inverted = f"{m.group(2)} {m.group(1)}"
                if taken.setdefault(fold_key(inverted), a.id) == a.id and inverted not in a.aliases:
                    a.aliases.append(inverted)
    for aid, target in (data.get("coded_as") or {}).items():
        ref(target, f"coded_as: {aid!r}")
        ref(aid, "coded_as").coded_as = target
    out = {}
    for key in ("unit_words", "member_heads", "under_cues", "under_heads", "under_verbs"):
        out[key] = _str_list(data.get(key), label, key)
    return out


def _load_anchors(root: Path, fname: str | None) -> list[Anchor]:
    if not fname:
        return []
    label = _rel(root, fname)
    out = []
    for i, r in enumerate(_records(_read_yaml(root / fname, label), "anchors", label)):
        where = f"{label}: anchor #{i + 1}"
        phrases = _str_list(r.get("phrases"), where, "phrases")
        if not phrases:
            raise PackError(f"{where}: missing field 'phrases'")
        since = _parse_date(r.get("since"), end=False, where=f"{where}: since")
        if since is None:
            raise PackError(f"{where}: missing field 'since'")
        out.append(Anchor(phrases, since, str(r.get("note") or "")))
    return out


@functools.lru_cache(maxsize=16)
def _load_cached(root: Path) -> KnowledgePack:
    return _load(root)


def resolve_pack_path(name_or_path: str | Path = "syria") -> Path:
    p = Path(name_or_path)
    if isinstance(name_or_path, str) and "/" not in name_or_path and "\\" not in name_or_path \
            and not p.exists():
        p = PACKS_DIR / name_or_path
    elif isinstance(name_or_path, str) and (PACKS_DIR / name_or_path).is_dir() and not p.is_dir():
        p = PACKS_DIR / name_or_path
    if not p.is_dir():
        raise PackError(f"pack {str(name_or_path)!r} not found (looked in {p})")
    return p.resolve()


def load_pack(name_or_path: str | Path = "syria") -> KnowledgePack:
    """A bare name loads src/frontlines/packs/<name>; a path loads that folder. Cached per path."""
    return _load_cached(resolve_pack_path(name_or_path))


# --------------------------------------------------------------------------------------------
# GeoNames import


def write_places_csv(path: Path, places: Iterable[Place]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        from .export import safe_row  # cells a spreadsheet would run as formulas get a leading '

        w = csv.writer(fh, lineterminator="\n")
        w.writerow(PLACE_COLUMNS)
        for p in places:
            w.writerow(safe_row([
                p.id, p.name, p.kind, f"{p.lat:.5f}", f"{p.lon:.5f}", p.admin1 or "", p.admin2 or "",
                p.admin3 or "", "|".join(p.variants), p.arabic or "",
                "" if p.population is None else p.population, p.source, p.pcode or "",
                "" if p.events is None else p.events,
            ]))


def geonames_kind(feature_class: str, feature_code: str, population: int) -> str | None:
    """Map a GeoNames feature to a place kind (None: not a feature a conflict pack wants)."""
    fc, code = feature_class.upper(), feature_code.upper()
    if fc == "P":
        if code in ("PPLC", "PPLA") or population >= 50000:
            return "city"
        if code in ("PPLA2", "PPLA3") or population >= 5000:
            return "town"
        if code in ("PPLX",):
            return "neighbourhood"
        return "village"
    if fc == "S":
        if code in ("AIRB", "MILB", "INSM"):
            return "base"
        if code in ("AIRP", "AIRF"):
            return "airport"
        if code in ("PSTB", "PSTC"):
            return "crossing"
        return None
    if fc == "A":
        return {"ADM1": "governorate", "ADM2": "district", "ADM3": "subdistrict",
                "PCLI": "country"}.get(code)
    return None


def _latin_variants(names: Iterable[str], limit: int = 40) -> list[str]:
    out: list[str] = []
    for n in names:
        n = n.strip()
        if not n or len(n) < 3:
            continue
        if not _LATIN_RE.match(strip_accents(n)):
            continue
        if n.isupper() and len(n) <= 4:  # IATA-like codes (DEZ, LTK)
            continue
        if n == n.lower():  # GeoNames romanisations of other scripts ('adlb', 'yi de li bo')
            continue
        if n not in out:
            out.append(n)
    return out[:limit]


def import_geonames(pack_root: Path, geonames_file: Path) -> int:
    """Add a GeoNames dump's places (class P, some S and A) to the pack's places file.

    Admin columns are assigned by point-in-polygon on the pack's boundaries. Rows whose id
    (``gn:<geonameid>``) is already present are skipped. Returns the number of places added.
    """
    pack_root = Path(pack_root)
    manifest = _read_yaml(pack_root / "manifest.yaml", _rel(pack_root, "manifest.yaml")) or {}
    files = manifest.get("files") or {}
    places_rel = files.get("places", "places.csv")
    places_path = pack_root / places_rel
    places = read_places_csv(places_path, _rel(pack_root, places_rel)) if places_path.exists() else {}
    bounds = {lvl: pack_root / rel for lvl, rel in (files.get("boundaries") or {}).items()}
    index = AdminIndex.from_files(bounds) if bounds else None
    bbox = manifest.get("bbox")
    added = 0
    rows_seen = rows_bad = 0
    with Path(geonames_file).open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip() or line.startswith("#"):
                continue
            rows_seen += 1
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 15:
                rows_bad += 1
                continue
            gid, name, ascii_name, alt = cols[0], cols[1], cols[2], cols[3]
            try:
                lat, lon = float(cols[4]), float(cols[5])
            except ValueError:
                continue
            pop = int(cols[14]) if cols[14].strip().lstrip("-").isdigit() else 0
            kind = geonames_kind(cols[6], cols[7], pop)
            if kind is None:
                continue
            if bbox and not (bbox[0] <= lon <= bbox[2] and bbox[1] <= lat <= bbox[3]):
                continue
            pid = f"gn:{gid}"
            if pid in places:
                continue
            alts = alt.split(",") if alt else []
            arabic = next((a for a in alts if re.search(r"[\u0600-\u06FF]", a)), None)
            display = ascii_name or strip_accents(name)
            variants = [v for v in _latin_variants([name, *alts]) if v != display]
            a1 = a2 = a3 = None
            if index is not None:
                a1, a2, a3 = index.admin_for(lat, lon)
            places[pid] = Place(pid, display, kind, lat, lon, a1, a2, a3, variants, arabic,
                                pop or None, "GeoNames (CC BY 4.0)")
            added += 1
    if rows_seen and rows_bad == rows_seen:
        raise PackError(f"{geonames_file}: not a GeoNames dump (want 19 tab-separated columns)")
    if added:
        write_places_csv(places_path, places.values())
        _load_cached.cache_clear()
    return added
