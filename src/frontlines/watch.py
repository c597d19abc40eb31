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

Every request has a timeout and a size limit; redirects are followed (5 at most), each hop checked
against robots.txt for pages.
"""
from __future__ import annotations

import hashlib
import os
import re
import signal
import threading
import time
import urllib.robotparser
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

from . import __version__
from .models import Document, IngestFailure, one_line
from .store.feeds import ERROR, FAILED, STORED, Feeds
from .store.schema import utcnow

TIMEOUT_S = 20.0  # connect, read, write and pool, each
MAX_BYTES = 5 * 1024 * 1024  # one response (feed, sitemap, robots.txt or page), decompressed
MAX_REDIRECTS = 5
DEFAULT_DELAY_S = 2.0  # between two requests to one host
ROBOTS_TTL = timedelta(hours=24)  # RFC 9309: a cached robots.txt is not used longer than a day
BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=6)
_EVERY_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*$", re.I)
_HTML_TYPES = ("text/html", "application/xhtml+xml")


def user_agent() -> str:
    """`Frontlines/<version> (+URL)`: the URL tells a site's owner who is fetching (FRONTLINES_CONTACT_URL,
    else the project's home page from the package metadata); without one, just the name and version."""
    url = os.environ.get("FRONTLINES_CONTACT_URL")
    if not url:
        try:
            from importlib.metadata import metadata

            meta = metadata("frontlines")
            url = meta.get("Home-page") or next((v.split(",", 1)[1].strip() for v in meta.get_all("Project-URL") or []
                                                 if "," in v), None)
        except Exception:  # noqa: BLE001 - not installed (PYTHONPATH=src): no URL
            url = None
    return f"Frontlines/{__version__} (+{url})" if url else f"Frontlines/{__version__}"


def parse_every(value: str) -> float:
    """'30s', '10m', '1h' (or plain seconds) -> seconds; ValueError with the reason otherwise."""
    m = _EVERY_RE.match(value or "")
    if not m or float(m.group(1)) <= 0:
        raise ValueError(f"{value!r} is not an interval (use e.g. 30s, 10m or 1h)")
    return float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[m.group(2).lower()]


def normalise_url(url: str) -> str:
    """The key an item is known by: fragment dropped, then courlan's normalisation (scheme and host
    lower-cased, default port dropped, query sorted, tracking parameters such as utm_* removed)."""
    from courlan import normalize_url

    url = urldefrag(url.strip())[0]
    try:
        return normalize_url(url)
    except Exception:  # noqa: BLE001 - courlan refuses odd URLs; the URL itself is still a key
        return url


def doc_id_for(feed: str, url: str) -> str:
    """`<feed>/<last words of the URL's path>-<8 hex of the URL>`: readable, stable, unique per URL."""
    from .names import slug

    path = urlsplit(url).path.rstrip("/")
    tail = slug(path.rsplit("/", 1)[-1] or urlsplit(url).netloc)[:60]
    return f"{feed}/{tail}-{hashlib.sha1(url.encode('utf-8', 'backslashreplace')).hexdigest()[:8]}"


# --------------------------------------------------------------------------------------------
# Fetching: timeouts, a size limit, politeness per host, robots.txt
# --------------------------------------------------------------------------------------------


class FetchError(Exception):
    """A request that gave nothing usable; `transient`: worth trying again later."""

    def __init__(self, reason: str, transient: bool = True):
        super().__init__(reason)
        self.transient = transient


class Disallowed(FetchError):
    """robots.txt does not let us fetch the page."""

    def __init__(self):
        super().__init__("disallowed by robots.txt", transient=False)


@dataclass
class Response:
    url: str  # after redirects
    status: int
    body: bytes
    headers: dict[str, str]

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()

    @property
    def charset(self) -> str | None:
        m = re.search(r"charset\s*=\s*\"?([\w.:-]+)", self.headers.get("content-type", ""), re.I)
        return m.group(1) if m else None


