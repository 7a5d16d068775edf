"""`bioatlas import france-travail FILE`: job offers in France Travail's offer JSON format;
`bioatlas import france-travail-api --rome H2302 [--departement 91]`: the same, searched through
France Travail's API (credentials from the environment).

Exit status: 0 imported, 1 rows rejected (nothing written unless --skip-invalid), 2 not a France
Travail offer file, a refused search parameter, or the API not answering as documented."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from bioatlas.core.commands import session_factory, settings
from bioatlas.jobboard import ft_api, service
from bioatlas.jobboard.ft_import import FranceTravailReport, import_from_api


def register(import_app: typer.Typer, console: Console) -> None:
    @import_app.command("france-travail")
    def import_france_travail(
        path: Annotated[Path, typer.Argument(help="France Travail offers JSON (the API's {'resultats': [...]}, or a list)")],
        dry_run: Annotated[bool, typer.Option(help="check and count everything, write nothing")] = False,
        skip_invalid: Annotated[bool, typer.Option(help="import the valid offers, report the others")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON on stdout")] = False,
    ) -> None:
        """Import job offers published by France Travail into the job board. Offers keep their
        source and id: importing a newer file refreshes them (and pushes their expiry), never
        duplicates them. One transaction: by default a rejected offer and nothing is written."""
        try:
            report = service.import_france_travail(session_factory(), path=str(path), dry_run=dry_run,
                                                   skip_invalid=skip_invalid,
                                                   default_days=settings().jobboard_offer_days)
        except service.FormatError as exc:
            console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from None
        _print(console, report, as_json=as_json, dry_run=dry_run)

    @import_app.command("france-travail-api")
    def import_france_travail_api(
        rome: Annotated[list[str], typer.Option(help="ROME code to search (repeatable or comma-separated), e.g. H2302")],
        departement: Annotated[list[str] | None, typer.Option(help="département code (repeatable), e.g. 91")] = None,
        limit: Annotated[int | None, typer.Option(min=1, help="stop after this many offers")] = None,
        dry_run: Annotated[bool, typer.Option(help="fetch, check and count everything, write nothing")] = False,
        skip_invalid: Annotated[bool, typer.Option(help="import the valid offers, report the others")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON on stdout")] = False,
    ) -> None:
        """Search France Travail's "Offres d'emploi v2" API by ROME codes (and départements) and
        import the offers like a file (refreshed, never duplicated). Needs the environment's
        BIOATLAS_FRANCE_TRAVAIL_CLIENT_ID and BIOATLAS_FRANCE_TRAVAIL_CLIENT_SECRET; waits out the
        API's rate limit (429, Retry-After)."""
        conf = settings()
        codes = [c for v in rome for c in v.split(",") if c.strip()]
        deps = [d for v in departement or [] for d in v.split(",") if d.strip()]
        try:
            with ft_api.FranceTravailClient(client_id=conf.france_travail_client_id,
                                            client_secret=conf.france_travail_client_secret,
                                            token_url=conf.france_travail_token_url,
                                            api_url=conf.france_travail_api_url) as client:
                report, fetched = import_from_api(session_factory(), client=client, rome_codes=codes, departements=deps,
                                                  limit=limit, dry_run=dry_run, skip_invalid=skip_invalid,
                                                  default_days=conf.jobboard_offer_days)
        except (ValueError, ft_api.ApiError) as exc:
            console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from None
        if not as_json:
            console.print(f"France Travail API: {fetched.total} offers announced, {len(fetched.offers)} fetched in "
                          f"{fetched.requests} requests ({fetched.waited:.0f} s waited on the rate limit)"
                          + (" — more than one search can reach: narrow it" if fetched.truncated else ""))
        _print(console, report, as_json=as_json, dry_run=dry_run)


def _print(console: Console, report: FranceTravailReport, *, as_json: bool, dry_run: bool) -> None:
    if as_json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        console.print(f"France Travail offers{' (dry run, nothing written)' if dry_run else ''}: read {report.read}, "
                      f"created {report.created}, updated {report.updated}, unchanged {report.unchanged}, "
                      f"rejected {report.rejected}, matched to atlas actors {report.matched_actors}")
        for e in report.errors[:100]:
            console.print(f"  offer {e.line} ({e.value}): {e.column}: {e.reason}")
    if report.errors and not report.skip_invalid:
        raise typer.Exit(1)
