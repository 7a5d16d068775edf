"""Every page of a search, for comparing the engine's answers with the numpy path's
(tests/search/test_tantivy_search.py, test_tantivy_names_first.py)."""

from __future__ import annotations

from bioatlas.search.service import search


def pages(session, taxonomies, q, f, mode="fulltext", limit=7, scale=()):
    """Every page of a search, followed by its cursor: (total, [(id, score)], facets of page 1)."""
    first = search(session, q=q, f=f, taxonomies=taxonomies, mode=mode, limit=limit, scale=scale)
    found, result = [], first
    while True:
        found += [(i, result.scores.get(i)) for i in result.ids]
        if result.next_cursor is None:
            break
        result = search(session, q=q, f=f, taxonomies=taxonomies, mode=mode, limit=limit, cursor=result.next_cursor,
                        scale=scale)
    return first.total, found, first.facets, first.match
