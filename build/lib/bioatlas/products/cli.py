"""`bioatlas import ema FILE`: load an EMA list of medicines into products (see docs/sources-ema.md; the parser is `sources/ema.py`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from bioatlas.core.commands import session_factory


def register(import_app: typer.Typer, console: Console) -> None:
    @import_app.command("ema")
    def import_ema_cmd(
        file: Annotated[Path, typer.Argument(help="EMA medicines report (.xlsx), 2018-2020 or current column set")],
        dry_run: Annotated[bool, typer.Option(help="read and check everything, write nothing")] = False,
        strict: Annotated[bool, typer.Option(help="write nothing when a row is rejected")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON on stdout")] = False,
    ) -> None:
        """Import the EMA list of centrally authorised medicines: one product per EMA product number,
        classified biologic or not, holder resolved to an actor when its name matches exactly.

        Re-importing the same list changes nothing; a newer list updates what changed. One transaction.
        Exit status: 0 imported, 1 rows rejected with --strict (nothing written), 2 unusable file."""
        from rich.progress import Progress

        from bioatlas.products.service import import_ema
        from bioatlas.sources.ema import EmaFileError


        factory = session_factory()
        try:
            with Progress(console=console, transient=True) as progress:
                reading = progress.add_task(f"reading {file.name}", total=None)
                state: dict = {}

                def on_read(n: int) -> None:
                    progress.remove_task(reading)
                    state["task"] = progress.add_task("products", total=n)

                report = import_ema(
                    factory, path=file, dry_run=dry_run, strict=strict, on_read=on_read,
                    progress=lambda k: progress.advance(state["task"], k),
                )
        except EmaFileError as exc:
            console.print(f"[red]error:[/red] {exc}")
            console.print("[red]nothing was written[/red]")
            raise typer.Exit(2) from None
        body = report.as_dict()
        if as_json:
            print(json.dumps(body, ensure_ascii=False, indent=2))
        else:
            _print_summary(console, file, body)
        if strict and body["rejected"]:
            raise typer.Exit(1)




def _print_summary(console: Console, file: Path, body: dict) -> None:
    head = ", ".join(f"{k} {body[k]}" for k in ("read", "created", "updated", "unchanged", "older", "rejected"))
    flag = " (dry run: nothing written)" if body["dry_run"] else ("" if body["committed"] else " (nothing written)")
    console.print(f"[bold]{file.name}[/bold] — EMA list of {body['report_date']} ({body['column_set']} columns){flag}")
    console.print(f"  {head}")
    cats = ", ".join(f"{k} {v}" for k, v in body["categories"].items())
    console.print(f"  categories: {cats}")
    if body["changed_fields"]:
        console.print("  changed fields: " + ", ".join(f"{k} {v}" for k, v in body["changed_fields"].items()))
    console.print(f"  biologics: {body['biologics']}   ATMPs: {body['atmps']}")
    mah = body["mah"]
    holders = mah["resolved"] + mah["ambiguous"] + mah["conflict"] + mah["unresolved"]
    console.print(
        f"  holders resolved to an actor: {mah['resolved']} of {holders} (ambiguous {mah['ambiguous']}, "
        f"country conflict {mah['conflict']}, unresolved {mah['unresolved']}, no holder {mah['empty']}); "
        f"holder country known: {body['mah_countries']}"
    )
    if body["not_in_list"]:
        console.print(f"  products stored earlier that this list no longer names: {body['not_in_list']}")
    table = Table("rule", "products", title="biologics by deciding rule")
    for rule, n in body["biologics_by_rule"].items():
        table.add_row(rule, str(n))
    console.print(table)
    for w in body["warnings"][:20]:
        console.print(f"[yellow]warning:[/yellow] {w}")
    errors = body["errors"]
    if errors:
        table = Table("line", "column", "value", "reason", title="rejected rows")
        for e in errors[:200]:
            table.add_row(str(e["line"]), str(e["column"] or ""), str(e["value"] or "")[:40], e["reason"])
        console.print(table)
        if len(errors) > 200:
            console.print(f"… and {len(errors) - 200} more (use --json for all)")