class Fetcher:
    """HTTP GETs with our User-Agent, a timeout, a size limit and a delay between requests to one host."""

    def __init__(self, *, delay: float = DEFAULT_DELAY_S, max_bytes: int = MAX_BYTES, timeout: float = TIMEOUT_S,
                 sleep: Callable[[float], None] = time.sleep):
        import httpx

        self.agent = user_agent()
        self.delay, self.max_bytes = delay, max_bytes
        self._sleep = sleep
        self._client = httpx.Client(timeout=timeout, follow_redirects=False, headers={"User-Agent": self.agent})
        self._last: dict[str, float] = {}  # host -> time.monotonic() of its last request
        self._host_delay: dict[str, float] = {}  # host -> its robots.txt Crawl-delay, when longer
        self._robots: dict[str, tuple[datetime, urllib.robotparser.RobotFileParser | None]] = {}

    def close(self) -> None:
        self._client.close()

    def get(self, url: str, *, etag: str | None = None, last_modified: str | None = None,
            robots: bool = False) -> Response:
        """GET `url` (redirects followed; with `robots`, every hop must be allowed); FetchError on a
        network error, a timeout, an HTTP error (4xx for good, 5xx transient) or a body over the limit."""
        import httpx

        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        for _ in range(MAX_REDIRECTS + 1):
            if robots:
                ok = self.allowed(url)
                if ok is None:
                    raise FetchError("robots.txt could not be read; not fetched for now")
                if not ok:
                    raise Disallowed()
            self._polite(url)
            try:
                with self._client.stream("GET", url, headers=headers) as r:
                    if r.is_redirect and r.headers.get("location"):
                        url = urljoin(url, r.headers["location"])
                        continue
                    if r.status_code == 304:
                        return Response(str(r.url), 304, b"", dict(r.headers))
                    if r.status_code >= 400:
                        raise FetchError(f"HTTP {r.status_code} {r.reason_phrase}".strip(),
                                         transient=r.status_code >= 500 or r.status_code == 429)
                    body = self._read(r)
                    return Response(str(r.url), r.status_code, body, dict(r.headers))
            except httpx.TimeoutException:
                raise FetchError(f"timed out after {self._client.timeout.read:g} s") from None
            except httpx.HTTPError as exc:
                raise FetchError(f"network error ({type(exc).__name__}: {one_line(exc, 200)})") from None
        raise FetchError(f"more than {MAX_REDIRECTS} redirects", transient=False)

    def _read(self, r) -> bytes:
        declared = r.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            raise FetchError(f"response is {int(declared):,} bytes, over the {self.max_bytes:,}-byte limit", transient=False)
        buf = bytearray()
        for chunk in r.iter_bytes():  # decompressed by httpx; counted as it arrives
            buf += chunk
            if len(buf) > self.max_bytes:
                raise FetchError(f"response is over the {self.max_bytes:,}-byte limit", transient=False)
        return bytes(buf)

    def _polite(self, url: str) -> None:
        host = urlsplit(url).netloc.lower()
        wait = max(self.delay, self._host_delay.get(host, 0.0))
        last = self._last.get(host)
        if last is not None and wait > 0:
            left = wait - (time.monotonic() - last)
            if left > 0:
                self._sleep(left)
        self._last[host] = time.monotonic()

    def allowed(self, url: str) -> bool | None:
        """May our User-Agent fetch `url`? robots.txt read once a day per host (through this fetcher:
        same agent, timeout, size limit). None there (404 and other 4xx): everything allowed; 401/403:
        nothing; unreachable or 5xx: None, nothing for now (RFC 9309), asked again next time."""
        parts = urlsplit(url)
        host = f"{parts.scheme}://{parts.netloc}".lower()
        cached = self._robots.get(host)
        now = utcnow()
        if cached is None or now - cached[0] > ROBOTS_TTL:
            parser: urllib.robotparser.RobotFileParser | None = urllib.robotparser.RobotFileParser(host + "/robots.txt")
            try:
                r = self.get(host + "/robots.txt")
                parser.parse(r.body.decode("utf-8", "replace").splitlines())
            except FetchError as exc:
                status = re.match(r"HTTP (\d+)", str(exc))
                code = int(status.group(1)) if status else None
                if code in (401, 403):
                    parser.disallow_all = True
                elif code is not None and 400 <= code < 500:
                    parser.allow_all = True
                else:
                    return None  # not cached: asked again on the next item or cycle
            self._robots[host] = cached = (now, parser)
            delay = parser.crawl_delay(self.agent)
            if delay:
                self._host_delay[parts.netloc.lower()] = float(delay)
        return cached[1].can_fetch(self.agent, url)


