"""The `bioatlas` command: thin wrappers that parse, call services and print."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from bioatlas.core import commands
from bioatlas.core.commands import console
from bioatlas.core.config import SettingsError, describe_settings, load_settings
from bioatlas.jobs import service as jobs

app = typer.Typer(help="Bioprod Atlas: map and connect a life-science industrial ecosystem.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema (Alembic migrations), online backup and restore.", no_args_is_help=True)
import_app = typer.Typer(help="Import data into the atlas.", no_args_is_help=True)
demo_app = typer.Typer(help="The demo ecosystem (real open data).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(import_app, name="import")
app.add_typer(demo_app, name="demo")


@app.callback()
def _start() -> None:
    """Bioprod Atlas: map and connect a life-science industrial ecosystem."""
    from bioatlas.core import listeners

    listeners.install()  # every feature's commit listeners (change log, search documents, vectors)
    try:  # the task queue of this run (work queued after large commits); bad settings: the command says so
        jobs.configure(load_settings())
    except SettingsError:
        pass


@app.command()
def settings() -> None:
    """List every setting, its environment variable, default and meaning."""
    table = Table("environment variable", "default", "meaning")
    for row in describe_settings():
        table.add_row(row["env"], row["default"], row["description"])
    Console().print(table)


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Create or migrate the database schema to the latest version."""
    from bioatlas.core import migrate

    s = commands.settings()
    engine = commands.engine(s)
    migrate.upgrade(engine, revision)
    console.print(f"database at revision [bold]{migrate.current(engine)}[/bold] ({engine.url.render_as_string(hide_password=True)})")


@db_app.command("current")
def db_current() -> None:
    """Print the schema revision of the database."""
    from bioatlas.core import migrate

    print(migrate.current(commands.engine(commands.settings())) or "(empty database)")


@db_app.command("backup")
def db_backup(
    dest: Path = typer.Argument(..., help="the backup file to write (SQLite: a database file; PostgreSQL: a pg_dump archive)"),
    json_out: bool = typer.Option(False, "--json", help="print the report as JSON"),
) -> None:
    """Back up the database while it serves: one consistent snapshot (SQLite's backup API, or
    pg_dump), written beside DEST, checked, then renamed. Never copy the live file by hand."""
    from bioatlas.core import backup
    from bioatlas.core.errors import FileError

    try:
        report = backup.backup(commands.engine(commands.settings()), dest)
    except FileError as exc:
        console.print(f"[red]backup failed:[/red] {exc}", soft_wrap=True)  # a path is never folded
        raise typer.Exit(1) from None
    if json_out:
        print(json.dumps(report.as_dict()))
    else:
        console.print(f"backup written: {report.path} ({report.bytes:,} bytes, schema {report.revision})")


@db_app.command("restore")
def db_restore(
    src: Path = typer.Argument(..., help="a file written by `bioatlas db backup`"),
    yes: bool = typer.Option(False, "--yes", help="do not ask for confirmation"),
) -> None:
    """Replace the whole database with a backup, in one transaction (stop the server first: its
    in-memory indexes would describe the old data). Then run `bioatlas db upgrade`."""
    from bioatlas.core import backup
    from bioatlas.core.errors import FileError

    engine = commands.engine(commands.settings())
    where = engine.url.render_as_string(hide_password=True)
    if not yes and not typer.confirm(f"Replace every row of {where} with {src}?"):
        raise typer.Exit(1)
    try:
        report = backup.restore(engine, src)
    except FileError as exc:
        console.print(f"[red]restore refused:[/red] {exc} (the database is unchanged)", soft_wrap=True)
        raise typer.Exit(1) from None
    console.print(f"restored {src} into {where} (schema {report.revision})")


def _renderers_option(value: Optional[str]) -> Optional[str]:
    """`--renderers`: a number of processes (0-64) or auto."""
    if value is None or value == "auto":
        return value
    if not value.isdigit() or int(value) > 64:
        raise typer.BadParameter(f"{value!r} is neither a number from 0 to 64 nor auto")
    return value


