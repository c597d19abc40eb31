"""Live sources (`frontlines sources`, `frontlines watch`) against a local HTTP server.

The server (http.server in a thread, port 0) serves an RSS feed, an Atom feed, a sitemap index with one
sitemap, a robots.txt that disallows /private/, and short made-up articles written for these tests. It
counts every request and answers conditional GETs (ETag, Last-Modified) with 304. The real pipeline and
a real SQLite store run behind it; the clock the back-off reads is moved by the test, never waited for.
"""
from __future__ import annotations

import json
import os
import signal
import threading
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from frontlines.cli import app, process_into_store
from frontlines.pipeline import Pipeline
from frontlines.store import Store
from frontlines.store.feeds import Feeds
from frontlines.fetch import FetchError, Fetcher
from frontlines.listings import parse_listing
from frontlines.watch import Watcher, parse_every, run_loop

runner = CliRunner()

# ------------------------------------------------------------------ made-up articles (written for these tests)

ARTICLES = {
    "/news/market-strike": dict(
        title="Air strikes hit a market in Maarat al-Numan", author="Lina Haddad", date="2019-03-03",
        paras=["Warplanes struck a crowded market in Maarat al-Numan in Idlib province on Sunday, killing seven "
               "civilians, local rescue workers said.",
               "The strikes destroyed several shops and a bakery. Residents said the aircraft came back twice in "
               "the afternoon, and that families had left the town for camps near the Turkish border.",
               "Rescue teams were still searching the rubble on Sunday evening, a volunteer told reporters."]),
    "/news/saraqib-clashes": dict(
        title="Fighting near Saraqib", author="Omar Khatib", date="2019-03-05",
        paras=["Fighters of Hayat Tahrir al-Sham clashed with Syrian government forces near Saraqib on Tuesday. "
               "Four fighters were killed, a monitoring group said.",
               "The fighting went on through the night around the village's eastern edge, residents said, and "
               "the main road to Aleppo stayed closed on Wednesday morning.",
               "Neither side announced any change in the front line after the clashes."]),
    "/world/daraa-protest": dict(
        title="Residents protest arrests in Daraa", author="Sami Nasser", date="2019-03-08",
        paras=["Hundreds of residents protested in Daraa city on Friday against a wave of arrests, witnesses said.",
               "The protesters marched through the old quarter, carrying banners with the names of detained "
               "relatives, and dispersed peacefully in the evening.",
               "Local officials did not comment on the arrests or on the demonstration."]),
    "/reports/jisr-shelling": dict(
        title="Shelling around Jisr al-Shughur", author="Rana Youssef", date="2019-03-10",
        paras=["Government artillery shelled villages around Jisr al-Shughur on Sunday, wounding five people, "
               "a local council said.",
               "Shells fell on farmland and on two houses at the edge of the town, the council said, and several "
               "families moved to relatives in nearby villages.",
               "The council asked aid groups for tents and medical supplies for the wounded."]),
    "/private/draft": dict(
        title="Draft: not for crawlers", author="Editor", date="2019-03-11",
        paras=["This draft page sits under a path that robots.txt disallows, so a polite crawler never asks for it. "
               "It describes nothing real and exists only to be left alone by the watcher in these tests."]),
    "/news/afrin-bomb": dict(
        title="Roadside bomb in Afrin", author="Lina Haddad", date="2019-03-12",
        paras=["A roadside bomb exploded in Afrin city on Tuesday, killing two civilians, a local hospital said.",
               "The blast hit a minibus near the city's main square. Nobody claimed responsibility for the attack.",
               "Shops in the area closed for the rest of the day, residents said."]),
}