# --------------------------------------------------------------------------------------------
# Reading feeds and sitemaps
# --------------------------------------------------------------------------------------------


@dataclass
class Item:
    url: str  # normalised
    guid: str = ""
    title: str | None = None
    published: date | None = None
    author: str | None = None


@dataclass
class Listing:
    kind: str  # rss | atom | sitemap | sitemapindex
    title: str | None = None
    items: list[Item] = field(default_factory=list)
    children: list[str] = field(default_factory=list)  # a sitemap index's sitemaps


def _xml_root(body: bytes):
    """The root element of an XML document, entities never resolved, nothing fetched; None if not XML."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)
    try:
        return etree.fromstring(body, parser)
    except (etree.XMLSyntaxError, ValueError):
        return None


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _ungzip(body: bytes, limit: int) -> bytes:
    if not body.startswith(b"\x1f\x8b"):
        return body
    try:
        out = zlib.decompressobj(wbits=31).decompress(body, limit + 1)
    except zlib.error as exc:
        raise FetchError(f"not a valid gzip file ({exc})", transient=False) from None
    if len(out) > limit:
        raise FetchError(f"sitemap is over the {limit:,}-byte limit once decompressed", transient=False)
    return out


def parse_listing(body: bytes, base_url: str, kind: str = "auto", limit: int = MAX_BYTES) -> Listing:
    """A feed's or a sitemap's items; FetchError (not transient) when it is neither."""
    body = _ungzip(body, limit)
    if kind in ("sitemap", "auto"):
        root = _xml_root(body)
        name = _local(root.tag) if root is not None else None
        if name in ("urlset", "sitemapindex"):
            return _sitemap(root, name, base_url)
        if kind == "sitemap":
            raise FetchError("not a sitemap (" + (f"root element <{name}>" if name else "not well-formed XML") + ")",
                             transient=False)
    return _feed(body, base_url)


def _sitemap(root, name: str, base_url: str) -> Listing:
    out = Listing(kind=name)
    for entry in root:
        if _local(entry.tag) not in ("url", "sitemap"):
            continue
        fields = {_local(c.tag): (c.text or "").strip() for c in entry}
        loc = fields.get("loc")
        if not loc:
            continue
        url = urljoin(base_url, loc)
        if name == "sitemapindex":
            out.children.append(url)
        else:
            from .dates import parse_metadata_date

            lastmod = fields.get("lastmod")
            out.items.append(Item(url=normalise_url(url), published=parse_metadata_date(lastmod) if lastmod else None))
    return out


def _feed(body: bytes, base_url: str) -> Listing:
    import feedparser

    parsed = feedparser.parse(body, response_headers={"content-location": base_url})
    if not parsed.get("version") and not parsed.entries:
        why = parsed.get("bozo_exception")
        raise FetchError("not an RSS/Atom feed or a sitemap" + (f" ({one_line(why, 200)})" if why else ""), transient=False)
    out = Listing(kind="atom" if str(parsed.get("version", "")).startswith("atom") else "rss",
                  title=(parsed.feed.get("title") or "").strip() or None)
    for e in parsed.entries:
        link = e.get("link") or (e.get("id") if str(e.get("id", "")).startswith(("http://", "https://")) else None)
        if not link:
            continue
        stamp = e.get("published_parsed") or e.get("updated_parsed")
        out.items.append(Item(url=normalise_url(urljoin(base_url, link)), guid=str(e.get("id") or ""),
                              title=(e.get("title") or "").strip() or None,
                              published=date(*stamp[:3]) if stamp else None,
                              author=(e.get("author") or "").strip() or None))
    return out


# --------------------------------------------------------------------------------------------
# The cycle
# --------------------------------------------------------------------------------------------


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
