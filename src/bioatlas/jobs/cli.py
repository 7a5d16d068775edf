"""`bioatlas jobs worker [--workers N]`, `bioatlas jobs list`, `bioatlas jobs enqueue NAME`."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from bioatlas.core import commands, index_files
from bioatlas.core.config import Settings
from bioatlas.jobs import service
from bioatlas.jobs.models import STATUSES
from bioatlas.jobs.queue import JobsConfigError, location


def _utc(at: datetime | None) -> str:
    """A time of `job_runs` in UTC (SQLite gives it naive, in UTC; PostgreSQL in the session's zone)."""
    if at is None:
        return ""
    return (at.astimezone(timezone.utc) if at.tzinfo else at).strftime("%Y-%m-%d %H:%M:%S")


def register(app: typer.Typer, console: Console) -> None:
    jobs_app = typer.Typer(help="The durable task queue: worker, jobs.", no_args_is_help=True)
    app.add_typer(jobs_app, name="jobs")

    def settings_or_exit() -> Settings:
        settings = commands.settings()
        service.configure(settings)
        return settings

    sessions = commands.migrated_factory

    def queue_or_exit(settings: Settings):
        try:
            return service.queue_for(settings)
        except JobsConfigError as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(2) from None

    @jobs_app.command("worker")
    def worker_cmd(
        workers: Annotated[int, typer.Option(min=1, max=32, help="worker threads running jobs side by side")] = 1,
    ) -> None:
        """Run the jobs: waits for work until interrupted (Ctrl-C lets running jobs finish; SIGTERM stops at once, a running job recorded failed). Each job is recorded in job_runs (`bioatlas jobs list`, /admin/jobs); a record a busy database refuses is tried again, then written with the next one.

        Every minute (task jobs.save_indexes) it also saves the index files of `bioatlas serve` (map, search facets, resolver) again where they are behind the atlas's change log by BIOATLAS_INDEX_SAVE_EDITS rows, or the atlas has been quiet for BIOATLAS_INDEX_SAVE_QUIET seconds, and brings the Tantivy index up to the log: a server's next start then has few edits to replay; the resolver's files are read and written in a short-lived child process. After BIOATLAS_INDEX_REORDER_QUIET seconds without an edit it rebuilds a Tantivy index no longer in actor id order, apart, and swaps it in (BIOATLAS_INDEX_FILES=0: all of this off)."""
        settings = settings_or_exit()
        index_files.enable(root=settings.data_dir / "indexes")  # the files `bioatlas serve` reads
        sessions(settings)  # migrated: the worker records its runs in `job_runs`
        queue = queue_or_exit(settings)
        where = location(settings).split("@")[-1]  # never print a password
        console.print(f"worker on {where}: {workers} thread(s); tasks: {', '.join(sorted(queue.tasks))}; "
                      f"{queue.pending()} job(s) waiting")
        # the worker's log (stderr): each job started, done, retried or failed, with huey's own lines
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        service.run_worker(settings=settings, workers=workers)

    @jobs_app.command("list")
    def list_cmd(
        limit: Annotated[int, typer.Option(min=1, max=1000, help="how many jobs, newest first")] = 20,
        status: Annotated[Optional[str], typer.Option(help="only this status: " + ", ".join(STATUSES))] = None,
    ) -> None:
        """The latest jobs, newest first: task, status, attempts, queued and finished times (UTC), error; then the count per status."""
        if status is not None and status not in STATUSES:
            console.print(f"[red]--status: expected one of {', '.join(STATUSES)}, got {status!r}[/red]")
            raise typer.Exit(2)
        settings = settings_or_exit()
        with sessions(settings)() as session:
            rows = service.recent(session, limit=limit, status=status)
            totals = service.counts(session)
        table = Table("id", "task", "status", "attempts", "enqueued", "finished", "error", caption="times in UTC")
        for row in rows:
            table.add_row(row.id[:8], row.task, row.status, str(row.attempts), _utc(row.enqueued_at),
                          _utc(row.finished_at), (row.error or "")[:80])
        Console().print(table)
        console.print(", ".join(f"{s} {totals.get(s, 0)}" for s in STATUSES))

    @jobs_app.command("enqueue")
    def enqueue_cmd(
        name: Annotated[str, typer.Argument(help="task name, e.g. search.embed")],
        args: Annotated[str, typer.Option("--args", help="keyword arguments as a JSON object")] = "{}",
    ) -> None:
        """Queue one job for the worker; prints its id."""
        try:
            kwargs = json.loads(args)
        except json.JSONDecodeError as exc:
            console.print(f"[red]--args: not valid JSON ({exc.msg})[/red]")
            raise typer.Exit(2) from None
        if not isinstance(kwargs, dict):
            console.print("[red]--args: expected a JSON object[/red]")
            raise typer.Exit(2)
        settings = settings_or_exit()
        sessions(settings)
        queue = queue_or_exit(settings)
        if name not in queue.tasks:
            console.print(f"[red]unknown task {name!r}; known: {', '.join(sorted(queue.tasks))}[/red]")
            raise typer.Exit(2)
        print(service.enqueue(name, settings=settings, **kwargs))
