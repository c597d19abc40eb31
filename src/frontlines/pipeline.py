"""The whole path for a batch of documents: ingest -> clean -> annotate -> extract/resolve -> (store).

`Pipeline` holds what is costly to load (the pack, the spaCy pipeline, the extractor) once per process
and is otherwise stateless, so the same object serves the CLI, the eval command, the benchmarks and
notebooks (`from frontlines import Pipeline`).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from . import dates as dates_mod
from .annotate import DEFAULT_MODEL, get_nlp
from .clean import clean_text
from .extract import Extractor
from .ingest import iter_documents
from .models import CleanedText, Document, DocumentResult, IngestFailure
from .names import fold_key
from .pack import KnowledgePack, load_pack
from .relations import RelationExtractor


@dataclass
class Prepared:
    document: Document
    cleaned: CleanedText


class Pipeline:
    def __init__(self, pack: KnowledgePack | str | Path = "syria", model: str = DEFAULT_MODEL, batch_size: int = 16,
                 use_classifier: bool = True):
        self.pack = pack if isinstance(pack, KnowledgePack) else load_pack(pack)
        self.nlp = get_nlp(self.pack, model)
        classifier = None
        if use_classifier:
            from .classify import LazyClassifier

            classifier = LazyClassifier(str(self.pack.root))
        self.extractor = Extractor(self.pack, classifier=classifier)
        self.relation_extractor = RelationExtractor(self.pack, self.extractor)
        self.batch_size = batch_size
        names = sorted({n for o in self.pack.outlets.values() for n in [o.name, *o.aliases] if len(n) >= 5},
                       key=len, reverse=True)
        self._outlet_re = re.compile("|".join(re.escape(n) for n in names)) if names else None

    # -- stages -------------------------------------------------------------------------------
    def prepare(self, document: Document) -> Prepared:
        """clean, then settle the outlet and the publication date (both need the cleaned text)."""
        cleaned = clean_text(document.text)
        if document.outlet:
            outlet = self.pack.resolve_outlet(document.outlet)
            if outlet:
                document.extra.setdefault("outlet_raw", document.outlet)
                document.outlet = outlet.name
        else:
            self._infer_outlet(document, cleaned)
        self._settle_dateline(document, cleaned.text)
        return Prepared(document, cleaned)

    def _infer_outlet(self, document: Document, cleaned: CleanedText) -> None:
        """A scraped page with no metadata still names its publisher: "translated and edited by X", the
        site's own widgets ("Support X", removed as boilerplate but fine as metadata), "told X"."""
        if self._outlet_re is None:
            return
        body = cleaned.text
        boiler = " ".join(document.text[r.start:r.end] for r in cleaned.removed)
        names = self._outlet_re.pattern
        cues = [
            (body, rf"\b(?:translated|edited|published)(?: and edited)? by (?:the )?({names})"),
            (boiler, rf"({names})"),
            (body, rf"\btold (?:the )?({names})\b"),
            (body, rf"\b({names}) reports?\b"),
        ]
        for text, rx in cues:
            m = re.search(rx, text)
            if m:
                outlet = self.pack.resolve_outlet(m.group(1))
                if outlet:
                    document.outlet = outlet.name
                    document.extra["outlet_inferred_from"] = m.group(0)
                    return

    def _settle_dateline(self, document: Document, text: str) -> None:
        found = dates_mod.find_dateline(text)
        if not found:
            return
        dateline, surface = found
        if document.published and document.published != dateline:
            document.published_note = (
                f"metadata date {document.published.isoformat()} disagrees with the dateline "
                f"{surface!r} ({dateline.isoformat()}); the dateline wins"
            )
        if document.published != dateline:
            document.published, document.published_source, document.published_confidence = dateline, "dateline", 0.95
        elif document.published_source == "metadata":
            document.published_confidence = 1.0

    def _infer_published(self, document: Document, doc, text: str) -> None:
        if document.published:
            return
        bounds: list[tuple[date, str]] = []  # (no earlier than, because)
        for ent in doc.ents:
            if ent.ent_id_ in self.pack.actors:
                actor = self.pack.actors[ent.ent_id_]
                # only a name proves the group existed: "Turkish-backed rebels" is older than the SNA
                proper = {fold_key(n) for n in [actor.name, actor.acled_name, *actor.aliases, *actor.abbreviations]}
                if actor.active_from and fold_key(ent.text) in proper:
                    bounds.append((actor.active_from, f"{actor.name} formed"))
        bounds += [(a.since, a.note or a.phrases[0]) for a in self.pack.anchors_in(text)]
        earliest, why = max(bounds) if bounds else (None, "")
        guess = dates_mod.infer_published(text, earliest, why=why)
        if guess:
            document.published = guess.date
            document.published_source = "inferred"
            document.published_confidence = guess.confidence
            document.published_note = guess.note

    def process_prepared(self, batch: list[Prepared]) -> list[DocumentResult]:
        results = []
        texts = (p.cleaned.text for p in batch)
        for prepared, doc in zip(batch, self.nlp.pipe(texts, batch_size=self.batch_size)):
            document = prepared.document
            self._infer_published(document, doc, prepared.cleaned.text)
            events, mentions = self.extractor(doc, document, document.published)
            result = DocumentResult(document=document, cleaned=prepared.cleaned, events=events,
                                    relations=self.relation_extractor(doc, document, document.published, mentions))
            seen_a, seen_p = set(), set()
            for m in mentions:
                if m.actor and m.actor.actor_id not in seen_a:
                    seen_a.add(m.actor.actor_id)
                    result.actors.append(m.actor)
                if m.place and m.place.place_id not in seen_p:
                    seen_p.add(m.place.place_id)
                    result.places.append(m.place)
            results.append(result)
        return results

    def process(self, documents: Iterable[Document]) -> Iterator[DocumentResult]:
        batch: list[Prepared] = []
        for document in documents:
            batch.append(self.prepare(document))
            if len(batch) >= self.batch_size:
                yield from self.process_prepared(batch)
                batch = []
        if batch:
            yield from self.process_prepared(batch)

    def process_text(self, text: str, doc_id: str = "text", published: date | None = None, outlet: str | None = None) -> DocumentResult:
        document = Document(id=doc_id, text=text, source_path="<text>", outlet=outlet, published=published,
                            published_source="metadata" if published else None)
        return next(iter(self.process([document])))

    def run_paths(self, paths: Iterable[str | Path]) -> Iterator[DocumentResult | IngestFailure]:
        """Documents and failures in input order (failures pass straight through)."""
        pending: list[Document] = []
        for item in iter_documents(paths):
            if isinstance(item, IngestFailure):
                yield from self.process(pending)
                pending = []
                yield item
                continue
            pending.append(item)
            if len(pending) >= self.batch_size:
                yield from self.process(pending)
                pending = []
        yield from self.process(pending)
