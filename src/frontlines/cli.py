"""frontlines: raw conflict reporting in, sourced ACLED-style events out.

Every command takes --db (default: $FRONTLINES_DB or a file in the user's data directory).
"""
from __future__ import annotations

import json
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

app = typer.Typer(help=__doc__, no_args_is_help=True, add_completion=False)
gazetteer_app = typer.Typer(help="Manage the pack's gazetteer.", no_args_is_help=True)
bench_app = typer.Typer(help="Benchmarks: accuracy and speed, measured.", no_args_is_help=True)
app.add_typer(gazetteer_app, name="gazetteer")
app.add_typer(bench_app, name="bench")

console = Console()
if not console.is_terminal:  # piped or captured: wide enough that tables stay readable
    console = Console(width=200)
err = Console(stderr=True, soft_wrap=True)  # one error per line, never wrapped

DbOpt = Annotated[Optional[str], typer.Option("--db", help="SQLite file or SQLAlchemy URL (default: $FRONTLINES_DB or the user data dir).")]
PackOpt = Annotated[str, typer.Option("--pack", help="Knowledge pack: a name under frontlines/packs or a folder.")]


def _store(db: str | None):
    from .store import Store

    return Store(db)


def _pipeline(pack: str):
    from .annotate import ModelNotInstalled
    from .pipeline import Pipeline

    try:
        return Pipeline(pack)
    except ModelNotInstalled as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(2)


def _parse_day(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (use YYYY-MM-DD)", param_hint=name)


def process_into_store(paths: list[str], store, pipeline, *, only_ids: set[str] | None = None, quiet: bool = False) -> dict:
    """Run the pipeline over paths into the store; failures are reported and recorded, never fatal."""
    from .ingest import count_inputs, iter_documents
    from .models import IngestFailure

    run_id = store.start_run([str(p) for p in paths])
    totals = {"documents": 0, "skipped": 0, "events": 0, "relations": 0, "failures": 0, "seen": 0}
    region = pipeline.pack.region
    iso3 = pipeline.pack.manifest.get("iso3")

    def documents():
        for item in iter_documents(paths):
            progress.advance(task)
            if isinstance(item, IngestFailure):
                totals["failures"] += 1
                err.print(f"[red]error:[/red] {escape(str(item))}")
                store.record_failure(item, run_id)
                continue
            if only_ids is not None and item.id not in only_ids:
                continue
            totals["seen"] += 1
            if store.has_document(item.id, item.content_hash):
                totals["skipped"] += 1
                continue
            yield item

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, disable=quiet or not err.is_terminal, transient=True) as progress:
        task = progress.add_task("processing", total=count_inputs(paths))
        for result in pipeline.process(documents()):
            added = store.save_result(result, region=region, iso3=iso3)
            totals["documents"] += added.get("documents", 0)
            totals["events"] += added.get("events", 0)
            totals["relations"] += added.get("relations", 0)
    store.finish_run(run_id, documents=totals["documents"], events=totals["events"], failures=totals["failures"])
    return totals


@app.command()
def run(
    paths: Annotated[list[str], typer.Argument(help="Files or folders: .txt, .html, .jsonl corpora; folders are read recursively.")],
    db: DbOpt = None,
    pack: PackOpt = "syria",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
):
    """Process documents into the store and print a summary table."""
    store = _store(db)
    pipeline = _pipeline(pack)
    totals = process_into_store(paths, store, pipeline, quiet=quiet)
    table = Table(title=f"frontlines run → {store.url}")
    for col in ("documents added", "unchanged (skipped)", "events added", "relations added", "failures"):
        table.add_column(col, justify="right")
    table.add_row(str(totals["documents"]), str(totals["skipped"]), str(totals["events"]), str(totals["relations"]), str(totals["failures"]))
    console.print(table)
    counts = store.counts()
    console.print(f"store now holds {counts.get('documents', 0)} documents, {counts.get('events', 0)} events, "
                  f"{counts.get('failures', 0)} recorded failures")
    if totals["documents"] == 0 and totals["skipped"] == 0 and totals["seen"] == 0:
        err.print("[red]nothing could be processed[/red]")
        raise typer.Exit(1)


