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


def fail(problem, code: int = 2):
    """One red line on stderr, then exit: `problem` is an exception (its message) or a string."""
    if isinstance(problem, BaseException) and problem.args and isinstance(problem.args[0], str):
        problem = problem.args[0]  # KeyError quotes its message otherwise
    err.print(f"[red]error:[/red] {escape(str(problem))}")
    raise typer.Exit(code)


def _print_json(obj) -> None:
    """Every command's --json: UTF-8 as is, dates and other values as strings."""
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=1, default=str) + "\n")


def _store(db: str | None):
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    from .store import Store, resolve_url

    try:
        return Store(db)
    except OperationalError as exc:  # a server that cannot be reached, a database that does not exist
        url = make_url(resolve_url(db)).render_as_string(hide_password=True)
        reason = str(exc.orig or exc).strip().splitlines()[0]
        fail(f"cannot open the store {url}: {reason}")


def _pipeline(pack: str):
    from .annotate import ModelNotInstalled
    from .pipeline import Pipeline

    try:
        return Pipeline(pack)
    except ModelNotInstalled as exc:
        fail(exc)


def _parse_day(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (use YYYY-MM-DD)", param_hint=name)


def _reviewer(name: str | None, param: str) -> str | None:
    """A reviewer or token name within the store's bounds (frontlines.store.limits), else a usage error."""
    from .store import limits

    if name is None:
        return None
    try:
        return limits.check_name(name, param.lstrip("-"))
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint=param) from None


def process_into_store(paths: list[str], store, pipeline, *, only_ids: set[str] | None = None, quiet: bool = False,
                       prepared: list | None = None) -> dict:
    """Run the pipeline over paths into the store; failures are reported and recorded, never fatal.

    `prepared`: Documents (or IngestFailures) already read, e.g. fetched pages (`frontlines watch`),
    processed instead of reading `paths`, which then only name them in the run's record.

    Every document is processed under a guard: an exception while reading, cleaning, annotating,
    extracting or storing it becomes one `error: PATH[:LINE]: reason` line on stderr and a recorded
    failure; the other documents (its batch-mates included) are still processed and stored."""
    from .ingest import count_inputs, iter_documents
    from .models import IngestFailure, safe_path
    from .pipeline import document_failure

    run_id = store.start_run([safe_path(p) for p in paths])
    totals = {"documents": 0, "skipped": 0, "events": 0, "relations": 0, "failures": 0, "seen": 0}
    region = pipeline.pack.region
    iso3 = pipeline.pack.manifest.get("iso3")

    def report(failure: IngestFailure) -> None:
        totals["failures"] += 1
        err.print(f"[red]error:[/red] {escape(str(failure))}", markup=True, highlight=False)
        try:
            store.record_failure(failure, run_id)
        except Exception as exc:  # noqa: BLE001 - the line above already told the user
            err.print(f"[red]error:[/red] could not record that failure ({escape(type(exc).__name__)}: {escape(str(exc))})")

    def documents():
        items = iter_documents(paths) if prepared is None else iter(prepared)
        while True:
            try:
                item = next(items)
            except StopIteration:
                return
            except Exception as exc:  # noqa: BLE001 - ingest guards each file; this is the last resort
                report(IngestFailure(", ".join(safe_path(p) for p in paths), f"reading stopped ({type(exc).__name__}: {exc})"))
                return
            progress.advance(task)
            if isinstance(item, IngestFailure):
                report(item)
                continue
            if only_ids is not None and item.id not in only_ids:
                continue
            totals["seen"] += 1
            try:
                doc_id, unchanged = store.resolve_document_id(item)
            except Exception as exc:  # noqa: BLE001
                report(document_failure(item, "store", exc))
                continue
            if unchanged:
                totals["skipped"] += 1
                continue
            item.id = doc_id
            yield item

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, disable=quiet or not err.is_terminal, transient=True) as progress:
        try:
            total = count_inputs(paths) if prepared is None else len(prepared)
        except Exception:  # noqa: BLE001 - only the progress bar's length
            total = None
        task = progress.add_task("processing", total=total)
        from .dedup import RepostFilter

        try:  # reposts of a stored (or earlier) article are stored, not extracted
            hold = RepostFilter(store)
        except Exception as exc:  # noqa: BLE001 - then every document is extracted, as before
            err.print(f"[red]error:[/red] could not read stored signatures ({escape(type(exc).__name__)}: {escape(str(exc))}); "
                      "reposts are extracted like any document")
            hold = None
        for result in pipeline.process(documents(), guard=True, hold=hold):
            if isinstance(result, IngestFailure):
                report(result)
                continue
            try:
                added = store.save_result(result, region=region, iso3=iso3)
            except Exception as exc:  # noqa: BLE001 - save_result is one transaction: nothing half-stored
                report(document_failure(result.document, "store", exc))
                continue
            totals["documents"] += added.get("documents", 0)
            totals["events"] += added.get("events", 0)
            totals["relations"] += added.get("relations", 0)
    totals["reposts"] = len(hold.held) if hold is not None else 0
    # near-duplicate articles, then one event per real-world event across documents (issue 5)
    from .dedup import dedup_store
    from .merge import merge_events

    totals["duplicates"] = totals["merged"] = 0
    try:
        totals["duplicates"] = len(dedup_store(store))
        totals["merged"] = merge_events(store, pipeline.pack)["clusters"]
    except Exception as exc:  # noqa: BLE001 - the documents are stored; say what did not happen
        err.print(f"[red]error:[/red] merging across documents failed ({escape(type(exc).__name__)}: {escape(str(exc))}); "
                  "the documents are stored, the next run merges them")
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
    for col in ("date", "type", "sub-event", "actor1", "actor2", "location", "admin1", "fat.", "hedged", "reports", "source"):
        table.add_column(col, overflow="fold")
    for e in events:
        reports = str(e.get("n_reports") or len({s["doc_id"] for s in e.get("sources") or []}) or "")
        if e.get("discrepancies"):
            reports += " (disagree: " + ", ".join(d["field"] for d in e["discrepancies"]) + ")"
        table.add_row(e.get("event_date") or "?", e["event_type"], e["sub_event_type"], e.get("actor1") or "",
                      e.get("actor2") or "", e.get("location") or "", e.get("admin1") or "", str(e.get("fatalities", 0)),
                      "claim" if e.get("hedged") else "", reports, e.get("source") or "")
    return table


