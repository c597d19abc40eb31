"""Benchmark: ACLED's own event notes in, our events out, compared with ACLED's coding.

Input: a JSONL file in the shape of `shared/benchmarks/acled-syria-notes/dev.jsonl` (one ACLED event a
line: `notes`, `event_date`, `event_type`, `sub_event_type`, `actor1`, `actor2`, `admin1`, `latitude`,
`longitude`, `fatalities`, ...). Evaluation only: nothing here is learned from, or written for, a note.

Each note is one document (its `event_date` is the publication date). Of the events we extract from a
note, ONE is scored against ACLED's coding: the best match, chosen by (same event type, same sub-event
type, nearest point to ACLED's, then the first in document order). Every other event of that note is
*spurious*: "spurious per note" = (events - 1 for a note with events, 0 without) summed over all notes
and divided by the number of notes. A note that says one thing twice therefore costs a spurious event,
which is what it costs an analyst too.

Every rate is over ALL notes (a note with no event disagrees on everything):

- recall: the note yields >= 1 event (hedged ones included);
- type / subtype: the best event's event type / sub-event type equals ACLED's;
- actor1: ACLED's actor1 is the best event's actor1 or actor2, compared by `ActorMatcher` (below);
- admin1: the best event's governorate equals ACLED's admin1, both folded by `Admin1Normaliser`;
- within25km: the best event has a point within 25 km (haversine) of ACLED's; median km is over the notes
  whose best event has a point;
- fatalities: the best event's fatalities equal ACLED's exactly.

Actor names: ACLED writes "Military Forces of Syria (2000-)", "QSD: Syrian Democratic Forces",
"Military Forces of Russia (2000-) Military Police"; the pack stores an `acled_name` per actor
("Military Forces of Syria", "SDF - Syrian Democratic Forces"). Both sides become a set of fold keys
(case, diacritics and transliteration folded by `names.fold_key`): the whole name without its era
("(2000-)", "(2000-2024)"), the full name after an "ABBR: " or "ABBR - " prefix, and, for a state force
named with a unit after its era, the force itself (the unit is below the level we code). Ours are every
name the pack holds for the event's actor id (acled_name, name, aliases, abbreviations) plus the event's
label. They agree when the sets share a key. No per-note table.

Governorates: every name and variant of the pack's governorate places folds to that governorate
(Idlib/Idleb, Daraa/Dar'a, Hasakah/Al-Hasakeh, "Deir ez Zor"/Deir-ez-Zor); anything else falls back to a
close rapidfuzz match. Unlike the FA-KES benchmark, the manifest's `governorate_aliases` are NOT used:
they file Rural Damascus under Damascus, and ACLED keeps the two apart.
"""
from __future__ import annotations

import json
import re
import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .geo import haversine_km
from .models import Document, EventRecord
from .names import fold_key
from .bench_fakes import GovernorateNormaliser
from .pack import _ERA_RE, KnowledgePack

WITHIN_KM = 25.0
METRICS = ("recall", "type", "subtype", "actor1", "admin1", "within25km", "fatalities")
EVENT_TYPE_ORDER = ("Battles", "Explosions/Remote violence", "Violence against civilians", "Protests", "Riots",
                    "Strategic developments")

_PREFIX_RE = re.compile(r"^\s*[A-Za-z0-9'\-]{2,12}\s*(?::|\s-)\s+(?=\S)")


# ------------------------------------------------------------------------------------------------ names


def actor_keys(name: str | None) -> set[str]:
    """Fold keys of an actor name in ACLED's or the pack's spelling (see the module docstring)."""
    if not name or not name.strip():
        return set()
    keys: set[str] = set()
    forms = [name]
    m = _ERA_RE.search(name)
    if m:
        forms.append(name[: m.start()])  # "Military Forces of Russia (2000-) Military Police" -> the force
    for form in list(forms):
        stripped = _PREFIX_RE.sub("", form)
        if stripped != form:
            forms.append(stripped)  # "QSD: Syrian Democratic Forces" -> "Syrian Democratic Forces"
    for form in forms:
        k = fold_key(_ERA_RE.sub(" ", form))
        if k:
            keys.add(k)
    return keys


