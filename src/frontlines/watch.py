"""Live sources: poll RSS/Atom feeds and sitemaps (and a folder), and run only what is new.

One cycle of `frontlines watch`:

- FOLDER: when any file under it is new or changed since the last cycle (size or modification time),
  the folder goes through `process_into_store` like `frontlines run`; the store skips every document
  it holds already with the same text, so only new and changed files are processed.
- `--sources`: for each source not backing off, a conditional GET (If-None-Match / If-Modified-Since:
  304 is "nothing new"), then feedparser (RSS, Atom) or the sitemap's XML (a sitemap index one level
  deep, gzip accepted). For each item not stored yet (by normalised URL, or the same feed's guid):
  robots.txt (per host, cached a day, our User-Agent; its Crawl-delay raises the delay), a politeness
  delay per host, the page (HTML only), the article by trafilatura (`ingest.document_from_html`), and
  all of the source's new documents go through `process_into_store` at once. An item is recorded in
  `fetched_items` only after its document is stored.
- A source that fails (network, timeout, HTTP error, a response over the size limit, not a feed) gets
  one `error: source NAME (URL): reason` line, the reason and the count in the store, and is not
  fetched again before its back-off ends (1 min, doubling per failure, at most 6 h); the others go on.
  A page that fails for good (4xx, not HTML, no article text) is recorded `failed` and never fetched
  again; a transient failure (5xx, network) is tried again on later cycles, `MAX_ITEM_ATTEMPTS` times.

HTTP (timeouts, size limit, politeness, robots.txt) is `fetch.py`; reading feeds and sitemaps is
`listings.py`; the store's side is `store/feeds.py`.
"""
from __future__ import annotations

import hashlib
import os
import re
import signal
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from .fetch import Disallowed, Fetcher, FetchError
from .listings import Item, Listing, parse_listing
from .models import Document, IngestFailure, one_line
from .store.feeds import ERROR, FAILED, STORED, Feeds
from .store.schema import utcnow

BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=6)
_EVERY_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*$", re.I)
_HTML_TYPES = ("text/html", "application/xhtml+xml")


def parse_every(value: str) -> float:
    """'30s', '10m', '1h' (or plain seconds) -> seconds; ValueError with the reason otherwise."""
    m = _EVERY_RE.match(value or "")
    if not m or float(m.group(1)) <= 0:
        raise ValueError(f"{value!r} is not an interval (use e.g. 30s, 10m or 1h)")
    return float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[m.group(2).lower()]


def doc_id_for(feed: str, url: str) -> str:
    """`<feed>/<last words of the URL's path>-<8 hex of the URL>`: readable, stable, unique per URL."""
    from .names import slug

    path = urlsplit(url).path.rstrip("/")
    tail = slug(path.rsplit("/", 1)[-1] or urlsplit(url).netloc)[:60]
    return f"{feed}/{tail}-{hashlib.sha1(url.encode('utf-8', 'backslashreplace')).hexdigest()[:8]}"


def folder_snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """(size, mtime) of every file under `folder` (hidden entries skipped, links to folders not followed):
    compared between cycles to tell whether anything is new or changed."""
    snap: dict[str, tuple[int, int]] = {}
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if name.startswith("."):
                continue
            try:
                st = os.stat(os.path.join(root, name))
            except OSError:
                continue
            snap[os.path.join(root, name)] = (st.st_size, st.st_mtime_ns)
    return snap


