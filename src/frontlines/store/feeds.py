"""Live sources in the store: the feeds and sitemaps `frontlines watch` polls, and every item it took.

Two tables (migration 0007), named `feeds` and `fetched_items` because "sources" already means the
outlets behind the documents (`Store.sources`, `/api/sources`); the CLI still says `frontlines sources`.

- `feeds`: one row per source: its URL and kind, the validators of its last answer (ETag,
  Last-Modified, and those of a sitemap index's child sitemaps), when it was last fetched, the last
  error, how many fetches failed in a row and when it may be tried again (`retry_at`, exponential
  back-off).
- `fetched_items`: one row per item URL (normalised; its SHA-256 is the unique key), with the feed that
  listed it, its guid, the hash of the article text, the status (`stored`: in the store as `doc_id`;
  `failed`: the page gave no document, with the reason; `error`: a transient failure, tried again up
  to `MAX_ITEM_ATTEMPTS` times) and when. An item is written here only once its document is stored, so
  a crash mid-cycle fetches again only what was not stored.

`Feeds(store)` is the data access: it uses the Store's short read and write transactions.
"""
from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import JSON, DateTime, Integer, String, UniqueConstraint, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

from .schema import Base, Text, utcnow  # Text: the NUL-safe text type every store column uses

KINDS = ("rss", "atom", "sitemap", "auto")
STORED, FAILED, ERROR = "stored", "failed", "error"
_CHUNK = 500  # keys per IN (...), well under SQLite's bound-parameter limit
MAX_ITEM_ATTEMPTS = 3  # transient failures of one page before it is given up (status `failed`)


class FeedRow(Base):
    """A live source: an RSS/Atom feed or a sitemap (0007)."""

    __tablename__ = "feeds"

    name: Mapped[str] = mapped_column(Text(), primary_key=True)
    url: Mapped[str] = mapped_column(Text, nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False, default="auto")
    added_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    # a sitemap index's child sitemaps: {url: {"etag": ..., "last_modified": ...}}
    children: Mapped[dict | None] = mapped_column(JSON)
    last_fetched_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_ok_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # consecutive
    retry_at: Mapped[datetime | None] = mapped_column(DateTime)  # not fetched before this (back-off)


