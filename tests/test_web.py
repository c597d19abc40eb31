"""The workbench end to end in headless Chromium (Debian's /usr/bin/chromium driven by Playwright).

One seeded store (the seeds, one demo record and an injection document), one uvicorn server and one
browser for the whole module; the tests run in order (look -> zoom -> brush -> reload -> open ->
refused edit -> edit with a token -> re-run keeps it -> reject with a note -> audit), like an
analyst's session. Every request the page makes is recorded: none may leave the app's origin.
"""
from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import shutil
import socket
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import pytest
from sqlalchemy import update

from shared_paths import SEEDS

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo" / "fakes_idlib.jsonl"

playwright_sync = pytest.importorskip("playwright.sync_api")

CHROMIUM = os.environ.get("FRONTLINES_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ROOT = Path(__file__).resolve().parents[1]
SCREENSHOT = ROOT / "out" / "workbench.png"

if not Path(CHROMIUM).exists():  # pragma: no cover - .ci/run installs it
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)

INJECTION = {
    "id": "inj-001",
    "title": "Clashes <img src=x onerror=\"window.__pwned='title'\"> in Sarmada",
    "url": "javascript:window.__pwned='url'",
    "outlet": "Test Wire <b>bold</b>",
    "date": "2019-03-12",
    "text": (
        "SARMADA, Syria (March 12, 2019) - Hayat Tahrir al-Sham fighters clashed with Hurras al-Din in Sarmada "
        "on Tuesday, killing three fighters <script>window.__pwned='script'</script>, activists said.\n\n"
        "A second report <img src=x onerror=\"window.__pwned='img'\"> said the fighting "
        "<svg onload=\"window.__pwned='svg'\"></svg> continued overnight.\n\n"
        "Share this article: Facebook Twitter <a href=\"javascript:window.__pwned='link'\">click</a>"
    ),
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fixture_inputs(tmp: Path) -> list[Path]:
    """The store's inputs: the seeds, an injection document, and one demo record whose event is known
    only to the country ("a bomb attack in northwest Syria")."""
    inj = tmp / "injection.jsonl"
    inj.write_text(json.dumps(INJECTION) + "\n", encoding="utf-8")
    demo = tmp / "demo-one.jsonl"
    demo.write_text(next(line for line in DEMO.read_text(encoding="utf-8").splitlines()
                         if '"fakes-1965511106"' in line) + "\n", encoding="utf-8")
    return [SEEDS, inj, demo]


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    from frontlines.cli import process_into_store
    from frontlines.pipeline import Pipeline
    from frontlines.store import Store

    tmp = tmp_path_factory.mktemp("web")
    store = Store(tmp / "workbench.db")
    pipeline = Pipeline("syria")
    for f in fixture_inputs(tmp):
        process_into_store([str(f)], store, pipeline, quiet=True)
    token = store.create_token("e2e-reviewer")
    with serve(store) as env:
        yield {**env, "store": store, "pipeline": pipeline, "token": token, "process": process_into_store}
    store.close()


@contextlib.contextmanager
def serve(store):
    """The app over `store` in a uvicorn thread, and a 1440×900 Chromium page that records its requests."""
    import uvicorn

    from frontlines.server import create_app

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(store=store), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not server.started:
        assert time.time() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    pw = playwright_sync.sync_playwright().start()
    browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    dialogs: list[str] = []
    errors: list[str] = []
    requests: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("request", lambda r: requests.append(r.url))
    try:
        yield {"page": page, "url": f"http://127.0.0.1:{port}/", "dialogs": dialogs, "errors": errors, "requests": requests}
    finally:
        browser.close()
        pw.stop()
        server.should_exit = True
        thread.join(timeout=10)


def _settle(page):
    """Wait until the app is loaded and no request it tracks is under way."""
    page.wait_for_selector("body[data-ready='1']", timeout=30000)
    page.wait_for_function("() => document.body.dataset.pending === '0'", timeout=30000)


def _open(env, query: str = ""):
    page = env["page"]
    page.goto(env["url"] + query)
    _settle(page)
    return page


def _brush(page, since: str, until_exclusive: str):
    x0 = page.evaluate("d => frontlines.timeline.clientX(d)", since)
    x1 = page.evaluate("d => frontlines.timeline.clientX(d)", until_exclusive)
    box = page.locator("#timeline svg").bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(x0, y)
    page.mouse.down()
    page.mouse.move((x0 + x1) / 2, y, steps=4)
    page.mouse.move(x1, y, steps=4)
    page.mouse.up()
    _settle(page)


def _table(page) -> list[dict]:
    return page.evaluate("""() => [...document.querySelectorAll('#events-table tbody tr')].map(tr => {
        const c = [...tr.cells].map(td => td.textContent);
        return {id: tr.dataset.eventId, date: c[0], location: c[5], admin1: c[6], fatalities: c[7]};
    })""")


def _symbols(page) -> list[dict]:
    """Every event symbol on the map: its screen box, and what it stands for."""
    return page.evaluate("""() => [...document.querySelectorAll('#map .cluster, #map path.marker')].map(el => {
        const r = el.getBoundingClientRect();
        return {kind: el.classList.contains('cluster') ? 'cluster' : 'marker', count: Number(el.dataset.count || 1),
                id: el.dataset.eventId || null, lat: Number(el.dataset.lat), lon: Number(el.dataset.lon),
                x: r.left + r.width / 2, y: r.top + r.height / 2, w: r.width, h: r.height};
    })""")


def _units(page) -> int:
    return page.evaluate("""() => Number(document.querySelector('#unit-box .country-count').dataset.count)
        + [...document.querySelectorAll('#unit-box .unit')].reduce((n, u) => n + Number(u.dataset.count), 0)""")


def _total(page, sel: str) -> int:
    return int(page.get_attribute(sel, "data-total"))


def test_main_view_has_clusters_in_idlib_and_stays_offline(env):
    page = _open(env)
    # event symbols (clusters or single events) whose centre lies on the Idleb governorate polygon
    hits = page.evaluate("""() => {
        const out = [];
        for (const m of document.querySelectorAll('#map .cluster, #map path.marker')) {
            const r = m.getBoundingClientRect();
            const x = r.left + r.width / 2, y = r.top + r.height / 2;
            const gov = document.elementsFromPoint(x, y).find(el => el.classList && el.classList.contains('gov'));
            out.push(gov ? gov.dataset.name : null);
        }
        return out;
    }""")
    assert "Idleb" in hits, hits
    assert page.locator("#map .cluster").count() > 0
    assert page.locator("#map path.gov").count() == 14
    assert page.locator("#map .gov-label").count() == 14
    assert page.locator("#map .place-label").count() > 5  # the biggest places, from /api/places
    assert page.locator("#map path.country-nb").count() > 2  # neighbouring countries (world-atlas)
    assert page.locator("#timeline rect.bar").count() > 0
    assert int(page.get_attribute("#network", "data-nodes")) > 2
    assert page.locator("#network canvas").count() > 0  # drawn by cytoscape
    assert page.locator("#events-table tbody tr").count() > 10
    assert page.text_content("#table-count").startswith("1–")
    # the legend is collapsed (it does not hide the map) and opens
    assert page.locator("#map-legend[open]").count() == 0
    page.click("#map-legend summary")
    assert page.locator("#map-legend .legend-body").is_visible()
    page.click("#map-legend summary")
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 20000
    origin = env["url"].rstrip("/")
    assert env["requests"] and all(u.startswith(origin + "/") or u.startswith("data:") for u in env["requests"]), \
        [u for u in env["requests"] if not u.startswith(origin)]
    assert not env["errors"], env["errors"]  # no page errors, no CSP refusals


def test_zoom_keeps_symbols_and_labels_the_same_size_on_screen(env):
    page = _open(env)
    measure = """() => {
        const box = el => { const r = el.getBoundingClientRect(); return [r.width, r.height]; };
        const out = {gov: {}, place: {}, marker: {}, cluster: {}};
        for (const el of document.querySelectorAll('#map .gov-label span')) out.gov[el.dataset.name] = box(el);
        for (const el of document.querySelectorAll('#map .place-label span:not(.clutter)')) out.place[el.dataset.placeId] = box(el);
        for (const el of document.querySelectorAll('#map path.marker')) out.marker[el.dataset.eventId] = box(el);
        for (const el of document.querySelectorAll('#map .cluster')) (out.cluster[el.dataset.count] ||= []).push(box(el));
        return out;
    }"""

    def same(a, b):
        return abs(a[0] - b[0]) < 0.6 and abs(a[1] - b[1]) < 0.6

    def zoom_to(z):
        page.evaluate("z => frontlines.map.map.setView([35.9, 36.6], z, {animate: false})", z)
        _settle(page)
        assert float(page.get_attribute("#map", "data-zoom")) == z
        return page.evaluate(measure)

    z0 = float(page.get_attribute("#map", "data-zoom"))
    # half a zoom step that the server rounds to the same grid: the same clusters, at 1.41x the scale
    half = z0 + 0.5 if round(z0 + 0.5 + 1e-9) == round(z0 + 1e-9) else z0 - 0.5
    page.evaluate("() => frontlines.map.map.setView([35.9, 36.6], frontlines.map.map.getZoom(), {animate: false})")
    _settle(page)
    first = page.evaluate(measure)
    second = zoom_to(half)
    kept = [c for c in first["cluster"] if c in second["cluster"]]
    assert kept, "no cluster at both scales"
    for c in kept:
        sizes = first["cluster"][c] + second["cluster"][c]
        assert all(same(sizes[0], s) for s in sizes), (c, sizes)
    before = zoom_to(z0)
    after = zoom_to(z0 + 2)
    assert same(before["gov"]["Idleb"], after["gov"]["Idleb"]), (before["gov"]["Idleb"], after["gov"]["Idleb"])
    shared = [k for k in before["place"] if k in after["place"]]
    assert shared and all(same(before["place"][k], after["place"][k]) for k in shared)
    shared = [k for k in before["marker"] if k in after["marker"]]
    assert all(same(before["marker"][k], after["marker"][k]) for k in shared)
    # a cluster's symbol depends on its count only, never on the zoom
    counts = [c for c in before["cluster"] if c in after["cluster"]]
    for c in counts:
        sizes = before["cluster"][c] + after["cluster"][c]
        assert all(same(sizes[0], s) for s in sizes), (c, sizes)
    # at the larger zoom, the district lines (admin2) are drawn
    assert page.locator("#map path.dist").count() > 0
    assert page.locator("#map .cluster, #map path.marker").count() > 0


def test_click_a_governorate_zooms_to_it(env):
    page = _open(env)
    z0 = page.evaluate("() => frontlines.map.map.getZoom()")
    # a point of the Idleb polygon with nothing above it (no symbol, no label), clicked as a person would
    spot = page.evaluate("""() => {
        const gov = [...document.querySelectorAll('#map path.gov')].find(p => p.dataset.name === 'Idleb');
        const r = gov.getBoundingClientRect();
        for (let i = 1; i < 20; i++) for (let j = 1; j < 20; j++) {
            const x = r.left + r.width * i / 20, y = r.top + r.height * j / 20;
            if (document.elementFromPoint(x, y) === gov) return [x, y];
        }
        return null;
    }""")
    assert spot
    page.mouse.click(*spot)
    page.wait_for_function("z => frontlines.map.map.getZoom() > z", arg=z0)
    _settle(page)
    inside = page.evaluate("""() => {
        const b = frontlines.map.map.getBounds();
        return [...document.querySelectorAll('#map .gov-label span')].filter(s => {
            const r = s.getBoundingClientRect(), m = document.querySelector('#map').getBoundingClientRect();
            return r.left >= m.left && r.right <= m.right && r.top >= m.top && r.bottom <= m.bottom;
        }).map(s => s.dataset.name);
    }""")
    assert "Idleb" in inside
    assert "map=" in page.evaluate("() => location.search")


def test_brush_filters_map_table_timeline_network_and_csv_alike(env):
    page = _open(env)
    before_total = _total(page, "#table-count")
    assert _total(page, "#stats") == before_total
    nodes_before = int(page.get_attribute("#network", "data-nodes"))
    start = len(env["requests"])
    _brush(page, "2018-02-01", "2018-03-01")
    since, until = page.input_value("#brush-since"), page.input_value("#brush-until")
    assert "2018-01-30" <= since <= "2018-02-02", since
    assert "2018-02-27" <= until <= "2018-03-01", until
    rows = _table(page)
    total = _total(page, "#table-count")
    assert 0 < total < before_total and len(rows) == min(total, 100)
    assert all(since <= r["date"] <= until for r in rows)
    # the map counts the same events: on it as symbols, or listed as known only to a governorate/the country
    assert _total(page, "#stats") == total
    assert sum(s["count"] for s in _symbols(page)) + _units(page) == total
    # the timeline keeps every bucket and dims those outside the brush
    assert page.locator("#timeline rect.bar.dimmed").count() > 0
    assert page.locator("#timeline rect.bar:not(.dimmed)").count() > 0
    # the network was asked for the same period, and shrank
    asked = [u for u in env["requests"][start:] if "/api/network" in u or "/api/map" in u or "/api/events?" in u]
    assert {p for u in asked for p in ("network", "map", "events") if f"/api/{p}" in u} == {"network", "map", "events"}
    assert all(f"since={since}" in u and f"until={until}" in u for u in asked), asked
    assert 0 < int(page.get_attribute("#network", "data-nodes")) <= nodes_before
    # the CSV link carries the same filters and gives the same events
    href = page.get_attribute("#csv-export", "href")
    assert href.startswith("/api/events.csv?") and f"since={since}" in href and f"until={until}" in href
    body = page.request.get(env["url"].rstrip("/") + href).text()
    assert len(list(csv.DictReader(io.StringIO(body)))) == total
    # sorting the table by fatalities, on the server
    page.click("#events-table th[data-key=fatalities]")
    _settle(page)
    fats = [int(r["fatalities"]) for r in _table(page)]
    assert fats == sorted(fats)
    page.click("#events-table th[data-key=fatalities]")
    _settle(page)
    desc = [int(r["fatalities"]) for r in _table(page)]
    assert desc == sorted(desc, reverse=True) and desc[0] >= max(fats)
    if total <= 100:
        assert desc == sorted(fats, reverse=True)


def test_reload_restores_the_view_from_the_url(env):
    page = _open(env)
    _brush(page, "2018-02-01", "2018-03-01")
    page.select_option("#filters select[name=hedged]", "false")
    page.wait_for_function("() => new URLSearchParams(location.search).get('hedged') === 'false'")
    _settle(page)
    page.evaluate("() => frontlines.map.map.setView([35.9, 36.6], 9, {animate: false})")
    _settle(page)
    eid = _table(page)[0]["id"]
    page.click(f"#events-table tbody tr[data-event-id='{eid}']")
    page.wait_for_selector(f"#drawer article.event-card[data-event-id='{eid}']")
    _settle(page)
    state = lambda: page.evaluate("""() => ({
        search: location.search, hedged: document.querySelector('#filters select[name=hedged]').value,
        since: document.querySelector('#brush-since').value, until: document.querySelector('#brush-until').value,
        zoom: frontlines.map.map.getZoom(), center: frontlines.map.map.getCenter(),
        total: document.querySelector('#table-count').dataset.total,
        rows: [...document.querySelectorAll('#events-table tbody tr')].map(tr => tr.dataset.eventId),
        symbols: document.querySelectorAll('#map .cluster, #map path.marker').length,
        nodes: document.querySelector('#network').dataset.nodes,
        card: document.querySelector('#drawer article.event-card')?.dataset.eventId || null})""")
    want = state()
    q = parse_qs(want["search"][1:])
    assert q["event"] == [eid] and q["since"] and q["hedged"] == ["false"] and q["map"][0].startswith("9/")
    page.reload()
    _settle(page)
    page.wait_for_selector(f"#drawer article.event-card[data-event-id='{eid}']")
    got = state()
    assert abs(got.pop("center")["lat"] - want.pop("center")["lat"]) < 1e-3
    assert got == want
    page.goto(env["url"])  # the next tests start from the plain view
    _settle(page)


def test_country_level_event_is_not_a_point(env):
    """An event known only to the country (geo_precision 3) is counted apart, never drawn at its coordinates."""
    api = env["url"] + "api/events"
    page = env["page"]
    coarse = page.request.get(api, params={"precision": 3, "limit": 100}).json()["events"]
    assert coarse, "the store has an event known only to the country or a governorate"
    ev = next((e for e in coarse if not e["admin1"]), coarse[0])
    lat, lon = ev["latitude"], ev["longitude"]
    # no precisely placed event that day at its coordinates: any symbol there would be it
    box = f"{lon - 1e-4},{lat - 1e-4},{lon + 1e-4},{lat + 1e-4}"
    same = page.request.get(api + "?" + urlencode({"bbox": box, "since": ev["event_date"], "until": ev["event_date"],
                                                   "precision": [1, 2]}, doseq=True))
    assert same.ok and same.json()["total"] == 0
    page = _open(env, f"?since={ev['event_date']}&until={ev['event_date']}")
    at = page.evaluate("([lat, lon]) => { const p = frontlines.map.map.latLngToContainerPoint([lat, lon]);"
                       " const r = document.querySelector('#map').getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }",
                       [lat, lon])
    near = [s for s in _symbols(page) if abs(s["x"] - at[0]) < s["w"] / 2 + 1 and abs(s["y"] - at[1]) < s["h"] / 2 + 1]
    assert near == [], near
    if ev["admin1"]:
        assert page.locator("#unit-box .unit", has_text=ev["admin1"]).count() == 1
    else:
        assert int(page.get_attribute("#unit-box .country-count", "data-count")) >= 1
        assert "country-level:" in page.text_content("#unit-box")
    # and it is an event like any other in the table
    assert ev["id"] in [r["id"] for r in _table(page)]


def _open_binnish_event(page) -> str:
    _brush(page, "2018-02-01", "2018-03-01")
    row = page.locator("#events-table tbody tr", has=page.locator("td:nth-child(6)", has_text="Binnish")).first
    eid = row.get_attribute("data-event-id")
    row.click()
    page.wait_for_selector(f"#drawer article.event-card[data-event-id='{eid}']")
    page.wait_for_selector("#doc-text mark.evidence.current")
    return eid


def test_open_event_shows_evidence_highlighted(env):
    page = _open(env)
    eid = _open_binnish_event(page)
    ev = env["store"].merged_event(eid)  # the card shows the merged event
    current = page.locator("#doc-text mark.evidence.current")
    text = "".join(current.all_text_contents())
    assert ev["sources"][0]["evidence"] and text.strip() == ev["sources"][0]["evidence"].strip()
    assert page.locator("#doc-text del.removed").count() > 0  # boilerplate shown struck through
    assert "line-through" in page.eval_on_selector("#doc-text del.removed", "e => getComputedStyle(e).textDecorationLine")
    assert page.eval_on_selector("#doc-text mark.evidence.current", "e => getComputedStyle(e).backgroundColor") != "rgba(0, 0, 0, 0)"
    assert page.locator("#drawer .f-place").text_content().startswith("Binnish")


def test_edit_without_token_is_refused(env):
    page = _open(env)
    page.evaluate("() => localStorage.removeItem('frontlines.token')")
    page.reload()
    _settle(page)
    eid = _open_binnish_event(page)
    before = env["store"].merged_event(eid)["fatalities"]
    page.fill("#review-form input[name=fatalities]", str(before + 41))
    page.click("#save-edit")
    page.wait_for_selector("#review-form .status.error")
    assert "401" in page.text_content("#review-form .status.error")
    assert env["store"].merged_event(eid)["fatalities"] == before
    assert env["store"].reviews() == []


def test_edit_with_token_then_rerun_keeps_it(env):
    page = _open(env)
    page.click("#token-toggle")
    page.fill("#token-form input[name=token]", env["token"])
    page.click("#token-form button[type=submit]")
    page.wait_for_function("() => document.querySelector('#who').textContent.includes('e2e-reviewer')")
    eid = _open_binnish_event(page)
    before = env["store"].merged_event(eid)
    new = before["fatalities"] + 5
    page.fill("#review-form input[name=fatalities]", str(new))
    page.click("#save-edit")
    page.wait_for_selector("#review-form .status.ok")
    _settle(page)
    assert page.text_content("#drawer .f-fatalities").startswith(str(new))
    assert page.locator("#drawer .f-fatalities .locked").count() == 1
    assert page.text_content("#review-state") == "edited"
    history = page.text_content("#drawer table.history")
    assert "e2e-reviewer" in history and "fatalities" in history
    stored = env["store"].merged_event(eid)
    assert stored["fatalities"] == new and "fatalities" in stored["reviewed_fields"]

    # `frontlines run` on the seeds again: unchanged files are skipped, so also force this document
    # through extraction and save_result once more, as if its file had changed
    from frontlines.store.schema import DocumentRow

    store, pipeline = env["store"], env["pipeline"]
    env["process"]([str(SEEDS)], store, pipeline, quiet=True)
    with store.engine.begin() as conn:
        conn.execute(update(DocumentRow).where(DocumentRow.id == before["sources"][0]["doc_id"]).values(content_hash="changed"))
    totals = env["process"]([str(SEEDS)], store, pipeline, quiet=True)
    assert totals["documents"] == 1
    assert store.event(eid)["fatalities"] == new

    page.reload()
    _settle(page)
    _open_binnish_event_id(page, eid)
    assert page.text_content("#drawer .f-fatalities").startswith(str(new))
    row = page.locator(f"#events-table tbody tr[data-event-id='{eid}'] td:nth-child(8)")
    assert row.text_content() == str(new)


def _open_binnish_event_id(page, eid):
    _brush(page, "2018-02-01", "2018-03-01")
    page.click(f"#events-table tbody tr[data-event-id='{eid}']")
    page.wait_for_selector(f"#drawer article.event-card[data-event-id='{eid}']")


def test_article_text_is_escaped(env):
    ev = next(e for e in env["store"].merged_events() if any(s["doc_id"] == "inj-001" for s in e["sources"]))
    page = _open(env, f"?since={ev['event_date']}&until={ev['event_date']}")
    page.click(f"#events-table tbody tr[data-event-id='{ev['id']}']")
    page.wait_for_selector("#doc-text mark.evidence.current")
    page.wait_for_timeout(300)  # give any injected handler a chance to fire
    assert page.evaluate("() => window.__pwned") is None
    text = page.text_content("#doc-text")
    assert "<script>window.__pwned='script'</script>" in text
    assert "<img src=x onerror=" in text and "<svg onload=" in text
    # nothing from the article became an element
    for sel in ("script", "img", "svg", "a[href^='javascript']", "b"):
        assert page.locator(f"#drawer {sel}").count() == 0, sel
    assert "<img src=x" in page.text_content("#doc-title")
    assert page.locator("#drawer a", has_text="original").count() == 0  # javascript: url dropped
    assert "<script>" in page.text_content("#drawer ul.plain")  # the evidence quote in the sources list
    # the table shows the outlet as text too
    assert "<b>bold</b>" in page.text_content(f"#events-table tbody tr[data-event-id='{ev['id']}']")
    # markup in the URL's text filter and in the network's search box stays text
    page.goto(env["url"] + "?q=" + "%3Cimg%20src%3Dx%20onerror%3D%22window.__pwned%3D'q'%22%3E")
    _settle(page)
    assert page.input_value("#filters input[name=q]") == "<img src=x onerror=\"window.__pwned='q'\">"
    page.fill("#network-search", "<svg onload=\"window.__pwned='net'\">")
    page.press("#network-search", "Enter")
    page.wait_for_timeout(300)
    assert page.locator("img, svg[onload]").count() == 0
    assert env["dialogs"] == []
    assert page.evaluate("() => window.__pwned") is None
    assert not [e for e in env["errors"] if "pwned" in e]


def test_docs_render_offline(env):
    """/docs (Swagger UI) works with nothing but our server: every other host is cut off, no CSP refusals."""
    context = env["page"].context.browser.new_context()
    page = context.new_page()
    origin = env["url"].rstrip("/")
    outside: list[str] = []
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))

    def gate(route):
        if route.request.url.startswith(origin + "/"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", gate)
    try:
        page.goto(f"{origin}/docs")
        page.wait_for_selector(".opblock-summary-path", timeout=20000)
        paths = page.eval_on_selector_all(".opblock-summary-path", "els => els.map(e => e.textContent)")
        assert "/api/events" in paths and "/api/events/{event_id}" in paths and len(paths) >= 15
        page.locator(".opblock-summary").first.click()
        page.wait_for_selector(".opblock .parameters, .opblock .opblock-description-wrapper", timeout=10000)
        assert outside == [], outside
        assert not [m for m in console if "Content Security Policy" in m or "pageerror" in m], console
    finally:
        context.close()


def test_merged_event_card_shows_its_reports_and_disagreements(env):
    page = _open(env)
    merged = [m for m in env["store"].merged_events() if len(m["event_ids"]) > 1 and m["discrepancies"]
              and (m["event_date"] or "").startswith("2018-02")]
    assert merged
    m = merged[0]
    _open_binnish_event_id(page, m["id"])
    page.wait_for_selector("#drawer ul.mentions li")
    assert page.locator("#drawer ul.mentions li").count() == len(m["event_ids"])
    disc = page.locator("#drawer ul.discrepancies li").all_text_contents()
    assert [t.split(":")[0] for t in disc] == [d["field"] for d in m["discrepancies"]]
    assert page.locator("#drawer .f-reports").text_content().startswith(str(m["n_reports"]))
    # one row per merged event in the table
    row = page.locator(f"#events-table tbody tr[data-event-id='{m['id']}']")
    assert row.count() == 1 and "≠" in row.text_content()


def test_reject_with_a_note_hides_the_event_and_the_audit_page_lists_it(env):
    page = _open(env)
    page.evaluate("t => localStorage.setItem('frontlines.token', t)", env["token"])
    page = _open(env, "?since=2018-02-01&until=2018-02-28")
    page.wait_for_function("() => document.querySelector('#who').textContent.includes('e2e-reviewer')")
    total = _total(page, "#table-count")
    # an event reported once (its id is its report's), so the audit lists it under that id
    eid = next(r["id"] for r in _table(page) if env["store"].merged_event(r["id"])["id"] == r["id"])
    page.click(f"#events-table tbody tr[data-event-id='{eid}']")
    page.wait_for_selector(f"#drawer article.event-card[data-event-id='{eid}']")
    note = "duplicate of a <b>Binnish</b> report"
    page.fill("#review-form textarea[name=note]", note)
    page.click("#reject-event")
    page.wait_for_function("() => document.querySelector('#review-state').textContent === 'rejected'")
    _settle(page)
    assert env["store"].merged_event(eid)["review_state"] == "rejected"
    # hidden everywhere by default ...
    assert _total(page, "#table-count") == total - 1 and eid not in [r["id"] for r in _table(page)]
    assert _total(page, "#stats") == total - 1
    # ... and back, struck through, with the toggle
    page.check("#filters input[name=include_rejected]")
    page.wait_for_function("() => new URLSearchParams(location.search).get('include_rejected') === 'true'")
    _settle(page)
    assert _total(page, "#table-count") == total
    assert page.locator(f"#events-table tbody tr.rejected[data-event-id='{eid}']").count() == 1
    # the audit page: who, what, the note (as text), filterable
    page.click("#tabs [data-tab=audit]")
    _settle(page)
    assert "tab=audit" in page.evaluate("() => location.search")
    page.fill("#audit-filters input[name=event_id]", eid)
    page.wait_for_function("id => [...document.querySelectorAll('#audit-table tbody tr')].length > 0"
                           " && [...document.querySelectorAll('#audit-table tbody tr td:nth-child(4)')].every(td => td.textContent === id)", arg=eid)
    text = page.text_content("#audit-table tbody")
    assert "e2e-reviewer" in text and "rejected" in text and note in text
    assert page.locator("#audit-table b").count() == 0
    page.fill("#audit-filters input[name=event_id]", "")
    page.fill("#audit-filters input[name=user]", "nobody-of-that-name")
    page.wait_for_function("() => document.querySelectorAll('#audit-table tbody tr').length === 0")
    page.reload()
    _settle(page)
    assert page.is_visible("#audit-view") and not page.is_visible("#views")
    # in the whole session, not one request left the app's origin
    origin = env["url"].rstrip("/")
    assert [u for u in env["requests"] if not (u.startswith(origin + "/") or u.startswith("data:"))] == []
