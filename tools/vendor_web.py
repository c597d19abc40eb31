#!/usr/bin/env python3
"""Copy the workbench's third-party browser files from npm into src/frontlines/web/vendor/.

The versions are pinned in tools/web/package.json and package-lock.json. The copied files are
committed: a wheel of frontlines ships them and nobody needs npm (or a CDN) to install or run it.

    cd tools/web && npm ci --ignore-scripts   # --ignore-scripts: skips @scarf/scarf's install-time ping
    python tools/vendor_web.py                # copy, and write vendor/<name>/VERSION
    python tools/vendor_web.py --check        # the committed files match node_modules (exit 1 if not)
"""
from __future__ import annotations

import argparse
import filecmp
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NODE_MODULES = ROOT / "tools" / "web" / "node_modules"
VENDOR = ROOT / "src" / "frontlines" / "web" / "vendor"

# package -> (folder under vendor/, files to copy); a file is copied to the same name directly under the
# folder (its path inside the package dropped), or to the name given as (path in package, name under the folder)
PACKAGES = {
    "swagger-ui-dist": ("swagger-ui", [
        "swagger-ui-bundle.js", "swagger-ui-bundle.js.LICENSE.txt", "swagger-ui.css", "favicon-32x32.png",
        "LICENSE", "NOTICE",
    ]),
    # the map (no tiles: the layers are the pack's boundaries and the neighbouring countries below)
    "leaflet": ("leaflet", [
        "dist/leaflet.js", "dist/leaflet.css", "LICENSE",
        ("dist/images/layers.png", "images/layers.png"), ("dist/images/layers-2x.png", "images/layers-2x.png"),
        ("dist/images/marker-icon.png", "images/marker-icon.png"),
        ("dist/images/marker-icon-2x.png", "images/marker-icon-2x.png"),
        ("dist/images/marker-shadow.png", "images/marker-shadow.png"),
    ]),
    # the network: cytoscape and the fCoSE layout with the two libraries it is built on (UMD globals,
    # loaded in this order: layoutBase, coseBase, cytoscapeFcose)
    "cytoscape": ("cytoscape", ["dist/cytoscape.min.js", "LICENSE"]),
    "layout-base": ("layout-base", ["layout-base.js", "LICENSE"]),
    "cose-base": ("cose-base", ["cose-base.js", "LICENSE"]),
    "cytoscape-fcose": ("cytoscape-fcose", ["cytoscape-fcose.js", "LICENSE"]),
    # the countries around the pack's (Natural Earth 1:50m, public domain, as TopoJSON) and the decoder
    "world-atlas": ("world-atlas", ["countries-50m.json", "LICENSE", "README.md"]),
    "topojson-client": ("topojson-client", ["dist/topojson-client.min.js", "LICENSE"]),
}


def pairs(files: list) -> list[tuple[str, str]]:
    """(path in the package, path under the vendor folder) for each entry of PACKAGES."""
    return [(f, Path(f).name) if isinstance(f, str) else tuple(f) for f in files]


def pinned() -> dict[str, str]:
    lock = json.loads((ROOT / "tools" / "web" / "package-lock.json").read_text(encoding="utf-8"))
    return {name: lock["packages"][f"node_modules/{name}"]["version"] for name in PACKAGES}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="compare instead of copying")
    args = ap.parse_args(argv)
    versions = pinned()
    bad = 0
    for name, (folder, files) in PACKAGES.items():
        src, dst = NODE_MODULES / name, VENDOR / folder
        got = json.loads((src / "package.json").read_text(encoding="utf-8"))["version"] if src.is_dir() else None
        if got != versions[name]:
            print(f"{name}: node_modules has {got}, the lockfile pins {versions[name]} (cd tools/web && npm ci --ignore-scripts)",
                  file=sys.stderr)
            return 2
        version_line = f"{name} {versions[name]}\n"
        if args.check:
            for f, to in pairs(files):
                if not (dst / to).is_file() or not filecmp.cmp(src / f, dst / to, shallow=False):
                    print(f"{dst / to}: differs from {name} {versions[name]}", file=sys.stderr)
                    bad += 1
            if (dst / "VERSION").read_text(encoding="utf-8") != version_line:
                print(f"{dst / 'VERSION'}: not {version_line.strip()}", file=sys.stderr)
                bad += 1
            continue
        for f, to in pairs(files):
            (dst / to).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src / f, dst / to)
        (dst / "VERSION").write_text(version_line, encoding="utf-8")
        print(f"copied {name} {versions[name]}: {', '.join(to for _, to in pairs(files))} -> {dst.relative_to(ROOT)}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