def _load_pack_quietly(pack: str):
    """The pack for outlet profiles (source_scale); None when it cannot be loaded."""
    try:
        from .pack import load_pack

        return load_pack(pack)
    except Exception:  # noqa: BLE001 - source_scale is a nicety; the events are what matters
        return None


IncludeRejected = Annotated[bool, typer.Option("--include-rejected", help="Also show events a reviewer rejected.")]


@app.command()
def events(
    db: DbOpt = None,
    actor: Annotated[Optional[str], typer.Option(help="Actor name or alias (substring).")] = None,
    type: Annotated[Optional[str], typer.Option("--type", help="Event type or sub-event type.")] = None,
    place: Annotated[Optional[str], typer.Option(help="Location or admin1-3 (substring).")] = None,
    since: Annotated[Optional[str], typer.Option(help="From this date (YYYY-MM-DD), inclusive.")] = None,
    until: Annotated[Optional[str], typer.Option(help="Up to this date (YYYY-MM-DD), inclusive.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array of event objects.")] = False,
    mentions: Annotated[bool, typer.Option("--mentions", help="One row per report (mention) instead of per merged event.")] = False,
    include_rejected: IncludeRejected = False,
    pack: PackOpt = "syria",
):
    """List events in the store, filtered: one row per real-world event (its reports merged)."""
    store = _store(db)
    filters = dict(actor=actor, type=type, place=place, since=_parse_day(since, "--since"), until=_parse_day(until, "--until"))
    if mentions:
        rows = store.events(**filters)
        if not include_rejected:
            rows = [r for r in rows if r["review_state"] != "rejected"]
    else:
        rows = store.merged_events(**filters, include_rejected=include_rejected, pack=_load_pack_quietly(pack))
    if as_json:
        _print_json(rows)
    else:
        console.print(_events_table(rows, "mentions" if mentions else "events"))