def read_in_atlas(engine) -> None:
    """Ask the kernel to read the atlas's files (the SQLite file, its index files and Tantivy
    index) into the page cache before the port opens (core/page_cache.py), and say how much."""
    from bioatlas.core import index_files, page_cache
    from bioatlas.search import tantivy_index

    url = engine.url
    database = Path(url.database) if url.get_backend_name() == "sqlite" and url.database \
        and url.database != ":memory:" and not url.database.startswith("file:") else None
    paths = [database, index_files.folder_for(engine), tantivy_index.index_dir(engine)]
    inside, total = page_cache.resident(paths)
    done = page_cache.read_in(paths)
    if total:
        console.print(f"reading the atlas's files into memory: {done.bytes / 2**20:,.0f} of {total / 2**20:,.0f} MiB "
                      f"asked ({inside / total:.0%} were there)"
                      + (f"; {done.skipped} left to be read on demand (over half the available memory)"
                         if done.skipped else ""))


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    reload: bool = typer.Option(False, help="restart on code changes (development; one process)"),
    workers: Optional[int] = typer.Option(
        None, min=1, max=64,
        help="worker processes (default: one per CPU core); they are forked after the in-memory indexes "
             "are built, and share them"),
    renderers: Optional[str] = typer.Option(
        None, callback=_renderers_option, metavar="N|auto",
        help="with several workers: processes that compute the uncached anonymous reads, so that cached "
             "answers never wait for them (0-64); auto: one per worker when the atlas holds at least 100,000 "
             "active actors (a miss then costs tens of milliseconds), none below "
             "(default: BIOATLAS_RENDERERS, else auto)"),
) -> None:
    """Serve the web application and API (migrates the database first).

    The in-memory indexes (map, search facets, vectors, resolver) are built before the port opens, so the first request is answered at full speed; with several workers they are built once and the workers are forked from that process.

    The map, search facet and resolver indexes are saved beside a SQLite atlas (ATLAS.indexes/), or for PostgreSQL under the data directory (DATA_DIR/indexes/, one folder per database), and read back at the next start instead of being built (memory-mapped, shared by the workers; the changes since are applied, and saved again when they were many; a damaged or stale file is rebuilt). BIOATLAS_INDEX_FILES=0 turns this off. `bioatlas jobs worker` saves them again while the server runs. A Tantivy index that must be rebuilt is rebuilt in a process of its own while full-text search answers from SQLite's index.

    Before the indexes are built, the kernel is asked to read the atlas's files (the SQLite file, the index files, the Tantivy index) into its page cache, smallest first, up to half the available memory: the first requests do not wait for the disk.

    Anonymous reads are cached per data version (BIOATLAS_RESPONSE_CACHE)."""
    import os

    from bioatlas.app import create_app, run_server, warm_now
    from bioatlas.core import index_files, migrate
    from bioatlas.atlas.stats import active_actors
    from bioatlas.search import tantivy_index
    from bioatlas.web.renderers import how_many

    s = commands.settings()
    migrate.upgrade(commands.engine(s))
    if reload:
        import uvicorn

        uvicorn.run("bioatlas.app:app_from_environment", factory=True, host=host, port=port, reload=True)
        return
    count = workers or os.cpu_count() or 1
    index_files.enable(root=s.data_dir / "indexes")  # indexes read from / saved to files (PostgreSQL: under root)
    files_engine = commands.engine(s)
    try:
        read_in_atlas(files_engine)  # the kernel reads them while the indexes are built
    finally:
        files_engine.dispose()  # no connection of this process's crosses the fork
    tantivy_index.rebuild_apart()  # a background rebuild's memory in a process of its own, not in what forks
    application = create_app(s)
    if s.warm_up and s.environment != "test":
        console.print("building the in-memory indexes…")
        seconds = warm_now(application, freeze=True)
        console.print("built in " + ", ".join(f"{name} {secs:.1f} s" for name, secs in seconds.items()))
    helpers = how_many(renderers if renderers is not None else s.renderers, workers=count,
                       actors=lambda: active_actors(application.state.engine))
    console.print(f"Bioprod Atlas on http://{host}:{port}  ({count} worker{'s' if count > 1 else ''}"
                  + (f", {helpers} renderer{'s' if helpers > 1 else ''}" if helpers else "") + "; API docs: /docs)")
    run_server(application, host=host, port=port, workers=count, renderers=helpers)


