"""HTTP for live sources: GETs with our User-Agent, a timeout, a size limit, a politeness delay per host
and robots.txt (`urllib.robotparser`, cached a day per host).

Redirects are followed by hand (5 at most) so that, for pages, every hop is checked against robots.txt.
"""
from __future__ import annotations

import os
import re
import time
import urllib.robotparser
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urljoin, urlsplit

from . import __version__
from .models import one_line
from .store.schema import utcnow

TIMEOUT_S = 20.0  # connect, read, write and pool, each
MAX_BYTES = 5 * 1024 * 1024  # one response (feed, sitemap, robots.txt or page), decompressed
MAX_REDIRECTS = 5
DEFAULT_DELAY_S = 2.0  # between two requests to one host
ROBOTS_TTL = timedelta(hours=24)  # RFC 9309: a cached robots.txt is not used longer than a day


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


class FetchError(Exception):
    """A request that gave nothing usable; `transient`: worth trying again later."""

    def __init__(self, reason: str, transient: bool = True, status: int | None = None):
        super().__init__(reason)
        self.transient, self.status = transient, status  # status: the HTTP status of an HTTP error


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
        self._robots: dict[str, tuple[datetime, urllib.robotparser.RobotFileParser]] = {}

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
                                         transient=r.status_code >= 500 or r.status_code == 429, status=r.status_code)
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
        nothing; unreachable, 429 or 5xx: None, nothing for now (RFC 9309), asked again next time."""
        parts = urlsplit(url)
        host = f"{parts.scheme}://{parts.netloc}".lower()
        cached = self._robots.get(host)
        now = utcnow()
        if cached is None or now - cached[0] > ROBOTS_TTL:
            parser = urllib.robotparser.RobotFileParser(host + "/robots.txt")
            try:
                r = self.get(host + "/robots.txt")
                parser.parse(r.body.decode("utf-8", "replace").splitlines())
            except FetchError as exc:
                if exc.status in (401, 403):
                    parser.disallow_all = True
                elif exc.status is not None and 400 <= exc.status < 500 and exc.status != 429:
                    parser.allow_all = True
                else:
                    return None  # not cached: asked again on the next item or cycle
            self._robots[host] = cached = (now, parser)
            delay = parser.crawl_delay(self.agent)
            if delay:
                self._host_delay[parts.netloc.lower()] = float(delay)
        return cached[1].can_fetch(self.agent, url)
