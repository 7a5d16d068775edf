"""A background rebuild of the Tantivy index in a process of its own (`bioatlas serve`).

`tantivy_index` rebuilds a large index in the background (FTS5 answers meanwhile). In a thread of
`bioatlas serve`'s master, the writer's memory (its budget is `WRITER_HEAP`; ~0.6 GiB held at
200,000 actors) grew in the process the workers and renderers are forked from: each inherited a
copy of what was allocated so far, and the master kept what the allocator did not give back (200k
atlas, 2 workers, no renderers: PSS 1,680 MiB during such a rebuild against 1,021 without). In a
spawned process it is given back whole when that process exits, and nothing is inherited."""

from __future__ import annotations

import multiprocessing
from pathlib import Path


def run(url: str, taxonomies: dict, path: Path) -> int | None:
    """Rebuild the index at `path` of the database at `url` in a new (spawned) process; waits for
    it. Its exit code (None when another part of the process reaped it: gunicorn's master reaps
    any child; the caller checks the index's state instead). Daemonic: a server that stops ends
    it (the rebuild starts again at the next start) instead of waiting for it at exit."""
    process = multiprocessing.get_context("spawn").Process(target=rebuild_in_child, args=(url, taxonomies, str(path)),
                                                           name="tantivy-rebuild", daemon=True)
    process.start()
    process.join()
    return process.exitcode


def rebuild_in_child(url: str, taxonomies: dict, path: str) -> dict:
    """The child's work: its own engine on the database, then `tantivy_index.rebuild`."""
    from sqlalchemy.orm import Session

    from bioatlas.core.db import make_engine
    from bioatlas.search import tantivy_index

    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return tantivy_index.rebuild(session, taxonomies, Path(path))
    finally:
        engine.dispose()
