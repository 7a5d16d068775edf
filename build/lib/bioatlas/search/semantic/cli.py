"""`bioatlas search embed [--all] [--force]`: encode the actors that lack a current vector.
`register(search_app, console)` is called by `bioatlas/search/cli.py` on its `search` group."""

from __future__ import annotations

import time

import typer

from bioatlas.core.commands import session_factory


def register(app: typer.Typer, console) -> None:
    @app.command("embed")
    def embed_cmd(
        everything: bool = typer.Option(False, "--all", help="check every actor's text (re-encode only changed ones)"),
        force: bool = typer.Option(False, "--force", help="re-encode every actor"),
        batch: int = typer.Option(1000, min=1, max=100_000, help="actors per committed batch"),
    ) -> None:
        """Semantic search: compute the vectors of new, changed or never-encoded actors."""
        from bioatlas.search.semantic import encoder
        from bioatlas.search.semantic.store import embed_pending

        factory = session_factory()
        start = time.perf_counter()

        def progress(stats) -> None:
            console.print(f"  {stats.encoded} encoded, {stats.unchanged} unchanged ({time.perf_counter() - start:.0f} s)")

        stats = embed_pending(factory, everything=everything, force=force, batch=batch, progress=progress)
        seconds = time.perf_counter() - start
        rate = f", {stats.encoded / stats.seconds_encoding:.0f} texts/s" if stats.seconds_encoding else ""
        console.print(
            f"{stats.encoded} actors encoded, {stats.unchanged} unchanged in {seconds:.1f} s{rate} ({encoder.model_id()})"
        )
