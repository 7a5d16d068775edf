"""`bioatlas scope compute [--rules FILE] [--dry-run] [--json]` and `bioatlas scope rules`: the
sector scope as data (atlas/sector/rules.csv; docs/sector-scope.md)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from sqlalchemy.orm import Session, sessionmaker

from bioatlas.atlas import scope
from bioatlas.atlas.taxonomy import Taxonomy, load_taxonomies
from bioatlas.core import commands
from bioatlas.core.reports import write_or_rollback


def run(factory: sessionmaker[Session], *, taxonomies: Mapping[str, Taxonomy], rules: scope.RuleSet | None = None,
        dry_run: bool = False) -> scope.ScopeReport:
    """Compute the scope in one transaction (nothing written on a dry run or an error)."""
    rules = rules or scope.shipped_rules()
    report = scope.ScopeReport(dry_run=dry_run)

    def write(session: Session) -> None:
        found = scope.compute(session, rules=rules, taxonomies=taxonomies)
        for name in ("actors", "added", "removed", "changed", "by_rule"):
            setattr(report, name, getattr(found, name))

    return write_or_rollback(factory, report, write)


def demo_step(factory: sessionmaker[Session], *, taxonomies: Mapping[str, Taxonomy]) -> dict[str, Any]:
    """The demo's step at order 300: the scope over whatever the demo loaded."""
    return run(factory, taxonomies=taxonomies).as_dict()


def register(app: typer.Typer, console: Console) -> None:
    scope_app = typer.Typer(help="The sector scope: which actors belong to the biotherapy and bioproduction "
                                 "ecosystem, and why (rules in atlas/sector/rules.csv).", no_args_is_help=True)
    app.add_typer(scope_app, name="scope")

    @scope_app.command("compute")
    def compute_cmd(
        rules_file: Annotated[Path | None, typer.Option("--rules", help="a rule file to use instead of the shipped one")] = None,
        dry_run: Annotated[bool, typer.Option("--dry-run", help="evaluate and count, write nothing")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
    ) -> None:
        """Evaluate every scope rule over the atlas and store each actor's reasons (run it after an
        import: new actors enter the scope here, and the map and search follow)."""
        settings = commands.settings()
        try:
            rules = scope.read_rules(rules_file) if rules_file else scope.shipped_rules()
        except scope.ScopeRuleError as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(1) from None
        factory = commands.migrated_factory(settings)
        try:
            report = run(factory, taxonomies=load_taxonomies(settings.extra_taxonomy_dir), rules=rules, dry_run=dry_run)
        except scope.ScopeRuleError as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(1) from None
        if as_json:
            print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
            return
        console.print(f"sector scope{' (dry run, nothing written)' if dry_run else ''}: {report.actors} actors in scope "
                      f"(+{report.added}, -{report.removed}, {report.changed} changed)")
        for rule, n in report.by_rule.items():
            console.print(f"  {rule}: {n}")

    @scope_app.command("rules")
    def rules_cmd(
        rules_file: Annotated[Path | None, typer.Option("--rules", help="a rule file to check instead of the shipped one")] = None,
    ) -> None:
        """Check a rule file and list its rules (an error names the file, line and column)."""
        try:
            rules = scope.read_rules(rules_file)
            scope.check_taxonomies(rules, load_taxonomies(commands.settings().extra_taxonomy_dir))
        except scope.ScopeRuleError as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(1) from None
        for r in rules.rules:
            console.print(f"{r.id} ({r.kind}{': ' + '|'.join(r.fields) if r.fields else ''}): {r.label_en}")