@app.command()
def explain(
    event_id: Annotated[str, typer.Argument(help="An event's id, its ACLED-style event_id_cnty (SYR1234567), or a merged event's m-... id (each report explained).")],
    db: DbOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the event with its frame and coding as JSON.")] = False,
):
    """Why an event was coded as it is: the frame read from the text, the codebook rule, the evidence."""
    from .merge import MERGED_PREFIX

    store = _store(db)
    ids = store.review_targets(event_id)  # a merged event stands for each report behind it
    if not ids:
        fail(f"no event {event_id!r} (see `frontlines events --json` for ids)")
    evs = [store.event(i) for i in ids]
    if as_json:
        _print_json(evs if event_id.startswith(MERGED_PREFIX) else evs[0])
        return
    for ev in evs:
        console.print(_explanation(ev))


def _explanation(ev: dict) -> Table:
    """The frame, the rule and the evidence of one event, as a two-column table."""
    def who(p: dict | None) -> str:
        if not p:
            return "-"
        out = p["text"] if not p.get("actor") or p["actor"] == p["text"] else f"{p['text']} -> {p['actor']}"
        return f"{out} ({p['kind']})" if p.get("kind") else out

    table = Table(title=f"event {ev['id']} ({ev['event_id_cnty']}): {ev['event_type']} / {ev['sub_event_type']}",
                  show_header=False, title_justify="left")
    table.add_column("", style="bold")
    table.add_column("", overflow="fold")
    coded = f"{ev.get('actor1') or '-'} vs {ev.get('actor2') or '-'} at {ev.get('location') or '-'} " \
            f"({ev.get('admin1') or '-'}; geo_precision {ev.get('geo_precision')}), {ev.get('event_date') or '?'} " \
            f"(time_precision {ev.get('time_precision')}), {ev.get('fatalities', 0)} killed"
    table.add_row("coded as", coded)
    info = ev.get("coding") or {}
    frame, rule = info.get("frame"), info.get("coding")
    if not frame:
        table.add_row("frame", "not recorded (stored before frames were kept: run its document again)")
    else:
        place = frame.get("place") or {}
        time = frame.get("time") or {}
        claim = frame.get("claim") or {}
        table.add_row("action", f"{frame['action']} (\"{frame['trigger']}\")")
        table.add_row("agent", who(frame.get("agent")))
        table.add_row("targets", ", ".join(who(t) for t in frame.get("targets") or []) or "-")
        table.add_row("instrument", frame.get("instrument") or "-")
        table.add_row("place", f"{place.get('text')} -> {place.get('name')} ({place.get('kind')}), "
                               f"geo_precision {place.get('geo_precision')}" if place else "-")
        table.add_row("time", f"{time.get('date') or '?'}, precision {time.get('precision')}, from {time.get('from')}")
        table.add_row("casualties", f"{frame.get('killed', 0)} killed"
                                    + (f", {frame['injured']} injured" if frame.get("injured") else ""))
        table.add_row("claim", (f"hedged ({claim.get('cue')!r}), claimed by {claim.get('claimant') or 'unnamed'}"
                                if claim.get("hedged") else "stated as fact"))
    if rule:
        if rule.get("by") == "classifier":
            text = (f"the sentence classifier chose among {', '.join(rule.get('candidates') or [])} "
                    f"(p={rule.get('p')}) for trigger '{rule.get('trigger')}'")
        else:
            when = "; ".join(f"{k}: {v}" for k, v in (rule.get("when") or {}).items()) or "always"
            where = f"rule {rule['rule']} of {rule['of']}" if rule.get("rule") else "rule"
            text = f"lexicons.yaml, trigger '{rule.get('trigger')}', {where} (when {when})"
        table.add_row("rule", f"{text} -> {rule.get('sub_event_type')} -> {rule.get('event_type')}")
    table.add_row("review", f"{ev.get('review_state')}; reviewed fields: {', '.join(ev.get('reviewed_fields') or []) or '-'}")
    for src in ev.get("sources") or []:
        table.add_row("evidence", f"[{src.get('doc_id')}, chars {src.get('evidence_start')}-{src.get('evidence_end')}] "
                                  f"{src.get('evidence')}")
    return table


