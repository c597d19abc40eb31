"""`frontlines sources add|list|remove` and `frontlines watch`: the commands; the work is in watch.py.

Registered by cli.py. Nothing from cli.py is imported at module level (cli.py imports this module at its
end, and `python -m frontlines.cli` would otherwise import it twice over): its helpers are imported
inside the commands.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Optional
from urllib.parse import urlsplit

import typer

sources_app = typer.Typer(help="Live sources (RSS/Atom feeds, sitemaps) that `frontlines watch --sources` polls.",
                          no_args_is_help=True)

# the same option as cli.DbOpt (see the module docstring for why it is not imported)
DbOpt = Annotated[Optional[str], typer.Option("--db", help="SQLite file or SQLAlchemy URL (default: $FRONTLINES_DB or the user data dir).")]
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@sources_app.command("add")
def sources_add(
    name: Annotated[str, typer.Argument(help="A short name: letters, digits, '.', '_' or '-' (it prefixes the documents' ids).")],
    url: Annotated[str, typer.Argument(help="The feed's or sitemap's http(s) URL.")],
    kind: Annotated[str, typer.Option("--kind", help="rss, atom, sitemap, or auto (told from the content).")] = "auto",
    db: DbOpt = None,
):
    """Add a live source."""
    from .cli import _store, console, fail
    from .store.feeds import Feeds

    if not _NAME_RE.match(name):
        raise typer.BadParameter(f"{name!r}: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit",
                                 param_hint="NAME")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise typer.BadParameter(f"{url!r} is not an http(s) URL", param_hint="URL")
    try:
        row = Feeds(_store(db)).add(name, url, kind)
    except ValueError as exc:
        fail(exc)
    console.print(f"added source {row['name']} ({row['kind']}): {row['url']}", markup=False, highlight=False)


@sources_app.command("list")
def sources_list(
    db: DbOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array: each source with its fetch state.")] = False,
):
    """The live sources with their state: last fetch, stored items, failures in a row, last error, next retry."""
    from rich.table import Table

    from .cli import _print_json, _store, console
    from .store.feeds import Feeds

    rows = Feeds(_store(db)).list()
    if as_json:
        _print_json(rows)
        return
    table = Table(title=f"sources ({len(rows)})")
    for col in ("name", "kind", "url", "last fetched", "items stored", "failures", "last error", "retry after"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(r["name"], r["kind"], r["url"], r["last_fetched_at"] or "never", str(r["stored_items"]),
                      str(r["failures"]), r["last_error"] or "", r["retry_at"] or "")
    console.print(table)


@sources_app.command("remove")
def sources_remove(name: Annotated[str, typer.Argument(help="The source's name.")], db: DbOpt = None):
    """Remove a live source (what was taken from it stays stored and is never fetched again)."""
    from .cli import _store, console, fail
    from .store.feeds import Feeds

    if not Feeds(_store(db)).remove(name):
        fail(f"no source named {name!r} (see `frontlines sources list`)")
    console.print(f"removed source {name}", markup=False, highlight=False)


def watch(
    folder: Annotated[Optional[Path], typer.Argument(metavar="FOLDER", help="A folder to watch: new or changed files are processed each cycle.")] = None,
    sources: Annotated[bool, typer.Option("--sources", help="Poll the live sources (`frontlines sources add`).")] = False,
    every: Annotated[str, typer.Option("--every", help="Time between cycles: 30s, 10m, 1h.")] = "10m",
    once: Annotated[bool, typer.Option("--once", help="Run one cycle and exit.")] = False,
    delay: Annotated[float, typer.Option("--delay", min=0, help="Seconds between two requests to one host (politeness; a longer robots.txt Crawl-delay wins).")] = 2.0,
    db: DbOpt = None,
    pack: Annotated[str, typer.Option("--pack", help="Knowledge pack: a name under frontlines/packs or a folder.")] = "syria",
):
    """Fetch and process what is new, every --every: a folder's new or changed files, the live sources' new items.

    Feeds and sitemaps are asked with conditional GETs; each new page is checked against robots.txt, fetched politely, its article extracted (trafilatura) and run like `frontlines run`; nothing is fetched twice. A source that fails is reported (an `error:` line), backed off and retried later. Ctrl-C stops after the current item.
    """
    from .cli import _pipeline, _store, console, err, fail, process_into_store
    from .watch import Fetcher, Watcher, parse_every, run_loop

    if folder is None and not sources:
        raise typer.BadParameter("name a FOLDER, or give --sources (or both)", param_hint="FOLDER")
    try:
        seconds = parse_every(every)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--every") from None
    if folder is not None and not folder.is_dir():
        fail(f"{folder}: not a folder")
    store = _store(db)
    if sources:
        from .store.feeds import Feeds

        if not Feeds(store).list():
            fail("no live sources yet: add one with `frontlines sources add NAME URL`")

    def report(line: str) -> None:
        if line.startswith("error:"):
            err.print(line, markup=False, highlight=False)
        else:
            console.print(line, markup=False, highlight=False)

    watcher = Watcher(store, _pipeline(pack), process=process_into_store, folder=folder, sources=sources,
                      fetcher=Fetcher(delay=delay) if sources else None, report=report)
    try:
        run_loop(watcher, seconds, once)
    except KeyboardInterrupt:
        err.print("stopped")
        raise typer.Exit(130)
    if once and watcher.last.get("sources_failed"):
        raise typer.Exit(1)  # for a scheduler running one cycle at a time
