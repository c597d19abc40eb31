"""The workbench's static side without a browser: the vendored libraries match the lockfile and carry
their licences, the CSP allows exactly what they need, and /api/places gives the map's labels."""
from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from frontlines.server import create_app
from frontlines.server.app import CSP, LABEL_KINDS

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "src" / "frontlines" / "web" / "vendor"


@pytest.fixture(scope="module")
def client(tmp_path_factory) -> TestClient:
    return TestClient(create_app(db=tmp_path_factory.mktemp("assets") / "empty.db"))


def test_every_vendored_library_is_pinned_and_licensed():
    import importlib.util

    spec = importlib.util.spec_from_file_location("vendor_web", ROOT / "tools" / "vendor_web.py")
    vendor_web = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(vendor_web)
    declared = json.loads((ROOT / "tools" / "web" / "package.json").read_text())["dependencies"]
    pinned = vendor_web.pinned()
    for name, (folder, files) in vendor_web.PACKAGES.items():
        assert declared[name] == pinned[name], name  # an exact version, the lockfile's
        assert (VENDOR / folder / "VERSION").read_text().split() == [name, pinned[name]]
        names = [to for _, to in vendor_web.pairs(files)]
        assert any(n.startswith("LICENSE") for n in names), f"{name}: no licence vendored"
        for n in names:
            assert (VENDOR / folder / n).stat().st_size > 0, (name, n)


def test_index_loads_only_vendored_scripts_and_the_csp_stays_strict(client):
    r = client.get("/")
    csp = r.headers["content-security-policy"]
    assert csp == CSP and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    for src in re.findall(r'<script[^>]* src="([^"]+)"', r.text):
        assert src.startswith("/static/"), src
        assert client.get(src).status_code == 200, src
    for href in re.findall(r'<link rel="stylesheet" href="([^"]+)"', r.text):
        assert client.get(href).status_code == 200, href


def test_the_one_inline_stylesheet_allowed_is_the_one_cytoscape_inserts():
    """cytoscape adds `<style>` with a fixed rule; the CSP allows exactly that text by its hash."""
    src = (VENDOR / "cytoscape" / "cytoscape.min.js").read_text(encoding="utf-8")
    m = re.search(r'textContent="\."\+\w+\+" \{ position: relative; \}"', src)
    cls = re.search(r'"(_{10}cytoscape_container)"', src)
    assert m and cls, "cytoscape's inline stylesheet changed: recompute CYTOSCAPE_STYLE in server/app.py"
    text = f".{cls.group(1)} {{ position: relative; }}"
    digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in CSP


def test_places_are_the_biggest_in_view_by_zoom(client):
    whole = client.get("/api/places", params={"zoom": 6}).json()
    assert whole and len(whole) <= 60
    assert {p["kind"] for p in whole} <= {k for k, z in LABEL_KINDS.items() if z <= 6}
    pops = [p["population"] or 0 for p in whole]
    assert pops == sorted(pops, reverse=True)  # the biggest first
    box = (36.4, 35.7, 36.9, 36.1)
    near = client.get("/api/places", params={"zoom": 10, "bbox": ",".join(map(str, box)), "limit": 25}).json()
    assert len(near) == 25
    assert all(box[0] <= p["lon"] <= box[2] and box[1] <= p["lat"] <= box[3] for p in near)
    assert {p["kind"] for p in near} > {p["kind"] for p in whole}  # more kinds of place closer in
    for bad in ({"zoom": 6, "bbox": "1,2,3"}, {"zoom": 30}, {}, {"zoom": 6, "limit": 0}):
        r = client.get("/api/places", params=bad)
        assert r.status_code == 422, (bad, r.status_code)


def test_meta_tells_the_map_which_country_is_the_packs(client):
    m = client.get("/api/meta").json()
    assert isinstance(m["iso"], int) and len(m["bbox"]) == 4