def article_html(a: dict) -> bytes:
    paras = "".join(f"<p>{p}</p>" for p in a["paras"])
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{a['title']} | Levant Monitor</title>"
            f"<meta property='og:site_name' content='Levant Monitor'><meta name='author' content='{a['author']}'>"
            f"<meta property='article:published_time' content='{a['date']}T09:00:00+00:00'></head>"
            f"<body><nav><a href='/'>Home</a> <a href='/world'>World</a></nav><article><h1>{a['title']}</h1>"
            f"{paras}</article><footer>Levant Monitor</footer></body></html>").encode()


def rss(base: str, paths: list[str]) -> bytes:
    items = "".join(f"<item><title>{ARTICLES[p]['title']}</title><link>{base}{p}</link><guid>{base}{p}</guid>"
                    f"<pubDate>{format_datetime(datetime.fromisoformat(ARTICLES[p]['date'] + 'T09:00:00+00:00'))}</pubDate>"
                    "</item>" for p in paths)
    return (f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Levant Monitor</title>"
            f"<link>{base}/</link><description>News</description>{items}</channel></rss>").encode()


def atom(base: str, paths: list[str]) -> bytes:
    entries = "".join(f"<entry><title>{ARTICLES[p]['title']}</title><link href='{base}{p}'/>"
                      f"<id>urn:levant:{p.strip('/')}</id><updated>{ARTICLES[p]['date']}T09:00:00Z</updated>"
                      f"<author><name>{ARTICLES[p]['author']}</name></author></entry>" for p in paths)
    return (f"<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'><title>Levant Wire</title>"
            f"<id>urn:levant:wire</id><updated>2019-03-08T09:00:00Z</updated>{entries}</feed>").encode()


def sitemap_index(base: str) -> bytes:
    return (f"<?xml version='1.0' encoding='UTF-8'?><sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
            f"<sitemap><loc>{base}/sitemap-reports.xml</loc></sitemap></sitemapindex>").encode()


def sitemap(base: str, paths: list[str]) -> bytes:
    urls = "".join(f"<url><loc>{base}{p}</loc><lastmod>{ARTICLES[p]['date']}</lastmod></url>" for p in paths)
    return (f"<?xml version='1.0' encoding='UTF-8'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
            f"{urls}</urlset>").encode()


# ------------------------------------------------------------------ the server


class Site:
    """Routes (path -> status, body, headers), every request seen (path, headers), and a hook per path."""

    def __init__(self):
        self.routes: dict[str, dict] = {}
        self.hits: list[tuple[str, dict]] = []
        self.on_request: dict[str, callable] = {}
        self._version = 0
        self.lock = threading.Lock()

    def put(self, path: str, body: bytes, ctype: str, *, etag: bool = True, status: int = 200) -> None:
        with self.lock:
            self._version += 1
            r = {"status": status, "body": body, "ctype": ctype}
            if etag:
                r["etag"] = f'"v{self._version}"'
            else:
                r["last_modified"] = format_datetime(datetime(2019, 3, 1, tzinfo=timezone.utc) + timedelta(hours=self._version), usegmt=True)
            self.routes[path] = r

    def count(self, path: str) -> int:
        return sum(1 for p, _ in self.hits if p == path)

    def handler(site):  # noqa: N805 - the handler class closes over the site
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                path = self.path.split("?", 1)[0]
                site.hits.append((path, {k.lower(): v for k, v in self.headers.items()}))
                if path in site.on_request:
                    site.on_request[path]()
                r = site.routes.get(path)
                if r is None:
                    return self._send(404, b"not found", "text/plain")
                if r["status"] != 200:
                    return self._send(r["status"], b"server trouble", "text/plain")
                if r.get("etag") and self.headers.get("If-None-Match") == r["etag"]:
                    return self._send(304, b"", None, r)
                if r.get("last_modified") and self.headers.get("If-Modified-Since") == r["last_modified"]:
                    return self._send(304, b"", None, r)
                self._send(200, r["body"], r["ctype"], r)

            def _send(self, status, body, ctype, r=None):
                self.send_response(status)
                if ctype:
                    self.send_header("Content-Type", ctype)
                for key, header in (("etag", "ETag"), ("last_modified", "Last-Modified")):
                    if r and r.get(key):
                        self.send_header(header, r[key])
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if status != 304:
                    self.wfile.write(body)

            def log_message(self, *args):  # quiet
                pass

        return Handler


