"""The whole path for a batch of documents: ingest -> clean -> annotate -> extract/resolve -> (store).

`Pipeline` holds what is costly to load (the pack, the spaCy pipeline, the extractor) once per process
and is otherwise stateless, so the same object serves the CLI, the eval command, the benchmarks and
notebooks (`from frontlines import Pipeline`).

One bad document fails only itself: `process(..., guard=True)` turns any exception while cleaning,
annotating or extracting a document into an `IngestFailure` naming its file (and line); a batch that
raises is re-run one document at a time so its other documents still come through.

Texts longer than spaCy's `nlp.max_length` (1,000,000 characters) are annotated and extracted in pieces
of at most `CHUNK_CHARS`, cut at paragraph, line or sentence boundaries (`split_text`); evidence offsets
are shifted back, so they index the whole text. (Pieces, not one joined Doc: extraction costs grow
faster than the length of a Doc.) Context does not cross a piece boundary, which is a paragraph break
wherever the text has one.
"""
from __future__ import annotations

import logging
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
from .relation_events import with_battle_relations
from .relations import RelationExtractor


log = logging.getLogger(__name__)

# Longest piece annotated and extracted at once when a text is over nlp.max_length: small enough that
# spaCy's memory and the extractor's per-Doc work stay bounded, far longer than any paragraph.
CHUNK_CHARS = 10_000

_SENTENCE_END_RE = re.compile(r"[.!?…][\"'”’)\]]*\s")


def split_text(text: str, size: int = CHUNK_CHARS) -> list[str]:
    """Pieces of at most `size` characters whose concatenation is exactly `text`, cut after a blank line,
    else after a line break, else after a sentence end, else at a space (in the second half of the
    piece where possible), else anywhere."""
    if size < 2:
        raise ValueError("size must be at least 2")
    pieces = []
    pos, n = 0, len(text)
    while n - pos > size:
        end = pos + size
        lo = pos + size // 2
        cut = text.rfind("\n\n", lo, end)
        cut = cut + 2 if cut != -1 else -1
        if cut == -1:
            cut = text.rfind("\n", lo, end)
            cut = cut + 1 if cut != -1 else -1
        if cut == -1:
            last = None
            for m in _SENTENCE_END_RE.finditer(text, lo, end):
                last = m
            cut = last.end() if last else -1
        if cut == -1:
            ws = max(text.rfind(" ", pos + 1, end), text.rfind("\t", pos + 1, end))
            cut = ws + 1 if ws != -1 else end
        pieces.append(text[pos:cut])
        pos = cut
    pieces.append(text[pos:])
    return pieces


def document_failure(document: Document, stage: str, exc: BaseException) -> IngestFailure:
    """What gets recorded when a stage raises on one document."""
    log.debug("%s failed on %s", stage, document.id, exc_info=exc)
    return IngestFailure(document.source_path, f"{stage} failed on document {document.id!r} ({type(exc).__name__}: {exc})",
                         document.line)


@dataclass
class Prepared:
    document: Document
    cleaned: CleanedText


@dataclass(frozen=True)
class PipelineSpec:
    """How to build a Pipeline again in another process (`Pipeline.from_spec`)."""

    pack: str  # the pack's folder
    model: str
    batch_size: int
    use_classifier: bool