@app.command()
def export(
    format: Annotated[str, typer.Option("--format", "-f", help="acled-csv | json | geojson")] = "acled-csv",
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="File to write (default: stdout).")] = None,
    db: DbOpt = None,
    include_rejected: IncludeRejected = False,
    pack: PackOpt = "syria",
):
    """Export every event, one row per real-world event: ACLED's 31-column CSV, JSON, or GeoJSON."""
    from . import export as exp

    writers = {"acled-csv": exp.write_acled_csv, "json": exp.write_json, "geojson": exp.write_geojson}
    if format not in writers:
        raise typer.BadParameter(f"unknown format {format!r}; choose one of {', '.join(writers)}", param_hint="--format")
    rows = _store(db).merged_events(include_rejected=include_rejected, pack=_load_pack_quietly(pack))
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
        _print_json(rows)
        return
    table = Table(title=f"failures ({len(rows)})")
    for col in ("path", "line", "reason"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(r["path"], str(r.get("line") or ""), r["reason"])
    console.print(table)


@app.command()
def documents(
    db: DbOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
):
    """Documents in the store: outlet, publication date and where it came from (metadata, dateline, inferred)."""
    rows = _store(db).documents()
    if as_json:
        _print_json(rows)
        return
    table = Table(title=f"documents ({len(rows)})")
    for col in ("id", "outlet", "published", "from", "sure", "events", "note"):
        table.add_column(col, overflow="fold")
    for d in rows:
        conf = d.get("published_confidence")
        table.add_row(d["id"], d.get("outlet") or "", str(d.get("published") or ""), d.get("published_source") or "",
                      f"{conf:.1f}" if conf is not None else "", str(d.get("n_events", "")), d.get("published_note") or "")
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
        fail(exc)
    ids = set(ev.gold_doc_ids(gold_data))
    pipeline = _pipeline(pack)
    with tempfile.TemporaryDirectory(prefix="frontlines-eval-") as tmp:
        store = _store(str(Path(tmp) / "eval.db"))
        process_into_store(docs, store, pipeline, only_ids=ids, quiet=True)
        predictions = predictions_from_store(store, ids)
        store.close()
    report = ev.score(gold_data, predictions)
    if as_json:
        _print_json(report)
        return
    console.print(ev.format_report(report))
    console.print(ev.summary_line(report))


def predictions_from_store(store, ids: set[str]) -> dict[str, dict]:
    """Per gold document, the events and relations stored for it. A repost is not extracted: its
    predictions are those of the copy of its group that was (`Store.appearance_groups`)."""
    docs = {d["id"]: d for d in store.documents() if d["id"] in ids}
    preds: dict[str, dict] = {i: {"processed": True, "published": d.get("published"), "events": [], "relations": []} for i, d in docs.items()}
    groups = store.appearance_groups()
    wanted = sorted({m for i in docs for m in groups.get(i, [i])})
    for e in store.events(doc_ids=wanted):
        own = [src["doc_id"] for src in e.get("sources", [])]
        for d in own:
            if d in preds:
                preds[d]["events"].append(e)
        for d in sorted({m for o in own for m in groups.get(o, []) if m in preds and m not in own}):
            preds[d]["events"].append(e)
    for r in store.relations(doc_ids=wanted):
        for d in groups.get(r["doc_id"], [r["doc_id"]]):
            if d in preds:
                preds[d]["relations"].append(r)
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
        fail(f"unknown source format {kind!r}: only 'geonames' is supported")
    if not file.is_file():
        fail(f"{file}: no such file")
    p = load_pack(pack)
    try:
        added = import_geonames(p.root, file)
    except (PackError, ValueError) as exc:
        fail(exc)
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
        _print_json(report)


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
        _print_json(report)


@bench_app.command("acled-notes")
def bench_acled_notes(
    file: Annotated[Path, typer.Argument(help="JSONL of ACLED events with their `notes` (acled-syria-notes format).")],
    pack: PackOpt = "syria",
    limit: Annotated[Optional[int], typer.Option(help="Only the first N notes.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
):
    """Each ACLED note as one document: our best-matching event vs ACLED's coding (evaluation only)."""
    from .bench_acled import run_acled_notes

    if not file.is_file():
        raise typer.BadParameter(f"{file}: no such file", param_hint="FILE")
    try:
        report = run_acled_notes(file, _pipeline(pack), limit=limit, console=None if as_json else console)
    except (ValueError, KeyError) as exc:
        fail(exc)
    if as_json:
        _print_json(report)


token_app = typer.Typer(help="Bearer tokens for the workbench's write endpoints.", no_args_is_help=True)
app.add_typer(token_app, name="token")


@app.command()
def serve(
    db: DbOpt = None,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    pack: PackOpt = "syria",
):
    """The analyst's workbench: the web app and the JSON API (/api/, docs at /docs) over the store."""
    import uvicorn

    from .server import create_app

    application = create_app(db, pack=pack)
    err.print(f"workbench on http://{host}:{port}/ (API docs: /docs) over {escape(application.state.store.url)}")
    uvicorn.run(application, host=host, port=port, log_level="warning")


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Option("--name", "-n", help="Who uses it: recorded as `who` on every change.")] = "analyst",
    db: DbOpt = None,
):
    """Create a bearer token for review (printed once; only its hash is stored)."""
    name = _reviewer(name, "--name")
    store = _store(db)
    try:
        token = store.create_token(name)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--name")
    err.print(f"token for [bold]{escape(name)}[/bold] (shown once; send it as 'Authorization: Bearer <token>'):")
    sys.stdout.write(token + "\n")


@token_app.command("list")
def token_list(db: DbOpt = None):
    """List tokens (names and dates; the tokens themselves are not stored)."""
    table = Table(title="tokens")
    for col in ("id", "name", "created", "last used"):
        table.add_column(col)
    for t in _store(db).tokens():
        table.add_row(str(t["id"]), t["name"], t["created_at"] or "", t["last_used_at"] or "")
    console.print(table)


@token_app.command("revoke")
def token_revoke(token_id: Annotated[int, typer.Argument(help="The id `frontlines token list` shows.")], db: DbOpt = None):
    """Revoke a token."""
    if not _store(db).revoke_token(token_id):
        fail(f"no token {token_id}", 1)
    console.print(f"revoked token {token_id}")


@app.command()
def graph(
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="Only what was valid on this date (YYYY-MM-DD).")] = None,
    around: Annotated[Optional[str], typer.Option("--around", help="Ego network of this actor (name, alias or id).")] = None,
    depth: Annotated[int, typer.Option(help="With --around: how many steps out.")] = 1,
    format: Annotated[str, typer.Option("--format", "-f", help="table | graphml | gexf | json")] = "table",
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="File to write (default: stdout).")] = None,
    db: DbOpt = None,
    pack: PackOpt = "syria",
):
    """The actor network: pack affiliations, extracted relations and derived clashes, with sources."""
    from .network import build_network, role_of, write_graph
    from .pack import load_pack

    if format not in ("table", "graphml", "gexf", "json"):
        raise typer.BadParameter(f"unknown format {format!r}; choose table, graphml, gexf or json", param_hint="--format")
    try:
        net = build_network(_store(db), load_pack(pack), as_of=_parse_day(as_of, "--as-of"), around=around, depth=depth)
    except KeyError as exc:
        fail(exc)
    if format == "table":
        from .network import _edge_attrs

        title = f"actor network{' as of ' + as_of if as_of else ''}{' around ' + net.nodes[net.around]['name'] if net.around else ''}"
        table = Table(title=f"{title} ({len(net.edges)} edges)")
        cols = ("source", "relation", "target", "role", "valid", "conf.", "hedged", "derived", "sources")
        for col in cols:
            table.add_column(col, overflow="fold")
        for e in net.edges:
            a = _edge_attrs(e)
            role = ""
            if net.around in (e.source, e.target) and e.source != e.target:
                other = e.target if e.source == net.around else e.source
                role = f"{net.nodes[other]['name']}: {role_of(e.type, e.source == net.around)}"
            valid = f"{a['valid_from'] or a['first_seen'] or '?'}–{a['valid_to']}"
            src = a["source_names"] + (f" ({a['count']} events)" if e.derived else "")
            table.add_row(net.nodes[e.source]["name"], e.type, net.nodes[e.target]["name"], role, valid,
                          f"{a['confidence']:.2f}", "claim" if a["hedged"] else "", "derived" if e.derived else "", src)
        console.print(table)
        return
    if output:
        output.parent.mkdir(parents=True, exist_ok=True)
        with output.open("w" if format == "json" else "wb", **({"encoding": "utf-8"} if format == "json" else {})) as fh:
            write_graph(net, fh, format)
        err.print(f"wrote {len(net.nodes)} actors and {len(net.edges)} edges to {output}")
    elif format == "json":
        write_graph(net, sys.stdout, "json")
    else:
        write_graph(net, sys.stdout.buffer, format)


