"""`bioatlas search reindex` and `bioatlas search query "…"`."""

from __future__ import annotations

import time

import typer

from bioatlas.atlas.service import FilterError, find_actors, gazetteer, parse_view
from bioatlas.atlas.service import taxonomies as load_taxonomies
from bioatlas.core.commands import session_factory


def register(app: typer.Typer, console) -> None:
    search_app = typer.Typer(help="Full-text search: rebuild the index, query it.", no_args_is_help=True)
    app.add_typer(search_app, name="search")
    from bioatlas.search.semantic.cli import (
        register as register_semantic,  # `search embed`
    )

    register_semantic(search_app, console)

    @search_app.command("reindex")
    def reindex_cmd() -> None:
        """Rebuild the search documents and vocabulary of every actor."""
        from bioatlas.search.index import counts, rebuild

        start = time.perf_counter()
        factory = session_factory()
        n = rebuild(factory)  # one transaction: an interrupt leaves the previous index
        with factory() as session:
            c = counts(session)
        console.print(f"indexed {n} actors, {c['terms']} terms in {time.perf_counter() - start:.1f} s")

    @search_app.command("tantivy")
    def tantivy_cmd() -> None:
        """Rebuild the Tantivy full-text index beside the SQLite database (<atlas file>.tantivy);
        searches also rebuild it by themselves when it is missing, unreadable or too far behind."""
        from bioatlas.search import tantivy_index

        with session_factory()() as session:
            if tantivy_index.index_dir(session) is None:
                console.print("[red]the Tantivy index lives beside a SQLite database file (PostgreSQL keeps its own full text)[/red]")
                raise typer.Exit(2)
            report = tantivy_index.rebuild(session, load_taxonomies())
        console.print(f"Tantivy index: {report['documents']} documents in {report['seconds']} s (change-log seq {report['seq']})")

    @search_app.command("query")
    def query_cmd(
        q: str = typer.Argument(..., help="the words to search"),
        limit: int = typer.Option(10, min=1, max=100),
        kind: list[str] = typer.Option([], help="actor kind code (repeatable)"),
        region: list[str] = typer.Option([], help="INSEE region code (repeatable)"),
        mode: str = typer.Option("hybrid", help="hybrid or fulltext"),
    ) -> None:
        """Search the atlas and print the ranked actors."""
        from bioatlas.search.service import search

        if mode not in ("hybrid", "fulltext"):
            console.print("[red]--mode: hybrid or fulltext[/red]")
            raise typer.Exit(2)
        taxonomies = load_taxonomies()
        try:
            f = parse_view({"kind": kind, "region": region, "q": [q]}, taxonomies=taxonomies, gazetteer=gazetteer())
        except FilterError as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(2) from None
        with session_factory()() as session:
            start = time.perf_counter()
            result = search(session, q=f.q, f=f, taxonomies=taxonomies, limit=limit, mode=mode, with_facets=False)
            ms = (time.perf_counter() - start) * 1000
            names = {a.id: a.name for a in find_actors(session, ids=result.ids, limit=len(result.ids) + 1)}
        console.print(f"{result.total} actors ({result.match} words{', semantic' if result.semantic else ''}), {ms:.0f} ms")
        if result.corrected:
            console.print("corrected: " + ", ".join(f"{w} → {'/'.join(c)}" for w, c in result.corrected.items()))
        for rank, actor_id in enumerate(result.ids, 1):
            console.print(f"{rank:>3}. {names.get(actor_id, '?')}  [dim]#{actor_id}[/dim]", highlight=False)
        # exit code 0 even with no result: an empty answer is an answer