@pytest.fixture
def site():
    s = Site()
    server = ThreadingHTTPServer(("127.0.0.1", 0), s.handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    s.base = f"http://127.0.0.1:{server.server_address[1]}"
    s.put("/robots.txt", b"User-agent: *\nDisallow: /private/\n", "text/plain")
    for path, a in ARTICLES.items():
        s.put(path, article_html(a), "text/html; charset=utf-8")
    yield s
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def pipeline():
    return Pipeline("syria")


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def page_hits(site: Site) -> dict[str, int]:
    return {p: site.count(p) for p in ARTICLES}


# ------------------------------------------------------------------ tests


def test_watch_sources_stores_new_items_once_and_picks_up_a_new_one(site: Site, tmp_path: Path):
    base, db = site.base, str(tmp_path / "w.db")
    site.put("/feed.rss", rss(base, ["/news/market-strike", "/news/saraqib-clashes"]), "application/rss+xml")
    site.put("/atom.xml", atom(base, ["/world/daraa-protest"]), "application/atom+xml", etag=False)
    site.put("/sitemap.xml", sitemap_index(base), "application/xml")
    site.put("/sitemap-reports.xml", sitemap(base, ["/reports/jisr-shelling", "/private/draft"]), "application/xml")
    for args in (("levant", f"{base}/feed.rss", "--kind", "rss"), ("wire", f"{base}/atom.xml"),
                 ("reports", f"{base}/sitemap.xml", "--kind", "sitemap")):
        res = invoke("sources", "add", *args, "--db", db)
        assert res.exit_code == 0, res.output

    res = invoke("watch", "--sources", "--once", "--delay", "0", "--db", db)
    assert res.exit_code == 0, res.output
    assert "levant: 2 items, 2 new: 2 stored" in res.stdout, res.stderr
    assert "reports: 2 items, 2 new: 1 stored, 0 failed, 1 disallowed by robots.txt" in res.stdout
    store = Store(db)
    docs = {d["url"]: d for d in store.documents()}
    stored = {f"{base}{p}" for p in ("/news/market-strike", "/news/saraqib-clashes", "/world/daraa-protest",
                                     "/reports/jisr-shelling")}
    assert set(docs) == stored
    assert site.count("/private/draft") == 0  # disallowed: never asked for
    assert page_hits(site) == {p: 0 if p in ("/private/draft", "/news/afrin-bomb") else 1 for p in ARTICLES}
    assert site.count("/robots.txt") == 1  # read once for the host
    # the article's metadata came through trafilatura; the text through the whole pipeline
    strike = store.document(docs[f"{base}/news/market-strike"]["id"])
    assert strike["title"].startswith("Air strikes hit a market in Maarat al-Numan")
    assert strike["published"] == "2019-03-03" and strike["outlet"] == "Levant Monitor"
    assert strike["extra"]["author"] == "Lina Haddad" and strike["extra"]["feed"] == "levant"
    assert strike["id"].startswith("levant/market-strike-")
    coded = {(e["sub_event_type"], e["location"]) for e in store.events()}
    assert {("Armed clash", "Saraqib"), ("Shelling/artillery/missile attack", "Jisr al-Shughur")} <= coded
    items = Feeds(store).items()
    assert {i["url"] for i in items if i["status"] == "stored"} == stored
    # our User-Agent on every request
    assert all(h["user-agent"].startswith("Frontlines/") for _, h in site.hits)

    # second cycle: every listing answers 304 to a conditional GET; no page is fetched again
    n_hits = len(site.hits)
    res = invoke("watch", "--sources", "--once", "--delay", "0", "--db", db)
    assert res.exit_code == 0, res.output
    listing_hits = site.hits[n_hits:]
    assert sorted(p for p, _ in listing_hits) == ["/atom.xml", "/feed.rss", "/sitemap-reports.xml", "/sitemap.xml"]
    assert {p: ("if-none-match" in h or "if-modified-since" in h) for p, h in listing_hits} == {
        "/atom.xml": True, "/feed.rss": True, "/sitemap-reports.xml": True, "/sitemap.xml": True}
    assert "if-modified-since" in dict(listing_hits)["/atom.xml"]  # the Atom feed has only Last-Modified
    assert page_hits(site)["/news/market-strike"] == 1

    # a new item in the feed: the next cycle fetches exactly that page
    site.put("/feed.rss", rss(base, ["/news/afrin-bomb", "/news/market-strike", "/news/saraqib-clashes"]),
             "application/rss+xml")
    res = invoke("watch", "--sources", "--once", "--delay", "0", "--db", db)
    assert "levant: 3 items, 1 new: 1 stored" in res.stdout
    assert page_hits(site) == {p: 0 if p == "/private/draft" else 1 for p in ARTICLES}
    assert f"{base}/news/afrin-bomb" in {d["url"] for d in Store(db).documents()}
    assert len(Store(db).documents()) == 5

    # the sources and their state
    res = invoke("sources", "list", "--json", "--db", db)
    listed = {r["name"]: r for r in json.loads(res.stdout)}
    assert listed["levant"]["stored_items"] == 3 and listed["levant"]["etag"]
    assert listed["wire"]["last_modified"] and listed["wire"]["kind"] == "auto"
    assert listed["reports"]["children"] == {f"{base}/sitemap-reports.xml": {"etag": site.routes["/sitemap-reports.xml"]["etag"],
                                                                             "last_modified": None}}
    assert all(r["failures"] == 0 and r["last_error"] is None for r in listed.values())

    # one cycle with a failing source: reported, and the exit status says so
    site.put("/feed.rss", b"", "text/plain", status=500)
    res = invoke("watch", "--sources", "--once", "--delay", "0", "--db", db)
    assert res.exit_code == 1
    assert res.stderr.startswith(f"error: source levant ({base}/feed.rss): HTTP 500")


def test_a_failing_source_is_reported_backed_off_and_recovers(site: Site, tmp_path: Path, pipeline):
    base = site.base
    store = Store(tmp_path / "f.db")
    feeds = Feeds(store)
    feeds.add("broken", f"{base}/broken.rss", "rss")
    feeds.add("garbled", f"{base}/garbled.xml")
    feeds.add("wire", f"{base}/atom.xml", "atom")
    site.put("/broken.rss", b"", "text/plain", status=500)
    site.put("/garbled.xml", b"<html><body>this is not a feed", "text/html")
    site.put("/atom.xml", atom(base, ["/world/daraa-protest"]), "application/atom+xml")
    now = [datetime(2026, 1, 1, 12, 0, 0)]
    lines: list[str] = []
    watcher = Watcher(store, pipeline, process=process_into_store, sources=True, fetcher=Fetcher(delay=0),
                      report=lines.append, clock=lambda: now[0])

    totals = watcher.cycle()
    errors = [ln for ln in lines if ln.startswith("error:")]
    assert len(errors) == 2 and totals["sources_failed"] == 2
    assert errors[0].startswith(f"error: source broken ({base}/broken.rss): HTTP 500")
    assert errors[1].startswith(f"error: source garbled ({base}/garbled.xml): not an RSS/Atom feed or a sitemap")
    assert totals["items_stored"] == 1  # the other source went on
    state = feeds.get("broken")
    assert state["failures"] == 1 and state["last_error"].startswith("HTTP 500") and state["retry_at"]

    # before the back-off ends, the source is not asked at all
    asked = site.count("/broken.rss")
    now[0] += timedelta(seconds=30)
    watcher.cycle()
    assert site.count("/broken.rss") == asked

    # after it, it is; still failing: the back-off doubles
    now[0] += timedelta(minutes=1)
    watcher.cycle()
    assert site.count("/broken.rss") == asked + 1
    state = feeds.get("broken")
    assert state["failures"] == 2
    assert datetime.fromisoformat(state["retry_at"]).replace(tzinfo=None) - now[0] == timedelta(minutes=2)

    # the source recovers
    site.put("/broken.rss", rss(base, ["/news/saraqib-clashes"]), "application/rss+xml")
    now[0] += timedelta(minutes=3)
    lines.clear()
    totals = watcher.cycle()
    assert totals["items_stored"] == 1 and not any(ln.startswith("error: source broken") for ln in lines)
    state = feeds.get("broken")
    assert state["failures"] == 0 and state["last_error"] is None and state["retry_at"] is None
    assert f"{base}/news/saraqib-clashes" in {d["url"] for d in store.documents()}


def test_pages_that_fail_are_reported_and_not_fetched_forever(site: Site, tmp_path: Path, pipeline):
    base = site.base
    store = Store(tmp_path / "p.db")
    Feeds(store).add("levant", f"{base}/feed.rss")
    site.put("/feed.rss", rss(base, ["/news/market-strike", "/news/saraqib-clashes"]), "application/rss+xml")
    site.put("/news/market-strike", b"<html>" + b"x" * 5000 + b"</html>", "text/html")  # over the limit below
    site.put("/news/saraqib-clashes", b"", "text/plain", status=503)
    lines: list[str] = []
    watcher = Watcher(store, pipeline, process=process_into_store, sources=True,
                      fetcher=Fetcher(delay=0, max_bytes=4000), report=lines.append)
    watcher.cycle()
    items = {i["url"].rsplit("/", 1)[1]: i for i in Feeds(store).items()}
    assert items["market-strike"]["status"] == "failed"
    assert items["market-strike"]["reason"] == "response is 5,013 bytes, over the 4,000-byte limit"
    assert items["saraqib-clashes"]["status"] == "error" and items["saraqib-clashes"]["reason"].startswith("HTTP 503")
    failures = {f["path"]: f["reason"] for f in store.failures()}
    assert failures[f"{base}/news/market-strike"] == "response is 5,013 bytes, over the 4,000-byte limit"
    # a transient failure is tried again (the feed is asked without validators, so it lists it again) ...
    watcher.cycle()
    assert site.count("/news/saraqib-clashes") == 2 and site.count("/news/market-strike") == 1
    # ... and recovers
    site.put("/news/saraqib-clashes", article_html(ARTICLES["/news/saraqib-clashes"]), "text/html")
    watcher.cycle()
    assert {i["url"].rsplit("/", 1)[1]: i["status"] for i in Feeds(store).items()} == {
        "market-strike": "failed", "saraqib-clashes": "stored"}
    watcher.cycle()
    assert site.count("/news/saraqib-clashes") == 3 and site.count("/news/market-strike") == 1


def test_ctrl_c_stops_between_items_and_the_rest_come_next_time(site: Site, tmp_path: Path, pipeline):
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("a real SIGINT is handled by the main thread only")
    base = site.base
    store = Store(tmp_path / "c.db")
    Feeds(store).add("levant", f"{base}/feed.rss")
    paths = ["/news/market-strike", "/news/saraqib-clashes", "/news/afrin-bomb"]
    site.put("/feed.rss", rss(base, paths), "application/rss+xml")
    site.on_request[paths[0]] = lambda: os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C while the first page loads
    lines: list[str] = []
    watcher = Watcher(store, pipeline, process=process_into_store, sources=True, fetcher=Fetcher(delay=0),
                      report=lines.append)
    assert run_loop(watcher, every=3600, once=False) == 1  # one cycle, cut short: no waiting for the next
    assert "stopping after the current item (Ctrl-C again to stop now)" in lines
    assert [site.count(p) for p in paths] == [1, 0, 0]
    assert [i["status"] for i in Feeds(store).items()] == ["stored"]  # the page in hand was finished
    del site.on_request[paths[0]]
    watcher = Watcher(store, pipeline, process=process_into_store, sources=True, fetcher=Fetcher(delay=0),
                      report=lines.append)
    assert run_loop(watcher, every=3600, once=True) == 1
    assert [site.count(p) for p in paths] == [1, 1, 1]
    assert len(Feeds(store).items()) == 3


def test_folder_mode_picks_up_a_new_file_once(tmp_path: Path, pipeline):
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "strike.txt").write_text(" ".join(ARTICLES["/news/market-strike"]["paras"]), encoding="utf-8")
    store = Store(tmp_path / "d.db")
    watcher = Watcher(store, pipeline, process=process_into_store, folder=folder, report=lambda line: None)
    assert watcher.cycle()["folder_documents"] == 1
    assert watcher.cycle()["folder_documents"] == 0 and len(store.runs()) == 1  # nothing changed: no run at all
    (folder / "bomb.txt").write_text(" ".join(ARTICLES["/news/afrin-bomb"]["paras"]), encoding="utf-8")
    assert watcher.cycle()["folder_documents"] == 1
    assert watcher.cycle()["folder_documents"] == 0
    assert sorted(d["id"] for d in store.documents()) == ["bomb", "strike"]
    # through the command: --once, nothing new for this store
    res = invoke("watch", str(folder), "--once", "--db", str(tmp_path / "d.db"))
    assert res.exit_code == 0, res.output
    assert len(Store(tmp_path / "d.db").documents()) == 2