@import_app.command("actors")
def import_actors_cmd(
    file: Annotated[Path, typer.Argument(help="CSV or XLSX file, French or English headers")],
    mapping: Annotated[Optional[Path], typer.Option(help="TOML file: [columns] \"Header in file\" = \"field\"")] = None,
    encoding: Annotated[Optional[str], typer.Option(help="CSV encoding when not UTF-8, e.g. cp1252")] = None,
    sheet: Annotated[Optional[str], typer.Option(help="XLSX sheet name (default: the first)")] = None,
    source_title: Annotated[Optional[str], typer.Option("--source", help="title of the source (default: the file name)")] = None,
    licence: Annotated[Optional[str], typer.Option(help="licence of the file's data")] = None,
    dry_run: Annotated[bool, typer.Option(help="check everything, write nothing")] = False,
    skip_invalid: Annotated[bool, typer.Option(help="import the valid rows, report the others")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON on stdout")] = False,
) -> None:
    """Import actors from a spreadsheet. Re-importing updates; nothing is written if a row is bad.

    Exit status: 0 imported, 1 rows rejected (nothing written unless --skip-invalid), 2 unreadable file."""
    from bioatlas.atlas.importer.errors import ImportFileError
    from bioatlas.atlas.importer.run import import_actors
    from bioatlas.atlas.records import SourceRecord
    from bioatlas.atlas.taxonomy import load_taxonomies

    s = commands.settings()
    source = None
    if source_title or licence:
        title = source_title or file.name
        source = SourceRecord(key=f"file:{file.name}", title=title, kind="file", licence=licence)
    try:
        report = import_actors(
            commands.migrated_factory(s), file, taxonomies=load_taxonomies(s.extra_taxonomy_dir), mapping=mapping, encoding=encoding,
            sheet=sheet, source=source, dry_run=dry_run, skip_invalid=skip_invalid, max_bytes=s.max_upload_bytes * 10,
        )
    except ImportFileError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    body = report.as_dict()
    if as_json:
        print(json.dumps(body, ensure_ascii=False, indent=2))
    else:
        _print_report(file, body, dry_run)
    if body.get("errors") and not skip_invalid:
        raise typer.Exit(1)


def _print_report(file: Path, body: dict, dry_run: bool) -> None:
    counts = body
    summary = ", ".join(f"{k} {counts.get(k, 0)}" for k in ("read", "created", "updated", "unchanged", "rejected"))
    console.print(f"[bold]{file.name}[/bold]{' (dry run)' if dry_run else ''}: {summary}")
    for w in body.get("warnings", []):
        console.print(f"[yellow]warning:[/yellow] {w}")
    errors = body.get("errors", [])
    if errors:
        table = Table("line", "column", "value", "reason", title="rejected rows")
        for e in errors[:200]:
            table.add_row(str(e.get("line", "")), str(e.get("column", "")), str(e.get("value", ""))[:40], str(e.get("reason", "")))
        console.print(table)
        if len(errors) > 200:
            console.print(f"… and {len(errors) - 200} more (use --json for all)")
        if not body.get("committed", False):
            console.print("[red]nothing was written[/red]")


@app.command("export")
def export_cmd(
    format: Annotated[str, typer.Option("--format", "-f", help="csv, xlsx, json or geojson")] = "csv",
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="file to write (default: stdout)")] = None,
    kind: Annotated[list[str], typer.Option(help="actor kind code (repeatable)")] = [],
    modality: Annotated[list[str], typer.Option(help="therapeutic modality code (repeatable)")] = [],
    step: Annotated[list[str], typer.Option(help="value-chain step code (repeatable)")] = [],
    region: Annotated[list[str], typer.Option(help="INSEE region code, e.g. 11 (repeatable)")] = [],
    departement: Annotated[list[str], typer.Option(help="département code, e.g. 91 (repeatable)")] = [],
    q: Annotated[str, typer.Option(help="text in any name")] = "",
    scope: Annotated[str, typer.Option(help="sector (the sector scope, see docs/sector-scope.md) or all")] = "all",
    lang: Annotated[str, typer.Option(help="language of the labels: fr or en")] = "fr",
) -> None:
    """Export the actors of a filtered view (the same filters as the map and the API)."""
    from bioatlas.atlas.exporter import stream_in_session
    from bioatlas.atlas.filters import FilterError, parse_filter
    from bioatlas.atlas.geocode import gazetteer
    from bioatlas.atlas.taxonomy import load_taxonomies

    if format not in ("csv", "xlsx", "json", "geojson"):
        console.print(f"[red]--format: expected csv, xlsx, json or geojson, got {format!r}[/red]")
        raise typer.Exit(2)
    s = commands.settings()
    taxonomies = load_taxonomies(s.extra_taxonomy_dir)
    params = {"kind": kind, "modality": modality, "step": step, "region": region, "departement": departement, "q": [q],
              "scope": [scope]}
    try:
        f = parse_filter(params, taxonomies, gazetteer())
    except FilterError as exc:
        console.print(f"[red]--{exc.field}: {exc}[/red]")
        raise typer.Exit(2) from None
    if not output and format == "xlsx":
        console.print("[red]xlsx is binary: give --output FILE[/red]")
        raise typer.Exit(2)
    pieces = stream_in_session(commands.migrated_factory(s), f=f, taxonomies=taxonomies, fmt=format, lang=lang)
    if output:  # written as read: memory stays bounded whatever the view's size
        size = 0
        with output.open("wb") as out:
            for piece in pieces:
                out.write(piece)
                size += len(piece)
        console.print(f"wrote {output} ({size:,} bytes)")
    else:
        for piece in pieces:
            sys.stdout.buffer.write(piece)


