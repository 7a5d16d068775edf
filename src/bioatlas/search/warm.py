"""Warm-up (see `app.warm_up`): the search's in-memory facet index, the Tantivy index with the
default view's facet counts (on a SQLite file), then the encoder and the vector index of the
semantic search when it is available; and the facet index's files saved again, and the Tantivy
index brought up to the change log, when behind it (`save`, the task queue worker's; neither
when index files are off: `BIOATLAS_INDEX_FILES=0`)."""

from __future__ import annotations


def warm(sessions, settings) -> None:
    from bioatlas.atlas.service import taxonomies as load_taxonomies
    from bioatlas.search import index_cache, tantivy_index, tantivy_search
    from bioatlas.search.backends import backend_for
    from bioatlas.search.service import semantic_function

    with sessions() as session:
        taxonomies = load_taxonomies(settings)
        index_cache.current(session, taxonomies)
        if backend_for(session).name == "tantivy":
            try:
                tantivy_search.prime(tantivy_index.current(session, taxonomies), taxonomies)
            except tantivy_index.Unavailable:  # being rebuilt in the background: FTS5 answers meanwhile
                pass
        semantic = semantic_function()
        if semantic is not None:
            semantic(session, query="bioproduction", k=1)


def save(sessions, settings) -> dict[str, str]:
    from bioatlas.atlas.service import files_due, latest_change, taxonomies as load_taxonomies
    from bioatlas.core import index_files
    from bioatlas.search import index_cache, tantivy_index

    with sessions() as session:
        taxonomies = load_taxonomies(settings)
        due = files_due(session, settings=settings)
        done = {index_cache.LIVE.name: index_cache.LIVE.save_behind(session, taxonomies, due=due)}
        if not index_files.enabled():
            return done  # BIOATLAS_INDEX_FILES=0: no file written, Tantivy's catch-up neither
        path = tantivy_index.index_dir(session)
        if path is None or not (path / "state.json").exists():
            return done  # none beside this atlas: `bioatlas serve` builds it, not the worker
        try:  # its catch-up mark (state.json) is written by whichever process catches up first
            seq, top = tantivy_index.saved_seq(path), latest_change(session)
            if seq < 0:
                done["tantivy"] = "unreadable"  # the next start rebuilds it
            elif seq == top:
                done["tantivy"] = "current"
            elif seq < top and not due(seq, top):
                done["tantivy"] = "not due"
            else:
                tantivy_index.current(session, taxonomies)
                done["tantivy"] = "caught up"
        except tantivy_index.Unavailable:
            done["tantivy"] = "being rebuilt"
        return done
