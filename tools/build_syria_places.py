#!/usr/bin/env python
"""Regenerate the syria pack's places.csv (and boundaries/) from shared/geo + the pack's places_extra.csv.

Usage:  python tools/build_syria_places.py [--geo ../shared/geo] [--pack src/frontlines/packs/syria]

Inputs
- OCHA COD-AB boundaries (admin0..3 GeoJSON): governorates, districts and subdistricts become places
  (kind governorate/district/subdistrict, at the polygon centre OCHA gives); they are also copied into
  the pack's boundaries/ folder, used for point-in-polygon.
- syria_gazetteer_combined.csv: GeoNames populated places (id gn:<geonameid>) and OCHA admin capitals.
  An admin capital within 4 km of a GeoNames place with a similar name is merged into it (its spelling
  becomes a variant); otherwise it becomes a place of its own (id ocha-cap:<pcode>). The subdistrict
  polygon centres of that file are the subdistricts above.
- places_extra.csv (hand-written, in the pack): sites the gazetteer lacks (bases, crossings, villages)
  and extra spellings of existing places. Columns: name, kind, lat, lon, variants, arabic, population,
  same_as, note. `same_as` empty: a new place (id x:<slug>), unless an existing populated place with a
  similar name lies within 3 km (then the row only adds variants). `same_as` = a place id: add the
  row's name and variants to that place. `same_as` = "nearest": add them to the nearest populated place
  within 6 km. A "rename:" prefix (rename:<id>, rename:nearest) also makes the row's name the display name.
  `same_as` = "drop:<id>": remove the row's variants (compared by fold_key) from that place: spellings
  that mislead, such as a bare generic word ("Khan") or another place's name ("Adraa" for Dar'a).

- syria_populated_places_ocha.csv (OCHA communities, p-codes C....): a community within 5 km of a
  settlement of the same or a similar name (equal `place_key`, equal `place_skeleton`, or rapidfuzz ratio
  >= 80 on fold keys) is merged into it (its spellings become variants, its p-code is kept in `pcode`);
  otherwise it becomes a place of its own (id ocha:<pcode>; a town when it names its subdistrict).
- syria_neighbourhoods_ocha.csv (OCHA neighbourhoods, p-codes N....): neighbourhoods at their parent
  community's point (id ocha:<pcode>), merged with a neighbourhood of a similar name within 10 km.
- acled_syria_locations.csv: only the place facts (name, point; ACLED's event count becomes `events`,
  a prominence score for disambiguation). A location within 5 km of a place with a similar name is
  merged into it; otherwise it becomes a place (id acled:<slug>) whose kind follows its name (air base,
  airport, crossing, field/dam/station... = site, "City - Quarter" = neighbourhood, else village).
  No event row is copied.

Every non-admin place gets admin1..3 by point-in-polygon (shapely STRtree) on the OCHA subdistricts.
"""
from __future__ import annotations

import argparse
import csv
import json
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from rapidfuzz import fuzz  # noqa: E402

from frontlines.names import fold_key, place_key, place_skeleton, strip_accents  # noqa: E402
from frontlines.pack import (  # noqa: E402
    PLACE_KINDS,
    AdminIndex,
    Place,
    _latin_variants,
    haversine_km,
    write_places_csv,
)

ADMIN_FILES = {
    "admin0": "syr_admin0_simplified.geojson",
    "admin1": "syr_admin1_governorates_simplified.geojson",
    "admin2": "syr_admin2_districts_simplified.geojson",
    "admin3": "syr_admin3_subdistricts_simplified.geojson",
}
POPULATED = {"city", "town", "village", "neighbourhood"}


def clean_name(name: str) -> str:
    s = strip_accents(name).replace("‘", "'").replace("’", "'").replace("`", "'")
    return re.sub(r"\s+", " ", s).strip()


EXTRA_MERGE_RATIO = 85  # places_extra rows: stricter than the OCHA/GeoNames merge (75)