class ActorMatcher:
    """Does ACLED's actor name denote one of our event's actors?"""

    def __init__(self, pack: KnowledgePack):
        self.pack = pack
        self._cache: dict[str, set[str]] = {}

    def keys_of(self, ref) -> set[str]:
        if ref is None:
            return set()
        keys = actor_keys(ref.label) | actor_keys(ref.surface)
        aid = ref.actor_id
        if aid:
            if aid not in self._cache:
                actor = self.pack.actors.get(aid)
                names = [actor.acled_name, actor.name, *actor.aliases, *actor.abbreviations] if actor else []
                self._cache[aid] = set().union(*(actor_keys(n) for n in names)) if names else set()
            keys |= self._cache[aid]
        return keys

    def __call__(self, gold: str | None, event: EventRecord | None) -> bool:
        if event is None:
            return False
        g = actor_keys(gold)
        if not g:
            return False
        return any(g & self.keys_of(ref) for ref in (event.actor1, event.actor2))


def Admin1Normaliser(pack: KnowledgePack) -> GovernorateNormaliser:  # noqa: N802 - used like the class it returns
    """Any spelling of a governorate of the pack -> its admin1 name; ACLED keeps Rural Damascus apart."""
    return GovernorateNormaliser(pack, with_aliases=False)


# ------------------------------------------------------------------------------------------------ notes


@dataclass
class Note:
    id: str
    text: str
    published: date | None
    gold: dict


def read_notes(path: Path) -> list[Note]:
    """The notes of a JSONL file; a line without `notes` text is an error (the file is the benchmark)."""
    notes = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            rec = json.loads(line)
            text = (rec.get("notes") or "").strip()
            if not text:
                raise ValueError(f"{path}:{n}: no notes text")
            day = rec.get("event_date") or None
            notes.append(Note(id=str(rec.get("event_id_cnty") or f"line{n}"), text=text,
                              published=date.fromisoformat(day) if day else None, gold=rec))
    return notes


def _gold_point(gold: dict) -> tuple[float, float] | None:
    try:
        lat, lon = float(gold.get("latitude")), float(gold.get("longitude"))
    except (TypeError, ValueError):
        return None
    return lat, lon


def _km(event: EventRecord, point: tuple[float, float] | None) -> float | None:
    loc = event.location
    if point is None or loc is None or loc.lat is None or loc.lon is None:
        return None
    return haversine_km(point[0], point[1], loc.lat, loc.lon)


def best_match(events: list[EventRecord], gold: dict) -> EventRecord | None:
    """Same event type first, then same sub-event type, then nearest point, then document order."""
    if not events:
        return None
    point = _gold_point(gold)

    def rank(item: tuple[int, EventRecord]) -> tuple:
        i, e = item
        km = _km(e, point)
        return (e.event_type != gold.get("event_type"), e.sub_event_type != gold.get("sub_event_type"),
                km is None, km if km is not None else 0.0, i)

    return min(enumerate(events), key=rank)[1]


def _actor_label(ref) -> str | None:
    return ref.label if ref is not None else None


def score_note(note: Note, events: list[EventRecord], actors: ActorMatcher, admin1: GovernorateNormaliser) -> dict:
    gold = note.gold
    best = best_match(events, gold)
    point = _gold_point(gold)
    km = _km(best, point) if best is not None else None
    ours = admin1(best.location.admin1) if best is not None and best.location is not None else None
    gold_fat = gold.get("fatalities")
    row = {
        "id": note.id,
        "event_type": gold.get("event_type"),
        "sub_event_type": gold.get("sub_event_type"),
        "gold_actor1": gold.get("actor1"),
        "gold_admin1": gold.get("admin1"),
        "gold_location": gold.get("location"),
        "gold_fatalities": gold_fat,
        "events": len(events),
        "spurious": max(0, len(events) - 1),
        "pred_event_type": best.event_type if best else None,
        "pred_sub_event_type": best.sub_event_type if best else None,
        "pred_actor1": _actor_label(best.actor1) if best else None,
        "pred_actor2": _actor_label(best.actor2) if best else None,
        "pred_location": (best.location.name or best.location.surface) if best and best.location else None,
        "pred_admin1": best.location.admin1 if best and best.location else None,
        "pred_fatalities": best.fatalities if best else None,
        "km": round(km, 1) if km is not None else None,
        "recall": best is not None,
        "type": best is not None and best.event_type == gold.get("event_type"),
        "subtype": best is not None and best.sub_event_type == gold.get("sub_event_type"),
        "actor1": actors(gold.get("actor1"), best),
        "admin1": ours is not None and ours == admin1(gold.get("admin1")),
        "within25km": km is not None and km <= WITHIN_KM,
        "fatalities": best is not None and gold_fat is not None and int(best.fatalities or 0) == int(gold_fat),
    }
    return row