@app.command("actor")
def actor_cmd(
    name: Annotated[str, typer.Argument(help="Actor name, alias, abbreviation or id.")],
    db: DbOpt = None,
    pack: PackOpt = "syria",
    as_json: Annotated[bool, typer.Option("--json", help="Print the profile as JSON.")] = False,
):
    """An actor's profile: aliases, type, affiliations over time, leaders, events by month, with sources."""
    from .network import actor_profile
    from .pack import load_pack

    try:
        prof = actor_profile(_store(db), load_pack(pack), name)
    except KeyError as exc:
        fail(exc)
    if as_json:
        _print_json(prof)
        return
    active = f"{prof['active_from'] or '?'}–{prof['active_to'] or ''}" if (prof["active_from"] or prof["active_to"]) else "?"
    console.print(f"[bold]{escape(prof['name'])}[/bold]  ({prof['id']}; ACLED: {escape(prof['acled_name'] or '-')}; "
                  f"inter {prof['inter']}; {prof['kind'] or 'kind unknown'}; active {active}"
                  f"{'' if prof['in_pack'] else '; not in the pack'})")
    console.print("aliases: " + escape(", ".join(prof["aliases"][:25]) + (" …" if len(prof["aliases"]) > 25 else "")))
    if prof["predecessors"] or prof["successors"]:
        console.print(f"predecessors: {', '.join(prof['predecessors']) or '-'}; successors: {', '.join(prof['successors']) or '-'}")
    if prof["leaders"]:
        console.print("leaders: " + escape("; ".join(
            f"{ld['name']}{' (since ' + ld['since'] + ')' if ld.get('since') else ''} [{', '.join(ld['sources'])}]"
            for ld in prof["leaders"])))
    table = Table(title=f"affiliations ({len(prof['affiliations'])})")
    for col in ("from", "to", "relation", "actor", "hedged", "sources"):
        table.add_column(col, overflow="fold")
    for t in prof["affiliations"]:
        table.add_row(t["valid_from"] or t["first_seen"] or "?", t["valid_to"], t["role"] + (" (derived)" if t["derived"] else ""),
                      t["other"], "claim" if t["hedged"] else "",
                      t["source_names"] + (f" ({t['count']} events)" if t["derived"] else ""))
    console.print(table)
    table = Table(title="events by month")
    for col in ("month", "events", "fatalities", "types", "sources"):
        table.add_column(col, overflow="fold")
    for m in prof["events_by_month"]:
        table.add_row(m["month"], str(m["events"]), str(m["fatalities"]),
                      ", ".join(f"{k} {v}" for k, v in m["by_type"].items()), "; ".join(m["sources"]))
    console.print(table)