class Watcher:
    """What `frontlines watch` does each cycle, over one store and one loaded pipeline.

    `process` is the CLI's `process_into_store` (the same path as `frontlines run`); `report` prints a
    line (errors start with `error:`); `clock` gives naive UTC (tests move it to pass a back-off)."""

    def __init__(self, store, pipeline, *, process: Callable, folder: Path | None = None, sources: bool = False,
                 fetcher: Fetcher | None = None, report: Callable[[str], None] = print,
                 clock: Callable[[], datetime] = utcnow, stop: threading.Event | None = None):
        self.store, self.pipeline, self.process = store, pipeline, process
        self.feeds = Feeds(store)
        self.folder, self.sources = folder, sources
        self.fetcher = fetcher if fetcher is not None else (Fetcher() if sources else None)
        self.report, self.clock = report, clock
        self.stop = stop or threading.Event()
        self._snapshot: dict | None = None
        self.last: dict = {}  # the last cycle's counts

    def cycle(self) -> dict:
        """One cycle; returns counts (folder documents added, items stored, sources failed, ...)."""
        totals = {"folder_documents": 0, "items_stored": 0, "items_failed": 0, "disallowed": 0,
                  "not_modified": 0, "sources_failed": 0}
        if self.folder is not None and not self.stop.is_set():
            self._folder_cycle(totals)
        if self.sources:
            for source in self.feeds.due(self.clock()):
                if self.stop.is_set():
                    break
                try:
                    self._source_cycle(source, totals)
                except Exception as exc:  # noqa: BLE001 - one source's trouble never stops the others
                    self._source_failed(source, f"{type(exc).__name__}: {one_line(exc, 300)}", self.clock(), totals)
        self.last = totals
        return totals

    # ---------------------------------------------------------------- folder

    def _folder_cycle(self, totals: dict) -> None:
        snap = folder_snapshot(self.folder)
        if snap == self._snapshot:
            return
        try:
            res = self.process([str(self.folder)], self.store, self.pipeline, quiet=True)
        except Exception as exc:  # noqa: BLE001 - reported; the next cycle tries the folder again
            self.report(f"error: {self.folder}: {type(exc).__name__}: {one_line(exc, 300)}")
            return
        self._snapshot = snap
        totals["folder_documents"] += res["documents"]
        if res["documents"] or res["failures"]:
            self.report(f"{self.folder}: {res['documents']} documents added, {res['skipped']} unchanged, "
                        f"{res['failures']} failed")

    # ---------------------------------------------------------------- sources

    def _source_cycle(self, source: dict, totals: dict) -> None:
        name = source["name"]
        now = self.clock()
        try:
            listing, validators = self._listing(source)
        except FetchError as exc:
            self._source_failed(source, str(exc), now, totals)
            return
        if listing is None:
            totals["not_modified"] += 1
            return
        new = self._new_items(name, listing.items)
        docs: list[Document | IngestFailure] = []
        fetched: list[tuple[Item, Document | None, str, str | None]] = []  # item, doc, status, reason
        disallowed = 0
        for item in new:
            if self.stop.is_set():
                break
            doc, status, reason = self._page(name, listing, item)
            if status == "disallowed":
                disallowed += 1
                continue
            docs.append(doc if doc is not None else IngestFailure(item.url, reason or "failed"))
            fetched.append((item, doc, status, reason))
        if docs:
            self.process([source["url"]], self.store, self.pipeline, quiet=True, prepared=docs)
        now = self.clock()
        counts = {STORED: 0, FAILED: 0, ERROR: 0}
        for item, doc, status, reason in fetched:
            if doc is not None:
                if self.store.has_document(doc.id, doc.content_hash):
                    status, reason = STORED, None
                else:  # the pipeline or the store failed on it (reported and recorded by `process`)
                    status, reason = ERROR, "not stored (see `frontlines failures`)"
            self.feeds.record_item(item.url, name, guid=item.guid, status=status, now=now, reason=reason,
                                   content_hash=doc.content_hash if doc is not None else None,
                                   doc_id=doc.id if status == STORED else None)
            counts[status] += 1
        totals["items_stored"] += counts[STORED]
        totals["items_failed"] += counts[FAILED] + counts[ERROR]
        totals["disallowed"] += disallowed
        if counts[ERROR] or len(fetched) + disallowed < len(new):
            # items left to try (stopped early, transient failures): the next cycle must list them
            # again, so no validators are kept and its GET is unconditional
            validators = {"etag": None, "last_modified": None, "children": None}
        self.feeds.record_ok(name, self.clock(), **validators)
        self.report(f"{name}: {len(listing.items)} items, {len(new)} new: {counts[STORED]} stored, "
                    f"{counts[FAILED] + counts[ERROR]} failed, {disallowed} disallowed by robots.txt")

    def _source_failed(self, source: dict, reason: str, now: datetime, totals: dict) -> None:
        totals["sources_failed"] += 1
        failures = source["failures"] + 1
        retry_at = now + min(BACKOFF_FIRST * 2 ** (failures - 1), BACKOFF_MAX)
        self.feeds.record_failure(source["name"], now, reason, retry_at)
        self.report(f"error: source {source['name']} ({source['url']}): {reason}; "
                    f"failure {failures} in a row, tried again after {retry_at:%Y-%m-%d %H:%M:%S} UTC")

    def _listing(self, source: dict) -> tuple[Listing | None, dict]:
        """The source's items and the validators to keep once they are taken; (None, ...) when nothing
        changed (304), its validators then stored at once. A sitemap index's sitemaps are asked each
        cycle (conditional GETs), even when the index itself is unchanged."""
        f = self.fetcher
        r = f.get(source["url"], etag=source["etag"], last_modified=source["last_modified"])
        if r.status == 304:
            etag, last_modified = source["etag"], source["last_modified"]
            listing = Listing(kind="sitemapindex", children=list(source["children"])) if source["children"] else None
        else:
            etag, last_modified = r.headers.get("etag"), r.headers.get("last-modified")
            listing = parse_listing(r.body, r.url, source["kind"], f.max_bytes)
        children: dict[str, dict] = {}
        changed = r.status != 304
        for child in listing.children if listing is not None else []:  # one level: nested indexes not followed
            old = source["children"].get(child, {})
            cr = f.get(child, etag=old.get("etag"), last_modified=old.get("last_modified"))
            if cr.status == 304:
                children[child] = old
                continue
            changed = True
            children[child] = {"etag": cr.headers.get("etag"), "last_modified": cr.headers.get("last-modified")}
            listing.items.extend(parse_listing(cr.body, cr.url, "sitemap", f.max_bytes).items)
        validators = {"etag": etag, "last_modified": last_modified, "children": children}
        if not changed:
            self.feeds.record_ok(source["name"], self.clock(), **validators)
            return None, validators
        return listing, validators

    def _new_items(self, feed: str, items: list[Item]) -> list[Item]:
        unique: dict[str, Item] = {}
        for it in items:
            unique.setdefault(it.url, it)
        items = list(unique.values())
        done = self.feeds.done([i.url for i in items], [(feed, i.guid) for i in items])
        items = [i for i in items if i.url not in done]
        # stored by an earlier cycle that stopped before recording it (a crash): recorded now, not fetched
        stored = self.feeds.stored_documents([doc_id_for(feed, i.url) for i in items])
        now = self.clock()
        for i in items:
            chash = stored.get(doc_id_for(feed, i.url))
            if chash is not None:
                self.feeds.record_item(i.url, feed, guid=i.guid, status=STORED, now=now, content_hash=chash,
                                       doc_id=doc_id_for(feed, i.url))
        return [i for i in items if doc_id_for(feed, i.url) not in stored]

    def _page(self, feed: str, listing: Listing, item: Item) -> tuple[Document | None, str, str | None]:
        """(the article, status, reason): fetched, checked, extracted; status `disallowed` is not recorded."""
        from .ingest import document_from_html

        try:
            r = self.fetcher.get(item.url, robots=True)
        except Disallowed:
            return None, "disallowed", None
        except FetchError as exc:
            return None, ERROR if exc.transient else FAILED, str(exc)
        if r.content_type and r.content_type not in _HTML_TYPES:
            return None, FAILED, f"not an HTML page ({r.content_type})"
        doc = document_from_html(r.body, doc_id_for(feed, item.url), item.url, url=item.url, charset=r.charset)
        if isinstance(doc, IngestFailure):
            return None, FAILED, doc.reason
        # what the feed says fills what the page does not
        doc.title = doc.title or item.title
        doc.outlet = doc.outlet or listing.title or urlsplit(item.url).netloc
        if doc.published is None and item.published is not None:
            doc.published, doc.published_source, doc.published_confidence = item.published, "metadata", 1.0
        if item.author and "author" not in doc.extra:
            doc.extra["author"] = item.author
        doc.extra.update({"feed": feed, "fetched_url": item.url, **({"guid": item.guid} if item.guid else {})})
        return doc, STORED, None


def run_loop(watcher: Watcher, every: float, once: bool) -> int:
    """Cycles until Ctrl-C (or one, with `once`); the number of cycles run. The first Ctrl-C stops after
    the current item; a second one stops at once."""
    stop = watcher.stop
    previous = signal.getsignal(signal.SIGINT)

    def on_interrupt(signum, frame):
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        watcher.report("stopping after the current item (Ctrl-C again to stop now)")

    in_main = threading.current_thread() is threading.main_thread()
    if in_main:
        signal.signal(signal.SIGINT, on_interrupt)
    cycles = 0
    try:
        while not stop.is_set():
            watcher.cycle()
            cycles += 1
            if once:
                break
            stop.wait(every)
    finally:
        if in_main:
            signal.signal(signal.SIGINT, previous)
        if watcher.fetcher is not None:
            watcher.fetcher.close()
    return cycles
