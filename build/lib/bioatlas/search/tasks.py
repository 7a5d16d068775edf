"""The search room's background task `search.tantivy_rebuild`: the work of `bioatlas search
tantivy` (rebuild the Tantivy index beside the SQLite database) in the worker."""

from __future__ import annotations

from bioatlas.atlas.service import taxonomies as load_taxonomies
from bioatlas.jobs.service import current_sessions
from bioatlas.search import tantivy_index


def rebuild_tantivy() -> dict:
    with current_sessions()() as session:
        if tantivy_index.index_dir(session) is None:
            return {"skipped": "not a SQLite database file"}
        return tantivy_index.rebuild(session, load_taxonomies())
