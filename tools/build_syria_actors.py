"""Join the ACLED Syria actor list to the syria pack: writes packs/syria/acled_actors.yaml.

Input: shared/geo/acled_syria_actors.csv (ACLED actor names seen in Syria with modal inter code, counts,
first/last dates; ACLED's terms: names may ship as facts, never event rows; Raleigh et al. 2010).

For every ACLED name:
- "Former ..." and "Mutiny of ..." names (ACLED's bookkeeping for groups that changed side) are left out;
- a name that denotes a pack actor (exact name/alias/abbreviation, ACLED's "ABBR: Name" and "(2000-)" era
  forms, a state force's sub-unit "Military Forces of Syria (2000-) <unit>", unit words as interchangeable
  heads, or the small translation table below) is recorded under `acled_names` for that actor; the most
  frequent one in primary roles becomes the actor's ACLED label;
- any other name with an inter code in primary roles becomes a new actor (id = slug of the name; inter =
  ACLED's modal inter; kind from the name's shape; first/last date seen as active range hints, except where
  the list's own bounds cut them).

Usage: python tools/build_syria_actors.py [--csv ../shared/geo/acled_syria_actors.csv] [--pack src/frontlines/packs/syria]
"""
from __future__ import annotations

import argparse
import csv
import re
import shutil
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import yaml  # noqa: E402

from frontlines.names import slug  # noqa: E402
from frontlines.pack import _ABBR_PREFIX_RE, _ERA_RE, _load_cached, load_pack  # noqa: E402

# ACLED names the matcher cannot see as a pack actor's name: translations and ACLED's own spellings.
# Facts about the actors (the English/Arabic forms of one name), not about any event.
TRANSLATIONS = {
    "FaR: Al Rahman Corps": "faylaq-al-rahman",
    "Al Sham Corps": "faylaq-al-sham",
    "JSH: Free Syrian Army": "fsa",
    "JWS: Syrian National Army": "sna",
    "JTW: National Liberation Front": "nfl",
    "Khalid ibn al Walid Army": "jaysh-khalid",
    "Menbij Military Council": "manbij-military-council",
    "Operation Euphrates Shield": "euphrates-shield-groups",
    "Allied Syrian and/or Russian Forces": None,  # ACLED's own joint actor: a new actor
    "Private Security Forces (Russia)": "wagner",
    "JaS: Levant Front": "levant-front",
    "LaQ: Quds Brigade": "liwa-al-quds",
    "Fatemiyoun Brigade": "fatemiyoun",
    "Harakat Hezbollah Al Nujaba": "nujaba",
    "Imam Bukhari Battalion": "imam-bukhari",
    "Fathbatou Operation Room": "fa-ithbatu",
    "Wa Harredh al Moa'mineen Operation Room": "wa-harid-al-muminin",
    "Al Fath Al Mubeen Operation Room": "fath-al-mubin",
    "JaT: Army of Revolutionaries": "jaysh-al-thuwar",
    "JMT: Army of the Commandos of the Revolution": "revolutionary-commando-army",
    "Military Forces of Syria (2000-) Tiger Paramilitary Forces (Qawat al Nimr)": "tiger-forces",
    "Military Forces of Syria (2000-) 4th Armored Division": "fourth-division",
    "Military Forces of Syria (2000-) 5th Assault Corps": "fifth-corps",
    "Military Forces of Syria (2000-) Syrian Republican Guard": "republican-guard",
    "Military Forces of Syria (2000-) Military Intelligence": "intelligence-syria",
    "Military Forces of Syria (2000-) Air Force Intelligence Directorate": "intelligence-syria",
    "Police Forces of Syria (2000-) General Intelligence Directorate": "intelligence-syria",
    "Police Forces of Syria (2000-) Political Intelligence": "intelligence-syria",
    "Police Forces of Syria (2000-) State Security": "intelligence-syria",
    "JaN: Elite Army": "elite-army",
    "Al Wosta Division": "central-division",
}

# ACLED names that are no distinct actor (a bare noun phrase every council or unit could carry)
NOT_ACTORS = {"Military Council"}

# the CSV's own date bounds (2017-01-01 .. 2023-06-02): a first/last date this close to them is censored
CENSOR_FIRST = "2017-03-01"
CENSOR_LAST = "2022-12-01"
GENERIC_RE = re.compile(r"^(?:Unidentified .*|Islamist (?:Militia|Rebels) \(.*\)|Militia \(.*\)|Smugglers \(.*\)|"
                        r"Private Security Forces \(.*\)|.* Ethnic Militia \(.*\)|.* Muslim Militia \(.*\)|"
                        r"Civilians \(.*\)|Protesters \(.*\)|Rioters \(.*\)|Prisoners \(.*\)|Labou?r Group \(.*\))$")


def kind_of(name: str, inter: int) -> str:
    if GENERIC_RE.match(name):
        return "generic"
    if name.startswith("Allied "):  # "Allied Syrian and/or Russian Forces": either state's forces
        return "joint_forces"
    if name.startswith("Operation "):
        return "operation"
    if re.search(r"(?:Communal|Tribal|Clan) Militia", name):
        return "identity_militia"
    if re.match(r"(?:Military|Police) Forces of ", name):
        return "state" if inter == 1 else "foreign_state"
    return {1: "state", 2: "rebel", 3: "political_militia", 4: "identity_militia", 8: "external"}.get(inter, "other")


