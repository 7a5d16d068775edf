"""`bioatlas calls list | results | close`: the calls seen from the command line (the same
service calls as the pages and the API; wired by `register(app, console)` from plugin.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from bioatlas.calls import service
from bioatlas.core import commands
from bioatlas.core.db import transaction


def register(app: typer.Typer, console: Console) -> None:
    group = typer.Typer(help="Calls and challenges: list them, export a call's results, close a call.",
                        no_args_is_help=True)
    app.add_typer(group, name="calls")

    def factory():
        return commands.migrated_factory(commands.settings())

    def the_call(session, call_id: int):
        call = service.get_call(session, call_id=call_id)
        if call is None:
            console.print(f"[red]call_id: no call number {call_id}[/red]")
            raise typer.Exit(2)
        return call

    @group.command("list")
    def list_cmd(
        drafts: Annotated[bool, typer.Option("--drafts", help="include the calls not published yet")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="print the calls as JSON on stdout")] = False,
    ) -> None:
        """List the calls (latest deadline first) with their status, deadline in the call's time
        zone, submitted applications and laureates."""
        with transaction(factory()) as session:
            rows = []
            for call in service.list_calls(session, include_drafts=drafts):
                apps = service.applications_of_call(session, call_id=call.id)
                rows.append({"id": call.id, "kind": call.kind, "status": call.status, "title": call.title_fr,
                             "deadline": service.local_deadline(call), "open": service.is_open(call),
                             "applications": len(apps),
                             "laureates": sum(1 for a in apps if a.result == "laureate")})
        if as_json:
            print(json.dumps(rows, ensure_ascii=False))
            return
        table = Table("id", "kind", "status", "title", "deadline", "applications", "laureates")
        for r in rows:
            table.add_row(str(r["id"]), r["kind"], r["status"] + (" (open)" if r["open"] else ""), r["title"],
                          r["deadline"], str(r["applications"]), str(r["laureates"]))
        Console().print(table)

    @group.command("results")
    def results_cmd(
        call_id: Annotated[int, typer.Argument(help="the call's number (see `bioatlas calls list`)")],
        output: Annotated[Optional[Path], typer.Option("--output", "-o", help="write the CSV to this file (default: stdout)")] = None,
        scores: Annotated[bool, typer.Option("--scores", help="every review's scores per criterion instead of one row per application")] = False,
    ) -> None:
        """Export a call's results as CSV (UTF-8): one row per submitted application, best total
        first (applicant, actor, weighted total of the medians, thresholds met, decision, result);
        with --scores, one row per review and criterion, then the medians and totals."""
        with transaction(factory()) as session:
            call = the_call(session, call_id)
            body = service.scores_csv(session, call=call) if scores else service.results_csv(session, call=call)
        if output is None:
            sys.stdout.write(body)
        else:
            output.write_text(body, encoding="utf-8")
            console.print(f"{output}: {body.count(chr(10)) - 1} rows")

    @group.command("close")
    def close_cmd(
        call_id: Annotated[int, typer.Argument(help="the call's number (see `bioatlas calls list`)")],
    ) -> None:
        """Close a published call to applications now (its deadline becomes now, audited): drafts
        can no longer be saved or submitted; the review goes on. Exit 1 when the call cannot be
        closed (a draft, already closed, not open yet), 2 when there is no such call."""
        try:
            with transaction(factory()) as session:
                call = the_call(session, call_id)
                service.close_call(session, call=call, by_user_id=None)
                deadline = service.local_deadline(call)
        except service.CallError as exc:
            console.print(f"[red]{exc}[/red] (nothing was changed)")
            raise typer.Exit(1) from None
        console.print(f"call {call_id} closed to applications: deadline {deadline}")