@demo_app.command("load")
def demo_load(
    if_empty: Annotated[bool, typer.Option(help="do nothing when the demo is already loaded")] = False,
) -> None:
    """Load the demo: French ROR organisations, the organisations named in the sector's articles,
    the EMA medicines lists and the ROME occupations (real open data, idempotent)."""
    from rich.progress import Progress

    from bioatlas.atlas.taxonomy import load_taxonomies
    from bioatlas.demo.load import has_demo, load_demo, ror_count

    s = commands.settings()
    factory = commands.migrated_factory(s)
    if if_empty:
        with factory() as session:
            if has_demo(session):
                console.print("demo already loaded (run `bioatlas demo load` to refresh it)")
                return
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("ROR records", total=ror_count())
        report = load_demo(factory, taxonomies=load_taxonomies(s.extra_taxonomy_dir),
                           progress=lambda n: progress.advance(task, n))
    seeds = report.seeds
    console.print(
        f"ROR: created {report.counts['created']}, updated {report.counts['updated']}, unchanged {report.counts['unchanged']}; "
        f"seed articles: " + ", ".join(f"{k} {seeds.get(k, 0)}" for k in ("created", "updated", "unchanged"))
    )
    for ema in report.ema:
        console.print(
            f"EMA {ema['report_date']}: read {ema['read']}, created {ema['created']}, updated {ema['updated']}, "
            f"unchanged {ema['unchanged']}"
        )
    occ, titles = report.rome["occupations"], report.rome["titles"]
    console.print(
        f"ROME: occupations created {occ['created']}, unchanged {occ['unchanged']}; "
        f"job titles created {titles['created']}, unchanged {titles['unchanged']}"
    )
    for name, summary in report.steps.items():
        console.print(f"{name}: " + ", ".join(f"{key} {value}" for key, value in summary.items()))
    console.print(
        f"observatory: {report.observatory['reference']['counts']} reference rows; "
        f"{sum(report.observatory['computed'].values())} computed values"
    )


def _register_feature_commands() -> None:
    """Every feature adds its commands through the plug-in hook `bioatlas_cli`."""
    from bioatlas.core.plugins import call_each

    call_each("bioatlas_cli", app=app, import_app=import_app, console=console)


_register_feature_commands()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
