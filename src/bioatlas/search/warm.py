"""Warm-up (see `app.warm_up`): the search's in-memory facet index, the Tantivy index with the
default view's facet counts (on a SQLite file), then the encoder and the vector index of the
semantic search when it is available."""

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