def test_sources_commands_check_their_input(tmp_path: Path):
    db = str(tmp_path / "s.db")
    assert invoke("sources", "add", "levant", "https://example.org/feed.xml", "--db", db).exit_code == 0
    res = invoke("sources", "add", "levant", "https://example.org/other.xml", "--db", db)
    assert res.exit_code == 2 and "a source named 'levant' exists already" in res.stderr
    res = invoke("sources", "add", "other", "ftp://example.org/feed.xml", "--db", db)
    assert res.exit_code == 2 and "is not an http(s) URL" in res.stderr
    res = invoke("sources", "add", "other", "https://example.org/f.xml", "--kind", "json", "--db", db)
    assert res.exit_code == 2 and "unknown kind 'json'" in res.stderr
    res = invoke("sources", "add", "no/slash", "https://example.org/f.xml", "--db", db)
    assert res.exit_code == 2 and "letters, digits" in res.stderr
    assert "levant" in invoke("sources", "list", "--db", db).stdout
    assert invoke("sources", "remove", "levant", "--db", db).exit_code == 0
    res = invoke("sources", "remove", "levant", "--db", db)
    assert res.exit_code == 2 and "no source named 'levant'" in res.stderr
    res = invoke("watch", "--once", "--db", db)
    assert res.exit_code == 2 and "name a FOLDER, or give --sources" in res.stderr
    res = invoke("watch", "--sources", "--every", "soon", "--db", db)
    assert res.exit_code == 2 and "'soon' is not an interval" in res.stderr