def match(pack, name: str) -> str | None:
    """The pack actor an ACLED name denotes, by names only (never by everyday phrase or fuzzy match)."""
    if name in TRANSLATIONS:
        return TRANSLATIONS[name]
    cands = pack._named(name) or pack._convention(name)
    if not cands:
        return None
    ids = {aid for aid, _ in cands}
    if len(ids) > 1:  # one name for several actors: the first in pack order (actors.yaml order)
        return min(ids, key=lambda a: pack._order[a])
    return next(iter(ids))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--csv", type=Path, default=ROOT.parent / "shared/geo/acled_syria_actors.csv")
    ap.add_argument("--pack", type=Path, default=ROOT / "src/frontlines/packs/syria")
    args = ap.parse_args(argv)
    out_path = args.pack / "acled_actors.yaml"
    # match against the hand-written pack alone: a copy of the pack (links) whose manifest leaves the join out
    tmp = Path(tempfile.mkdtemp(prefix="pack-"))
    root = tmp / args.pack.name
    root.mkdir()
    for f in args.pack.iterdir():
        if f.name != "manifest.yaml":
            (root / f.name).symlink_to(f.resolve())
    manifest = yaml.safe_load((args.pack / "manifest.yaml").read_text(encoding="utf-8"))
    manifest["files"].pop("acled_actors", None)
    (root / "manifest.yaml").write_text(yaml.safe_dump(manifest), encoding="utf-8")
    pack = load_pack(root)
    shutil.rmtree(tmp)

    rows = list(csv.DictReader(args.csv.open(encoding="utf-8")))
    rows.sort(key=lambda r: (-int(r["n_events"]), r["actor"]))
    names_of: dict[str, list[tuple[int, str]]] = defaultdict(list)
    new: list[dict] = []
    skipped: list[str] = []
    new_ids: set[str] = set()
    for r in rows:
        name = r["actor"].strip()
        if not name or re.match(r"(?:Former|Mutiny of) ", name) or name in NOT_ACTORS:
            skipped.append(name)
            continue
        aid = match(pack, name)
        primary = int(r["n_as_actor1"] or 0) + int(r["n_as_actor2"] or 0)
        if aid:
            names_of[aid].append((primary, name))
            continue
        if not r["inter"].strip():
            skipped.append(name)  # seen only as an associate: ACLED's inter code for it is unknown
            continue
        inter = int(r["inter"])
        m = _ABBR_PREFIX_RE.fullmatch(name)
        full = m.group(2) if m else name
        base = _ERA_RE.sub(" ", full).strip()
        nid = slug(base)
        if nid in pack.actors or nid in new_ids:
            nid = f"acled-{nid}"
        new_ids.add(nid)
        rec: dict = {"id": nid, "name": re.sub(r"\s+", " ", base), "acled_name": name, "inter": inter,
                     "kind": kind_of(name, inter), "country": "Syria"}
        if m:
            rec["abbreviations"] = [m.group(1)]
        few = int(r["n_events"]) < 3  # one or two sightings say little about when an actor was active
        if r["first_date"] > CENSOR_FIRST and not few:
            rec["active_from"] = r["first_date"]
        if r["last_date"] < CENSOR_LAST and not few:
            rec["active_to"] = r["last_date"]
        rec["note"] = (f"ACLED actor (Syria list): {r['n_events']} events, {r['first_date']} .. {r['last_date']}"
                       f", inter codes seen {r['inter_codes_seen']}")
        new.append(rec)

    acled_names = {}
    for aid in sorted(names_of, key=lambda a: pack._order[a]):
        ordered = [n for _, n in sorted(names_of[aid], key=lambda x: -x[0])]
        acled_names[aid] = ordered
    header = (
        "# GENERATED by tools/build_syria_actors.py from shared/geo/acled_syria_actors.csv - do not edit;\n"
        "# edit the tool (or actors.yaml / actor_naming.yaml) and regenerate.\n"
        "# ACLED actor names are facts from ACLED data (ACLED terms of use; Raleigh, Linke, Hegre & Karlsen\n"
        "# 2010, Journal of Peace Research 47(5)); no ACLED event row is shipped. See ATTRIBUTION.md.\n"
        "# acled_names: pack actor id -> the ACLED names that denote it; the first is the label events carry.\n"
        "# actors: ACLED-named actors the hand-written actors.yaml lacks (dates: first/last seen, as hints).\n"
    )
    body = yaml.safe_dump({"acled_names": acled_names, "actors": new}, sort_keys=False, allow_unicode=True,
                          width=110)
    out_path.write_text(header + body, encoding="utf-8")
    _load_cached.cache_clear()
    load_pack(args.pack)  # validate
    print(f"{len(rows)} ACLED names: {sum(map(len, names_of.values()))} mapped to {len(names_of)} pack actors, "
          f"{len(new)} new actors, {len(skipped)} left out -> {out_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