@app.command()
def changes(
    since: Annotated[str, typer.Option("--since", help="From this date (YYYY-MM-DD), inclusive.")],
    until: Annotated[Optional[str], typer.Option("--until", help="Up to this date, inclusive.")] = None,
    db: DbOpt = None,
    pack: PackOpt = "syria",
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
):
    """New alliances, splits, defections, leadership changes and first-seen actors since a date."""
    from .changes import detect_changes
    from .pack import load_pack

    items = detect_changes(_store(db), load_pack(pack), _parse_day(since, "--since"), _parse_day(until, "--until"))
    if as_json:
        _print_json(items)
        return
    table = Table(title=f"changes since {since} ({len(items)})")
    for col in ("kind", "date", "actor", "relation", "other", "hedged", "evidence"):
        table.add_column(col, overflow="fold")
    for i in items:
        ev = []
        for e in i["evidence"]:
            if e["kind"] == "pack":
                ev.append("pack" + (f": {e['note']}" if e.get("note") else ""))
            elif e["kind"] == "event":
                ev.append(f"{e.get('source') or e['event_id']}: {e.get('event_type')} at {e.get('location') or '?'}")
            else:
                ev.append(f"{e.get('outlet') or e.get('doc_id')}: “{(e.get('evidence') or '').strip()[:160]}”")
        table.add_row(i["kind"], i["date"], i["source"], i["type"] if i["kind"] != "first_seen" else "",
                      i["target"] or "", "claim" if i["hedged"] else "", "\n".join(ev))
    console.print(table)


