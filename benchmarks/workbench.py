"""The workbench at scale: API latency under 16 concurrent readers, bytes per filter change, and (with
Chromium and Playwright) time to first render and to apply a filter in the real page.

    .venv/bin/python benchmarks/workbench.py --store BIG.db
    .venv/bin/python benchmarks/workbench.py --from out/demo.db --events 100000   # builds BIG.db first

The store is one `frontlines bench synth-store` made (real extracted events, shifted copies). The
script starts uvicorn (`frontlines serve`) on a free port in a child process, so the readers and the
server do not share one interpreter, and stops it at the end.

A filter change is what the page asks for when a filter changes: one page of the event table, the
map at the country's zoom, the timeline and the network, with the same filters. Bytes are counted
as they arrive (gzip on, as a browser asks), for the full event dicts and for the table's columns
only (`fields=`).
"""
from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("FRONTLINES_CHROMIUM", "/usr/bin/chromium")
TABLE_FIELDS = ("event_date,event_type,sub_event_type,actor1,actor2,location,admin1,fatalities,review_state,"
                "geo_precision,hedged,source,n_reports")
ZOOM = 7  # Syria fills a 1440x900 map at about this Web Mercator zoom


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen([sys.executable, "-m", "frontlines.cli", "serve", "--db", str(db), "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server stopped: {proc.stderr.read().decode(errors='replace')[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/meta", timeout=5).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not start within 120 s")


def filter_sets(meta: dict, n: int, seed: int = 0) -> list[dict]:
    """`n` filter states an analyst might pass through: periods, types, text, governorates, precision."""
    rnd = random.Random(seed)
    lo, hi = meta["date_min"], meta["date_max"]
    from datetime import date, timedelta

    a, b = date.fromisoformat(lo), date.fromisoformat(hi)
    types = list(meta["event_types"])
    out = [{}]
    while len(out) < n:
        f: dict = {}
        kind = rnd.random()
        if kind < 0.5:  # a brushed period
            start = a + timedelta(days=rnd.randint(0, max((b - a).days - 30, 0)))
            f["since"], f["until"] = start.isoformat(), (start + timedelta(days=rnd.choice([1, 7, 30, 365]))).isoformat()
        if rnd.random() < 0.3:
            f["type"] = rnd.choice(types)
        if rnd.random() < 0.15:
            f["q"] = rnd.choice(["idlib", "aleppo", "airstrike", "killed", "shelling"])
        if rnd.random() < 0.15:
            f["admin1"] = rnd.choice(["Idleb", "Aleppo", "Hama", "Damascus"])
        if rnd.random() < 0.1:
            f["precision"] = "1"
        out.append(f)
    return out


def change_requests(f: dict, fields: bool) -> list[tuple[str, str, dict]]:
    """(name, path, params) of one filter change."""
    table = {**f, "limit": 100, **({"fields": TABLE_FIELDS} if fields else {})}
    return [("events", "/api/events", table), ("map", "/api/map", {**f, "zoom": ZOOM}),
            ("timeline", "/api/timeline", f), ("network", "/api/network", f)]


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def api_latency(base: str, filters: list[dict], readers: int, per_endpoint: int) -> dict[str, list[float]]:
    jobs = []
    for i in range(per_endpoint):
        f = filters[i % len(filters)]
        jobs += [(name, path, params) for name, path, params in change_requests(f, fields=True)]
        jobs.append(("events.csv", "/api/events.csv", {**f, "since": f.get("since", "2020-01-01"),
                                                       "until": f.get("until", "2020-01-31")}))
    random.Random(1).shuffle(jobs)
    times: dict[str, list[float]] = {}
    clients = [httpx.Client(base_url=base, timeout=120, headers={"Accept-Encoding": "gzip"}) for _ in range(readers)]

    def one(k: int) -> tuple[str, float, int]:
        name, path, params = jobs[k]
        c = clients[k % readers]
        t0 = time.perf_counter()
        r = c.get(path, params=params)
        r.read()
        return name, time.perf_counter() - t0, r.status_code

    with ThreadPoolExecutor(readers) as pool:
        for name, dt, code in pool.map(one, range(len(jobs))):
            if code != 200:
                raise SystemExit(f"{name}: HTTP {code}")
            times.setdefault(name, []).append(dt)
    for c in clients:
        c.close()
    return times


def bytes_per_change(base: str, filters: list[dict], fields: bool) -> list[int]:
    out = []
    with httpx.Client(base_url=base, timeout=120, headers={"Accept-Encoding": "gzip"}) as c:
        for f in filters:
            n = 0
            for _name, path, params in change_requests(f, fields):
                r = c.get(path, params=params)
                r.read()
                n += r.num_bytes_downloaded
            out.append(n)
    return out


def browser_times(base: str, repeats: int = 3) -> dict | str:
    """(first render s, apply a filter s) in the real page, or why not measured."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return "skipped: playwright is not installed"
    if not Path(CHROMIUM).exists():
        return f"skipped: no Chromium at {CHROMIUM}"
    html = httpx.get(base + "/").text
    if "leaflet" not in html.lower() and "maplibre" not in html.lower():
        return ("skipped: this checkout serves the old workbench page (no Leaflet/MapLibre): merge branch web-ui "
                "for the browser numbers")
    first, apply = [], []  # the first load is cold (nothing cached), the others find the aggregates cached
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        for _ in range(repeats):
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            t0 = time.perf_counter()
            page.goto(base + "/")
            page.wait_for_selector("body[data-ready='1']", timeout=120000)
            page.wait_for_function("() => document.body.dataset.pending === '0'", timeout=120000)
            first.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            page.select_option("select[name=type]", index=1)
            page.wait_for_function("() => new URLSearchParams(location.search).has('type')", timeout=120000)
            page.wait_for_function("() => document.body.dataset.pending === '0'", timeout=120000)
            apply.append(time.perf_counter() - t0)
            page.close()
        browser.close()
    return {"first_render_s": statistics.median(first), "apply_filter_s": statistics.median(apply),
            "cold_first_render_s": first[0], "cold_apply_filter_s": apply[0]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", type=Path, help="a store to measure (e.g. made by `frontlines bench synth-store`)")
    ap.add_argument("--from", dest="source", type=Path, help="build the store first from this real one")
    ap.add_argument("--events", type=int, default=100_000, help="events of the store built with --from")
    ap.add_argument("--readers", type=int, default=16)
    ap.add_argument("--requests", type=int, default=40, help="requests per endpoint in the latency run")
    ap.add_argument("--changes", type=int, default=20, help="filter changes measured for bytes")
    ap.add_argument("--no-browser", action="store_true")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT / "src"))

    tmp = None
    if args.store is None:
        if args.source is None:
            ap.error("give --store, or --from to build one")
        from frontlines.pack import load_pack
        from frontlines.synth import synth_store

        tmp = tempfile.TemporaryDirectory(prefix="frontlines-bench-")
        args.store = Path(tmp.name) / "workbench.db"
        t0 = time.perf_counter()
        rep = synth_store(args.source, args.store, args.events, pack=load_pack("syria"))
        print(f"store: {rep['events']:,} events built in {time.perf_counter() - t0:.1f} s")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_server(args.store, port)
    try:
        meta = httpx.get(base + "/api/meta", timeout=60).json()
        total = httpx.get(base + "/api/events", params={"limit": 1}, timeout=60).json()["total"]
        print(f"store {args.store}: {total:,} merged events, {meta['date_min']} .. {meta['date_max']}")
        filters = filter_sets(meta, max(args.changes, 8))
        # every request of the latency run a different filter state: no answer comes from the server's cache
        times = api_latency(base, filter_sets(meta, args.requests, seed=1), args.readers, args.requests)
        print(f"\nAPI latency, {args.readers} concurrent readers ({args.requests} requests per endpoint, "
              f"each with other filters):")
        print(f"  {'endpoint':<12} {'p50 ms':>8} {'p95 ms':>8}")
        for name, ts in times.items():
            print(f"  {name:<12} {pct(ts, 50) * 1000:8.0f} {pct(ts, 95) * 1000:8.0f}")
        for fields in (True, False):
            b = bytes_per_change(base, filters[: args.changes], fields)
            what = "table columns (fields=)" if fields else "full event dicts"
            print(f"\nbytes per filter change (events page of 100 + map + timeline + network, gzip), {what}: "
                  f"median {statistics.median(b) / 1000:.1f} kB, max {max(b) / 1000:.1f} kB")
        if not args.no_browser:
            bt = browser_times(base)
            if isinstance(bt, str):
                print(f"\nbrowser: {bt}")
            else:
                print(f"\nbrowser (Chromium, 1440x900): first render {bt['first_render_s']:.2f} s, "
                      f"apply a filter {bt['apply_filter_s']:.2f} s (medians of 3); the first, cold: "
                      f"{bt['cold_first_render_s']:.2f} s and {bt['cold_apply_filter_s']:.2f} s")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if tmp is not None:
            tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
