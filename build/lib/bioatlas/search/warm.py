"""Warm-up (see `app.warm_up`): the search's in-memory facet index, then the encoder and the
vector index of the semantic search when it is available."""

from __future__ import annotations


def warm(sessions, settings) -> None:
    from bioatlas.atlas.service import taxonomies as load_taxonomies
    from bioatlas.search import index_cache
    from bioatlas.search.service import semantic_function

    with sessions() as session:
        index_cache.current(session, load_taxonomies(settings))
        semantic = semantic_function()
        if semantic is not None:
            semantic(session, query="bioproduction", k=1)