class FetchedItemRow(Base):
    """An item a live source listed, once it is stored (or given up) (0007)."""

    __tablename__ = "fetched_items"
    __table_args__ = (UniqueConstraint("url_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    url_hash: Mapped[str] = mapped_column(String(64), nullable=False)  # SHA-256 of the normalised URL
    url: Mapped[str] = mapped_column(Text, nullable=False)
    feed: Mapped[str] = mapped_column(Text(), nullable=False, index=True)
    guid: Mapped[str | None] = mapped_column(Text)
    content_hash: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    reason: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    doc_id: Mapped[str | None] = mapped_column(Text())
    fetched_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


def url_key(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8", "backslashreplace")).hexdigest()


def _iso(value: datetime | None) -> str | None:
    from .db import _iso_utc  # not at the top: db imports schema, which imports this module

    return _iso_utc(value)


class Feeds:
    """The live sources of one Store, and what was taken from them."""

    def __init__(self, store):
        self.store = store

    # ------------------------------------------------------------------ sources

    def add(self, name: str, url: str, kind: str = "auto") -> dict:
        """Add a source; ValueError (a message for the user) for a taken name or an unknown kind."""
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r} (one of {', '.join(KINDS)})")
        with self.store._tx() as s:
            if s.get(FeedRow, name) is not None:
                raise ValueError(f"a source named {name!r} exists already (remove it first)")
            row = FeedRow(name=name, url=url, kind=kind, failures=0, added_at=utcnow())
            s.add(row)
            s.flush()
            return self._dict(row)

    def remove(self, name: str) -> bool:
        """Forget a source. The items taken from it stay recorded, so re-adding it fetches nothing twice."""
        with self.store._tx() as s:
            return s.execute(delete(FeedRow).where(FeedRow.name == name)).rowcount > 0

    def list(self) -> list[dict]:
        with self.store._read() as s:
            rows = s.scalars(select(FeedRow).order_by(FeedRow.name)).all()
            counts = self._counts(s)
            return [{**self._dict(r), "stored_items": counts.get(r.name, 0)} for r in rows]

    @staticmethod
    def _counts(s) -> dict[str, int]:
        q = (select(FetchedItemRow.feed, func.count()).where(FetchedItemRow.status == STORED)
             .group_by(FetchedItemRow.feed))
        return {feed: n for feed, n in s.execute(q).all()}

    def get(self, name: str) -> dict | None:
        with self.store._read() as s:
            row = s.get(FeedRow, name)
            return self._dict(row) if row is not None else None

    def due(self, now: datetime) -> list[dict]:
        """Sources not backing off at `now` (naive UTC), by name."""
        with self.store._read() as s:
            rows = s.scalars(select(FeedRow).order_by(FeedRow.name)).all()
            return [self._dict(r) for r in rows if r.retry_at is None or r.retry_at <= now]

    def record_ok(self, name: str, now: datetime, *, etag: str | None, last_modified: str | None,
                  children: dict | None = None) -> None:
        """A fetch answered (200 or 304): keep its validators; the failure count starts again."""
        with self.store._tx() as s:
            row = s.get(FeedRow, name)
            if row is None:  # removed meanwhile
                return
            row.etag, row.last_modified, row.children = etag, last_modified, children or None
            row.last_fetched_at = row.last_ok_at = now
            row.last_error, row.failures, row.retry_at = None, 0, None

    def record_failure(self, name: str, now: datetime, reason: str, retry_at: datetime) -> int:
        """A fetch failed: keep the reason, count it, back off until `retry_at`; the count so far."""
        with self.store._tx() as s:
            row = s.get(FeedRow, name)
            if row is None:
                return 0
            row.last_fetched_at, row.last_error = now, reason
            row.failures = (row.failures or 0) + 1
            row.retry_at = retry_at
            return row.failures

    @staticmethod
    def _dict(r: FeedRow) -> dict:
        return {
            "name": r.name, "url": r.url, "kind": r.kind, "added_at": _iso(r.added_at),
            "etag": r.etag, "last_modified": r.last_modified, "children": dict(r.children or {}),
            "last_fetched_at": _iso(r.last_fetched_at), "last_ok_at": _iso(r.last_ok_at),
            "last_error": r.last_error, "failures": r.failures or 0, "retry_at": _iso(r.retry_at),
        }

    # ------------------------------------------------------------------ items

    def done(self, urls: list[str], guids: list[tuple[str, str]]) -> set[str]:
        """Of `urls` (normalised), those stored or given up already, also when the same guid of the same
        feed was stored under another URL (`guids`: (feed, guid) per url, same order; guid may be '')."""
        keys = [url_key(u) for u in urls]
        feed_guids = {g for g in guids if g[1]}
        rows = []
        with self.store._read() as s:
            for i in range(0, len(keys), _CHUNK):
                rows += s.execute(select(FetchedItemRow.url_hash, FetchedItemRow.status, FetchedItemRow.attempts)
                                  .where(FetchedItemRow.url_hash.in_(keys[i:i + _CHUNK]))).all()
            seen_guids: set[tuple[str, str]] = set()
            for feed in {f for f, _ in feed_guids}:
                wanted = [g for f, g in feed_guids if f == feed]
                for i in range(0, len(wanted), _CHUNK):
                    seen_guids |= {(feed, g) for g in s.scalars(
                        select(FetchedItemRow.guid).where(FetchedItemRow.feed == feed, FetchedItemRow.status != ERROR,
                                                          FetchedItemRow.guid.in_(wanted[i:i + _CHUNK])))}
        finished = {r.url_hash for r in rows if r.status != ERROR or r.attempts >= MAX_ITEM_ATTEMPTS}
        return {u for u, k, g in zip(urls, keys, guids) if k in finished or g in seen_guids}

    def stored_documents(self, doc_ids: list[str]) -> dict[str, str]:
        """Of `doc_ids`, those the store holds: id -> content hash."""
        from .schema import DocumentRow

        out: dict[str, str] = {}
        with self.store._read() as s:
            for i in range(0, len(doc_ids), _CHUNK):
                out.update(s.execute(select(DocumentRow.id, DocumentRow.content_hash)
                                     .where(DocumentRow.id.in_(doc_ids[i:i + _CHUNK]))).all())
        return out

    def record_item(self, url: str, feed: str, *, guid: str | None, status: str, now: datetime,
                    content_hash: str | None = None, doc_id: str | None = None, reason: str | None = None) -> None:
        """Record what became of one item (after its document is stored, for `stored`)."""
        key = url_key(url)
        with self.store._tx() as s:
            row = s.scalar(select(FetchedItemRow).where(FetchedItemRow.url_hash == key))
            if row is None:
                s.add(FetchedItemRow(url_hash=key, url=url, feed=feed, guid=guid or None, status=status,
                                     reason=reason, attempts=1, content_hash=content_hash, doc_id=doc_id,
                                     fetched_at=now))
                return
            row.attempts = (row.attempts or 0) + 1
            if status == ERROR and row.attempts >= MAX_ITEM_ATTEMPTS:
                status = FAILED  # given up: a page that keeps failing is not fetched forever
            row.status, row.reason, row.fetched_at = status, reason, now
            row.feed, row.guid = feed, guid or row.guid
            row.content_hash, row.doc_id = content_hash, doc_id

    def items(self, feed: str | None = None) -> list[dict]:
        with self.store._read() as s:
            q = select(FetchedItemRow).order_by(FetchedItemRow.id)
            if feed is not None:
                q = q.where(FetchedItemRow.feed == feed)
            return [{"url": r.url, "feed": r.feed, "guid": r.guid, "status": r.status, "reason": r.reason,
                     "attempts": r.attempts, "doc_id": r.doc_id, "content_hash": r.content_hash,
                     "fetched_at": _iso(r.fetched_at)} for r in s.scalars(q).all()]