def _events_table(events: list[dict], title: str = "events") -> Table:
    table = Table(title=f"{title} ({len(events)})", show_lines=False)
    for col in ("date", "type", "sub-event", "actor1", "actor2", "location", "admin1", "fat.", "hedged", "source"):
        table.add_column(col, overflow="fold")
    for e in events:
        table.add_row(e.get("event_date") or "?", e["event_type"], e["sub_event_type"], e.get("actor1") or "",
                      e.get("actor2") or "", e.get("location") or "", e.get("admin1") or "", str(e.get("fatalities", 0)),
                      "claim" if e.get("hedged") else "", e.get("source") or "")
    return table


@app.command()
def events(
    db: DbOpt = None,
    actor: Annotated[Optional[str], typer.Option(help="Actor name or alias (substring).")] = None,
    type: Annotated[Optional[str], typer.Option("--type", help="Event type or sub-event type.")] = None,
    place: Annotated[Optional[str], typer.Option(help="Location or admin1-3 (substring).")] = None,
    since: Annotated[Optional[str], typer.Option(help="From this date (YYYY-MM-DD), inclusive.")] = None,
    until: Annotated[Optional[str], typer.Option(help="Up to this date (YYYY-MM-DD), inclusive.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array of event objects.")] = False,
):
    """List events in the store, filtered."""
    store = _store(db)
    rows = store.events(actor=actor, type=type, place=place, since=_parse_day(since, "--since"), until=_parse_day(until, "--until"))
    if as_json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1) + "\n")
    else:
        console.print(_events_table(rows))


@app.command()
def export(
    format: Annotated[str, typer.Option("--format", "-f", help="acled-csv | json | geojson")] = "acled-csv",
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="File to write (default: stdout).")] = None,
    db: DbOpt = None,
):
    """Export every event: ACLED's 31-column CSV, JSON, or GeoJSON."""
    from . import export as exp

    writers = {"acled-csv": exp.write_acled_csv, "json": exp.write_json, "geojson": exp.write_geojson}
    if format not in writers:
        raise typer.BadParameter(f"unknown format {format!r}; choose one of {', '.join(writers)}", param_hint="--format")
    rows = _store(db).events()
    if output:
        output.parent.mkdir(parents=True, exist_ok=True)
        with output.open("w", encoding="utf-8", newline="") as fh:
            n = writers[format](rows, fh)
        err.print(f"wrote {n} events to {output}")
    else:
        writers[format](rows, sys.stdout)


@app.command()
def failures(
    db: DbOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
):
    """Inputs that could not be processed, with the reason."""
    rows = _store(db).failures()
    if as_json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1, default=str) + "\n")
        return
    table = Table(title=f"failures ({len(rows)})")
    for col in ("path", "line", "reason"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(r["path"], str(r.get("line") or ""), r["reason"])
    console.print(table)


@app.command("eval")
def evaluate_cmd(
    docs: Annotated[list[str], typer.Argument(help="The documents the gold annotates: .txt files, folders or JSONL corpora.")],
    gold: Annotated[Path, typer.Option("--gold", help="Gold file in frontlines-gold/1 format.")],
    pack: PackOpt = "syria",
    as_json: Annotated[bool, typer.Option("--json", help="Print the scorer's JSON object.")] = False,
):
    """Score the system against a gold file (a fresh temporary store; only the gold's documents)."""
    from . import evaluate as ev

    try:
        gold_data = ev.load_gold(gold)
    except ValueError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(2)
    ids = set(ev.gold_doc_ids(gold_data))
    pipeline = _pipeline(pack)
    with tempfile.TemporaryDirectory(prefix="frontlines-eval-") as tmp:
        store = _store(str(Path(tmp) / "eval.db"))
        process_into_store(docs, store, pipeline, only_ids=ids, quiet=True)
        predictions = predictions_from_store(store, ids)
        store.close()
    report = ev.score(gold_data, predictions)
    if as_json:
        sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=1, default=str) + "\n")
        return
    console.print(ev.format_report(report))
    console.print(ev.summary_line(report))