def similar(a: Place, names: list[str], ratio: int = 75) -> bool:
    keys_a = {fold_key(n) for n in a.all_names()}
    for n in names:
        k = fold_key(n)
        if k in keys_a:
            return True
        if any(fuzz.ratio(k, ka) >= ratio for ka in keys_a):
            return True
    return False


def similar_place(p: Place, names: list[str], ratio: int = 80) -> bool:
    """Same place name across sources: equal place_key / skeleton, or a close fold key."""
    pk = {place_key(n) for n in p.all_names()}
    sk = {place_skeleton(n) for n in p.all_names()} - {""}
    for n in names:
        if place_key(n) in pk or (place_skeleton(n) and place_skeleton(n) in sk):
            return True
    return similar(p, names, ratio)


class Grid:
    """Places bucketed by 0.1 degree cells: neighbours within ~10 km in constant time."""

    def __init__(self):
        self.cells: dict[tuple[int, int], list[Place]] = {}

    @staticmethod
    def _cell(lat: float, lon: float) -> tuple[int, int]:
        return int(lat * 10 // 1), int(lon * 10 // 1)

    def add(self, p: Place) -> None:
        self.cells.setdefault(self._cell(p.lat, p.lon), []).append(p)

    def near(self, lat: float, lon: float, km: float) -> list[tuple[float, Place]]:
        ci, cj = self._cell(lat, lon)
        r = 1 if km <= 10 else 2
        out = []
        for i in range(ci - r, ci + r + 1):
            for j in range(cj - r, cj + r + 1):
                for p in self.cells.get((i, j), ()):
                    d = haversine_km(lat, lon, p.lat, p.lon)
                    if d <= km:
                        out.append((d, p))
        return sorted(out, key=lambda t: (t[0], t[1].id))


_QUALIFIER_RE = re.compile(r"\s*\([^)]*\)\s*")
_ACLED_KINDS = (
    (re.compile(r"(?i)\bair\s*base\b|\bairbase\b|\bmilitary\s+(?:base|airport)\b|\bbase\b|\bbarracks\b|\bacademy\b"), "base"),
    (re.compile(r"(?i)\bairport\b|\bairfield\b"), "airport"),
    (re.compile(r"(?i)\bcrossing\b|\bborder\s+post\b|\bcheckpoint\b"), "crossing"),
    (re.compile(r"(?i)\b(?:oil|gas)\s*fields?\b|\bfields?\b|\bmines?\b|\bdam\b|\bstation\b|\bprison\b|\bfactory\b|\bplant\b"
                r"|\bmountains?\b|\bhills?\b|\bjabal\b|\bjebel\b|\bdesert\b|\blake\b|\bbridge\b|\bcamp\b"), "site"),
)


def add_ocha_communities(places: dict[str, Place], geo: Path) -> None:
    grid = Grid()
    for p in places.values():
        if p.kind in POPULATED and p.kind != "neighbourhood":
            grid.add(p)
    for r in csv.DictReader((geo / "syria_populated_places_ocha.csv").open(encoding="utf-8")):
        short = clean_name(r["name_en_short"] or r["name_en"])
        full = clean_name(_QUALIFIER_RE.sub(" ", r["name_en"]))
        names = list(dict.fromkeys(n for n in (short, full) if n))
        if not names:
            continue
        lat, lon = float(r["latitude"]), float(r["longitude"])
        ar = (r["name_ar_short"] or r["name_ar"] or "").strip() or None
        target = None
        for _d, q in grid.near(lat, lon, 5):
            if q.pcode is None and similar_place(q, names):
                target = q
                break
        if target is not None:
            add_variants(target, names)
            target.pcode = r["pcode"]
            if not target.arabic and ar:
                target.arabic = ar
            continue
        kind = "town" if fold_key(short) == fold_key(r["admin3_en"] or "") else "village"
        p = Place(f"ocha:{r['pcode']}", names[0], kind, round(lat, 5), round(lon, 5), arabic=ar,
                  source="OCHA populated places", pcode=r["pcode"])
        add_variants(p, names[1:])
        places[p.id] = p
        grid.add(p)


def add_ocha_neighbourhoods(places: dict[str, Place], geo: Path) -> None:
    grid = Grid()
    for p in places.values():
        if p.kind == "neighbourhood":
            grid.add(p)
    for r in csv.DictReader((geo / "syria_neighbourhoods_ocha.csv").open(encoding="utf-8")):
        name = clean_name(r["name_en"])
        if not name:
            continue
        lat, lon = float(r["community_latitude"]), float(r["community_longitude"])
        ar = re.sub(r"\s*-\s*حي$", "", (r["name_ar"] or "").strip()) or None
        target = next((q for _d, q in grid.near(lat, lon, 10) if similar_place(q, [name], 90)), None)
        if target is not None:
            add_variants(target, [name])
            target.pcode = target.pcode or r["pcode"]
            continue
        p = Place(f"ocha:{r['pcode']}", name, "neighbourhood", round(lat, 5), round(lon, 5), arabic=ar,
                  source="OCHA neighbourhoods (parent community point)", pcode=r["pcode"])
        places[p.id] = p
        grid.add(p)


def acled_kind(name: str) -> str:
    for rx, kind in _ACLED_KINDS:
        if rx.search(name):
            return kind
    return "village"


def add_acled_locations(places: dict[str, Place], geo: Path) -> None:
    grid = Grid()
    by_pcode: dict[str, Place] = {}
    for p in places.values():
        if p.kind not in ("country", "governorate", "district", "subdistrict"):
            grid.add(p)
        if p.pcode:
            by_pcode[p.pcode] = p
    towns = {fold_key(n) for p in places.values() if p.kind in ("governorate", "city", "town")
             for n in p.all_names()}
    provinces = {fold_key(n) for p in places.values() if p.kind == "governorate" for n in p.all_names()}
    for r in csv.DictReader((geo / "acled_syria_locations.csv").open(encoding="utf-8")):
        name = clean_name(r["location"])
        lat, lon = float(r["latitude"]), float(r["longitude"])
        n = int(r["n_events"] or 0)
        names = [name]
        quarter = None
        if " - " in name:
            left, right = (x.strip() for x in name.split(" - ", 1))
            if fold_key(right) in provinces and fold_key(left) not in towns:  # "Bishri Mountain - Deir-ez-Zor"
                names.append(left)
            elif fold_key(left) in towns:  # ACLED's "City - Quarter"
                quarter = right
                names.append(quarter)
            else:  # "Al-Teem - Oil Field"
                names.append(f"{left} {right}")
        target = None
        near = grid.near(lat, lon, 5)
        for _d, q in near:
            if similar_place(q, names[1:] if len(names) > 1 else names):
                target = q
                break
        if target is None and r.get("ocha_match") in ("exact", "fuzzy") and r.get("ocha_pcode") in by_pcode \
                and quarter is None:
            target = by_pcode[r["ocha_pcode"]]
        if target is not None:
            add_variants(target, [name])
            target.events = (target.events or 0) + n
            continue
        kind = "neighbourhood" if quarter else acled_kind(name)
        base = "acled:" + re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        pid, i = base, 2
        while pid in places:
            pid, i = f"{base}-{i}", i + 1
        p = Place(pid, name, kind, round(lat, 5), round(lon, 5), events=n,
                  source="ACLED locations (Raleigh et al. 2010)")
        add_variants(p, names[1:])
        places[pid] = p
        grid.add(p)


def add_variants(p: Place, names: list[str]) -> None:
    for n in names:
        n = n.strip()
        if n and n != p.name and n not in p.variants:
            p.variants.append(n)


def geonames_kind(code: str, pop: int) -> str:
    if code in ("PPLC", "PPLA") or pop >= 50000:
        return "city"
    if code in ("PPLA2", "PPLA3") or pop >= 5000:
        return "town"
    return "village"


def build(geo: Path, pack: Path) -> dict[str, Place]:
    places: dict[str, Place] = {}

    # 1. admin units from the OCHA boundaries
    a0 = json.loads((geo / ADMIN_FILES["admin0"]).read_text(encoding="utf-8"))["features"][0]
    from shapely.geometry import shape

    c = shape(a0["geometry"]).representative_point()
    places["ocha:SY"] = Place("ocha:SY", "Syria", "country", round(c.y, 5), round(c.x, 5),
                              variants=list(dict.fromkeys(["Syrian Arab Republic", a0["properties"].get("adm0_name", "")])),
                              arabic=a0["properties"].get("adm0_name1") or None,
                              source="OCHA COD-AB")
    for lvl, kind in (("admin1", "governorate"), ("admin2", "district"), ("admin3", "subdistrict")):
        n = lvl[-1]
        for f in json.loads((geo / ADMIN_FILES[lvl]).read_text(encoding="utf-8"))["features"]:
            pr = f["properties"]
            pid = f"ocha:{pr[f'adm{n}_pcode']}"
            name = pr[f"adm{n}_name"]
            p = Place(pid, name, kind, round(pr["center_lat"], 5), round(pr["center_lon"], 5),
                      admin1=pr.get("adm1_name"), admin2=pr.get("adm2_name") if n in "23" else None,
                      admin3=pr.get("adm3_name") if n == "3" else None,
                      arabic=pr.get(f"adm{n}_name1") or None, source="OCHA COD-AB", pcode=pr[f"adm{n}_pcode"])
            add_variants(p, [pr.get(f"adm{n}_ref_n") or ""])
            places[pid] = p

    # 2. GeoNames populated places, then OCHA admin capitals merged into them
    rows = list(csv.DictReader((geo / "syria_gazetteer_combined.csv").open(encoding="utf-8")))
    for r in rows:
        if not r["source"].startswith("GeoNames"):
            continue
        pop = int(r["population"] or 0)
        pid = f"gn:{r['geonameid']}"
        name = clean_name(r["name_en"])
        p = Place(pid, name, geonames_kind(r["feature_code"], pop), float(r["lat"]), float(r["lon"]),
                  arabic=(r["name_ar"] if re.search(r"[\u0600-\u06FF]", r["name_ar"] or "") else None),
                  population=pop or None, source="GeoNames (CC BY 4.0)")
        add_variants(p, _latin_variants([r["name_en"], *r["alt_names"].split(",")]))
        places[pid] = p
    populated = [p for p in places.values() if p.kind in POPULATED]
    for r in rows:
        if not r["source"].startswith("OCHA_COD_admincapitals"):
            continue
        lvl = r["level"]
        name = r["name_en"]
        lat, lon = float(r["lat"]), float(r["lon"])
        near = sorted((haversine_km(lat, lon, p.lat, p.lon), p.id) for p in populated)
        merged = False
        for d, pid in near[:5]:
            if d <= 4 and similar(places[pid], [name, r["adm3_en"] or name]):
                add_variants(places[pid], [name])
                if not places[pid].arabic and r["name_ar"]:
                    places[pid].arabic = r["name_ar"]
                merged = True
                break
        if merged:
            continue
        pcode = r[f"adm{lvl}_pcode"] if lvl in "123" and r.get(f"adm{lvl}_pcode") else fold_key(name)
        pid = f"ocha-cap:{pcode or fold_key(name)}"
        if pid in places:
            pid = f"ocha-cap:{fold_key(name)}"
        p = Place(pid, name, "city" if lvl in "01" else "town", lat, lon, arabic=r["name_ar"] or None,
                  source="OCHA COD-AB admin capitals")
        places[pid] = p
        populated.append(p)

    # 3. hand-written extras
    extras = pack / "places_extra.csv"
    for line, r in enumerate(csv.DictReader(extras.open(encoding="utf-8")), start=2):
        if not r.get("name") or r["name"].startswith("#"):
            continue
        names = [r["name"], *[v for v in (r.get("variants") or "").split("|") if v]]
        same = (r.get("same_as") or "").strip()
        if same.startswith("drop:"):  # remove spellings that mislead (generic words, another place's name)
            pid = same.removeprefix("drop:")
            if pid not in places:
                raise SystemExit(f"{extras}:{line}: drop {pid!r} is not a place id")
            gone = {fold_key(v) for v in names[1:]}
            places[pid].variants = [v for v in places[pid].variants if fold_key(v) not in gone]
            continue
        target = None
        rename = same.startswith("rename:")
        same = same.removeprefix("rename:")
        if same == "nearest":
            lat, lon = float(r["lat"]), float(r["lon"])
            cands = sorted((haversine_km(lat, lon, p.lat, p.lon), p.id) for p in places.values()
                           if p.kind in POPULATED or p.kind in ("base", "crossing"))
            if not cands or cands[0][0] > 6:
                raise SystemExit(f"{extras}:{line}: same_as=nearest but nothing within 6 km of {r['name']}")
            target = places[cands[0][1]]
        elif same:
            if same not in places:
                raise SystemExit(f"{extras}:{line}: same_as {same!r} is not a place id")
            target = places[same]
        if target is not None and rename and target.name != r["name"]:
            old = target.name
            target.name = r["name"]
            target.variants = [v for v in target.variants if v != r["name"]]
            add_variants(target, [old])
        if target is None and not same:
            kind = r["kind"]
            if kind not in PLACE_KINDS:
                raise SystemExit(f"{extras}:{line}: unknown kind {kind!r}")
            lat, lon = float(r["lat"]), float(r["lon"])
            if kind in POPULATED:
                # a neighbourhood is never the city it lies in; a settlement merges only with a settlement
                # of (almost) the same name: Hayan is not Huraytan 3 km away
                same_level = (lambda q: q.kind == "neighbourhood") if kind == "neighbourhood" else \
                    (lambda q: q.kind in POPULATED and q.kind != "neighbourhood")
                for p in places.values():
                    if same_level(p) and haversine_km(lat, lon, p.lat, p.lon) <= 3 and similar(p, names, EXTRA_MERGE_RATIO):
                        target = p
                        break
            if target is None:
                pid = "x:" + re.sub(r"[^a-z0-9]+", "-", clean_name(r["name"]).lower()).strip("-")
                if pid in places:
                    raise SystemExit(f"{extras}:{line}: duplicate extra {pid}")
                pop = (r.get("population") or "").strip()
                places[pid] = Place(pid, r["name"], kind, lat, lon, arabic=r.get("arabic") or None,
                                    population=int(pop) if pop else None,
                                    source="places_extra.csv (hand-written)")
                add_variants(places[pid], names[1:])
                continue
        add_variants(target, names)
        if r.get("arabic") and not target.arabic:
            target.arabic = r["arabic"]

    # 4. OCHA communities and neighbourhoods, then ACLED's locations (place facts only)
    add_ocha_communities(places, geo)
    add_ocha_neighbourhoods(places, geo)
    add_acled_locations(places, geo)

    # 5. admin by point-in-polygon for everything that is not an admin unit
    index = AdminIndex.from_files({lvl: geo / ADMIN_FILES[lvl] for lvl in ("admin1", "admin2", "admin3")})
    for p in places.values():
        if p.kind in ("governorate", "district", "subdistrict", "country"):
            continue
        p.admin1, p.admin2, p.admin3 = index.admin_for(p.lat, p.lon)
    return places


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--geo", type=Path, default=ROOT.parent / "shared" / "geo")
    ap.add_argument("--pack", type=Path, default=ROOT / "src" / "frontlines" / "packs" / "syria")
    args = ap.parse_args(argv)
    if not args.geo.is_dir():
        ap.error(f"{args.geo}: no such folder (pass --geo, the shared/geo folder beside the repository)")
    places = build(args.geo, args.pack)
    bdir = args.pack / "boundaries"
    bdir.mkdir(exist_ok=True)
    for fname in ADMIN_FILES.values():
        shutil.copyfile(args.geo / fname, bdir / fname)
    order = {k: i for i, k in enumerate(PLACE_KINDS)}
    rows = sorted(places.values(), key=lambda p: (order[p.kind], p.admin1 or "", p.name, p.id))
    write_places_csv(args.pack / "places.csv", rows)
    counts: dict[str, int] = {}
    for p in rows:
        counts[p.kind] = counts.get(p.kind, 0) + 1
    print(f"wrote {len(rows)} places to {args.pack / 'places.csv'}: {counts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
