"""The workbench end to end in headless Chromium (Debian's /usr/bin/chromium driven by Playwright).

One seeded store, one uvicorn server and one browser for the whole module; the tests run in order
(brush -> open -> refused edit -> edit with a token -> re-run keeps it), like an analyst's session.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import update

from shared_paths import SEEDS

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


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    import uvicorn

    from frontlines.cli import process_into_store
    from frontlines.pipeline import Pipeline
    from frontlines.server import create_app
    from frontlines.store import Store

    tmp = tmp_path_factory.mktemp("web")
    inj = tmp / "injection.jsonl"
    inj.write_text(json.dumps(INJECTION) + "\n", encoding="utf-8")
    store = Store(tmp / "workbench.db")
    pipeline = Pipeline("syria")
    process_into_store([str(SEEDS)], store, pipeline, quiet=True)
    process_into_store([str(inj)], store, pipeline, quiet=True)
    token = store.create_token("e2e-reviewer")

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
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield {"page": page, "url": f"http://127.0.0.1:{port}/", "store": store, "pipeline": pipeline, "token": token,
           "dialogs": dialogs, "errors": errors, "process": process_into_store}
    browser.close()
    pw.stop()
    server.should_exit = True
    thread.join(timeout=10)
    store.close()


def _open(env):
    page = env["page"]
    page.goto(env["url"])
    page.wait_for_selector("body[data-ready='1']", timeout=20000)
    page.wait_for_selector("#map .marker, #map .cluster")
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


def _table(page) -> list[dict]:
    return page.evaluate("""() => [...document.querySelectorAll('#events-table tbody tr')].map(tr => {
        const c = [...tr.cells].map(td => td.textContent);
        return {id: tr.dataset.eventId, date: c[0], location: c[5], admin1: c[6], fatalities: c[7]};
    })""")


def test_main_view_has_markers_in_idlib(env):
    page = _open(env)
    # markers (single or clustered) whose centre lies on the Idleb governorate polygon
    hits = page.evaluate("""() => {
        const out = [];
        for (const m of document.querySelectorAll('#map .marker, #map .cluster')) {
            const r = m.getBoundingClientRect();
            const x = r.left + r.width / 2, y = r.top + r.height / 2;
            const gov = document.elementsFromPoint(x, y).find(el => el.classList && el.classList.contains('gov'));
            out.push(gov ? gov.dataset.name : null);
        }
        return out;
    }""")
    assert "Idleb" in hits, hits
    assert page.locator("#map path.gov").count() == 14
    assert page.locator("#timeline rect.bar").count() > 0
    assert page.locator("#network g.node").count() > 2
    assert page.locator("#events-table tbody tr").count() > 10
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 20000


def test_brush_february_2018_shows_binnish(env):
    page = _open(env)
    before = page.locator("#events-table tbody tr").count()
    _brush(page, "2018-02-01", "2018-03-01")
    since, until = page.input_value("#brush-since"), page.input_value("#brush-until")
    assert since[:7] in ("2018-01", "2018-02") and "2018-01-30" <= since <= "2018-02-02", since
    assert "2018-02-27" <= until <= "2018-03-01", until
    rows = _table(page)
    assert 0 < len(rows) < before
    assert all(since <= r["date"] <= until for r in rows)
    assert [r for r in rows if r["location"] == "Binnish"]
    # the map shows only the brushed events, all in Idlib governorate
    n_markers = page.evaluate("""() => [...document.querySelectorAll('#map .marker')].length
        + [...document.querySelectorAll('#map .cluster-g')].reduce((n, g) => n + Number(g.dataset.count), 0)""")
    assert n_markers == len(rows)
    assert set(page.evaluate("() => [...document.querySelectorAll('#map [data-admin1]')].flatMap(e => e.dataset.admin1.split('|'))")) == {"Idleb"}
    # sorting the table by fatalities
    page.click("#events-table th[data-key=fatalities]")
    fats = [int(r["fatalities"]) for r in _table(page)]
    assert fats == sorted(fats)
    page.click("#events-table th[data-key=fatalities]")
    assert [int(r["fatalities"]) for r in _table(page)] == sorted(fats, reverse=True)
    # the CSV link carries the brush
    href = page.get_attribute("#csv-export", "href")
    assert "since=" in href and "until=" in href and href.startswith("/api/events.csv")


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
    page.wait_for_selector("body[data-ready='1']")
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
    page.wait_for_selector("body[data-ready='1']")
    _open_binnish_event_id(page, eid)
    assert page.text_content("#drawer .f-fatalities").startswith(str(new))
    row = page.locator(f"#events-table tbody tr[data-event-id='{eid}'] td:nth-child(8)")
    assert row.text_content() == str(new)


def _open_binnish_event_id(page, eid):
    _brush(page, "2018-02-01", "2018-03-01")
    page.click(f"#events-table tbody tr[data-event-id='{eid}']")
    page.wait_for_selector(f"#drawer article.event-card[data-event-id='{eid}']")


def test_article_text_is_escaped(env):
    page = _open(env)
    ev = next(e for e in env["store"].events() if any(s["doc_id"] == "inj-001" for s in e["sources"]))
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
    # the table and the map tooltip show the outlet as text too
    assert "<b>bold</b>" in page.text_content(f"#events-table tbody tr[data-event-id='{ev['id']}']")
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