class Pipeline:
    def __init__(self, pack: KnowledgePack | str | Path = "syria", model: str = DEFAULT_MODEL, batch_size: int = 16,
                 use_classifier: bool = True, *, load_nlp: bool = True):
        """load_nlp=False defers loading spaCy to the first annotation: a process that only cleans and
        dispatches documents to workers (`engines`) never pays for it."""
        self.pack = pack if isinstance(pack, KnowledgePack) else load_pack(pack)
        # what a worker process needs to build the same pipeline (plain values: picklable)
        self.spec = PipelineSpec(str(self.pack.root), model, batch_size, use_classifier)
        self._nlp = get_nlp(self.pack, model) if load_nlp else None
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

    @classmethod
    def from_spec(cls, spec: PipelineSpec) -> Pipeline:
        return cls(spec.pack, spec.model, spec.batch_size, spec.use_classifier)

    @property
    def nlp(self):
        if self._nlp is None:
            self._nlp = get_nlp(self.pack, self.spec.model)
        return self._nlp

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
        limit = self.nlp.max_length
        short = [p.cleaned.text for p in batch if len(p.cleaned.text) <= limit]
        docs = iter(self.nlp.pipe(short, batch_size=self.batch_size))
        results = []
        for prepared in batch:
            if len(prepared.cleaned.text) > limit:
                results.append(self._process_long(prepared))
                continue
            doc = next(docs)
            document = prepared.document
            self._infer_published(document, doc, prepared.cleaned.text)
            events, mentions = self.extractor(doc, document, document.published)
            relations = self.relation_extractor(doc, document, document.published, mentions)
            results.append(self._result(prepared, events, relations, mentions))
        return results

    def _process_long(self, prepared: Prepared) -> DocumentResult:
        """A text over nlp.max_length, piece by piece; offsets shifted back onto the whole text."""
        document = prepared.document
        pieces = split_text(prepared.cleaned.text, CHUNK_CHARS)
        document.extra["annotated_in_pieces"] = len(pieces)
        events: list = []
        relations: list = []
        mentions: list = []
        offset = 0
        for i, (piece, doc) in enumerate(zip(pieces, self.nlp.pipe(pieces, batch_size=self.batch_size))):
            if i == 0:  # dates and anchors of an article are at its top
                self._infer_published(document, doc, piece)
            evs, ms = self.extractor(doc, document, document.published)
            rels = self.relation_extractor(doc, document, document.published, ms)
            for rec in (*evs, *rels):
                rec.evidence_start += offset
                rec.evidence_end += offset
            events.extend(evs)
            relations.extend(rels)
            mentions.extend(ms)
            offset += len(piece)
        return self._result(prepared, events, relations, mentions)

    def _result(self, prepared: Prepared, events: list, relations: list, mentions: list) -> DocumentResult:
        # the pack's stand-ins for an unnamed perpetrator (lexicons default_actors) relate nobody
        unnamed = frozenset(str(v) for v in ((self.pack.lexicons or {}).get("default_actors") or {}).values())
        relations = with_battle_relations(relations, events, prepared.document.id, unnamed, self.pack.affiliations)
        result = DocumentResult(document=prepared.document, cleaned=prepared.cleaned, events=events, relations=relations)
        seen_a, seen_p = set(), set()
        for m in mentions:
            if m.actor and m.actor.actor_id not in seen_a:
                seen_a.add(m.actor.actor_id)
                result.actors.append(m.actor)
            if m.place and m.place.place_id not in seen_p:
                seen_p.add(m.place.place_id)
                result.places.append(m.place)
        return result

    def process(self, documents: Iterable[Document], *, guard: bool = False,
                hold=None) -> Iterator[DocumentResult | IngestFailure]:
        """Results in input order. guard=False: an exception propagates (yields only DocumentResults).
        guard=True: a document that raises becomes an IngestFailure in its place and the rest go on.

        hold (optional) is asked about each cleaned document (`hold(prepared) -> bool`) before it is
        annotated: True means it is not extracted (a repost of a document already seen) and comes out
        as a result with no events or relations of its own, still in input order."""
        for item in self.plan(documents, guard=guard, hold=hold):
            if isinstance(item, list):
                yield from self._run_batch(item, guard)
            else:
                yield item

    def plan(self, documents: Iterable[Document], *, guard: bool = False,
             hold=None) -> Iterator[DocumentResult | IngestFailure | list[Prepared]]:
        """The order-dependent part of `process`, which stays in one process whatever runs the rest
        (`engines`): clean each document and ask `hold` in input order. Yields a held document's
        result or a cleaning failure as it is, and the documents to annotate and extract in batches
        (`list[Prepared]`, at most batch_size) for `run_batch`; running the batches in order and
        keeping the other items in place is `process`."""
        batch: list[Prepared] = []
        for document in documents:
            try:
                prepared = self.prepare(document)
                held = bool(hold(prepared)) if hold is not None else False
            except Exception as exc:  # noqa: BLE001 - one bad document fails only itself
                if not guard:
                    raise
                yield document_failure(document, "clean", exc)
                continue
            if held:
                if batch:  # the documents before it come out first
                    yield batch
                    batch = []
                yield DocumentResult(document=prepared.document, cleaned=prepared.cleaned)
                continue
            batch.append(prepared)
            if len(batch) >= self.batch_size:
                yield batch
                batch = []
        if batch:
            yield batch

    def run_batch(self, batch: list[Prepared], guard: bool = True) -> list[DocumentResult | IngestFailure]:
        """Annotate and extract one batch from `plan`: the stage a worker runs (it holds the models)."""
        return list(self._run_batch(batch, guard))

    def _run_batch(self, batch: list[Prepared], guard: bool) -> Iterator[DocumentResult | IngestFailure]:
        if not guard:
            yield from self.process_prepared(batch)
            return
        try:
            results = self.process_prepared(batch)
        except Exception as exc:  # noqa: BLE001
            if len(batch) == 1:
                yield document_failure(batch[0].document, "annotate/extract", exc)
                return
            for prepared in batch:  # find the one that fails; its batch-mates still come through
                yield from self._run_batch([prepared], guard)
            return
        yield from results

    def process_text(self, text: str, doc_id: str = "text", published: date | None = None, outlet: str | None = None) -> DocumentResult:
        document = Document(id=doc_id, text=text, source_path="<text>", outlet=outlet, published=published,
                            published_source="metadata" if published else None)
        return next(iter(self.process([document])))

    def run_paths(self, paths: Iterable[str | Path]) -> Iterator[DocumentResult | IngestFailure]:
        """Documents and failures in input order (failures pass straight through)."""
        pending: list[Document] = []
        for item in iter_documents(paths):
            if isinstance(item, IngestFailure):
                yield from self.process(pending, guard=True)
                pending = []
                yield item
                continue
            pending.append(item)
            if len(pending) >= self.batch_size:
                yield from self.process(pending, guard=True)
                pending = []
        yield from self.process(pending, guard=True)
