"""Near-duplicate articles: reposts and syndicated copies found with MinHash + LSH.

A repost carries the same article under other boilerplate (another site's comment thread, share
widgets, donation boxes), so the signature is taken over the *cleaned* text (`clean.clean_text`,
the same cleaner the pipeline uses): word 5-shingles of the lower-cased body. Two documents whose
estimated Jaccard similarity of shingle sets reaches `THRESHOLD` are one article; the earliest
published (then the smallest id) is the canonical document and the others are its *appearances*.

Cost: one MinHash per document (linear in its length) and one LSH query per document, which looks
only at the documents sharing a band with it (`datasketch.MinHashLSH`), not at the whole corpus, so
finding all duplicates is sub-linear per document. Candidates from the LSH are then checked with the
signatures' Jaccard estimate, so a band collision alone never merges two articles.

`dedup_store(store)` runs this over every stored document and records the result in the
`appearances` table (document -> duplicate_of document, similarity), which `frontlines run` calls
after processing; `find_duplicates(pairs)` is the same on (id, text) pairs, with no store.

`RepostFilter` does the same check BEFORE extraction (`frontlines run`): a near-duplicate of a stored
canonical document, or of one extracted earlier in the run, is stored but not extracted. The document
extracted is the first one seen; if a later run (or a later line of the same run) brings an
earlier-published copy, that copy is stored unextracted, and `dedup_store` then names it the canonical
document of the group (earliest published, then smallest id) while the events stay with the copy that
was extracted: outputs read groups (canonical + appearances), never "the canonical's events", so the
counts do not depend on which copy was extracted.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from datasketch import MinHash, MinHashLSH

__all__ = [
    "NUM_PERM",
    "SHINGLE",
    "THRESHOLD",
    "Duplicate",
    "NearDuplicateIndex",
    "RepostFilter",
    "dedup_store",
    "find_duplicates",
    "shingles",
    "signature",
]

NUM_PERM = 128
SHINGLE = 5  # words per shingle
THRESHOLD = 0.7  # estimated Jaccard of shingle sets at or above which two texts are one article
MIN_SHINGLES = 8  # a text with fewer shingles is too short to call a near-duplicate of anything
_SEED = 1
_SCHEME = MinHash(num_perm=1, seed=_SEED).scheme  # datasketch's hashing scheme, needed to rebuild stored signatures
METHOD = f"minhash{NUM_PERM}/{SHINGLE}-shingles/{_SCHEME}"  # stored with each signature: a change of method rehashes

_WORD_RE = re.compile(r"\w+", re.UNICODE)


def _words(text: str) -> list[str]:
    return [w.casefold() for w in _WORD_RE.findall(text)]


def shingles(text: str, k: int = SHINGLE) -> set[str]:
    """Word k-shingles of the text, case-folded, punctuation and spacing ignored."""
    words = _words(text)
    if len(words) < k:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + k]) for i in range(len(words) - k + 1)}


def signature(text: str, num_perm: int = NUM_PERM) -> MinHash:
    m = MinHash(num_perm=num_perm, seed=_SEED)
    sh = shingles(text)
    if sh:
        m.update_batch([s.encode("utf-8") for s in sh])
    return m


def cleaned(text: str) -> str:
    """The text with boilerplate blanked out (the pipeline's own cleaner)."""
    from .clean import clean_text

    return clean_text(text).text


@dataclass
class Duplicate:
    doc_id: str  # the appearance
    duplicate_of: str  # the canonical document
    similarity: float  # estimated Jaccard similarity of the cleaned texts' shingle sets


class NearDuplicateIndex:
    """An LSH index of MinHash signatures; `add` then `query`, or `add_and_query` per document."""

    def __init__(self, threshold: float = THRESHOLD, num_perm: int = NUM_PERM):
        self.threshold = threshold
        self.num_perm = num_perm
        # LSH tuned a little below the threshold so that near misses still become candidates
        self.lsh = MinHashLSH(threshold=max(0.05, threshold - 0.15), num_perm=num_perm)
        self.sigs: dict[str, MinHash] = {}

    def __len__(self) -> int:
        return len(self.sigs)

    def signature(self, text: str) -> MinHash | None:
        if len(shingles(text)) < MIN_SHINGLES:
            return None
        return signature(text, self.num_perm)

    def query(self, sig: MinHash) -> list[tuple[str, float]]:
        """(doc id, estimated similarity) of indexed documents at or above the threshold, best first."""
        out = []
        for key in self.lsh.query(sig):
            sim = float(sig.jaccard(self.sigs[key]))
            if sim >= self.threshold:
                out.append((key, sim))
        return sorted(out, key=lambda t: (-t[1], t[0]))

    def add(self, doc_id: str, sig: MinHash) -> None:
        if doc_id in self.sigs:
            return
        self.sigs[doc_id] = sig
        self.lsh.insert(doc_id, sig)


def find_duplicates(
    docs: Iterable[tuple[str, str]], *, threshold: float = THRESHOLD, clean: bool = True
) -> list[Duplicate]:
    """Near-duplicates among (id, text) pairs, in the given order: the first of a group is canonical.

    clean=True hashes the cleaned text (boilerplate blanked); pass False for text already cleaned.
    A repeated id is the same document and is skipped.
    """
    index = NearDuplicateIndex(threshold=threshold)
    seen: set[str] = set()

    def sigs():
        for doc_id, text in docs:
            if doc_id in seen:
                continue
            seen.add(doc_id)
            yield doc_id, index.signature(cleaned(text) if clean else text)

    return _group(sigs(), index)


def _group(signatures: Iterable[tuple[str, MinHash | None]], index: NearDuplicateIndex) -> list[Duplicate]:
    """In order: a document similar to one already indexed is its appearance; the first of a group is canonical."""
    canonical: dict[str, str] = {}  # indexed id -> canonical id of its group
    out: list[Duplicate] = []
    for doc_id, sig in signatures:
        if sig is None or doc_id in index.sigs or doc_id in canonical:
            continue
        hits = index.query(sig)
        if hits:
            best, sim = hits[0]
            root = canonical.get(best, best)
            canonical[doc_id] = root
            out.append(Duplicate(doc_id=doc_id, duplicate_of=root, similarity=round(sim, 4)))
            # a duplicate is not indexed: its group is represented by the canonical document
            continue
        index.add(doc_id, sig)
    return out


def dedup_store(store, *, threshold: float = THRESHOLD) -> list[Duplicate]:
    """Find near-duplicate documents in the store and record them as appearances.

    Canonical = the earliest published document of a group (undated last), then the smallest id.
    Rows a previous run wrote are replaced (the result depends only on the stored documents).
    Signatures are stored: only documents that are new or changed since the last run are read and hashed.
    """
    import numpy as np
    from sqlalchemy import delete, select

    from .store.db import _insert
    from .store.schema import AppearanceRow, DocumentRow, DocumentSignatureRow, RemovedSpanRow, utcnow

    fresh: list[dict] = []
    # hashing runs in a read transaction; only the short write below takes SQLite's write lock
    with store._read() as s:
        docs = list(s.execute(select(DocumentRow.id, DocumentRow.published, DocumentRow.content_hash)))
        known = {r.doc_id: r for r in s.scalars(select(DocumentSignatureRow))}
        stale = [d.id for d in docs if d.id not in known or known[d.id].content_hash != d.content_hash
                 or known[d.id].method != METHOD]
        sigs: dict[str, MinHash | None] = {
            i: (MinHash(num_perm=NUM_PERM, seed=_SEED, scheme=_SCHEME,
                        hashvalues=np.frombuffer(r.hashvalues, dtype=np.uint64))
                if r.hashvalues is not None else None)
            for i, r in known.items() if i not in set(stale)
        }
        index = NearDuplicateIndex(threshold=threshold)
        for start in range(0, len(stale), 500):  # read only what must be hashed, a chunk at a time
            chunk = stale[start:start + 500]
            spans: dict[str, list[tuple[int, int]]] = {}
            for doc_id, a, b in s.execute(select(RemovedSpanRow.doc_id, RemovedSpanRow.start, RemovedSpanRow.end)
                                          .where(RemovedSpanRow.doc_id.in_(chunk))):
                spans.setdefault(doc_id, []).append((a, b))
            for doc_id, chash, text in s.execute(select(DocumentRow.id, DocumentRow.content_hash, DocumentRow.text)
                                                 .where(DocumentRow.id.in_(chunk))):
                sig = index.signature(_blank(text, spans.get(doc_id, [])))
                sigs[doc_id] = sig
                fresh.append(dict(doc_id=doc_id, content_hash=chash, method=METHOD,
                                  hashvalues=sig.hashvalues.astype(np.uint64).tobytes() if sig is not None else None))
    docs.sort(key=lambda r: (r.published is None, r.published or date.min, r.id))
    dups = _group(((d.id, sigs.get(d.id)) for d in docs), index)
    # exclusive: a concurrent run rewrites the same rows; one after the other, the last one wins whole
    with store._tx(exclusive=True) as s:
        if fresh:
            upsert = _insert(s, DocumentSignatureRow)
            s.execute(upsert.on_conflict_do_update(index_elements=["doc_id"], set_={
                c: upsert.excluded[c] for c in ("content_hash", "method", "hashvalues")}), fresh)
        s.execute(delete(AppearanceRow))
        for d in dups:
            s.add(AppearanceRow(doc_id=d.doc_id, duplicate_of=d.duplicate_of, similarity=d.similarity,
                                method=METHOD, detected_at=utcnow()))
    return dups


def stored_index(store, *, threshold: float = THRESHOLD) -> NearDuplicateIndex:
    """An index of one stored document per near-duplicate group, for `RepostFilter`: the canonical one,
    unless it was stored unextracted while another copy has events (it was seen later, see the module
    doc); then that copy (the smallest id of those with events). So a changed copy that carries the
    group's events is extracted again, never held as a repost of a copy with none.

    Signatures are those `dedup_store` keeps (document_signatures); one of another method is ignored."""
    import numpy as np
    from sqlalchemy import select

    from .store.schema import AppearanceRow, DocumentSignatureRow, EventSourceRow

    index = NearDuplicateIndex(threshold=threshold)
    with store._read() as s:
        groups: dict[str, set[str]] = {}
        for doc_id, canon in s.execute(select(AppearanceRow.doc_id, AppearanceRow.duplicate_of)):
            groups.setdefault(canon, {canon}).add(doc_id)
        extracted = set(s.scalars(select(EventSourceRow.doc_id).distinct())) if groups else set()
        dups: set[str] = set()
        for canon, members in groups.items():
            with_events = sorted(members & extracted)
            keep = canon if canon in extracted or not with_events else with_events[0]
            dups |= members - {keep}
        for r in s.scalars(select(DocumentSignatureRow).order_by(DocumentSignatureRow.doc_id)):
            if r.hashvalues is None or r.method != METHOD or r.doc_id in dups:
                continue
            index.add(r.doc_id, MinHash(num_perm=NUM_PERM, seed=_SEED, scheme=_SCHEME,
                                        hashvalues=np.frombuffer(r.hashvalues, dtype=np.uint64)))
    return index


class RepostFilter:
    """Reposts found BEFORE extraction: `__call__(prepared)` is the pipeline's `hold` hook.

    A document whose cleaned text is a near-duplicate of a stored canonical document, or of one
    extracted earlier in the same run, is held: stored (text, metadata) but not extracted, so it has
    no events or relations of its own; `dedup_store` then records it as an appearance, and the merged
    view counts it as a report of the events of its group (`Store.merged_events`). Any other document
    is extracted and joins the index, so later copies of it are held. `held` maps doc id -> (the
    document it copies, similarity).
    """

    def __init__(self, store, *, threshold: float = THRESHOLD):
        self.index = stored_index(store, threshold=threshold)
        self.held: dict[str, tuple[str, float]] = {}

    def __call__(self, prepared) -> bool:
        doc_id = prepared.document.id
        sig = self.index.signature(prepared.cleaned.text)
        if sig is None:
            return False
        hits = [(k, sim) for k, sim in self.index.query(sig) if k != doc_id]
        if hits:
            self.held[doc_id] = (hits[0][0], round(hits[0][1], 4))
            return True
        if self.index.sigs.pop(doc_id, None) is not None:  # a changed document replaces its old signature
            self.index.lsh.remove(doc_id)
        self.index.add(doc_id, sig)
        return False


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    """The stored removed spans are what clean decided at processing time: blank them."""
    if not spans:
        return text
    chars = list(text)
    for start, end in spans:
        chars[start:end] = [" " if c not in "\r\n" else c for c in chars[start:end]]
    return "".join(chars)


def appearances(store) -> dict[str, list[dict]]:
    """canonical document id -> its appearances [{doc_id, similarity}], from the store."""
    from sqlalchemy import select

    from .store.schema import AppearanceRow

    out: dict[str, list[dict]] = {}
    with store._read() as s:
        for r in s.scalars(select(AppearanceRow).order_by(AppearanceRow.duplicate_of, AppearanceRow.doc_id)):
            out.setdefault(r.duplicate_of, []).append({"doc_id": r.doc_id, "similarity": r.similarity})
    return out