def test_parse_every():
    assert [parse_every(v) for v in ("30s", "10m", "1h", "45", "1.5h")] == [30, 600, 3600, 45, 5400]
    for bad in ("", "0s", "-5m", "10 minutes", "h"):
        with pytest.raises(ValueError):
            parse_every(bad)


def test_a_crash_after_storing_fetches_nothing_again(site: Site, tmp_path: Path, pipeline):
    """Documents stored, the cycle killed before it recorded the items: the next cycle records them
    from the store and fetches no page again."""
    base = site.base
    store = Store(tmp_path / "k.db")
    feeds = Feeds(store)
    feeds.add("levant", f"{base}/feed.rss")
    site.put("/feed.rss", rss(base, ["/news/market-strike", "/news/saraqib-clashes"]), "application/rss+xml")
    watcher = Watcher(store, pipeline, process=process_into_store, sources=True, fetcher=Fetcher(delay=0),
                      report=lambda line: None)
    watcher.cycle()
    from sqlalchemy import delete, update

    from frontlines.store.feeds import FeedRow, FetchedItemRow

    with store._tx() as s:  # the state a kill between storing and recording leaves behind
        s.execute(delete(FetchedItemRow))
        s.execute(update(FeedRow).values(etag=None, last_modified=None))
    watcher.cycle()
    assert page_hits(site)["/news/market-strike"] == 1 and page_hits(site)["/news/saraqib-clashes"] == 1
    assert sorted(i["status"] for i in feeds.items()) == ["stored", "stored"]