@app.command()
def clusters(
    db: DbOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the merged events as JSON.")] = False,
):
    """Events merged across documents: sources, why they were merged, where the sources disagree."""
    from .merge import merged_events

    rows = [e for e in merged_events(_store(db)) if len(e["event_ids"]) > 1]
    if as_json:
        _print_json(rows)
        return
    table = Table(title=f"merged events ({len(rows)})")
    for col in ("cluster", "date", "type", "location", "fat.", "source", "why", "disagree on"):
        table.add_column(col, overflow="fold")
    for e in rows:
        why = []
        for m in e["merge_reason"]:
            for link in (m.get("reason") or {}).get("links", []):
                km = "?" if link["distance_km"] is None else f"{link['distance_km']:g}"
                why.append(f"{km} km, {link['day_gap']} d, shared: {', '.join(link['shared_actors'])}")
            if m.get("locked"):
                why.append(f"reviewer: {m.get('merged_by') or '?'}")
        disagree = [f"{d['field']}: " + " / ".join(f"{v['value']} ({v['source']})" for v in d["values"]) for d in e["discrepancies"]]
        table.add_row(e["id"], e.get("event_date") or "?", e["event_type"], e.get("location") or "", str(e["fatalities"]),
                      e["source"], "\n".join(why), "\n".join(disagree))
    console.print(table)


@app.command("split")
def split_cmd(
    event_id: Annotated[str, typer.Argument(help="The event to take out of its merged event.")],
    who: Annotated[Optional[str], typer.Option(help="Reviewer name (recorded).")] = None,
    db: DbOpt = None,
):
    """Undo a merge: the event stands alone and later runs never merge it back."""
    from .merge import split_event

    who = _reviewer(who, "--who")
    try:
        res = split_event(_store(db), event_id, who)
    except (KeyError, ValueError) as exc:
        fail(exc)
    console.print(f"split {res['event_id']} from {', '.join(res['apart_from'])}")


@app.command("merge")
def merge_cmd(
    event_ids: Annotated[list[str], typer.Argument(help="Two or more event ids reporting one event (a merged event's m-... id stands for its reports).")],
    who: Annotated[Optional[str], typer.Option(help="Reviewer name (recorded).")] = None,
    db: DbOpt = None,
):
    """Merge events by hand: later runs never split them."""
    from .merge import merge_manual

    who = _reviewer(who, "--who")
    store = _store(db)
    # a merged event's id (m-<cluster id>, as `frontlines events` lists it) stands for all its reports
    ids = [i for e in event_ids for i in store.review_targets(e) or [e]]
    try:
        res = merge_manual(store, ids, who)
    except (KeyError, ValueError) as exc:
        fail(exc)
    console.print(f"merged {', '.join(res['event_ids'])} as {res['cluster_id']}")


# live sources (issue 15): `frontlines sources ...` and `frontlines watch`, in their own module
from .watch_cli import sources_app, watch  # noqa: E402 - it uses the helpers above, at call time

app.add_typer(sources_app, name="sources")
app.command()(watch)


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
