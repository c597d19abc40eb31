#!/usr/bin/env python3
"""Screenshots of the workbench at 1440×900 for the README: the main view, a governorate zoomed in
(Idleb, clicked on the map as a person would), and the network tab. Headless Debian Chromium driven
by Playwright, the app served from the store given (nothing else is reached).

    PYTHONPATH=src python tools/screenshots.py --db out/demo.db            # writes docs/img/*.png
"""
from __future__ import annotations

import argparse
import socket
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def settle(page) -> None:
    page.wait_for_selector("body[data-ready='1']", timeout=60000)
    page.wait_for_function("() => document.body.dataset.pending === '0'", timeout=60000)
    page.wait_for_timeout(300)  # let Leaflet and cytoscape paint


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", required=True, help="the store to show")
    ap.add_argument("--out", default=str(ROOT / "docs" / "img"), help="folder for the PNGs (default: docs/img)")
    ap.add_argument("--governorate", default="Idleb", help="the governorate to zoom to (its name on the map)")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    args = ap.parse_args(argv)
    if not Path(args.db).is_file():
        print(f"error: {args.db}: no such store (frontlines run --db {args.db} ...)", file=sys.stderr)
        return 2
    import uvicorn
    from playwright.sync_api import sync_playwright

    from frontlines.server import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(db=args.db), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline:
            print("error: the server did not start", file=sys.stderr)
            return 1
        time.sleep(0.05)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    url = f"http://127.0.0.1:{port}/"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=args.chromium, args=ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(url)
        settle(page)
        page.screenshot(path=str(out / "workbench.png"))
        gov = page.locator(f"#map path.gov[data-name='{args.governorate}']")
        if gov.count() != 1:
            print(f"error: no governorate {args.governorate!r} on the map", file=sys.stderr)
            return 1
        # the governorate's own click handler (a click on the map could land on a cluster above it)
        page.evaluate("""name => frontlines.map.layers.admin1.eachLayer(l => {
            if (l.getElement().dataset.name === name) l.fire('click'); })""", args.governorate)
        page.mouse.move(2, 890)
        page.wait_for_timeout(600)  # the zoom animation
        settle(page)
        page.evaluate("() => frontlines.map.map.eachLayer(l => l.closeTooltip && l.closeTooltip())")  # none in the picture
        page.screenshot(path=str(out / "workbench-governorate.png"))
        page.goto(url + "?tab=network")
        settle(page)
        page.wait_for_timeout(500)
        page.screenshot(path=str(out / "workbench-network.png"))
        browser.close()
    server.should_exit = True
    thread.join(timeout=10)
    for name in ("workbench.png", "workbench-governorate.png", "workbench-network.png"):
        print(out / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