def summarise(rows: list[dict]) -> dict:
    n = len(rows)
    out: dict = {"notes": n}
    for m in METRICS:
        out[m] = round(sum(bool(r[m]) for r in rows) / n, 4) if n else 0.0
    kms = [r["km"] for r in rows if r["km"] is not None]
    out["located"] = len(kms)
    out["median_km"] = round(statistics.median(kms), 1) if kms else None
    out["events"] = sum(r["events"] for r in rows)
    out["spurious"] = sum(r["spurious"] for r in rows)
    out["spurious_per_note"] = round(out["spurious"] / n, 4) if n else 0.0
    return out


# ------------------------------------------------------------------------------------------------ run


def run_acled_notes(path: Path, pipeline, limit: int | None = None, console: Console | None = None) -> dict:
    """Run the pipeline over every note of `path` (or the first `limit`) and score it against ACLED's coding."""
    notes = read_notes(path)
    if limit is not None:
        notes = notes[: max(0, limit)]
    by_id = {}
    actors = ActorMatcher(pipeline.pack)
    admin1 = Admin1Normaliser(pipeline.pack)

    def documents() -> Iterator[Document]:
        for i, note in enumerate(notes):
            doc_id = note.id if note.id not in by_id else f"{note.id}#{i}"
            by_id[doc_id] = note
            yield Document(id=doc_id, text=note.text, source_path=str(path), published=note.published,
                           published_source="metadata" if note.published else None, line=i + 1)

    rows: list[dict] = []
    err = Console(stderr=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, disable=not err.is_terminal, transient=True) as progress:
        task = progress.add_task("acled-notes", total=len(notes))
        for result in pipeline.process(documents()):
            rows.append(score_note(by_id[result.document.id], result.events, actors, admin1))
            progress.advance(task)

    per_type = {}
    seen = [t for t in EVENT_TYPE_ORDER if any(r["event_type"] == t for r in rows)]
    seen += sorted({r["event_type"] for r in rows} - set(seen), key=str)
    for t in seen:
        per_type[t] = summarise([r for r in rows if r["event_type"] == t])
    confusion = Counter((r["sub_event_type"], r["pred_sub_event_type"] or "(no event)")
                        for r in rows if not r["subtype"])
    report = {
        "file": str(path),
        "overall": summarise(rows),
        "per_event_type": per_type,
        "subtype_confusion": [{"acled": g, "ours": p, "notes": k} for (g, p), k in confusion.most_common()],
        "notes": rows,
    }
    report["line"] = last_line(report["overall"])
    if console is not None:
        print_report(console, report)
    return report


def last_line(overall: dict) -> str:
    return "ACLED notes: " + " ".join(f"{m}={overall[m]:.2f}" for m in METRICS)


def _fmt(v) -> str:
    if v is None:
        return "-"
    return f"{v:.2f}" if isinstance(v, float) else str(v)


def _km_fmt(v) -> str:
    return "-" if v is None else f"{v:.1f}"


def print_report(console: Console, report: dict) -> None:
    table = Table(title="ACLED notes: our best-matching event vs ACLED's coding (rates over all notes)")
    cols = ("event type", "notes", *METRICS, "median km", "spurious/note")
    for col in cols:
        table.add_column(col, justify="left" if col == "event type" else "right")

    def add(label: str, s: dict, **kw) -> None:
        table.add_row(label, str(s["notes"]), *(_fmt(s[m]) for m in METRICS), _km_fmt(s["median_km"]),
                      _fmt(s["spurious_per_note"]), **kw)

    for t, s in report["per_event_type"].items():
        add(t, s)
    table.add_section()
    add("overall", report["overall"], style="bold")
    console.print(table)
    if report["subtype_confusion"]:
        conf = Table(title="sub-event type disagreements (ACLED -> ours)")
        conf.add_column("ACLED")
        conf.add_column("ours")
        conf.add_column("notes", justify="right")
        for row in report["subtype_confusion"][:15]:
            conf.add_row(row["acled"], row["ours"], str(row["notes"]))
        console.print(conf)
    o = report["overall"]
    console.print(f"{o['events']} events from {o['notes']} notes; {o['located']} best matches located "
                  f"(median {_km_fmt(o['median_km'])} km); spurious per note {o['spurious_per_note']:.2f}")
    console.print(report["line"], markup=False, highlight=False)