def predictions_from_store(store, ids: set[str]) -> dict[str, dict]:
    docs = {d["id"]: d for d in store.documents() if d["id"] in ids}
    preds: dict[str, dict] = {i: {"processed": True, "published": d.get("published"), "events": [], "relations": []} for i, d in docs.items()}
    for e in store.events(doc_ids=list(docs)):
        for src in e.get("sources", []):
            if src["doc_id"] in preds:
                preds[src["doc_id"]]["events"].append(e)
    for r in store.relations(doc_ids=list(docs)):
        if r["doc_id"] in preds:
            preds[r["doc_id"]]["relations"].append(r)
    return preds


@app.command()
def actors(
    query: Annotated[Optional[str], typer.Argument(help="Name, alias or abbreviation to search for.")] = None,
    pack: PackOpt = "syria",
    limit: int = 50,
):
    """List or search the pack's actors."""
    from .pack import load_pack

    p = load_pack(pack)
    rows = p.search_actors(query, limit=limit) if query else list(p.actors.values())[:limit]
    table = Table(title=f"actors in pack {p.name} ({len(p.actors)} in all)")
    for col in ("id", "name", "ACLED name", "inter", "kind", "active", "aliases"):
        table.add_column(col, overflow="fold")
    for a in rows:
        active = f"{a.active_from or ''}–{a.active_to or ''}" if (a.active_from or a.active_to) else ""
        table.add_row(a.id, a.name, a.acled_name, str(a.inter), a.kind, active, ", ".join(a.aliases[:6]))
    console.print(table)


@app.command()
def places(
    query: Annotated[Optional[str], typer.Argument(help="Place name to search for.")] = None,
    pack: PackOpt = "syria",
    limit: int = 50,
):
    """List or search the pack's gazetteer."""
    from .pack import load_pack

    p = load_pack(pack)
    rows = p.gazetteer.search(query, limit=limit) if query else list(p.places.values())[:limit]
    table = Table(title=f"places in pack {p.name} ({len(p.places)} in all)")
    for col in ("id", "name", "kind", "lat", "lon", "admin1", "admin2", "admin3"):
        table.add_column(col, overflow="fold")
    for pl in rows:
        table.add_row(pl.id, pl.name, pl.kind, f"{pl.lat:.4f}", f"{pl.lon:.4f}", pl.admin1 or "", pl.admin2 or "", pl.admin3 or "")
    console.print(table)


@gazetteer_app.command("import")
def gazetteer_import(
    kind: Annotated[str, typer.Argument(help="Source format: geonames")],
    file: Annotated[Path, typer.Argument(help="A GeoNames country dump, e.g. SY.txt")],
    pack: PackOpt = "syria",
):
    """Load a GeoNames dump into the pack's places (admin1-3 by point-in-polygon)."""
    from .pack import PackError, import_geonames, load_pack

    if kind != "geonames":
        raise typer.BadParameter("only 'geonames' is supported", param_hint="KIND")
    if not file.is_file():
        raise typer.BadParameter(f"{file}: no such file", param_hint="FILE")
    p = load_pack(pack)
    try:
        added = import_geonames(p.root, file)
    except (PackError, ValueError) as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(2)
    console.print(f"added {added} places from {file} to pack {p.name} ({p.root})")


@bench_app.command("fakes-governorate")
def bench_fakes_governorate(
    corpus: Annotated[Path, typer.Argument(help="FA-KES JSONL (records with location_governorate).")],
    pack: PackOpt = "syria",
    limit: Annotated[Optional[int], typer.Option(help="Only the first N articles.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
):
    """Article governorate (most frequent admin1 of its non-hedged events) vs FA-KES's label."""
    from .bench_fakes import run_fakes_governorate

    report = run_fakes_governorate(corpus, _pipeline(pack), limit=limit, console=None if as_json else console)
    if as_json:
        sys.stdout.write(json.dumps(report, indent=1) + "\n")


@bench_app.command("case2021")
def bench_case2021(
    tsv: Annotated[Path, typer.Argument(help="CASE 2021 task 2 TSV (id, EventSnippet, SubType).")],
    pack: PackOpt = "syria",
    as_json: Annotated[bool, typer.Option("--json")] = False,
):
    """Sub-event type classification on CASE 2021 task 2 (evaluation only: nothing is learned from it)."""
    from .bench_case import run_case2021

    report = run_case2021(tsv, pack=pack, console=None if as_json else console)
    if as_json:
        sys.stdout.write(json.dumps(report, indent=1) + "\n")


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
