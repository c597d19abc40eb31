"""Benchmark: the governorate an article is about (FA-KES `location_governorate`) vs. what we extract.

An article's governorate is the most frequent `location.admin1` among its NON-hedged events (a tie
goes to the admin1 of the earliest of the tied events). It is compared with the corpus label after
both are normalised to one key per admin1 unit of the pack:

- every name and variant of the pack's governorate places (and their `admin1` value) folds to that
  unit ("Idleb", "Idlib", "Idlib province" -> Idleb);
- the manifest's optional `governorate_aliases` (alias -> admin1 name) adds spellings and the coarser
  labels other datasets use (FA-KES files Rural Damascus under "damascus");
- anything else falls back to its `fold_key`, or to the closest known key when one is very close.

Nothing here names a theatre: the table of names comes from the pack.
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from rapidfuzz import fuzz, process
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .ingest import count_inputs, iter_documents
from .models import Document, DocumentResult, EventRecord, IngestFailure
from .names import fold_key
from .pack import KnowledgePack

LABEL_FIELD = "location_governorate"
_QUALIFIER_RE = re.compile(r"(?i)\s+(?:province|governorate|gov\.?|region|muhafazat|countryside)$|^(?:muhafazat|province of|governorate of)\s+")


class GovernorateNormaliser:
    """Map any spelling of an admin1 unit of the pack to one canonical admin1 name."""

    def __init__(self, pack: KnowledgePack, with_aliases: bool = True):
        """`with_aliases`: also the manifest's `governorate_aliases`, which file a unit under another
        (FA-KES labels Rural Damascus "Damascus"); a dataset that keeps them apart (ACLED) goes without."""
        self._map: dict[str, str] = {}
        for p in pack.places.values():
            if p.kind != "governorate":
                continue
            canon = p.admin1 or p.name
            for n in [canon, *p.all_names()]:
                self._add(n, canon, override=False)
        self._map.pop("", None)
        aliases = (pack.manifest.get("governorate_aliases") or {}) if with_aliases else {}
        if not isinstance(aliases, dict):
            raise ValueError("manifest: governorate_aliases must be a mapping alias -> admin1 name")
        for alias, target in aliases.items():
            canon = self._map.get(self._key(str(target)), str(target))
            self._add(str(alias), canon, override=True)
        self._keys = list(self._map)

    @staticmethod
    def _key(name: str) -> str:
        s = name.strip()
        prev = None
        while prev != s:
            prev, s = s, _QUALIFIER_RE.sub("", s).strip()
        return fold_key(s)

    def _add(self, name: str, canon: str, override: bool) -> None:
        k = self._key(name)
        if k and (override or k not in self._map):
            self._map[k] = canon

    def __call__(self, name: str | None) -> str | None:
        if not name or not str(name).strip():
            return None
        k = self._key(str(name))
        if k in self._map:
            return self._map[k]
        if len(k) >= 4 and self._keys:
            hit = process.extractOne(k, self._keys, scorer=fuzz.ratio, score_cutoff=85)
            if hit:
                return self._map[hit[0]]
        return k


def article_governorate(events: list[EventRecord]) -> str | None:
    """Most frequent admin1 of the non-hedged events; a tie goes to the earliest such event's."""
    located = [e.location.admin1 for e in events if not e.hedged and e.location and e.location.admin1]
    if not located:
        return None
    counts = Counter(located)
    top = max(counts.values())
    return next(a for a in located if counts[a] == top)


def run_fakes_governorate(corpus: Path, pipeline, limit: int | None = None,
                          console: Console | None = None) -> dict:
    """Run the pipeline over a FA-KES JSONL and score the article governorate against its label."""
    norm = GovernorateNormaliser(pipeline.pack)
    labels: dict[str, str | None] = {}
    skipped: list[str] = []

    def documents():
        n = 0
        for item in iter_documents([corpus]):
            progress.advance(task)
            if isinstance(item, IngestFailure):
                skipped.append(str(item))
                continue
            if limit is not None and n >= limit:
                break
            n += 1
            labels[item.id] = item.extra.get(LABEL_FIELD)
            yield item

    per_label: dict[str, Counter] = {}
    confusion: Counter = Counter()
    rows: list[dict] = []
    err = Console(stderr=True)
    total = count_inputs([corpus]) if limit is None else limit
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, disable=not err.is_terminal, transient=True) as progress:
        task = progress.add_task("fakes-governorate", total=total)
        for result in pipeline.process(documents()):
            rows.append(_score(result, labels.get(result.document.id), norm))

    for r in rows:
        c = per_label.setdefault(r["label"] or "(none)", Counter())
        c["articles"] += 1
        c["with_events"] += r["events"] > 0
        c["predicted"] += r["predicted"] is not None
        c["agree"] += r["agree"]
        if r["predicted"] is not None and not r["agree"]:
            confusion[(r["label"] or "(none)", r["predicted"])] += 1

    articles = len(rows)
    with_events = sum(r["events"] > 0 for r in rows)
    predicted = sum(r["predicted"] is not None for r in rows)
    agree = sum(r["agree"] for r in rows)
    agreement = agree / predicted if predicted else 0.0
    report = {
        "articles": articles,
        "with_events": with_events,
        "with_governorate": predicted,
        "agree": agree,
        "agreement": round(agreement, 4),
        "agreement_all_articles": round(agree / articles, 4) if articles else 0.0,
        "skipped": len(skipped),
        "per_governorate": {k: dict(v) for k, v in sorted(per_label.items())},
        "confusion": [{"label": lab, "predicted": pred, "articles": n} for (lab, pred), n in confusion.most_common()],
        "documents": rows,
    }
    if console is not None:
        _print(console, report)
    return report


def _score(result: DocumentResult, raw_label: str | None, norm: GovernorateNormaliser) -> dict:
    doc: Document = result.document
    gov = article_governorate(result.events)
    label = norm(raw_label)
    pred = norm(gov)
    return {
        "id": doc.id,
        "label_raw": raw_label,
        "label": label,
        "admin1": gov,
        "predicted": pred,
        "events": len(result.events),
        "agree": pred is not None and label is not None and pred == label,
    }


def _print(console: Console, report: dict) -> None:
    table = Table(title="FA-KES: article governorate vs label")
    for col in ("label", "articles", "with events", "with governorate", "agree", "agreement"):
        table.add_column(col, justify="left" if col == "label" else "right")
    for label, c in sorted(report["per_governorate"].items(), key=lambda kv: -kv[1].get("articles", 0)):
        pred = c.get("predicted", 0)
        table.add_row(label, str(c.get("articles", 0)), str(c.get("with_events", 0)), str(pred),
                      str(c.get("agree", 0)), f"{c.get('agree', 0) / pred:.2f}" if pred else "-")
    console.print(table)
    if report["confusion"]:
        conf = Table(title="disagreements (label -> extracted)")
        conf.add_column("label")
        conf.add_column("extracted")
        conf.add_column("articles", justify="right")
        for row in report["confusion"][:15]:
            conf.add_row(row["label"], row["predicted"], str(row["articles"]))
        console.print(conf)
    if report["skipped"]:
        console.print(f"{report['skipped']} records skipped (ingest failures, e.g. duplicate ids)")
    console.print(f"{report['with_governorate']} articles have a located non-hedged event "
                  f"({report['agree']} agree; {report['agreement_all_articles']:.2f} of all articles)")
    console.print(f"{report['with_events']} articles produced events (of {report['articles']})")
    console.print(f"governorate agreement = {report['agreement']:.2f}")