def test_politeness_delay_per_host_and_robots_crawl_delay(site: Site):
    waits: list[float] = []
    fetcher = Fetcher(delay=5, sleep=waits.append)
    fetcher.get(f"{site.base}/robots.txt")
    fetcher.get(f"{site.base}/news/market-strike")
    assert len(waits) == 1 and 0 < waits[0] <= 5  # the second request to the host waited
    fetcher.get(site.base.replace("127.0.0.1", "localhost") + "/robots.txt")
    assert len(waits) == 1  # another host: no wait
    site.put("/robots.txt", b"User-agent: *\nCrawl-delay: 30\nDisallow: /private/\n", "text/plain")
    slow = Fetcher(delay=0, sleep=waits.append)
    assert slow.allowed(f"{site.base}/news/afrin-bomb") is True
    assert slow.allowed(f"{site.base}/private/draft") is False
    slow.get(f"{site.base}/news/afrin-bomb", robots=True)
    assert len(waits) == 2 and 5 < waits[1] <= 30  # robots.txt asks for more than our delay: it wins


def test_sitemaps_gzipped_and_entity_bombs_refused():
    import gzip

    base = "https://example.org"
    listing = parse_listing(gzip.compress(sitemap(base, ["/news/market-strike"])), f"{base}/sitemap.xml.gz")
    assert [i.url for i in listing.items] == [f"{base}/news/market-strike"]
    assert listing.items[0].published.isoformat() == "2019-03-03"
    bomb = (b"<?xml version='1.0'?><!DOCTYPE urlset [<!ENTITY a 'aaaaaaaaaa'>"
            + b"".join(b"<!ENTITY %s '%s'>" % (bytes([98 + i]), (b"&%s;" % bytes([97 + i])) * 10) for i in range(8))
            + b"]><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'><url><loc>https://example.org/&i;</loc></url></urlset>")
    with pytest.raises(FetchError, match="not an RSS/Atom feed or a sitemap"):  # refused, never expanded (10**9 characters)
        parse_listing(bomb, f"{base}/sitemap.xml")
    with pytest.raises(FetchError, match="not a sitemap"):
        parse_listing(b"<rss><channel></channel></rss>", f"{base}/sitemap.xml", "sitemap")


def test_robots_missing_allows_everything_and_unreachable_allows_nothing_for_now(site: Site):
    del site.routes["/robots.txt"]  # 404: no rules
    assert Fetcher(delay=0).allowed(f"{site.base}/private/draft") is True
    site.put("/robots.txt", b"", "text/plain", status=503)  # the rules cannot be read: ask again later
    fetcher = Fetcher(delay=0)
    with pytest.raises(FetchError, match="robots.txt could not be read") as caught:
        fetcher.get(f"{site.base}/news/market-strike", robots=True)
    assert caught.value.transient and site.count("/news/market-strike") == 0
    site.put("/robots.txt", b"User-agent: Frontlines\nDisallow: /\n", "text/plain")  # rules for our agent by name
    assert fetcher.allowed(f"{site.base}/news/market-strike") is False
